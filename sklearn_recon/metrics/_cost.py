"""Total costs, threshold curves and the cost scorer."""

from numbers import Real

import numpy as np
from sklearn.base import is_outlier_detector
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..utils._validation import check_real_values

__all__ = [
    "cost_curve",
    "make_cost_scorer",
    "threshold_curve",
    "total_cost",
]


def _check_label_is_scalar(anomaly_label):
    if not isinstance(anomaly_label, (Real, str, np.generic)):
        raise TypeError(
            "anomaly_label must be one label (an int, float, str or bool); got "
            f"{anomaly_label!r} of type {type(anomaly_label).__name__}."
        )


def _check_anomaly_label(y_true, anomaly_label, name="y_true"):
    """Return the boolean anomaly mask of ``y_true``; refuse an absent label."""
    _check_label_is_scalar(anomaly_label)
    y_true = column_or_1d(y_true)
    if y_true.dtype.kind == "f" and np.isnan(y_true).any():
        raise ValueError(
            f"{name} holds {int(np.isnan(y_true).sum())} NaN label(s); every sample "
            "needs a label."
        )
    labels = np.unique(y_true)
    if not np.isin(anomaly_label, labels):
        raise ValueError(
            f"anomaly_label={anomaly_label!r} is not among the classes in {name} "
            f"({labels.tolist()!r}). Pass the value that marks anomalies in "
            f"{name}, e.g. anomaly_label=1 for 0/1 labels with 1 = anomaly."
        )
    return y_true == anomaly_label


def _check_costs(**costs):
    for name, value in costs.items():
        if (
            not isinstance(value, Real)
            or isinstance(value, bool)
            or not np.isfinite(value)
            or value < 0
        ):
            raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    return costs


def _check_scores(y_true, anomaly_score, anomaly_label):
    is_anomaly = _check_anomaly_label(y_true, anomaly_label)
    anomaly_score = check_real_values(column_or_1d(anomaly_score), "anomaly_score")
    check_consistent_length(is_anomaly, anomaly_score)
    if not np.isfinite(anomaly_score).all():
        raise ValueError("anomaly_score holds NaN or infinite values.")
    return is_anomaly, anomaly_score


def _alarm_counts(is_anomaly, anomaly_score):
    """True and false alarms when flagging ``score >= t``, for every candidate ``t``.

    Returns ``(tp, fp, thresholds)``: ``thresholds`` are the distinct scores
    in increasing order followed by ``+inf`` (flag nothing), and ``tp[i]`` /
    ``fp[i]`` count the anomalies / normal samples with score
    ``>= thresholds[i]``.
    """
    order = np.argsort(anomaly_score, kind="mergesort")[::-1]
    score = anomaly_score[order]
    hits = is_anomaly[order]
    # The last position of each run of equal scores (descending order).
    last = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    tp = np.cumsum(hits)[last]
    fp = (last + 1) - tp
    # Increasing thresholds, then +inf where nothing is flagged.
    thresholds = np.r_[score[last][::-1], np.inf]
    return np.r_[tp[::-1], 0], np.r_[fp[::-1], 0], thresholds


def threshold_curve(y_true, anomaly_score, *, anomaly_label=-1):
    """Precision, recall and F1 of the anomaly class at every threshold.

    A sample is flagged as an anomaly when its anomaly score is ``>=`` the
    threshold; the anomaly class is the positive class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; ``anomaly_label`` marks the anomalies, any other value
        is normal.

    anomaly_score : array-like of shape (n_samples,)
        Anomaly score of each sample, **higher is more anomalous** (for a
        detector, ``-detector.score_samples(X)``).

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y_true``.

    Returns
    -------
    precision : ndarray of shape (n_thresholds,)
        Share of flagged samples that are anomalies. Where nothing is
        flagged (the last threshold, ``+inf``) it is 1, as in
        :func:`sklearn.metrics.precision_recall_curve`.

    recall : ndarray of shape (n_thresholds,)
        Share of the anomalies that are flagged.

    f1 : ndarray of shape (n_thresholds,)
        Harmonic mean of precision and recall; 0 where both are 0 or nothing
        is flagged.

    thresholds : ndarray of shape (n_thresholds,)
        The distinct anomaly scores in increasing order, then ``+inf``.

    Raises
    ------
    ValueError
        If ``anomaly_label`` is not among the labels of ``y_true``.

    See Also
    --------
    cost_curve : Total cost at every threshold.

    Notes
    -----
    The result depends on the order of the scores only: any strictly
    increasing transform of ``anomaly_score`` gives the same precision,
    recall and F1 (at the transformed thresholds).

    Examples
    --------
    >>> from sklearn_recon.metrics import threshold_curve
    >>> precision, recall, f1, thresholds = threshold_curve(
    ...     [1, 1, -1, -1], [0.1, 0.4, 0.35, 0.8])
    >>> thresholds
    array([0.1 , 0.35, 0.4 , 0.8 ,  inf])
    >>> recall
    array([1. , 1. , 0.5, 0.5, 0. ])
    """
    is_anomaly, anomaly_score = _check_scores(y_true, anomaly_score, anomaly_label)
    tp, fp, thresholds = _alarm_counts(is_anomaly, anomaly_score)
    flagged = tp + fp
    precision = np.divide(tp, flagged, out=np.ones(tp.shape), where=flagged > 0)
    recall = tp / is_anomaly.sum()
    # F1 = 2 TP / (2 TP + FP + FN); 0 when there is no true alarm.
    f1 = 2.0 * tp / (flagged + is_anomaly.sum())
    return precision, recall, f1, thresholds


