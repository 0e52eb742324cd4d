"""Helpers shared by the benchmark scripts (never collected by pytest)."""

import statistics
import time


def machine_info():
    """One line naming the machine, the date and the library versions."""
    from sklearn_recon._protocol import describe_environment, environment

    return describe_environment(environment())


def median_seconds(fn, repeat):
    """Median wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
