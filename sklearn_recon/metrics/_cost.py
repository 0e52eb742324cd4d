"""Total costs, threshold curves and the cost scorer."""

import functools
import warnings
from numbers import Real

import numpy as np
from sklearn.base import is_outlier_detector
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..utils._sklearn_compat import _Scorer
from ..utils._validation import (
    check_anomaly_label,
    check_label_is_scalar,
    check_real_values,
)

COST_NAMES = ("fp_cost", "fn_cost", "tp_cost", "tn_cost")


def check_costs(n_samples=None, **costs):
    """Validate the four costs: each a number >= 0 or, given ``n_samples``,
    one such number per sample. Returns them as floats or float arrays."""
    checked = {}
    for name, value in costs.items():
        if n_samples is not None and not isinstance(value, (Real, np.generic)):
            values = check_real_values(column_or_1d(value), name)
            if values.shape != (n_samples,):
                raise ValueError(
                    f"{name} must be a number or one cost per sample ({n_samples}); "
                    f"got {values.shape[0]} values."
                )
            if not (np.isfinite(values).all() and (values >= 0).all()):
                raise ValueError(f"{name} must hold finite numbers >= 0.")
            checked[name] = values
            continue
        if (
            not isinstance(value, (Real, np.generic))
            or isinstance(value, (bool, np.bool_))
            or not np.isfinite(value)
            or value < 0
        ):
            per_sample = " or one such number per sample" if n_samples is not None else ""
            raise ValueError(f"{name} must be a finite number >= 0{per_sample}; got {value!r}.")
        checked[name] = float(value)
    return checked


def check_scores(y_true, anomaly_score, anomaly_label):
    """The anomaly mask of ``y_true`` and the scores as float64, checked alike."""
    is_anomaly = check_anomaly_label(y_true, anomaly_label, name="y_true")
    anomaly_score = check_real_values(column_or_1d(anomaly_score), "anomaly_score")
    check_consistent_length(is_anomaly, anomaly_score)
    if not np.isfinite(anomaly_score).all():
        raise ValueError("anomaly_score holds NaN or infinite values.")
    return is_anomaly, anomaly_score


def _descending_runs(anomaly_score):
    """Order of the scores, descending, and the last position of each run of
    equal scores in that order."""
    order = np.argsort(anomaly_score, kind="mergesort")[::-1]
    score = anomaly_score[order]
    last = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    return order, last, np.r_[score[last][::-1], np.inf]


def _alarm_counts(is_anomaly, anomaly_score):
    """True and false alarms when flagging ``score >= t``, for every candidate ``t``.

    Returns ``(tp, fp, thresholds)``: ``thresholds`` are the distinct scores
    in increasing order followed by ``+inf`` (flag nothing), and ``tp[i]`` /
    ``fp[i]`` count the anomalies / normal samples with score
    ``>= thresholds[i]``.
    """
    order, last, thresholds = _descending_runs(anomaly_score)
    tp = np.cumsum(is_anomaly[order])[last]
    fp = (last + 1) - tp
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
    is_anomaly, anomaly_score = check_scores(y_true, anomaly_score, anomaly_label)
    tp, fp, thresholds = _alarm_counts(is_anomaly, anomaly_score)
    flagged = tp + fp
    precision = np.divide(tp, flagged, out=np.ones(tp.shape), where=flagged > 0)
    recall = tp / is_anomaly.sum()
    # F1 = 2 TP / (2 TP + FP + FN); 0 when there is no true alarm.
    f1 = 2.0 * tp / (flagged + is_anomaly.sum())
    return precision, recall, f1, thresholds


def _row_costs(is_anomaly, costs, sample_weight=None):
    """Cost of each row if flagged, and if not flagged."""
    flagged = np.where(is_anomaly, costs["tp_cost"], costs["fp_cost"])
    unflagged = np.where(is_anomaly, costs["fn_cost"], costs["tn_cost"])
    if sample_weight is not None:
        flagged, unflagged = flagged * sample_weight, unflagged * sample_weight
    return flagged, unflagged


def _check_total(total, costs):
    if not np.all(np.isfinite(total)):
        raise ValueError(
            "The total cost overflows the float64 range: the costs times the "
            "number of samples are too large. Use smaller cost units."
        )
    return total


