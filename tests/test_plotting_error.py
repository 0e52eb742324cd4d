"""ErrorDisplay: the anomaly score of each sample with the threshold line."""

import numpy as np
import pytest
from _plotting import close_figures, forest, labels, pipeline, selector  # noqa: F401

from sklearn_recon.metrics import threshold_curve
from sklearn_recon.plotting import ErrorDisplay


def test_error_display_from_estimator(pipeline, blobs):
    _, X_test, y_test = blobs
    display = ErrorDisplay.from_estimator(pipeline, X_test, y_test)
    scores = -pipeline.score_samples(X_test)
    normal, anomaly = display.scatter_
    np.testing.assert_allclose(normal.get_offsets()[:, 1], scores[y_test == 1])
    np.testing.assert_allclose(anomaly.get_offsets()[:, 0], np.flatnonzero(y_test == -1))
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(pipeline[-1].threshold_)
    assert labels(display.ax_)[:2] == ["Normal", "Anomaly"]
    assert labels(display.ax_)[2].startswith("Threshold = ")
    assert display.ax_.get_ylabel() == "Reconstruction error, scaled data"
    assert display.ax_.get_title() == "AutoencoderDetector"


def test_error_display_scikit_learn_detector_threshold(blobs):
    X_train, X_test, y_test = blobs
    fitted = forest().fit(X_train)
    display = ErrorDisplay.from_estimator(fitted, X_test, y_test)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(-fitted.offset_)
    # above the line exactly the predicted anomalies
    scores = np.r_[display.scatter_[0].get_offsets()[:, 1], display.scatter_[1].get_offsets()[:, 1]]
    order = np.r_[np.flatnonzero(y_test == 1), np.flatnonzero(y_test == -1)]
    np.testing.assert_array_equal(scores > -fitted.offset_, fitted.predict(X_test[order]) == -1)


def test_error_display_threshold_meta_estimator(selector, blobs):
    _, X_test, y_test = blobs
    display = ErrorDisplay.from_estimator(selector, X_test, y_test)
    assert display.threshold_line_.get_ydata()[0] == selector.best_threshold_
    assert display.ax_.get_ylabel() == "Anomaly score (-score_samples)"
    assert display.ax_.get_title() == "ThresholdSelector"
    # at or above the line exactly the rows the selector flags
    anomaly = display.scatter_[1].get_offsets()[:, 1]
    flagged = selector.predict(X_test[y_test == -1]) == -1
    np.testing.assert_array_equal(anomaly >= selector.best_threshold_, flagged)


def test_error_display_from_predictions_and_errors():
    scores = np.array([0.1, 0.2, 0.9])
    display = ErrorDisplay.from_predictions(None, scores)
    assert display.threshold_line_ is None
    assert labels(display.ax_) == ["Samples"]
    np.testing.assert_allclose(display.scatter_[0].get_offsets(), np.c_[[0, 1, 2], scores])
    with pytest.raises(ValueError, match="Found input variables with inconsistent"):
        ErrorDisplay.from_predictions([1, -1], scores)
    with pytest.raises(ValueError, match="anomaly_label=-1 is not among"):
        ErrorDisplay.from_predictions([0, 1, 1], scores)
    with pytest.raises(ValueError, match="NaN or infinite"):
        ErrorDisplay.from_predictions(None, [0.1, np.nan])
    with pytest.raises(ValueError, match="one label per score"):
        ErrorDisplay(anomaly_score=scores, is_anomaly=[True, False]).plot()
    # the histogram is its own display now
    with pytest.raises(TypeError, match="kind"):
        ErrorDisplay.from_predictions(None, scores, kind="hist")


def test_error_display_from_predictions_checks_like_the_metrics():
    # one check of labels and scores: a column of scores is accepted as by
    # threshold_curve, and a complex one refused
    y = np.array([1, 1, -1])
    scores = np.array([0.1, 0.2, 0.9])
    display = ErrorDisplay.from_predictions(y, scores[:, None])
    np.testing.assert_allclose(display.scatter_[1].get_offsets()[:, 1], [0.9])
    threshold_curve(y, scores[:, None])
    with pytest.raises(ValueError, match="Complex data not supported"):
        ErrorDisplay.from_predictions(y, scores + 1j)
