"""The standard error stream of the command line: TensorFlow's log lines kept out."""

import contextlib
import os
import re
import sys

#: A line of TensorFlow's C++ logging (absl's format), e.g.
#: ``W0000 00:00:1796148114.496824   24605 util.cc:163] Not handling type DT_DOUBLE``.
_TF_LOG_LINE = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ [^\s:\]]+:\d+\] ")


#: absl's first line, and the second line of the CPU-features message.
_TF_OTHER_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called",
    b"To enable the following instructions:",
)


@contextlib.contextmanager
def quiet_tensorflow(verbose=0):
    """Keep TensorFlow's C++ log lines out of the standard error stream.

    TensorFlow's C++ code logs through absl straight to file descriptor 2,
    whatever ``TF_CPP_MIN_LOG_LEVEL`` says: at import (CUDA and CPU probes),
    when the first operation finds no GPU (``cuInit``) and while grappler
    optimises a graph (oneDNN's ``util.cc:163] Not handling type
    DT_DOUBLE`` for each float64 operation of the float64 scoring copy of a
    network). So, unless ``verbose``, descriptor 2 goes to a temporary file
    for the whole command, while Python's ``sys.stderr`` (warnings, errors,
    tracebacks) is moved to a copy of the original descriptor and stays
    live. At the end, whatever native code wrote is replayed, minus
    TensorFlow's log lines; :mod:`faulthandler` reports a hard crash on the
    original descriptor meanwhile. TensorFlow's Python logger is set to
    errors only by :func:`load_keras`.
    """
    if verbose:
        yield
        return
    import faulthandler
    import tempfile

    sys.stderr.flush()
    try:
        python_on_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # replaced, e.g. by pytest
        python_on_fd2 = False
    original = os.dup(2)
    python_stderr = sys.stderr
    fault = not faulthandler.is_enabled()
    with tempfile.TemporaryFile() as native:
        os.dup2(native.fileno(), 2)
        if python_on_fd2:
            sys.stderr = open(  # noqa: SIM115 - closed below
                os.dup(original),
                "w",
                buffering=1,
                encoding=python_stderr.encoding,
                errors="backslashreplace",
            )
        if fault:
            faulthandler.enable(file=original)
        try:
            yield
        finally:
            if fault:
                faulthandler.disable()
            sys.stderr.flush()
            if python_on_fd2:
                sys.stderr.close()
                sys.stderr = python_stderr
            os.dup2(original, 2)
            os.close(original)
            native.seek(0)
            kept = [
                line
                for line in native
                if not (_TF_LOG_LINE.match(line) or line.startswith(_TF_OTHER_LINES))
            ]
            if kept:
                sys.stderr.write(b"".join(kept).decode(errors="replace"))
                sys.stderr.flush()


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
