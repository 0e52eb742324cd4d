"""Behaviour the base class gives every detector, shown on the autoencoder."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector


def tiny(**params):
    return AutoencoderDetector(
        **{"hidden_units": (6, 3), "epochs": 5, "batch_size": 64, "random_state": 0, **params}
    )


@pytest.fixture(scope="module")
def fitted(blobs):
    return tiny().fit(blobs[0])


# ------------------------------------------------------------ outlier contract


def test_outlier_contract(fitted, blobs):
    _, X_test, _ = blobs
    scores = fitted.score_samples(X_test)
    decision = fitted.decision_function(X_test)
    labels = fitted.predict(X_test)
    assert scores.dtype == np.float64 and scores.shape == (len(X_test),)
    np.testing.assert_allclose(decision, scores - fitted.offset_)
    assert fitted.offset_ == -fitted.threshold_
    assert labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, np.where(decision < 0, -1, 1))
    assert set(np.unique(labels)) == {-1, 1}


def test_anomalies_score_lower(blobs):
    X_train, X_test, y_test = blobs
    detector = tiny(epochs=30, hidden_units=(16, 3), batch_size=32, learning_rate=0.01)
    detector.fit(X_train)
    scores = detector.score_samples(X_test)
    assert scores[y_test == -1].max() < np.median(scores[y_test == 1])
    assert roc_auc_score(y_test == -1, -scores) > 0.97
    assert np.mean(detector.predict(X_test)[y_test == -1] == -1) >= 0.9


def test_auto_threshold_is_mean_plus_one_std_of_training_errors(fitted, blobs):
    errors = -fitted.score_samples(blobs[0])
    assert fitted.threshold_ == pytest.approx(errors.mean() + errors.std())


@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.5])
def test_float_contamination_flags_that_share_of_training_rows(blobs, contamination):
    X_train = blobs[0]
    detector = tiny(contamination=contamination, epochs=2).fit(X_train)
    n_flagged = np.sum(detector.predict(X_train) == -1)
    assert n_flagged == int(np.ceil(contamination * len(X_train)))


def test_fit_predict_matches_fit_then_predict(blobs):
    X_train = blobs[0]
    np.testing.assert_array_equal(
        tiny(epochs=2).fit_predict(X_train), tiny(epochs=2).fit(X_train).predict(X_train)
    )


def test_scores_do_not_depend_on_the_batch(fitted, blobs):
    X_test = blobs[1]
    full = fitted.score_samples(X_test)
    one_by_one = np.array([fitted.score_samples(row[None])[0] for row in X_test[:20]])
    np.testing.assert_allclose(one_by_one, full[:20], rtol=1e-12)
    order = np.random.RandomState(0).permutation(len(X_test))
    np.testing.assert_allclose(fitted.score_samples(X_test[order]), full[order], rtol=1e-12)


def test_float64_input_is_scored_in_float32(fitted, blobs):
    X_test = blobs[1]
    scores = fitted.score_samples(X_test)
    assert scores.dtype == np.float64
    np.testing.assert_array_equal(fitted.score_samples(X_test.astype(np.float32)), scores)


@pytest.mark.parametrize("block_size", [3, None])
def test_a_row_scores_the_same_at_every_position_of_a_block_and_alone(
    fitted, blobs, monkeypatch, block_size
):
    """Float32 products must not round a row differently at another position."""
    import sklearn_recon.utils._keras as _keras

    if block_size is None:  # a full block of the graph route
        block_size = _keras.INFERENCE_BLOCK_SIZE
    else:
        monkeypatch.setattr(_keras, "INFERENCE_BLOCK_SIZE", block_size)
    detector = pickle.loads(pickle.dumps(fitted))  # compiled for this block size
    others = np.resize(blobs[1][:-1], (block_size, blobs[1].shape[1]))
    row = blobs[1][-1:]
    alone = detector.score_samples(row)
    for position in range(block_size):
        X = others.copy()
        X[position] = row[0]
        np.testing.assert_array_equal(detector.score_samples(X)[position], alone[0])


def test_scoring_in_several_batches_matches_one(fitted, blobs, monkeypatch):
    import sklearn_recon.utils._keras as _keras

    X_test = blobs[1]
    expected = fitted.score_samples(X_test)
    monkeypatch.setattr(_keras, "INFERENCE_BATCH_SIZE", 7)
    np.testing.assert_allclose(fitted.score_samples(X_test), expected, rtol=1e-12)


# ------------------------------------------------------------------- training


def test_history_and_early_stopping_restore_the_best_epoch(blobs):
    detector = tiny(epochs=200, n_iter_no_change=3, learning_rate=0.05).fit(blobs[0])
    history = detector.history_
    assert set(history) == {"loss", "val_loss"}
    assert all(isinstance(v, float) for v in history["loss"])
    assert detector.n_iter_ == len(history["loss"]) < 200
    assert detector.best_epoch_ == int(np.argmin(history["val_loss"]))
    assert detector.n_iter_ == detector.best_epoch_ + 1 + 3


def test_without_early_stopping_all_epochs_run_on_all_rows(blobs):
    detector = tiny(early_stopping=False, epochs=4).fit(blobs[0])
    assert set(detector.history_) == {"loss"}
    assert detector.n_iter_ == 4
    assert not hasattr(detector, "best_epoch_")


def test_warns_when_validation_loss_still_improves_at_the_end(blobs):
    with pytest.warns(ConvergenceWarning, match="raise epochs"):
        tiny(epochs=2, learning_rate=1e-3).fit(blobs[0])


def test_diverging_training_is_a_clear_error_and_leaves_it_unfitted(blobs):
    detector = tiny(learning_rate=1e12, optimizer="sgd", early_stopping=False, epochs=3)
    with pytest.raises(ValueError, match="diverged.*Lower learning_rate"):
        detector.fit(blobs[0] * 1e3)
    with pytest.raises(NotFittedError):
        detector.score_samples(blobs[1])
    assert not [name for name in vars(detector) if name.endswith("_")]


def test_too_few_samples_for_validation_is_a_clear_error():
    with pytest.raises(ValueError, match="n_samples = 1"):
        tiny().fit(np.ones((1, 3)))
    assert tiny(early_stopping=False).fit(np.ones((1, 3))).n_iter_ == 5


def test_verbose_shows_progress(blobs, capfd):
    tiny(epochs=2, verbose=1).fit(blobs[0])
    out, _ = capfd.readouterr()
    assert "Epoch 1/2" in out and "loss" in out


def test_dataframe_input_records_feature_names(blobs):
    X = pd.DataFrame(blobs[0], columns=[f"s{i}" for i in range(12)])
    detector = tiny(epochs=2).fit(X)
    assert list(detector.feature_names_in_) == list(X.columns)
    assert detector.n_features_in_ == 12
    np.testing.assert_array_equal(
        detector.score_samples(X.iloc[:5]), detector.score_samples(blobs[0][:5])
    )


def test_input_is_not_mutated(blobs):
    X = blobs[0].copy()
    X_before = X.copy()
    detector = tiny(epochs=2, noise_std=0.5).fit(X)
    detector.score_samples(X)
    detector.reconstruct(X)
    np.testing.assert_array_equal(X, X_before)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[1.0, np.nan, 2.0]] * 4), ValueError, "NaN"),
        (np.array([[1.0, np.inf, 2.0]] * 4), ValueError, "infinity"),
        (np.arange(5.0), ValueError, "Expected 2D array"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.array([["a", "b", "c"]] * 4), ValueError, "could not convert"),
        (np.ones((4, 3)) + 1j, ValueError, "Complex data not supported"),
    ],
    ids=["nan", "inf", "1-d", "zero-rows", "strings", "complex"],
)
def test_bad_input_at_fit_and_predict(fitted, X, error, match):
    with pytest.raises(error, match=match):
        tiny().fit(X)
    X_predict = X if X.ndim < 2 else np.resize(X, (X.shape[0], 12))
    with pytest.raises(error, match=match):
        fitted.predict(X_predict)


def test_wrong_number_of_features_at_predict(fitted):
    message = "X has 5 features, but AutoencoderDetector is expecting 12"
    with pytest.raises(ValueError, match=message):
        fitted.score_samples(np.ones((3, 5)))


def test_values_beyond_the_network_range_are_an_error_not_nan(fitted):
    X = np.ones((3, 12))
    X[1, 4] = np.finfo(np.float64).max
    with pytest.raises(ValueError, match="1 of 3 samples got a non-finite anomaly score"):
        fitted.score_samples(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"contamination": 0.6}, "'contamination' parameter"),
        ({"contamination": 0.0}, "'contamination' parameter"),
        ({"contamination": "most"}, "'contamination' parameter"),
        ({"epochs": 0}, "'epochs' parameter"),
        ({"loss": "huber"}, "'loss' parameter"),
        ({"hidden_units": (8, 0)}, "hidden_units must be"),
        ({"hidden_units": "wide"}, "'hidden_units' parameter"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
        ({"optimizer": "lbfgs"}, "'optimizer' parameter"),
    ],
)
def test_bad_parameters(blobs, params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        tiny(**params).fit(blobs[0])


# --------------------------------------------------- pipelines and processes


def test_grid_search_with_worker_processes(blobs):
    X_train, X_test, y_test = blobs
    X = np.vstack([X_train[:200], X_test])
    y = np.r_[np.ones(200, dtype=int), y_test]
    search = GridSearchCV(
        make_pipeline(MinMaxScaler(), tiny(epochs=20, learning_rate=0.01)),
        {"autoencoderdetector__hidden_units": [(2,), (16, 3)]},
        scoring="roc_auc",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=2,
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_["autoencoderdetector__hidden_units"] in [(2,), (16, 3)]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_score_ > 0.7
    assert search.predict(X_test).dtype.kind == "i"


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
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "scores.npy"), fitted.score_samples(X_test))


def test_unpickling_with_another_version_warns(fitted):
    state = fitted.__getstate__()
    state["_sklearn_recon_version"] = "0.0.1"
    restored = AutoencoderDetector.__new__(AutoencoderDetector)
    with pytest.warns(UserWarning, match="pickled with sklearn_recon 0.0.1"):
        restored.__setstate__(state)


# --------------------------------------------------------------- sample_weight


def test_zero_weights_are_rows_left_out_and_equal_weights_no_weights(blobs):
    X_train, X_test, _ = blobs
    weight = np.ones(len(X_train))
    weight[::3] = 0.0
    kept = tiny().fit(X_train[weight > 0]).score_samples(X_test)
    weighted = tiny().fit(X_train, sample_weight=weight)
    np.testing.assert_array_equal(weighted.score_samples(X_test), kept)
    plain = tiny().fit(X_train).score_samples(X_test)
    np.testing.assert_array_equal(
        tiny().fit(X_train, sample_weight=np.full(len(X_train), 3.0)).score_samples(X_test),
        plain,
    )


def test_weights_steer_the_fit_and_the_threshold():
    # Two groups on two different lines; a one-unit bottleneck fits one line
    # well, and the weights decide which.
    rng = np.random.RandomState(0)
    t = rng.uniform(-1, 1, size=(200, 1))
    X = np.r_[t[:100] @ rng.normal(size=(1, 6)), t[100:] @ rng.normal(size=(1, 6))]
    first = np.r_[np.ones(100, dtype=bool), np.zeros(100, dtype=bool)]
    errors = {}
    weights = {"first": np.where(first, 20.0, 1.0), "second": np.where(first, 1.0, 20.0)}
    for name, weight in weights.items():
        detector = tiny(hidden_units=(1,), epochs=60, early_stopping=False)
        detector.fit(X, sample_weight=weight)
        error = -detector.score_samples(X)
        errors[name] = error[first].mean(), error[~first].mean()
        # "auto": the weighted mean + std of the training errors
        mean = np.average(error, weights=weight)
        std = np.sqrt(np.average((error - mean) ** 2, weights=weight))
        assert detector.threshold_ == pytest.approx(mean + std)
    assert errors["first"][0] < errors["second"][0]
    assert errors["second"][1] < errors["first"][1]


def test_float_contamination_with_weights_flags_that_weighted_share(blobs):
    X_train, _, _ = blobs
    weight = np.where(np.arange(len(X_train)) % 2, 1.0, 3.0)
    detector = tiny(contamination=0.1).fit(X_train, sample_weight=weight)
    flagged = detector.predict(X_train) == -1
    assert np.sum(weight[flagged]) / weight.sum() == pytest.approx(0.1, abs=0.02)


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (np.ones(3), "sample_weight.shape"),
        (-np.ones(400), "[Nn]egative"),
        (np.r_[np.nan, np.ones(399)], "NaN"),
        (np.zeros(400), "non-zero"),
        (np.ones((400, 2)), "1D array"),
    ],
)
def test_bad_sample_weight_is_a_clear_error(blobs, sample_weight, message):
    with pytest.raises(ValueError, match=message):
        tiny().fit(blobs[0], sample_weight=sample_weight)


def test_sample_weight_is_not_mutated(blobs):
    weight = np.linspace(0, 2, len(blobs[0]))
    copy = weight.copy()
    tiny(epochs=1).fit(blobs[0], sample_weight=weight)
    np.testing.assert_array_equal(weight, copy)
