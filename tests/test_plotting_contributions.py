"""ContributionsDisplay and SeriesContributionsDisplay: what made a row anomalous."""

import numpy as np
import pytest
from _plotting import close_figures, forest, pipeline, series, series_frame, windowed  # noqa: F401

from sklearn_recon.inspection import feature_contributions
from sklearn_recon.plotting import ContributionsDisplay, SeriesContributionsDisplay


def tick_labels(ax, axis="y"):
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [tick.get_text() for tick in ticks]


def test_contributions_display_draws_the_largest_first():
    display = ContributionsDisplay(
        contributions=[0.5, 3.0, 0.1, 2.0, 1.0],
        feature_names=["a", "b", "c", "d", "e"],
        anomaly_score=6.6,
        threshold=2.0,
        name="Detector, row 7",
    ).plot(max_features=3)
    assert display.features_ == ["b", "d", "e"]
    assert len(display.bars_) == 3
    assert [bar.get_width() for bar in display.bars_] == [3.0, 2.0, 1.0]
    assert tick_labels(display.ax_) == ["b", "d", "e"]
    # the largest at the top: the y-axis runs downwards
    assert display.ax_.yaxis_inverted()
    assert display.ax_.get_ylabel() == "Top 3 of 5 features"
    assert display.ax_.get_title() == "Detector, row 7\nanomaly score 6.6 (threshold 2)"
    # every feature, named x0... without names
    display = ContributionsDisplay(contributions=[0.5, 3.0]).plot(max_features=None)
    assert display.features_ == ["x1", "x0"] and display.ax_.get_ylabel() == "Feature"
    assert display.ax_.get_title() == ""


@pytest.mark.parametrize(
    "kwargs, plot_kwargs, error, message",
    [
        ({"contributions": [[1.0, 2.0]]}, {}, ValueError, "contributions must be 1-D"),
        ({"contributions": [1.0, np.nan]}, {}, ValueError, "NaN or infinite"),
        (
            {"contributions": [1.0, 2.0], "feature_names": ["a"]},
            {},
            ValueError,
            "feature_names has 1 names for 2 features",
        ),
        ({"contributions": [1.0]}, {"max_features": 0}, ValueError, "at least 1"),
        ({"contributions": [1.0]}, {"max_features": True}, TypeError, "int or None"),
    ],
)
def test_contributions_display_bad_input(kwargs, plot_kwargs, error, message):
    with pytest.raises(error, match=message):
        ContributionsDisplay(**kwargs).plot(**plot_kwargs)


@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")  # fitted on arrays
def test_contributions_display_from_estimator_names_the_columns(pipeline, blobs):
    pd = pytest.importorskip("pandas")
    _, X_test, _ = blobs
    columns = [f"sensor{i}" for i in range(X_test.shape[1])]
    frame = pd.DataFrame(X_test, columns=columns)
    row = 95  # an anomaly
    display = ContributionsDisplay.from_estimator(pipeline, frame, row=row, max_features=4)
    expected = feature_contributions(pipeline, X_test)[row]
    order = np.argsort(-expected, kind="stable")[:4]
    assert display.features_ == [columns[i] for i in order]
    assert tick_labels(display.ax_) == display.features_
    np.testing.assert_allclose([bar.get_width() for bar in display.bars_], expected[order])
    score = -pipeline.score_samples(X_test[[row]])[0]
    assert display.anomaly_score == pytest.approx(score)
    assert display.threshold == pytest.approx(-pipeline[-1].offset_)
    assert display.ax_.get_title().startswith("AutoencoderDetector, row 95\nanomaly score")
    # a negative position counts from the end; outside X is refused
    other = ContributionsDisplay.from_estimator(pipeline, X_test, row=-5, max_features=4)
    assert other.features_ == [f"x{i}" for i in order]
    with pytest.raises(ValueError, match=r"index \[100\] is out of range"):
        ContributionsDisplay.from_estimator(pipeline, X_test, row=100)


def test_contributions_display_uses_the_fitted_feature_names(blobs):
    pd = pytest.importorskip("pandas")
    X_train, X_test, _ = blobs
    columns = [f"f{i}" for i in range(X_train.shape[1])]
    detector = forest().fit(pd.DataFrame(X_train, columns=columns))
    display = ContributionsDisplay.from_estimator(
        detector, pd.DataFrame(X_test, columns=columns), row=90, max_features=None
    )
    assert sorted(display.features_) == sorted(columns)
    assert len(display.bars_) == X_train.shape[1]


def test_contributions_display_of_a_time_step(windowed):
    values, _ = series()
    display = ContributionsDisplay.from_estimator(windowed, values, row=260)
    expected = feature_contributions(windowed, values)[260]
    np.testing.assert_allclose(sorted(bar.get_width() for bar in display.bars_), np.sort(expected))
    assert display.anomaly_score == pytest.approx(-windowed.score_samples(values)[260])
    assert display.ax_.get_title().startswith("WindowedDetector, row 260")


def test_series_contributions_display(windowed):
    pytest.importorskip("pandas")
    values, y = series()
    frame = series_frame()
    display = SeriesContributionsDisplay.from_estimator(windowed, frame, y)
    series_ax, heat_ax = display.ax_
    expected = feature_contributions(windowed, values)
    order = np.argsort(-expected.sum(axis=0), kind="stable")
    assert display.features_ == [["a", "b"][i] for i in order]
    # one heatmap row per feature, in that order, the largest total at the top
    np.testing.assert_allclose(display.mesh_.get_array().reshape(2, -1), expected[:, order].T)
    assert tick_labels(heat_ax) == display.features_ and heat_ax.yaxis_inverted()
    assert [line.get_label() for line in display.series_lines_] == display.features_
    np.testing.assert_allclose(display.series_lines_[0].get_ydata(), values[:, order[0]])
    assert len(display.regions_) == 1 and display.regions_[0] in series_ax.patches
    assert display.colorbar_.ax.get_ylabel() == "Contribution"
    assert series_ax.get_title() == "WindowedDetector: contribution to the anomaly score"


def test_series_contributions_display_top_features_and_bad_input():
    contributions = np.zeros((30, 4))
    contributions[10:12, 3] = 2.0
    contributions[:, 1] = 0.1
    display = SeriesContributionsDisplay(contributions=contributions).plot(max_features=2)
    assert display.features_ == ["x3", "x1"] and display.series_lines_ == []
    assert display.ax_.get_ylabel() == "Top 2 of 4 features"
    # the colour scale ends below the one extreme step, and says so
    contributions = np.linspace(0.0, 1.0, 400)[:, None] * np.ones(2)
    contributions[7] = 100.0
    display = SeriesContributionsDisplay(contributions=contributions).plot()
    assert display.mesh_.norm.vmax < 1.0 and display.colorbar_.extend == "max"
    with pytest.raises(ValueError, match="must be 2-D"):
        SeriesContributionsDisplay(contributions=np.ones(3)).plot()
    with pytest.raises(ValueError, match="series has 3 time steps"):
        SeriesContributionsDisplay(contributions=np.ones((2, 2)), series=np.ones((3, 2))).plot()
    with pytest.raises(ValueError, match="series has 3 features"):
        SeriesContributionsDisplay(contributions=np.ones((2, 2)), series=np.ones((2, 3))).plot()
