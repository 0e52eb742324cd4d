import pickle
import warnings

import numpy as np
import pytest
from _instances import checked_threshold_estimators, expected_failed_checks
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, TimeSeriesSplit
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
        self.fit_scores_ = np.asarray(X, dtype=float)[:, 0]
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
    model = CostThreshold(StubDetector(), **cost, confidence=None, cv=2).fit(X, y)
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
    low = CostThreshold(StubDetector(), **cost, confidence=None, cv=2).fit(X, y)
    cost = {**cost, "fn_cost": cost["fn_cost"] + raise_by}
    high = CostThreshold(StubDetector(), **cost, confidence=None, cv=2).fit(X, y)
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


def _held_out_normal_scores(model, X, y):
    """The anomaly scores of the normal rows the (stub) detector did not train on."""
    normal = X[y == 0, 0]  # the stub's anomaly score is the first feature
    return normal[~np.isin(normal, model.estimator_.fit_scores_)]


def test_label_free_methods_read_held_out_normal_rows(data):
    X, y = data
    rules = {
        "mean_std": lambda s, k: s.mean() + k * s.std(),
        "median_mad": lambda s, k: np.median(s) + k * 1.4826 * np.median(np.abs(s - np.median(s))),
        "iqr": lambda s, k: np.quantile(s, 0.75) + k * np.subtract(*np.quantile(s, [0.75, 0.25])),
    }
    for method, rule in rules.items():
        default_k = {"mean_std": 1, "median_mad": 3, "iqr": 1.5}[method]
        for k, default in ((2.0, None), (None, default_k)):
            model = ThresholdSelector(
                StubDetector(),
                method=method,
                k=k,
                refit=False,
                random_state=0,
                anomaly_label=1,
            ).fit(X, y)
            held_out = _held_out_normal_scores(model, X, y)
            # 30 % of the rows held out, stratified: 54 of the 180 normal ones
            assert len(held_out) == 54
            assert model.estimator_.n_fit_rows_ == 180 - 54
            expected = rule(held_out, default if k is None else k)
            assert model.best_threshold_ == pytest.approx(expected)
    quantile = ThresholdSelector(
        StubDetector(),
        method="quantile",
        quantile=0.9,
        refit=False,
        random_state=0,
        anomaly_label=1,
    ).fit(X, y)
    assert quantile.best_threshold_ == pytest.approx(
        np.quantile(_held_out_normal_scores(quantile, X, y), 0.9)
    )
    # refit=True retrains on all normal rows and keeps the threshold
    refitted = ThresholdSelector(
        StubDetector(), method="quantile", quantile=0.9, random_state=0, anomaly_label=1
    ).fit(X, y)
    assert refitted.estimator_.n_fit_rows_ == 180
    assert refitted.best_threshold_ == quantile.best_threshold_
    fixed = ThresholdSelector(StubDetector(), method="fixed", threshold=1.5, anomaly_label=1)
    fixed.fit(X, y)
    assert fixed.best_threshold_ == 1.5
    np.testing.assert_array_equal(fixed.predict(X), (X[:, 0] >= 1.5).astype(int))
    # No held-out rows: one model, trained on the normal rows only.
    assert fixed.estimator_.n_fit_rows_ == (y == 0).sum()
    with pytest.raises(ValueError, match='method="fixed" needs a threshold'):
        ThresholdSelector(StubDetector(), method="fixed", anomaly_label=1).fit(X, y)


def test_label_free_methods_need_no_anomaly_labels(data):
    X, y = data
    normal = X[y == 0]
    model = ThresholdSelector(StubDetector(), method="conformal", random_state=0).fit(normal)
    np.testing.assert_array_equal(model.classes_, [-1, 1])
    assert set(model.predict(X)) <= {-1, 1}
    only_normal = ThresholdSelector(
        StubDetector(), method="iqr", anomaly_label=1, random_state=0
    ).fit(normal, np.zeros(len(normal), dtype=int))
    np.testing.assert_array_equal(only_normal.classes_, [0, 1])
    with pytest.raises(ValueError, match="requires y to be passed"):
        ThresholdSelector(StubDetector(), method="f1").fit(normal)
    with pytest.raises(ValueError, match="anomaly_label must be -1"):
        ThresholdSelector(StubDetector(), method="conformal", anomaly_label=1).fit(normal)


