"""Costs, threshold curves and cost scorers; the series metrics VUS and UCR top-1.

Conventions used throughout:

- An **anomaly score** is higher for more anomalous samples: for a detector
  it is ``-score_samples(X)`` (the anomaly error of the reconstruction
  detectors).
- A sample is **flagged** at threshold ``t`` when its anomaly score is
  ``>= t`` (the convention of :func:`sklearn.metrics.precision_recall_curve`).
- ``anomaly_label`` names the anomaly class in ``y_true``; every other value
  is normal. A value that is not among the labels of ``y_true`` is a
  ``ValueError``, never a silent guess.

The curves are pure NumPy: the scores are sorted once and the counts of
true and false alarms at every threshold come from cumulative sums.
"""

from ._cost import cost_curve, make_cost_scorer, threshold_curve, total_cost
from ._series import ucr_top1_hit, vus_pr, vus_roc

__all__ = [
    "cost_curve",
    "make_cost_scorer",
    "threshold_curve",
    "total_cost",
    "ucr_top1_hit",
    "vus_pr",
    "vus_roc",
]
