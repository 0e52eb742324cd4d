"""scikit-learn's estimator checks and the extras every estimator must meet."""

import pickle
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _instances import checked_estimators, expected_failed_checks
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks


@parametrize_with_checks(list(checked_estimators()), expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.fixture(params=list(checked_estimators()), ids=lambda e: repr(e))
def estimator(request):
    return clone(request.param)


def test_pickle_round_trip_gives_identical_scores(estimator, blobs):
    X_train, X_test, _ = blobs
    estimator.fit(X_train)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(restored.score_samples(X_test), estimator.score_samples(X_test))
    np.testing.assert_array_equal(restored.predict(X_test), estimator.predict(X_test))


def test_clone_is_unfitted_and_fit_keeps_parameters(estimator, blobs):
    params = estimator.get_params(deep=False)
    estimator.fit(blobs[0])
    assert estimator.get_params(deep=False) == params
    cloned = clone(estimator)
    assert not hasattr(cloned, "model_")
    assert cloned.get_params() == estimator.get_params()


def test_seeded_fit_leaves_global_random_state_alone(estimator, blobs):
    np_state = np.random.get_state()
    py_state = random.getstate()
    estimator.fit(blobs[0])
    after = np.random.get_state()
    assert after[0] == np_state[0]
    np.testing.assert_array_equal(after[1], np_state[1])
    assert after[2:] == np_state[2:]
    assert random.getstate() == py_state


def test_same_seed_same_scores_other_seed_other_scores(estimator, blobs):
    X_train, X_test, _ = blobs
    first = clone(estimator).fit(X_train).score_samples(X_test)
    second = clone(estimator).fit(X_train).score_samples(X_test)
    np.testing.assert_array_equal(first, second)
    other = clone(estimator).set_params(random_state=1).fit(X_train)
    assert not np.allclose(other.score_samples(X_test), first)


def test_silent_at_verbose_zero(estimator, blobs, capfd):
    estimator.fit(blobs[0]).score_samples(blobs[1])
    out, err = capfd.readouterr()
    assert out == ""


def test_import_does_not_load_tensorflow():
    code = "import sys, sklearn_recon; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_public_names_load_lazily_and_completely():
    import sklearn_recon

    for name in sklearn_recon.__all__:
        assert getattr(sklearn_recon, name) is not None
        assert name in dir(sklearn_recon)
    code = "import sys, sklearn_recon; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
