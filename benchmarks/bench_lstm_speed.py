"""The LSTM autoencoder's lines of issue 17's bar: speed, accuracy, small data.

Usage::

    PYTHONPATH=. python benchmarks/bench_lstm_speed.py [speed] [small] [--seeds 0 1 2]

- ``speed``: the ECG5000 protocol (ARCHITECTURE.md, ``run_detector``: float64 beats
  through ``Pipeline(MinMaxScaler(), detector)``, fitted on the 2335 normal
  training beats) with ``LSTMAutoencoderDetector()`` per seed (fit seconds,
  epochs, ROC-AUC), and ``AutoencoderDetector()`` fitted once (seed 0). Then
  the scoring speed of both pipelines over the same 20,000 float64 rows
  (the test beats repeated), and of both bare detectors over the same rows
  scaled and cast to float32: medians of ``--repeat`` interleaved runs, so the
  ratios come from the same run.
- ``small``: both detectors at their defaults trained on only 50 normal
  training beats (MinMaxScaler fitted on the same 50), ROC-AUC on the 1000
  test beats. The draws: the first 50 normal training beats (in the order of
  ``ecg5000_split``), then ``--draws - 1`` random draws of 50 (seeds 1, 2,
  ...); detector seed 0.

No argument runs both. The machine's load average is printed with the
figures: timings on a shared machine vary, the same-run ratios less.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from _common import machine_info
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, LSTMAutoencoderDetector
from sklearn_recon._studies._protocol import ecg5000_split, run_detector

N_SCORE_ROWS = 20_000


def _load():
    return f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"


def _median_rows_per_second(score, X, repeat):
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        score(X)
        rates.append(len(X) / (time.perf_counter() - start))
    return statistics.median(rates), rates


def bench_speed(seeds, repeat):
    print("\n== ECG5000 protocol: LSTMAutoencoderDetector() against AutoencoderDetector() ==")
    print(LSTMAutoencoderDetector())
    split = ecg5000_split()
    pipes = {}
    for seed in seeds:
        pipe, result = run_detector(LSTMAutoencoderDetector(random_state=seed), split)
        print(
            f"LSTMAutoencoderDetector seed {seed}: fit {result['fit_seconds']:.1f} s, "
            f"{result['n_iter']} epochs (best {pipe[-1].best_epoch_}), "
            f"ROC-AUC {result['roc_auc']:.4f}, PR-AUC {result['pr_auc']:.4f} ({_load()})",
            flush=True,
        )
        pipes.setdefault("LSTMAutoencoderDetector", pipe)
    pipe, result = run_detector(AutoencoderDetector(random_state=0), split)
    print(
        f"AutoencoderDetector seed 0: fit {result['fit_seconds']:.1f} s, "
        f"{result['n_iter']} epochs, ROC-AUC {result['roc_auc']:.4f}",
        flush=True,
    )
    pipes["AutoencoderDetector"] = pipe

    X_test = split[1]
    X64 = np.resize(X_test, (N_SCORE_ROWS, X_test.shape[1]))
    X32 = {name: pipe[0].transform(X64).astype(np.float32) for name, pipe in pipes.items()}
    for name, pipe in pipes.items():  # compile outside the timings
        pipe.score_samples(X64[:10])
        pipe[-1].score_samples(X32[name][:10])
    rates = {(name, kind): [] for name in pipes for kind in ("float64", "float32")}
    for _ in range(repeat):  # interleaved, so load changes hit all alike
        for name, pipe in pipes.items():
            rates[name, "float64"] += _median_rows_per_second(pipe.score_samples, X64, 1)[1]
            rates[name, "float32"] += _median_rows_per_second(pipe[-1].score_samples, X32[name], 1)[
                1
            ]
    print(f"\nscore_samples over {N_SCORE_ROWS:,} rows, median of {repeat} runs ({_load()}):")
    medians = {key: statistics.median(values) for key, values in rates.items()}
    for (name, kind), median in medians.items():
        what = "Pipeline(MinMaxScaler, ...), float64" if kind == "float64" else "bare, float32"
        print(f"  {name:25s} {what:38s} {median:12,.0f} rows/s")
    lstm = medians["LSTMAutoencoderDetector", "float64"]
    dense = medians["AutoencoderDetector", "float64"]
    print(f"  LSTM / dense (float64 pipelines): {lstm / dense:.3f}")
    print(
        "  float64 pipeline / float32 bare: LSTM "
        f"{lstm / medians['LSTMAutoencoderDetector', 'float32']:.2f}, dense "
        f"{dense / medians['AutoencoderDetector', 'float32']:.2f}"
    )


def bench_small(n_draws, n_beats=50):
    print(f"\n== Trained on {n_beats} normal ECG5000 training beats (ROC-AUC on the test beats) ==")
    X_train, X_test, y_train, y_test = ecg5000_split()
    normal = X_train[y_train == 1]
    anomaly = y_test == -1
    draws = [("first 50", np.arange(n_beats))]
    for draw in range(1, n_draws):
        rng = np.random.RandomState(draw)
        draws.append((f"draw {draw}", rng.choice(len(normal), n_beats, replace=False)))
    gaps = []
    for label, rows in draws:
        aucs = {}
        detectors = (AutoencoderDetector(random_state=0), LSTMAutoencoderDetector(random_state=0))
        for detector in detectors:
            pipe = make_pipeline(MinMaxScaler(), detector).fit(normal[rows])
            aucs[type(detector).__name__] = roc_auc_score(anomaly, -pipe.score_samples(X_test))
        gap = aucs["LSTMAutoencoderDetector"] - aucs["AutoencoderDetector"]
        gaps.append(gap)
        print(
            f"{label:9s} dense {aucs['AutoencoderDetector']:.4f}  "
            f"LSTM {aucs['LSTMAutoencoderDetector']:.4f}  LSTM - dense {gap:+.4f}",
            flush=True,
        )
    print(f"LSTM - dense: mean {np.mean(gaps):+.4f}, worst {min(gaps):+.4f} ({_load()})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help="speed, small or both (default)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()
    parts = args.parts or ["speed", "small"]
    unknown = set(parts) - {"speed", "small"}
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose among speed, small")
    print(machine_info())
    if "speed" in parts:
        bench_speed(args.seeds, args.repeat)
    if "small" in parts:
        bench_small(args.draws)


if __name__ == "__main__":
    main()
