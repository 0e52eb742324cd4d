"""Does new data still look like a detector's training data?

A detector flags a known share of normal rows: the share of its training
rows above its threshold, or the calibrated false-alarm rate of a conformal
threshold. When it flags a very different share of new rows, either a burst
of true anomalies came in or the data has drifted away from what the
detector learned, and its flags no longer mean what they meant.
:func:`drift_reference` records, once, what the detector flags on its
training rows and the range of every feature there; :func:`check_drift`
compares a batch of new rows with it, tests the difference of the shares
and names the features whose values lie furthest outside the training
range. ``sklearn-recon fit`` stores the reference in the model file and
``sklearn-recon score`` runs the check on every table it scores; a
scheduled job can run it the same way.
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch

from .utils._formatting import percent
from .utils._response import (
    final_estimator,
    get_anomaly_score,
    get_threshold,
    is_flagged,
)
from .utils._validation import check_not_temporal

__all__ = ["DriftReport", "check_drift", "drift_reference"]

#: The keys of a reference, as :func:`drift_reference` returns it.
_REFERENCE_KEYS = (
    "expected_share",
    "expected_from",
    "n_samples",
    "feature_names",
    "minimum",
    "maximum",
    "std",
    "count",
)


def _threshold(estimator):
    threshold = get_threshold(estimator)
    if threshold is None:
        final = final_estimator(estimator)[0]
        raise TypeError(
            f"{type(final).__name__} has no threshold: drift checks need a fitted "
            "outlier detector or threshold meta-estimator, or a Pipeline ending "
            "in one."
        )
    return threshold


def _as_table(X, feature_names, name="X"):
    """``X`` as a float array of the reference's features, and their names."""
    check_not_temporal(X, name)
    columns = getattr(X, "columns", None)
    if columns is not None and feature_names is not None:
        missing = [c for c in feature_names if c not in set(map(str, columns))]
        if missing:
            raise ValueError(
                f"{name} lacks {len(missing)} of the reference's features: {missing[:5]}."
            )
        X = X[list(feature_names)]
    names = None if columns is None else np.asarray([str(c) for c in X.columns], object)
    try:
        values = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers: {exc}") from None
    if values.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); got shape {values.shape}.")
    return X, values, names


def drift_reference(estimator, X):
    """Record what a fitted detector flags on rows like its training rows.

    Computed once, on the rows the detector was trained on (the normal
    rows for a reconstruction detector, every labelled row for a supervised
    one), and kept with the model for :func:`check_drift`.
    ``sklearn-recon fit`` stores it in the model file's metadata, as
    ``load(path, return_metadata=True)[1]["drift_reference"]``.

    Parameters
    ----------
    estimator : estimator instance
        A fitted outlier detector or threshold meta-estimator, or a
        :class:`~sklearn.pipeline.Pipeline` ending in one (a
        :class:`~sklearn_recon.WindowedDetector` too).

    X : {array-like, DataFrame} of shape (n_samples, n_features)
        The training rows, as the estimator receives them (before any
        pipeline step). Missing values (NaN) are allowed: they are left out
        of the ranges.

    Returns
    -------
    reference : :class:`~sklearn.utils.Bunch`
        A dictionary (it saves with :func:`sklearn_recon.save`) with the
        keys:

        expected_share : float
            The share of rows the detector is expected to flag: ``alpha``
            for a :class:`~sklearn_recon.ThresholdSelector` with
            ``method="conformal"`` (its calibrated false-alarm rate),
            otherwise the share of ``X`` it flags.
        expected_from : {"training rows", "conformal alpha"}
            Where ``expected_share`` comes from.
        n_samples : int
            Number of rows of ``X``.
        feature_names : ndarray of str or None
            The columns of ``X`` when it is a DataFrame.
        minimum, maximum, std : ndarray of shape (n_features,)
            The smallest and largest value of each feature in ``X`` and its
            standard deviation (NaN for a feature without values).
        count : ndarray of shape (n_features,)
            The number of values (not NaN) of each feature in ``X``.

    See Also
    --------
    check_drift : Compare new rows with the reference.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon.monitoring import drift_reference
    >>> X = np.random.RandomState(0).normal(size=(500, 3))
    >>> detector = IsolationForest(contamination=0.05, random_state=0).fit(X)
    >>> reference = drift_reference(detector, X)
    >>> round(reference.expected_share, 3), reference.minimum.shape
    (0.05, (3,))
    """
    _, values, names = _as_table(X, None)
    threshold = _threshold(estimator)
    final = final_estimator(estimator)[0]
    if getattr(final, "method", None) == "conformal" and hasattr(final, "calibration_scores_"):
        expected, source = float(final.alpha), "conformal alpha"
    else:
        scores = get_anomaly_score(estimator, X)
        expected = float(np.mean(is_flagged(estimator, scores, threshold)))
        source = "training rows"
    count = np.sum(~np.isnan(values), axis=0)
    present = count > 0
    minimum = np.full(values.shape[1], np.nan)
    maximum, std = minimum.copy(), minimum.copy()
    minimum[present] = np.nanmin(values[:, present], axis=0)
    maximum[present] = np.nanmax(values[:, present], axis=0)
    std[present] = np.nanstd(values[:, present], axis=0)
    return Bunch(
        expected_share=expected,
        expected_from=source,
        n_samples=len(values),
        feature_names=names,
        minimum=minimum,
        maximum=maximum,
        std=std,
        count=count,
    )


