"""ThresholdCurveDisplay: precision, recall and F1 of the anomalies, per threshold."""

from ..utils._docstring import fill_doc
from ._base import _DOC, _AnomalyDisplayMixin

#: Colour and label of each curve, in drawing order.
_CURVES = {
    "precision": ("Precision", "tab:blue"),
    "recall": ("Recall", "tab:orange"),
    "f1": ("F1", "tab:green"),
}


@fill_doc(**_DOC)
class ThresholdCurveDisplay(_AnomalyDisplayMixin):
    """Precision, recall and F1 of the anomaly class over the threshold.

    The chosen threshold is marked on the F1 curve. Make it with
    :meth:`from_estimator` from a fitted
    :class:`~sklearn_recon.ThresholdSelector` (its held-out
    ``cv_results_``), or with :meth:`from_predictions` from labels and
    anomaly scores.

    Parameters
    ----------
    thresholds : ndarray of shape (n_thresholds,)
        Increasing thresholds on the anomaly score; a last ``inf`` (flag
        nothing) is not drawn.

    precision : ndarray of shape (n_thresholds,)
        Precision of the anomaly class at each threshold.

    recall : ndarray of shape (n_thresholds,)
        Recall of the anomaly class at each threshold.

    f1 : ndarray of shape (n_thresholds,)
        F1 of the anomaly class at each threshold.

    best_threshold : float, default=None
        The chosen threshold, marked on the F1 curve.

    best_f1 : float, default=None
        F1 at ``best_threshold``, the height of the mark.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    %(one_axes_attributes)s

    precision_line_, recall_line_, f1_line_ : matplotlib Line2D
        The precision, recall and F1 curves.

    best_marker_ : matplotlib Line2D or None
        The mark at the chosen threshold, if ``best_threshold`` is given.

    See Also
    --------
    CostCurveDisplay : The total cost over the threshold.
    sklearn_recon.metrics.threshold_curve : The precision, recall and F1
        curves.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import ThresholdCurveDisplay
    >>> y = np.array([1, 1, 1, 1, -1, -1])
    >>> scores = np.array([0.1, 0.2, 0.3, 0.6, 0.5, 0.9])
    >>> display = ThresholdCurveDisplay.from_predictions(y, scores)
    >>> display.best_threshold
    0.4
    >>> display.f1_line_.get_ydata().round(2).tolist()
    [0.5, 0.57, 0.67, 0.8, 0.5, 0.67]
    """

    def __init__(
        self,
        *,
        thresholds,
        precision,
        recall,
        f1,
        best_threshold=None,
        best_f1=None,
        name=None,
    ):
        self.thresholds = thresholds
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.best_threshold = best_threshold
        self.best_f1 = best_f1
        self.name = name

    def plot(self, ax=None, *, name=None, curve_kw=None):
        """Plot precision, recall and F1 over the threshold.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        %(curve_kw)s

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        thresholds, curves = self._check_curves(
            self.thresholds, precision=self.precision, recall=self.recall, f1=self.f1
        )
        axes, self.figure_, name = self._validate_plot_params(ax, name=name)
        self.ax_ = axes[0, 0]
        for key, (label, color) in _CURVES.items():
            line = self._plot_step_curve(
                self.ax_,
                thresholds,
                curves[key],
                {"color": color, "label": label},
                curve_kw,
            )
            setattr(self, f"{key}_line_", line)
        self.best_marker_ = self._mark_best(self.ax_, self.best_threshold, self.best_f1, "F1")
        self.ax_.set(
            xlabel="Threshold on the anomaly score",
            ylabel="Anomaly class: precision, recall, F1",
            ylim=(-0.02, 1.02),
        )
        if name is not None:
            self.ax_.set_title(name)
        self.ax_.legend(loc="best", fontsize="small")
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, curve_kw=None):
        """Plot the curves a fitted ThresholdSelector chose its threshold from.

        Draws its ``cv_results_`` as they are (the held-out curves), with
        ``best_threshold_`` marked.

        Parameters
        ----------
        estimator : ThresholdSelector
            A fitted :class:`~sklearn_recon.ThresholdSelector` with
            ``method="f1"`` or a label-free method (their ``cv_results_``
            hold precision and recall), possibly inside a pipeline. For a
            :class:`~sklearn_recon.CostThreshold` use
            :class:`CostCurveDisplay`.

        %(ax)s

        %(curve_estimator_name)s

        %(curve_kw)s

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, drawn.
        """
        selector, results, default_name = cls._threshold_results(
            estimator, key="precision", other="CostCurveDisplay for a CostThreshold"
        )
        display = cls(
            thresholds=results["thresholds"],
            precision=results["precision"],
            recall=results["recall"],
            f1=results["scores"],
            best_threshold=selector.best_threshold_,
            best_f1=selector.best_score_,
            name=default_name if name is None else name,
        )
        return display.plot(ax=ax, curve_kw=curve_kw)

    @classmethod
    def from_predictions(
        cls,
        y_true,
        anomaly_score,
        *,
        anomaly_label=-1,
        ax=None,
        name=None,
        curve_kw=None,
    ):
        """Plot precision, recall and F1 of given labels and anomaly scores.

        The curves come from :func:`~sklearn_recon.metrics.threshold_curve`,
        and the mark is where :class:`~sklearn_recon.ThresholdSelector`
        (``method="f1"``) would put the threshold on these scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels; ``anomaly_label`` marks the anomalies.

        %(anomaly_score)s

        %(anomaly_label)s

        %(ax)s

        %(from_predictions_name)s

        %(curve_kw)s

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, drawn.
        """
        from ..metrics import threshold_curve

        _, scores = cls._scores_from_predictions(y_true, anomaly_score, anomaly_label=anomaly_label)
        precision, recall, f1, thresholds = threshold_curve(
            y_true, scores, anomaly_label=anomaly_label
        )
        best_threshold, index = cls._best_point(thresholds, f1, scores)
        display = cls(
            thresholds=thresholds,
            precision=precision,
            recall=recall,
            f1=f1,
            best_threshold=best_threshold,
            best_f1=float(f1[index]),
            name=name,
        )
        return display.plot(ax=ax, curve_kw=curve_kw)