def test_conformal_threshold_and_p_values(data):
    X, y = data
    model = ThresholdSelector(
        StubDetector(), method="conformal", alpha=0.1, random_state=0, anomaly_label=1
    ).fit(X, y)
    calibration = model.calibration_scores_
    np.testing.assert_array_equal(calibration, np.sort(_held_out_normal_scores(model, X, y)))
    n = len(calibration)  # 54
    rank = int(np.ceil((n + 1) * 0.9))
    # flagged exactly above the rank-th smallest calibration score ...
    scores = X[:, 0]
    np.testing.assert_array_equal(model.predict(X) == 1, scores > calibration[rank - 1])
    # ... which is where the p-value drops to alpha or below
    p_values = model.predict_pvalues(X)
    np.testing.assert_array_equal(model.predict(X) == 1, p_values <= 0.1)
    expected = (1 + (calibration[None, :] >= scores[:, None]).sum(axis=1)) / (n + 1)
    np.testing.assert_allclose(p_values, expected)
    assert not hasattr(ThresholdSelector(StubDetector(), method="f1"), "predict_pvalues")
    with pytest.warns(UserWarning, match="too few"):
        few = ThresholdSelector(
            StubDetector(), method="conformal", alpha=0.01, random_state=0, anomaly_label=1
        ).fit(X, y)
    assert np.isinf(few.best_threshold_)


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
    message = r"anomaly_label=-1 is not among the labels in y \(\[0, 1\]\)"
    with pytest.raises(ValueError, match=message):
        CostThreshold(StubDetector(), **COSTS).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        ThresholdSelector(StubDetector(), anomaly_label=1).fit(X, np.ones_like(y))
    with pytest.raises(ValueError, match="Only binary classification"):
        ThresholdSelector(StubDetector(), anomaly_label=1).fit(X, np.arange(len(y)) % 3)


def test_predict_and_decision_function_use_y_coding(data):
    X, y01 = data
    y = np.where(y01 == 1, "break", "ok")
    forest = IsolationForest(n_estimators=20, random_state=0)
    model = CostThreshold(forest, **COSTS, anomaly_label="break")
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
    forest = IsolationForest(n_estimators=20, random_state=0)
    model01 = CostThreshold(forest, **COSTS, anomaly_label=1)
    decision01 = model01.fit(X, y01).decision_function(X)
    np.testing.assert_array_equal((decision01 > 0).astype(int), model01.predict(X))
    np.testing.assert_allclose(model01.score_samples(X), model01.estimator_.score_samples(X))


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
    model = CostThreshold(FrozenEstimator(forest), **COSTS, confidence=None, anomaly_label=1).fit(
        X, y
    )
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
    forest = IsolationForest(n_estimators=20, random_state=0)
    model = CostThreshold(forest, **COSTS, anomaly_label=1)
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
    tiny = AutoencoderDetector(epochs=3, batch_size=256, early_stopping=False, random_state=0)
    pipe = Pipeline(
        [
            (
                "scale",
                StandardScaler(),
            ),
            (
                # confidence=None: the plain least held-out cost; the
                # no-regret rule has its own tests below, and with 88
                # held-out rows and a 3-epoch network it rightly trusts nothing
                "cost",
                CostThreshold(
                    tiny,
                    **COSTS,
                    confidence=None,
                    cv=0.5,
                    refit=False,
                    random_state=0,
                    anomaly_label=1,
                ),
            ),
        ]
    )
    scorer = make_cost_scorer(**COSTS, anomaly_label=1)
    search = GridSearchCV(
        pipe, {"cost__detector__hidden_units": [(2,), (4,)]}, scoring=scorer, cv=2, n_jobs=2
    ).fit(X, y)
    assert search.best_params_["cost__detector__hidden_units"] in [(2,), (4,)]
    # Base cost of each test half: every anomaly missed.
    assert search.best_score_ > -100 * 8
    assert search.score(X, y) == scorer(search.best_estimator_, X, y)


# ------------------------------------------------------ guarantees (issue 14)


@settings(deadline=None, max_examples=20)
@given(
    n=st.integers(10, 300),
    alpha=st.sampled_from([0.01, 0.05, 0.1, 0.2]),
    seed=st.integers(0, 2**31 - 1),
)
def test_conformal_false_alarm_rate_is_at_most_alpha(n, alpha, seed):
    # 4000 repetitions: calibrate on n normal scores, test one fresh normal
    # score. Under exchangeability a flag is a Bernoulli draw of probability
    # 1 - ceil((n + 1)(1 - alpha)) / (n + 1) <= alpha, so the flags count is
    # binomial: at most alpha * R plus 4 standard deviations.
    from sklearn_recon.threshold._rules import conformal_threshold

    rng = np.random.default_rng(seed)
    repetitions = 4000
    scores = rng.standard_t(3, size=(repetitions, n + 1))  # heavy tails, any law works
    rank = int(np.ceil((n + 1) * (1 - alpha)))
    if rank > n:
        with pytest.warns(UserWarning, match="too few"):
            assert np.isinf(conformal_threshold(scores[0, :n], alpha))
        return
    thresholds = np.array([conformal_threshold(row[:n], alpha) for row in scores[:200]])
    sorted_rows = np.sort(scores[:, :n], axis=1)
    np.testing.assert_array_equal(thresholds, np.nextafter(sorted_rows[:200, rank - 1], np.inf))
    flags = scores[:, n] > sorted_rows[:, rank - 1]
    exact = 1 - rank / (n + 1)
    assert exact <= alpha + 1e-12
    spread = 4 * np.sqrt(repetitions * exact * (1 - exact)) + 1
    assert abs(flags.sum() - repetitions * exact) <= spread


