"""Score a table of Parquet files on a Dask cluster, partition by partition.

Run it as ``python score_with_dask.py MODEL READINGS SCORES``: ``MODEL`` is a
file written by ``sklearn_recon.save`` (an estimator or Pipeline fitted on a
DataFrame with the table's columns), ``READINGS`` a folder of Parquet files
(``s3://...``, ``hdfs://...`` and the other fsspec locations work the same),
``SCORES`` the folder the scores are written to, one file per partition.

Without arguments it makes its own small example in the current folder
(``model.skr``, fitted on 1000 ECG5000 beats, and ``readings/``, 2000 beats
in four files) and scores it into ``scores/``. Needs ``pip install ".[dask]"``.
"""

import logging
import sys

import dask
import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster

import sklearn_recon


def score_partition(part, model):
    """Scores and flags of one partition of the table, a pandas DataFrame."""
    return pd.DataFrame(
        {"score": model.score_samples(part), "flag": model.predict(part)},
        index=part.index,
    )


def score_table(model, readings, scores):
    """Score the Parquet files of ``readings`` into ``scores``, in the workers."""
    table = dd.read_parquet(readings)
    result = table.map_partitions(
        score_partition,
        dask.delayed(model),  # sent to each worker once, not with every partition
        meta={"score": "float64", "flag": "int64"},
    )
    result.to_parquet(scores)  # each worker writes its partitions' scores


def make_example():
    """A fitted model and a table of readings to score, in the current folder."""
    import os

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_recon import AutoencoderDetector
    from sklearn_recon.datasets import load_ecg5000

    ecg = load_ecg5000(as_frame=True)
    beats = ecg.data.sample(frac=1.0, random_state=0)  # shuffled: every class
    train = beats[ecg.target[beats.index] == 1].iloc[:1000]
    detector = AutoencoderDetector(epochs=20, early_stopping=False, random_state=0)
    sklearn_recon.save(make_pipeline(MinMaxScaler(), detector).fit(train), "model.skr")
    readings = beats.drop(train.index).iloc[:2000]
    os.makedirs("readings", exist_ok=True)
    for i in range(4):  # four files, four partitions
        readings.iloc[i * 500 : (i + 1) * 500].to_parquet(f"readings/part-{i}.parquet")
    return "model.skr", "readings/", "scores/"


def main(args):
    args = args or make_example()
    model_path, readings, scores = args
    model = sklearn_recon.load(model_path)
    # on a cluster, connect to its scheduler: Client("tcp://scheduler-host:8786")
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, silence_logs=logging.ERROR)
    with cluster, Client(cluster):
        score_table(model, readings, scores)
    print(f"Scored the table {readings} with {model_path} into {scores}")


if __name__ == "__main__":  # the workers are processes that import this script
    main(sys.argv[1:])
