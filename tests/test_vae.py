import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from sklearn_recon import VAEDetector
from sklearn_recon.utils._keras import get_keras

BETA = 0.01


def tiny(**params):
    return VAEDetector(
        **{
            "hidden_units": (16,),
            "latent_dim": 3,
            "beta": BETA,
            "epochs": 30,
            "learning_rate": 0.01,
            "random_state": 0,
            **params,
        }
    )


@pytest.fixture(scope="module")
def fitted(blobs):
    return tiny().fit(blobs[0])


def numpy_forward(detector, X):
    """z_mean and its reconstruction, computed from the weights with NumPy."""
    model = detector.model_

    def dense(name, h, relu):
        kernel, bias = model.get_layer(name).get_weights()
        h = h @ kernel + bias
        return np.maximum(h, 0) if relu else h

    z_mean = dense("z_mean", dense("encoder_0", X, True), False)
    return z_mean, dense("output", dense("decoder_0", z_mean, True), False)


# ------------------------------------------------------------------ scoring


def test_scores_reconstruct_from_the_latent_mean(fitted, blobs):
    X_test = blobs[1]
    z_mean, reconstruction = numpy_forward(fitted, X_test)
    np.testing.assert_allclose(fitted.encode(X_test), z_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fitted.reconstruct(X_test), reconstruction, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        fitted.reconstruction_error(X_test),
        ((X_test - reconstruction) ** 2).mean(axis=1),
        rtol=1e-5,
    )
    np.testing.assert_array_equal(fitted.score_samples(X_test), fitted.score_samples(X_test))


def _standardised(train, test):
    return (test - train.mean()) / train.std()


def test_anomaly_error_adds_the_latent_distances(fitted, blobs):
    X_train, X_test = blobs[0], blobs[1]
    codes = fitted.encode(X_train)
    np.testing.assert_allclose(fitted.latent_codes_, codes, rtol=1e-5, atol=1e-6)
    neighbours = NearestNeighbors(n_neighbors=5).fit(codes)
    train_distance = neighbours.kneighbors()[0][:, -1]
    precision = np.linalg.inv(np.cov(codes.T, bias=True))

    def mahalanobis(Z):
        centered = Z - codes.mean(axis=0)
        return np.sqrt(np.einsum("ij,jk,ik->i", centered, precision, centered))

    train_error = fitted.reconstruction_error(X_train)
    train_mahalanobis = mahalanobis(codes)
    np.testing.assert_allclose(
        fitted.error_scale_,
        [
            *(train_error.mean(), train_error.std()),
            *(train_distance.mean(), train_distance.std()),
            *(train_mahalanobis.mean(), train_mahalanobis.std()),
        ],
        rtol=1e-3,
    )
    test_codes = fitted.encode(X_test)
    expected = (
        _standardised(train_error, fitted.reconstruction_error(X_test))
        + _standardised(train_distance, neighbours.kneighbors(test_codes)[0][:, -1])
        + 0.25 * _standardised(train_mahalanobis, mahalanobis(test_codes))
    )
    np.testing.assert_allclose(-fitted.score_samples(X_test), expected, rtol=1e-3, atol=1e-3)


def test_each_latent_term_can_be_left_out(blobs):
    X_train, X_test = blobs[0], blobs[1]
    neighbours_only = tiny(mahalanobis_weight=0, epochs=2, early_stopping=False).fit(X_train)
    assert not hasattr(neighbours_only, "latent_mean_")
    assert neighbours_only.error_scale_.shape == (4,)
    mahalanobis_only = tiny(n_neighbors=None, epochs=2, early_stopping=False).fit(X_train)
    assert not hasattr(mahalanobis_only, "latent_codes_")
    assert mahalanobis_only.error_scale_.shape == (4,)
    # the same network (same seed and training), scored with other terms
    assert not np.allclose(
        neighbours_only.score_samples(X_test), mahalanobis_only.score_samples(X_test)
    )
    np.testing.assert_allclose(
        neighbours_only.reconstruction_error(X_test),
        mahalanobis_only.reconstruction_error(X_test),
        rtol=1e-6,
    )


def test_without_latent_terms_the_error_is_the_reconstruction_error(blobs):
    detector = tiny(n_neighbors=None, mahalanobis_weight=0, epochs=2, early_stopping=False)
    detector.fit(blobs[0])
    assert not hasattr(detector, "latent_codes_")
    assert not hasattr(detector, "error_scale_")
    np.testing.assert_allclose(
        -detector.score_samples(blobs[1]), detector.reconstruction_error(blobs[1]), rtol=1e-6
    )


