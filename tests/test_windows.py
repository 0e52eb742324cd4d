import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_recon import LSTMAutoencoderDetector
from sklearn_recon.datasets import lead_labels
from sklearn_recon.windows import (
    WindowedDetector,
    aggregate_window_scores,
    estimate_period,
    sliding_windows,
)


@settings(deadline=None, max_examples=50)
@given(
    n_timesteps=st.integers(1, 60),
    n_channels=st.integers(1, 3),
    window_size=st.integers(1, 20),
    stride=st.integers(1, 7),
)
def test_sliding_windows_count_content_and_no_copy(n_timesteps, n_channels, window_size, stride):
    series = np.arange(n_timesteps * n_channels, dtype=float).reshape(n_timesteps, n_channels)
    if n_timesteps < window_size:
        with pytest.raises(ValueError, match="fewer than one window"):
            sliding_windows(series, window_size, stride=stride)
        return
    windows = sliding_windows(series, window_size, stride=stride)
    assert windows.shape == ((n_timesteps - window_size) // stride + 1, window_size, n_channels)
    for i in range(len(windows)):
        np.testing.assert_array_equal(windows[i], series[i * stride : i * stride + window_size])
    assert np.shares_memory(windows, series)
    if stride == 1:  # every step lies in some window
        assert windows[-1, -1, 0] == series[-1, 0]


def test_sliding_windows_bad_arguments():
    with pytest.raises(ValueError, match="window_size must be a positive int"):
        sliding_windows(np.arange(5), 0)
    with pytest.raises(ValueError, match="stride must be a positive int"):
        sliding_windows(np.arange(5), 2, stride=1.5)
    with pytest.raises(ValueError, match="must be 1-D"):
        sliding_windows(np.zeros((4, 2, 2)), 2)


@settings(deadline=None, max_examples=50)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=80), st.integers(1, 4))
def test_lead_labels_marks_the_steps_before_each_event(events, lead):
    y = np.array(events)
    y_lead, keep = lead_labels(y, lead=lead)
    np.testing.assert_array_equal(keep, np.flatnonzero(y == 0))
    for value, row in zip(y_lead, keep):
        assert value == int(y[row + 1 : row + 1 + lead].any())
    all_rows, kept = lead_labels(y, lead=lead, drop_event=False)
    assert len(all_rows) == len(y) and len(kept) == len(y)


def test_lead_labels_refuses_other_codes():
    with pytest.raises(ValueError, match="0 \\(no event\\) and 1"):
        lead_labels([0, 2, 1])


window_params = dict(
    n_timesteps=st.integers(1, 60),
    window_size=st.integers(1, 20),
    stride=st.integers(1, 25),
)


@settings(deadline=None, max_examples=50)
@given(**window_params, data=st.data())
def test_aggregate_window_scores_inverts_sliding_windows(n_timesteps, window_size, stride, data):
    if n_timesteps < window_size:
        with pytest.raises(ValueError, match="shorter than one window"):
            aggregate_window_scores([0.0], n_timesteps, window_size, stride=stride)
        return
    n_windows = len(sliding_windows(np.zeros(n_timesteps), window_size, stride=stride))
    scores = np.array(
        data.draw(st.lists(st.floats(-1e6, 1e6), min_size=n_windows, max_size=n_windows))
    )
    mean = aggregate_window_scores(scores, n_timesteps, window_size, stride=stride)
    top = aggregate_window_scores(scores, n_timesteps, window_size, stride=stride, aggregate="max")
    # Every step gets a finite score from some window, and max >= mean.
    assert mean.shape == top.shape == (n_timesteps,)
    assert np.isfinite(mean).all() and np.isfinite(top).all()
    assert (top >= mean - 1e-9 * (1 + np.abs(mean))).all()
    # Each step's max is the max over the windows covering it, when any do.
    for step in range(n_timesteps):
        covering = [i for i in range(n_windows) if i * stride <= step < i * stride + window_size]
        if covering:
            assert top[step] == scores[covering].max()
            np.testing.assert_allclose(mean[step], scores[covering].mean(), atol=1e-6)
        else:
            assert top[step] in scores and mean[step] in scores
    # Constant window scores aggregate to that constant.
    const = np.full(n_windows, 2.5)
    for how in ("mean", "max"):
        np.testing.assert_array_equal(
            aggregate_window_scores(const, n_timesteps, window_size, stride=stride, aggregate=how),
            2.5,
        )
    # Too many or too few scores are refused.
    with pytest.raises(ValueError, match="window scores were given"):
        aggregate_window_scores(np.zeros(n_windows + 1), n_timesteps, window_size, stride=stride)


