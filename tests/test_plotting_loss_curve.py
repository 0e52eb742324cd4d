"""LossCurveDisplay: the training history per epoch."""

import numpy as np
import pytest
from _instances import TINY
from _plotting import close_figures, forest, labels, pipeline, windowed  # noqa: F401
from sklearn.exceptions import NotFittedError

from sklearn_recon import AutoencoderDetector, VAEDetector, WindowedDetector
from sklearn_recon.plotting import LossCurveDisplay


@pytest.fixture(scope="module")
def vae(blobs):
    return VAEDetector(hidden_units=(4,), latent_dim=2, **TINY).fit(blobs[0])


def test_loss_curve_display_from_pipeline(pipeline):
    display = LossCurveDisplay.from_estimator(pipeline)
    history = pipeline[-1].history_
    assert set(display.lines_) == {"loss", "val_loss"}
    for key, line in display.lines_.items():
        np.testing.assert_allclose(line.get_ydata(), history[key])
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(history[key]) + 1))
    assert display.ax_.get_xlabel() == "Epoch"
    assert all(float(tick).is_integer() for tick in display.ax_.get_xticks())
    assert labels(display.ax_)[:2] == ["training", "validation"]
    best = pipeline[-1].best_epoch_
    assert display.best_epoch_lines_[0].get_xdata()[0] == best + 1


def test_loss_curve_display_vae_parts(vae):
    display = LossCurveDisplay.from_estimator(vae)
    assert display.ax_.shape == (3,)
    assert [ax.get_ylabel() for ax in display.ax_] == ["Loss", "KL loss", "Reconstruction loss"]
    assert set(display.lines_) == set(vae.history_)
    assert all(len(line.get_ydata()) == vae.n_iter_ for line in display.lines_.values())
    assert display.figure_._suptitle.get_text() == "VAEDetector"


def test_loss_curve_display_inside_a_windowed_detector():
    t = np.arange(300)
    series = np.c_[np.sin(t / 5), np.cos(t / 5)]
    detector = WindowedDetector(
        AutoencoderDetector(hidden_units=(4,), **TINY), window_size=10, stride=5
    ).fit(series)
    display = LossCurveDisplay.from_estimator(detector)
    np.testing.assert_allclose(
        display.lines_["loss"].get_ydata(), detector.detector_.history_["loss"]
    )
    assert display.ax_.get_title() == "AutoencoderDetector"


def test_loss_curve_display_errors(blobs, windowed):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(AutoencoderDetector())
    # IsolationForest has an estimator_ (its base tree): not a wrapper to enter
    with pytest.raises(TypeError, match="IsolationForest has none"):
        LossCurveDisplay.from_estimator(forest(5).fit(blobs[0]))
    with pytest.raises(TypeError, match="IsolationForest has none"):
        LossCurveDisplay.from_estimator(windowed)
    with pytest.raises(ValueError, match="same length"):
        LossCurveDisplay(history={"loss": [1, 2, 3], "val_loss": [1, 2]}).plot()
    with pytest.raises(ValueError, match="history is empty"):
        LossCurveDisplay(history={}).plot()