def test_too_many_neighbours_is_refused(blobs):
    with pytest.raises(ValueError, match="n_neighbors=20 must be below n_samples = 20"):
        tiny(n_neighbors=20, early_stopping=False).fit(blobs[0][:20])


def test_training_network_samples_the_latent_code(fitted, blobs):
    x = blobs[1][:5].astype(np.float32)
    first = fitted.model_(x, training=True).numpy()
    second = fitted.model_(x, training=True).numpy()
    assert not np.allclose(first, second)
    assert not np.allclose(first, fitted.reconstruct(blobs[1][:5]))


def test_encode_shape_and_batch_independence(fitted, blobs):
    X_test = blobs[1]
    codes = fitted.encode(X_test)
    assert codes.shape == (len(X_test), 3) and codes.dtype == np.float64
    np.testing.assert_allclose(fitted.encode(X_test[7:9]), codes[7:9], rtol=1e-12)


def test_encode_needs_a_fitted_detector(blobs):
    with pytest.raises(NotFittedError):
        tiny().encode(blobs[1])


def test_detects_the_anomalies(fitted, blobs):
    _, X_test, y_test = blobs
    assert roc_auc_score(y_test == -1, -fitted.score_samples(X_test)) > 0.9


def test_mae_loss_scores_absolute_errors(blobs):
    detector = tiny(loss="mae", epochs=2, early_stopping=False).fit(blobs[0])
    X_test = blobs[1]
    diff = X_test - detector.reconstruct(X_test)
    np.testing.assert_allclose(
        detector.reconstruction_error(X_test),
        np.abs(diff).mean(axis=1),
        rtol=1e-5,  # float32
    )
    np.testing.assert_allclose(
        detector.reconstruction_error(X_test, per_feature=True),
        np.abs(diff),
        atol=1e-6,  # float32
    )


# ------------------------------------------------------------------ history


def test_history_holds_loss_parts(fitted):
    history = fitted.history_
    parts = ["loss", "reconstruction_loss", "kl_loss"]
    assert set(history) == {*parts, *(f"val_{name}" for name in parts)}
    for values in history.values():
        assert len(values) == fitted.n_iter_
        assert all(type(v) is float for v in values)
    for prefix in ("", "val_"):
        np.testing.assert_allclose(
            history[f"{prefix}loss"],
            np.add(
                history[f"{prefix}reconstruction_loss"],
                BETA * np.array(history[f"{prefix}kl_loss"]),
            ),
            rtol=1e-4,
        )
    assert all(kl > 0 for kl in history["kl_loss"])


def test_history_without_early_stopping_has_no_validation(blobs):
    detector = tiny(epochs=2, early_stopping=False).fit(blobs[0])
    assert set(detector.history_) == {"loss", "reconstruction_loss", "kl_loss"}


def test_larger_beta_gives_smaller_kl(blobs):
    kl = {
        beta: tiny(beta=beta, epochs=10, early_stopping=False).fit(blobs[0]).history_["kl_loss"][-1]
        for beta in (0.0, 1.0)
    }
    assert kl[1.0] < 0.5 * kl[0.0]


# ---------------------------------------------------------------- parameters


def test_network_layout(fitted):
    model = fitted.model_
    widths = {layer.name: layer.units for layer in model.layers if hasattr(layer, "units")}
    assert widths == {"encoder_0": 16, "z_mean": 3, "z_log_var": 3, "decoder_0": 16, "output": 12}
    assert model.get_layer("kl").beta == BETA


def test_latent_dim_may_exceed_n_features():
    X = np.random.RandomState(0).uniform(size=(60, 2))
    detector = tiny(latent_dim=4, epochs=2, early_stopping=False).fit(X)
    assert detector.encode(X).shape == (60, 4)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"latent_dim": 0}, "'latent_dim' parameter"),
        ({"latent_dim": 2.5}, "'latent_dim' parameter"),
        ({"beta": -0.1}, "'beta' parameter"),
        ({"beta": "high"}, "'beta' parameter"),
        ({"hidden_units": (8, 0)}, "hidden_units must be"),
        ({"activation": "softmax"}, "'activation' parameter"),
        ({"loss": "huber"}, "'loss' parameter"),
    ],
)
def test_bad_parameters(blobs, params, match):
    with pytest.raises(ValueError, match=match):
        tiny(**params).fit(blobs[0])


