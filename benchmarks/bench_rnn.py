"""Benchmark of RNNClassifierDetector on ECG5000 and on the paper-mill breaks.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_rnn.py [ecg|papermill|all] [--full] [--variants]

(a) ECG5000, the protocol of DESIGN.md: all labelled training beats
    (+1 normal, -1 anomaly, ``anomaly_label=-1``), MinMaxScaler in a Pipeline,
    metrics on the test split at the default threshold (probability 0.5).
    By default each beat is read as 35 steps of 4 consecutive values
    (``n_channels=4``); ``--full`` also runs the 140-step, 1-channel network.
(b) Paper mill (``/work/shared/data/papermill.csv.gz``): windows of the past
    ``WINDOW`` readings as rows, labelled by ``lead_labels(y, lead=2)`` at
    their last step (break rows dropped), the first 2/3 of the time span for
    training and the rest for testing, StandardScaler fitted on training
    rows; ``x28`` is one-hot encoded, ``x61`` (0/1) kept as is.
    ``--variants`` also runs the other settings tried (longer windows with
    first differences; window-centred readings; an LSTM).
"""

import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from _common import machine_info
from sklearn_recon import RNNClassifierDetector
from sklearn_recon._protocol import ecg5000_split, evaluate
from sklearn_recon.windows import lead_labels, sliding_windows

PAPERMILL = "/work/shared/data/papermill.csv.gz"
WINDOW = 10  # 20 minutes of past readings
TRAIN_SHARE = 2 / 3


def bench_ecg(full=False):
    X_train, X_test, y_train, y_test = ecg5000_split()
    configs = {"GRU(32), 35 steps x 4 values": dict(n_channels=4)}
    if full:
        configs["GRU(32), 140 steps x 1 value"] = dict(n_channels=1)
    for name, params in configs.items():
        detector = RNNClassifierDetector(anomaly_label=-1, random_state=0, **params)
        pipe = make_pipeline(MinMaxScaler(), detector)
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        fit_seconds = time.perf_counter() - start
        metrics = evaluate(pipe, X_test, y_test)
        print(
            f"ECG5000 {name}: fit {fit_seconds:.1f} s, {detector.n_iter_} epochs "
            f"(best {detector.best_epoch_}); "
            + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        )


def papermill_data(window=WINDOW, with_differences=False, centered=False):
    df = pd.read_csv(PAPERMILL)
    features = df.drop(columns=["time", "y", "x28"])
    features = pd.concat(
        [features, pd.get_dummies(df["x28"], prefix="x28", dtype=float)], axis=1
    ).to_numpy(dtype=float)
    y_lead, keep = lead_labels(df["y"].to_numpy(), lead=2)
    split = int(TRAIN_SHARE * len(df))  # first row of the test period
    scaler = StandardScaler().fit(features[:split])
    series = scaler.transform(features)
    if with_differences:  # add each reading's change since the previous step
        series = np.hstack([series, np.diff(series, axis=0, prepend=series[:1])])
    windows = sliding_windows(series, window)  # window i ends at row i + window - 1
    ok = keep >= window - 1
    last_row, labels = keep[ok], y_lead[ok]
    X = windows[last_row - (window - 1)]
    if centered:  # each reading relative to its window's mean: drops slow drifts
        X = X - X.mean(axis=1, keepdims=True)
    train = last_row < split
    return X[train], labels[train], X[~train], labels[~train]


def bench_papermill(
    window=WINDOW, with_differences=False, centered=False, units=(32,), dropout=0.2,
    **params,
):
    X_train, y_train, X_test, y_test = papermill_data(window, with_differences, centered)
    print(
        f"paper mill: {X_train.shape[0]} training windows ({y_train.sum()} positive), "
        f"{X_test.shape[0]} test windows ({y_test.sum()} positive), "
        f"shape {X_train.shape[1:]} (steps, channels)"
    )
    detector = RNNClassifierDetector(
        n_channels=X_train.shape[2], units=units, dropout=dropout, anomaly_label=1,
        random_state=0, **params,
    )
    start = time.perf_counter()
    detector.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    score = -detector.score_samples(X_test)
    f1 = f1_score(y_test, detector.predict(X_test) == -1)
    result = {
        "train_windows": X_train.shape[0],
        "test_windows": X_test.shape[0],
        "test_positive": int(y_test.sum()),
        "roc_auc": roc_auc_score(y_test, score),
        "pr_auc": average_precision_score(y_test, score),
        "f1": f1,
        "epochs": detector.n_iter_,
        "fit_seconds": fit_seconds,
    }
    print(
        f"paper mill {detector.cell}{units} {params}, dropout {dropout}, "
        f"window {window}, "
        f"differences {with_differences}, centered {centered}: "
        f"fit {fit_seconds:.1f} s, {detector.n_iter_} epochs "
        f"(best {detector.best_epoch_}); ROC-AUC {roc_auc_score(y_test, score):.4f}, "
        f"PR-AUC {average_precision_score(y_test, score):.4f} "
        f"(positive rate {y_test.mean():.4f}), F1 at the default threshold {f1:.4f}"
    )
    return result


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "all"
    print(machine_info())
    if which in ("ecg", "all"):
        bench_ecg(full="--full" in sys.argv)
    if which in ("papermill", "all"):
        bench_papermill()
        if "--variants" in sys.argv:  # the other inputs tried; none did better
            bench_papermill(30, with_differences=True)
            bench_papermill(20, centered=True, units=(16,), dropout=0.3)
            bench_papermill(cell="lstm", learning_rate=0.001)
