"""TensorFlow's C++ log lines kept out of the standard error stream.

TensorFlow's C++ code logs through absl straight to file descriptor 2:
some lines while its shared libraries load, before absl reads any setting
(``port.cc``, ``cudart_stub.cc`` and absl's "All log messages before
absl::InitializeLog()"), others later at the level ``TF_CPP_MIN_LOG_LEVEL``
lets through (``cpu_feature_guard.cc`` at import, ``cuda_platform.cc``'s
``cuInit`` error when the first operation finds no GPU, oneDNN's
``util.cc`` while grappler optimises a graph). The first kind can only be
filtered out of descriptor 2, which :func:`native_stderr_filtered` does for
the duration of a block; :func:`sklearn_recon.utils._keras.get_keras` uses
it around the import of Keras, and the command line around a whole command.
"""

import contextlib
import os
import re
import sys

#: A line of TensorFlow's C++ logging (absl's format), e.g.
#: ``W0000 00:00:1796148114.496824   24605 util.cc:163] Not handling type DT_DOUBLE``.
TF_LOG_LINE = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ [^\s:\]]+:\d+\] ")

#: absl's first line, and the second line of the CPU-features message.
TF_OTHER_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called",
    b"To enable the following instructions:",
)


@contextlib.contextmanager
def native_stderr_filtered():
    """Drop TensorFlow's C++ log lines from what native code writes to fd 2.

    Descriptor 2 goes to a temporary file for the duration of the block,
    while Python's ``sys.stderr`` (warnings, errors, tracebacks) is moved to
    a copy of the original descriptor and stays live. At the end, whatever
    native code wrote is replayed, minus TensorFlow's log lines;
    :mod:`faulthandler` reports a hard crash on the original descriptor
    meanwhile.
    """
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
                if not (TF_LOG_LINE.match(line) or line.startswith(TF_OTHER_LINES))
            ]
            if kept:
                sys.stderr.write(b"".join(kept).decode(errors="replace"))
                sys.stderr.flush()