def test_diverging_training_is_a_clear_error_and_leaves_it_unfitted(blobs):
    detector = tiny(learning_rate=1e12, optimizer="sgd", early_stopping=False, epochs=3)
    with pytest.raises(ValueError, match="diverged.*Lower learning_rate"):
        detector.fit(blobs[0] * 1e3)
    with pytest.raises(NotFittedError):
        detector.score_samples(blobs[1])
    assert not [name for name in vars(detector) if name.endswith("_")]


# ------------------------------------------------------------ serialization


def test_pickle_read_in_another_process_scores_identically(fitted, blobs, tmp_path):
    X_test = blobs[1]
    np.save(tmp_path / "X.npy", X_test)
    with open(tmp_path / "detector.pkl", "wb") as f:
        pickle.dump(fitted, f)
    code = textwrap.dedent(
        f"""
        import pickle, numpy as np
        with open({str(tmp_path / "detector.pkl")!r}, "rb") as f:
            detector = pickle.load(f)
        X = np.load({str(tmp_path / "X.npy")!r})
        np.save({str(tmp_path / "scores.npy")!r}, detector.score_samples(X))
        np.save({str(tmp_path / "codes.npy")!r}, detector.encode(X))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "scores.npy"), fitted.score_samples(X_test))
    np.testing.assert_array_equal(np.load(tmp_path / "codes.npy"), fitted.encode(X_test))


def test_keras_archive_round_trip(fitted, blobs, tmp_path):
    import keras

    from sklearn_recon._networks import KLDivergence, Sampling, vae_decoder, vae_encoder

    path = tmp_path / "vae.keras"
    fitted.model_.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("z"), Sampling)
    assert isinstance(loaded.get_layer("kl"), KLDivergence)
    assert loaded.get_layer("kl").beta == BETA
    assert loaded.get_layer("z").seed == fitted.model_.get_layer("z").seed
    x = blobs[1].astype(np.float32)
    z_mean = vae_encoder(loaded)(x)
    np.testing.assert_allclose(
        vae_decoder(loaded)(z_mean).numpy(), fitted.reconstruct(x), rtol=1e-4, atol=1e-5
    )


def test_builder_is_a_pure_function_of_its_seed():
    from sklearn_recon._networks import build_vae

    first, second, other = (
        build_vae(5, hidden_units=(4,), latent_dim=2, seed=s) for s in (3, 3, 4)
    )
    x = np.ones((4, 5), dtype=np.float32)
    np.testing.assert_array_equal(first(x, training=True).numpy(), second(x, training=True).numpy())
    assert not np.allclose(first.get_weights()[0], other.get_weights()[0])


def test_a_refit_without_a_latent_term_forgets_it(blobs):
    detector = tiny(epochs=2, early_stopping=False).fit(blobs[0])
    assert detector.error_scale_.shape == (6,)
    detector.set_params(mahalanobis_weight=0).fit(blobs[0])
    assert not hasattr(detector, "latent_mean_") and detector.error_scale_.shape == (4,)
    detector.set_params(n_neighbors=None).fit(blobs[0])
    assert not hasattr(detector, "latent_codes_") and not hasattr(detector, "error_scale_")
    np.testing.assert_allclose(
        -detector.score_samples(blobs[1]), detector.reconstruction_error(blobs[1]), rtol=1e-6
    )


def test_a_row_scores_the_same_alone_and_among_others(fitted, blobs):
    # every term, the latent distances included, is computed row by row
    X_test = blobs[1]
    alone = np.concatenate([fitted.score_samples(X_test[i : i + 1]) for i in range(len(X_test))])
    np.testing.assert_array_equal(alone, fitted.score_samples(X_test))
    np.testing.assert_array_equal(
        fitted.score_samples(X_test[::-1])[::-1], fitted.score_samples(X_test)
    )


def test_the_graph_computes_the_kd_trees_neighbour_distance():
    # one algorithm both ways: the graph (export, compiled routes) computes
    # each distance from the differences, as the KD-tree does; a squared
    # distance expansion loses digits to cancellation far from the origin
    keras = get_keras()
    rng = np.random.RandomState(0)
    detector = VAEDetector(n_neighbors=5)
    detector.latent_codes_ = (100 + rng.normal(size=(300, 3))).astype(np.float32)
    z = (100 + rng.normal(size=(40, 3))).astype(np.float32)
    graph = detector._latent_neighbor_distance_ops(keras.ops.convert_to_tensor(z))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(graph), detector._latent_neighbor_distance(z), rtol=1e-6
    )
