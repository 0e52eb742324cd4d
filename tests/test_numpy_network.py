"""The NumPy route of scoring computes what the Keras network computes."""

import numpy as np
import pytest

from sklearn_recon import (
    AutoencoderDetector,
    LSTMAutoencoderDetector,
    LSTMForecastDetector,
    RNNClassifierDetector,
    VAEDetector,
)
from sklearn_recon.autoencoder import _ACTIVATIONS

CASES = [
    *(AutoencoderDetector(hidden_units=(8, 4), activation=name) for name in sorted(_ACTIVATIONS)),
    VAEDetector(hidden_units=(8, 4), latent_dim=2),
    VAEDetector(hidden_units=(8,), activation="gelu"),
    LSTMAutoencoderDetector(units=8, conv_filters=4),
    LSTMAutoencoderDetector(units=(8, 4), downsample=1),
    LSTMAutoencoderDetector(units=(8, 4), cell="gru", downsample=3, conv_filters=4),
    LSTMAutoencoderDetector(units=4, n_channels=2, downsample=5, conv_filters=4),
    LSTMForecastDetector(units=(8, 4), n_channels=2),
    RNNClassifierDetector(units=8, conv_filters=4),
    RNNClassifierDetector(units=(8, 4), cell="lstm", bidirectional=True, dropout=0.2),
    RNNClassifierDetector(units=4, cell="gru", bidirectional=True, downsample=1),
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = np.sin(np.linspace(0, 6, 40) + rng.uniform(0, 6, size=(60, 1)))
    X += 0.1 * rng.normal(size=X.shape)
    y = np.r_[np.ones(45), -np.ones(15)]
    return X, y


@pytest.mark.parametrize("detector", CASES, ids=repr)
def test_numpy_scores_match_the_network(detector, data):
    keras = pytest.importorskip("keras")
    X, y = data
    detector.set_params(epochs=1, random_state=0)
    detector.fit(X, y if isinstance(detector, RNNClassifierDetector) else None)
    assert detector._inference._numpy is not None  # every network of ours has a NumPy route
    x = detector._model_input(X).astype(np.float32)
    in_graph = keras.ops.convert_to_numpy(detector._network_error(x))
    # the VAE's standardised neighbour distance comes from a difference of
    # squares in float32: a few 1e-6 of rounding, divided by its small spread
    atol = 5e-5 if isinstance(detector, VAEDetector) else 1e-6
    np.testing.assert_allclose(-detector.score_samples(X), in_graph, rtol=1e-5, atol=atol)


def test_a_network_without_numpy_version_is_scored_in_a_compiled_graph(data, monkeypatch):
    import pickle

    X, _ = data
    detector = LSTMAutoencoderDetector(units=8, conv_filters=4, epochs=1, random_state=0).fit(X)
    monkeypatch.setattr(LSTMAutoencoderDetector, "_numpy_network", lambda self, model: None)
    compiled = pickle.loads(pickle.dumps(detector))  # rebuilt: no NumPy route now
    assert compiled._inference._numpy is None
    np.testing.assert_allclose(
        compiled.score_samples(X), detector.score_samples(X), rtol=1e-5, atol=1e-6
    )
    row = compiled.score_samples(X[:1])  # the graph's blocks keep rows independent too
    np.testing.assert_array_equal(row, compiled.score_samples(X)[:1])
