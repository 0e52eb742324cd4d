"""ReconstructionDisplay: rows against their reconstruction."""

import numpy as np
import pytest
from _instances import TINY
from _plotting import close_figures, forest, labels, pipeline, plt, series  # noqa: F401
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import (
    AutoencoderDetector,
    LSTMAutoencoderDetector,
    ThresholdSelector,
)
from sklearn_recon.plotting import ReconstructionDisplay


def test_reconstruction_display_draws_rows_and_reconstruction(pipeline, blobs):
    _, X_test, y_test = blobs
    display = ReconstructionDisplay.from_estimator(pipeline, X_test, index=[0, 95], y=y_test)
    X_scaled = pipeline[0].transform(X_test[[0, 95]])
    X_rec = pipeline[-1].reconstruct(X_scaled)
    assert display.ax_.shape == (1, 2)
    for col in range(2):
        np.testing.assert_allclose(display.input_lines_[0, col].get_ydata(), X_scaled[col])
        np.testing.assert_allclose(display.reconstruction_lines_[0, col].get_ydata(), X_rec[col])
        assert display.error_fills_[0, col] in display.ax_[0, col].collections
    titles = [ax.get_title() for ax in display.ax_[0]]
    assert titles[0].startswith("Row 0") and titles[0].endswith("(normal)")
    assert titles[1].startswith("Row 95") and titles[1].endswith("(anomaly)")
    errors = -pipeline.score_samples(X_test[[0, 95]])
    assert titles[1].startswith(f"Row 95: error {errors[1]:.3g} ")
    assert "scaled" in display.ax_[0, 0].get_ylabel()
    assert labels(display.ax_[0, 0]) == ["Input", "Reconstruction", "Error"]
    assert display.figure_ is display.ax_[0, 0].figure
    assert display.figure_._suptitle.get_text() == "AutoencoderDetector"


def test_reconstruction_display_one_panel_per_channel():
    values, _ = series()
    X = values[:240].reshape(12, 20 * 2)  # 12 sequences of 20 steps, 2 channels
    detector = LSTMAutoencoderDetector(n_channels=2, units=2, early_stopping=False, **TINY).fit(X)
    display = ReconstructionDisplay.from_estimator(detector, X, index=3)
    assert display.ax_.shape == (2, 1)  # n_channels panels
    rec = detector.reconstruct(X[[3]]).reshape(20, 2)
    for channel in range(2):
        np.testing.assert_allclose(
            display.input_lines_[channel, 0].get_ydata(), X[3].reshape(20, 2)[:, channel]
        )
        np.testing.assert_allclose(
            display.reconstruction_lines_[channel, 0].get_ydata(), rec[:, channel]
        )
    assert display.ax_[1, 0].get_ylabel().startswith("Channel 1")
    # a 3-D X is the same rows
    display_3d = ReconstructionDisplay.from_estimator(detector, X.reshape(12, 20, 2), index=3)
    np.testing.assert_allclose(
        display_3d.input_lines_[1, 0].get_ydata(), display.input_lines_[1, 0].get_ydata()
    )


def test_reconstruction_display_single_panel_and_given_ax():
    X = np.arange(12.0).reshape(2, 6)
    _, ax = plt.subplots()
    display = ReconstructionDisplay(X=X[:1], X_reconstructed=X[:1] + 1, name="toy").plot(ax=ax)
    assert display.ax_ is ax
    assert ax.get_title() == "toy"
    with pytest.raises(ValueError, match="draws 2 panel"):
        ReconstructionDisplay(X=X, X_reconstructed=X).plot(ax=ax)
    with pytest.raises(ValueError, match="same shape"):
        ReconstructionDisplay(X=X, X_reconstructed=X[:, :3]).plot()
    with pytest.raises(ValueError, match="whole number"):
        ReconstructionDisplay(X=X, X_reconstructed=X, n_channels=4).plot()


def test_reconstruction_display_errors(pipeline, blobs):
    _, X_test, _ = blobs
    with pytest.raises(ValueError, match=r"index \[100\] is out of range for X with 100"):
        ReconstructionDisplay.from_estimator(pipeline, X_test, index=100)
    with pytest.raises(ValueError, match="index must be an int"):
        ReconstructionDisplay.from_estimator(pipeline, X_test, index=1.5)
    with pytest.raises(NotFittedError):
        ReconstructionDisplay.from_estimator(AutoencoderDetector(), X_test)
    fitted_forest = forest(5).fit(X_test)
    with pytest.raises(TypeError, match="reconstruct method.*IsolationForest"):
        ReconstructionDisplay.from_estimator(fitted_forest, X_test)
    with pytest.raises(ValueError, match="anomaly_label=1 is not among"):
        ReconstructionDisplay.from_estimator(pipeline, X_test, y=np.zeros(100), anomaly_label=1)


def test_reconstruction_display_inside_a_threshold_meta_estimator(blobs):
    # the rows follow the pipeline inside the selector, scaled as the
    # autoencoder sees them
    _, X_test, y_test = blobs
    selector = ThresholdSelector(
        make_pipeline(MinMaxScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)),
        cv=2,
    ).fit(X_test, y_test)
    inner = selector.estimator_
    display = ReconstructionDisplay.from_estimator(selector, X_test, index=[1, 90])
    X_scaled = inner[0].transform(X_test[[1, 90]])
    np.testing.assert_allclose(display.input_lines_[0, 1].get_ydata(), X_scaled[1])
    np.testing.assert_allclose(
        display.reconstruction_lines_[0, 1].get_ydata(), inner[-1].reconstruct(X_scaled)[1]
    )
    assert "scaled" in display.ax_[0, 0].get_ylabel()
