import numpy as np
import pytest
from hypothesis import given, settings
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.inspection import permutation_importance
from sklearn.metrics import precision_recall_fscore_support
from sklearn.metrics._scorer import _BaseScorer
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from strategies import costs, labelled_scores, monotone_transforms

from sklearn_recon import AutoencoderDetector, CostThreshold, make_cost_scorer
from sklearn_recon.metrics import cost_curve, threshold_curve, total_cost

SETTINGS = settings(deadline=None, max_examples=50)


@SETTINGS
@given(data=labelled_scores(max_size=30))
def test_threshold_curve_agrees_with_sklearn_at_every_threshold(data):
    y, scores = data
    precision, recall, f1, thresholds = threshold_curve(y, scores)
    assert np.all(np.diff(thresholds) > 0) and thresholds[-1] == np.inf
    np.testing.assert_array_equal(thresholds[:-1], np.unique(scores))
    for i, t in enumerate(thresholds):
        y_pred = np.where(scores >= t, -1, 1)
        # zero_division=1: precision is 1 where nothing is flagged.
        expected = precision_recall_fscore_support(
            y, y_pred, pos_label=-1, average="binary", zero_division=1
        )[:3]
        np.testing.assert_allclose([precision[i], recall[i], f1[i]], expected)


@SETTINGS
@given(data=labelled_scores(anomaly_label=1), cost=costs())
def test_cost_curve_is_total_cost_of_each_threshold(data, cost):
    y, scores = data
    curve, thresholds = cost_curve(y, scores, **cost, anomaly_label=1)
    brute = [total_cost(y, (scores >= t).astype(int), **cost, anomaly_label=1) for t in thresholds]
    np.testing.assert_allclose(curve, brute)
    # Flagging nothing is the base cost.
    n_anomalies = (y == 1).sum()
    assert curve[-1] == pytest.approx(
        cost["fn_cost"] * n_anomalies + cost["tn_cost"] * (len(y) - n_anomalies)
    )


