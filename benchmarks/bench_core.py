"""The core issue's speed figures for AutoencoderDetector.

1. Latency of ``score_samples`` on one row (median of 2000 calls).
2. Throughput on 100,000 rows against a plain NumPy forward pass through the
   same weights, in the same run and the same dtype (medians of 7 runs; the
   ratio is what counts on a shared machine). Float64 rows are scored by a
   float64 copy of the network (a row's score then does not depend on its
   batch); float32 rows by the float32 network itself.
3. Fit seconds on the ECG5000 protocol with default parameters (median of
   3 fits).

Run: python benchmarks/bench_core.py
"""

import numpy as np
from _common import machine_info, median_seconds
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector
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
    np.testing.assert_allclose(
        detector.score_samples(X_big[:1000]), numpy_forward(X_big[:1000], weights64), rtol=1e-6
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


def main():
    print(machine_info())
    core_speed()


if __name__ == "__main__":
    main()