def _costs_from_counts(tp, fp, n_anomalies, n_normal, costs):
    fn = n_anomalies - tp
    tn = n_normal - fp
    with np.errstate(over="ignore"):  # an overflow is reported below
        total = (
            costs["fp_cost"] * fp
            + costs["fn_cost"] * fn
            + costs["tp_cost"] * tp
            + costs["tn_cost"] * tn
        )
    if not np.all(np.isfinite(total)):
        raise ValueError(
            f"The total cost overflows: the costs {costs} times the counts of "
            "samples exceed the float64 range. Use smaller cost units."
        )
    return total


def cost_curve(
    y_true, anomaly_score, *, fp_cost, fn_cost, tp_cost=0, tn_cost=0, anomaly_label=-1
):
    """Total cost of the alarms at every threshold.

    A sample is flagged as an anomaly when its anomaly score is ``>=`` the
    threshold. The total cost is ``fp_cost * FP + fn_cost * FN + tp_cost * TP
    + tn_cost * TN``, the anomaly class being the positive class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; ``anomaly_label`` marks the anomalies, any other value
        is normal.

    anomaly_score : array-like of shape (n_samples,)
        Anomaly score of each sample, **higher is more anomalous**.

    fp_cost : float
        Cost of a false alarm (a normal sample flagged).

    fn_cost : float
        Cost of a missed anomaly.

    tp_cost : float, default=0
        Cost of a true alarm (for example the cost of acting on it).

    tn_cost : float, default=0
        Cost of a normal sample left alone.

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y_true``.

    Returns
    -------
    costs : ndarray of shape (n_thresholds,)
        Total cost at each threshold. The last one (nothing flagged) is the
        base cost ``fn_cost * n_anomalies + tn_cost * n_normal``.

    thresholds : ndarray of shape (n_thresholds,)
        The distinct anomaly scores in increasing order, then ``+inf``.

    Raises
    ------
    ValueError
        If ``anomaly_label`` is not among the labels of ``y_true`` or a cost
        is negative.

    See Also
    --------
    threshold_curve : Precision, recall and F1 at every threshold.
    total_cost : Total cost of given predictions.

    Examples
    --------
    >>> from sklearn_recon.metrics import cost_curve
    >>> costs, thresholds = cost_curve([1, 1, -1, -1], [0.1, 0.4, 0.35, 0.8],
    ...                                fp_cost=5, fn_cost=100)
    >>> costs
    array([ 10.,   5., 105., 100., 200.])
    """
    costs = _check_costs(
        fp_cost=fp_cost, fn_cost=fn_cost, tp_cost=tp_cost, tn_cost=tn_cost
    )
    is_anomaly, anomaly_score = _check_scores(y_true, anomaly_score, anomaly_label)
    tp, fp, thresholds = _alarm_counts(is_anomaly, anomaly_score)
    n_anomalies = int(is_anomaly.sum())
    values = _costs_from_counts(tp, fp, n_anomalies, is_anomaly.size - n_anomalies, costs)
    return values.astype(np.float64), thresholds


