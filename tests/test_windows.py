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
from sklearn_recon.windows import (
    WindowedDetector,
    aggregate_window_scores,
    lead_labels,
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
    top = aggregate_window_scores(
        scores, n_timesteps, window_size, stride=stride, aggregate="max"
    )
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


def _series(n, rng):
    t = np.arange(n)
    return np.c_[np.sin(t / 5), np.cos(t / 7)] + 0.02 * rng.normal(size=(n, 2))


@pytest.fixture(scope="module")
def windowed():
    rng = np.random.RandomState(0)
    train = _series(400, rng)
    detector = WindowedDetector(
        LSTMAutoencoderDetector(units=8, downsample=2, conv_filters=8, epochs=20,
                                learning_rate=0.01, early_stopping=False, random_state=0),
        window_size=16, stride=2, fit_stride=4, aggregate="max",
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
    with pytest.raises(ValueError, match="NaN or infinite values at 3 time step\\(s\\) \\(first at row 20\\)"):
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
}


# A fast inner detector: these checks test the meta-estimator; the
# LSTM inside it is tested above and in test_lstm.py / test_common.py.
@parametrize_with_checks(
    [WindowedDetector(IsolationForest(n_estimators=10, random_state=0), 3, stride=2)],
    expected_failed_checks=lambda est: WINDOWED_EXPECTED_FAILED_CHECKS,
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
