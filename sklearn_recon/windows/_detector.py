"""WindowedDetector: any detector of windows scores every step of a long series."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, clone
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._fitting import unfitted_on_failure
from ..utils._response import WINDOWED, final_estimator, flag, get_anomaly_score, get_threshold
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    _routing_enabled,
)
from ..utils._validation import (
    check_not_temporal,
    check_sample_weight,
)
from ._aggregate import _AGGREGATES, aggregate_window_scores
from ._period import estimate_period
from ._sliding import sliding_windows


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
