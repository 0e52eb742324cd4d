"""ErrorDisplay: the anomaly score of each sample, with the threshold line."""

import numpy as np

from ..utils._docstring import fill_doc
from ._base import _DOC, _AnomalyScoreDisplay, _score_groups, _style, _threshold_style

_SCATTER_KW = """
    scatter_kw : dict, default=None
        Keyword arguments of matplotlib's ``scatter``, applied to both classes.
"""


@fill_doc(**_DOC, scatter_kw=_SCATTER_KW)
class ErrorDisplay(_AnomalyScoreDisplay):
    """Anomaly score of each sample, coloured by label, with the threshold.

    Draws each score at its sample position, normal samples and anomalies
    in two colours, and the threshold as a horizontal line: the samples
    above it are the ones the detector flags. Make it with
    :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    %(score_parameters)s

    Attributes
    ----------
    %(one_axes_attributes)s

    scatter_ : list of matplotlib PathCollection
        The points of each class (normal first), or of all samples without
        labels.

    threshold_line_ : matplotlib Line2D or None
        The horizontal threshold line.

    See Also
    --------
    ErrorHistogramDisplay : The histogram of the same scores.
    ThresholdCurveDisplay : Precision, recall and F1 over every threshold.
    sklearn.metrics.ConfusionMatrixDisplay : Counts at the threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import ErrorDisplay
    >>> scores = np.array([0.1, 0.2, 0.15, 0.9, 0.3])
    >>> y = np.array([1, 1, 1, -1, 1])
    >>> display = ErrorDisplay.from_predictions(y, scores, threshold=0.5)
    >>> display.threshold_line_.get_ydata()[0]
    0.5
    >>> display.ax_.get_legend_handles_labels()[1]
    ['Normal', 'Anomaly', 'Threshold = 0.5']
    """

    def plot(self, ax=None, *, name=None, scatter_kw=None):
        """Plot the anomaly score of each sample and the threshold.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        %(scatter_kw)s

        Returns
        -------
        display : ErrorDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        scores, groups = _score_groups(self.anomaly_score, self.is_anomaly)
        axes, self.figure_, name = self._validate_plot_params(ax, name=name)
        self.ax_ = axes[0, 0]
        positions = np.arange(len(scores))
        self.scatter_ = [
            self.ax_.scatter(
                positions[mask],
                scores[mask],
                **_style({"s": 8, "color": color, "label": label}, scatter_kw),
            )
            for label, mask, color in groups
        ]
        self.threshold_line_ = None
        if self.threshold is not None:
            self.threshold_line_ = self.ax_.axhline(
                self.threshold, **_threshold_style(self.threshold)
            )
        self.ax_.set(xlabel="Sample", ylabel=self.score_label)
        if name is not None:
            self.ax_.set_title(name)
        # beside the points, which fill the axes
        self.ax_.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        anomaly_label=-1,
        ax=None,
        name=None,
        scatter_kw=None,
    ):
        """Plot the anomaly score of each sample of ``X`` under a fitted detector.

        Parameters
        ----------
        %(score_from_estimator)s

        %(scatter_kw)s

        Returns
        -------
        display : ErrorDisplay
            The display, drawn.
        """
        display = cls._undrawn_from_estimator(
            estimator, X, y, anomaly_label=anomaly_label, name=name
        )
        return display.plot(ax=ax, scatter_kw=scatter_kw)

    @classmethod
    def from_predictions(
        cls,
        y_true,
        anomaly_score,
        *,
        threshold=None,
        anomaly_label=-1,
        ax=None,
        name=None,
        scatter_kw=None,
    ):
        """Plot given anomaly scores, coloured by their labels.

        Parameters
        ----------
        %(score_from_predictions)s

        %(scatter_kw)s

        Returns
        -------
        display : ErrorDisplay
            The display, drawn.
        """
        display = cls._undrawn_from_predictions(
            y_true,
            anomaly_score,
            threshold=threshold,
            anomaly_label=anomaly_label,
            name=name,
        )
        return display.plot(ax=ax, scatter_kw=scatter_kw)
