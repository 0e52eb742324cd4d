"""ErrorHistogramDisplay: the histogram of the anomaly scores with the threshold."""

import numpy as np
import pytest
from _plotting import close_figures, labels, pipeline, plt, selector  # noqa: F401

from sklearn_recon.plotting import ErrorHistogramDisplay


def _counts(bars):
    return np.array([bar.get_height() for bar in bars])


def test_error_histogram_of_training_errors(pipeline, blobs):
    X_train = blobs[0]
    display = ErrorHistogramDisplay.from_estimator(pipeline, X_train, bins=20)
    (bars,) = display.hist_
    assert len(bars) == 20
    scores = -pipeline.score_samples(X_train)
    expected, edges = np.histogram(scores, bins=20)
    np.testing.assert_array_equal(_counts(bars), expected)
    np.testing.assert_allclose([bar.get_x() for bar in bars], edges[:-1])
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(pipeline[-1].threshold_)
    # the "auto" threshold, mean + 1 std of the training errors
    assert pipeline[-1].threshold_ == pytest.approx(scores.mean() + scores.std())
    assert display.ax_.get_xlabel() == "Reconstruction error, scaled data"
    assert display.ax_.get_ylabel() == "Number of samples"
    assert labels(display.ax_)[0] == "Samples"


def test_error_histogram_per_class_on_shared_bins(pipeline, blobs):
    _, X_test, y_test = blobs
    display = ErrorHistogramDisplay.from_estimator(pipeline, X_test, y_test, bins=15)
    normal, anomaly = display.hist_
    assert _counts(normal).sum() == np.sum(y_test == 1)
    assert _counts(anomaly).sum() == np.sum(y_test == -1)
    # one set of bins over both classes
    np.testing.assert_allclose([bar.get_x() for bar in normal], [bar.get_x() for bar in anomaly])
    scores = -pipeline.score_samples(X_test)
    edges = np.histogram_bin_edges(scores, bins=15)
    np.testing.assert_array_equal(
        _counts(anomaly), np.histogram(scores[y_test == -1], bins=edges)[0]
    )
    assert labels(display.ax_)[:2] == ["Normal", "Anomaly"]


def test_error_histogram_threshold_meta_estimator(selector, blobs):
    _, X_test, y_test = blobs
    display = ErrorHistogramDisplay.from_estimator(selector, X_test, y_test)
    assert display.threshold_line_.get_xdata()[0] == selector.best_threshold_
    assert display.ax_.get_title() == "ThresholdSelector"


def test_error_histogram_from_predictions_and_given_ax():
    scores = np.array([0.1, 0.2, 0.15, 0.9, 0.3, 0.25])
    y = np.array([0, 0, 0, 1, 0, 1])
    _, ax = plt.subplots()
    display = ErrorHistogramDisplay.from_predictions(
        y,
        scores,
        threshold=0.5,
        anomaly_label=1,
        bins=[0.0, 0.5, 1.0],
        ax=ax,
        name="given",
        hist_kw={"alpha": 0.3},
    )
    assert display.ax_ is ax and ax.get_title() == "given"
    normal, anomaly = display.hist_
    np.testing.assert_array_equal(_counts(normal), [4, 0])
    np.testing.assert_array_equal(_counts(anomaly), [1, 1])
    assert normal[0].get_alpha() == 0.3
    assert display.threshold_line_.get_xdata()[0] == 0.5
    assert labels(ax)[-1] == "Threshold = 0.5"
    display = ErrorHistogramDisplay.from_predictions(None, scores)
    assert display.threshold_line_ is None and len(display.hist_) == 1


def test_error_histogram_errors():
    with pytest.raises(ValueError, match="anomaly_label=-1 is not among"):
        ErrorHistogramDisplay.from_predictions([0, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN or infinite"):
        ErrorHistogramDisplay.from_predictions(None, [0.1, np.inf])
    with pytest.raises(ValueError, match="must be 1-D"):
        ErrorHistogramDisplay(anomaly_score=np.ones((2, 2))).plot()
