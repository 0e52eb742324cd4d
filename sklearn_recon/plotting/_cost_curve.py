"""CostCurveDisplay: the total cost of the alarms over the threshold."""

from ..utils._docstring import fill_doc
from ._base import _DOC, _AnomalyDisplayMixin

_COST_CURVE_KW = """
    curve_kw : dict, default=None
        Keyword arguments of matplotlib's ``plot`` for the cost curve.
"""


@fill_doc(**_DOC, cost_curve_kw=_COST_CURVE_KW)
class CostCurveDisplay(_AnomalyDisplayMixin):
    """Total cost of the alarms over the threshold, against the base cost.

    The business view of a threshold: the total cost at each threshold, the
    base cost (nothing flagged, every anomaly missed) as a horizontal line,
    and the chosen threshold marked on the curve. Make it with
    :meth:`from_estimator` from a fitted
    :class:`~sklearn_recon.CostThreshold` (its held-out ``cv_results_``),
    or with :meth:`from_predictions` from labels, anomaly scores and costs.

    Parameters
    ----------
    thresholds : ndarray of shape (n_thresholds,)
        Increasing thresholds on the anomaly score; a last ``inf`` (flag
        nothing) is not drawn.

    costs : ndarray of shape (n_thresholds,)
        Total cost at each threshold.

    base_cost : float, default=None
        Cost of flagging nothing, drawn as a horizontal line; none if None.

    best_threshold : float, default=None
        The chosen threshold, marked on the cost curve.

    best_cost : float, default=None
        Total cost at ``best_threshold``, the height of the mark.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    %(one_axes_attributes)s

    cost_line_ : matplotlib Line2D
        The cost curve.

    base_cost_line_ : matplotlib Line2D or None
        The base cost, if ``base_cost`` is given.

    best_marker_ : matplotlib Line2D or None
        The mark at the chosen threshold, if ``best_threshold`` is given.

    See Also
    --------
    ThresholdCurveDisplay : Precision, recall and F1 over the threshold.
    sklearn_recon.metrics.cost_curve : The cost curve.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import CostCurveDisplay
    >>> y = np.array([1, 1, 1, 1, -1, -1])
    >>> scores = np.array([0.1, 0.2, 0.3, 0.6, 0.5, 0.9])
    >>> display = CostCurveDisplay.from_predictions(
    ...     y, scores, fp_cost=5, fn_cost=100)
    >>> display.base_cost_line_.get_ydata()[0]
    200.0
    >>> display.best_threshold, display.best_cost
    (0.4, 5.0)
    """

    def __init__(
        self,
        *,
        thresholds,
        costs,
        base_cost=None,
        best_threshold=None,
        best_cost=None,
        name=None,
    ):
        self.thresholds = thresholds
        self.costs = costs
        self.base_cost = base_cost
        self.best_threshold = best_threshold
        self.best_cost = best_cost
        self.name = name

    def plot(self, ax=None, *, name=None, curve_kw=None):
        """Plot the total cost over the threshold and the base cost.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        %(cost_curve_kw)s

        Returns
        -------
        display : CostCurveDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        thresholds, curves = self._check_curves(self.thresholds, costs=self.costs)
        axes, self.figure_, name = self._validate_plot_params(ax, name=name)
        self.ax_ = axes[0, 0]
        self.cost_line_ = self._plot_step_curve(
            self.ax_,
            thresholds,
            curves["costs"],
            {"color": "tab:purple", "label": "Total cost"},
            curve_kw,
        )
        self.base_cost_line_ = None
        if self.base_cost is not None:
            self.base_cost_line_ = self.ax_.axhline(
                self.base_cost,
                color="tab:gray",
                linestyle="--",
                label=f"Base cost (nothing flagged) = {self.base_cost:.6g}",
            )
        self.best_marker_ = self._mark_best(self.ax_, self.best_threshold, self.best_cost, "cost")
        self.ax_.set(xlabel="Threshold on the anomaly score", ylabel="Total cost")
        if name is not None:
            self.ax_.set_title(name)
        # the cost rises to the base cost at high thresholds: lower right is free
        self.ax_.legend(loc="lower right", fontsize="small")
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, curve_kw=None):
        """Plot the cost curve a fitted CostThreshold chose its threshold from.

        Draws its ``cv_results_`` as they are (the held-out total cost at
        each threshold), with the base cost and ``best_threshold_`` marked.

        Parameters
        ----------
        estimator : CostThreshold
            A fitted :class:`~sklearn_recon.CostThreshold`, possibly inside a
            pipeline. For a :class:`~sklearn_recon.ThresholdSelector` use
            :class:`ThresholdCurveDisplay`.

        %(ax)s

        %(curve_estimator_name)s

        %(cost_curve_kw)s

        Returns
        -------
        display : CostCurveDisplay
            The display, drawn.
        """
        model, results, default_name = cls._threshold_results(
            estimator,
            key="costs",
            other="ThresholdCurveDisplay for a ThresholdSelector",
        )
        costs = results["costs"]
        display = cls(
            thresholds=results["thresholds"],
            costs=costs,
            base_cost=float(costs[-1]),  # at the last threshold, inf
            best_threshold=model.best_threshold_,
            best_cost=model.best_cost_,
            name=default_name if name is None else name,
        )
        return display.plot(ax=ax, curve_kw=curve_kw)

    @classmethod
    def from_predictions(
        cls,
        y_true,
        anomaly_score,
        *,
        fp_cost,
        fn_cost,
        tp_cost=0,
        tn_cost=0,
        anomaly_label=-1,
        sample_weight=None,
        ax=None,
        name=None,
        curve_kw=None,
    ):
        """Plot the cost curve of given labels, anomaly scores and costs.

        The curve comes from :func:`~sklearn_recon.metrics.cost_curve`, and
        the mark is where :class:`~sklearn_recon.CostThreshold` would put the
        threshold on these scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels; ``anomaly_label`` marks the anomalies.

        %(anomaly_score)s

        fp_cost : float or array-like of shape (n_samples,)
            Cost of a false alarm (a normal sample flagged), or of each.

        fn_cost : float or array-like of shape (n_samples,)
            Cost of a missed anomaly, or of each.

        tp_cost : float or array-like of shape (n_samples,), default=0
            Cost of a true alarm.

        tn_cost : float or array-like of shape (n_samples,), default=0
            Cost of a normal sample left alone.

        %(anomaly_label)s

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample: its costs are multiplied by it.

        %(ax)s

        %(from_predictions_name)s

        %(cost_curve_kw)s

        Returns
        -------
        display : CostCurveDisplay
            The display, drawn.
        """
        from ..metrics import cost_curve

        _, scores = cls._scores_from_predictions(y_true, anomaly_score, anomaly_label=anomaly_label)
        costs, thresholds = cost_curve(
            y_true,
            scores,
            fp_cost=fp_cost,
            fn_cost=fn_cost,
            tp_cost=tp_cost,
            tn_cost=tn_cost,
            anomaly_label=anomaly_label,
            sample_weight=sample_weight,
        )
        best_threshold, index = cls._best_point(thresholds, -costs, scores)
        display = cls(
            thresholds=thresholds,
            costs=costs,
            base_cost=float(costs[-1]),
            best_threshold=best_threshold,
            best_cost=float(costs[index]),
            name=name,
        )
        return display.plot(ax=ax, curve_kw=curve_kw)
