"""One measurement of bench_speed.py, run by the interpreter under test.

``python _speed_worker.py fit CLASS SEED | two_fits CLASS SEED [EPOCHS] | grid |
score CLASS | machine``
prints one JSON line. It only uses names that the older code has too.
"""

import json
import statistics
import sys
import time
import warnings

import numpy as np


def _fit(cls_name, seed):
    import sklearn_recon
    from sklearn_recon._studies._protocol import ecg5000_split, run_detector

    # Keras and its backend load once per process, on the first fit (both
    # codes import them lazily): timed apart from the fit.
    start = time.perf_counter()
    import keras

    keras.ops.convert_to_numpy(keras.ops.zeros(1))
    import_seconds = time.perf_counter() - start
    detector = getattr(sklearn_recon, cls_name)(random_state=int(seed))
    supervised = cls_name == "RNNClassifierDetector"
    _, result = run_detector(detector, ecg5000_split(), supervised=supervised)
    return {
        "import_seconds": import_seconds,
        "fit_seconds": result["fit_seconds"],
        "roc_auc": result["roc_auc"],
    }


def _two_fits(cls_name, seed, epochs="default"):
    """The first and the second fit of a fresh process, on the normal ECG5000
    training beats scaled by MinMaxScaler (scaled outside the timings)."""
    import importlib.util

    from sklearn.preprocessing import MinMaxScaler

    import sklearn_recon
    from sklearn_recon._protocol import ecg5000_split

    start = time.perf_counter()
    import keras

    if importlib.util.find_spec("tensorflow") is not None:
        # Keras imports TensorFlow on every backend when it serialises a
        # layer; a plain session imports it with Keras (utils/_keras.py)
        import tensorflow  # noqa: F401
    keras.ops.convert_to_numpy(keras.ops.zeros(1))
    import_seconds = time.perf_counter() - start
    X_train, _, y_train, _ = ecg5000_split()
    X = MinMaxScaler().fit_transform(X_train[y_train == 1])
    params = {"random_state": int(seed)}
    if epochs != "default":
        params["epochs"] = int(epochs)
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        detector = getattr(sklearn_recon, cls_name)(**params).fit(X)
        seconds.append(time.perf_counter() - start)
    return {
        "backend": keras.config.backend(),
        "import_seconds": import_seconds,
        "first_fit_seconds": seconds[0],
        "second_fit_seconds": seconds[1],
        "n_iter": int(detector.n_iter_),
        "final_loss": float(detector.history_["loss"][-1]),
    }


def _grid():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_recon import AutoencoderDetector
    from sklearn_recon._studies._protocol import ecg5000_split

    X_train, _, y_train, _ = ecg5000_split()
    normal = X_train[y_train == 1]
    pipe = Pipeline([("scale", MinMaxScaler()), ("ae", AutoencoderDetector(random_state=0))])
    grid = {
        "ae__hidden_units": [(32, 16, 8), (64, 16), (16,)],
        "ae__loss": ["mse", "mae"],
        "ae__epochs": [25, 50],
    }

    def mean_normality(estimator, X, y=None):
        return float(np.mean(estimator.score_samples(X)))

    search = GridSearchCV(pipe, grid, cv=5, scoring=mean_normality, n_jobs=1)
    start = time.perf_counter()
    search.fit(normal)
    return {"seconds": time.perf_counter() - start, "n_fits": 12 * 5}


def _score(cls_name):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    import sklearn_recon
    from sklearn_recon._studies._protocol import ecg5000_split

    X_train, X_test, y_train, _ = ecg5000_split()
    detector = getattr(sklearn_recon, cls_name)(epochs=2, random_state=0)
    if cls_name == "RNNClassifierDetector":
        pipe = make_pipeline(MinMaxScaler(), detector).fit(X_train, y_train)
    else:
        pipe = make_pipeline(MinMaxScaler(), detector).fit(X_train[y_train == 1])
    row = X_test[:1]
    pipe[-1].score_samples(pipe[0].transform(row))  # first call compiles
    scaled = pipe[0].transform(row)
    times = []
    for _ in range(300):
        start = time.perf_counter()
        pipe[-1].score_samples(scaled)
        times.append(time.perf_counter() - start)
    bulk = np.resize(X_test, (100_000, X_test.shape[1]))
    pipe.score_samples(bulk[:1000])
    start = time.perf_counter()
    pipe.score_samples(bulk)
    seconds = time.perf_counter() - start
    return {
        "one_row_ms": 1e3 * statistics.median(times),
        "rows_per_second": len(bulk) / seconds,
    }


def _machine():
    import os
    import platform

    import keras
    import sklearn

    import sklearn_recon

    return {
        "line": (
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
            f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
            f"Keras {keras.__version__} ({keras.config.backend()}), "
            f"sklearn_recon {getattr(sklearn_recon, '__version__', '?')}"
        )
    }


def main():
    warnings.filterwarnings("ignore")
    task, *args = sys.argv[1:]
    tasks = {
        "fit": _fit,
        "two_fits": _two_fits,
        "grid": _grid,
        "score": _score,
        "machine": _machine,
    }
    result = tasks[task](*args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
