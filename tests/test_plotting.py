"""The displays of sklearn_recon.plotting: what they draw, and their errors."""

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _instances import TINY  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from sklearn_recon import (  # noqa: E402
    AutoencoderDetector,
    CostThreshold,
    LSTMAutoencoderDetector,
    ThresholdSelector,
    VAEDetector,
    WindowedDetector,
)
from sklearn_recon.metrics import cost_curve, threshold_curve  # noqa: E402
from sklearn_recon.plotting import (  # noqa: E402
    ErrorDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
    SeriesScoreDisplay,
    ThresholdCurveDisplay,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def pipeline(blobs):
    X_train, _, _ = blobs
    return make_pipeline(
        MinMaxScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)
    ).fit(X_train)


@pytest.fixture(scope="module")
def vae(blobs):
    return VAEDetector(hidden_units=(4,), latent_dim=2, **TINY).fit(blobs[0])


@pytest.fixture(scope="module")
def selector(blobs):
    _, X_test, y_test = blobs
    return ThresholdSelector(IsolationForest(n_estimators=20, random_state=0), cv=3).fit(
        X_test, y_test
    )


@pytest.fixture(scope="module")
def cost_threshold(blobs):
    _, X_test, y_test = blobs
    return CostThreshold(
        IsolationForest(n_estimators=20, random_state=0), fp_cost=5, fn_cost=100, cv=3
    ).fit(X_test, y_test)


def _series():
    t = np.arange(400)
    series = np.c_[np.sin(t / 6), np.cos(t / 6)]
    series[250:270] += 2.5
    y = np.ones(400, dtype=int)
    y[250:270] = -1
    return series, y


def _labels(ax):
    return ax.get_legend_handles_labels()[1]


# -------------------------------------------------------- ReconstructionDisplay


def test_reconstruction_display_draws_rows_and_reconstruction(pipeline, blobs):
    _, X_test, y_test = blobs
    display = ReconstructionDisplay.from_estimator(
        pipeline, X_test, index=[0, 95], y=y_test
    )
    X_scaled = pipeline[0].transform(X_test[[0, 95]])
    X_rec = pipeline[-1].reconstruct(X_scaled)
    assert display.ax_.shape == (1, 2)
    for col in range(2):
        np.testing.assert_allclose(display.input_lines_[0, col].get_ydata(), X_scaled[col])
        np.testing.assert_allclose(
            display.reconstruction_lines_[0, col].get_ydata(), X_rec[col]
        )
        assert display.error_fills_[0, col] in display.ax_[0, col].collections
    titles = [ax.get_title() for ax in display.ax_[0]]
    assert titles[0].startswith("Row 0") and titles[0].endswith("(normal)")
    assert titles[1].startswith("Row 95") and titles[1].endswith("(anomaly)")
    assert "scaled" in display.ax_[0, 0].get_ylabel()
    assert _labels(display.ax_[0, 0]) == ["Input", "Reconstruction", "Error"]
    assert display.figure_ is display.ax_[0, 0].figure


def test_reconstruction_display_one_panel_per_channel():
    series, _ = _series()
    X = series[:240].reshape(12, 20 * 2)  # 12 sequences of 20 steps, 2 channels
    detector = LSTMAutoencoderDetector(
        n_channels=2, units=2, early_stopping=False, **TINY
    ).fit(X)
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
    display = ReconstructionDisplay(X=X[:1], X_reconstructed=X[:1] + 1, name="toy").plot(
        ax=ax
    )
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
    forest = IsolationForest(n_estimators=5, random_state=0).fit(X_test)
    with pytest.raises(TypeError, match="reconstruct method.*IsolationForest"):
        ReconstructionDisplay.from_estimator(forest, X_test)
    with pytest.raises(ValueError, match="anomaly_label=1 is not among"):
        ReconstructionDisplay.from_estimator(
            pipeline, X_test, y=np.zeros(100), anomaly_label=1
        )


# --------------------------------------------------------------- ErrorDisplay


def test_error_display_from_estimator(pipeline, blobs):
    _, X_test, y_test = blobs
    display = ErrorDisplay.from_estimator(pipeline, X_test, y_test)
    scores = -pipeline.score_samples(X_test)
    normal, anomaly = display.scatter_
    np.testing.assert_allclose(normal.get_offsets()[:, 1], scores[y_test == 1])
    np.testing.assert_allclose(anomaly.get_offsets()[:, 0], np.flatnonzero(y_test == -1))
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(
        pipeline[-1].threshold_
    )
    assert _labels(display.ax_)[:2] == ["Normal", "Anomaly"]
    assert _labels(display.ax_)[2].startswith("Threshold = ")
    assert display.ax_.get_ylabel() == "Reconstruction error, scaled data"
    assert display.hist_ is None


