"""What every display of sklearn_recon.plotting shares: the mixin and the package.

The tests of each display are in tests/test_plotting_<display>.py.
"""

import subprocess
import sys

import numpy as np
import pytest
from _instances import TINY
from _plotting import (  # noqa: F401
    close_figures,
    cost_threshold,
    pipeline,
    selector,
    series,
    windowed,
)
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

import sklearn_recon.plotting as plotting
from sklearn_recon import AutoencoderDetector, ThresholdSelector
from sklearn_recon.plotting import (
    CostCurveDisplay,
    ErrorDisplay,
    ErrorHistogramDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
    SeriesScoreDisplay,
    ThresholdCurveDisplay,
)


def test_every_display_draws_one_kind_of_plot_from_its_own_module():
    for name in plotting.__all__:
        display = getattr(plotting, name)
        assert display.__module__.startswith("sklearn_recon.plotting._")
        assert name.endswith("Display")
        assert hasattr(display, "plot") and hasattr(display, "from_estimator")
    modules = {getattr(plotting, name).__module__ for name in plotting.__all__}
    assert len(modules) == len(plotting.__all__)


def test_displays_take_their_scores_from_the_one_answer(selector, windowed, blobs, monkeypatch):
    # Scores and thresholds come from sklearn_recon.utils._response, whatever
    # the estimator: replacing its answer changes every display alike.
    from sklearn_recon.utils import _response

    _, X_test, y_test = blobs
    fake = np.linspace(0.0, 1.0, len(X_test))
    monkeypatch.setattr(_response, "get_anomaly_score", lambda estimator, X: fake)
    monkeypatch.setattr(_response, "get_threshold", lambda estimator: 0.25)
    display = ErrorDisplay.from_estimator(selector, X_test)
    np.testing.assert_allclose(display.scatter_[0].get_offsets()[:, 1], fake)
    assert display.threshold_line_.get_ydata()[0] == 0.25
    display = ErrorHistogramDisplay.from_estimator(selector, X_test, y_test, bins=4)
    assert [int(bar.get_height()) for bar in display.hist_[1]] == [0, 0, 0, 20]
    assert display.threshold_line_.get_xdata()[0] == 0.25
    values, _ = series()
    display = SeriesScoreDisplay.from_estimator(windowed, values[:100])
    np.testing.assert_allclose(display.score_line_.get_ydata(), fake)
    assert len(display.flagged_.get_offsets()) == np.sum(fake > 0.25)


def test_style_kwargs_aliases_replace_the_defaults(pipeline, selector, blobs):
    # c= / ls= / fc= used to clash with the default color= / linestyle=.
    from matplotlib.colors import to_rgba

    _, X_test, y_test = blobs
    display = ReconstructionDisplay.from_estimator(
        pipeline, X_test, input_kw={"c": "k"}, error_kw={"fc": "y"}
    )
    assert display.input_lines_[0, 0].get_color() == "k"
    assert tuple(display.error_fills_[0, 0].get_facecolor()[0]) == to_rgba("y", 0.5)
    display = ErrorDisplay.from_estimator(pipeline, X_test, y_test, scatter_kw={"c": "k"})
    assert all(tuple(points.get_facecolor()[0]) == to_rgba("k") for points in display.scatter_)
    display = ErrorHistogramDisplay.from_estimator(pipeline, X_test, y_test, hist_kw={"fc": "k"})
    assert all(tuple(bars[0].get_facecolor()) == to_rgba("k", 0.6) for bars in display.hist_)
    display = ThresholdCurveDisplay.from_estimator(selector, curve_kw={"c": "k"})
    assert display.f1_line_.get_color() == "k"
    display = LossCurveDisplay.from_estimator(pipeline, curve_kw={"ls": ":"})
    assert {line.get_linestyle() for line in display.lines_.values()} == {":"}
    with pytest.raises(TypeError, match="Got both c and color"):
        ErrorDisplay.from_estimator(pipeline, X_test, scatter_kw={"c": "k", "color": "r"})


def test_displays_unwrap_frozen_estimators_and_pipelines_in_any_order(pipeline, blobs):
    _, X_test, y_test = blobs
    display = ErrorDisplay.from_estimator(FrozenEstimator(pipeline), X_test, y_test)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(pipeline[-1].threshold_)
    assert display.ax_.get_ylabel() == "Reconstruction error, scaled data"
    assert display.ax_.get_title() == "AutoencoderDetector"
    # a pipeline inside the threshold meta-estimator
    wrapped = ThresholdSelector(
        make_pipeline(MinMaxScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)),
        cv=2,
    ).fit(X_test, y_test)
    display = LossCurveDisplay.from_estimator(wrapped)
    assert set(display.lines_) == {"loss", "val_loss"}
    assert display.ax_.get_title() == "AutoencoderDetector"
    display = ErrorHistogramDisplay.from_estimator(wrapped, X_test)
    assert display.ax_.get_xlabel() == "Reconstruction error, scaled data"
    assert display.threshold_line_.get_xdata()[0] == wrapped.best_threshold_
    display = LossCurveDisplay.from_estimator(
        ThresholdSelector(FrozenEstimator(pipeline)).fit(X_test, y_test)
    )
    np.testing.assert_allclose(display.lines_["loss"].get_ydata(), pipeline[-1].history_["loss"])


# ---------------------------------------------------------------- packaging


def test_the_vae_with_its_latent_terms_plots_an_anomaly_error(blobs):
    from sklearn_recon import VAEDetector

    X_train, X_test, y_test = blobs
    # what the axis is, and where its zero lies
    standardised = "standard deviations from its mean (0 = an average training row)"
    for terms, label in [
        ({}, standardised),
        ({"n_neighbors": None}, standardised),  # the Mahalanobis term alone
        ({"n_neighbors": None, "mahalanobis_weight": 0}, "Reconstruction error"),
    ]:
        vae = VAEDetector(hidden_units=(4,), **terms, **TINY).fit(X_train)
        display = ErrorDisplay.from_estimator(vae, X_test, y_test)
        assert display.ax_.get_ylabel().endswith(label)
        histogram = ErrorHistogramDisplay.from_estimator(vae, X_test, y_test)
        assert histogram.ax_.get_xlabel().endswith(label)
        # the threshold is in the legend, with its value
        assert histogram.ax_.get_legend_handles_labels()[1][-1].startswith("Threshold = ")


def test_import_does_not_load_matplotlib_or_tensorflow():
    code = (
        "import sys, sklearn_recon.plotting; "
        "print('matplotlib' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    "draw",
    [
        lambda: ErrorDisplay.from_predictions(None, [0.1, 0.2]),
        lambda: ErrorHistogramDisplay.from_predictions(None, [0.1, 0.2]),
        lambda: ThresholdCurveDisplay.from_predictions([1, -1], [0.1, 0.2]),
        lambda: CostCurveDisplay.from_predictions([1, -1], [0.1, 0.2], fp_cost=1, fn_cost=2),
        lambda: LossCurveDisplay(history={"loss": [1.0]}).plot(),
        lambda: SeriesScoreDisplay(anomaly_score=[0.1, 0.2]).plot(),
        lambda: ReconstructionDisplay(X=[[0.0, 1.0]], X_reconstructed=[[0.0, 1.0]]).plot(),
    ],
    ids=["error", "histogram", "threshold", "cost", "loss", "series", "reconstruction"],
)
def test_missing_matplotlib_message(draw, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(ImportError, match=r"Install it with: pip install matplotlib"):
        draw()
