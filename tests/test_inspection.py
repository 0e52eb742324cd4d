import numpy as np
import pytest
from _instances import TINY_DETECTORS
from sklearn.compose import make_column_transformer
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import AutoencoderDetector, ThresholdSelector, WindowedDetector
from sklearn_recon.inspection import feature_contributions


@pytest.fixture(scope="module")
def fitted(blobs):
    """One fitted tiny detector of each kind, fitted on demand."""
    X_train = blobs[0]
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = TINY_DETECTORS[name]().fit(X_train, _labels(name, X_train))
        return cache[name]

    return get


def _labels(name, X):
    return None if name != "RNNClassifierDetector" else np.r_[np.ones(len(X) - 40), np.zeros(40)]


@pytest.fixture(scope="module")
def forest(blobs):
    return IsolationForest(n_estimators=50, random_state=0).fit(blobs[0])


@pytest.fixture(scope="module")
def scaled_autoencoder(blobs):
    detector = AutoencoderDetector(hidden_units=(4,), epochs=30, batch_size=32, random_state=0)
    return make_pipeline(StandardScaler(), detector).fit(blobs[0])


@pytest.mark.parametrize("name", sorted(TINY_DETECTORS))
def test_shape_and_finite_for_every_detector(blobs, fitted, name):
    X = blobs[1][:7]
    contributions = feature_contributions(fitted(name), X)
    assert contributions.shape == X.shape
    assert contributions.dtype == np.float64
    assert np.isfinite(contributions).all()


@pytest.mark.parametrize("method", ["occlusion", "shapley"])
@pytest.mark.parametrize("background", [None, "training"])
def test_model_agnostic_finds_a_planted_feature(method, background):
    rng = np.random.RandomState(0)
    X_train = rng.normal(size=(300, 6))
    forest = IsolationForest(n_estimators=50, random_state=0).fit(X_train)
    X = rng.normal(size=(30, 6))
    planted = np.arange(30) % 6
    X[np.arange(30), planted] += 6.0
    background = None if background is None else X_train[:20]
    contributions = feature_contributions(
        forest, X, method=method, background=background, random_state=0
    )
    np.testing.assert_array_equal(contributions.argmax(axis=1), planted)


@pytest.mark.parametrize("method", ["auto", "repair"])
def test_reconstruction_finds_a_planted_feature(blobs, scaled_autoencoder, method):
    X = blobs[1][:20].copy()
    X[np.arange(20), np.arange(20) % 12] += 5.0 * blobs[0].std(axis=0)[np.arange(20) % 12]
    contributions = feature_contributions(scaled_autoencoder, X, method=method)
    np.testing.assert_array_equal(contributions.argmax(axis=1), np.arange(20) % 12)


def test_residual_adds_up_to_the_anomaly_score(blobs, fitted):
    detector, X = fitted("AutoencoderDetector"), blobs[1]
    contributions = feature_contributions(detector, X, method="residual")
    np.testing.assert_allclose(contributions.sum(axis=1), -detector.score_samples(X), rtol=1e-5)


def test_repair_of_the_largest_residuals_only(blobs, scaled_autoencoder):
    X = blobs[1][:10]
    residual = feature_contributions(scaled_autoencoder, X, method="residual")
    every = feature_contributions(scaled_autoencoder, X, method="repair", n_repaired=None)
    some = feature_contributions(scaled_autoencoder, X, method="repair", n_repaired=3)
    repaired = np.argsort(-residual, axis=1)[:, :3]
    others = np.ones(X.shape, dtype=bool)
    np.put_along_axis(others, repaired, False, axis=1)
    np.testing.assert_allclose(some[~others], every[~others])
    np.testing.assert_allclose(some[others], residual[others])


def test_shapley_adds_up_to_the_score_above_the_background(blobs, forest):
    X, background = blobs[1][:10], blobs[0][:1]
    contributions = feature_contributions(
        forest, X, method="shapley", background=background, n_permutations=3, random_state=0
    )
    expected = forest.score_samples(background) - forest.score_samples(X)
    np.testing.assert_allclose(contributions.sum(axis=1), expected, atol=1e-12)


def test_a_scaler_passes_the_contributions_through(blobs, scaled_autoencoder):
    X = blobs[1][:10]
    scaler, detector = scaled_autoencoder[0], scaled_autoencoder[-1]
    np.testing.assert_allclose(
        feature_contributions(scaled_autoencoder, X),
        feature_contributions(detector, scaler.transform(X)),
    )


def test_column_selection_maps_back_to_the_input_features(blobs):
    X_train, X = blobs[0], blobs[1][:10]
    kept = [0, 2, 3, 5, 7, 11]
    selector = make_column_transformer((StandardScaler(), kept), remainder="drop")
    pipe = make_pipeline(selector, IsolationForest(n_estimators=20, random_state=0)).fit(X_train)
    contributions = feature_contributions(pipe, X)
    dropped = np.setdiff1d(np.arange(12), kept)
    assert np.all(contributions[:, dropped] == 0)
    np.testing.assert_allclose(
        contributions[:, kept], feature_contributions(pipe[-1], pipe[0].transform(X))
    )


def test_through_a_threshold_selector(blobs):
    X_train, X_test, y_test = blobs
    selector = ThresholdSelector(IsolationForest(n_estimators=20, random_state=0), cv=2)
    selector.fit(np.vstack([X_train[:100], X_test]), np.r_[np.ones(100), y_test])
    np.testing.assert_allclose(
        feature_contributions(selector, X_test[:5]),
        feature_contributions(selector.estimator_, X_test[:5]),
    )


def test_windowed_detector_per_time_step(blobs):
    series = blobs[0][:, :3]
    windowed = WindowedDetector(IsolationForest(n_estimators=20, random_state=0), 4, stride=2)
    windowed.fit(series)
    contributions = feature_contributions(windowed, series[:31])
    assert contributions.shape == (31, 3)
    assert np.isfinite(contributions).all()


def test_bad_input(blobs, forest):
    X = blobs[1][:5]
    with pytest.raises(NotFittedError):
        feature_contributions(IsolationForest(), X)
    with pytest.raises(ValueError, match="X has 3 features"):
        feature_contributions(forest, X[:, :3])
    classifier = LogisticRegression().fit(X, [0, 1, 0, 1, 0])
    with pytest.raises(TypeError, match="not an outlier detector"):
        feature_contributions(classifier, X)
    with pytest.raises(ValueError, match="method must be one of"):
        feature_contributions(forest, X, method="lime")
    with pytest.raises(ValueError, match="n_permutations must be"):
        feature_contributions(forest, X, method="shapley", n_permutations=0)
    with pytest.raises(ValueError, match="reconstructs its input"):
        feature_contributions(forest, X, method="repair")