def test_error_display_histogram_of_training_errors(pipeline, blobs):
    X_train = blobs[0]
    display = ErrorDisplay.from_estimator(pipeline, X_train, kind="hist", bins=20)
    (bars,) = display.hist_
    assert len(bars) == 20
    assert sum(bar.get_height() for bar in bars) == len(X_train)
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(
        pipeline[-1].threshold_
    )
    assert display.ax_.get_xlabel().startswith("Reconstruction error")


def test_error_display_scikit_learn_detector_threshold(blobs):
    X_train, X_test, y_test = blobs
    forest = IsolationForest(n_estimators=20, random_state=0).fit(X_train)
    display = ErrorDisplay.from_estimator(forest, X_test, y_test)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(-forest.offset_)
    # above the line exactly the predicted anomalies
    scores = np.r_[[c.get_offsets()[:, 1] for c in display.scatter_][0],
                   display.scatter_[1].get_offsets()[:, 1]]
    order = np.r_[np.flatnonzero(y_test == 1), np.flatnonzero(y_test == -1)]
    np.testing.assert_array_equal(
        scores > -forest.offset_, forest.predict(X_test[order]) == -1
    )


def test_error_display_threshold_meta_estimator(selector, blobs):
    _, X_test, y_test = blobs
    display = ErrorDisplay.from_estimator(selector, X_test, y_test)
    assert display.threshold_line_.get_ydata()[0] == selector.best_threshold_
    assert display.ax_.get_ylabel() == "Anomaly score (-score_samples)"
    assert display.ax_.get_title() == "ThresholdSelector"


def test_error_display_from_predictions_and_errors():
    scores = np.array([0.1, 0.2, 0.9])
    display = ErrorDisplay.from_predictions(None, scores)
    assert display.threshold_line_ is None
    assert _labels(display.ax_) == ["Samples"]
    with pytest.raises(ValueError, match="Found input variables with inconsistent"):
        ErrorDisplay.from_predictions([1, -1], scores)
    with pytest.raises(ValueError, match="anomaly_label=-1 is not among"):
        ErrorDisplay.from_predictions([0, 1, 1], scores)
    with pytest.raises(ValueError, match="NaN or infinite"):
        ErrorDisplay.from_predictions(None, [0.1, np.nan])
    with pytest.raises(ValueError, match='kind must be "samples" or "hist"'):
        ErrorDisplay.from_predictions(None, scores, kind="violin")


# ------------------------------------------------------ ThresholdCurveDisplay


def test_threshold_curve_display_from_selector(selector):
    display = ThresholdCurveDisplay.from_estimator(selector)
    results = selector.cv_results_
    finite = np.isfinite(results["thresholds"])
    np.testing.assert_allclose(display.f1_line_.get_xdata(), results["thresholds"][finite])
    np.testing.assert_allclose(display.f1_line_.get_ydata(), results["scores"][finite])
    np.testing.assert_allclose(
        display.precision_line_.get_ydata(), results["precision"][finite]
    )
    np.testing.assert_allclose(display.recall_line_.get_ydata(), results["recall"][finite])
    assert display.best_marker_.get_xdata()[0] == selector.best_threshold_
    assert display.best_marker_.get_ydata()[0] == selector.best_score_
    assert display.cost_line_ is None
    assert _labels(display.ax_)[:3] == ["Precision", "Recall", "F1"]


def test_threshold_curve_display_from_cost_threshold(cost_threshold, blobs):
    _, _, y_test = blobs
    display = ThresholdCurveDisplay.from_estimator(cost_threshold)
    n_anomalies = np.sum(y_test == -1)
    assert display.base_cost_line_.get_ydata()[0] == n_anomalies * 100
    assert display.best_marker_.get_xdata()[0] == cost_threshold.best_threshold_
    assert display.best_marker_.get_ydata()[0] == cost_threshold.best_cost_
    costs = cost_threshold.cv_results_["costs"]
    np.testing.assert_allclose(display.cost_line_.get_ydata(), costs[:-1])
    assert display.f1_line_ is None
    assert "Base cost" in _labels(display.ax_)[1]


