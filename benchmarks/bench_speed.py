"""Speed of fitting and scoring: this checkout against an older install, same run.

Every measurement runs in a fresh subprocess of the interpreter under test,
so both codes pay the same start-up costs and a measurement never sees the
other's compiled functions. Pass the older code's interpreter with
``--old-python`` (a virtual environment where the reference commit is
installed, for example ``pip install git+...@4cd57ba``); without it only
this checkout is measured.

Printed, per detector (default parameters, the ECG5000 protocol of
``sklearn_recon._studies._protocol``, scaler on the normal training beats): fit
seconds and test ROC-AUC for each seed, old and new side by side, each fit
the first of its process (its network traced for the first time; the
seconds its process took to import Keras and start its backend, which
both codes do lazily on the first fit, are printed apart); the wall
time of one ``GridSearchCV`` of 12 AutoencoderDetector candidates x 5 folds
on the normal training beats, and its old/new ratio; the median latency of
``score_samples`` on one row; rows per second through
``Pipeline(MinMaxScaler(), detector)`` from float64.

``--backend`` runs every measurement on that Keras backend (it sets
``KERAS_BACKEND`` for the subprocesses; by default they inherit this
process's environment, so TensorFlow unless it says otherwise).

Usage::

    python benchmarks/bench_speed.py --old-python /path/to/old/venv/bin/python
    python benchmarks/bench_speed.py --backend jax --seeds 0 --no-grid
    PYTHONPATH=$PWD python benchmarks/bench_speed.py --parts backends \
        --detectors autoencoder --repeat 3 --old-path /path/to/older/checkout

The ``backends`` part answers "does every backend train like TensorFlow":
for each detector, backend and code, ``--repeat`` fresh processes (seeds
0, 1, ...) each time the import of Keras and its backend (TensorFlow
included: Keras imports it on every backend), then a first and a second
fit of the default detector on the normal ECG5000 training beats; printed
are the medians and their ratios to TensorFlow's in the same run.
``--old-path`` runs the older code from that checkout with the same
interpreter.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BACKENDS = ("tensorflow", "jax", "torch")

DETECTORS = {
    "autoencoder": "AutoencoderDetector",
    "vae": "VAEDetector",
    "lstm": "LSTMAutoencoderDetector",
    "rnn": "RNNClassifierDetector",
}

_WORKER = Path(__file__).with_name("_speed_worker.py")


#: Environment variables set for every measurement (``--backend``).
_ENV = {}


def measure(python, task, *args, env=None):
    """Run one task of ``_speed_worker.py`` under ``python``; its JSON result.

    ``env`` adds environment variables for this run only.
    """
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        **_ENV,
        **(env or {}),
    }
    # run from the worker's folder: the interpreter imports the
    # sklearn_recon installed in its own environment, not this checkout's
    out = subprocess.run(
        [python, str(_WORKER), task, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=_WORKER.parent,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{python} {task} {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-python", help="interpreter with the older code installed")
    parser.add_argument("--new-python", default=sys.executable)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS), choices=DETECTORS)
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["fit", "grid", "score"],
        choices=["fit", "grid", "score", "backends"],
        help="what to measure (default: all)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of the latency tasks")
    parser.add_argument(
        "--backend", choices=BACKENDS, help="KERAS_BACKEND of the runs (not of 'backends')"
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        default=list(BACKENDS),
        choices=BACKENDS,
        help="the backends of the 'backends' part",
    )
    parser.add_argument(
        "--old-path",
        help="'backends' part: PYTHONPATH of the older code, run by --new-python too",
    )
    parser.add_argument(
        "--old-repeat", type=int, help="'backends' part: runs of the older code (default --repeat)"
    )
    parser.add_argument(
        "--epochs",
        default="default",
        help="'backends' part: epochs of the fits (default: the detector's)",
    )
    args = parser.parse_args(argv)
    if args.backend:
        _ENV["KERAS_BACKEND"] = args.backend
    codes = {"new": args.new_python}
    if args.old_python:
        codes = {"old": args.old_python, **codes}

    print(measure(args.new_python, "machine")["line"])
    if "fit" in args.parts:
        _fits(args, codes)
    if "grid" in args.parts:
        _grid(codes)
    if "score" in args.parts:
        _scoring(args, codes)
    if "backends" in args.parts:
        _backends(args)


def _fits(args, codes):
    print()
    print("## Fit time and ROC-AUC (default parameters, ECG5000 protocol)")
    print()
    header = " | ".join(f"{code} import s | {code} fit s | {code} ROC-AUC" for code in codes)
    print(f"| detector | seed | {header} |")
    print("|---|---|" + "---|---|---|" * len(codes))
    summary = {}
    for name in args.detectors:
        for seed in args.seeds:
            cells = []
            for code, python in codes.items():
                result = measure(python, "fit", DETECTORS[name], seed)
                summary.setdefault((name, code), []).append(result)
                cells.append(
                    f"{result['import_seconds']:.1f} | {result['fit_seconds']:.1f} | "
                    f"{result['roc_auc']:.4f}"
                )
            print(f"| {DETECTORS[name]} | {seed} | {' | '.join(cells)} |", flush=True)
    print()
    print("Medians over the seeds:")
    for (name, code), results in summary.items():
        fit = statistics.median(r["fit_seconds"] for r in results)
        worst = min(r["roc_auc"] for r in results)
        print(f"- {DETECTORS[name]} ({code}): fit {fit:.1f} s, lowest ROC-AUC {worst:.4f}")


def _grid(codes):
    print()
    print("## GridSearchCV: 12 AutoencoderDetector candidates x 5 folds")
    print()
    seconds = {}
    for code, python in codes.items():
        seconds[code] = measure(python, "grid")["seconds"]
        print(f"- {code}: {seconds[code]:.1f} s", flush=True)
    if "old" in seconds:
        print(f"- old / new: {seconds['old'] / seconds['new']:.1f}x")


def _scoring(args, codes):
    print()
    print("## Scoring (median of runs, each in a fresh process)")
    print()
    print("| detector | " + " | ".join(f"{c} one row ms | {c} rows/s" for c in codes) + " |")
    print("|---|" + "---|---|" * len(codes))
    for name in args.detectors:
        cells = []
        for python in codes.values():
            runs = [measure(python, "score", DETECTORS[name]) for _ in range(args.repeat)]
            one_row = statistics.median(r["one_row_ms"] for r in runs)
            rows = statistics.median(r["rows_per_second"] for r in runs)
            cells.append(f"{one_row:.2f} | {rows:,.0f}")
        print(f"| {DETECTORS[name]} | {' | '.join(cells)} |", flush=True)


def _backends(args):
    """Fit seconds of each detector on each backend, each run a fresh process."""
    codes = {"new": {}}
    if args.old_path:
        codes = {"old": {"PYTHONPATH": args.old_path}, **codes}
    print()
    print(
        f"## Fit seconds per backend (epochs: {args.epochs}; normal ECG5000 training "
        "beats; each run a fresh process: its first fit, then a second)"
    )
    print()
    print(
        "| detector | code | backend | runs | import s | first fit s | second fit s "
        "| first / TF | second / TF | epochs run |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.detectors:
        for code, env in codes.items():
            repeat = args.old_repeat if code == "old" and args.old_repeat else args.repeat
            medians = {}
            for backend in args.backends:
                runs = [
                    measure(
                        args.new_python,
                        "two_fits",
                        DETECTORS[name],
                        seed,
                        args.epochs,
                        env={"KERAS_BACKEND": backend, **env},
                    )
                    for seed in range(repeat)
                ]
                medians[backend] = {
                    key: statistics.median(run[key] for run in runs)
                    for key in ("import_seconds", "first_fit_seconds", "second_fit_seconds")
                }
                epochs = sorted({run["n_iter"] for run in runs})
                tf = medians.get("tensorflow")
                ratios = (
                    f"{medians[backend]['first_fit_seconds'] / tf['first_fit_seconds']:.2f} | "
                    f"{medians[backend]['second_fit_seconds'] / tf['second_fit_seconds']:.2f}"
                    if tf
                    else "- | -"
                )
                print(
                    f"| {DETECTORS[name]} | {code} | {backend} | {repeat} | "
                    f"{medians[backend]['import_seconds']:.1f} | "
                    f"{medians[backend]['first_fit_seconds']:.1f} | "
                    f"{medians[backend]['second_fit_seconds']:.1f} | {ratios} | "
                    f"{', '.join(map(str, epochs))} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
