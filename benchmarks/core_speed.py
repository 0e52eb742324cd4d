"""How fast does AutoencoderDetector fit and score, and an LSTM epoch train?

1. Latency of ``score_samples`` on one row (median of 2000 calls).
2. Throughput on 100,000 rows against a plain NumPy forward pass through the
   same weights, in the same run and the same dtype (medians of 7 runs; the
   ratio is what counts on a shared machine). Float64 rows are scored by a
   float64 copy of the network (a row's score then does not depend on its
   batch); float32 rows by the float32 network itself.
3. Fit seconds on the ECG5000 protocol with default parameters (median of
   3 fits).

4. Seconds per training epoch of LSTMAutoencoderDetector against the bare
   Keras network with the same layers, batch size and data (``model.fit``
   on NumPy arrays, default compile); medians over epochs, the first of
   each run dropped, runs interleaved, ratio from the same run.

Run: python benchmarks/core_speed.py [--quick]
Feeds the "Speed" section of RESULTS.md (``run_all.py --studies speed``).
The per-backend and old-against-new timings are ``bench_speed.py``'s.
"""

import contextlib
import io
import re
import time

import numpy as np
from _common import finish, machine_info, median_seconds, parser
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, LSTMAutoencoderDetector
from sklearn_recon._studies._protocol import ecg5000_split


def numpy_forward(X, weights, loss="mse"):
    """Score rows with NumPy only: the dense layers, ReLU, and the mean error."""
    h = X
    n_layers = len(weights) // 2
    for i in range(n_layers):
        h = h @ weights[2 * i] + weights[2 * i + 1]
        if i < n_layers - 1:
            np.maximum(h, 0, out=h)
    diff = X - h
    return -(np.square(diff) if loss == "mse" else np.abs(diff)).mean(axis=1)


def core_speed(n_fits=3, n_rows=100_000, repeat=7):
    """Print the speed figures and return them as a dict."""
    X_train, X_test, y_train, _ = ecg5000_split()
    X_normal = X_train[y_train == 1]

    fits = []

    def fit():
        fits.append(
            make_pipeline(MinMaxScaler(), AutoencoderDetector(random_state=0)).fit(X_normal)
        )

    fit_seconds = median_seconds(fit, repeat=n_fits)
    pipe = fits[-1]
    detector = pipe[-1]
    print(
        f"fit, ECG5000 ({len(X_normal)} normal beats x 140, defaults): "
        f"{fit_seconds:.1f} s median of {n_fits} ({detector.n_iter_} epochs)"
    )

    X_scaled = pipe[0].transform(X_test)
    one_row = X_scaled[:1]
    detector.score_samples(one_row)
    latency = median_seconds(lambda: detector.score_samples(one_row), repeat=2000)
    print(f"score_samples, one row: {latency * 1e3:.3f} ms (median of 2000 calls)")

    rng = np.random.RandomState(0)
    X_big = X_scaled[rng.randint(len(X_scaled), size=n_rows)]  # float64, C order
    weights64 = [w.astype(np.float64) for w in detector.model_.get_weights()]
    weights32 = detector.model_.get_weights()
    X_big32 = X_big.astype(np.float32)
    # The same computation: within the library's documented scoring tolerance.
    np.testing.assert_allclose(
        detector.score_samples(X_big[:1000]), numpy_forward(X_big[:1000], weights64), rtol=1e-5
    )
    result = {
        "fit_seconds": fit_seconds,
        "n_iter": detector.n_iter_,
        "latency_ms": latency * 1e3,
        "n_fits": n_fits,
        "n_rows": n_rows,
    }
    for name, X_rows, weights in [
        ("float64", X_big, weights64),
        ("float32", X_big32, weights32),
    ]:
        detector.score_samples(X_rows[:10])
        t_ours = median_seconds(lambda: detector.score_samples(X_rows), repeat=repeat)
        t_numpy = median_seconds(lambda: numpy_forward(X_rows, weights), repeat=repeat)
        print(
            f"{n_rows:,} {name} rows: score_samples {t_ours:.3f} s "
            f"({n_rows / t_ours:,.0f} rows/s), NumPy {name} pass {t_numpy:.3f} s, "
            f"ratio {t_ours / t_numpy:.2f}x"
        )
        result[name] = {"ours": t_ours, "numpy": t_numpy, "ratio": t_ours / t_numpy}
    return result


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
    """Per-epoch seconds of LSTMAutoencoderDetector.fit, as its verbose log prints them.

    The detector runs its epochs through its own training loop (a cached
    runner, not the ``model.fit`` of the network it builds), so a Keras
    callback on that network would never be called.
    """
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        LSTMAutoencoderDetector(
            **params, epochs=n_epochs, early_stopping=False, verbose=1, random_state=0
        ).fit(x)
    return [float(s) for s in re.findall(r"^Epoch \d+/\d+ - ([\d.]+)s", log.getvalue(), re.M)]


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


def section(core, epoch):
    """The "Speed" section of RESULTS.md."""
    rows = [
        f"| fit on ECG5000, defaults ({core['n_iter']} epochs), median of "
        f"{core['n_fits']} | {core['fit_seconds']:.1f} s | |",
        f"| `score_samples` of one row, median of 2000 calls | {core['latency_ms']:.2f} ms | |",
    ]
    for dtype in ("float64", "float32"):
        r = core[dtype]
        rows.append(
            f"| {core['n_rows']:,} {dtype} rows, `score_samples` against a NumPy "
            f"{dtype} forward pass through the same weights (medians) | "
            f"{r['ours']:.3f} s / {r['numpy']:.3f} s | {r['ratio']:.2f}x |"
        )
    rows.append(
        "| an epoch of `LSTMAutoencoderDetector` against the bare Keras network, "
        f"same layers and data (medians) | {epoch['ours']:.2f} s / "
        f"{epoch['bare']:.2f} s | {epoch['ratio']:.2f}x |"
    )
    return "\n".join(
        [
            "## Speed\n",
            "`AutoencoderDetector` on the ECG5000 protocol and seconds per training "
            "epoch of the LSTM autoencoder (`python benchmarks/core_speed.py`). "
            "Timings on a shared machine: the ratios, measured in the same run, are "
            "what counts.\n",
            "| what | seconds | ratio |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    print(machine_info())
    if args.quick:
        core = core_speed(n_fits=1, n_rows=10_000, repeat=2)
        epoch = bench_epoch(n_epochs=2, n_rounds=1)
    else:
        core, epoch = core_speed(), bench_epoch()
    return finish("core_speed", section(core, epoch), {"core": core, "epoch": epoch})


if __name__ == "__main__":
    main()