def test_threshold_curve_display_from_predictions_matches_selector(blobs):
    # A frozen (prefitted) detector: the meta-estimator scores the given rows
    # once, so from_predictions on the same scores must agree with it.
    from sklearn.frozen import FrozenEstimator

    X_train, X_test, y_test = blobs
    forest = IsolationForest(n_estimators=20, random_state=0).fit(X_train)
    scores = -forest.score_samples(X_test)
    selector = ThresholdSelector(FrozenEstimator(forest)).fit(X_test, y_test)
    display = ThresholdCurveDisplay.from_predictions(y_test, scores)
    assert display.best_threshold == pytest.approx(selector.best_threshold_)
    assert display.best_value == pytest.approx(selector.best_score_)
    _, _, f1, thresholds = threshold_curve(y_test, scores)
    np.testing.assert_allclose(display.f1_line_.get_ydata(), f1[:-1])

    model = CostThreshold(FrozenEstimator(forest), fp_cost=5, fn_cost=100).fit(X_test, y_test)
    display = ThresholdCurveDisplay.from_predictions(y_test, scores, fp_cost=5, fn_cost=100)
    costs, _ = cost_curve(y_test, scores, fp_cost=5, fn_cost=100)
    np.testing.assert_allclose(display.cost_line_.get_ydata(), costs[:-1])
    assert display.best_threshold == pytest.approx(model.best_threshold_)
    assert display.best_value == pytest.approx(model.best_cost_)
    assert display.base_cost_line_.get_ydata()[0] == 20 * 100


def test_threshold_curve_display_errors(blobs):
    _, X_test, y_test = blobs
    with pytest.raises(TypeError, match="needs a ThresholdSelector or a CostThreshold"):
        ThresholdCurveDisplay.from_estimator(IsolationForest().fit(X_test))
    with pytest.raises(NotFittedError):
        ThresholdCurveDisplay.from_estimator(ThresholdSelector(IsolationForest()))
    with pytest.raises(ValueError, match="Give both fp_cost and fn_cost"):
        ThresholdCurveDisplay.from_predictions(y_test, np.arange(100.0), fp_cost=1)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ThresholdCurveDisplay.from_predictions(y_test, np.arange(99.0))
    with pytest.raises(ValueError, match="one value per threshold"):
        ThresholdCurveDisplay(thresholds=[0.1, 0.2], costs=[1.0]).plot()
    selector = ThresholdSelector(
        IsolationForest(n_estimators=5, random_state=0), method="balanced_accuracy", cv=2
    ).fit(X_test, y_test)
    with pytest.raises(ValueError, match="method='balanced_accuracy'"):
        ThresholdCurveDisplay.from_estimator(selector)


# ----------------------------------------------------------- LossCurveDisplay


def test_loss_curve_display_from_pipeline(pipeline):
    display = LossCurveDisplay.from_estimator(pipeline)
    history = pipeline[-1].history_
    assert set(display.lines_) == {"loss", "val_loss"}
    for key, line in display.lines_.items():
        np.testing.assert_allclose(line.get_ydata(), history[key])
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(history[key]) + 1))
    assert display.ax_.get_xlabel() == "Epoch"
    assert all(float(tick).is_integer() for tick in display.ax_.get_xticks())
    assert _labels(display.ax_)[:2] == ["training", "validation"]
    best = pipeline[-1].best_epoch_
    assert display.best_epoch_lines_[0].get_xdata()[0] == best + 1


def test_loss_curve_display_vae_parts(vae):
    display = LossCurveDisplay.from_estimator(vae)
    assert display.ax_.shape == (3,)
    assert [ax.get_ylabel() for ax in display.ax_] == [
        "Loss", "KL loss", "Reconstruction loss"
    ]
    assert set(display.lines_) == set(vae.history_)
    assert all(len(line.get_ydata()) == vae.n_iter_ for line in display.lines_.values())


def test_loss_curve_display_errors(blobs):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(AutoencoderDetector())
    forest = IsolationForest(n_estimators=5).fit(blobs[0])
    with pytest.raises(TypeError, match="IsolationForest has none"):
        LossCurveDisplay.from_estimator(forest)
    with pytest.raises(ValueError, match="same length"):
        LossCurveDisplay(history={"loss": [1, 2, 3], "val_loss": [1, 2]}).plot()
    with pytest.raises(ValueError, match="history is empty"):
        LossCurveDisplay(history={}).plot()


# --------------------------------------------------------- SeriesScoreDisplay


@pytest.fixture(scope="module")
def windowed():
    series, _ = _series()
    return WindowedDetector(
        IsolationForest(n_estimators=20, contamination=0.02, random_state=0),
        window_size=12,
        stride=2,
    ).fit(series[:240])


def test_series_score_display(windowed):
    pd = pytest.importorskip("pandas")
    series, y = _series()
    frame = pd.DataFrame(
        series,
        columns=["a", "b"],
        index=pd.date_range("2024-01-01", periods=len(series), freq="2min"),
    )
    display = SeriesScoreDisplay.from_estimator(windowed, frame, y)
    series_ax, score_ax = display.ax_
    scores = -windowed.score_samples(series)
    np.testing.assert_allclose(display.score_line_.get_ydata(), scores)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(-windowed.offset_)
    n_flagged = np.sum(windowed.predict(series) == -1)
    assert len(display.flagged_.get_offsets()) == n_flagged > 0
    assert [line.get_label() for line in display.series_lines_] == ["a", "b"]
    np.testing.assert_allclose(display.series_lines_[1].get_ydata(), series[:, 1])
    # one labelled region, shaded in both panels
    assert len(display.regions_) == 2
    assert display.regions_[0] in series_ax.patches
    assert display.regions_[1] in score_ax.patches
    assert "Labelled anomaly" in _labels(score_ax)


