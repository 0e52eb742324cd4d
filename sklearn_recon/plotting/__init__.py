"""Visualizations of fitted detectors, in scikit-learn's Display style.

Each display draws one kind of plot. It stores the data to draw in its
constructor, draws it with ``plot(ax=None, *, name=None, ...)`` (setting
``ax_``, ``figure_`` and its artists) and is usually made by the class
methods ``from_estimator`` (which score data with a fitted detector) or
``from_predictions`` (which take the scores directly), as
:class:`sklearn.metrics.RocCurveDisplay` does.

- :class:`ReconstructionDisplay`: rows against their reconstruction, the
  error shaded between them, one panel per channel of a sequence.
- :class:`ErrorDisplay`: the anomaly score of each sample coloured by its
  label, with the threshold line.
- :class:`ErrorHistogramDisplay`: the histogram of the anomaly scores of
  each class, with the threshold line.
- :class:`ThresholdCurveDisplay`: precision, recall and F1 of the anomaly
  class over the threshold.
- :class:`CostCurveDisplay`: the total cost over the threshold, against the
  cost of flagging nothing.
- :class:`LossCurveDisplay`: the training history, per epoch.
- :class:`SeriesScoreDisplay`: the per-time-step scores of a
  :class:`~sklearn_recon.WindowedDetector` over a series, with the flagged
  steps and the labelled anomalous regions.
- :class:`ContributionsDisplay`: how much each feature contributes to one
  row's anomaly score, as bars named by the features.
- :class:`SeriesContributionsDisplay`: the contributions of every feature
  at every time step of a series, as a heatmap under the series.

Conventions: the **anomaly score** is higher for more anomalous samples,
``-score_samples(X)`` (the reconstruction error of this library's
detectors), and a sample is flagged when it is above the threshold
(``threshold_ == -offset_`` for a detector). Labels ``y`` mark anomalies
with ``anomaly_label`` (default ``-1``, the value ``predict`` uses). A
:class:`~sklearn.pipeline.Pipeline` ending in a detector is accepted
wherever a detector is: ``X`` is transformed by the earlier steps and the
axes say that the values are scaled.

For a confusion matrix use scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay` on the detector's
``+1``/``-1`` predictions, with the labels of ``y`` mapped to the same
coding (here ``y`` marks anomalies with 1):

>>> import numpy as np
>>> from sklearn.ensemble import IsolationForest
>>> from sklearn.metrics import ConfusionMatrixDisplay
>>> rng = np.random.RandomState(0)
>>> X = np.r_[rng.normal(size=(95, 2)), rng.normal(6, 1, size=(5, 2))]
>>> y = np.r_[np.zeros(95, dtype=int), np.ones(5, dtype=int)]
>>> detector = IsolationForest(random_state=0).fit(X[y == 0])
>>> y_coded = np.where(y == 1, -1, 1)  # anomaly_label=1 -> -1, the rest -> +1
>>> display = ConfusionMatrixDisplay.from_predictions(
...     y_coded, detector.predict(X), labels=[1, -1],
...     display_labels=["normal", "anomaly"])
>>> display.confusion_matrix.sum(axis=1)  # true normal and anomalous rows
array([95,  5])

A :class:`~sklearn_recon.ThresholdSelector` or
:class:`~sklearn_recon.CostThreshold` predicts in ``y``'s own coding, so
``ConfusionMatrixDisplay.from_estimator(selector, X_test, y_test)`` works
as for any classifier.

matplotlib is installed with sklearn-recon, and imported only when used:
neither it nor Keras is imported until a display draws or scores.
"""

from ._contributions import ContributionsDisplay
from ._cost_curve import CostCurveDisplay
from ._error import ErrorDisplay
from ._error_histogram import ErrorHistogramDisplay
from ._loss_curve import LossCurveDisplay
from ._reconstruction import ReconstructionDisplay
from ._series_contributions import SeriesContributionsDisplay
from ._series_score import SeriesScoreDisplay
from ._threshold_curve import ThresholdCurveDisplay

__all__ = [
    "ContributionsDisplay",
    "CostCurveDisplay",
    "ErrorDisplay",
    "ErrorHistogramDisplay",
    "LossCurveDisplay",
    "ReconstructionDisplay",
    "SeriesContributionsDisplay",
    "SeriesScoreDisplay",
    "ThresholdCurveDisplay",
]
