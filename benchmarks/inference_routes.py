"""Which inference route is fastest on each Keras backend?

For each backend installed (TensorFlow, JAX, PyTorch; each in its own
subprocess with ``KERAS_BACKEND`` set) and each default detector of the
ECG5000 protocol (the autoencoder, the VAE, the LSTM autoencoder and the RNN
classifier at their default networks, trained for one epoch: the route's
cost does not depend on the weights), times ``score_samples`` on both
routes of :class:`~sklearn_recon.utils._keras.InferenceFunctions`:

- ``numpy``: the network evaluated in NumPy, one BLAS call per row;
- ``compiled``: the backend's compiled function over blocks of
  ``INFERENCE_BLOCK_SIZE`` rows (:mod:`sklearn_recon.utils._backends`);

on 1 row (median of ``--calls`` calls), 32 rows (median of ``--calls``)
and 10,000 rows (the ECG5000 beats tiled; median of ``--repeat`` runs),
all in the same process, and checks exact batch invariance on each route:
32 rows scored one by one must equal, bit for bit, the same rows scored
inside a batch of 1000. A route that is not batch-invariant is not eligible.
Prints one table: milliseconds per call, rows per second at 10,000 rows,
and the route :data:`~sklearn_recon.utils._keras.INFERENCE_ROUTES` gives.

Run (jax and torch installed, e.g. ``pip install -e '.[jax,torch]'``):
python benchmarks/inference_routes.py [--calls 30] [--repeat 3] [--backends tensorflow jax torch]
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import warnings

import numpy as np
from _common import machine_info, median_seconds

DETECTORS = ("autoencoder", "vae", "lstm", "rnn")
ROUTES = ("numpy", "compiled")


def measure(calls, repeat):
    """Time both routes of every detector on this process's backend."""
    import keras
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_recon._protocol import ecg5000_split, protocol_detectors
    from sklearn_recon.utils._keras import InferenceFunctions, inference_route

    X_train, _, y_train, _ = ecg5000_split()
    X_many = np.resize(X_train, (10_000, X_train.shape[1]))
    rows = []
    for name, (label, detector) in protocol_detectors(DETECTORS, epochs=1).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if name == "rnn":
                detector.fit(X_train, y_train)
            else:
                detector.fit(X_train[y_train == 1])
        model = detector.model_
        chosen = inference_route(keras.config.backend(), model)
        for route in ROUTES:
            detector._inference = InferenceFunctions(
                model,
                detector._numpy_network(model),
                check=lambda network: lambda x: detector._output_ops(network, x),
                route=route,
            )
            taken = "numpy" if detector._inference._numpy is not None else "compiled"
            score = detector.score_samples
            score(X_train[:1]), score(X_train[:32]), score(X_many[:2000])  # compile, warm
            alone = np.concatenate([score(X_train[i : i + 1]) for i in range(32)])
            invariant = bool(np.array_equal(alone, score(X_train[:1000])[:32]))
            one = median_seconds(lambda: score(X_train[:1]), calls)
            block = median_seconds(lambda: score(X_train[:32]), calls)
            many = median_seconds(lambda: score(X_many), repeat)
            rows.append(
                {
                    "backend": keras.config.backend(),
                    "detector": label,
                    "route": route if taken == route else f"{route} (took {taken})",
                    "1 row ms": 1e3 * one,
                    "32 rows ms": 1e3 * block,
                    "10k rows ms": 1e3 * many,
                    "rows/s": len(X_many) / many,
                    "batch-invariant": invariant,
                    "chosen": route == chosen,
                }
            )
    return rows


def run_backend(backend, calls, repeat):
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, __file__, "--worker", "--calls", str(calls), "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    if result.returncode != 0:
        raise RuntimeError(f"{backend} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def print_table(rows):
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, bool):
                cells.append("yes" if value else "no")
            elif isinstance(value, float):
                cells.append(f"{value:,.0f}" if column == "rows/s" else f"{value:.3g}")
            else:
                cells.append(str(value))
        print("| " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.calls, args.repeat)))
        return
    print(machine_info())
    for backend in args.backends:  # each backend's rows as soon as measured
        if importlib.util.find_spec(backend) is None:
            print(f"{backend}: not installed, skipped")
            continue
        print_table(run_backend(backend, args.calls, args.repeat))


if __name__ == "__main__":
    main()
