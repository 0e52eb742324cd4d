import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_recon.windows import lead_labels, sliding_windows


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