@dataclass(frozen=True)
class DriftReport:
    """The result of :func:`check_drift`.

    ``str(report)`` is one sentence that says whether the new rows look
    like the training rows, and if not, how far and in which features.
    :func:`check_drift` builds it; every parameter is kept as the attribute
    of the same name.

    Parameters
    ----------
    n_samples : int
        Rows checked.
    n_flagged : int
        Rows the detector flags among them.
    observed_share : float
        ``n_flagged / n_samples``.
    expected_share : float
        The share expected from training (see :func:`drift_reference`).
    expected_from : str
        ``"training rows"`` or ``"conformal alpha"``.
    n_effective : int
        The number of independent observations the test counts:
        ``n_samples``, or for the time steps of a
        :class:`~sklearn_recon.WindowedDetector` one per window length.
    test : str
        The test of the flagged count: ``"Fisher's exact test"`` against
        the training rows' count, or ``"binomial test"`` against a
        conformal ``alpha`` (see :func:`check_drift`).
    p_value : float
        Its two-sided p-value.
    level : float
        The test's significance level.
    drifted : bool
        ``p_value < level``: the difference is far beyond sampling noise.
    feature_names : ndarray of str
        Every feature, in the order of the reference.
    share_outside : ndarray of shape (n_features,)
        Share of the rows whose value lies outside the feature's training
        range (missing values count as inside).
    distance_outside : ndarray of shape (n_features,)
        How far the values lie beyond the training range, in training
        standard deviations, averaged over all rows (0 inside the range).
    p_value_outside : ndarray of shape (n_features,)
        One-sided p-value of the binomial test of the count of values
        outside the range against ``2 / (count + 1)``, the chance that a new
        value falls outside the range of ``count`` training values when
        nothing changed.
    """

    n_samples: int
    n_flagged: int
    observed_share: float
    expected_share: float
    expected_from: str
    n_effective: int
    test: str
    p_value: float
    level: float
    drifted: bool
    feature_names: np.ndarray
    share_outside: np.ndarray
    distance_outside: np.ndarray
    p_value_outside: np.ndarray

    def furthest(self, n=3):
        """Names of the ``n`` features furthest outside their training range.

        Only features whose share of values outside the range is itself
        beyond sampling noise count: ``p_value_outside`` below ``level``
        divided by the number of features (Bonferroni's correction).

        Parameters
        ----------
        n : int, default=3
            How many features at most.

        Returns
        -------
        names : list of str
            Largest ``distance_outside`` first.
        """
        clear = (self.distance_outside > 0) & (
            self.p_value_outside < self.level / max(1, len(self.feature_names))
        )
        order = np.argsort(-np.where(clear, self.distance_outside, -1.0), kind="stable")
        return [str(self.feature_names[i]) for i in order[:n] if clear[i]]

    def _describe(self, i):
        outside = self.share_outside[i]
        beyond = self.distance_outside[i] / outside  # over the rows outside
        beyond = f"{beyond:.0f}" if beyond >= 10 else f"{beyond:.2g}"
        return (
            f"{self.feature_names[i]} ({percent(outside)} of rows outside, "
            f"{beyond} sd beyond on average)"
        )

    def __str__(self):
        p = "p < 1e-300" if self.p_value == 0 else f"p = {self.p_value:.2g}"
        test = f"two-sided {self.test}, {p}"
        if self.n_effective != self.n_samples:
            test += f" over {self.n_effective} windows"
        shares = (
            f"{percent(self.observed_share)} of the {self.n_samples} rows are "
            f"flagged against {percent(self.expected_share)} expected from the "
            f"{self.expected_from}"
        )
        if not self.drifted:
            return f"{shares}, within sampling noise ({test}, level {self.level:g})."
        index = {name: i for i, name in enumerate(self.feature_names)}
        features = [self._describe(index[name]) for name in self.furthest()]
        where = (
            f"; furthest outside the training range: {', '.join(features)}"
            if features
            else "; no feature lies outside its training range"
        )
        return (
            f"{shares}, far beyond sampling noise ({test}, level {self.level:g}): "
            f"the data may no longer look like the training data{where}."
        )


