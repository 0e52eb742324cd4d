"""The pure threshold rules: NumPy in, a threshold or an index out.

No estimator here: these functions choose a point of a threshold curve,
place a threshold between two held-out scores, bound a saving from below,
cross-fit the choice, compute a conformal threshold and control a
false-discovery rate. :class:`~sklearn_recon.ThresholdSelector` and
:class:`~sklearn_recon.CostThreshold`, the displays of
:mod:`sklearn_recon.plotting` and the benchmarks all call them, so a
threshold drawn on a curve is the threshold a meta-estimator chooses.
"""

import warnings
from numbers import Real

import numpy as np
from sklearn.utils.validation import column_or_1d

from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import check_real_values

__all__ = [
    "MAD_TO_STD",
    "benjamini_hochberg",
    "best_index",
    "block_saving",
    "conformal_threshold",
    "cross_fitted_savings",
    "label_free_threshold",
    "lower_bound",
    "threshold_between",
]

#: The median absolute deviation of normal data times this is its standard
#: deviation.
MAD_TO_STD = 1.4826


def best_index(values):
    """Index of the best (greatest) value; ties go to the lowest threshold."""
    best = np.max(values)
    tolerance = 1e-12 * max(1.0, abs(best))
    return int(np.flatnonzero(values >= best - tolerance)[0])


def threshold_between(threshold, scores):
    """Move ``threshold`` halfway down to the next lower held-out score.

    Flagging ``scores >= result`` flags the same held-out rows as flagging
    ``scores >= threshold``, with a margin on both sides for new data.
    """
    if not np.isfinite(threshold):
        return float(threshold)
    below = scores[scores < threshold]
    if below.size == 0:
        return float(np.nextafter(threshold, -np.inf))
    return float((below.max() + threshold) / 2.0)


def lower_bound(block_savings, confidence):
    """One-sided lower confidence bound of the total saving, from its blocks.

    ``block_savings`` has one row per block and one column per threshold;
    the bound is Student's t over the blocks.
    """
    from scipy.stats import t as student

    n_blocks = block_savings.shape[0]
    total = block_savings.sum(axis=0)
    if n_blocks < 2:
        return total
    spread = block_savings.std(axis=0, ddof=1)
    return total - student.ppf(confidence, n_blocks - 1) * np.sqrt(n_blocks) * spread


def cross_fitted_savings(block_savings, confidence):
    """The saving on each block of the threshold chosen on the other blocks.

    The threshold of greatest lower bound is chosen on the blocks it is then
    judged on, so its saving is biased upwards (more so the more thresholds
    there are to pick from). Leaving each block out in turn, choosing on the
    others as ``CostThreshold.fit`` does, and scoring the choice on the
    block left out estimates the saving of the whole rule on data it has not
    seen.
    """
    n_blocks = block_savings.shape[0]
    if n_blocks < 2:
        return block_savings.max(axis=1)
    cross = np.empty(n_blocks)
    for left_out in range(n_blocks):
        others = np.delete(block_savings, left_out, axis=0)
        cross[left_out] = block_savings[left_out, best_index(lower_bound(others, confidence))]
    return cross


def block_saving(thresholds, is_anomaly, scores, costs, block):
    """The saving of the rows ``block`` over flagging nothing, at each threshold."""
    from ..metrics._cost import costs_at

    block_costs = {name: value[block] if np.ndim(value) else value for name, value in costs.items()}
    at = costs_at(thresholds, is_anomaly[block], scores[block], block_costs)
    return at[-1] - at  # the last threshold, +inf, flags nothing


def conformal_threshold(calibration_scores, alpha):
    """The split-conformal threshold: flag ``score >= result``.

    With ``n`` calibration scores, a new score exceeds the
    ``ceil((n + 1)(1 - alpha))``-th smallest with probability at most
    ``alpha`` under exchangeability; with too few scores for ``alpha`` no
    threshold can promise it, and nothing is flagged.
    """
    scores = np.sort(calibration_scores)
    n = len(scores)
    rank = int(np.ceil((n + 1) * (1.0 - alpha)))
    if rank > n:
        warnings.warn(
            f"{n} held-out normal rows are too few for a conformal threshold at "
            f"alpha={alpha} (at least {int(np.ceil(1 / alpha)) - 1} are needed): "
            "nothing is flagged. Give more normal rows, a larger calibration_size "
            "or a larger alpha.",
            UserWarning,
        )
        return np.inf
    # strictly above the rank-th smallest score, as the p-values count
    return float(np.nextafter(scores[rank - 1], np.inf))


def label_free_threshold(method, normal_scores, *, k=None, quantile=0.99, alpha=0.05):
    """The threshold of a label-free rule on the anomaly scores of normal rows.

    ``method`` is one of ``"mean_std"`` (``mean + k * std``, k=1 by
    default), ``"median_mad"`` (``median + k * MAD``, k=3), ``"iqr"``
    (``Q3 + k * IQR``, k=1.5), ``"quantile"`` and ``"conformal"``.
    """
    if method == "mean_std":
        return np.mean(normal_scores) + (1.0 if k is None else k) * np.std(normal_scores)
    if method == "median_mad":
        median = np.median(normal_scores)
        mad = MAD_TO_STD * np.median(np.abs(normal_scores - median))
        return median + (3.0 if k is None else k) * mad
    if method == "iqr":
        q1, q3 = np.quantile(normal_scores, [0.25, 0.75])
        return q3 + (1.5 if k is None else k) * (q3 - q1)
    if method == "quantile":
        return np.quantile(normal_scores, quantile)
    if method == "conformal":
        return conformal_threshold(normal_scores, alpha)
    raise ValueError(f"Unknown label-free method {method!r}.")


@validate_params(
    {
        "p_values": ["array-like"],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def benjamini_hochberg(p_values, *, alpha=0.05):
    """Flag the discoveries among p-values, controlling the false-discovery rate.

    The Benjamini-Hochberg procedure: sort the ``m`` p-values, find the
    largest ``i`` with ``p_(i) <= alpha * i / m`` and flag the ``i``
    smallest. For independent (or positively dependent) p-values of which
    those of normal samples are uniform, the expected share of normal
    samples among the flagged ones is at most ``alpha`` (conformal p-values
    satisfy this, Bates et al. 2023). Use it to flag a batch of new rows
    with :meth:`ThresholdSelector.predict_pvalues` when a false-discovery
    rate, rather than a false-alarm rate per row, is what matters.

    Parameters
    ----------
    p_values : array-like of shape (n_samples,)
        P-values in [0, 1].

    alpha : float, default=0.05
        The false-discovery rate to control, in (0, 1).

    Returns
    -------
    discoveries : ndarray of bool of shape (n_samples,)
        True for the flagged samples.

    Examples
    --------
    >>> from sklearn_recon.threshold import benjamini_hochberg
    >>> benjamini_hochberg([0.001, 0.02, 0.03, 0.5], alpha=0.1)
    array([ True,  True,  True, False])
    """
    from scipy.stats import false_discovery_control

    p_values = check_real_values(column_or_1d(p_values), "p_values")
    if not (np.isfinite(p_values).all() and ((p_values >= 0) & (p_values <= 1)).all()):
        raise ValueError("p_values must lie in [0, 1].")
    if p_values.size == 0:
        return np.zeros(0, dtype=bool)
    return false_discovery_control(p_values, method="bh") <= alpha
