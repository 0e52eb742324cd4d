"""Export from another Keras backend, in a TensorFlow subprocess."""

import os

_EXPORT_SCRIPT = """
import sys
from sklearn_recon import export, load
export(load(sys.argv[1]), sys.argv[2], format=sys.argv[3],
       opset=None if sys.argv[4] == "None" else int(sys.argv[4]))
"""


def _export_under_tensorflow(estimator, path, format, opset, backend):
    """Export from another Keras backend: through a file, in a TensorFlow process.

    The graphs are TensorFlow graphs (the ONNX model is converted from one),
    and a process runs one Keras backend, so the estimator is saved with
    :func:`~sklearn_recon.save` (which any backend loads), and a new Python
    process with ``KERAS_BACKEND=tensorflow`` loads and exports it.
    """
    import importlib.util
    import subprocess
    import sys
    import tempfile

    from .._persistence import save

    if importlib.util.find_spec("tensorflow") is None:
        raise ImportError(
            f"export writes TensorFlow graphs (ONNX through tf2onnx, or a SavedModel) "
            f"and needs TensorFlow installed; Keras runs on {backend!r} here and "
            "TensorFlow is not installed: pip install tensorflow. Models trained "
            "on any backend export through a TensorFlow process."
        )
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "estimator")
        save(estimator, saved)
        result = subprocess.run(
            [sys.executable, "-c", _EXPORT_SCRIPT, saved, os.fspath(path), format, str(opset)],
            env={**os.environ, "KERAS_BACKEND": "tensorflow"},
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode:
        raise RuntimeError(
            f"export from the {backend!r} backend runs in a TensorFlow process, "
            f"which failed:\n{result.stderr[-3000:]}"
        )
