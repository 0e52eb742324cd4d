"""Feature contributions: which features make a row anomalous.

The estimator is walked (``utils/_response.walk``) through Pipelines,
freezing and the threshold meta-estimators to the detector that scores; the
contributions are computed in that detector's features and mapped back to
the input's features through the transforming steps; a
:class:`~sklearn_recon.WindowedDetector` is explained window by window and
the window contributions are put back at their time steps.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import is_outlier_detector
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from ..utils._response import THRESHOLD, WINDOWED, anomaly_role, get_anomaly_score, walk

_METHODS = ("auto", "repair", "residual", "occlusion", "shapley")

# Rows x features of one scoring request of perturbed rows: the perturbed
# copies of the rows are scored in blocks of at most this many values.
_BLOCK_VALUES = 1 << 21


def feature_contributions(
    estimator,
    X,
    *,
    method="auto",
    n_repaired=8,
    background=None,
    n_permutations=10,
    random_state=None,
):
    """Contribution of each feature of each row to the row's anomaly score.

    Higher means more responsible for the row's anomaly score. The
    contributions are in the input's features, also through the steps of a
    :class:`~sklearn.pipeline.Pipeline` (a scaler or imputer passes them
    through feature by feature; a step that drops or combines features
    gives each input feature an equal share of the contribution of every
    feature it feeds, and none of the features it drops) and through
    :class:`~sklearn_recon.ThresholdSelector` and
    :class:`~sklearn_recon.CostThreshold` (their fitted ``estimator_``).

    Read more in the :ref:`User Guide <explaining>`.

    Parameters
    ----------
    estimator : estimator instance
        A fitted outlier detector (ours or another, such as scikit-learn's
        :class:`~sklearn.ensemble.IsolationForest`), possibly the last step
        of a Pipeline or inside a threshold meta-estimator, or a fitted
        :class:`~sklearn_recon.WindowedDetector`.

    X : array-like of shape (n_samples, n_features)
        The rows to explain; for a :class:`~sklearn_recon.WindowedDetector`
        the series, one row per time step.

    method : {"auto", "repair", "residual", "occlusion", "shapley"}, \
default="auto"
        How a contribution is measured, in the features the detector
        scores:

        - ``"repair"``: how much the anomaly score drops when the feature
          is replaced by its reconstruction, the rest of the row unchanged
          (detectors with a ``reconstruct`` method), for the
          ``n_repaired`` features with the largest reconstruction errors;
          it sees every term of the score, the latent terms of
          :class:`~sklearn_recon.VAEDetector` included;
        - ``"residual"``: the feature's reconstruction error divided by the
          number of features (detectors with a ``reconstruct`` method);
        - ``"occlusion"``: how much the anomaly score drops when the
          feature is replaced by a background value (the mean over the
          background rows), for any detector;
        - ``"shapley"``: the Shapley value of the feature in the anomaly
          score, estimated by sampling ``n_permutations`` orders of the
          features per row, with the background rows as the absent
          features' values, for any detector;
        - ``"auto"``: ``"repair"`` where it applies, else ``"occlusion"``.

    n_repaired : int or None, default=8
        With ``"repair"``, repair only the ``n_repaired`` features of each
        row with the largest reconstruction errors, which bounds the cost
        to about ``n_repaired`` scorings of the rows; the others keep their
        ``"residual"`` contribution. None repairs every feature.

    background : array-like of shape (n_background, n_features), default=None
        Rows of normal data, in the input's features, that stand for an
        absent feature in ``"occlusion"`` and ``"shapley"``: typically some
        training rows. None uses the feature-wise median of ``X``, a
        normal reference only when most rows of ``X`` are normal: to
        explain a few flagged rows alone, pass normal rows (or explain the
        whole table and keep the flagged rows).

    n_permutations : int, default=10
        Orders of the features sampled per row by ``"shapley"``.

    random_state : int, RandomState instance or None, default=None
        Draws the orders of ``"shapley"``.

    Returns
    -------
    contributions : ndarray of float64 of shape (n_samples, n_features)
        The contribution of each feature of each row, in units of the
        anomaly score (minus ``score_samples``). They add up to the row's
        anomaly score with ``"residual"`` on a detector whose anomaly error
        is its reconstruction error (the autoencoders, and
        :class:`~sklearn_recon.VAEDetector` with ``n_neighbors=None`` and
        ``mahalanobis_weight=0``), and to the anomaly score minus that of
        the background with ``"shapley"`` (in expectation over the orders,
        exactly for each row when the background is one row). With
        ``"repair"`` and ``"occlusion"`` each is the score a single
        feature explains, and they do not add up. A
        :class:`~sklearn_recon.WindowedDetector`'s contributions are per
        time step and feature: the mean of the contributions at that step
        in the windows that cover it.

    Raises
    ------
    NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If ``X`` has not the number of features ``estimator`` was fitted
        on, or ``method`` does not apply to the detector.
    TypeError
        If the estimator that scores is not an outlier detector.

    See Also
    --------
    sklearn_recon.VAEDetector.reconstruction_error : The reconstruction
        error of every value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon.inspection import feature_contributions
    >>> X = np.random.default_rng(0).normal(size=(200, 4))
    >>> forest = IsolationForest(random_state=0).fit(X)
    >>> feature_contributions(forest, X[:3]).shape
    (3, 4)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    _check_count(n_repaired, "n_repaired", allow_none=True)
    _check_count(n_permutations, "n_permutations")
    check_is_fitted(estimator)
    rng = check_random_state(random_state)
    X = _check_input(estimator, X)
    found = walk(estimator, X, enter=(THRESHOLD,))
    detector, Xt = found.final, found.X
    check_is_fitted(detector)
    if background is not None:
        background = walk(estimator, _check_input(estimator, background), enter=(THRESHOLD,)).X
    options = dict(
        method=method,
        n_repaired=n_repaired,
        background=background,
        n_permutations=n_permutations,
        rng=rng,
    )
    if anomaly_role(detector) == WINDOWED:
        contributions = _windowed(detector, Xt, options)
    else:
        contributions = _contributions(detector, Xt, **options)
    return _to_input_features(contributions, found.transforms, X)


