"""The one answer: anomaly score, threshold and "learns from labels"."""

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import LinearSVC, OneClassSVM

from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    RNNClassifierDetector,
    ThresholdSelector,
    WindowedDetector,
)
from sklearn_recon.utils._response import (
    final_estimator,
    get_anomaly_score,
    get_threshold,
    inner_anomaly_label,
    learns_from_labels,
)


class DecisionOnly(OutlierMixin, BaseEstimator):
    """An outlier detector with a decision_function and no score_samples."""

    def fit(self, X, y=None):
        self.is_fitted_ = True
        return self

    def decision_function(self, X):
        return 1.0 - np.asarray(X)[:, 0]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3))
    y = np.r_[np.zeros(100, dtype=int), np.ones(20, dtype=int)]
    X[y == 1] += 3
    return X, y


def test_outlier_detectors_score_minus_score_samples(data):
    X, y = data
    forest = IsolationForest(random_state=0).fit(X[y == 0])
    np.testing.assert_array_equal(get_anomaly_score(forest, X), -forest.score_samples(X))
    assert get_threshold(forest) == -forest.offset_
    # flagged above the threshold exactly when predict says -1
    flagged = get_anomaly_score(forest, X) > get_threshold(forest)
    np.testing.assert_array_equal(flagged, forest.predict(X) == -1)
    svm = OneClassSVM(nu=0.1).fit(X[y == 0])
    flagged = get_anomaly_score(svm, X) > get_threshold(svm)
    np.testing.assert_array_equal(flagged, svm.predict(X) == -1)


def test_a_detector_with_only_decision_function(data):
    X, _ = data
    detector = DecisionOnly().fit(X)
    np.testing.assert_array_equal(get_anomaly_score(detector, X), X[:, 0] - 1.0)
    assert get_threshold(detector) == 0.0


def test_pipelines_and_freezing_are_walked_through(data):
    X, y = data
    pipeline = make_pipeline(StandardScaler(), "passthrough", LocalOutlierFactor(novelty=True))
    pipeline.fit(X[y == 0])
    expected = -pipeline.score_samples(X)
    nested = make_pipeline(
        MinMaxScaler(), make_pipeline(StandardScaler(), IsolationForest(random_state=0))
    )
    nested.fit(X[y == 0])
    for estimator, scores in [
        (pipeline, expected),
        (FrozenEstimator(pipeline), expected),
        (nested, -nested.score_samples(X)),
    ]:
        np.testing.assert_allclose(get_anomaly_score(estimator, X), scores)
        assert get_threshold(estimator) == -final_estimator(estimator)[0].offset_
    final, X_final, transformed = final_estimator(nested, X)
    assert isinstance(final, IsolationForest) and transformed
    np.testing.assert_allclose(X_final, nested[-1][:-1].transform(nested[:-1].transform(X)))
    assert final_estimator(IsolationForest())[2] is False


def test_imbalanced_learn_samplers_are_skipped_when_scoring(data):
    X, y = data
    pipeline = make_imblearn_pipeline(
        StandardScaler(),
        RandomOverSampler(random_state=0),
        LogisticRegression(),
    ).fit(X, y)
    np.testing.assert_allclose(
        get_anomaly_score(pipeline, X, anomaly_label=1), pipeline.predict_proba(X)[:, 1]
    )
    assert learns_from_labels(pipeline)


def test_classifiers_score_the_anomaly_class(data):
    X, y = data
    logistic = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(
        get_anomaly_score(logistic, X, anomaly_label=1), logistic.predict_proba(X)[:, 1]
    )
    np.testing.assert_allclose(
        get_anomaly_score(logistic, X, anomaly_label=0), logistic.predict_proba(X)[:, 0]
    )
    svc = LinearSVC().fit(X, y)
    decision = svc.decision_function(X)
    np.testing.assert_allclose(get_anomaly_score(svc, X, anomaly_label=1), decision)
    np.testing.assert_allclose(get_anomaly_score(svc, X, anomaly_label=0), -decision)
    assert get_threshold(logistic) is None


def test_threshold_meta_estimators_answer_in_their_threshold_units(data):
    X, y = data
    pipeline = make_pipeline(StandardScaler(), IsolationForest(random_state=0))
    for meta in (
        ThresholdSelector(pipeline, anomaly_label=1, cv=3),
        CostThreshold(pipeline, fp_cost=1, fn_cost=10, anomaly_label=1, cv=3),
    ):
        meta.fit(X, y)
        scores = get_anomaly_score(meta, X)
        np.testing.assert_allclose(scores, -meta.estimator_.score_samples(X))
        assert get_threshold(meta) == meta.best_threshold_
        np.testing.assert_array_equal(meta.predict(X) == 1, scores >= meta.best_threshold_)
        # a meta-estimator at the end of a pipeline is found there too
        outer = make_pipeline(MinMaxScaler(), meta).fit(X, y)
        np.testing.assert_allclose(
            get_anomaly_score(outer, X), get_anomaly_score(outer[-1], outer[0].transform(X))
        )
        assert get_threshold(outer) == outer[-1].best_threshold_


def test_windowed_detector_scores_every_step():
    t = np.arange(300)
    series = np.c_[np.sin(t / 5), np.cos(t / 5)]
    detector = WindowedDetector(IsolationForest(random_state=0), window_size=8).fit(series)
    np.testing.assert_array_equal(
        get_anomaly_score(detector, series), -detector.score_samples(series)
    )
    assert get_threshold(detector) == -detector.offset_
    assert not learns_from_labels(detector)


def test_an_estimator_without_an_anomaly_score_is_a_type_error(data):
    X, _ = data
    scaler = StandardScaler().fit(X)
    with pytest.raises(TypeError, match="StandardScaler has no anomaly score"):
        get_anomaly_score(scaler, X)


def test_learns_from_labels_wherever_the_learner_sits():
    rnn = RNNClassifierDetector(anomaly_label=1)
    autoencoder = AutoencoderDetector()
    assert learns_from_labels(rnn)
    assert learns_from_labels(make_pipeline(StandardScaler(), rnn))
    assert learns_from_labels(make_imblearn_pipeline(StandardScaler(), RandomOverSampler(), rnn))
    # a sampler needs y, whatever the detector after it
    assert learns_from_labels(
        make_imblearn_pipeline(StandardScaler(), RandomOverSampler(), autoencoder)
    )
    assert learns_from_labels(LogisticRegression())
    assert learns_from_labels(CostThreshold(autoencoder, fp_cost=1, fn_cost=1))
    assert not learns_from_labels(autoencoder)
    assert not learns_from_labels(make_pipeline(StandardScaler(), autoencoder))
    assert not learns_from_labels(IsolationForest())
    assert not learns_from_labels(FrozenEstimator(rnn))
    assert inner_anomaly_label(make_pipeline(StandardScaler(), rnn)) == 1
    assert inner_anomaly_label(autoencoder) is None
