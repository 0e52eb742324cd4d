"""Sliding windows over long series.

:func:`sliding_windows` cuts a series into windows,
:func:`aggregate_window_scores` spreads window scores back to time steps, and
:class:`WindowedDetector` does both around any outlier detector, so that a
detector of fixed-length rows scores every point of a long series;
:func:`estimate_period` gives it a window from the series' own period.
Everything here is NumPy and scikit-learn only.

One module per job: ``_sliding`` (the windows), ``_period`` (the period
estimate), ``_aggregate`` (window scores back to steps) and ``_detector``
(``WindowedDetector``).
"""

from ._aggregate import aggregate_window_scores
from ._detector import WindowedDetector
from ._period import estimate_period
from ._sliding import sliding_windows

__all__ = [
    "WindowedDetector",
    "aggregate_window_scores",
    "estimate_period",
    "sliding_windows",
]