def _check_reference(reference):
    if not hasattr(reference, "keys") or not all(k in reference for k in _REFERENCE_KEYS):
        raise ValueError(
            "reference must be what drift_reference returns, a mapping with the "
            f"keys {list(_REFERENCE_KEYS)}; got {type(reference).__name__}."
        )
    return reference


def check_drift(estimator, X, *, reference=None, anomaly_score=None, level=0.001):
    """Test whether a detector flags a share of new rows it did not flag in training.

    Under no change, each new row is flagged with the probability the
    detector had on its training rows (or ``alpha`` for a conformal
    threshold), independently of the others, so the number of flagged rows
    is binomial. When the expected share was measured on the training rows,
    it is itself a count out of a finite sample: the two-sided Fisher's
    exact test (:func:`scipy.stats.fisher_exact`) of the 2x2 table of
    flagged and unflagged rows, training against new, says whether the two
    shares differ beyond sampling noise (it is the exact test of two
    binomial proportions conditional on their total, and stays valid when
    the training share is 0, where a binomial test against it would call
    any flag impossible). Against the calibrated ``alpha`` of a conformal
    threshold, a stated rate, it is the exact two-sided binomial test
    (:func:`scipy.stats.binomtest`). Both are exact: unlike a normal
    approximation, they stay valid for rare flags and small batches. The
    features furthest outside their training range point at where the data
    changed.

    Parameters
    ----------
    estimator : estimator instance
        The fitted detector (outlier detector or threshold meta-estimator,
        or a Pipeline ending in one) whose flags are checked.

    X : {array-like, DataFrame} of shape (n_samples, n_features)
        The new rows, as the estimator receives them. A DataFrame may hold
        other columns: the reference's features are taken by name.

    reference : mapping, default=None
        What :func:`drift_reference` returned for the training rows (for a
        file written by ``sklearn-recon fit``, its metadata's
        ``"drift_reference"``). None uses the estimator's
        ``drift_reference_`` attribute, if it has one.

    anomaly_score : array-like of shape (n_samples,), default=None
        The anomaly scores of ``X`` if they are already computed (higher is
        more anomalous: minus ``score_samples`` for an outlier detector);
        None scores ``X``.

    level : float, default=0.001
        Significance level: the report says ``drifted`` when the p-value is
        below it. The small default keeps false alarms rare for a check run
        on every batch.

    Returns
    -------
    report : DriftReport
        The shares, the p-value, the per-feature distances outside the
        training range and, as ``str(report)``, one sentence.

    Raises
    ------
    ValueError
        If no reference is given or stored, or ``X`` lacks its features.
    TypeError
        If ``estimator`` has no threshold.

    See Also
    --------
    drift_reference : What the detector flagged in training.

    Notes
    -----
    The expected share from training rows is measured on the rows the
    detector was fitted on. For an early-stopped network it is close to the
    share of held-out rows of the same period; a detector that overfits its
    training rows flags fewer of them than of new normal rows, and the check
    then errs towards warning. A conformal threshold
    (``ThresholdSelector(method="conformal")``) gives a calibrated rate
    instead.

    Both tests assume independent rows. The time steps of a
    :class:`~sklearn_recon.WindowedDetector` are not: a step's score is
    shared with the steps of the windows around it, so its flags come in
    runs. For such a detector the test counts one observation per window
    length (``n_samples // window_size_``, in training and in ``X``), with
    the same observed shares.

    Distances outside the range are in training standard deviations; a
    feature that was constant in training is measured in its own units, as
    scikit-learn's scalers treat a zero scale.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon.monitoring import check_drift, drift_reference
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(500, 3))
    >>> detector = IsolationForest(contamination=0.05, random_state=0).fit(X)
    >>> reference = drift_reference(detector, X)
    >>> check_drift(detector, rng.normal(size=(400, 3)), reference=reference).drifted
    False
    >>> shifted = rng.normal(size=(400, 3)) + [0, 0, 3]
    >>> report = check_drift(detector, shifted, reference=reference)
    >>> report.drifted, report.furthest()
    (True, ['x2'])
    """
    from scipy.stats import binom, binomtest, fisher_exact

    if reference is None:
        reference = getattr(estimator, "drift_reference_", None)
        if reference is None:
            raise ValueError(
                f"{type(estimator).__name__} carries no drift reference: pass "
                "reference=drift_reference(estimator, X_train), computed on the rows "
                "it was trained on (files written by sklearn-recon fit carry one in "
                "their metadata: sklearn_recon.load(path, return_metadata=True))."
            )
    reference = _check_reference(reference)
    if not (isinstance(level, Real) and 0 < level < 1):
        raise ValueError(f"level must be a number in (0, 1); got {level!r}.")
    names = reference["feature_names"]
    X, values, _ = _as_table(X, names)
    minimum = np.asarray(reference["minimum"], dtype=np.float64)
    if values.shape[1] != len(minimum):
        raise ValueError(f"X has {values.shape[1]} features; the reference has {len(minimum)}.")
    if names is None:
        names = np.asarray([f"x{i}" for i in range(len(minimum))], dtype=object)
    threshold = _threshold(estimator)
    if anomaly_score is None:
        anomaly_score = get_anomaly_score(estimator, X)
    anomaly_score = np.asarray(anomaly_score, dtype=np.float64)
    if anomaly_score.shape != (len(values),):
        raise ValueError(
            f"anomaly_score must hold one score per row of X ({len(values)}); got "
            f"shape {anomaly_score.shape}."
        )
    n_samples = len(values)
    if n_samples == 0:
        raise ValueError("X has no rows to check.")
    n_flagged = int(np.sum(is_flagged(estimator, anomaly_score, threshold)))
    observed = n_flagged / n_samples
    expected = float(reference["expected_share"])
    window = getattr(final_estimator(estimator)[0], "window_size_", None)
    per = int(window) if isinstance(window, Integral) and window > 1 else 1
    n_effective = max(1, n_samples // per)
    k_effective = round(observed * n_effective)
    if reference["expected_from"] == "conformal alpha":
        test = "binomial test"
        p_value = float(binomtest(k_effective, n_effective, expected).pvalue)
    else:
        test = "Fisher's exact test"
        n_train = max(1, int(reference["n_samples"]) // per)
        k_train = round(expected * n_train)
        table = [[k_effective, n_effective - k_effective], [k_train, n_train - k_train]]
        p_value = float(fisher_exact(table).pvalue)

    maximum = np.asarray(reference["maximum"], dtype=np.float64)
    std = np.asarray(reference["std"], dtype=np.float64)
    count = np.asarray(reference["count"], dtype=np.float64)
    scale = np.where(std > 0, std, 1.0)  # scikit-learn's scalers' rule for 0
    with np.errstate(invalid="ignore"):
        excess = np.fmax(minimum - values, values - maximum)  # NaN where unknown
    excess = np.where(np.isfinite(excess) & (excess > 0), excess, 0.0) / scale
    share_outside = np.mean(excess > 0, axis=0)
    # P(a new value falls outside the range of m exchangeable values) = 2/(m+1)
    chance = np.minimum(1.0, 2.0 / (count + 1.0))
    k_outside = np.round(share_outside * n_effective)
    p_value_outside = binom.sf(k_outside - 1, n_effective, chance)
    return DriftReport(
        n_samples=n_samples,
        n_flagged=n_flagged,
        observed_share=observed,
        expected_share=expected,
        expected_from=str(reference["expected_from"]),
        n_effective=n_effective,
        test=test,
        p_value=p_value,
        level=float(level),
        drifted=bool(p_value < level),
        feature_names=np.asarray(names, dtype=object),
        share_outside=share_outside,
        distance_outside=np.mean(excess, axis=0),
        p_value_outside=p_value_outside,
    )
