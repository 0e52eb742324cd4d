"""Benchmarks of the recurrent detectors (issue 4).

Usage::

    PYTHONPATH=. python benchmarks/bench_lstm.py [ecg] [epoch] [ucr]

- ``ecg``: the ECG5000 protocol (ARCHITECTURE.md) with LSTMAutoencoderDetector at
  its defaults behind a MinMaxScaler, with LocalOutlierFactor in the same run.
- ``epoch``: seconds per training epoch of LSTMAutoencoderDetector against the
  bare Keras network with the same layers, batch size and data
  (``model.fit`` on NumPy arrays, default compile); medians over epochs,
  runs interleaved, ratio from the same run.
- ``ucr``: WindowedDetector(LSTMAutoencoderDetector(n_channels=2)) on the UCR
  discord ECG ``qtdbsel102``: trained on the train rows, point-level ROC-AUC
  and PR-AUC on the test rows (no point adjustment).

No argument runs all three. Seeds are fixed; timings depend on the machine
and its load, which is printed.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
from _common import DATA_DIR, machine_info
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_recon import LSTMAutoencoderDetector
from sklearn_recon._studies._protocol import ecg5000_split, evaluate
from sklearn_recon.windows import WindowedDetector

UCR_FILE = DATA_DIR / "ucr_discords" / "ecg_qtdbsel102.csv.gz"


def _fmt(metrics):
    return ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())


def bench_ecg():
    print("\n== ECG5000 protocol, LSTMAutoencoderDetector defaults ==")
    X_train, X_test, y_train, y_test = ecg5000_split()
    normal = X_train[y_train == 1]
    detector = LSTMAutoencoderDetector(random_state=0)
    print(detector)
    pipe = make_pipeline(MinMaxScaler(), detector)
    start = time.perf_counter()
    pipe.fit(normal)
    fit_s = time.perf_counter() - start
    print(
        f"LSTMAutoencoderDetector: fit {fit_s:.1f} s, {detector.n_iter_} epochs "
        f"(best {detector.best_epoch_}); {_fmt(evaluate(pipe, X_test, y_test))}"
    )
    lof = make_pipeline(MinMaxScaler(), LocalOutlierFactor(novelty=True)).fit(normal)
    print(f"LocalOutlierFactor(novelty=True): {_fmt(evaluate(lof, X_test, y_test))}")


class _EpochTimer:
    """Keras callback factory recording the wall time of each epoch."""

    def __init__(self):
        import keras

        times = self.times = []

        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                times.append(time.perf_counter() - self._start)

        self.callback = Timer()


def _timed_detector_epochs(params, x, n_epochs):
    """Per-epoch seconds of LSTMAutoencoderDetector.fit (timer added to model.fit)."""
    timer = _EpochTimer()

    class Timed(LSTMAutoencoderDetector):
        def _build_network(self, n_features, seed):
            model = super()._build_network(n_features, seed)
            fit = model.fit

            def timed_fit(*args, callbacks=(), **kwargs):
                return fit(*args, callbacks=[*callbacks, timer.callback], **kwargs)

            model.fit = timed_fit
            return model

    Timed(**params, epochs=n_epochs, early_stopping=False, random_state=0).fit(x)
    return timer.times


def _timed_keras_epochs(params, x, n_epochs):
    """Per-epoch seconds of the bare network: default compile, fit on NumPy."""
    from sklearn_recon._networks import build_lstm_autoencoder

    timer = _EpochTimer()
    x3 = x.reshape(len(x), -1, 1).astype(np.float32)
    model = build_lstm_autoencoder(
        x3.shape[1],
        1,
        units=params["units"],
        downsample=params["downsample"],
        conv_filters=params["conv_filters"],
        seed=0,
    )
    model.compile(optimizer="adam", loss="mae")
    model.fit(
        x3,
        x3,
        batch_size=params["batch_size"],
        epochs=n_epochs,
        verbose=0,
        callbacks=[timer.callback],
    )
    return timer.times


def bench_epoch(n_epochs=6, n_rounds=2):
    """Print the seconds per epoch and return them as a dict."""
    print("\n== Seconds per epoch on ECG5000 normal training beats ==")
    X_train, _, y_train, _ = ecg5000_split()
    x = MinMaxScaler().fit_transform(X_train[y_train == 1])
    default = LSTMAutoencoderDetector()
    params = {
        k: default.get_params()[k] for k in ("units", "downsample", "conv_filters", "batch_size")
    }
    print(f"{len(x)} beats, {params}, {n_epochs} epochs per run, first epoch dropped")
    ours, bare = [], []
    for _ in range(n_rounds):  # interleaved, so load changes hit both alike
        ours += _timed_detector_epochs(params, x, n_epochs)[1:]
        bare += _timed_keras_epochs(params, x, n_epochs)[1:]
    ours_s, bare_s = float(np.median(ours)), float(np.median(bare))
    print(f"LSTMAutoencoderDetector: median {ours_s:.2f} s/epoch  {np.round(ours, 2)}")
    print(f"bare Keras model.fit:    median {bare_s:.2f} s/epoch  {np.round(bare, 2)}")
    print(f"ratio detector / bare: {ours_s / bare_s:.2f}")
    return {"ours": ours_s, "bare": bare_s, "ratio": ours_s / bare_s, "epochs": n_epochs}


def bench_ucr(window_size=128, fit_stride=8, epochs=30):
    """Print the UCR discord figures and return them as a dict."""
    print("\n== UCR discord ECG qtdbsel102, WindowedDetector ==")
    data = pd.read_csv(UCR_FILE)
    train = data.loc[data["split"] == "train", ["ch1", "ch2"]]
    test = data.loc[data["split"] == "test", ["ch1", "ch2"]]
    label = data.loc[data["split"] == "test", "label"].to_numpy()
    scaler = StandardScaler().fit(train)
    train_s, test_s = scaler.transform(train), scaler.transform(test)
    print(f"train {len(train)} steps, test {len(test)} steps, {label.sum()} labelled")
    detector = WindowedDetector(
        LSTMAutoencoderDetector(n_channels=2, epochs=epochs, random_state=0),
        window_size=window_size,
        fit_stride=fit_stride,
        aggregate="mean",
    )
    print(detector)
    start = time.perf_counter()
    detector.fit(train_s)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    scores = detector.score_samples(test_s)
    score_s = time.perf_counter() - start
    anomaly = -scores
    top = np.argsort(anomaly)[::-1][: label.sum()]
    result = {
        "train_steps": len(train),
        "test_steps": len(test),
        "labelled": int(label.sum()),
        "epochs": detector.detector_.n_iter_,
        "fit_seconds": fit_s,
        "score_seconds": score_s,
        "mean": {
            "roc_auc": roc_auc_score(label, anomaly),
            "pr_auc": average_precision_score(label, anomaly),
        },
    }
    print(
        f"fit {fit_s:.1f} s ({detector.detector_.n_iter_} epochs), score {score_s:.1f} s; "
        f"point ROC-AUC {roc_auc_score(label, anomaly):.4f}, "
        f"PR-AUC {average_precision_score(label, anomaly):.4f}; "
        f"share of labelled points among the {label.sum()} top-scoring: "
        f"{label[top].mean():.2f}; predicted anomalies: "
        f"{(detector.predict(test_s) == -1).sum()}"
    )
    for how in ("max",):
        detector.set_params(aggregate=how)
        anomaly = -detector.score_samples(test_s)
        result[how] = {
            "roc_auc": roc_auc_score(label, anomaly),
            "pr_auc": average_precision_score(label, anomaly),
        }
        print(
            f"aggregate={how!r} (same fit): point ROC-AUC "
            f"{roc_auc_score(label, anomaly):.4f}, "
            f"PR-AUC {average_precision_score(label, anomaly):.4f}"
        )
    return result


if __name__ == "__main__":
    parts = sys.argv[1:] or ["ecg", "epoch", "ucr"]
    print(machine_info())
    for part in parts:
        {"ecg": bench_ecg, "epoch": bench_epoch, "ucr": bench_ucr}[part]()
