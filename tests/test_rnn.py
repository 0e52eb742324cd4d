"""RNNClassifierDetector: labelled and unlabelled training, the outlier contract."""

import pickle

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from sklearn_recon import RNNClassifierDetector
from sklearn_recon.rnn import _synthetic_anomalies

N_STEPS = 16


def tiny(**params):
    return RNNClassifierDetector(
        **{
            "units": 6,
            "epochs": 15,
            "batch_size": 32,
            "learning_rate": 0.01,
            "random_state": 0,
            **params,
        }
    )


def make_sequences(n_normal, n_anomaly, seed):
    """Sine waves of random phase; anomalies carry a level shift on a segment."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 2 * np.pi, N_STEPS)
    X = np.sin(t + rng.uniform(0, 2 * np.pi, size=(n_normal + n_anomaly, 1)))
    X += 0.05 * rng.normal(size=X.shape)
    for row in range(n_normal, n_normal + n_anomaly):
        start = rng.randint(0, N_STEPS - 5)
        X[row, start : start + 5] += rng.choice([-2.0, 2.0])
    y = np.r_[np.ones(n_normal, dtype=int), -np.ones(n_anomaly, dtype=int)]
    return X, y


@pytest.fixture(scope="module")
def data():
    X_train, y_train = make_sequences(300, 40, seed=0)
    X_test, y_test = make_sequences(100, 30, seed=1)
    return X_train, y_train, X_test, y_test


@pytest.fixture(scope="module")
def fitted(data):
    return tiny().fit(data[0], data[1])


# ------------------------------------------------------------ outlier contract


def test_learns_the_labelled_anomalies(fitted, data):
    X_test, y_test = data[2], data[3]
    assert roc_auc_score(y_test == -1, -fitted.score_samples(X_test)) >= 0.9
    assert np.mean(fitted.predict(X_test) == y_test) >= 0.85


def test_scores_probabilities_and_predictions_agree(fitted, data):
    X_test = data[2]
    scores = fitted.score_samples(X_test)
    proba = fitted.predict_proba(X_test)
    np.testing.assert_array_equal(fitted.classes_, [-1, 1])
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # score_samples is the log-odds of normal; column 0 the anomaly probability.
    np.testing.assert_allclose(proba[:, 0], expit(-scores), rtol=1e-12)
    # The default threshold is the probability 0.5.
    assert fitted.threshold_ == 0.0
    np.testing.assert_array_equal(fitted.decision_function(X_test), scores)
    np.testing.assert_array_equal(fitted.predict(X_test), np.where(proba[:, 0] > 0.5, -1, 1))
    assert {-1, 1} == set(fitted.predict(X_test))


def test_float_contamination_flags_that_share_of_training_rows(data):
    detector = tiny(epochs=1, contamination=0.1).fit(data[0], data[1])
    assert np.mean(detector.predict(data[0]) == -1) == pytest.approx(0.1, abs=0.01)


def test_fit_predict_uses_the_labels(data):
    X, y = data[0], data[1]
    # OutlierMixin.fit_predict would drop y; this one passes it on to fit.
    with pytest.raises(ValueError, match="anomaly_label=-1 is not among"):
        tiny().fit_predict(X, y + 1)
    detector = tiny(epochs=1)
    np.testing.assert_array_equal(detector.fit_predict(X, y), detector.predict(X))


# ---------------------------------------------------------------------- labels


def test_zero_one_coding_with_anomaly_label_one_gives_the_same_model(fitted, data):
    X, y, X_test = data[0], data[1], data[2]
    coded = tiny(anomaly_label=1).fit(X, np.where(y == -1, 1, 0))
    np.testing.assert_array_equal(coded.score_samples(X_test), fitted.score_samples(X_test))


def test_any_other_value_is_normal(data):
    X, y = data[0], data[1]
    several = np.where(y == -1, "bad", np.where(np.arange(len(y)) % 2, "ok", "fine"))
    targets = tiny(anomaly_label="bad")._training_targets(X, several)
    np.testing.assert_array_equal(targets, tiny()._training_targets(X, y))
    np.testing.assert_array_equal(targets, y == -1)


def test_missing_anomaly_label_is_a_clear_error_and_leaves_it_unfitted(fitted, data):
    detector = pickle.loads(pickle.dumps(fitted))
    with pytest.raises(
        ValueError, match=r"anomaly_label=-1 is not among the labels in y \(\[0, 1\]\)"
    ):
        detector.fit(data[0], (data[1] == -1).astype(int))
    with pytest.raises(NotFittedError):
        detector.predict(data[2])


def test_one_class_y_is_a_clear_error(data):
    with pytest.raises(ValueError, match="y holds one class only"):
        tiny().fit(data[0], -np.ones(len(data[0])))


@pytest.mark.parametrize(
    "y, match",
    [
        (np.ones(5), "inconsistent numbers of samples"),
        (np.ones((340, 2)), "y should be a 1d array"),
    ],
)
def test_bad_y(data, y, match):
    with pytest.raises(ValueError, match=match):
        tiny().fit(data[0], y)


def test_balanced_class_weight_changes_training(fitted, data):
    unweighted = tiny(class_weight=None).fit(data[0], data[1])
    assert not np.allclose(unweighted.score_samples(data[2]), fitted.score_samples(data[2]))


def test_balanced_weights_give_each_class_the_same_total():
    is_anomaly = np.r_[np.zeros(90, bool), np.ones(10, bool)]
    targets = tiny()._pack_targets(is_anomaly)
    np.testing.assert_array_equal(targets[:, 0], is_anomaly)
    assert targets[is_anomaly, 1].sum() == pytest.approx(targets[~is_anomaly, 1].sum())
    assert targets[:, 1].sum() == pytest.approx(100)
    assert (tiny(class_weight=None)._pack_targets(is_anomaly)[:, 1] == 1).all()
    # sample weights count in the class totals and multiply the class weights
    weight = np.where(np.arange(100) % 2, 1.0, 3.0)
    weighted = tiny()._pack_targets(is_anomaly, weight)
    assert weighted[is_anomaly, 1].sum() == pytest.approx(weighted[~is_anomaly, 1].sum())
    np.testing.assert_allclose(weighted[:90, 1] / weight[:90], weighted[0, 1] / weight[0])


def test_weighted_loss_is_weighted_binary_cross_entropy():
    from sklearn_recon._networks import weighted_logit_loss

    rng = np.random.RandomState(0)
    labels, weights, logits = rng.randint(0, 2, 8), rng.uniform(0.5, 3, 8), rng.normal(size=8)
    loss = np.asarray(
        weighted_logit_loss(
            np.column_stack([labels, weights]).astype("float32"),
            logits[:, None].astype("float32"),
        )
    )
    expected = weights * (np.logaddexp(0, logits) - labels * logits)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_validation_split_is_stratified():
    is_anomaly = np.r_[np.zeros(95, bool), np.ones(5, bool)]
    targets = tiny()._pack_targets(is_anomaly)
    x = np.arange(100.0)[:, None, None]
    (x_train, t_train, _), (x_val, t_val, _) = tiny()._split_validation(x, targets, None, seed=3)
    assert t_val[:, 0].sum() == 1 and len(t_val) == 11
    assert t_train[:, 0].sum() == 4
    assert sorted(np.r_[x_train.ravel(), x_val.ravel()]) == list(range(100))
    # A class with one row only stays in training.
    one = tiny()._pack_targets(np.arange(20) == 7)
    (_, t_train, _), (_, t_val, _) = tiny()._split_validation(x[:20], one, None, seed=3)
    assert t_val[:, 0].sum() == 0 and len(t_val) == 2 and t_train[:, 0].sum() == 1


def test_too_few_rows_of_each_class_for_validation():
    with pytest.raises(ValueError, match="no validation rows with n_samples = 2"):
        tiny().fit(np.ones((2, 4)), [1, -1])
    assert tiny(epochs=1, early_stopping=False).fit(np.ones((2, 4)), [1, -1]).n_iter_ == 1


# ----------------------------------------------------------- unlabelled fit


def test_unlabelled_fit_still_detects_anomalies(data):
    X, y, X_test, y_test = data
    detector = tiny(epochs=30).fit(X[y == 1])
    assert roc_auc_score(y_test == -1, -detector.score_samples(X_test)) >= 0.8


def test_synthetic_anomalies_perturb_every_row_without_mutating(data):
    X = data[0][:, :, None].copy()
    before = X.copy()
    anomalies = _synthetic_anomalies(X, np.random.default_rng(0))
    np.testing.assert_array_equal(X, before)
    assert anomalies.shape == X.shape
    changed = np.abs(anomalies - X).max(axis=(1, 2))
    assert (changed > 1e-6).all()
    np.testing.assert_array_equal(anomalies, _synthetic_anomalies(X, np.random.default_rng(0)))
    assert not np.array_equal(anomalies, _synthetic_anomalies(X, np.random.default_rng(1)))


# ------------------------------------------------------------------ networks


def test_stacked_bidirectional_lstm_with_dropout(data):
    X, y, X_test = data[0], data[1], data[2]
    detector = tiny(
        cell="lstm",
        units=(5, 3),
        bidirectional=True,
        dropout=0.2,
        epochs=1,
        early_stopping=False,
    ).fit(X, y)
    names = [type(layer).__name__ for layer in detector.model_.layers]
    assert names == [
        "InputLayer",
        "Conv1D",
        "Bidirectional",
        "Dropout",
        "Bidirectional",
        "Dropout",
        "Dense",
    ]
    forward = detector.model_.layers[2].forward_layer
    backward = detector.model_.layers[2].backward_layer
    assert type(forward).__name__ == "LSTM" and forward.units == 5
    # Both directions get their own seeds, hence different initial weights.
    assert not np.allclose(forward.get_weights()[0], backward.get_weights()[0])
    restored = pickle.loads(pickle.dumps(detector))
    np.testing.assert_array_equal(restored.score_samples(X_test), detector.score_samples(X_test))


def test_downsample_one_feeds_the_raw_steps(data):
    X, y = data[0], data[1]
    detector = tiny(downsample=1, epochs=1, early_stopping=False).fit(X, y)
    names = [type(layer).__name__ for layer in detector.model_.layers]
    assert names == ["InputLayer", "GRU", "Dense"]
    assert detector.model_.layers[1].input.shape[1] == X.shape[1]


def test_three_d_input_and_channels(data):
    X, y = data[0], data[1]
    X2 = X.reshape(len(X), N_STEPS // 2, 2)
    detector = tiny(n_channels=2, epochs=1).fit(X2, y)
    assert detector.n_timesteps_ == N_STEPS // 2
    assert detector.model_.input_shape == (None, N_STEPS // 2, 2)
    np.testing.assert_array_equal(detector.score_samples(X2), detector.score_samples(X))
    with pytest.raises(ValueError, match="X has 3 channels"):
        detector.score_samples(np.ones((2, 4, 3)))


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "params, match",
    [
        ({"units": (4, 0)}, "units must be"),
        ({"cell": "rnn"}, "'cell' parameter"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"class_weight": "inverse"}, "'class_weight' parameter"),
        ({"anomaly_label": None}, "'anomaly_label' parameter"),
        ({"n_channels": 3}, "not a whole number of time steps"),
    ],
)
def test_bad_parameters(data, params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        tiny(**params).fit(data[0], data[1])


def test_bad_input_at_fit_and_predict(fitted, data):
    X = data[0].copy()
    X[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny().fit(X, data[1])
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict_proba(X)
    with pytest.raises(ValueError, match="expecting 16 features"):
        fitted.predict_proba(np.ones((2, 5)))


def test_huge_values_saturate_the_gates_and_never_give_nan(fitted, data):
    X = np.ones((3, N_STEPS))
    X[1, 4] = np.finfo(np.float64).max
    # Straight into the recurrent layer, an infinite value saturates its gates.
    raw = tiny(downsample=1, epochs=1, early_stopping=False).fit(data[0], data[1])
    assert np.isfinite(raw.score_samples(X)).all()
    assert np.isfinite(raw.predict_proba(X)).all()
    # The convolutional front end sums it with the other values of its
    # window: never a NaN score, a clear error instead.
    with pytest.raises(ValueError, match="1 of 3 samples got a non-finite"):
        fitted.score_samples(X)


def test_diverging_training_is_a_clear_error_and_leaves_it_unfitted(data):
    # The gates saturate, so only an absurd step size overflows the loss.
    detector = tiny(learning_rate=1e38, optimizer="sgd", early_stopping=False, epochs=3)
    with pytest.raises(ValueError, match="diverged.*Lower learning_rate"):
        detector.fit(data[0] * 1e3, data[1])
    assert not [name for name in vars(detector) if name.endswith("_")]