def cost_curve(
    y_true,
    anomaly_score,
    *,
    fp_cost,
    fn_cost,
    tp_cost=0,
    tn_cost=0,
    anomaly_label=-1,
    sample_weight=None,
):
    """Total cost of the alarms at every threshold.

    A sample is flagged as an anomaly when its anomaly score is ``>=`` the
    threshold. The total cost is ``fp_cost * FP + fn_cost * FN + tp_cost * TP
    + tn_cost * TN``, the anomaly class being the positive class; with
    per-sample costs it is the sum of each sample's cost of its outcome.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; ``anomaly_label`` marks the anomalies, any other value
        is normal.

    anomaly_score : array-like of shape (n_samples,)
        Anomaly score of each sample, **higher is more anomalous**.

    fp_cost : float or array-like of shape (n_samples,)
        Cost of a false alarm (a normal sample flagged), or of each.

    fn_cost : float or array-like of shape (n_samples,)
        Cost of a missed anomaly, or of each (a missed fraud costs its
        amount).

    tp_cost : float or array-like of shape (n_samples,), default=0
        Cost of a true alarm (for example the cost of acting on it).

    tn_cost : float or array-like of shape (n_samples,), default=0
        Cost of a normal sample left alone.

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y_true``.

    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: its costs are multiplied by it.

    Returns
    -------
    costs : ndarray of shape (n_thresholds,)
        Total cost at each threshold. The last one (nothing flagged) is the
        base cost: every anomaly missed, every normal sample left alone.

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
    >>> costs, _ = cost_curve([1, 1, -1, -1], [0.1, 0.4, 0.35, 0.8],
    ...                       fp_cost=5, fn_cost=[0, 0, 70, 300])
    >>> costs
    array([ 10.,   5.,  75.,  70., 370.])
    """
    is_anomaly, anomaly_score = check_scores(y_true, anomaly_score, anomaly_label)
    n_samples = is_anomaly.size
    costs = check_costs(
        n_samples, fp_cost=fp_cost, fn_cost=fn_cost, tp_cost=tp_cost, tn_cost=tn_cost
    )
    sample_weight = _check_weight(sample_weight, n_samples)
    flagged, unflagged = _row_costs(is_anomaly, costs, sample_weight)
    order, last, thresholds = _descending_runs(anomaly_score)
    with np.errstate(over="ignore", invalid="ignore"):  # reported below
        base = unflagged.sum()
        # Flagging the rows down to each run changes the cost by their deltas.
        totals = base + np.cumsum((flagged - unflagged)[order])[last]
    values = np.r_[totals[::-1], base]
    return _check_total(values.astype(np.float64), costs), thresholds


def costs_at(thresholds, is_anomaly, anomaly_score, costs, sample_weight=None):
    """Total cost of flagging ``score >= t`` for each ``t`` of ``thresholds``.

    The thresholds need not be scores of these samples: the cost curve of one
    part of the data evaluated at the candidate thresholds of another.
    Inputs are validated by the caller; ``costs`` may hold per-sample arrays.
    """
    flagged, unflagged = _row_costs(is_anomaly, costs, sample_weight)
    order = np.argsort(anomaly_score, kind="mergesort")
    ascending = anomaly_score[order]
    with np.errstate(over="ignore", invalid="ignore"):
        base = unflagged.sum()
        # change of cost when the rows from the highest score down are flagged
        delta = np.r_[0.0, np.cumsum((flagged - unflagged)[order][::-1])]
        n_flagged = ascending.size - np.searchsorted(ascending, thresholds, side="left")
        return base + delta[n_flagged]


def _check_weight(sample_weight, n_samples):
    if sample_weight is None:
        return None
    weight = check_real_values(column_or_1d(sample_weight), "sample_weight")
    if weight.shape != (n_samples,):
        raise ValueError(f"sample_weight has {weight.shape[0]} values for {n_samples} samples.")
    if not (np.isfinite(weight).all() and (weight >= 0).all()):
        raise ValueError("sample_weight must hold finite numbers >= 0.")
    return weight


def _cost_of_flags(is_anomaly, flagged, costs, sample_weight=None):
    """Total cost of the boolean alarms ``flagged``."""
    cost_if_flagged, cost_if_not = _row_costs(is_anomaly, costs, sample_weight)
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.where(flagged, cost_if_flagged, cost_if_not).sum()
    return float(_check_total(total, costs))


def total_cost(
    y_true,
    y_pred,
    *,
    fp_cost,
    fn_cost,
    tp_cost=0,
    tn_cost=0,
    anomaly_label=-1,
    sample_weight=None,
):
    """Total cost of predicted labels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels; ``anomaly_label`` marks the anomalies. A ``y_true``
        that holds one class only, not ``anomaly_label``, is a set of normal
        samples (its cost counts false alarms only).

    y_pred : array-like of shape (n_samples,)
        Predicted labels in the coding of ``y_true``: ``anomaly_label`` marks
        the predicted anomalies. For the ``+1``/``-1`` output of a bare
        detector with ``y_true`` coded otherwise, pass
        ``np.where(pred == -1, anomaly_label, normal_label)``, or use
        :func:`make_cost_scorer`, which does this for you.

    fp_cost, fn_cost, tp_cost, tn_cost : float or array-like of shape (n_samples,)
        Cost of each false alarm, missed anomaly, true alarm and normal
        sample left alone, the same for every sample or one per sample;
        ``tp_cost`` and ``tn_cost`` default to 0.

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y_true`` and ``y_pred``.

    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: its cost is multiplied by it.

    Returns
    -------
    cost : float
        ``fp_cost * FP + fn_cost * FN + tp_cost * TP + tn_cost * TN``, or
        the sum of each sample's cost of its outcome.

    Examples
    --------
    >>> from sklearn_recon.metrics import total_cost
    >>> total_cost([0, 1, 1, 0], [1, 1, 0, 0], fp_cost=5, fn_cost=100,
    ...            tp_cost=5, anomaly_label=1)
    110.0
    >>> total_cost([0, 1, 1, 0], [1, 1, 0, 0], fp_cost=5, fn_cost=[0, 20, 300, 0],
    ...            anomaly_label=1)
    305.0
    """
    is_anomaly = check_anomaly_label(y_true, anomaly_label, name="y_true", allow_absent=True)
    flagged = column_or_1d(y_pred) == anomaly_label
    check_consistent_length(is_anomaly, flagged)
    costs = check_costs(
        is_anomaly.size,
        fp_cost=fp_cost,
        fn_cost=fn_cost,
        tp_cost=tp_cost,
        tn_cost=tn_cost,
    )
    weight = _check_weight(sample_weight, is_anomaly.size)
    return _cost_of_flags(is_anomaly, flagged, costs, weight)


