"""The Keras backends: every detector on JAX and PyTorch, and files across them.

A process runs one Keras backend, so each backend other than this process's
runs in a subprocess (``KERAS_BACKEND`` set as Keras documents it). The
subprocess loads and scores the files this process saved, fits, scores,
saves, loads and pickles every detector on its backend, and saves files that
this process then loads and scores. A backend that is not installed is
skipped (``pip install ".[jax]"`` or ``".[torch]"`` in a checkout).
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _instances import SAVEABLE_DETECTORS
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, WindowedDetector, load, save
from sklearn_recon.utils._keras import SUPPORTED_BACKENDS, get_keras

_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def _backend_param(backend):
    installed = importlib.util.find_spec(_MODULES[backend]) is not None
    reason = f"{backend} is not installed: pip install '.[{backend}]'"
    return pytest.param(backend, marks=pytest.mark.skipif(not installed, reason=reason))


#: Every supported backend but this process's, skipped where not installed.
OTHER_BACKENDS = [
    _backend_param(backend)
    for backend in SUPPORTED_BACKENDS
    if backend != os.environ.get("KERAS_BACKEND", "tensorflow")
]

_TESTS = Path(__file__).parent


def run_python(code, backend, *args):
    """Run ``code`` in a new Python with ``KERAS_BACKEND=backend``; its stdout."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    if backend == "jax":
        # compiling is most of a tiny network's time on JAX; XLA's backend
        # optimisation would double it (unless the caller set XLA_FLAGS)
        env.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=_TESTS,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def _series():
    t = np.arange(300)
    return np.c_[np.sin(t / 5.0), np.cos(t / 7.0)]


def _windowed():
    return WindowedDetector(AutoencoderDetector(hidden_units=(3,), epochs=2, random_state=0), 12)


