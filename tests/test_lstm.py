import numpy as np
import pytest

from sklearn_recon import LSTMAutoencoderDetector, LSTMForecastDetector
from sklearn_recon._networks import build_lstm_autoencoder, build_lstm_forecaster

T, C = 12, 2


def _sines(n, rng):
    """Two-channel sine waves of random phase: (n, T, C)."""
    t = np.arange(T) / 3.0
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    return np.stack([np.sin(t + phase), np.cos(t + phase)], axis=2)


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.RandomState(0)
    train = _sines(300, rng)
    normal = _sines(20, rng)
    anomaly = rng.normal(size=(20, T, C))
    return train, np.concatenate([normal, anomaly])


@pytest.fixture(scope="module")
def autoencoder(sequences):
    return LSTMAutoencoderDetector(
        units=(8,),
        n_channels=C,
        downsample=2,
        conv_filters=8,
        epochs=15,
        loss="mae",
        learning_rate=0.01,
        early_stopping=False,
        random_state=0,
    ).fit(sequences[0])


@pytest.fixture(scope="module")
def forecaster(sequences):
    return LSTMForecastDetector(
        units=8,
        n_channels=C,
        epochs=15,
        learning_rate=0.01,
        early_stopping=False,
        random_state=0,
    ).fit(sequences[0])


def test_autoencoder_shapes_and_per_step_errors(autoencoder, sequences):
    X3 = sequences[1]
    X2 = X3.reshape(len(X3), -1)
    assert autoencoder.n_features_in_ == T * C and autoencoder.n_timesteps_ == T
    np.testing.assert_array_equal(autoencoder.score_samples(X3), autoencoder.score_samples(X2))
    reconstruction = autoencoder.reconstruct(X2)
    assert reconstruction.shape == X2.shape
    per_feature = autoencoder.reconstruction_error(X2, per_feature=True)
    # the network computes in float32, input included
    np.testing.assert_allclose(per_feature, np.abs(X2 - reconstruction), rtol=0, atol=1e-6)
    per_step = autoencoder.reconstruction_error(X3, per_step=True)
    assert per_step.shape == (len(X3), T)
    np.testing.assert_allclose(
        per_step, np.abs(X3 - reconstruction.reshape(X3.shape)).mean(2), rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        per_step.mean(axis=1), -autoencoder.score_samples(X2), rtol=0, atol=1e-6
    )
    with pytest.raises(ValueError, match="not both"):
        autoencoder.reconstruction_error(X2, per_feature=True, per_step=True)


def test_a_sequence_scores_the_same_at_any_position_of_a_block_and_alone(autoencoder, sequences):
    from sklearn_recon.utils._keras import INFERENCE_BLOCK_SIZE

    X = np.resize(sequences[1], (INFERENCE_BLOCK_SIZE, T, C))
    row = sequences[0][:1]
    alone = autoencoder.score_samples(row)[0]
    for position in [*range(0, INFERENCE_BLOCK_SIZE, 5), INFERENCE_BLOCK_SIZE - 1]:
        block = X.copy()
        block[position] = row[0]
        assert autoencoder.score_samples(block)[position] == alone


def test_autoencoder_separates_noise_from_sines(autoencoder, sequences):
    errors = -autoencoder.score_samples(sequences[1])
    assert errors[20:].min() > errors[:20].max()
    assert (autoencoder.predict(sequences[1][20:]) == -1).all()


def test_a_corrupted_step_shows_in_its_per_step_error(autoencoder, sequences):
    x = sequences[1][:1].copy()
    x[0, 7, :] += 3.0
    per_step = autoencoder.reconstruction_error(x, per_step=True)[0]
    assert np.argmax(per_step) in (6, 7, 8)


def test_input_layout_errors(autoencoder):
    with pytest.raises(ValueError, match="3 channels"):
        autoencoder.score_samples(np.zeros((2, T, 3)))
    with pytest.raises(ValueError, match="not a whole number of time steps"):
        LSTMAutoencoderDetector(n_channels=2).fit(np.zeros((10, 5)))
    with pytest.raises(ValueError, match="units must be"):
        LSTMAutoencoderDetector(units=(4, 0), epochs=1).fit(np.zeros((10, 4)))


