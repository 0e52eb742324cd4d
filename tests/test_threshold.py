import pickle
import warnings

import numpy as np
import pytest
from _instances import checked_threshold_estimators, expected_failed_checks
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from strategies import costs, labelled_scores

from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    ThresholdSelector,
    make_cost_scorer,
)
from sklearn_recon.metrics import cost_curve, total_cost

SETTINGS = settings(deadline=None, max_examples=50)
COSTS = dict(fp_cost=5, fn_cost=100, tp_cost=5)


@parametrize_with_checks(
    list(checked_threshold_estimators()), expected_failed_checks=expected_failed_checks
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


class StubDetector(OutlierMixin, BaseEstimator):
    """Closed-form detector: the anomaly score is the first feature.

    It records how many rows (and whether labels) ``fit`` saw.
    """

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.n_fit_rows_ = len(X)
        self.saw_labels_ = y is not None
        return self

    def score_samples(self, X):
        return -np.asarray(X, dtype=float)[:, 0]

    def predict(self, X):
        return np.where(self.score_samples(X) < 0, -1, 1)


class LabelledStub(StubDetector):
    """A stub that, like RNNClassifierDetector, names the anomaly class."""

    def __init__(self, anomaly_label=-1):
        self.anomaly_label = anomaly_label


@pytest.fixture(scope="module")
def data():
    """Two clusters: 180 normal rows around 0, 20 anomalies around 4 (0/1 labels)."""
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(180, 4)), rng.normal(4, 1, size=(20, 4))]
    y = np.r_[np.zeros(180, dtype=int), np.ones(20, dtype=int)]
    return X, y


# --------------------------------------------------------- threshold choice


@SETTINGS
@given(data=labelled_scores(min_each=2), cost=costs())
def test_cost_threshold_costs_no_more_than_any_candidate(data, cost):
    y, scores = data
    X = scores[:, None]
    model = CostThreshold(StubDetector(), **cost, cv=2).fit(X, y)
    candidates = np.r_[np.unique(scores), np.inf]
    brute = [total_cost(y, np.where(scores >= t, -1, 1), **cost) for t in candidates]
    # The stub scores every row the same in every fold, so the pooled
    # held-out data is the whole training set.
    assert model.best_cost_ == pytest.approx(min(brute))
    assert total_cost(y, model.predict(X), **cost) == pytest.approx(min(brute))


@SETTINGS
@given(data=labelled_scores(min_each=2), cost=costs(), raise_by=st.integers(1, 200))
def test_raising_fn_cost_never_raises_the_threshold(data, cost, raise_by):
    y, scores = data
    X = scores[:, None]
    low = CostThreshold(StubDetector(), **cost, cv=2).fit(X, y)
    cost = {**cost, "fn_cost": cost["fn_cost"] + raise_by}
    high = CostThreshold(StubDetector(), **cost, cv=2).fit(X, y)
    assert high.best_threshold_ <= low.best_threshold_


def test_f1_threshold_and_cv_results(data):
    X, y = data
    model = ThresholdSelector(StubDetector(), anomaly_label=1).fit(X, y)
    results = model.cv_results_
    assert set(results) == {"thresholds", "scores", "precision", "recall"}
    assert results["scores"].shape == results["thresholds"].shape
    assert model.best_score_ == pytest.approx(results["scores"].max())
    # The threshold separates the held-out rows it was chosen on: every
    # flagged training row scores above it, every other one below.
    scores = -model.score_samples(X)
    flagged = model.predict(X) == 1
    assert scores[flagged].min() > model.best_threshold_ > scores[~flagged].max()


def test_label_free_methods(data):
    X, y = data
    normal_scores = X[y == 0, 0]  # the stub's anomaly score is the first feature
    mean_std = ThresholdSelector(StubDetector(), method="mean_std", k=2, anomaly_label=1)
    assert mean_std.fit(X, y).best_threshold_ == pytest.approx(
        normal_scores.mean() + 2 * normal_scores.std()
    )
    quantile = ThresholdSelector(StubDetector(), method="quantile", quantile=0.9, anomaly_label=1)
    assert quantile.fit(X, y).best_threshold_ == pytest.approx(
        np.quantile(normal_scores, 0.9)
    )
    fixed = ThresholdSelector(StubDetector(), method="fixed", threshold=1.5, anomaly_label=1)
    fixed.fit(X, y)
    assert fixed.best_threshold_ == 1.5
    np.testing.assert_array_equal(fixed.predict(X), (X[:, 0] >= 1.5).astype(int))
    # No cross-validation: one model, trained on the normal rows only.
    assert fixed.estimator_.n_fit_rows_ == (y == 0).sum()
    with pytest.raises(ValueError, match='method="fixed" needs a threshold'):
        ThresholdSelector(StubDetector(), method="fixed", anomaly_label=1).fit(X, y)


