"""The NumPy route of scoring computes what the Keras network computes."""

import numpy as np
import pytest
from _instances import DETECTOR_NAMES, SUPERVISED, tiny_detector

from sklearn_recon import (
    AutoencoderDetector,
    LSTMAutoencoderDetector,
    RNNClassifierDetector,
    VAEDetector,
)
from sklearn_recon.autoencoder import _ACTIVATIONS
from sklearn_recon.utils._keras import inference_route, numpy_route_agrees
from sklearn_recon.utils._numpy_network import PROBE_ROWS, NumpyChain, from_spec

#: Every detector of the registry in its tiny configuration, then variants
#: that reach the other layers and options of the NumPy route.
CASES = [
    *(tiny_detector(name, n_channels=2, anomaly_label=-1) for name in DETECTOR_NAMES),
    *(AutoencoderDetector(hidden_units=(8, 4), activation=name) for name in sorted(_ACTIVATIONS)),
    VAEDetector(hidden_units=(8,), activation="gelu"),
    LSTMAutoencoderDetector(units=(8, 4), downsample=1),
    LSTMAutoencoderDetector(units=(8, 4), cell="gru", downsample=3, conv_filters=4),
    LSTMAutoencoderDetector(units=4, n_channels=2, downsample=5, conv_filters=4),
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
    detector.fit(X, y if type(detector).__name__ in SUPERVISED else None)
    # every network of ours has a NumPy version, taken where the route table says
    assert detector._numpy_network(detector.model_) is not None
    route = inference_route(keras.config.backend(), detector.model_)
    assert (detector._inference.numpy_network is not None) == (route == "numpy")
    x = detector._model_input(X).astype(np.float32)
    in_graph = keras.ops.convert_to_numpy(detector._network_error(x))
    # the VAE's standardised latent distances: the latent code's float32
    # rounding (a few 1e-6) divided by their small spread
    atol = 5e-5 if isinstance(detector, VAEDetector) else 1e-6
    np.testing.assert_allclose(-detector.score_samples(X), in_graph, rtol=1e-5, atol=atol)
    # rebuilt from its spec (what save stores), the NumPy network is the same
    network = detector._numpy_network(detector.model_)
    rebuilt = from_spec(_plain(network.to_spec()))
    np.testing.assert_array_equal(detector._error_ops(rebuilt, x), detector._error_ops(network, x))


def _plain(spec):
    """``spec``, checked to hold plain values and float32 arrays only (what save stores)."""
    if isinstance(spec, dict):
        assert all(isinstance(key, str) for key in spec)
        return {key: _plain(value) for key, value in spec.items()}
    if isinstance(spec, list):
        return [_plain(value) for value in spec]
    if isinstance(spec, np.ndarray):
        assert spec.dtype == np.float32
        return spec.copy()
    assert isinstance(spec, (str, int, bool)), spec
    return spec


def test_a_network_without_numpy_version_is_scored_in_a_compiled_graph(data, monkeypatch, tmp_path):
    import pickle

    from sklearn_recon import load, save

    X, _ = data
    detector = LSTMAutoencoderDetector(units=8, conv_filters=4, epochs=1, random_state=0).fit(X)
    monkeypatch.setattr(LSTMAutoencoderDetector, "_numpy_network", lambda self, model: None)
    compiled = pickle.loads(pickle.dumps(detector))  # rebuilt: no NumPy route now
    assert compiled._inference.numpy_network is None
    np.testing.assert_allclose(
        compiled.score_samples(X), detector.score_samples(X), rtol=1e-5, atol=1e-6
    )
    row = compiled.score_samples(X[:1])  # the graph's blocks keep rows independent too
    np.testing.assert_array_equal(row, compiled.score_samples(X)[:1])
    save(compiled, tmp_path / "compiled.skr")  # without a NumPy route to store
    loaded = load(tmp_path / "compiled.skr")
    assert "model_" in vars(loaded)  # so loaded through Keras, as before routes were stored
    np.testing.assert_array_equal(loaded.score_samples(X), compiled.score_samples(X))


# ------------------------------------------------- one layer at a time, random weights


def _layer_cases():
    from keras import layers

    dense = [layers.Dense(5, activation=name) for name in sorted(_ACTIVATIONS | {"linear"})]
    recurrent = [
        layers.LSTM(4),  # tanh / sigmoid: the fused gates
        layers.LSTM(4, return_sequences=True, go_backwards=True),
        layers.LSTM(4, activation="relu", use_bias=False),  # the general step
        layers.GRU(4),
        layers.GRU(4, return_sequences=True, go_backwards=True),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
        layers.Bidirectional(layers.GRU(3)),
    ]
    return [
        *(((6,), layer) for layer in dense),
        ((6,), layers.Dense(5, use_bias=False)),
        ((7, 3), layers.Dense(5, activation="tanh")),  # on every step
        ((9, 3), layers.Conv1D(4, 3, padding="same", activation="relu")),
        ((9, 3), layers.Conv1D(4, 3, strides=2, padding="same")),
        ((10, 3), layers.Conv1D(4, 4, strides=3, padding="valid")),
        *(((7, 3), layer) for layer in recurrent),
        ((7, 3), layers.TimeDistributed(layers.Dense(4, activation="relu"))),
        ((6,), layers.RepeatVector(3)),
        ((12,), layers.Reshape((4, 3))),
        ((9, 3), layers.Cropping1D((2, 1))),
        ((6,), layers.GaussianNoise(0.5)),
        ((6,), layers.Dropout(0.5)),
    ]


def _with_random_weights(model, seed=0):
    """Weights far from their initial values (biases included), so that every
    term of a layer's formula shows in its output."""
    rng = np.random.RandomState(seed)
    model.set_weights([rng.normal(scale=0.6, size=w.shape) for w in model.get_weights()])
    return model


def _block(shape, seed=1, n_rows=PROBE_ROWS):
    return np.random.RandomState(seed).normal(size=(n_rows, *shape)).astype(np.float32)


LAYER_CASES = _layer_cases()


@pytest.mark.parametrize(
    "shape, layer",
    LAYER_CASES,
    ids=[f"{type(layer).__name__}-{i}" for i, (_, layer) in enumerate(LAYER_CASES)],
)
def test_every_numpy_layer_computes_its_keras_layer(shape, layer):
    import keras

    inputs = keras.Input(shape)
    model = _with_random_weights(keras.Model(inputs, layer(inputs)))
    chain = NumpyChain.of(model)
    assert chain is not None, f"{type(layer).__name__} has a NumPy version"
    x = _block(shape)
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    got = chain(x)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(from_spec(_plain(chain.to_spec()))(x), got)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6 * scale)


