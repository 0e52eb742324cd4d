"""Metadata routing and sample weights through the meta-estimators."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import get_scorer
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    ThresholdSelector,
    WindowedDetector,
)


class WeightedStub(OutlierMixin, BaseEstimator):
    """Closed-form detector (anomaly score = first feature) that records the
    rows and weights its fit received."""

    def fit(self, X, y=None, sample_weight=None):
        X = np.asarray(X)
        self.n_features_in_ = X.shape[1]
        self.fit_rows_ = X[:, -1].copy()  # the last column numbers the rows
        self.fit_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.offset_ = -1.0
        return self

    def score_samples(self, X):
        return -np.asarray(X, dtype=float)[:, 0]

    def predict(self, X):
        return np.where(self.score_samples(X) < self.offset_, -1, 1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    n = 60
    y = np.r_[np.zeros(50, dtype=int), np.ones(10, dtype=int)]
    X = np.c_[rng.normal(size=n) + 3 * y, np.arange(n, dtype=float)]
    weight = np.arange(n, dtype=float) + 1.0
    return X, y, weight


def _check_weights_followed_the_rows(detector, weight):
    """Each fit saw the weights of exactly the rows it trained on."""
    rows = detector.fit_rows_.astype(int)
    np.testing.assert_array_equal(detector.fit_weight_, weight[rows])


@pytest.mark.parametrize(
    "make",
    [
        lambda det: ThresholdSelector(det, cv=3, anomaly_label=1),
        lambda det: CostThreshold(det, fp_cost=1, fn_cost=10, cv=3, anomaly_label=1),
    ],
)
def test_routing_on_sends_sample_weight_to_the_detector(data, make):
    X, y, weight = data
    with config_context(enable_metadata_routing=True):
        model = make(WeightedStub().set_fit_request(sample_weight=True))
        model.fit(X, y, sample_weight=weight)
        _check_weights_followed_the_rows(model.estimator_, weight)
        assert set(model.estimator_.fit_rows_) == set(np.flatnonzero(y == 0))
        # not requested: passing it is an error, as in scikit-learn
        with pytest.raises(UnsetMetadataPassedError):
            make(WeightedStub()).fit(X, y, sample_weight=weight)


def test_routing_on_reaches_a_detector_inside_a_pipeline(data):
    X, y, weight = data
    with config_context(enable_metadata_routing=True):
        pipeline = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            WeightedStub().set_fit_request(sample_weight=True),
        )
        model = ThresholdSelector(pipeline, cv=3, anomaly_label=1)
        model.fit(X, y, sample_weight=weight)
        np.testing.assert_array_equal(model.estimator_[-1].fit_weight_, weight[y == 0])


def test_routing_off_takes_the_detector_parameters_like_a_pipeline(data):
    X, y, weight = data
    model = CostThreshold(WeightedStub(), fp_cost=1, fn_cost=10, cv=3, anomaly_label=1)
    model.fit(X, y, detector__sample_weight=weight)
    _check_weights_followed_the_rows(model.estimator_, weight)
    pipeline = make_pipeline(StandardScaler(), WeightedStub())
    model = ThresholdSelector(pipeline, cv=3, anomaly_label=1)
    model.fit(X, y, detector__weightedstub__sample_weight=weight)
    np.testing.assert_array_equal(model.estimator_[-1].fit_weight_, weight[y == 0])
    with pytest.raises(ValueError, match="detector__sample_weight"):
        model.fit(X, y, sample_weight=weight)


def test_splitter_and_scorer_metadata_are_routed(data):
    X, y, weight = data
    groups = np.arange(len(y)) % 3
    with config_context(enable_metadata_routing=True):
        scorer = get_scorer("f1").set_score_request(sample_weight=True)
        model = ThresholdSelector(
            WeightedStub().set_fit_request(sample_weight=False),
            method=scorer,
            cv=GroupKFold(3),
            anomaly_label=1,
        )
        model.fit(X, y, groups=groups, sample_weight=weight)
        unweighted = ThresholdSelector(
            WeightedStub(), method=get_scorer("f1"), cv=GroupKFold(3), anomaly_label=1
        ).fit(X, y, groups=groups)
        # a weighted F1 differs from the unweighted one on the same curve
        assert not np.allclose(model.cv_results_["scores"], unweighted.cv_results_["scores"])
        with pytest.raises(ValueError, match="groups"):
            ThresholdSelector(WeightedStub(), cv=GroupKFold(3), anomaly_label=1).fit(X, y)


def test_sample_weight_reaches_a_keras_detector_through_a_meta_estimator(data):
    X, y, weight = data
    zero_first = weight.copy()
    zero_first[:25] = 0.0
    detector = AutoencoderDetector(hidden_units=(1,), epochs=2, random_state=0)
    model = ThresholdSelector(detector, method="mean_std", anomaly_label=1)
    model.fit(X, y, detector__sample_weight=zero_first)
    # the rows of weight 0 are left out: the same fit as without them
    reference = AutoencoderDetector(hidden_units=(1,), epochs=2, random_state=0)
    keep = (y == 0) & (zero_first > 0)
    reference.fit(X[keep], sample_weight=zero_first[keep])
    np.testing.assert_array_equal(model.score_samples(X), reference.score_samples(X))


def test_windowed_detector_turns_step_weights_into_window_weights():
    n = 40
    series = np.c_[np.sin(np.arange(n) / 3.0), np.arange(n, dtype=float)]
    weight = np.ones(n)
    weight[10] = 0.0  # a fault: every window over step 10 is left out
    weight[30:] = 3.0
    detector = WindowedDetector(WeightedStub(), window_size=4, stride=2)
    detector.fit(series, sample_weight=weight)
    window_weight = detector.detector_.fit_weight_
    starts = np.arange(0, n - 4 + 1, 2)
    for start, w in zip(starts, window_weight):
        steps = weight[start : start + 4]
        assert w == (0.0 if steps.min() == 0 else steps.mean())
    with config_context(enable_metadata_routing=True):
        requested = WindowedDetector(
            WeightedStub().set_fit_request(sample_weight=True), window_size=4, stride=2
        ).fit(series, sample_weight=weight)
        np.testing.assert_array_equal(requested.detector_.fit_weight_, window_weight)
        with pytest.raises(UnsetMetadataPassedError):
            WindowedDetector(WeightedStub(), window_size=4).fit(series, sample_weight=weight)