def total_cost(
    y_true, y_pred, *, fp_cost, fn_cost, tp_cost=0, tn_cost=0, anomaly_label=-1
):
    """Total cost of predicted labels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; ``anomaly_label`` marks the anomalies.

    y_pred : array-like of shape (n_samples,)
        Predicted labels in the coding of ``y_true``: ``anomaly_label`` marks
        the predicted anomalies. For the ``+1``/``-1`` output of a bare
        detector with ``y_true`` coded otherwise, pass
        ``np.where(pred == -1, anomaly_label, normal_label)``, or use
        :func:`make_cost_scorer`, which does this for you.

    fp_cost, fn_cost, tp_cost, tn_cost : float
        Cost of each false alarm, missed anomaly, true alarm and normal
        sample left alone; ``tp_cost`` and ``tn_cost`` default to 0.

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y_true`` and ``y_pred``.

    Returns
    -------
    cost : float
        ``fp_cost * FP + fn_cost * FN + tp_cost * TP + tn_cost * TN``.

    Examples
    --------
    >>> from sklearn_recon.metrics import total_cost
    >>> total_cost([0, 1, 1, 0], [1, 1, 0, 0], fp_cost=5, fn_cost=100,
    ...            tp_cost=5, anomaly_label=1)
    110.0
    """
    costs = _check_costs(
        fp_cost=fp_cost, fn_cost=fn_cost, tp_cost=tp_cost, tn_cost=tn_cost
    )
    is_anomaly = _check_anomaly_label(y_true, anomaly_label)
    flagged = column_or_1d(y_pred) == anomaly_label
    check_consistent_length(is_anomaly, flagged)
    return _cost_of_flags(is_anomaly, flagged, costs)


def _cost_of_flags(is_anomaly, flagged, costs):
    tp = int(np.sum(is_anomaly & flagged))
    fp = int(np.sum(~is_anomaly & flagged))
    n_anomalies = int(is_anomaly.sum())
    return float(
        _costs_from_counts(tp, fp, n_anomalies, is_anomaly.size - n_anomalies, costs)
    )


class _CostScorer:
    """Negated total cost of an estimator's predictions (greater is better)."""

    def __init__(self, costs, anomaly_label):
        self._costs = costs
        self._anomaly_label = anomaly_label

    def __call__(self, estimator, X, y_true):
        is_anomaly = _check_anomaly_label(y_true, self._anomaly_label)
        y_pred = column_or_1d(estimator.predict(X))
        # A bare outlier detector (or a pipeline ending in one) says -1 for an
        # anomaly whatever the coding of y; a classifier such as CostThreshold
        # answers in y's own coding, where anomaly_label marks the anomalies.
        anomaly_pred = -1 if is_outlier_detector(estimator) else self._anomaly_label
        flagged = y_pred == anomaly_pred
        check_consistent_length(is_anomaly, flagged)
        return -_cost_of_flags(is_anomaly, flagged, self._costs)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._costs.items())
        return f"make_cost_scorer({args}, anomaly_label={self._anomaly_label!r})"


def make_cost_scorer(*, fp_cost, fn_cost, tp_cost=0, tn_cost=0, anomaly_label=-1):
    """Make a scorer returning minus the total cost, for ``scoring=``.

    The scorer is a callable ``scorer(estimator, X, y)`` that returns
    ``-total_cost`` (greater is better, as
    :class:`~sklearn.model_selection.GridSearchCV` expects). It works on
    both kinds of estimator:

    - a bare **outlier detector** (or a pipeline ending in one), whose
      ``predict`` gives ``-1`` for an anomaly whatever the coding of ``y``;
    - a **classifier** such as :class:`~sklearn_recon.CostThreshold` or
      :class:`~sklearn_recon.ThresholdSelector`, whose ``predict`` answers
      in ``y``'s own coding, where ``anomaly_label`` marks the anomalies.

    In both cases ``y == anomaly_label`` marks the true anomalies.

    Parameters
    ----------
    fp_cost : float
        Cost of a false alarm (a normal sample flagged).

    fn_cost : float
        Cost of a missed anomaly.

    tp_cost : float, default=0
        Cost of a true alarm.

    tn_cost : float, default=0
        Cost of a normal sample left alone.

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y`` (and in the predictions of a
        classifier).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, minus the total cost.

    See Also
    --------
    total_cost : The cost of given predictions.
    CostThreshold : Choose the threshold of least total cost.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon import make_cost_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(95, 2)), rng.normal(6, 1, size=(5, 2))]
    >>> y = np.r_[np.zeros(95, dtype=int), np.ones(5, dtype=int)]
    >>> scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
    >>> detector = IsolationForest(random_state=0).fit(X[y == 0])
    >>> float(scorer(detector, X, y)) <= 0
    True
    """
    costs = _check_costs(
        fp_cost=fp_cost, fn_cost=fn_cost, tp_cost=tp_cost, tn_cost=tn_cost
    )
    _check_label_is_scalar(anomaly_label)
    return _CostScorer(costs, anomaly_label)
