"""The standard error stream of the command line: TensorFlow's log lines kept out."""

import contextlib
import sys

from ..utils._stderr import TF_LOG_LINE as _TF_LOG_LINE  # noqa: F401 (tests read it)
from ..utils._stderr import native_stderr_filtered


@contextlib.contextmanager
def quiet_tensorflow(verbose=0):
    """Keep TensorFlow's C++ log lines out of the standard error stream.

    TensorFlow's C++ code logs through absl straight to file descriptor 2,
    and not only at import (which :func:`~sklearn_recon.utils._keras.get_keras`
    quiets for any session): grappler logs while it optimises a graph, for
    example oneDNN's ``util.cc:163] Not handling type DT_DOUBLE`` for each
    float64 operation of the float64 scoring copy of a network, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says. So, unless ``verbose``, the whole command
    runs inside :func:`~sklearn_recon.utils._stderr.native_stderr_filtered`.
    TensorFlow's Python logger is set to errors only by :func:`load_keras`.
    """
    if verbose:
        yield
        return
    with native_stderr_filtered():
        yield


def load_keras(verbose=0):
    """Import Keras (and TensorFlow); its Python logger then reports errors only.

    The command trains several fresh networks in one process, which
    TensorFlow's retracing warning takes for a mistake.
    """
    from ..utils._keras import get_keras

    keras = get_keras()
    if not verbose and "tensorflow" in sys.modules:
        sys.modules["tensorflow"].get_logger().setLevel("ERROR")
    return keras