def _wide_networks():
    """Networks wide enough that a BLAS tiles their products' rows."""
    import keras
    from keras import layers

    def chain(shape, *stack):
        inputs = keras.Input(shape)
        x = inputs
        for layer in stack:
            x = layer(x)
        return _with_random_weights(keras.Model(inputs, x))

    return [
        chain((20,), layers.Dense(64, activation="tanh"), layers.Dense(32), layers.Dense(20)),
        chain((12, 2), layers.Conv1D(32, 3, strides=2, padding="same"), layers.GRU(24)),
        chain((9, 3), layers.LSTM(32, return_sequences=True), layers.Dense(16)),
    ]


def test_a_row_computes_the_same_alone_and_at_any_position_among_others():
    """Products of several rows round a row differently at another position
    of the BLAS's tiles (OpenBLAS on Haswell: rows 0-5 and 6-11 of a
    32-row product differ); the chain computes every row on its own."""
    pytest.importorskip("keras")
    for model in _wide_networks():
        chain = NumpyChain.of(model)
        x = _block(model.input_shape[1:], n_rows=45)
        together = chain(x)
        alone = np.concatenate([chain(x[i : i + 1]) for i in range(len(x))])
        np.testing.assert_array_equal(alone, together)
        for shift in (1, 6, 13):  # every row at another position
            np.testing.assert_array_equal(np.roll(chain(np.roll(x, shift, 0)), -shift, 0), together)
        unaligned = np.empty(x.size + 1, np.float32)[1:].reshape(x.shape)  # 4 bytes off
        unaligned[...] = x
        np.testing.assert_array_equal(chain(unaligned), together)


# ------------------------------------------------------- what the NumPy route refuses


def _shared_dense_model(n_features=6):
    """One Dense layer applied twice: a chain for model.layers, not in its graph."""
    import keras

    inputs = keras.Input((n_features,))
    shared = keras.layers.Dense(n_features, activation="tanh")
    hidden = keras.layers.Dense(n_features, activation="relu")
    return keras.Model(inputs, shared(hidden(shared(inputs))))


def _skip_model(n_features=6):
    import keras

    inputs = keras.Input((n_features,))
    code = keras.layers.Dense(3, activation="relu")(inputs)
    decoded = keras.layers.Dense(n_features)(code)
    return keras.Model(inputs, keras.layers.Add()([inputs, decoded]))


def _scaled_output_model(n_features=6):
    import keras

    inputs = keras.Input((n_features,))
    return keras.Model(inputs, keras.layers.Dense(n_features)(inputs) * 2.0)


def _custom_layer_model(n_features=6):
    import keras

    class DoublingDense(keras.layers.Dense):  # a Dense by type, not by what it computes
        def call(self, inputs):
            return 2.0 * super().call(inputs)

    inputs = keras.Input((n_features,))
    return keras.Model(inputs, DoublingDense(n_features)(inputs))


@pytest.mark.parametrize(
    "make", [_shared_dense_model, _skip_model, _scaled_output_model, _custom_layer_model]
)
def test_networks_that_are_no_plain_chain_of_known_layers_are_refused(make):
    pytest.importorskip("keras")
    assert NumpyChain.of(make()) is None


def test_the_parity_check_catches_a_chain_that_misreads_the_network():
    """Applying model.layers in order (the route's old reading) scores the
    shared-layer network wrong; the check at build time sees it."""
    import keras

    model = _with_random_weights(_shared_dense_model())
    misread = NumpyChain.of_layers(model.layers)  # trusts the caller: no graph check
    x = _block((6,))
    assert np.abs(misread(x) - keras.ops.convert_to_numpy(model(x))).max() > 0.01
    assert not numpy_route_agrees(model, misread, lambda network: network)
    inputs = keras.Input((6,))
    chain = _with_random_weights(keras.Model(inputs, keras.layers.Dense(6)(inputs)))
    assert numpy_route_agrees(chain, NumpyChain.of(chain), lambda network: network)
