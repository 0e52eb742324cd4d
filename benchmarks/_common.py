"""Helpers shared by the benchmark scripts (never collected by pytest)."""

import os
import statistics
import time
from pathlib import Path

#: The studies' data (papermill.csv.gz, ucr_discords/): $SKLEARN_RECON_DATA,
#: else ../shared/data beside the repository, as for the documentation.
DATA_DIR = Path(
    os.environ.get("SKLEARN_RECON_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def machine_info():
    """One line naming the machine, the date and the library versions."""
    from sklearn_recon._studies._protocol import describe_environment, environment

    return describe_environment(environment())


def median_seconds(fn, repeat):
    """Median wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