def _check_count(value, name, *, allow_none=False):
    """Raise ValueError unless ``value`` is a positive integer (or None if allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        alternative = " or None" if allow_none else ""
        raise ValueError(f"{name} must be a positive integer{alternative}; got {value!r}.")


def _check_input(estimator, X):
    """``X`` as a 2-D array (a DataFrame stays one), checked against the fit."""
    array = check_array(X, dtype=None, ensure_all_finite=False)
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"X has {array.shape[1]} features, but {type(estimator).__name__} "
            f"was fitted on {n_features} features."
        )
    return X if hasattr(X, "columns") else array


def _contributions(detector, X, *, method, n_repaired, background, n_permutations, rng):
    """The contributions in the features ``detector`` scores."""
    if not is_outlier_detector(detector):
        raise TypeError(
            f"{type(detector).__name__} is not an outlier detector: feature "
            "contributions explain the anomaly score of an outlier detector "
            "(score_samples or decision_function), possibly in a Pipeline, a "
            "ThresholdSelector or a CostThreshold."
        )
    X = check_array(X, dtype=np.float64)
    reconstructs = hasattr(detector, "reconstruct")
    if method == "auto":
        method = "repair" if reconstructs else "occlusion"
    if method in ("repair", "residual") and not reconstructs:
        raise ValueError(
            f"method={method!r} needs a detector that reconstructs its input; "
            f"{type(detector).__name__} does not. Use 'occlusion' or 'shapley'."
        )

    def score(rows):
        return get_anomaly_score(detector, rows)

    if method in ("residual", "repair"):
        residual = detector.reconstruction_error(X, per_feature=True) / X.shape[1]
        if method == "residual":
            return residual
        return _repair(score, X, detector.reconstruct(X), residual, n_repaired)
    background = _background(X, background)
    if method == "occlusion":
        dropped = np.mean(
            [_single_feature_scores(score, X, np.broadcast_to(row, X.shape)) for row in background],
            axis=0,
        )
        return score(X)[:, None] - dropped
    return _shapley(score, X, background, n_permutations, rng)


def _repair(score, X, reconstruction, residual, n_repaired):
    """Score drop of each row when a feature is replaced by its reconstruction.

    Only the ``n_repaired`` features of each row with the largest residuals
    are repaired (all with None); the others keep their residual share.
    """
    n_samples, n_features = X.shape
    k = n_features if n_repaired is None else min(n_repaired, n_features)
    candidates = np.argsort(-residual, axis=1, kind="stable")[:, :k]
    repaired = np.empty((n_samples, k))
    rows_per_block = max(1, _BLOCK_VALUES // (k * n_features))
    for start in range(0, n_samples, rows_per_block):
        block = slice(start, start + rows_per_block)
        chosen = candidates[block]
        rows = np.repeat(X[block, None], k, axis=1)
        index = np.arange(len(chosen))[:, None]
        rows[index, np.arange(k), chosen] = reconstruction[block][index, chosen]
        repaired[block] = score(rows.reshape(-1, n_features)).reshape(-1, k)
    contributions = residual.copy()
    drop = score(X)[:, None] - repaired
    np.put_along_axis(contributions, candidates, drop, axis=1)
    return contributions


def _background(X, background):
    """The background rows: the given ones, else the feature-wise median of ``X``."""
    if background is None:
        return np.median(X, axis=0, keepdims=True)
    return check_array(background, dtype=np.float64)


def _single_feature_scores(score, X, values):
    """Score of each row with each feature, alone, set to ``values``.

    Returns an array of shape ``X.shape``: entry ``(i, j)`` is the score of
    row ``i`` with feature ``j`` replaced by ``values[i, j]``.
    """
    n_samples, n_features = X.shape
    scores = np.empty(X.shape)
    step = max(1, _BLOCK_VALUES // max(1, n_samples * n_features))
    for start in range(0, n_features, step):
        features = np.arange(start, min(start + step, n_features))
        rows = np.repeat(X[None], len(features), axis=0)
        rows[np.arange(len(features)), :, features] = values[:, features].T
        scores[:, features] = score(rows.reshape(-1, n_features)).reshape(len(features), -1).T
    return scores


def _shapley(score, X, background, n_permutations, rng):
    """Shapley values by sampling orders of the features (Strumbelj & Kononenko).

    Along each order the features switch one by one from a background row's
    value to the row's own; a feature's contribution is the mean change of
    the score when it switches.
    """
    n_samples, n_features = X.shape
    contributions = np.zeros(X.shape)
    for _ in range(n_permutations):
        order = np.argsort(rng.random_sample((n_samples, n_features)), axis=1)
        base = background[rng.randint(len(background), size=n_samples)]
        # path[k] holds the rows with the first k features of the order switched
        path = np.repeat(base[None], n_features + 1, axis=0)
        for k in range(n_features):
            switched = order[:, : k + 1]
            path[k + 1][np.arange(n_samples)[:, None], switched] = X[
                np.arange(n_samples)[:, None], switched
            ]
        values = score(path.reshape(-1, n_features)).reshape(n_features + 1, n_samples)
        gains = np.diff(values, axis=0).T  # gains[i, k]: switching order[i, k]
        np.put_along_axis(
            contributions, order, np.take_along_axis(contributions, order, axis=1) + gains, axis=1
        )
    return contributions / n_permutations


def _windowed(windowed, X, options):
    """Contributions per time step and feature of a WindowedDetector's series."""
    from ..windows import sliding_windows

    check_is_fitted(windowed)
    X = check_array(X, dtype=np.float64)
    size, stride = windowed.window_size_, windowed.stride
    windows = sliding_windows(X, size, stride=stride)
    found = walk(windowed.detector_, windows.reshape(len(windows), -1), enter=(THRESHOLD,))
    if options["background"] is not None:
        background = sliding_windows(check_array(options["background"]), size, stride=stride)
        background = walk(windowed.detector_, background.reshape(len(background), -1)).X
        options = {**options, "background": background}
    per_window = _contributions(found.final, found.X, **options)
    per_window = _to_input_features(per_window, found.transforms, windows.reshape(len(windows), -1))
    per_window = per_window.reshape(windows.shape)
    total, counts = np.zeros(X.shape), np.zeros(len(X))
    starts = np.arange(len(windows)) * stride
    for offset in range(size):
        total[starts + offset] += per_window[:, offset]
        counts[starts + offset] += 1
    covered = counts > 0
    total[covered] /= counts[covered, None]
    return total