def test_series_score_display_scores_only(windowed):
    series, _ = _series()
    display = SeriesScoreDisplay.from_estimator(windowed, series, show_series=False)
    assert display.series_lines_ == [] and display.regions_ == []
    assert display.ax_.get_xlabel() == "Time"
    with pytest.raises(ValueError, match="series has 3 time steps"):
        SeriesScoreDisplay(anomaly_score=[0.1, 0.2], series=np.ones((3, 2))).plot()
    with pytest.raises(ValueError, match="is_anomaly has 3 time steps"):
        SeriesScoreDisplay(anomaly_score=[0.1, 0.2], is_anomaly=[True, False, True]).plot()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SeriesScoreDisplay.from_estimator(windowed, series, y=np.r_[-1, np.ones(9)])


# ------------------------------------------------- review fixes, all displays


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
    assert all(
        tuple(points.get_facecolor()[0]) == to_rgba("k") for points in display.scatter_
    )
    display = ThresholdCurveDisplay.from_estimator(selector, curve_kw={"c": "k"})
    assert display.f1_line_.get_color() == "k"
    display = LossCurveDisplay.from_estimator(pipeline, curve_kw={"ls": ":"})
    assert {line.get_linestyle() for line in display.lines_.values()} == {":"}
    with pytest.raises(TypeError, match="Got both c and color"):
        ErrorDisplay.from_estimator(
            pipeline, X_test, scatter_kw={"c": "k", "color": "r"}
        )


def test_displays_unwrap_frozen_estimators_and_pipelines_in_any_order(pipeline, blobs):
    from sklearn.frozen import FrozenEstimator

    _, X_test, y_test = blobs
    display = ErrorDisplay.from_estimator(FrozenEstimator(pipeline), X_test, y_test)
    assert display.threshold_line_.get_ydata()[0] == pytest.approx(
        pipeline[-1].threshold_
    )
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
    display = LossCurveDisplay.from_estimator(
        ThresholdSelector(FrozenEstimator(pipeline)).fit(X_test, y_test)
    )
    np.testing.assert_allclose(
        display.lines_["loss"].get_ydata(), pipeline[-1].history_["loss"]
    )


def test_series_score_display_list_of_lists(windowed):
    # list.index is a method, not a time axis
    series, y = _series()
    display = SeriesScoreDisplay.from_estimator(windowed, series.tolist(), y)
    np.testing.assert_array_equal(
        display.score_line_.get_xdata(), np.arange(len(series))
    )
    labels = [line.get_label() for line in display.series_lines_]
    assert labels == ["Channel 0", "Channel 1"]


def test_threshold_curve_marker_lies_on_the_step_curve(blobs):
    # score >= t flags the same rows for every t in (thresholds[i-1],
    # thresholds[i]]: the curve holds values[i] to the left of thresholds[i],
    # and the chosen threshold (between two scores) sits on that step.
    X_train, X_test, y_test = blobs
    forest = IsolationForest(n_estimators=20, random_state=0).fit(X_train)
    scores = -forest.score_samples(X_test)
    for kwargs, attr in (({}, "f1_line_"), ({"fp_cost": 5, "fn_cost": 100}, "cost_line_")):
        display = ThresholdCurveDisplay.from_predictions(y_test, scores, **kwargs)
        line = getattr(display, attr)
        assert line.get_drawstyle() == "steps-pre"
        x, values = line.get_xdata(), line.get_ydata()
        step = np.searchsorted(x, display.best_threshold, side="left")
        assert x[step - 1] < display.best_threshold <= x[step]
        assert values[step] == display.best_value


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


def test_error_display_scores_a_threshold_meta_estimator_through_it(
    selector, blobs, monkeypatch
):
    _, X_test, _ = blobs
    fake = np.linspace(0.0, 1.0, len(X_test))
    monkeypatch.setattr(selector, "_scores", lambda X: fake)
    display = ErrorDisplay.from_estimator(selector, X_test)
    np.testing.assert_allclose(display.scatter_[0].get_offsets()[:, 1], fake)


# ---------------------------------------------------------------- packaging


def test_import_does_not_load_matplotlib_or_tensorflow():
    code = (
        "import sys, sklearn_recon.plotting; "
        "print('matplotlib' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_missing_matplotlib_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(ImportError, match=r"pip install sklearn-recon\[plot\]"):
        ErrorDisplay.from_predictions(None, [0.1, 0.2])