# Runs under the other backend: argv[1] is the shared folder.
_ON_OTHER_BACKEND = """
import json, pickle, sys
from pathlib import Path
import numpy as np
import keras
from _instances import SAVEABLE_DETECTORS, residual_autoencoder
from test_backends import _series, _windowed
from sklearn_recon import ReconstructionDetector, export, load, save
from sklearn_recon.utils._keras import InferenceFunctions, inference_route

work = Path(sys.argv[1])
data = np.load(work / "data.npz")
X_train, X_test = data["X_train"], data["X_test"]
series = _series()
makers = {**SAVEABLE_DETECTORS, "WindowedDetector": _windowed}
report = {"backend": keras.config.backend(), "history": {}}
for name, make in makers.items():
    X, Xt = (series, series) if name == "WindowedDetector" else (X_train, X_test)
    # a file saved under the other backend loads and scores here
    theirs = load(work / f"theirs-{name}.skr")
    np.save(work / f"theirs-scored-here-{name}.npy", theirs.score_samples(Xt))
    est = make().fit(X)
    scores = est.score_samples(Xt)
    assert np.all(np.isfinite(scores))
    assert set(np.unique(est.predict(Xt))) <= {-1, 1}
    if name != "WindowedDetector":
        # batch invariance: a row scores the same alone as among others
        alone = np.concatenate([est.score_samples(Xt[i : i + 1]) for i in range(5)])
        np.testing.assert_array_equal(alone, scores[:5])
        report["history"][name] = sorted(est.history_)
    # seeded: a second fit gives the same scores
    np.testing.assert_array_equal(make().fit(X).score_samples(Xt), scores)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).score_samples(Xt), scores)
    save(est, work / f"ours-{name}.skr")
    np.testing.assert_array_equal(load(work / f"ours-{name}.skr").score_samples(Xt), scores)
    np.save(work / f"ours-{name}.npy", scores)
    if name != "WindowedDetector":
        # the route of INFERENCE_ROUTES, and the compiled one agrees with it
        route = inference_route(keras.config.backend(), est.model_)
        assert (est._inference._numpy is not None) == (route == "numpy"), name
        est._inference = InferenceFunctions(est.model_, route="compiled")
        tolerance = 1e-5 * np.max(np.abs(scores))
        np.testing.assert_allclose(est.score_samples(Xt), scores, rtol=1e-5, atol=tolerance)
# a network without a NumPy version (a skip connection) scores compiled,
# as its Keras model computes, each row alone as among others
est = ReconstructionDetector(residual_autoencoder, epochs=2, random_state=0).fit(X_train)
assert est._inference._numpy is None
x = X_test.astype(np.float32)
expected = np.mean((x - keras.ops.convert_to_numpy(est.model_(x))) ** 2, axis=1)
np.testing.assert_allclose(-est.score_samples(X_test), expected, rtol=1e-5)
alone = np.concatenate([est.score_samples(X_test[i : i + 1]) for i in range(5)])
np.testing.assert_array_equal(alone, est.score_samples(X_test)[:5])
import importlib.util
if importlib.util.find_spec("tf2onnx") is not None:  # exports through TensorFlow
    export(load(work / "ours-AutoencoderDetector.skr"), work / "ours.onnx")
print(json.dumps(report))
"""


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_every_detector_fits_scores_saves_and_loads_across_backends(backend, blobs, tmp_path):
    X_train, X_test, _ = blobs
    np.savez(tmp_path / "data.npz", X_train=X_train, X_test=X_test)
    series = _series()
    makers = {**SAVEABLE_DETECTORS, "WindowedDetector": _windowed}
    ours, history = {}, {}
    for name, make in makers.items():
        X, Xt = (series, series) if name == "WindowedDetector" else (X_train, X_test)
        est = make().fit(X)
        ours[name] = est.score_samples(Xt)
        history[name] = sorted(getattr(est, "history_", {}))
        save(est, tmp_path / f"theirs-{name}.skr")

    report = json.loads(run_python(_ON_OTHER_BACKEND, backend, tmp_path).splitlines()[-1])

    assert report["backend"] == backend
    for name in makers:
        Xt = series if name == "WindowedDetector" else X_test
        # saved here, scored there; saved there, scored here: float32 rounding
        there = np.load(tmp_path / f"theirs-scored-here-{name}.npy")
        np.testing.assert_allclose(there, ours[name], rtol=1e-5, atol=1e-4, err_msg=name)
        theirs = np.load(tmp_path / f"ours-{name}.npy")
        here = load(tmp_path / f"ours-{name}.skr").score_samples(Xt)
        np.testing.assert_allclose(here, theirs, rtol=1e-5, atol=1e-4, err_msg=name)
        if name in report["history"]:
            assert report["history"][name] == history[name]
    if importlib.util.find_spec("tf2onnx") is not None:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(tmp_path / "ours.onnx"))
        score = session.run(["score"], {"X": X_test.astype(np.float32)})[0]
        expected = np.load(tmp_path / "ours-AutoencoderDetector.npy")
        np.testing.assert_allclose(score, expected, rtol=1e-5, atol=1e-5)


_SCORE_PIPELINE = """
import sys
import numpy as np
from sklearn_recon import load
np.save(sys.argv[3], load(sys.argv[1]).score_samples(np.load(sys.argv[2])))
"""


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_pipeline_saved_here_scores_the_same_on_another_backend(backend, blobs, tmp_path):
    X_train, X_test, _ = blobs
    pipe = make_pipeline(
        MinMaxScaler(), AutoencoderDetector(hidden_units=(8, 4), epochs=5, random_state=0)
    ).fit(X_train)
    save(pipe, tmp_path / "pipe.skr")
    np.save(tmp_path / "X.npy", X_test)
    args = (tmp_path / "pipe.skr", tmp_path / "X.npy", tmp_path / "s.npy")
    run_python(_SCORE_PIPELINE, backend, *args)
    there = np.load(tmp_path / "s.npy")
    assert np.max(np.abs(there - pipe.score_samples(X_test))) < 1e-4


def test_an_unsupported_backend_is_a_clear_import_error():
    code = (
        "from sklearn_recon.utils._keras import get_keras\n"
        "try:\n    get_keras()\nexcept ImportError as exc:\n    print(exc)\n"
    )
    out = run_python(code, "numpy")
    assert "'numpy'" in out
    assert all(backend in out for backend in SUPPORTED_BACKENDS)


def test_this_process_runs_a_supported_backend():
    assert get_keras().config.backend() in SUPPORTED_BACKENDS
