"""ReconstructionDetector: the user's own Keras network as a detector."""

import subprocess
import sys

import numpy as np
import pytest
from _instances import TINY, residual_autoencoder, tiny_autoencoder
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_recon import ReconstructionDetector, load, save

keras = pytest.importorskip("keras")


def _mse(X, model):
    reconstruction = model.predict(X.astype(np.float32), verbose=0)
    return np.mean((X - reconstruction) ** 2, axis=1)


def shared_dense_autoencoder(n_features, seed=0):
    """One Dense layer applied twice."""
    init = keras.initializers.GlorotUniform
    inputs = keras.Input((n_features,))
    shared = keras.layers.Dense(n_features, activation="tanh", kernel_initializer=init(seed))
    hidden = keras.layers.Dense(n_features, activation="relu", kernel_initializer=init(seed + 1))
    return keras.Model(inputs, shared(hidden(shared(inputs))))


def test_a_passed_model_is_cloned_never_trained_in_place(blobs):
    X_train, X_test, _ = blobs
    model = tiny_autoencoder(12, seed=0)
    before = [w.copy() for w in model.get_weights()]
    detector = ReconstructionDetector(model, **TINY).fit(X_train)
    assert detector.model_ is not model and detector.model is model
    for w, w0 in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, w0)
    # same initial weights and seed: the same fit again
    again = ReconstructionDetector(model, **TINY).fit(X_train)
    np.testing.assert_array_equal(again.score_samples(X_test), detector.score_samples(X_test))