def test_aggregate_window_scores_uncovered_tail_takes_the_nearest_window():
    scores = aggregate_window_scores([1.0, 2.0, 3.0], 10, 2, stride=3)
    # Windows cover steps 0-1, 3-4, 6-7; 2 sits between the first two,
    # 5 between the next two, and 8, 9 past the last.
    np.testing.assert_array_equal(scores, [1, 1, 1, 2, 2, 2, 3, 3, 3, 3])


def test_aggregate_window_scores_bad_arguments():
    with pytest.raises(ValueError, match="aggregate must be one of"):
        aggregate_window_scores([1.0], 3, 3, aggregate="median")
    with pytest.raises(ValueError, match="must be finite"):
        aggregate_window_scores([np.nan], 3, 3)
    with pytest.raises(ValueError, match="must be 1-D"):
        aggregate_window_scores([[1.0]], 3, 3)


def _sine(period, n, phase=0.0):
    return np.sin(2 * np.pi * np.arange(n) / period + phase)


@settings(deadline=None, max_examples=50)
@given(
    period=st.integers(8, 300),
    n_periods=st.floats(3.0, 12.0),
    phase=st.floats(0, 2 * np.pi),
    scale=st.floats(0.01, 100.0),
    offset=st.floats(-100.0, 100.0),
)
def test_estimate_period_of_a_sine_is_exact(period, n_periods, phase, scale, offset):
    n = int(np.ceil(n_periods * period))
    series = offset + scale * _sine(period, n, phase)
    assert estimate_period(series) == period
    # Channels with other phases and scales have the same period.
    two = np.c_[series, 3 * _sine(period, n, phase + 1.0)]
    assert estimate_period(two) == period


@settings(deadline=None, max_examples=50)
@given(period=st.floats(8.5, 290.0), n_periods=st.floats(4.0, 12.0))
def test_estimate_period_of_a_non_integer_period_is_the_nearest_lag(period, n_periods):
    series = _sine(period, int(n_periods * period))
    assert abs(estimate_period(series) - period) <= 1


def test_estimate_period_multichannel():
    rng = np.random.RandomState(0)
    n = 3000
    periodic = _sine(60, n) + 0.3 * rng.normal(size=n)
    noise = rng.normal(size=n)
    # A noise channel and a constant channel do not hide the period (noise
    # flattens the peak: one step off is within its error).
    assert abs(estimate_period(np.c_[noise, periodic, np.full(n, 7.0)]) - 60) <= 1
    assert estimate_period(np.c_[_sine(60, n), np.full(n, 7.0)]) == 60
    # A square wave's harmonics and an ECG-like spike train keep the fundamental.
    square = np.sign(_sine(45, n))
    spikes = (np.arange(n) % 97 == 0).astype(float) + 0.05 * rng.normal(size=n)
    assert estimate_period(square) == 45
    assert estimate_period(np.c_[spikes, spikes**2]) == 97


@pytest.mark.parametrize(
    "series",
    [
        np.random.RandomState(0).normal(size=5000),  # white noise
        np.random.RandomState(1).normal(size=(5000, 3)),
        np.full((500, 2), 3.0),  # constant
        np.linspace(0, 1, 1000),  # a trend
        np.cumsum(np.random.RandomState(2).normal(size=3000)),  # a random walk
        # a smooth series whose autocorrelation ripples but never dips
        np.cumsum(np.random.RandomState(3).normal(size=3000)) + 0.01 * (-1) ** np.arange(3000),
    ],
    ids=["noise", "noise-3-channels", "constant", "trend", "random-walk", "ripples"],
)
def test_estimate_period_falls_back_without_a_clear_period(series):
    assert estimate_period(series) == 125
    assert estimate_period(series, default=64) == 64


def test_estimate_period_bounds():
    # A period below min_period is raised to it, one above max_period lowered.
    assert estimate_period(_sine(5, 2000)) == 8
    assert estimate_period(_sine(5, 2000), min_period=4) == 5
    assert estimate_period(_sine(350, 5000)) == 300
    assert estimate_period(_sine(350, 5000), max_period=400) == 350
    assert estimate_period(_sine(80, 2000), min_period=100, max_period=120) == 100
    # Beyond 4/3 of max_period no peak is looked for: the fallback.
    assert estimate_period(_sine(500, 5000)) == 125
    # At most a third of the series, so three periods fit; at least 1.
    assert estimate_period(_sine(50, 120)) == 40
    assert estimate_period(np.random.RandomState(0).normal(size=100)) == 33
    assert estimate_period([1.0, 2.0]) == 1
    assert estimate_period(_sine(9, 200).tolist()) == 9  # lists are fine


