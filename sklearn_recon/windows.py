"""Sliding windows over long series, and the paper-mill study's lead labels.

:func:`sliding_windows` cuts a series into windows,
:func:`aggregate_window_scores` spreads window scores back to time steps, and
:class:`WindowedDetector` does both around any outlier detector, so that a
detector of fixed-length rows scores every point of a long series;
:func:`estimate_period` gives it a window from the series' own period.
Everything here is NumPy and scikit-learn only.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, clone
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from .utils._fitting import unfitted_on_failure
from .utils._response import WINDOWED, final_estimator, flag, get_anomaly_score, get_threshold
from .utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    _routing_enabled,
)
from .utils._validation import (
    check_not_temporal,
    check_real_values,
    check_sample_weight,
)


def _check_positive_int(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}.")
    return int(value)


def sliding_windows(series, window_size, *, stride=1):
    """Cut a series into overlapping windows, as read-only views.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The series, oldest step first.

    window_size : int
        Number of consecutive steps per window.

    stride : int, default=1
        Steps between the starts of two consecutive windows.

    Returns
    -------
    windows : ndarray of shape (n_windows, window_size, n_channels)
        ``windows[i]`` covers steps ``i * stride`` to ``i * stride +
        window_size - 1``; ``n_windows = (n_timesteps - window_size) //
        stride + 1``. A read-only view of ``series`` when it is already a
        NumPy array: no data is copied until the windows are used.

    Raises
    ------
    ValueError
        If the series is shorter than one window, or is not 1-D or 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.windows import sliding_windows
    >>> sliding_windows(np.arange(6), 3, stride=2)[..., 0]
    array([[0, 1, 2],
           [2, 3, 4]])
    """
    window_size = _check_positive_int(window_size, "window_size")
    stride = _check_positive_int(stride, "stride")
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError(
            "series must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_channels); "
            f"got shape {series.shape}."
        )
    if len(series) < window_size:
        raise ValueError(
            f"The series has {len(series)} time steps, fewer than one window of "
            f"window_size={window_size}."
        )
    windows = np.lib.stride_tricks.sliding_window_view(series, window_size, axis=0)
    # sliding_window_view puts the window axis last: (n, n_channels, window).
    return windows[::stride].transpose(0, 2, 1)


#: Bounds and fallback of :func:`estimate_period`. TSB-AD's ``find_length``
#: looks for the peak among lags 3 to 400, accepts 6 to 303 and otherwise
#: returns 125; here the search reaches 4/3 of ``max_period`` (400 at the
#: default 300).
_MIN_PERIOD, _MAX_PERIOD, _DEFAULT_PERIOD = 8, 300, 125
#: A peak of the autocorrelation counts as a period only if it is above this
#: value (and above four standard errors of a white-noise autocorrelation)
#: and at least this much above the lowest autocorrelation at shorter lags.
_MIN_AUTOCORRELATION = 0.2


def _autocorrelation(series):
    """Mean autocorrelation of the standardised non-constant channels.

    Returns, for lags ``0 .. n - 1`` and averaged over the channels, the
    correlation of the series with itself shifted by ``k`` steps (the
    cosine of ``z[:-k]`` and ``z[k:]``, exactly 1 at the period of a
    periodic series) and the same weighed by ``(n - k) / n``, as the
    standard (biased) estimate weighs its lags; ``None`` when every channel
    is constant.
    """
    n = len(series)
    centred = series - series.mean(axis=0)
    scale = np.sqrt(np.mean(centred**2, axis=0))
    keep = scale > 1e-12 * np.max(np.abs(series), axis=0, initial=1.0)
    if not keep.any():
        return None
    z = centred[:, keep] / scale[keep]
    size = 1 << int(2 * n - 1).bit_length()  # zero-padded: no circular overlap
    spectrum = np.fft.rfft(z, n=size, axis=0)
    acov = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=0)[:n]
    energy = np.cumsum(z**2, axis=0)
    head = energy[::-1]  # sum of z[t]**2 for t < n - k
    tail = energy[-1] - np.r_[np.zeros((1, z.shape[1])), energy[:-1]]  # for t >= k
    norm = np.sqrt(head * tail)
    correlation = np.divide(acov, norm, out=np.zeros_like(acov), where=norm > 0)
    correlation = correlation.mean(axis=1)
    return correlation, correlation * np.arange(n, 0, -1) / n


def estimate_period(
    series, *, min_period=_MIN_PERIOD, max_period=_MAX_PERIOD, default=_DEFAULT_PERIOD
):
    """Estimate the dominant period of a series from its autocorrelation.

    The rule of TSB-AD's ``find_length`` (Liu and Paparrizos, 2024), made
    multichannel and bounded. Each channel is standardised and the
    autocorrelations of the channels are averaged (constant channels are
    left out). The period is the lag of the highest peak (local maximum)
    of that autocorrelation among lags 2 to ``4 * max_period // 3`` and at
    most a third of the series, so that it repeats at least three times. A
    peak counts only if its autocorrelation is above 0.2 and above ``4 /
    sqrt(n_timesteps)`` (four standard errors of the autocorrelation of
    white noise), and at least 0.2 above the lowest autocorrelation at
    shorter lags (the ripples of a smooth series are not periods). The
    autocorrelation at lag ``k`` is the correlation of the series with
    itself shifted by ``k`` steps, exactly 1 at the period of a periodic
    series; peaks are ranked by it times ``(n_timesteps - k) /
    n_timesteps``, as in the standard (biased) estimate, which prefers the
    fundamental period to its multiples.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The series, oldest step first, without NaN or infinite values.

    min_period : int, default=8
        Smallest period returned: a shorter estimate is raised to it.

    max_period : int, default=300
        Largest period returned: a longer estimate (up to ``4 * max_period
        // 3``) is lowered to it.

    default : int, default=125
        The period returned when the series has no clear period (no peak
        counts), as for noise, a trend or a constant series. 125 is TSB-AD's
        fallback.

    Returns
    -------
    period : int
        The estimate (or ``default``), clipped to ``[min_period,
        max_period]`` and then to at most ``max(1, n_timesteps // 3)``, so
        that three periods fit in the series.

    Raises
    ------
    ValueError
        If the series is empty, not 1-D or 2-D, or holds NaN or infinite
        values, or if the bounds are not positive ints with ``min_period
        <= max_period``.

    See Also
    --------
    WindowedDetector : Uses the estimate as its window with
        ``window_size="auto"``.

    Notes
    -----
    TSB-AD's ``find_length`` reads the first channel of at most 20,000
    steps, takes the highest peak of the biased autocorrelation among lags
    3 to 400 whatever its height, and returns 125 when that peak lies
    outside 6 to 303 steps. Here every channel and every step count, a
    peak must stand out, and an estimate outside the bounds is clipped to
    them rather than replaced.

    References
    ----------
    .. [1] Q. Liu and J. Paparrizos, "The Elephant in the Room: Towards A
       Reliable Time-Series Anomaly Detection Benchmark", NeurIPS 2024
       Datasets and Benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.windows import estimate_period
    >>> t = np.arange(2000)
    >>> estimate_period(np.sin(2 * np.pi * t / 50))
    50
    >>> estimate_period(np.c_[np.sin(2 * np.pi * t / 40), np.cos(2 * np.pi * t / 40)])
    40
    >>> estimate_period(np.random.RandomState(0).normal(size=2000))
    125
    """
    min_period = _check_positive_int(min_period, "min_period")
    max_period = _check_positive_int(max_period, "max_period")
    default = _check_positive_int(default, "default")
    if min_period > max_period:
        raise ValueError(f"min_period={min_period} is larger than max_period={max_period}.")
    series = check_real_values(series, "series")
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2 or len(series) == 0:
        raise ValueError(
            "series must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_channels) "
            f"with at least one time step; got shape {series.shape}."
        )
    if not np.isfinite(series).all():
        raise ValueError("series holds NaN or infinite values.")
    n = len(series)
    longest = max(1, n // 3)
    period = default
    acf = _autocorrelation(series) if n >= 6 else None
    if acf is not None:
        last = min(longest, 4 * max_period // 3)
        correlation, weighed = (r[: last + 2] for r in acf)
        lags = np.arange(2, last + 1)
        peaks = lags[
            (correlation[lags] > correlation[lags - 1])
            & (correlation[lags] > correlation[lags + 1])
        ]
        floor = max(_MIN_AUTOCORRELATION, 4 / np.sqrt(n))
        lowest_before = np.minimum.accumulate(correlation)[peaks - 1]
        peaks = peaks[
            (correlation[peaks] > floor)
            & (correlation[peaks] - lowest_before >= _MIN_AUTOCORRELATION)
        ]
        if len(peaks):
            period = int(peaks[np.argmax(weighed[peaks])])
    return min(max(period, min_period), max_period, longest)


def lead_labels(y, lead=2, *, drop_event=True):
    """Early-warning labels: the ``lead`` steps before each event become positive.

    The paper-mill study predicts a sheet break before it happens: the two
    2-minute steps before a break are labelled positive, and the break row
    itself is dropped, since once the break is there it is too late to warn.

    Parameters
    ----------
    y : array-like of shape (n_timesteps,)
        1 (or True) where an event happens, 0 elsewhere, in time order.

    lead : int, default=2
        How many steps before each event are labelled positive.

    drop_event : bool, default=True
        Whether to drop the event rows themselves.

    Returns
    -------
    y_lead : ndarray of shape (n_kept,)
        1 for the steps within ``lead`` steps before an event, else 0.

    keep : ndarray of shape (n_kept,)
        Indices of the rows kept, so that ``X[keep]`` aligns with
        ``y_lead``.

    Examples
    --------
    >>> from sklearn_recon.windows import lead_labels
    >>> y_lead, keep = lead_labels([0, 0, 0, 1, 0, 0, 1], lead=2)
    >>> y_lead.tolist(), keep.tolist()
    ([0, 1, 1, 1, 1], [0, 1, 2, 4, 5])
    """
    lead = _check_positive_int(lead, "lead")
    if not isinstance(drop_event, (bool, np.bool_)):
        raise TypeError(f"drop_event must be a bool; got {drop_event!r}.")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y.shape}.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold 0 (no event) and 1 (event) only.")
    event = y.astype(bool)
    # Step i is positive when an event falls in steps i+1 .. i+lead: a
    # difference of cumulative event counts, linear in len(y) whatever lead.
    n_events = np.r_[0, np.cumsum(event)]
    steps = np.arange(len(y))
    ahead = n_events[np.minimum(steps + lead, len(y) - 1) + 1] - n_events[steps + 1]
    y_lead = (ahead > 0).astype(int)
    keep = np.flatnonzero(~event) if drop_event else np.arange(len(y))
    return y_lead[keep], keep


_AGGREGATES = ("mean", "max")


def _n_windows(n_timesteps, window_size, stride):
    return (n_timesteps - window_size) // stride + 1


def aggregate_window_scores(window_scores, n_timesteps, window_size, *, stride=1, aggregate="mean"):
    """Spread one score per window back to one score per time step.

    The inverse of :func:`sliding_windows`: each time step gets the mean or
    the maximum of the scores of the windows that cover it.

    Parameters
    ----------
    window_scores : array-like of shape (n_windows,)
        One score per window, in the order :func:`sliding_windows` returns
        the windows of a series of ``n_timesteps`` steps.

    n_timesteps : int
        Length of the series the windows were cut from.

    window_size : int
        Number of consecutive steps per window.

    stride : int, default=1
        Steps between the starts of two consecutive windows.

    aggregate : {"mean", "max"}, default="mean"
        How the scores of the windows covering a step are combined. Give
        anomaly scores (higher is more anomalous) with ``"max"``: a step is
        then as anomalous as the most anomalous window that contains it.

    Returns
    -------
    scores : ndarray of shape (n_timesteps,)
        One score per time step. Steps that no window covers (the last
        ``(n_timesteps - window_size) % stride`` steps, and the gaps between
        windows when ``stride > window_size``) take the score of the
        nearest window, so every step gets a finite score.

    Raises
    ------
    ValueError
        If the number of scores does not match the number of windows of such
        a series, or a score is not finite.

    Examples
    --------
    >>> from sklearn_recon.windows import aggregate_window_scores
    >>> aggregate_window_scores([1.0, 3.0], 5, 3, stride=2)
    array([1., 1., 2., 3., 3.])
    >>> aggregate_window_scores([1.0, 3.0], 5, 3, stride=2, aggregate="max")
    array([1., 1., 3., 3., 3.])
    """
    n_timesteps = _check_positive_int(n_timesteps, "n_timesteps")
    window_size = _check_positive_int(window_size, "window_size")
    stride = _check_positive_int(stride, "stride")
    if aggregate not in _AGGREGATES:
        raise ValueError(f"aggregate must be one of {_AGGREGATES}; got {aggregate!r}.")
    scores = check_real_values(window_scores, "window_scores")
    if scores.ndim != 1:
        raise ValueError(f"window_scores must be 1-D; got shape {scores.shape}.")
    if n_timesteps < window_size:
        raise ValueError(
            f"A series of n_timesteps={n_timesteps} is shorter than one window of "
            f"window_size={window_size}."
        )
    n_windows = _n_windows(n_timesteps, window_size, stride)
    if len(scores) != n_windows:
        raise ValueError(
            f"A series of {n_timesteps} steps has {n_windows} windows of "
            f"window_size={window_size} with stride={stride}, but "
            f"{len(scores)} window scores were given."
        )
    if not np.isfinite(scores).all():
        raise ValueError("window_scores must be finite; got NaN or infinite values.")
    largest = np.max(np.abs(scores), initial=0.0)
    if aggregate == "mean" and largest > np.finfo(np.float64).max / window_size:
        # Sums of window_size such scores overflow: average the scores
        # divided by a power of two (exact), then scale the means back.
        scale = np.ldexp(1.0, int(np.frexp(largest)[1]) - 1)
        return scale * aggregate_window_scores(
            scores / scale, n_timesteps, window_size, stride=stride, aggregate=aggregate
        )
    starts = np.arange(n_windows) * stride
    counts = np.zeros(n_timesteps)
    if aggregate == "mean":
        out = np.zeros(n_timesteps)
    else:
        out = np.full(n_timesteps, -np.inf)
    # For a fixed offset, the steps starts + offset are distinct, so plain
    # fancy-index updates are exact (no np.add.at needed).
    for offset in range(window_size):
        steps = starts + offset
        counts[steps] += 1
        if aggregate == "mean":
            out[steps] += scores
        else:
            out[steps] = np.maximum(out[steps], scores)
    covered = counts > 0
    if aggregate == "mean":
        out[covered] /= counts[covered]
    if not covered.all():
        # Windows have equal length, so the nearest one is the one whose
        # centre is nearest; ties go to the earlier window.
        uncovered = np.flatnonzero(~covered)
        centre = (uncovered - (window_size - 1) / 2) / stride
        nearest = np.clip(np.ceil(centre - 0.5), 0, n_windows - 1).astype(int)
        out[uncovered] = scores[nearest]
    return out


class WindowedDetector(OutlierMixin, MetaEstimatorMixin, BaseEstimator):
    """Score every time step of a long series with a detector of windows.

    ``fit`` cuts the training series into windows of ``window_size`` steps,
    flattens each window into one row (time-major: ``t0c0, t0c1, ...,
    t1c0, ...``) and fits a clone of ``detector`` on those rows. Scoring
    cuts the series the same way, scores each window and gives every time
    step the mean or the maximum anomaly of the windows that cover it
    (:func:`aggregate_window_scores`). Here the rows of ``X`` are time
    steps in time order, not independent samples.

    Parameters
    ----------
    detector : outlier detector
        Any estimator with ``fit``, ``score_samples`` and a fitted
        ``offset_`` (``decision_function = score_samples - offset_``), such
        as :class:`~sklearn_recon.LSTMAutoencoderDetector` or
        :class:`~sklearn.ensemble.IsolationForest`, or a
        :class:`~sklearn.pipeline.Pipeline` ending in one (its steps then
        see the flattened windows). If the detector has an ``n_channels``
        parameter, the fitted clone's is set to the number of channels
        (columns) of the series, so a sequence detector reads each row as
        ``window_size`` steps of all channels.

    window_size : int or "auto"
        Number of consecutive time steps per window. ``"auto"`` uses the
        dominant period of the training series, :func:`estimate_period`
        with its defaults: the highest clear peak of the autocorrelation
        (all channels), between 8 and 300 steps and at most a third of the
        series, or 125 steps when the series has no clear period. The
        value used is ``window_size_``.

    stride : int, default=1
        Steps between the starts of two consecutive windows when scoring.

    fit_stride : int or None, default=None
        Steps between the starts of two consecutive training windows; None
        uses ``stride``. A larger value trains on fewer, less overlapping
        windows, which makes fitting a recurrent network on a long series
        proportionally faster.

    aggregate : {"mean", "max"}, default="mean"
        How the anomaly errors (``-score_samples``) of the windows covering
        a step are combined: their mean, or their maximum (a step is as
        anomalous as the worst window containing it).

    Attributes
    ----------
    window_size_ : int
        The window used: ``window_size``, or the period estimated from the
        training series when ``window_size="auto"``.

    detector_ : estimator
        The clone of ``detector`` fitted on the training windows.

    offset_ : float
        ``detector_.offset_``: the point scores are aggregated window
        scores, in the window detector's units, so its threshold applies
        unchanged. With ``aggregate="max"`` a step is an anomaly exactly
        when some window covering it is one.

    n_features_in_ : int
        Number of channels (columns) of the series seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the channels seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sliding_windows : The windows of a series.
    aggregate_window_scores : Window scores back to time steps.
    estimate_period : The window of ``window_size="auto"``.

    Notes
    -----
    The rows of ``X`` must be consecutive, equally spaced time steps, oldest
    first; a DataFrame must have an increasing index (a time index is
    typical). Gaps (NaN) are refused: fill or interpolate them, or score the
    segments separately. Steps that no scoring window covers (the last
    ``(n_timesteps - window_size) % stride`` ones) take the score of the
    nearest window. Because every point score depends on its neighbours,
    scoring a subset or a reordering of the rows is not the same as
    scoring them all and picking.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon.windows import WindowedDetector
    >>> t = np.arange(600)
    >>> series = np.c_[np.sin(t / 8), np.cos(t / 8)]
    >>> detector = WindowedDetector(IsolationForest(random_state=0),
    ...                             window_size=16, stride=4).fit(series)
    >>> detector.score_samples(series).shape
    (600,)
    >>> detector.predict(series).shape
    (600,)
    >>> auto = WindowedDetector(IsolationForest(random_state=0),
    ...                         window_size="auto", stride=4).fit(series)
    >>> auto.window_size_  # the period of sin(t / 8): 2 * pi * 8 steps
    50
    """

    # The tag utils._response recognises (scores through detector_, by windows).
    _anomaly_role = WINDOWED

    _parameter_constraints: dict = {
        "detector": [HasMethods(["fit", "score_samples"])],
        "window_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "fit_stride": [Interval(Integral, 1, None, closed="left"), None],
        "aggregate": [StrOptions(set(_AGGREGATES))],
    }

    def __init__(self, detector, window_size, *, stride=1, fit_stride=None, aggregate="mean"):
        self.detector = detector
        self.window_size = window_size
        self.stride = stride
        self.fit_stride = fit_stride
        self.aggregate = aggregate

    def _validate_series(self, X, *, reset):
        index = getattr(X, "index", None)  # a DataFrame's (lists have a method)
        if reset and not getattr(index, "is_monotonic_increasing", True):
            raise ValueError("The index of X is not increasing: sort the series by time first.")
        check_not_temporal(X)
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], ensure_all_finite=False, reset=reset
        )
        bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
        if len(bad):
            raise ValueError(
                f"X contains NaN or infinite values at {len(bad)} time step(s) "
                f"(first at row {bad[0]}): windows over gaps cannot be scored. Fill "
                "or interpolate the gaps, or score the segments separately."
            )
        if reset:
            self.window_size_ = (
                estimate_period(X) if self.window_size == "auto" else self.window_size
            )
        if len(X) < self.window_size_:
            raise ValueError(
                f"The series has n_samples = {len(X)} time steps, fewer than one "
                f"window of window_size={self.window_size_}."
            )
        return X

    def _window_rows(self, X, stride):
        windows = sliding_windows(X, self.window_size_, stride=stride)
        return windows.reshape(len(windows), -1)

    def _window_weights(self, sample_weight, stride):
        """One weight per training window from one per time step.

        A window weighs the mean of its steps' weights, and nothing if one of
        its steps weighs 0: a step of weight 0 (an outage, a known fault) is
        left out of every window.
        """
        steps = sliding_windows(sample_weight, self.window_size_, stride=stride)[..., 0]
        return np.where(steps.min(axis=1) > 0, steps.mean(axis=1), 0.0)

    @_fit_context(prefer_skip_nested_validation=False)
    @unfitted_on_failure
    def fit(self, X, y=None, sample_weight=None):
        """Fit a clone of ``detector`` on the windows of the series ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_timesteps, n_channels)
            The training series, normal (or mostly normal), one row per time
            step in time order.

        y : Ignored
            Not used, present for API consistency by convention.

        sample_weight : array-like of shape (n_timesteps,), default=None
            Non-negative weight of each time step. Each training window gets
            the mean weight of its steps, or 0 when one of its steps weighs 0
            (so a step of weight 0 is left out of training), and the
            detector's ``fit`` gets the window weights. With metadata routing
            enabled they go only to a detector that requests
            ``sample_weight``.

        Returns
        -------
        self : object
            Fitted detector.
        """
        X = self._validate_series(X, reset=True)
        sample_weight = check_sample_weight(sample_weight, X)
        fit_params = {}
        if sample_weight is not None:
            if _routing_enabled():
                fit_params = process_routing(self, "fit", sample_weight=sample_weight)["detector"][
                    "fit"
                ]
            else:
                fit_params = {"sample_weight": sample_weight}
        detector = clone(self.detector)
        learner = final_estimator(detector)[0]  # the clone's own last step
        if "n_channels" in learner.get_params(deep=False):
            learner.set_params(n_channels=X.shape[1])
        stride = self.stride if self.fit_stride is None else self.fit_stride
        if "sample_weight" in fit_params:
            fit_params = {"sample_weight": self._window_weights(sample_weight, stride)}
        detector.fit(self._window_rows(X, stride), **fit_params)
        threshold = get_threshold(detector)
        if threshold is None:
            raise TypeError(
                f"{type(detector).__name__} has no threshold after fit; "
                "WindowedDetector needs an outlier detector with score_samples "
                "and offset_ (decision_function = score_samples - offset_), or a "
                "Pipeline ending in one."
            )
        self.detector_ = detector
        self.offset_ = -threshold
        return self

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        See scikit-learn's `metadata routing user guide
        <https://scikit-learn.org/stable/metadata_routing.html>`_ for how the
        routing mechanism works.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit``'s ``sample_weight``, turned into window weights,
            to the detector's ``fit``.
        """
        return MetadataRouter(owner=self).add(
            detector=self.detector,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def score_samples(self, X):
        """Return the score of every time step: higher is more normal.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_timesteps, n_channels)
            The series to score, one row per time step in time order.

        Returns
        -------
        scores : ndarray of shape (n_timesteps,)
            Minus the aggregated anomaly error of the windows covering each
            step.
        """
        check_is_fitted(self)
        X = self._validate_series(X, reset=False)
        window_errors = get_anomaly_score(self.detector_, self._window_rows(X, self.stride))
        return -aggregate_window_scores(
            window_errors,
            len(X),
            self.window_size_,
            stride=self.stride,
            aggregate=self.aggregate,
        )

    def decision_function(self, X):
        """Return the shifted score of every time step: negative for anomalies.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_timesteps, n_channels)
            The series to score, one row per time step in time order.

        Returns
        -------
        scores : ndarray of shape (n_timesteps,)
            ``score_samples(X) - offset_``; below 0 means anomaly.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Predict whether each time step is normal (+1) or anomalous (-1).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_timesteps, n_channels)
            The series to classify, one row per time step in time order.

        Returns
        -------
        labels : ndarray of shape (n_timesteps,)
            +1 for normal steps, -1 for anomalous ones.
        """
        return np.where(flag(-self.score_samples(X), -self.offset_), -1, 1)