@pytest.mark.parametrize("n_timesteps, downsample", [(140, 4), (13, 4), (7, 1), (1, 8)])
def test_autoencoder_network_keeps_the_sequence_shape(n_timesteps, downsample):
    model = build_lstm_autoencoder(
        n_timesteps, 3, units=(6, 4), downsample=downsample, conv_filters=5, cell="gru"
    )
    assert model.output_shape == (None, n_timesteps, 3)
    names = [layer.__class__.__name__ for layer in model.layers]
    assert names.count("GRU") == 4 and "RepeatVector" in names
    # with a front end, a linear unfold of each decoder step replaces the
    # TimeDistributed output
    assert ("Conv1D" in names) == ("Reshape" in names) == (downsample > 1)
    assert ("TimeDistributed" in names) == (downsample == 1)
    repeat = next(layer for layer in model.layers if layer.name == "repeat")
    assert repeat.output.shape[1] == -(-n_timesteps // downsample)


def test_forecaster_predicts_the_last_step(forecaster, sequences):
    X3 = sequences[1]
    forecast = forecaster.forecast(X3)
    assert forecast.shape == (len(X3), C)
    np.testing.assert_allclose(
        -forecaster.score_samples(X3),
        np.abs(X3[:, -1] - forecast).mean(axis=1),
        rtol=0,
        atol=1e-6,  # the network computes in float32
    )
    # Only the past is read: changing the last step leaves the forecast alone.
    changed = X3.copy()
    changed[:, -1] += 5.0
    np.testing.assert_array_equal(forecaster.forecast(changed), forecast)


def test_forecaster_flags_a_jump_at_the_last_step(forecaster, sequences):
    normal = sequences[1][:20]
    jumped = normal.copy()
    jumped[:, -1] += 1.5
    assert (-forecaster.score_samples(jumped)).min() > (-forecaster.score_samples(normal)).max()
    assert (forecaster.predict(jumped) == -1).all()


def test_forecaster_needs_two_steps():
    with pytest.raises(ValueError, match="at least 2 time steps"):
        LSTMForecastDetector(n_channels=2, epochs=1).fit(np.zeros((10, 2)))


def test_forecaster_mse_and_noise(sequences):
    X = sequences[0][:100]
    params = dict(units=4, n_channels=C, epochs=2, early_stopping=False, random_state=0)
    clean = LSTMForecastDetector(loss="mse", **params).fit(X)
    diff = X[:, -1] - clean.forecast(X)
    np.testing.assert_allclose(-clean.score_samples(X), (diff**2).mean(axis=1), rtol=0, atol=1e-6)
    noisy = LSTMForecastDetector(loss="mse", noise_std=0.5, **params).fit(X)
    assert not np.allclose(noisy.score_samples(X), clean.score_samples(X))
    np.testing.assert_array_equal(noisy.score_samples(X), noisy.score_samples(X))


def test_forecaster_network():
    model = build_lstm_forecaster(9, 2, units=(5, 3), cell="lstm", noise_std=0.1)
    assert model.output_shape == (None, 2)
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [5, 3, 2]


def test_small_training_sets_are_repeated_within_an_epoch():
    from sklearn_recon.lstm import (
        MAX_REPEATS,
        MIN_BATCHES_PER_EPOCH,
        _repeat_small_training_set,
    )

    x, weights = np.arange(50.0).reshape(25, 2), np.linspace(1, 2, 25)
    repeated, targets, repeated_weights = _repeat_small_training_set((x, None, weights), 2)
    n_repeats = -(-MIN_BATCHES_PER_EPOCH * 2 // 25)
    assert targets is None and len(repeated) == 25 * n_repeats >= MIN_BATCHES_PER_EPOCH * 2
    np.testing.assert_array_equal(repeated[25:50], x)
    np.testing.assert_array_equal(repeated_weights[-25:], weights)
    assert len(_repeat_small_training_set((x,), 10_000)[0]) == 25 * MAX_REPEATS
    large = np.zeros((MIN_BATCHES_PER_EPOCH * 2, 2))
    assert _repeat_small_training_set((large,), 2)[0] is large
