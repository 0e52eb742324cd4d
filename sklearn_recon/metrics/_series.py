"""Metrics of anomaly scores over a time series: VUS-PR, VUS-ROC, UCR top-1 hit."""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..utils._validation import check_real_values

__all__ = ["ucr_top1_hit", "vus_pr", "vus_roc"]


def _check_series_scores(y_true, anomaly_score, *, both_classes=True):
    """Return ``y_true`` as a bool mask and the scores as float64, validated."""
    y_true = column_or_1d(y_true)
    labels = check_real_values(y_true, "y_true")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(
            "y_true must hold 0 (normal) and 1 (anomaly) or booleans, one per time "
            f"step; got the values {np.unique(labels)[:10].tolist()}."
        )
    anomaly_score = check_real_values(column_or_1d(anomaly_score), "anomaly_score")
    check_consistent_length(labels, anomaly_score)
    if not np.isfinite(anomaly_score).all():
        raise ValueError("anomaly_score holds NaN or infinite values.")
    is_anomaly = labels.astype(bool)
    if not is_anomaly.any():
        raise ValueError("y_true has no anomalous time step (no 1).")
    if both_classes and is_anomaly.all():
        raise ValueError("y_true has no normal time step (no 0).")
    return is_anomaly, anomaly_score


def _check_non_negative_int(value, name, minimum=0):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


