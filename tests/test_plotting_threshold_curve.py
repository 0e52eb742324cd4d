"""ThresholdCurveDisplay: precision, recall and F1 over the threshold."""

import numpy as np
import pytest
from _plotting import (  # noqa: F401
    close_figures,
    cost_threshold,
    forest,
    labels,
    plt,
    selector,
)
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator

from sklearn_recon import ThresholdSelector
from sklearn_recon.metrics import threshold_curve
from sklearn_recon.plotting import ThresholdCurveDisplay


def test_threshold_curve_display_from_selector(selector):
    display = ThresholdCurveDisplay.from_estimator(selector)
    results = selector.cv_results_
    finite = np.isfinite(results["thresholds"])
    np.testing.assert_allclose(display.f1_line_.get_xdata(), results["thresholds"][finite])
    np.testing.assert_allclose(display.f1_line_.get_ydata(), results["scores"][finite])
    np.testing.assert_allclose(display.precision_line_.get_ydata(), results["precision"][finite])
    np.testing.assert_allclose(display.recall_line_.get_ydata(), results["recall"][finite])
    assert display.best_marker_.get_xdata()[0] == selector.best_threshold_
    assert display.best_marker_.get_ydata()[0] == selector.best_score_
    assert labels(display.ax_)[:3] == ["Precision", "Recall", "F1"]
    assert labels(display.ax_)[3].startswith(f"Threshold {selector.best_threshold_:.3g}")
    assert display.ax_.get_title() == "ThresholdSelector(IsolationForest)"


def test_threshold_curve_display_from_predictions_matches_selector(blobs):
    # A frozen (prefitted) detector: the meta-estimator scores the given rows
    # once, so from_predictions on the same scores must agree with it.
    X_train, X_test, y_test = blobs
    fitted = forest().fit(X_train)
    scores = -fitted.score_samples(X_test)
    selector = ThresholdSelector(FrozenEstimator(fitted)).fit(X_test, y_test)
    display = ThresholdCurveDisplay.from_predictions(y_test, scores)
    assert display.best_threshold == pytest.approx(selector.best_threshold_)
    assert display.best_f1 == pytest.approx(selector.best_score_)
    precision, recall, f1, thresholds = threshold_curve(y_test, scores)
    np.testing.assert_allclose(display.f1_line_.get_ydata(), f1[:-1])
    np.testing.assert_allclose(display.precision_line_.get_ydata(), precision[:-1])
    np.testing.assert_allclose(display.recall_line_.get_xdata(), thresholds[:-1])
    # the same display from the selector's own curves
    from_selector = ThresholdCurveDisplay.from_estimator(selector)
    np.testing.assert_allclose(from_selector.f1_line_.get_ydata(), display.f1_line_.get_ydata())


def test_threshold_curve_marker_lies_on_the_step_curve(blobs):
    # score >= t flags the same rows for every t in (thresholds[i-1],
    # thresholds[i]]: the curve holds values[i] to the left of thresholds[i],
    # and the chosen threshold (between two scores) sits on that step.
    X_train, X_test, y_test = blobs
    scores = -forest().fit(X_train).score_samples(X_test)
    display = ThresholdCurveDisplay.from_predictions(y_test, scores)
    line = display.f1_line_
    assert line.get_drawstyle() == "steps-pre"
    x, values = line.get_xdata(), line.get_ydata()
    step = np.searchsorted(x, display.best_threshold, side="left")
    assert x[step - 1] < display.best_threshold <= x[step]
    assert values[step] == display.best_f1


def test_threshold_curve_display_errors(blobs, cost_threshold):
    _, X_test, y_test = blobs
    with pytest.raises(TypeError, match="needs a ThresholdSelector or a CostThreshold"):
        ThresholdCurveDisplay.from_estimator(IsolationForest().fit(X_test))
    with pytest.raises(NotFittedError):
        ThresholdCurveDisplay.from_estimator(ThresholdSelector(IsolationForest()))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ThresholdCurveDisplay.from_predictions(y_test, np.arange(99.0))
    with pytest.raises(ValueError, match="one value per threshold"):
        ThresholdCurveDisplay(
            thresholds=[0.1, 0.2], precision=[1.0, 1.0], recall=[1.0], f1=[1.0, 1.0]
        ).plot()
    selector = ThresholdSelector(forest(5), method="balanced_accuracy", cv=2).fit(X_test, y_test)
    with pytest.raises(ValueError, match="method='balanced_accuracy'"):
        ThresholdCurveDisplay.from_estimator(selector)
    # a CostThreshold records costs, not precision: the other display
    with pytest.raises(ValueError, match="use CostCurveDisplay"):
        ThresholdCurveDisplay.from_estimator(cost_threshold)


def test_threshold_curve_display_given_ax_and_name():
    _, ax = plt.subplots()
    display = ThresholdCurveDisplay(
        thresholds=[0.2, 0.5, np.inf],
        precision=[0.5, 1.0, 1.0],
        recall=[1.0, 0.5, 0.0],
        f1=[2 / 3, 2 / 3, 0.0],
    ).plot(ax=ax, name="toy", curve_kw={"linewidth": 3})
    assert display.ax_ is ax and ax.get_title() == "toy"
    assert display.best_marker_ is None
    assert display.recall_line_.get_xdata().tolist() == [0.2, 0.5]  # no inf
    assert display.precision_line_.get_linewidth() == 3
