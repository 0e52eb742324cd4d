"""Helpers shared by the benchmark scripts (never collected by pytest)."""

import os
import platform
import statistics
import time
from datetime import datetime, timezone


def machine_info():
    """One line naming the machine, the date and the library versions."""
    import keras
    import numpy
    import sklearn
    import tensorflow

    import sklearn_recon

    return (
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC | {platform.machine()} "
        f"{os.cpu_count()} cores | Python {platform.python_version()} | "
        f"sklearn_recon {sklearn_recon.__version__}, scikit-learn {sklearn.__version__}, "
        f"keras {keras.__version__}, tensorflow {tensorflow.__version__}, "
        f"numpy {numpy.__version__}"
    )


def median_seconds(fn, repeat):
    """Median wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