def test_conformal_selector_keeps_its_false_alarm_rate_on_fresh_normal_rows():
    # The estimator end to end, over 300 simulated data sets.
    rng = np.random.default_rng(0)
    alpha, flags, repetitions = 0.1, 0, 300
    for _ in range(repetitions):
        X = rng.normal(size=(60, 1))
        model = ThresholdSelector(
            StubDetector(),
            method="conformal",
            alpha=alpha,
            random_state=int(rng.integers(2**31)),
        ).fit(X)
        flags += int(model.predict(rng.normal(size=(1, 1)))[0] == -1)
    # 18 calibration rows: the exact rate is 1 - 18/19 = 0.053 <= alpha
    assert flags <= repetitions * alpha + 4 * np.sqrt(repetitions * alpha * (1 - alpha))


@settings(deadline=None, max_examples=15)
@given(
    m=st.integers(5, 60),
    share=st.floats(0.0, 0.8),
    alpha=st.sampled_from([0.05, 0.1, 0.2]),
    seed=st.integers(0, 2**31 - 1),
)
def test_benjamini_hochberg_controls_the_false_discovery_rate(m, share, alpha, seed):
    from sklearn_recon.threshold import benjamini_hochberg

    rng = np.random.default_rng(seed)
    m1 = int(round(share * m))
    is_null = np.r_[np.ones(m - m1, dtype=bool), np.zeros(m1, dtype=bool)]
    batches = 800
    fdp = np.empty(batches)
    for b in range(batches):
        p = np.where(is_null, rng.uniform(size=m), rng.beta(0.1, 5, size=m))
        found = benjamini_hochberg(p, alpha=alpha)
        fdp[b] = (found & is_null).sum() / max(found.sum(), 1)
    bound = alpha * (m - m1) / m  # BH's FDR for independent p-values
    assert fdp.mean() <= bound + 4 * fdp.std() / np.sqrt(batches) + 1e-12


def test_benjamini_hochberg_refuses_bad_p_values():
    from sklearn_recon.threshold import benjamini_hochberg

    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.1, 1.5])
    with pytest.raises(ValueError, match="alpha"):
        benjamini_hochberg([0.1], alpha=1.0)
    assert benjamini_hochberg([]).shape == (0,)


def _rare_anomalies(rng, n=3000, share=0.02):
    y = (rng.uniform(size=n) < share).astype(int)
    y[:2] = 1  # at least two anomalies
    return y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flag_nothing_wins_when_the_scores_carry_no_signal(seed):
    rng = np.random.default_rng(seed)
    y = _rare_anomalies(rng)
    X = rng.normal(size=(len(y), 1))  # independent of the labels
    with pytest.warns(UserWarning, match="flags nothing"):
        model = CostThreshold(StubDetector(), **COSTS, anomaly_label=1).fit(X, y)
    assert np.isinf(model.best_threshold_) and (model.predict(X) == 0).all()
    assert model.saving_ == 0 and model.best_cost_ == model.base_cost_


def test_a_separating_detector_is_trusted_and_saves():
    rng = np.random.default_rng(0)
    y = _rare_anomalies(rng)
    X = (y + 0.1 * rng.uniform(size=len(y)))[:, None]  # anomalies score above 1
    model = CostThreshold(StubDetector(), **COSTS, anomaly_label=1).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), y)
    n_anomalies = y.sum()
    assert model.base_cost_ == 100 * n_anomalies
    assert model.best_cost_ == 5 * n_anomalies  # every anomaly caught, no false alarm
    assert model.saving_ == model.base_cost_ - model.best_cost_
    assert 0 < model.saving_lower_bound_ <= model.saving_
    bounds = model.cv_results_["saving_lower_bounds"]
    assert model.saving_lower_bound_ == bounds.max()
    assert model.cv_results_["block_savings"].shape == (5, len(bounds))
    # chosen without each block, the threshold still saves on it
    assert model.cross_fitted_savings_.shape == (5,)
    assert (model.cross_fitted_savings_ > 0).all()