def test_scorer_methods(data):
    X, y = data
    exact = CostThreshold(StubDetector(), **COSTS, anomaly_label=1).fit(X, y)
    scorer = make_cost_scorer(**COSTS, anomaly_label=1)
    by_scorer = ThresholdSelector(StubDetector(), method=scorer, anomaly_label=1).fit(X, y)
    # The scorer tries a grid of thresholds, the cost curve every one.
    assert by_scorer.best_score_ <= exact.best_score_ + 1e-9
    assert by_scorer.best_score_ == pytest.approx(
        scorer(by_scorer, X, y)
    )  # the stub scores held-out and training rows alike
    balanced = ThresholdSelector(StubDetector(), method="balanced_accuracy", anomaly_label=1)
    assert 0.5 < balanced.fit(X, y).best_score_ <= 1


def test_ranking_scorer_gives_the_held_out_roc_auc(data):
    # A scorer of the decision values (not the labels) is the same at every
    # threshold, the flag-nothing one included, and equals the held-out ROC-AUC.
    X, y = data
    model = ThresholdSelector(StubDetector(), method="roc_auc", anomaly_label=1).fit(X, y)
    scores = model.cv_results_["scores"]
    assert np.all(np.isfinite(scores))
    assert np.isinf(model.cv_results_["thresholds"][-1])
    np.testing.assert_allclose(scores, roc_auc_score(y, X[:, 0]))


# ---------------------------------------------------------------- semantics


def test_wrong_anomaly_label_is_a_clear_error(data):
    X, y = data
    with pytest.raises(ValueError, match=r"anomaly_label=-1 is not among the labels in y \(\[0, 1\]\)"):
        CostThreshold(StubDetector(), **COSTS).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        ThresholdSelector(StubDetector(), anomaly_label=1).fit(X, np.ones_like(y))
    with pytest.raises(ValueError, match="Only binary classification"):
        ThresholdSelector(StubDetector(), anomaly_label=1).fit(X, np.arange(len(y)) % 3)


def test_predict_and_decision_function_use_y_coding(data):
    X, y01 = data
    y = np.where(y01 == 1, "break", "ok")
    model = CostThreshold(IsolationForest(n_estimators=20, random_state=0), **COSTS, anomaly_label="break")
    model.fit(X, y)
    np.testing.assert_array_equal(model.classes_, ["break", "ok"])
    pred = model.predict(X)
    assert set(pred) == {"break", "ok"}
    assert (pred == y).mean() > 0.9
    # classes_[1] ("ok") is normal: the decision is negative for anomalies,
    # like a detector's, and its sign agrees with predict.
    decision = model.decision_function(X)
    np.testing.assert_array_equal(model.classes_[(decision > 0).astype(int)], pred)
    # With 0/1 labels and 1 = anomaly, positive decisions are anomalies.
    model01 = CostThreshold(IsolationForest(n_estimators=20, random_state=0), **COSTS, anomaly_label=1)
    decision01 = model01.fit(X, y01).decision_function(X)
    np.testing.assert_array_equal((decision01 > 0).astype(int), model01.predict(X))
    np.testing.assert_allclose(
        model01.score_samples(X), model01.estimator_.score_samples(X)
    )


def test_train_on(data):
    X, y = data
    n_normal = (y == 0).sum()
    normal = ThresholdSelector(StubDetector(), anomaly_label=1).fit(X, y)
    assert normal.estimator_.n_fit_rows_ == n_normal and not normal.estimator_.saw_labels_
    every = ThresholdSelector(StubDetector(), train_on="all", anomaly_label=1).fit(X, y)
    assert every.estimator_.n_fit_rows_ == len(y) and every.estimator_.saw_labels_
    # A detector with its own anomaly_label learns from labels on "auto" ...
    auto = ThresholdSelector(LabelledStub(anomaly_label=1), anomaly_label=1).fit(X, y)
    assert auto.estimator_.saw_labels_ and auto.estimator_.n_fit_rows_ == len(y)
    # ... and must agree with the meta-estimator on which class is the anomaly.
    with pytest.raises(ValueError, match="anomaly_label=-1 differs"):
        ThresholdSelector(LabelledStub(), anomaly_label=1).fit(X, y)


def test_classifier_inside_uses_anomaly_probability(data):
    X, y = data
    model = ThresholdSelector(LogisticRegression(), anomaly_label=1).fit(X, y)
    assert 0 <= model.best_threshold_ <= 1
    assert not hasattr(model, "score_samples")
    assert (model.predict(X) == y).mean() > 0.95


