"""Cold start: what a fresh process pays to load a saved pipeline and score 10 rows.

The question of every command-line ``score``, Spark executor or serverless
call: how long, and how much memory, from a new Python to the first scores.
For each of a few rounds, in fresh processes, in one interleaved order so
that the machine's noise falls on all alike:

- ``import sklearn`` alone, the reference;
- ``from sklearn_recon import load``, then ``load`` a saved pipeline
  (``MinMaxScaler`` + ``AutoencoderDetector``, and ``MinMaxScaler`` +
  ``VAEDetector``, defaults, 5 epochs on the ECG5000 normal beats) and
  ``score_samples`` of 10 rows, with the code of ``--before`` (a checkout,
  default ``../main``; its own saved files) and of this checkout.

Each figure is the median over the rounds of the wall time of the whole
process (interpreter start included, measured by this script) and its peak
resident set size (``ru_maxrss``, read in the child at its end; this
script imports nothing heavy before, since a child's figure starts from
the size of the process it was forked from). The child
also reports whether Keras, TensorFlow, JAX or PyTorch were imported.

Run: python benchmarks/bench_cold_start.py [--before ../main] [--repeat 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine_info

HERE = Path(__file__).resolve().parents[1]

_FIT = """
import sys
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn_recon import AutoencoderDetector, VAEDetector, save
from sklearn_recon.datasets import load_ecg5000

X, y = load_ecg5000(return_X_y=True)
normal = X[y == 1][:2000]
folder = sys.argv[1]
for name, detector in (("ae", AutoencoderDetector), ("vae", VAEDetector)):
    pipeline = make_pipeline(MinMaxScaler(), detector(epochs=5, random_state=0)).fit(normal)
    save(pipeline, f"{folder}/{name}.skr")
np.save(f"{folder}/rows.npy", X[-10:])
"""

_FRAMEWORKS = ("keras", "tensorflow", "jax", "torch")

_REPORT = f"""
import json, resource, sys
print(json.dumps({{
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "frameworks": [m for m in {_FRAMEWORKS!r} if m in sys.modules],
}}))
"""

_IMPORT_SKLEARN = "import sklearn\n" + _REPORT

_LOAD_AND_SCORE = (
    """
import sys
import numpy as np
from sklearn_recon import load
pipeline = load(sys.argv[1])
scores = pipeline.score_samples(np.load(sys.argv[2]))
assert scores.shape == (10,)
"""
    + _REPORT
)


def _env(checkout):
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


def _run(code, checkout, *args):
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env=_env(checkout),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    report = json.loads(result.stdout.splitlines()[-1])
    return {"seconds": seconds, **report}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=HERE.parent / "main")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # This process stays light until the end: a child's ru_maxrss starts from
    # the RSS of the process it was forked from.
    checkouts = {"before": args.before.resolve(), "after": HERE}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {}
        for label, checkout in checkouts.items():
            folders[label] = Path(tmp) / label
            folders[label].mkdir()
            subprocess.run(
                [sys.executable, "-c", _FIT, str(folders[label])],
                env=_env(checkout),
                check=True,
                capture_output=True,
            )
        cases = {"import sklearn": (_IMPORT_SKLEARN, HERE, ())}
        for model in ("ae", "vae"):
            for label, checkout in checkouts.items():
                folder = folders[label]
                cases[f"{model} load + score 10 rows, {label}"] = (
                    _LOAD_AND_SCORE,
                    checkout,
                    (folder / f"{model}.skr", folder / "rows.npy"),
                )
        runs = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, (code, checkout, case_args) in cases.items():
                runs[name].append(_run(code, checkout, *case_args))
    reference = {
        key: statistics.median(run[key] for run in runs["import sklearn"])
        for key in ("seconds", "maxrss_mb")
    }
    print(f"fresh processes, median of {args.repeat} rounds; before = {checkouts['before']}")
    print(f"{'case':<40} {'wall s':>7} {'+ s':>6} {'peak MB':>8} {'+ MB':>6}  frameworks imported")
    for name, results in runs.items():
        seconds = statistics.median(run["seconds"] for run in results)
        rss = statistics.median(run["maxrss_mb"] for run in results)
        frameworks = ",".join(results[-1]["frameworks"]) or "none"
        print(
            f"{name:<40} {seconds:7.2f} {seconds - reference['seconds']:+6.2f} "
            f"{rss:8.0f} {rss - reference['maxrss_mb']:+6.0f}  {frameworks}"
        )
    print("bar (issue 34): at most import sklearn + 1.5 s and + 150 MB")
    print(machine_info())


if __name__ == "__main__":
    main()
