"""A quiet session: TensorFlow's log lines stay off stderr unless asked for."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_recon.utils._stderr import TF_LOG_LINE, native_stderr_filtered

#: What TensorFlow, absl, oneDNN or CUDA write, and TensorFlow's retracing warning.
_NOISE = re.compile(
    r"cudart_stub|cpu_feature_guard|cuInit|cuda_platform|oneDNN|absl|port\.cc|retracing",
    re.IGNORECASE,
)


def noise(stderr):
    """The lines of ``stderr`` a quiet session must not write."""
    return [
        line
        for line in stderr.splitlines()
        if TF_LOG_LINE.match(line.encode()) or _NOISE.search(line)
    ]


def run_session(code, *args, **env):
    """Run ``code`` in a plain Python session with ``args``; return its stderr."""
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env={**environ, **env},
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


# Fits and scores the six detectors (the five of the registry, and a
# WindowedDetector), as a user would in a script: nothing configured.
_SESSION = """
import numpy as np
from _instances import TINY_DETECTORS
from sklearn_recon import AutoencoderDetector, WindowedDetector

rng = np.random.RandomState(0)
X = rng.normal(size=(300, 12))
y = np.r_[np.ones(270, int), -np.ones(30, int)]
for name, make in TINY_DETECTORS.items():
    detector = make()
    if name == "RNNClassifierDetector":
        detector.set_params(anomaly_label=-1).fit(X, y)
    else:
        detector.fit(X)
    detector.score_samples(X[:3])
    detector.predict(X)
series = np.sin(np.arange(400) / 5.0)[:, None]
windowed = WindowedDetector(AutoencoderDetector(hidden_units=(4,), epochs=2, random_state=0), 16)
windowed.fit(series).score_samples(series)
print("session done")
"""


def test_a_session_fitting_every_detector_writes_no_tensorflow_lines():
    stderr = run_session(_SESSION)
    assert not noise(stderr), stderr


# A detector fitted, saved and loaded as a user would: the whole of stderr is
# checked, so the session keeps its own Python warnings off it.
_SAVE = """
import sys
import warnings

import numpy as np
import sklearn_recon
from sklearn.exceptions import ConvergenceWarning

warnings.simplefilter("ignore", ConvergenceWarning)  # two epochs on noise
X = np.random.RandomState(0).normal(size=(200, 8))
detector = sklearn_recon.AutoencoderDetector(hidden_units=(4,), epochs=2, random_state=0)
sklearn_recon.save(detector.fit(X), sys.argv[1])
"""
_LOAD = """
import sys

import numpy as np
import sklearn_recon

detector = sklearn_recon.load(sys.argv[1])
print(detector.predict(np.zeros((3, 8))))
"""


def test_loading_in_a_plain_session_writes_nothing_to_stderr(tmp_path):
    path = tmp_path / "ae.skr"
    run_session(_SAVE, path, KERAS_BACKEND="tensorflow")
    assert run_session(_LOAD, path, KERAS_BACKEND="tensorflow") == ""


def test_fitting_and_loading_on_jax_write_nothing_to_stderr(tmp_path):
    """Keras imports TensorFlow on JAX too, whenever it serialises a layer."""
    pytest.importorskip("jax", reason='JAX is not installed (pip install ".[jax]")')
    path = tmp_path / "ae.skr"
    assert run_session(_SAVE, path, KERAS_BACKEND="jax") == ""
    assert run_session(_LOAD, path, KERAS_BACKEND="jax") == ""


def test_a_log_level_set_by_the_user_is_honoured():
    code = (
        "import os\n"
        "from sklearn_recon.utils._keras import get_keras\n"
        "get_keras()\n"
        "assert os.environ['TF_CPP_MIN_LOG_LEVEL'] == '0'\n"
    )
    stderr = run_session(code, TF_CPP_MIN_LOG_LEVEL="0", KERAS_BACKEND="tensorflow")
    assert any(TF_LOG_LINE.match(line.encode()) for line in stderr.splitlines()), stderr


def test_the_quiet_import_leaves_the_environment_as_it_was():
    code = (
        "import os\n"
        "from sklearn_recon.utils._keras import get_keras\n"
        "get_keras()\n"
        "assert 'TF_CPP_MIN_LOG_LEVEL' not in os.environ\n"
    )
    assert not noise(run_session(code, KERAS_BACKEND="tensorflow"))


def test_the_filter_keeps_other_native_output(capfd):
    with native_stderr_filtered():
        os.write(2, b"I0000 00:00:1.5   42 port.cc:153] oneDNN custom operations are on.\n")
        os.write(2, b"a line of another library\n")
    err = capfd.readouterr().err
    assert "a line of another library" in err
    assert "port.cc" not in err


@pytest.mark.parametrize("line", [b"E0000 00:00:1796327493.049704   11316 cuda_platform.cc:52] x"])
def test_tensorflow_log_lines_are_recognised(line):
    assert TF_LOG_LINE.match(line)
