"""The training loop of sklearn_recon.utils._training."""

import numpy as np
import pytest

from sklearn_recon import AutoencoderDetector, VAEDetector
from sklearn_recon.utils import _training
from sklearn_recon.utils._keras import get_keras


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).normal(size=(120, 6))


def tiny(cls=AutoencoderDetector, **params):
    return cls(**{"hidden_units": (4,), "epochs": 3, "batch_size": 32, **params})


@pytest.mark.parametrize("cls", [AutoencoderDetector, VAEDetector])
def test_a_reused_compiled_epoch_trains_as_a_new_one(X, cls, monkeypatch):
    """A fit that reuses a cached compiled epoch (weights, optimizer and
    random generators reset) gives exactly the fit of a freshly traced one."""
    monkeypatch.setattr(_training, "_CACHE", _training._EpochCache())
    fresh = tiny(cls, random_state=0).fit(X)
    tiny(cls, random_state=1).fit(X)  # leaves its state in the cached network
    reused = tiny(cls, random_state=0).fit(X)
    np.testing.assert_array_equal(fresh.score_samples(X), reused.score_samples(X))
    assert fresh.history_ == reused.history_


def test_fits_of_one_configuration_trace_one_epoch(X, monkeypatch):
    monkeypatch.setattr(_training, "_CACHE", _training._EpochCache())
    built = []
    runner_class = _training._RUNNERS[get_keras().config.backend()]
    original = runner_class.__init__

    def counting_init(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(runner_class, "__init__", counting_init)
    for seed in range(3):
        tiny(random_state=seed).fit(X[: 100 + 5 * seed])  # row counts differ
    assert len(built) == 1
    tiny(random_state=0, hidden_units=(3,)).fit(X)  # another network
    assert len(built) == 2


def test_best_epoch_weights_are_kept_without_early_stop(X):
    detector = tiny(epochs=6, random_state=0, n_iter_no_change=10).fit(X)
    best = detector.best_epoch_
    assert detector.n_iter_ == 6
    assert detector.history_["val_loss"][best] == min(detector.history_["val_loss"])


def test_an_epoch_trains_as_model_fit(X):
    """On every backend an epoch is Keras's own training: the losses and
    weights of ``Model.fit`` on the rows in the same order, the shorter last
    batch and the sample weights included."""
    keras = get_keras()

    def build():
        dense = keras.layers.Dense
        inputs = keras.Input((X.shape[1],))
        hidden = dense(3, "relu", kernel_initializer=keras.initializers.GlorotUniform(0))(inputs)
        outputs = dense(X.shape[1], kernel_initializer=keras.initializers.GlorotUniform(1))(hidden)
        return keras.Model(inputs, outputs)

    x = X.astype(np.float32)
    weight = np.linspace(0.5, 1.5, len(x), dtype=np.float32)
    compile_kwargs = dict(optimizer=lambda: keras.optimizers.Adam(0.01), loss="mse")
    model, history, _ = _training.train(
        build, compile_kwargs, (x, None, weight), epochs=3, batch_size=32, patience=3, seed=0
    )
    reference = build()
    reference.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(3):
        order = rng.permutation(len(x))
        fitted = reference.fit(
            x[order], x[order], sample_weight=weight[order], batch_size=32, shuffle=False, verbose=0
        )
        losses += fitted.history["loss"]
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-5)
    for trained, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(trained, expected, rtol=1e-5, atol=1e-6)