@settings(deadline=None, max_examples=50)
@given(
    n=st.integers(1, 400),
    min_period=st.integers(1, 50),
    extra=st.integers(0, 100),
    default=st.integers(1, 200),
    seed=st.integers(0, 2**16),
)
def test_estimate_period_always_within_bounds(n, min_period, extra, default, seed):
    series = np.random.RandomState(seed).normal(size=n).cumsum() % 3
    period = estimate_period(
        series, min_period=min_period, max_period=min_period + extra, default=default
    )
    assert isinstance(period, int)
    assert 1 <= period <= max(1, n // 3)
    assert period <= min_period + extra
    assert period >= min(min_period, max(1, n // 3))


def test_estimate_period_bad_arguments():
    with pytest.raises(ValueError, match="NaN or infinite"):
        estimate_period([1.0, np.nan, 2.0, 3.0])
    with pytest.raises(ValueError, match="must be 1-D"):
        estimate_period(np.zeros((10, 2, 2)))
    with pytest.raises(ValueError, match="at least one time step"):
        estimate_period([])
    with pytest.raises(ValueError, match="min_period=10 is larger than max_period=9"):
        estimate_period(np.zeros(50), min_period=10, max_period=9)
    with pytest.raises(ValueError, match="default must be a positive int"):
        estimate_period(np.zeros(50), default=0)
    with pytest.raises(TypeError, match="real numbers"):
        estimate_period(["a", "b"])


def test_windowed_detector_auto_window_is_the_period():
    rng = np.random.RandomState(0)
    train = np.c_[_sine(40, 1200), _sine(40, 1200, 1.0)] + 0.05 * rng.normal(size=(1200, 2))
    detector = WindowedDetector(IsolationForest(random_state=0), "auto", stride=5)
    detector.fit(train)
    assert detector.window_size == "auto"  # the parameter is left alone
    assert detector.window_size_ == estimate_period(train) == 40
    assert detector.detector_.n_features_in_ == 80
    test = train[:300].copy()
    test[150:170] = 0.0  # a flat stretch where the sines should be
    scores = detector.score_samples(test)
    assert scores.shape == (300,)
    assert 150 - 40 <= np.argmin(scores) < 170 + 40
    fixed = WindowedDetector(IsolationForest(random_state=0), 40, stride=5).fit(train)
    np.testing.assert_array_equal(fixed.score_samples(test), scores)
    assert fixed.window_size_ == 40
    # A test series shorter than the resolved window is refused.
    with pytest.raises(ValueError, match="fewer than one window of window_size=40"):
        detector.score_samples(test[:39])
    assert not hasattr(clone(detector), "window_size_")


def test_windowed_detector_bad_window_size():
    series = np.random.RandomState(0).normal(size=(50, 2))
    for bad in ("period", 0, 2.5):
        with pytest.raises(ValueError, match="'window_size' parameter"):
            WindowedDetector(IsolationForest(), bad).fit(series)


def _series(n, rng):
    t = np.arange(n)
    return np.c_[np.sin(t / 5), np.cos(t / 7)] + 0.02 * rng.normal(size=(n, 2))


@pytest.fixture(scope="module")
def windowed():
    rng = np.random.RandomState(0)
    train = _series(400, rng)
    detector = WindowedDetector(
        LSTMAutoencoderDetector(
            units=8,
            downsample=2,
            conv_filters=8,
            epochs=20,
            learning_rate=0.01,
            early_stopping=False,
            random_state=0,
        ),
        window_size=16,
        stride=2,
        fit_stride=4,
        aggregate="max",
    )
    return detector.fit(train), rng


def test_windowed_detector_scores_every_step_and_finds_a_burst(windowed):
    detector, rng = windowed
    assert detector.detector_.n_channels == 2  # set from the series
    assert detector.detector_.n_features_in_ == 32 and detector.n_features_in_ == 2
    test = _series(201, rng)
    test[100:110] += rng.normal(scale=1.0, size=(10, 2))
    scores = detector.score_samples(test)
    assert scores.shape == (201,) and np.isfinite(scores).all()
    np.testing.assert_allclose(detector.decision_function(test), scores - detector.offset_)
    assert detector.offset_ == detector.detector_.offset_
    assert set(np.unique(detector.predict(test))) <= {-1, 1}
    assert np.argmin(scores) in range(100 - 16, 110 + 16)
    assert (detector.predict(test)[100:110] == -1).any()


def test_windowed_detector_on_a_time_indexed_dataframe():
    rng = np.random.RandomState(0)
    index = pd.date_range("2024-01-01", periods=300, freq="2min")
    frame = pd.DataFrame(_series(300, rng), index=index, columns=["a", "b"])
    detector = WindowedDetector(IsolationForest(random_state=0), 10, stride=3).fit(frame)
    assert detector.feature_names_in_.tolist() == ["a", "b"]
    assert detector.score_samples(frame).shape == (300,)
    with pytest.raises(ValueError, match="not increasing"):
        detector.fit(frame.iloc[::-1])


def test_windowed_detector_bad_series():
    detector = WindowedDetector(IsolationForest(random_state=0), window_size=10)
    series = np.random.RandomState(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="fewer than one window of window_size=10"):
        detector.fit(series[:9])
    gappy = series.copy()
    gappy[20:23] = np.nan
    message = "NaN or infinite values at 3 time step\\(s\\) \\(first at row 20\\)"
    with pytest.raises(ValueError, match=message):
        detector.fit(gappy)
    detector.fit(series)
    with pytest.raises(ValueError, match="fewer than one window"):
        detector.score_samples(series[:5])
    with pytest.raises(ValueError, match="NaN"):
        detector.predict(gappy)
    with pytest.raises(ValueError, match="features"):
        detector.predict(series[:, :1])
    assert (gappy[20:23] != gappy[20:23]).all()  # the input is left alone


# Rows of a WindowedDetector are consecutive time steps, not independent
# samples; only the checks that assume independent rows are expected to fail.
_ORDER_IS_DATA = (
    "rows are consecutive time steps and each point score depends on the "
    "windows around it, so scoring a subset or a reordering of the rows "
    "differs from scoring them all"
)
WINDOWED_EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": _ORDER_IS_DATA,
    "check_methods_sample_order_invariance": _ORDER_IS_DATA,
    "check_sample_weight_equivalence_on_dense_data": (
        "a weight weighs a time step; the check repeats rows instead, which "
        "inserts time steps into the series and changes every window around "
        "them, so a repeated step is not a weighted step"
    ),
}


# With window_size="auto" the window comes from the checks' data, which are
# not series: blobs have no period, so the window is the fallback.
_NO_OUTLIER_IN_LONG_WINDOWS = (
    "blobs have no period, so the window is the 125-step fallback, 40% of "
    "the check's 300 rows: windows overlapping that much give mean-aggregated "
    "IsolationForest scores that flag no step"
)
AUTO_EXPECTED_FAILED_CHECKS = {
    **WINDOWED_EXPECTED_FAILED_CHECKS,
    "check_outliers_train": _NO_OUTLIER_IN_LONG_WINDOWS,
    "check_outliers_fit_predict": _NO_OUTLIER_IN_LONG_WINDOWS,
    "check_fit_idempotent": (
        "the window is estimated from the training rows (26 steps for the "
        "check's 80 rows), longer than the 20-row series it then scores"
    ),
}


# A fast inner detector: these checks test the meta-estimator; the
# LSTM inside it is tested above and in test_lstm.py / test_common.py.
@parametrize_with_checks(
    [
        WindowedDetector(IsolationForest(n_estimators=10, random_state=0), 3, stride=2),
        WindowedDetector(IsolationForest(n_estimators=10, random_state=0), "auto"),
    ],
    expected_failed_checks=lambda est: (
        AUTO_EXPECTED_FAILED_CHECKS
        if est.window_size == "auto"
        else WINDOWED_EXPECTED_FAILED_CHECKS
    ),
)
def test_windowed_detector_sklearn_compatible(estimator, check):
    check(estimator)


def test_windowed_detector_pickles_and_clones(windowed):
    detector, rng = windowed
    test = _series(60, rng)
    restored = pickle.loads(pickle.dumps(detector))
    np.testing.assert_array_equal(restored.score_samples(test), detector.score_samples(test))
    assert not hasattr(clone(detector), "detector_")
    assert detector.detector.n_channels == 1  # the parameter is left alone