def _to_input_features(contributions, transforms, X):
    """Map contributions in the transformed features back to those of ``X``.

    Each transformed feature's contribution is shared equally among the
    input features it depends on, found by changing each input feature of
    a probe row alone: a per-feature step (a scaler, an imputer) passes the
    contributions through, a selected-away feature gets none.
    """
    if not transforms:
        return contributions
    depends = _dependencies([step for _, step in transforms], X)
    if depends.shape[0] == depends.shape[1] and np.array_equal(
        depends, np.eye(len(depends), dtype=bool)
    ):
        return contributions
    counts = depends.sum(axis=0)
    share = np.divide(depends, counts, out=np.zeros(depends.shape), where=counts > 0)
    return contributions @ share.T


def _dependencies(steps, X):
    """Boolean ``(n_input, n_output)``: which outputs of ``steps`` each input changes.

    Two probes, each a base row (the feature-wise median of ``X``, then that
    plus a spread) and copies of it with one feature moved, go through the
    steps in one call each.
    """
    values = np.asarray(X, dtype=np.float64) if not hasattr(X, "columns") else X.to_numpy(float)
    n_features = values.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
        center = np.nan_to_num(np.nanmedian(values, axis=0))
        spread = np.nan_to_num(np.nanstd(values, axis=0))
    spread = np.where(spread > 0, spread, np.maximum(np.abs(center), 1.0))
    depends = np.zeros((n_features, 0), dtype=bool)
    for base in (center, center + 0.5 * spread):
        probe = np.repeat(base[None], n_features + 1, axis=0)
        probe[np.arange(1, n_features + 1), np.arange(n_features)] += 0.37 * spread
        if hasattr(X, "columns"):
            probe = X.__class__(probe, columns=X.columns)
        for step in steps:
            probe = step.transform(probe)
        probe = np.asarray(probe.toarray() if hasattr(probe, "toarray") else probe, dtype=float)
        changed = ~np.isclose(probe[1:], probe[:1], rtol=1e-9, atol=0.0)
        depends = changed if depends.shape[1] == 0 else depends | changed
    return depends
