"""SeriesScoreDisplay: per-time-step scores over a series."""

import numpy as np
import pytest
from _plotting import close_figures, labels, series, series_frame, windowed  # noqa: F401

from sklearn_recon.plotting import SeriesScoreDisplay


def test_series_score_display(windowed):
    pytest.importorskip("pandas")
    values, y = series()
    frame = series_frame()
    display = SeriesScoreDisplay.from_estimator(windowed, frame, y)
    series_ax, score_ax = display.ax_
    scores = -windowed.score_samples(values)
    np.testing.assert_allclose(display.score_line_.get_ydata(), scores)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(-windowed.offset_)
    n_flagged = np.sum(windowed.predict(values) == -1)
    assert len(display.flagged_.get_offsets()) == n_flagged > 0
    assert [line.get_label() for line in display.series_lines_] == ["a", "b"]
    np.testing.assert_allclose(display.series_lines_[1].get_ydata(), values[:, 1])
    # one labelled region, shaded in both panels
    assert len(display.regions_) == 2
    assert display.regions_[0] in series_ax.patches
    assert display.regions_[1] in score_ax.patches
    assert "Labelled anomaly" in labels(score_ax)
    assert series_ax.get_title() == "WindowedDetector"


def test_series_score_display_scores_only(windowed):
    values, _ = series()
    display = SeriesScoreDisplay.from_estimator(windowed, values, show_series=False)
    assert display.series_lines_ == [] and display.regions_ == []
    assert display.ax_.get_xlabel() == "Time"
    with pytest.raises(ValueError, match="series has 3 time steps"):
        SeriesScoreDisplay(anomaly_score=[0.1, 0.2], series=np.ones((3, 2))).plot()
    with pytest.raises(ValueError, match="is_anomaly has 3 time steps"):
        SeriesScoreDisplay(anomaly_score=[0.1, 0.2], is_anomaly=[True, False, True]).plot()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SeriesScoreDisplay.from_estimator(windowed, values, y=np.r_[-1, np.ones(9)])


def test_series_score_display_list_of_lists(windowed):
    # list.index is a method, not a time axis
    values, y = series()
    display = SeriesScoreDisplay.from_estimator(windowed, values.tolist(), y)
    np.testing.assert_array_equal(display.score_line_.get_xdata(), np.arange(len(values)))
    assert [line.get_label() for line in display.series_lines_] == ["Channel 0", "Channel 1"]