@SETTINGS
@given(data=labelled_scores(), cost=costs(), transform=monotone_transforms())
def test_curves_are_invariant_under_monotone_transforms(data, cost, transform):
    y, scores = data
    before = threshold_curve(y, scores)
    after = threshold_curve(y, transform(scores))
    for a, b in zip(before[:3], after[:3]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(after[3][:-1], transform(before[3][:-1]))
    np.testing.assert_array_equal(
        cost_curve(y, scores, **cost)[0], cost_curve(y, transform(scores), **cost)[0]
    )


def test_docstring_example_values():
    costs_, thresholds = cost_curve([1, 1, -1, -1], [0.1, 0.4, 0.35, 0.8], fp_cost=5, fn_cost=100)
    # Anomalies (-1) score 0.35 and 0.8. At 0.35 both are flagged, with one
    # false alarm (0.4): cost 5. At 0.4 the anomaly at 0.35 is missed: 105.
    assert thresholds[1] == 0.35 and costs_[1] == 5 and costs_[2] == 105
    np.testing.assert_array_equal(costs_, [10, 5, 105, 100, 200])


@pytest.mark.parametrize(
    "func, kwargs",
    [
        (threshold_curve, {}),
        (cost_curve, dict(fp_cost=1, fn_cost=1)),
    ],
)
def test_anomaly_label_missing_from_y_is_a_clear_error(func, kwargs):
    with pytest.raises(ValueError, match=r"anomaly_label=-1 is not among the labels"):
        func([0, 1, 1], [0.1, 0.2, 0.3], **kwargs)


def test_bad_costs_and_scores_are_refused():
    with pytest.raises(ValueError, match="fp_cost must be a finite number >= 0"):
        cost_curve([1, -1], [0.0, 1.0], fp_cost=-1, fn_cost=1)
    with pytest.raises(ValueError, match="NaN or infinite"):
        threshold_curve([1, -1], [np.nan, 1.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        threshold_curve([1, -1, 1], [0.0, 1.0])
    with pytest.raises(ValueError, match="fn_cost"):
        make_cost_scorer(fp_cost=1, fn_cost=np.inf)


def test_total_cost_counts_each_cell():
    y_true = np.array([0, 0, 0, 1, 1])
    y_pred = np.array([1, 0, 0, 1, 0])  # FP 1, TN 2, TP 1, FN 1
    cost = total_cost(
        y_true, y_pred, fp_cost=1, fn_cost=10, tp_cost=100, tn_cost=1000, anomaly_label=1
    )
    assert cost == 1 + 10 + 100 + 2000


class _Flagger(OutlierMixin, BaseEstimator):
    """Flags the rows whose first feature is positive."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def score_samples(self, X):
        return -np.asarray(X, dtype=float)[:, 0]

    def predict(self, X):
        return np.where(np.asarray(X)[:, 0] > 0, -1, 1)


@pytest.fixture(scope="module")
def flagged_data():
    X = np.array([[1.0], [2.0], [-1.0], [-2.0], [-3.0], [0.5]])
    y01 = np.array([1, 0, 0, 0, 1, 1])  # 1 = anomaly
    return X, y01


@pytest.mark.parametrize("coding", ["01", "pm1", "str"])
def test_cost_scorer_on_bare_detector_reads_minus_one_as_anomaly(flagged_data, coding):
    X, y01 = flagged_data
    y, anomaly = {
        "01": (y01, 1),
        "pm1": (np.where(y01 == 1, -1, 1), -1),
        "str": (np.where(y01 == 1, "break", "ok"), "break"),
    }[coding]
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, tp_cost=1, anomaly_label=anomaly)
    detector = _Flagger().fit(X)
    # Flagged rows 0, 1, 5: TP rows 0 and 5, FP row 1; FN row 4.
    expected = -(2 * 1 + 1 * 5 + 1 * 100)
    assert scorer(detector, X, y) == expected
    # A pipeline ending in a detector is an outlier detector too.
    assert scorer(make_pipeline(StandardScaler(with_mean=False), detector).fit(X), X, y) == expected


def test_cost_scorer_on_meta_estimator_reads_y_coding(flagged_data):
    X, y01 = flagged_data
    y = np.r_[y01, y01, y01]
    X = np.r_[X, X, X]
    model = CostThreshold(_Flagger(), fp_cost=5, fn_cost=100, cv=3, anomaly_label=1)
    model.fit(X, y)
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
    expected = -total_cost(y, model.predict(X), fp_cost=5, fn_cost=100, anomaly_label=1)
    assert scorer(model, X, y) == expected
    assert set(np.unique(model.predict(X))) <= {0, 1}
    assert "fn_cost=100" in repr(scorer)


def test_cost_scorer_refuses_absent_anomaly_label(flagged_data):
    X, y01 = flagged_data
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100)  # anomaly_label=-1
    with pytest.raises(ValueError, match="anomaly_label=-1 is not among the labels"):
        scorer(IsolationForest(n_estimators=5, random_state=0).fit(X), X, y01)


def test_cost_scorer_on_samples_without_anomaly_counts_false_alarms(flagged_data):
    X, y01 = flagged_data
    normal = y01 == 0  # rows 1, 2, 3: row 1 is flagged, a false alarm
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
    with pytest.warns(UserWarning, match="StratifiedKFold"):
        assert scorer(_Flagger().fit(X), X[normal], y01[normal]) == -5.0


def test_grid_search_over_a_bare_detector_with_unstratified_folds():
    # Before the scorer accepted folds without anomalies, every such fold
    # scored NaN and the search picked its first candidate silently.
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(80, 2)), rng.normal(5, 1, size=(10, 2))]
    y = np.r_[np.zeros(80, dtype=int), np.ones(10, dtype=int)]
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
    search = GridSearchCV(
        IsolationForest(random_state=0),
        {"contamination": [0.02, 0.3]},
        cv=3,
        scoring=scorer,
    )
    with pytest.warns(UserWarning, match="StratifiedKFold"):
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert search.best_params_ == {"contamination": [0.02, 0.3][int(np.argmax(scores))]}


def test_cost_scorer_is_a_scikit_learn_scorer(flagged_data):
    X, y01 = flagged_data
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, tp_cost=1, anomaly_label=1)
    assert isinstance(scorer, _BaseScorer)
    # the attributes TunedThresholdClassifierCV reads from a scorer
    assert scorer._score_func(y01, y01, **scorer._kwargs) == -3.0  # three true alarms
    assert scorer._response_method == "predict"
    detector = _Flagger().fit(X)
    importance = permutation_importance(
        detector, X, y01, scoring=scorer, n_repeats=2, random_state=0
    )
    assert np.isfinite(importance.importances_mean).all()
    result = cross_validate(detector, X, y01, scoring=scorer, cv=StratifiedKFold(2))
    assert np.isfinite(result["test_score"]).all()


def test_tuned_threshold_classifier_takes_our_meta_estimator_and_scorer():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(150, 2)), rng.normal(3, 1, size=(30, 2))]
    y = np.r_[np.zeros(150, dtype=int), np.ones(30, dtype=int)]
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
    inner = CostThreshold(
        IsolationForest(random_state=0), fp_cost=5, fn_cost=100, cv=3, anomaly_label=1
    )
    tuned = TunedThresholdClassifierCV(inner, scoring=scorer, cv=3).fit(X, y)
    assert np.isfinite(tuned.best_threshold_) and tuned.best_score_ <= 0
    assert set(np.unique(tuned.predict(X))) <= {0, 1}


def test_tuned_threshold_classifier_refuses_a_bare_detector_with_a_pointer():
    # What a user sees: scikit-learn's wrapper asks the detector for
    # classes_, and our detectors answer with the way out.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = np.r_[np.zeros(50, dtype=int), np.ones(10, dtype=int)]
    detector = AutoencoderDetector(hidden_units=(2,), epochs=1, random_state=0)
    with pytest.raises(AttributeError, match="CostThreshold"):
        TunedThresholdClassifierCV(detector, cv=2).fit(X, y)
    assert not hasattr(detector, "classes_")


def test_cost_scorer_in_optuna_search():
    optuna = pytest.importorskip("optuna")
    optuna_integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(120, 2)), rng.normal(4, 1, size=(20, 2))]
    y = np.r_[np.zeros(120, dtype=int), np.ones(20, dtype=int)]
    scorer = make_cost_scorer(fp_cost=5, fn_cost=100, anomaly_label=1)
    search = optuna_integration.OptunaSearchCV(
        CostThreshold(
            IsolationForest(random_state=0), fp_cost=5, fn_cost=100, anomaly_label=1, cv=3
        ),
        {"detector__n_estimators": optuna.distributions.IntDistribution(10, 50)},
        scoring=scorer,
        cv=3,
        n_trials=3,
        random_state=0,
    ).fit(X, y)
    trials = [trial.value for trial in search.trials_]
    assert len(trials) == 3 and np.isfinite(trials).all()
    assert search.best_score_ == max(trials) <= 0