def test_scores_are_the_networks_reconstruction_error(blobs):
    X_train, X_test, _ = blobs
    detector = ReconstructionDetector(tiny_autoencoder, **TINY).fit(X_train)
    assert detector._inference._numpy is not None  # a plain chain: the NumPy route
    errors = _mse(X_test, detector.model_)
    np.testing.assert_allclose(-detector.score_samples(X_test), errors, rtol=1e-5, atol=1e-6)
    mae = ReconstructionDetector(tiny_autoencoder, loss="mae", **TINY).fit(X_train)
    reconstruction = mae.model_.predict(X_test.astype(np.float32), verbose=0)
    np.testing.assert_allclose(
        -mae.score_samples(X_test),
        np.mean(np.abs(X_test - reconstruction), axis=1),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("build", [residual_autoencoder, shared_dense_autoencoder])
def test_any_functional_network_scores_its_reconstruction_error(build, blobs):
    X_train, X_test, _ = blobs
    detector = ReconstructionDetector(build, **TINY).fit(X_train)
    assert detector._inference._numpy is None  # no plain chain: compiled
    np.testing.assert_allclose(
        -detector.score_samples(X_test), _mse(X_test, detector.model_), rtol=1e-5, atol=1e-6
    )
    row = detector.score_samples(X_test[:1])
    np.testing.assert_array_equal(row, detector.score_samples(X_test)[:1])


def test_a_subclassed_model_works_through_a_functional_wrapper(blobs):
    X_train, X_test, _ = blobs

    class Autoencoder(keras.Model):
        def __init__(self, n_features, **kwargs):
            super().__init__(**kwargs)
            self.n_features = n_features
            self.encoder = keras.layers.Dense(4, activation="relu")
            self.decoder = keras.layers.Dense(n_features)

        def call(self, x):
            return self.decoder(self.encoder(x))

        def get_config(self):
            return {**super().get_config(), "n_features": self.n_features}

    detector = ReconstructionDetector(lambda n: Autoencoder(n), **TINY).fit(X_train)
    assert detector.model_.input_shape == (None, 12)
    np.testing.assert_allclose(
        -detector.score_samples(X_test), _mse(X_test, detector.model_), rtol=1e-5, atol=1e-6
    )
    # a passed subclassed model: cloned and built, the user's object untouched
    user = Autoencoder(12)
    fitted = ReconstructionDetector(user, **TINY).fit(X_train)
    assert not user.weights and fitted.model_.weights


def test_a_builder_without_seed_still_fits_reproducibly(blobs):
    X_train, X_test, _ = blobs

    def unseeded(n_features):
        inputs = keras.Input((n_features,))
        code = keras.layers.Dense(4, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(n_features)(code))

    first = ReconstructionDetector(unseeded, **TINY).fit(X_train).score_samples(X_test)
    second = ReconstructionDetector(unseeded, **TINY).fit(X_train).score_samples(X_test)
    np.testing.assert_array_equal(first, second)
    other = ReconstructionDetector(unseeded, **{**TINY, "random_state": 1}).fit(X_train)
    assert not np.allclose(other.score_samples(X_test), first)


def test_shapes_that_do_not_match_the_data_are_named(blobs):
    X_train = blobs[0]
    with pytest.raises(ValueError, match=r"inputs of shape \(None, 5\).*X has 12 features"):
        ReconstructionDetector(tiny_autoencoder(5), **TINY).fit(X_train)

    def squeezing(n_features):
        inputs = keras.Input((n_features,))
        return keras.Model(inputs, keras.layers.Dense(2)(inputs))

    with pytest.raises(ValueError, match=r"outputs of shape \(None, 2\)"):
        ReconstructionDetector(squeezing, **TINY).fit(X_train)
    with pytest.raises(TypeError, match="not a keras.Model"):
        ReconstructionDetector(lambda n: "a network", **TINY).fit(X_train)
    with pytest.raises(ValueError, match="needs a network: pass model="):
        ReconstructionDetector(**TINY).fit(X_train)
    with pytest.raises(InvalidParameterError, match="'model' parameter of ReconstructionDetector"):
        ReconstructionDetector(3, **TINY).fit(X_train)


def test_grid_search_over_networks_and_training_in_a_pipeline(blobs):
    X_train, X_test, _ = blobs
    pipeline = make_pipeline(StandardScaler(), ReconstructionDetector(**TINY))
    grid = GridSearchCV(
        pipeline,
        {
            "reconstructiondetector__model": [tiny_autoencoder, residual_autoencoder],
            "reconstructiondetector__learning_rate": [1e-3, 1e-2],
        },
        scoring=lambda est, X, y=None: float(np.mean(est.score_samples(X))),
        cv=2,
        error_score="raise",
    ).fit(X_train)
    assert grid.best_params_["reconstructiondetector__model"] in (
        tiny_autoencoder,
        residual_autoencoder,
    )
    assert len(grid.cv_results_["params"]) == 4
    assert grid.predict(X_test).shape == (len(X_test),)


def test_save_and_load_without_the_users_code(blobs, tmp_path):
    X_train, X_test, _ = blobs
    detector = ReconstructionDetector(residual_autoencoder(12), **TINY).fit(X_train)
    save(detector, tmp_path / "detector.skr")
    np.save(tmp_path / "X.npy", X_test)
    np.save(tmp_path / "scores.npy", detector.score_samples(X_test))
    # a new process that knows nothing of this module's builders
    code = (
        "import sys, numpy as np; from pathlib import Path; from sklearn_recon import load; "
        "d = Path(sys.argv[1]); est = load(d / 'detector.skr'); "
        "np.testing.assert_array_equal("
        "est.score_samples(np.load(d / 'X.npy')), np.load(d / 'scores.npy')); "
        "print(type(est.model).__name__, type(est.model_).__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["Functional", "Functional"]


class Doubling(keras.layers.Layer):
    """A custom layer nobody registered."""

    def call(self, x):
        return 2.0 * x


def test_load_names_an_unregistered_custom_layer(blobs, tmp_path):
    X_train, X_test, _ = blobs
    inputs = keras.Input((12,))
    model = keras.Model(inputs, Doubling()(keras.layers.Dense(12)(inputs)))
    detector = ReconstructionDetector(model, **TINY).fit(X_train)
    assert detector._inference._numpy is None  # a layer without a NumPy version
    save(detector, tmp_path / "detector.skr")
    with pytest.raises(ValueError, match=r"Doubling.*register_keras_serializable"):
        load(tmp_path / "detector.skr")
    with keras.saving.custom_object_scope({"Doubling": Doubling}):
        restored = load(tmp_path / "detector.skr")
    np.testing.assert_array_equal(restored.score_samples(X_test), detector.score_samples(X_test))


def build_tiny(n_features, seed=0):
    """A builder function, as a user writes one."""
    return tiny_autoencoder(n_features, seed=seed)


def test_save_refuses_a_builder_function_and_says_why(blobs, tmp_path):
    detector = ReconstructionDetector(build_tiny, **TINY).fit(blobs[0])
    with pytest.raises(TypeError, match=r"model is a .*function.*build_tiny.*code"):
        save(detector, tmp_path / "detector.skr")


def test_clone_copies_a_passed_model_and_keeps_a_builder():
    model = tiny_autoencoder(12)
    cloned = clone(ReconstructionDetector(model))
    assert isinstance(cloned.model, keras.Model) and cloned.model is not model
    assert clone(ReconstructionDetector(tiny_autoencoder)).model is tiny_autoencoder
