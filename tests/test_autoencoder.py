import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector
from sklearn_recon._studies._protocol import ecg5000_split, evaluate


@pytest.fixture(scope="module")
def fitted(blobs):
    return AutoencoderDetector(
        hidden_units=(16, 3), epochs=30, learning_rate=0.01, random_state=0
    ).fit(blobs[0])


def test_reconstruct_and_per_feature_errors(fitted, blobs):
    X_test = blobs[1]
    reconstruction = fitted.reconstruct(X_test)
    assert reconstruction.shape == X_test.shape
    per_feature = fitted.reconstruction_error(X_test, per_feature=True)
    # the network and its errors run in float32 (eps 1.2e-7): the squared
    # difference of values near 1 is exact to about 1e-6 absolute
    np.testing.assert_allclose(per_feature, (X_test - reconstruction) ** 2, atol=1e-6)
    np.testing.assert_allclose(per_feature.mean(axis=1), -fitted.score_samples(X_test), rtol=1e-5)
    np.testing.assert_array_equal(
        fitted.reconstruction_error(X_test), -fitted.score_samples(X_test)
    )


def test_mae_loss_scores_absolute_errors(blobs):
    detector = AutoencoderDetector(hidden_units=(4,), epochs=2, loss="mae", random_state=0)
    detector.fit(blobs[0])
    X_test = blobs[1]
    diff = X_test - detector.reconstruct(X_test)
    np.testing.assert_allclose(
        -detector.score_samples(X_test),
        np.abs(diff).mean(axis=1),
        rtol=1e-5,  # float32
    )


def test_perturbing_one_feature_shows_in_its_error(fitted, blobs):
    x = blobs[1][:1].copy()
    x[0, 7] += 5.0
    assert np.argmax(fitted.reconstruction_error(x, per_feature=True)[0]) == 7


def test_network_mirrors_hidden_units(fitted):
    widths = [layer.units for layer in fitted.model_.layers if hasattr(layer, "units")]
    assert widths == [16, 3, 16, 12]


def test_noise_changes_training_but_not_inference(blobs):
    X_train, X_test, _ = blobs
    params = dict(hidden_units=(4,), epochs=3, random_state=0)
    clean = AutoencoderDetector(**params).fit(X_train)
    noisy = AutoencoderDetector(noise_std=0.3, **params).fit(X_train)
    assert not np.allclose(clean.score_samples(X_test), noisy.score_samples(X_test))
    np.testing.assert_array_equal(noisy.score_samples(X_test), noisy.score_samples(X_test))


def test_single_int_hidden_units(blobs):
    detector = AutoencoderDetector(hidden_units=3, epochs=1, random_state=0).fit(blobs[0])
    assert [layer.units for layer in detector.model_.layers if hasattr(layer, "units")] == [3, 12]


def test_ecg5000_protocol():
    """The ARCHITECTURE.md protocol on the bundled data, with a network small enough for CI."""
    X_train, X_test, y_train, y_test = ecg5000_split()
    pipe = make_pipeline(
        MinMaxScaler(),
        AutoencoderDetector(hidden_units=(32, 16), epochs=40, batch_size=64, random_state=0),
    ).fit(X_train[y_train == 1])
    metrics = evaluate(pipe, X_test, y_test)
    assert metrics["roc_auc"] >= 0.98