def _segments(is_anomaly):
    """First and last step (inclusive) of each run of anomalous steps."""
    edges = np.diff(np.r_[0, is_anomaly.astype(np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _buffer_weights(starts, ends, is_anomaly, sliding_window):
    """Labels of the buffer steps for every buffer length ``0 .. sliding_window``.

    Returns the normal steps within ``sliding_window // 2`` of an anomalous
    region, and a ``(sliding_window + 1, n_steps)`` array: for buffer
    length ``w``, a step ``d`` steps before a region's first step or after
    its last one gets ``sqrt(1 - d / w)`` when ``d <= w // 2`` (summed over
    the regions and capped at 1), as in TSB-AD.
    """
    n = len(is_anomaly)
    half = sliding_window // 2
    near = np.zeros(n, dtype=bool)
    for start, end in zip(starts, ends):
        near[max(start - half, 0) : min(end + half, n - 1) + 1] = True
    steps = np.flatnonzero(near & ~is_anomaly)
    position = np.full(n, -1)
    position[steps] = np.arange(len(steps))
    weights = np.zeros((sliding_window + 1, len(steps)))
    lengths = np.arange(1, sliding_window + 1)[:, None]
    distance = np.arange(1, half + 1)
    for start, end in zip(starts, ends):
        for side in (start - distance, end + distance):
            inside = (side >= 0) & (side < n)
            where = position[side[inside]]
            keep = where >= 0  # not an anomalous step of another region
            d = distance[inside][keep]
            with np.errstate(invalid="ignore"):
                value = np.where(d <= lengths // 2, np.sqrt(1 - d / lengths), 0.0)
            weights[1:, where[keep]] += value
    return steps, np.minimum(weights, 1.0)


def _region_maxima(score, starts, ends, sliding_window):
    """Highest score within ``w // 2`` steps of each region, for every ``w``."""
    n = len(score)
    half = sliding_window // 2
    reach = np.arange(sliding_window + 1) // 2
    maxima = np.empty((sliding_window + 1, len(starts)))
    for i, (start, end) in enumerate(zip(starts, ends)):
        # before[r] / after[r]: the highest of the r steps just outside.
        before = score[max(start - half, 0) : start][::-1]
        after = score[end + 1 : min(end + half, n - 1) + 1]
        before, after = (np.maximum.accumulate(np.r_[-np.inf, side]) for side in (before, after))
        maxima[:, i] = np.maximum.reduce(
            [
                np.full(len(reach), score[start : end + 1].max()),
                before[np.minimum(reach, len(before) - 1)],
                after[np.minimum(reach, len(after) - 1)],
            ]
        )
    return maxima


def _regions_found(score, starts, ends, sliding_window, thresholds):
    """How many regions (and how many hold a step ``>=`` each threshold).

    For every buffer length ``w``, regions whose buffers of ``w // 2``
    steps overlap merge into one, as in TSB-AD; a merged region is found
    at a threshold when one of its steps, buffers included, is flagged.
    """
    maxima = _region_maxima(score, starts, ends, sliding_window)
    n_regions = np.empty(sliding_window + 1, dtype=int)
    found = np.empty((sliding_window + 1, len(thresholds)))
    for w in range(sliding_window + 1):
        half = w // 2
        # Region i + 1 starts a new group unless its buffer meets region i's.
        new = np.r_[True, ends[:-1] + half < starts[1:] - half]
        group_max = np.maximum.reduceat(maxima[w], np.flatnonzero(new))
        n_regions[w] = len(group_max)
        found[w] = len(group_max) - np.searchsorted(np.sort(group_max), thresholds, side="left")
    return n_regions, found


def _range_curves(is_anomaly, score, sliding_window, n_thresholds):
    """Range-based ROC-AUC and AP for every buffer length ``0 .. sliding_window``.

    The computation of TSB-AD's ``RangeAUC_volume_opt`` (Paparrizos et al.,
    2022), without its loops over thresholds and steps.
    """
    n = len(score)
    starts, ends = _segments(is_anomaly)
    n_anomalies = is_anomaly.sum()
    # Thresholds: the scores at n_thresholds evenly spaced ranks, highest first.
    ascending = np.sort(score)
    thresholds = ascending[::-1][np.linspace(0, n - 1, n_thresholds).astype(int)]
    n_flagged = n - np.searchsorted(ascending, thresholds, side="left")
    hits = n_anomalies - np.searchsorted(np.sort(score[is_anomaly]), thresholds, side="left")
    # Buffer steps flagged, weighed by their labels: cumulative sums in the
    # order of decreasing score, read at each threshold.
    steps, weights = _buffer_weights(starts, ends, is_anomaly, sliding_window)
    order = np.argsort(-score[steps], kind="stable")
    cumulative = np.c_[np.zeros(sliding_window + 1), np.cumsum(weights[:, order], axis=1)]
    buffer = cumulative[:, np.searchsorted(-score[steps][order], -thresholds, "right")]
    n_regions, found = _regions_found(score, starts, ends, sliding_window, thresholds)
    # TSB-AD's range-based counts: a flagged buffer step is a fraction of a
    # true positive, and the positives are the anomalies plus half of those.
    true_positives = hits + buffer  # (sliding_window + 1, n_thresholds)
    positives = n_anomalies + buffer / 2
    tpr = np.minimum(true_positives / positives, 1.0) * found / n_regions[:, None]
    fpr = (n_flagged - true_positives) / (n - positives)
    precision = true_positives / n_flagged
    # The curves run from (0, 0) through the thresholds to (1, 1).
    ends_of_curve = (np.zeros((sliding_window + 1, 1)), np.ones((sliding_window + 1, 1)))
    tpr = np.hstack([ends_of_curve[0], tpr, ends_of_curve[1]])
    fpr = np.hstack([ends_of_curve[0], fpr, ends_of_curve[1]])
    roc_auc = np.sum(np.diff(fpr, axis=1) * (tpr[:, 1:] + tpr[:, :-1]) / 2, axis=1)
    average_precision = np.sum(np.diff(tpr[:, :-1], axis=1) * precision, axis=1)
    return roc_auc, average_precision


def _vus(y_true, anomaly_score, sliding_window, n_thresholds):
    sliding_window = _check_non_negative_int(sliding_window, "sliding_window")
    n_thresholds = _check_non_negative_int(n_thresholds, "n_thresholds", minimum=1)
    is_anomaly, anomaly_score = _check_series_scores(y_true, anomaly_score)
    roc_auc, average_precision = _range_curves(
        is_anomaly, anomaly_score, sliding_window, n_thresholds
    )
    return float(roc_auc.mean()), float(average_precision.mean())


_VUS_PARAMETERS = """Parameters
    ----------
    y_true : array-like of shape (n_timesteps,)
        1 (or True) for the anomalous time steps, 0 (or False) for the
        normal ones, in time order; both must occur.

    anomaly_score : array-like of shape (n_timesteps,)
        Anomaly score of each time step, **higher is more anomalous** (for a
        detector, ``-detector.score_samples(X)``).

    sliding_window : int, default=100
        The longest buffer ``L``: the measure averages buffers of 0 to ``L``
        steps. TSB-AD's default is 100; its benchmark passes the period of
        each series (its ``find_length``, here
        :func:`~sklearn_recon.windows.estimate_period`).

    n_thresholds : int, default=250
        How many thresholds: the scores at that many evenly spaced ranks,
        from the highest score to the lowest (TSB-AD's ``thre``).
"""


def vus_pr(y_true, anomaly_score, *, sliding_window=100, n_thresholds=250):
    """Volume under the range-based precision-recall surface (VUS-PR).

    The measure TSB-AD ranks detectors by (Paparrizos et al., VLDB 2022;
    Liu and Paparrizos, NeurIPS 2024). Each anomalous region is widened by
    a buffer of ``w // 2`` steps on each side whose labels fall from 1 to
    ``sqrt(1/2)`` away from the region; a flagged buffer step counts as
    that fraction of a true positive. Recall is range-based (it is scaled
    by the share of regions with at least one flagged step) and the
    range-based average precision is computed for every buffer length ``w``
    from 0 to ``sliding_window``; VUS-PR is their mean.

    %(parameters)s
    Returns
    -------
    vus_pr : float
        In [0, 1]; higher is better. A random score gets about the share
        of anomalous steps (plus a little for the buffers).

    Raises
    ------
    ValueError
        If ``y_true`` is not 0/1, has no anomalous or no normal step, or
        its length differs from that of ``anomaly_score``; if a score is
        NaN or infinite; if ``sliding_window`` or ``n_thresholds`` is not
        an int >= 0 (>= 1 for ``n_thresholds``).

    See Also
    --------
    vus_roc : The same volume under the range-based ROC curves.
    ucr_top1_hit : Whether the highest score lies in an anomalous region.

    Notes
    -----
    This computes what TSB-AD's ``get_metrics(...)["VUS-PR"]``
    (``RangeAUC_volume_opt``, the ``vus`` package's ``get_metrics(...,
    metric="vus")["VUS_PR"]``) computes, to rounding, without their loops
    over thresholds and steps (one vectorised pass over both).
    Only the order of the scores matters: any strictly increasing transform
    of ``anomaly_score`` gives the same value.

    References
    ----------
    .. [1] J. Paparrizos, P. Boniol, T. Palpanas, R. S. Tsay, A. Elmore and
       M. J. Franklin, "Volume Under the Surface: A New Accuracy Evaluation
       Measure for Time-Series Anomaly Detection", PVLDB 15(11), 2022.
    .. [2] Q. Liu and J. Paparrizos, "The Elephant in the Room: Towards A
       Reliable Time-Series Anomaly Detection Benchmark", NeurIPS 2024
       Datasets and Benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.metrics import vus_pr
    >>> y = np.zeros(200, dtype=int)
    >>> y[100:110] = 1
    >>> score = np.zeros(200)
    >>> score[98:112] = 1.0  # flags the region and 2 steps on each side
    >>> round(vus_pr(y, score, sliding_window=20), 4)
    0.9367
    >>> round(vus_pr(y, score, sliding_window=0), 4)  # no buffer: point-wise AP
    0.7143
    """
    return _vus(y_true, anomaly_score, sliding_window, n_thresholds)[1]


def vus_roc(y_true, anomaly_score, *, sliding_window=100, n_thresholds=250):
    """Volume under the range-based ROC surface (VUS-ROC).

    Like :func:`vus_pr`, with the area under the range-based ROC curve
    (range-based true positive rate against the false positive rate, the
    buffer steps counting as fractional positives) averaged over the
    buffer lengths 0 to ``sliding_window`` (Paparrizos et al., VLDB 2022).

    %(parameters)s
    Returns
    -------
    vus_roc : float
        In [0, 1]; higher is better, about 0.5 for a random score.

    Raises
    ------
    ValueError
        If ``y_true`` is not 0/1, has no anomalous or no normal step, or
        its length differs from that of ``anomaly_score``; if a score is
        NaN or infinite; if ``sliding_window`` or ``n_thresholds`` is not
        an int >= 0 (>= 1 for ``n_thresholds``).

    See Also
    --------
    vus_pr : The same volume under the range-based precision-recall curves.

    Notes
    -----
    This computes what TSB-AD's ``get_metrics(...)["VUS-ROC"]`` computes, to
    rounding. Only the order of the scores matters.

    References
    ----------
    .. [1] J. Paparrizos, P. Boniol, T. Palpanas, R. S. Tsay, A. Elmore and
       M. J. Franklin, "Volume Under the Surface: A New Accuracy Evaluation
       Measure for Time-Series Anomaly Detection", PVLDB 15(11), 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.metrics import vus_roc
    >>> y = np.zeros(200, dtype=int)
    >>> y[100:110] = 1
    >>> score = np.zeros(200)
    >>> score[98:112] = 1.0
    >>> round(vus_roc(y, score, sliding_window=20), 4)
    0.9977
    """
    return _vus(y_true, anomaly_score, sliding_window, n_thresholds)[0]


vus_pr.__doc__ = vus_pr.__doc__ % {"parameters": _VUS_PARAMETERS}
vus_roc.__doc__ = vus_roc.__doc__ % {"parameters": _VUS_PARAMETERS}


def ucr_top1_hit(y_true, anomaly_score, *, min_tolerance=100):
    """Whether the highest anomaly score lies in an anomalous region (UCR rule).

    The scoring rule of the UCR time-series anomaly archive (Wu and Keogh,
    2021): a detector reports the one step it finds most anomalous (the
    step of highest anomaly score), and it is right when that step lies in
    the labelled region widened on each side by ``max(min_tolerance,
    region length)`` steps, so that short regions are not unfairly hard to
    hit. With several regions, any of them counts.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,)
        1 (or True) for the anomalous time steps, 0 (or False) for the
        normal ones, in time order; at least one step must be anomalous.

    anomaly_score : array-like of shape (n_timesteps,)
        Anomaly score of each time step, **higher is more anomalous**.

    min_tolerance : int, default=100
        The smallest widening, in steps, on each side of a region; the
        archive's rule uses 100.

    Returns
    -------
    hit : bool
        True when the step of highest score lies in a widened region. When
        several steps share the highest score, all of them must (a constant
        score is not a hit, unless the widened regions cover the series).

    Raises
    ------
    ValueError
        If ``y_true`` is not 0/1 or has no anomalous step, its length differs
        from that of ``anomaly_score``, a score is NaN or infinite, or
        ``min_tolerance`` is not an int >= 0.

    See Also
    --------
    vus_pr : Volume under the range-based precision-recall surface.

    Notes
    -----
    Only the position of the highest score matters, so any strictly
    increasing transform of ``anomaly_score`` gives the same answer.

    References
    ----------
    .. [1] R. Wu and E. Keogh, "Current Time Series Anomaly Detection
       Benchmarks are Flawed and are Creating the Illusion of Progress",
       IEEE TKDE 35(3), 2023 (arXiv:2009.13807, 2020).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.metrics import ucr_top1_hit
    >>> y = np.zeros(1000, dtype=int)
    >>> y[500:520] = 1
    >>> score = np.zeros(1000)
    >>> score[600] = 1.0  # 81 steps after the region: within 100
    >>> ucr_top1_hit(y, score)
    True
    >>> ucr_top1_hit(y, score, min_tolerance=50)
    False
    """
    min_tolerance = _check_non_negative_int(min_tolerance, "min_tolerance")
    is_anomaly, anomaly_score = _check_series_scores(y_true, anomaly_score, both_classes=False)
    starts, ends = _segments(is_anomaly)
    tolerance = np.maximum(min_tolerance, ends - starts + 1)
    top = np.flatnonzero(anomaly_score == anomaly_score.max())
    inside = (top[:, None] >= starts - tolerance) & (top[:, None] <= ends + tolerance)
    return bool(inside.any(axis=1).all())
