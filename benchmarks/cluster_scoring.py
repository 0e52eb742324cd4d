"""How fast does a local Dask cluster score a Parquet table, against one process?

1. Fits ``make_pipeline(MinMaxScaler(), AutoencoderDetector(epochs=5))`` on
   the ECG5000 protocol's normal training beats (140 features).
2. Writes a table of ``--rows`` rows (default 400,000, float64: 448 MB) as
   ``--files`` Parquet files (default 16): resampled test beats plus noise.
3. One process: reads each file with pandas, computes ``score_samples`` and
   ``predict`` of its rows and writes them to a Parquet file, file by file.
4. Dask: the scaling guide's recipe (``read_parquet``, ``map_partitions``
   with ``dask.delayed(model)``, ``to_parquet``) on a ``LocalCluster`` of
   ``--workers`` single-threaded worker processes, TensorFlow capped to one
   thread per worker as the guide advises. A warm-up run (the workers import
   TensorFlow and receive the model) is not timed.
5. Prints rows/s for both, the median of ``--repeat`` runs each, and checks
   that both wrote the same scores.

Run: python benchmarks/cluster_scoring.py [--quick] [--rows 400000] [--workers 2] [--repeat 3]
Feeds the "Scoring on a cluster (Dask)" section of RESULTS.md (written by
hand from its output; not in ``run_all.py``: it needs ``distributed``).
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _common import finish, machine_info, median_seconds, parser
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector
from sklearn_recon._studies._protocol import ecg5000_split

# TensorFlow's thread pools, one thread per worker (docs/user_guide/scaling.rst)
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


def score_partition(part, model):
    """Scores and flags of one partition of the table, a pandas DataFrame."""
    return pd.DataFrame(
        {"score": model.score_samples(part), "flag": model.predict(part)},
        index=part.index,
    )


def build(rows, files, folder):
    X_train, X_test, y_train, _ = ecg5000_split()
    columns = [f"t{i}" for i in range(X_train.shape[1])]
    normal = pd.DataFrame(X_train[y_train == 1], columns=columns)
    model = make_pipeline(MinMaxScaler(), AutoencoderDetector(epochs=5, random_state=0)).fit(normal)
    rng = np.random.RandomState(0)
    per_file = rows // files
    for i in range(files):
        beats = X_test[rng.randint(len(X_test), size=per_file)]
        part = pd.DataFrame(beats + 0.05 * rng.normal(size=beats.shape), columns=columns)
        part.index += i * per_file
        part.to_parquet(folder / "readings" / f"part-{i:03d}.parquet")
    return model, per_file * files


def one_process(model, folder):
    out = folder / "scores-serial"
    out.mkdir(exist_ok=True)
    for path in sorted((folder / "readings").glob("*.parquet")):
        score_partition(pd.read_parquet(path), model).to_parquet(out / path.name)
    return out


def on_dask(model, folder, client):
    import dask
    import dask.dataframe as dd

    out = folder / "scores-dask"
    scores = dd.read_parquet(folder / "readings").map_partitions(
        score_partition, dask.delayed(model), meta={"score": "float64", "flag": "int64"}
    )
    scores.to_parquet(out, overwrite=True)
    return out


def main(argv=None):
    args_parser = parser(__doc__)
    args_parser.add_argument("--rows", type=int, default=400_000)
    args_parser.add_argument("--files", type=int, default=16)
    args_parser.add_argument("--workers", type=int, default=2)
    args_parser.add_argument("--repeat", type=int, default=3)
    args = args_parser.parse_args(argv)
    if args.quick:
        args.rows, args.files, args.repeat = 20_000, 4, 1

    from distributed import Client, LocalCluster

    print(machine_info())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "readings").mkdir()
        model, rows = build(args.rows, args.files, folder)
        print(f"{rows:,} rows x 140 float64 in {args.files} Parquet files")

        serial = rows / median_seconds(lambda: one_process(model, folder), args.repeat)
        print(f"one process: {serial:,.0f} rows/s")

        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True,
            dashboard_address=None, env=WORKER_ENV,
        ) as cluster, Client(cluster) as client:  # fmt: skip
            on_dask(model, folder, client)  # warm-up: imports, the model to the workers
            dask_rate = rows / median_seconds(lambda: on_dask(model, folder, client), args.repeat)
        print(f"Dask LocalCluster, {args.workers} workers x 1 thread: {dask_rate:,.0f} "
              f"rows/s, {dask_rate / serial:.2f}x one process")  # fmt: skip

        serial_scores = pd.concat(
            pd.read_parquet(p) for p in sorted((folder / "scores-serial").glob("*.parquet"))
        ).sort_index()
        dask_scores = pd.read_parquet(folder / "scores-dask").sort_index()
        same = np.array_equal(serial_scores["score"], dask_scores["score"]) and np.array_equal(
            serial_scores["flag"], dask_scores["flag"]
        )
        print(f"same scores and flags: {same}")
    figures = dict(rows=rows, serial=serial, dask=dask_rate, workers=args.workers, same=same)
    return finish("cluster_scoring", None, figures)


if __name__ == "__main__":
    main()
