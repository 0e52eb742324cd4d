"""Every public detector composed with every tool users bring.

The matrix: each detector of the registry x {bare, ``Pipeline(scaler,
detector)``, imbalanced-learn's ``Pipeline(scaler, sampler, detector)`` for
the one that learns from labels, ``FrozenEstimator``} x {``ThresholdSelector``,
``CostThreshold``, ``GridSearchCV`` with the cost scorer, ``cross_validate``,
``save``/``load``, pickling}. Every case asserts that the labels reach a
supervised learner, that no score is NaN and that nothing fails silently
(``error_score="raise"``); the scores of a pipeline agree with those of the
bare detector on scaled data. Networks are tiny and fits are shared between
cases through module-scoped fixtures, to stay inside CI's budget.
"""

import pickle

import numpy as np
import pytest
from _instances import DETECTOR_NAMES, SUPERVISED, tiny_autoencoder, tiny_detector
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import (
    CostThreshold,
    RNNClassifierDetector,
    ThresholdSelector,
    load,
    make_cost_scorer,
    save,
)
from sklearn_recon.utils._response import get_anomaly_score, get_threshold

imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
from imblearn.over_sampling import RandomOverSampler  # noqa: E402

TINY = dict(epochs=1, batch_size=256, random_state=0)
COSTS = dict(fp_cost=5, fn_cost=100, tp_cost=5)


class _Spy:
    """A supervised detector recording whether ``fit`` got labels."""

    def fit(self, X, y=None, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        self.fit_got_labels_ = y is not None
        return self


def _spy(detector):
    """``detector`` as an instance of ``Spy<its class>``, a class of this module."""
    name = f"Spy{type(detector).__name__}"
    if name not in globals():  # module-level, so that pickle finds it
        globals()[name] = type(name, (_Spy, type(detector)), {"__module__": __name__})
    return globals()[name](**detector.get_params(deep=False))


def _detector(name):
    # rows of 8 values: 4 time steps of 2 channels for the sequence detectors;
    # the labels are 0 (normal) and 1 (anomaly)
    detector = tiny_detector(name, n_channels=2, anomaly_label=1, **TINY)
    return _spy(detector) if name in SUPERVISED else detector


#: One tiny configuration of each row detector of the registry, with a
#: network for the 8 features of ``data`` where the configuration holds a
#: builder (save stores no code).
DETECTORS = {name: _detector(name) for name in DETECTOR_NAMES}
DETECTORS["ReconstructionDetector"].set_params(model=tiny_autoencoder(8))


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(96, 8))
    y = np.r_[np.zeros(80, dtype=int), np.ones(16, dtype=int)]  # 1 = anomaly
    X[y == 1] += 2.5
    order = rng.permutation(len(y))
    return X[order], y[order]


def _wrap(kind, detector):
    if kind == "bare":
        return clone(detector)
    if kind == "pipeline":
        return make_pipeline(StandardScaler(), clone(detector))
    return imblearn_pipeline.make_pipeline(
        StandardScaler(), RandomOverSampler(random_state=0), clone(detector)
    )


#: (detector, wrapping): the imbalanced-learn pipeline where the detector
#: learns from labels.
CASES = [
    (name, kind)
    for name in DETECTORS
    for kind in ("bare", "pipeline", "imblearn")
    if kind != "imblearn" or name in SUPERVISED
]


def _final(estimator):
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


def _check_learner(estimator, name):
    """The labels reached the supervised learner; every learner is fitted."""
    learner = _final(estimator)
    assert hasattr(learner, "model_")
    if name in SUPERVISED:
        assert learner.fit_got_labels_


META = {
    "ThresholdSelector": lambda det: ThresholdSelector(
        det, method="f1", cv=0.5, refit=False, anomaly_label=1, random_state=0
    ),
    "CostThreshold": lambda det: CostThreshold(
        det, **COSTS, cv=0.5, refit=False, anomaly_label=1, random_state=0
    ),
}


@pytest.fixture(scope="module")
def fitted_meta(data):
    """Each meta-estimator around each case, fitted once for all the tests."""
    X, y = data
    return {
        (meta, name, kind): META[meta](_wrap(kind, DETECTORS[name])).fit(X, y)
        for meta in META
        for name, kind in CASES
    }


@pytest.mark.parametrize("meta", list(META))
@pytest.mark.parametrize("name, kind", CASES)
def test_meta_estimators_reach_every_learner(fitted_meta, data, meta, name, kind):
    X, y = data
    model = fitted_meta[meta, name, kind]
    _check_learner(model.estimator_, name)
    scores = get_anomaly_score(model, X)
    assert np.isfinite(scores).all()
    np.testing.assert_array_equal(scores, get_anomaly_score(model.estimator_, X))
    assert np.isfinite(model.best_threshold_)
    assert set(np.unique(model.predict(X))) <= {0, 1}
    np.testing.assert_array_equal(model.predict(X) == 1, scores >= model.best_threshold_)


