"""ErrorHistogramDisplay: the histogram of the anomaly scores, with the threshold."""

import numpy as np

from ..utils._docstring import fill_doc
from ._base import _DOC, _AnomalyScoreDisplay, _score_groups, _style, _threshold_style

_HIST_PARAMETERS = """
    bins : int or sequence, default=50
        Bins of the histogram, as in :func:`numpy.histogram_bin_edges`; both
        classes share them.

    hist_kw : dict, default=None
        Keyword arguments of matplotlib's ``hist``, applied to both classes.
"""


@fill_doc(**_DOC, hist_parameters=_HIST_PARAMETERS)
class ErrorHistogramDisplay(_AnomalyScoreDisplay):
    """Histogram of the anomaly scores, of each class, with the threshold.

    The form the LSTM study read its threshold from: the scores of the
    training rows (or of labelled rows, one histogram per class over the
    same bins) and the threshold as a vertical line. Make it with
    :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    %(score_parameters)s

    Attributes
    ----------
    %(one_axes_attributes)s

    hist_ : list of matplotlib BarContainer
        The bars of each class (normal first), or of all samples without
        labels.

    threshold_line_ : matplotlib Line2D or None
        The vertical threshold line.

    See Also
    --------
    ErrorDisplay : The same scores, per sample.
    sklearn_recon.ThresholdSelector : Chooses a threshold from labelled rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import ErrorHistogramDisplay
    >>> scores = np.array([0.1, 0.2, 0.15, 0.9, 0.3])
    >>> display = ErrorHistogramDisplay.from_predictions(
    ...     None, scores, threshold=0.5, bins=[0, 0.25, 0.5, 0.75, 1])
    >>> [int(bar.get_height()) for bar in display.hist_[0]]
    [3, 1, 0, 1]
    >>> display.threshold_line_.get_xdata()[0]
    0.5
    """

    def plot(self, ax=None, *, name=None, bins=50, hist_kw=None):
        """Plot the histogram of the anomaly scores and the threshold.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        %(hist_parameters)s

        Returns
        -------
        display : ErrorHistogramDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        scores, groups = _score_groups(self.anomaly_score, self.is_anomaly)
        axes, self.figure_, name = self._validate_plot_params(ax, name=name)
        self.ax_ = axes[0, 0]
        edges = np.histogram_bin_edges(scores, bins=bins)
        self.hist_ = [
            self.ax_.hist(
                scores[mask],
                bins=edges,
                **_style({"color": color, "alpha": 0.6, "label": label}, hist_kw),
            )[2]
            for label, mask, color in groups
        ]
        self.threshold_line_ = None
        if self.threshold is not None:
            self.threshold_line_ = self.ax_.axvline(
                self.threshold, **_threshold_style(self.threshold)
            )
        self.ax_.set(xlabel=self.score_label, ylabel="Number of samples")
        if name is not None:
            self.ax_.set_title(name)
        self.ax_.legend(loc="best")
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
        bins=50,
        hist_kw=None,
    ):
        """Plot the histogram of a fitted detector's anomaly scores on ``X``.

        For example of the training rows, to see where the threshold falls
        in their distribution.

        Parameters
        ----------
        %(score_from_estimator)s

        %(hist_parameters)s

        Returns
        -------
        display : ErrorHistogramDisplay
            The display, drawn.
        """
        display = cls._undrawn_from_estimator(
            estimator, X, y, anomaly_label=anomaly_label, name=name
        )
        return display.plot(ax=ax, bins=bins, hist_kw=hist_kw)

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
        bins=50,
        hist_kw=None,
    ):
        """Plot the histogram of given anomaly scores, per class of their labels.

        Parameters
        ----------
        %(score_from_predictions)s

        %(hist_parameters)s

        Returns
        -------
        display : ErrorHistogramDisplay
            The display, drawn.
        """
        display = cls._undrawn_from_predictions(
            y_true,
            anomaly_score,
            threshold=threshold,
            anomaly_label=anomaly_label,
            name=name,
        )
        return display.plot(ax=ax, bins=bins, hist_kw=hist_kw)