def test_under_drift_a_time_ordered_cv_flags_nothing_rather_than_lose():
    # Anomalies stand out only in the first quarter of the training series;
    # later (and in the test part) their scores look like the normal ones.
    rng = np.random.default_rng(0)
    y = _rare_anomalies(rng, n=4000)
    time = np.arange(len(y))
    stands_out = time < 750  # the first quarter of the 3000 training rows
    X = (rng.normal(size=len(y)) + 6.0 * y * stands_out)[:, None]
    train, test = time < 3000, time >= 3000
    with pytest.warns(UserWarning, match="flags nothing"):
        careful = CostThreshold(
            StubDetector(), **COSTS, cv=TimeSeriesSplit(5), anomaly_label=1
        ).fit(X[train], y[train])
    base = total_cost(y[test], np.zeros(test.sum()), **COSTS, anomaly_label=1)
    assert total_cost(y[test], careful.predict(X[test]), **COSTS, anomaly_label=1) == base
    # The pooled least cost alone trusts the early saving and loses money.
    eager = CostThreshold(
        StubDetector(), **COSTS, confidence=None, cv=TimeSeriesSplit(5), anomaly_label=1
    ).fit(X[train], y[train])
    assert total_cost(y[test], eager.predict(X[test]), **COSTS, anomaly_label=1) > base


def test_cross_fitted_savings_score_each_block_with_a_choice_made_without_it():
    from sklearn_recon.threshold._rules import cross_fitted_savings, lower_bound

    # Thresholds a, b, c and "flag nothing": each saves on two or one of the
    # five blocks, never on a block where the others chose it.
    block_savings = np.array(
        [
            [100, 0, 0, 0],
            [0, 100, 0, 0],
            [0, 0, 100, 0],
            [100, 0, 0, 0],
            [0, 100, 0, 0],
        ],
        dtype=float,
    )
    # judged on the blocks it was chosen on, threshold a looks reliable ...
    assert lower_bound(block_savings, 0.9).max() > 0
    # ... but chosen without a block, no threshold saves on that block
    cross = cross_fitted_savings(block_savings, 0.9)
    assert cross.shape == (5,) and cross.sum() <= 100
    assert lower_bound(cross[:, None], 0.9)[0] <= 0


def test_per_sample_costs(data):
    X, y = data
    rng = np.random.default_rng(0)
    amount = rng.uniform(10, 500, size=len(y))  # a missed anomaly costs its amount
    model = CostThreshold(
        StubDetector(), fp_cost=5, fn_cost=100, confidence=None, cv=2, anomaly_label=1
    ).fit(X, y, fn_cost=amount)
    scores = X[:, 0]
    candidates = np.r_[np.unique(scores), np.inf]
    brute = [
        total_cost(y, (scores >= t).astype(int), fp_cost=5, fn_cost=amount, anomaly_label=1)
        for t in candidates
    ]
    assert model.best_cost_ == pytest.approx(min(brute))
    assert model.base_cost_ == pytest.approx(amount[y == 1].sum())
    with pytest.raises(ValueError, match="one cost per sample"):
        CostThreshold(StubDetector(), fp_cost=5, fn_cost=100, anomaly_label=1).fit(
            X, y, fn_cost=amount[:-1]
        )


def test_per_sample_costs_are_routed_to_the_meta_estimator_and_the_scorer(data):
    X, y = data
    amount = np.random.default_rng(0).uniform(10, 500, size=len(y))
    with config_context(enable_metadata_routing=True):
        model = CostThreshold(
            StubDetector(), fp_cost=5, fn_cost=100, cv=2, anomaly_label=1
        ).set_fit_request(fn_cost=True)
        scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
        scorer = scorer.set_score_request(fn_cost=True)
        search = GridSearchCV(
            model, {"tp_cost": [0, 5]}, scoring=scorer, cv=StratifiedKFold(2)
        ).fit(X, y, fn_cost=amount)
        fitted = search.best_estimator_
        assert fitted.base_cost_ == pytest.approx(amount[y == 1].sum())
        # the scorer read the amounts too: minus the cost with them
        expected = -total_cost(
            y,
            fitted.predict(X),
            fp_cost=5,
            fn_cost=amount,
            tp_cost=fitted.tp_cost,
            anomaly_label=1,
        )
        assert scorer(fitted, X, y, fn_cost=amount) == pytest.approx(expected)