@pytest.mark.parametrize("meta", list(META))
@pytest.mark.parametrize("name, kind", CASES)
def test_pickling_and_save_load_keep_the_predictions(fitted_meta, data, tmp_path, meta, name, kind):
    X, _ = data
    model = fitted_meta[meta, name, kind]
    expected = model.decision_function(X)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.decision_function(X), expected)
    if kind == "imblearn" or name in SUPERVISED:
        # save stores scikit-learn's and our classes only: not imbalanced-learn's
        # samplers, nor the spy subclass
        with pytest.raises(TypeError, match="joblib"):
            save(model, tmp_path / "model.skr")
        return
    save(model, tmp_path / "model.skr")
    np.testing.assert_array_equal(load(tmp_path / "model.skr").decision_function(X), expected)


def test_save_load_of_the_supervised_detector_in_a_meta_estimator(data, tmp_path):
    X, y = data
    rnn = RNNClassifierDetector(units=2, n_channels=2, anomaly_label=1, **TINY)
    model = CostThreshold(
        make_pipeline(StandardScaler(), rnn),
        **COSTS,
        cv=0.5,
        refit=False,
        anomaly_label=1,
        random_state=0,
    ).fit(X, y)
    save(model, tmp_path / "model.skr")
    restored = load(tmp_path / "model.skr")
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


@pytest.mark.parametrize("name, kind", CASES)
def test_grid_search_with_the_cost_scorer(data, name, kind):
    X, y = data
    scorer = make_cost_scorer(**COSTS, anomaly_label=1)
    estimator = _wrap(kind, DETECTORS[name])
    prefix = "" if kind == "bare" else f"{type(_final(estimator)).__name__.lower()}__"
    search = GridSearchCV(
        estimator,
        {f"{prefix}epochs": [1]},
        scoring=scorer,
        cv=StratifiedKFold(2),
        error_score="raise",
        refit=False,
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and (scores <= 0).all()


@pytest.mark.parametrize("name, kind", CASES)
def test_cross_validate_a_cost_threshold(data, name, kind):
    X, y = data
    scorer = make_cost_scorer(**COSTS, anomaly_label=1)
    model = META["CostThreshold"](_wrap(kind, DETECTORS[name]))
    result = cross_validate(
        model, X, y, scoring=scorer, cv=2, error_score="raise", return_estimator=True
    )
    assert np.isfinite(result["test_score"]).all()
    for fitted in result["estimator"]:
        _check_learner(fitted.estimator_, name)


@pytest.fixture(scope="module")
def frozen(data):
    """Each detector fitted in a pipeline on the normal rows, then frozen."""
    X, y = data
    fitted = {}
    for name, detector in DETECTORS.items():
        pipeline = make_pipeline(StandardScaler(), clone(detector))
        if name in SUPERVISED:
            pipeline.fit(X, y)
        else:
            pipeline.fit(X[y == 0])
        fitted[name] = pipeline
    return fitted


@pytest.mark.parametrize("name", list(DETECTORS))
def test_frozen_detectors_in_every_tool(frozen, data, name, tmp_path):
    X, y = data
    pipeline = frozen[name]
    expected = get_anomaly_score(pipeline, X)
    assert np.isfinite(expected).all()
    scorer = make_cost_scorer(**COSTS, anomaly_label=1)
    for meta in META.values():
        model = meta(FrozenEstimator(pipeline)).fit(X, y)
        assert model.estimator_.estimator is pipeline  # not retrained
        np.testing.assert_array_equal(get_anomaly_score(model, X), expected)
    result = cross_validate(
        FrozenEstimator(pipeline),
        X,
        y,
        scoring=scorer,
        cv=StratifiedKFold(2),
        error_score="raise",
    )
    assert np.isfinite(result["test_score"]).all()
    restored = pickle.loads(pickle.dumps(FrozenEstimator(pipeline)))
    np.testing.assert_array_equal(get_anomaly_score(restored, X), expected)
    if name not in SUPERVISED:  # the spy class is not in save's allow-list
        save(FrozenEstimator(pipeline), tmp_path / "frozen.skr")
        restored = load(tmp_path / "frozen.skr")
        np.testing.assert_array_equal(get_anomaly_score(restored, X), expected)
        assert get_threshold(restored) == get_threshold(pipeline)


@pytest.mark.parametrize("name", list(DETECTORS))
def test_pipeline_scores_agree_with_the_bare_detector(frozen, data, name):
    X, y = data
    pipeline = frozen[name]
    X_scaled = pipeline[0].transform(X)
    bare = clone(DETECTORS[name])
    if name in SUPERVISED:
        bare.fit(X_scaled, y)
    else:
        bare.fit(X_scaled[y == 0])
    np.testing.assert_allclose(
        get_anomaly_score(pipeline, X), get_anomaly_score(bare, X_scaled), rtol=1e-12
    )
    assert get_threshold(pipeline) == pytest.approx(get_threshold(bare), rel=1e-12)