def _neg_total_cost(y_true, y_pred, **kwargs):
    """Minus :func:`total_cost`: the score function of the cost scorer."""
    return -total_cost(y_true, y_pred, **kwargs)


class _CostScorer(_Scorer):
    """Minus the total cost of an estimator's predictions, as a scorer object.

    A scikit-learn scorer (``_score_func``, ``_sign``, ``_kwargs``,
    ``_response_method``, ``set_score_request``), so that
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` and metadata
    routing can use it. Its score function takes labels in ``y``'s coding,
    with the constant costs bound to it; per-sample costs passed as metadata
    of the same names (``fn_cost=amount``) replace the constants. A bare
    outlier detector's ``-1`` predictions are the anomalies whatever the
    coding of ``y``.
    """

    def __init__(self, costs, anomaly_label):
        super().__init__(
            score_func=functools.partial(_neg_total_cost, **costs),
            sign=1,
            kwargs={"anomaly_label": anomaly_label},
            response_method="predict",
        )
        self._costs = costs

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        anomaly_label = self._kwargs["anomaly_label"]
        is_anomaly = check_anomaly_label(y_true, anomaly_label, name="y_true", allow_absent=True)
        if not is_anomaly.any():
            warnings.warn(
                f"The scored samples hold no anomaly (no y == {anomaly_label!r}): "
                "their cost counts false alarms only. When a grid search or "
                "cross_validate splits an outlier detector's rows with cv=<int>, "
                "the folds are not stratified; pass "
                "cv=StratifiedKFold(n_splits) so that every fold holds anomalies.",
                UserWarning,
                stacklevel=2,
            )
        y_pred = column_or_1d(method_caller(estimator, "predict", X))
        if is_outlier_detector(estimator):
            # -1 is an anomaly whatever the coding of y: recode the alarms in
            # y's coding, where any value but anomaly_label is normal.
            y_pred = np.where(y_pred == -1, anomaly_label, _NotTheLabel())
        return self._score_func(y_true, y_pred, **{**self._kwargs, **kwargs})

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._costs.items())
        return f"make_cost_scorer({args}, anomaly_label={self._kwargs['anomaly_label']!r})"


class _NotTheLabel:
    """A prediction that equals no label: not an anomaly, whatever the coding."""

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = object.__hash__


def make_cost_scorer(*, fp_cost, fn_cost, tp_cost=0, tn_cost=0, anomaly_label=-1):
    """Make a scorer returning minus the total cost, for ``scoring=``.

    The scorer is a scikit-learn scorer object: ``scorer(estimator, X, y)``
    returns ``-total_cost`` (greater is better, as
    :class:`~sklearn.model_selection.GridSearchCV` expects), and it works in
    :func:`~sklearn.model_selection.cross_validate`,
    :func:`~sklearn.inspection.permutation_importance` and
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV`. It scores
    both kinds of estimator:

    - a bare **outlier detector** (or a pipeline ending in one), whose
      ``predict`` gives ``-1`` for an anomaly whatever the coding of ``y``;
    - a **classifier** such as :class:`~sklearn_recon.CostThreshold` or
      :class:`~sklearn_recon.ThresholdSelector`, whose ``predict`` answers
      in ``y``'s own coding, where ``anomaly_label`` marks the anomalies.

    In both cases ``y == anomaly_label`` marks the true anomalies. Samples
    without any anomaly (a test fold without one) get the cost of their
    false alarms, with a warning that names
    :class:`~sklearn.model_selection.StratifiedKFold`.

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
    scorer : scorer object
        ``scorer(estimator, X, y) -> float``, minus the total cost. With
        metadata routing enabled, ``scorer.set_score_request(fn_cost=True)``
        (or any of the four costs) makes it take per-sample costs as
        metadata of that name, which replace the constant for those samples.

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
    costs = check_costs(fp_cost=fp_cost, fn_cost=fn_cost, tp_cost=tp_cost, tn_cost=tn_cost)
    check_label_is_scalar(anomaly_label)
    return _CostScorer(costs, anomaly_label)
