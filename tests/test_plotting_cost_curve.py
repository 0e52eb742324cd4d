"""CostCurveDisplay: the total cost over the threshold."""

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
from sklearn.frozen import FrozenEstimator

from sklearn_recon import CostThreshold
from sklearn_recon.metrics import cost_curve
from sklearn_recon.plotting import CostCurveDisplay


def test_cost_curve_display_from_cost_threshold(cost_threshold, blobs):
    _, _, y_test = blobs
    display = CostCurveDisplay.from_estimator(cost_threshold)
    n_anomalies = np.sum(y_test == -1)
    assert display.base_cost_line_.get_ydata()[0] == n_anomalies * 100
    assert display.best_marker_.get_xdata()[0] == cost_threshold.best_threshold_
    assert display.best_marker_.get_ydata()[0] == cost_threshold.best_cost_
    results = cost_threshold.cv_results_
    np.testing.assert_allclose(display.cost_line_.get_ydata(), results["costs"][:-1])
    np.testing.assert_allclose(display.cost_line_.get_xdata(), results["thresholds"][:-1])
    assert labels(display.ax_)[0] == "Total cost"
    assert "Base cost" in labels(display.ax_)[1]
    assert display.ax_.get_ylabel() == "Total cost"
    assert display.ax_.get_title() == "CostThreshold(IsolationForest)"
    # a frozen meta-estimator is the same curve
    frozen = CostCurveDisplay.from_estimator(FrozenEstimator(cost_threshold))
    np.testing.assert_allclose(frozen.cost_line_.get_ydata(), display.cost_line_.get_ydata())


def test_cost_curve_display_from_predictions_matches_cost_threshold(blobs):
    X_train, X_test, y_test = blobs
    fitted = forest().fit(X_train)
    scores = -fitted.score_samples(X_test)
    # confidence=None: the display marks the least cost, as that rule chooses
    model = CostThreshold(FrozenEstimator(fitted), fp_cost=5, fn_cost=100, confidence=None).fit(
        X_test, y_test
    )
    display = CostCurveDisplay.from_predictions(y_test, scores, fp_cost=5, fn_cost=100)
    costs, thresholds = cost_curve(y_test, scores, fp_cost=5, fn_cost=100)
    np.testing.assert_allclose(display.cost_line_.get_ydata(), costs[:-1])
    np.testing.assert_allclose(display.cost_line_.get_xdata(), thresholds[:-1])
    assert display.best_threshold == pytest.approx(model.best_threshold_)
    assert display.best_cost == pytest.approx(model.best_cost_)
    assert display.base_cost_line_.get_ydata()[0] == 20 * 100
    # the costs and the labels' coding are those of cost_curve
    y01 = (y_test == -1).astype(int)
    weighted = CostCurveDisplay.from_predictions(
        y01,
        scores,
        fp_cost=5,
        fn_cost=100,
        tp_cost=1,
        anomaly_label=1,
        sample_weight=np.full(len(y01), 2.0),
    )
    costs_tp, _ = cost_curve(y01, scores, fp_cost=5, fn_cost=100, tp_cost=1, anomaly_label=1)
    np.testing.assert_allclose(weighted.cost_line_.get_ydata(), 2 * costs_tp[:-1])
    assert weighted.base_cost == 2 * 20 * 100


def test_cost_curve_marker_lies_on_the_step_curve(blobs):
    X_train, X_test, y_test = blobs
    scores = -forest().fit(X_train).score_samples(X_test)
    display = CostCurveDisplay.from_predictions(y_test, scores, fp_cost=5, fn_cost=100)
    line = display.cost_line_
    assert line.get_drawstyle() == "steps-pre"
    x, values = line.get_xdata(), line.get_ydata()
    step = np.searchsorted(x, display.best_threshold, side="left")
    assert x[step - 1] < display.best_threshold <= x[step]
    assert values[step] == display.best_cost == values.min()


def test_cost_curve_display_errors(blobs, selector):
    _, _, y_test = blobs
    scores = np.arange(100.0)
    with pytest.raises(TypeError, match="fn_cost"):
        CostCurveDisplay.from_predictions(y_test, scores, fp_cost=1)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        CostCurveDisplay.from_predictions(y_test, scores[:99], fp_cost=1, fn_cost=2)
    with pytest.raises(ValueError, match="one value per threshold"):
        CostCurveDisplay(thresholds=[0.1, 0.2], costs=[1.0]).plot()
    with pytest.raises(TypeError, match="needs a ThresholdSelector or a CostThreshold"):
        CostCurveDisplay.from_estimator(forest(5).fit(np.ones((5, 2))))
    # a ThresholdSelector records F1, not costs: the other display
    with pytest.raises(ValueError, match="use ThresholdCurveDisplay"):
        CostCurveDisplay.from_estimator(selector)


def test_cost_curve_display_without_base_cost_or_mark():
    _, ax = plt.subplots()
    display = CostCurveDisplay(thresholds=[0.1, 0.4, np.inf], costs=[50, 10, 200]).plot(
        ax=ax, name="toy", curve_kw={"c": "k"}
    )
    assert display.ax_ is ax and ax.get_title() == "toy"
    assert display.base_cost_line_ is None and display.best_marker_ is None
    assert display.cost_line_.get_ydata().tolist() == [50, 10]
    assert display.cost_line_.get_color() == "k"