def test_refit_and_cv_options(data):
    X, y = data
    with pytest.raises(ValueError, match="refit must be True"):
        CostThreshold(StubDetector(), **COSTS, refit=False, anomaly_label=1).fit(X, y)
    single = CostThreshold(
        StubDetector(), **COSTS, cv=0.25, refit=False, random_state=0, anomaly_label=1
    ).fit(X, y)
    assert single.estimator_.n_fit_rows_ == 135  # the normal rows of 75%
    assert len(single.cv_results_["costs"]) <= 50 + 1  # held-out rows + inf


def test_frozen_detector_is_used_as_is(data):
    X, y = data
    forest = IsolationForest(n_estimators=20, random_state=0).fit(X[y == 0])
    trees = forest.estimators_
    model = CostThreshold(FrozenEstimator(forest), **COSTS, anomaly_label=1).fit(X, y)
    assert model.estimator_.estimator is forest and forest.estimators_ is trees
    # The threshold is chosen on the data given to fit.
    costs_, _ = cost_curve(y, -forest.score_samples(X), **COSTS, anomaly_label=1)
    assert model.best_cost_ == costs_.min()
    assert total_cost(y, model.predict(X), **COSTS, anomaly_label=1) == costs_.min()


@pytest.mark.parametrize(
    "detector",
    [IsolationForest(n_estimators=20, random_state=0), LocalOutlierFactor(novelty=True)],
    ids=["IsolationForest", "LOF"],
)
@pytest.mark.parametrize("meta", ["selector", "cost"])
def test_wraps_sklearn_detectors(data, detector, meta):
    X, y = data
    model = (
        ThresholdSelector(detector, anomaly_label=1)
        if meta == "selector"
        else CostThreshold(detector, **COSTS, anomaly_label=1)
    )
    model.fit(X, y)
    assert model.n_features_in_ == 4
    assert (model.predict(X) == y).mean() > 0.9


def test_lof_without_novelty_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="'detector' parameter of CostThreshold"):
        CostThreshold(LocalOutlierFactor(), **COSTS, anomaly_label=1).fit(X, y)


def test_pickle_and_clone(data):
    X, y = data
    model = CostThreshold(IsolationForest(n_estimators=20, random_state=0), **COSTS, anomaly_label=1)
    params = model.get_params()
    model.fit(X, y)
    assert model.get_params() == params
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert not hasattr(clone(model), "estimator_")


# ------------------------------------------------------------- Keras inside


def test_grid_search_over_cost_threshold_with_autoencoder():
    rng = np.random.RandomState(1)
    basis = rng.normal(size=(2, 8))
    X_normal = rng.normal(size=(160, 2)) @ basis + 0.05 * rng.normal(size=(160, 8))
    X_anomaly = rng.normal(size=(16, 8)) * 2
    X = np.r_[X_normal, X_anomaly]
    y = np.r_[np.zeros(160, dtype=int), np.ones(16, dtype=int)]
    tiny = AutoencoderDetector(
        epochs=3, batch_size=256, early_stopping=False, random_state=0
    )
    pipe = Pipeline(
        [("scale", StandardScaler()), ("cost", CostThreshold(tiny, **COSTS, cv=0.5, refit=False, random_state=0, anomaly_label=1))]
    )
    scorer = make_cost_scorer(**COSTS, anomaly_label=1)
    search = GridSearchCV(
        pipe, {"cost__detector__hidden_units": [(2,), (4,)]}, scoring=scorer, cv=2, n_jobs=2
    ).fit(X, y)
    assert search.best_params_["cost__detector__hidden_units"] in [(2,), (4,)]
    # Base cost of each test half: every anomaly missed.
    assert search.best_score_ > -100 * 8
    assert search.score(X, y) == scorer(search.best_estimator_, X, y)


def test_mean_std_matches_autoencoder_own_threshold(blobs):
    X_train, X_test, y_test = blobs
    X = np.r_[X_train, X_test[y_test == -1]]
    y = np.r_[np.ones(len(X_train), dtype=int), -np.ones((y_test == -1).sum(), dtype=int)]
    detector = AutoencoderDetector(hidden_units=(4,), epochs=2, batch_size=256, random_state=0)
    selector = ThresholdSelector(detector, method="mean_std").fit(X, y)
    # Trained on the same normal rows with the same seed, the detector's own
    # "auto" threshold is the same mean + 1 std of the training errors.
    own = clone(detector).fit(X_train)
    assert selector.best_threshold_ == pytest.approx(own.threshold_)
    np.testing.assert_array_equal(selector.predict(X_test), own.predict(X_test))
