"""Interrupted or diverging training leaves every estimator unfitted."""

import pytest
from _instances import TINY, checked_estimators
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    ThresholdSelector,
    WindowedDetector,
)
from sklearn_recon.utils import _training


def _meta_estimators():
    detector = AutoencoderDetector(hidden_units=(4,), early_stopping=False, **TINY)
    yield ThresholdSelector(detector, cv=2)
    yield CostThreshold(detector, fp_cost=1, fn_cost=5, cv=2)
    yield WindowedDetector(detector, window_size=4, stride=2)


ESTIMATORS = [*checked_estimators(), *_meta_estimators()]


def _fit(estimator, blobs):
    X_train, X_test, y_test = blobs
    if isinstance(estimator, (ThresholdSelector, CostThreshold)):
        return estimator.fit(X_test, y_test)
    return estimator.fit(X_train)


def _assert_unfitted(estimator):
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    assert not [name for name in vars(estimator) if name.endswith("_")]
    assert not hasattr(estimator, "_seed") and not hasattr(estimator, "_inference")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_keyboard_interrupt_during_fit_leaves_it_unfitted(estimator, blobs, monkeypatch):
    estimator = clone(estimator)
    _fit(estimator, blobs)
    check_is_fitted(estimator)

    # Refit, interrupted in the middle of training: the exception reaches
    # the caller and the earlier fit is gone too, never mixed with the new one.
    epochs_seen = []

    def epoch(self, *args, **kwargs):
        epochs_seen.append(len(epochs_seen))
        raise KeyboardInterrupt

    # Every detector trains through this one epoch loop.
    monkeypatch.setattr(_training._Runner, "epoch", epoch)
    with pytest.raises(KeyboardInterrupt):
        _fit(estimator, blobs)
    assert epochs_seen == [0]  # it stopped inside the training loop
    _assert_unfitted(estimator)
    with pytest.raises(NotFittedError):
        estimator.predict(blobs[1])

    # A fresh estimator interrupted in its first fit is unfitted as well.
    fresh = clone(estimator)
    with pytest.raises(KeyboardInterrupt):
        _fit(fresh, blobs)
    _assert_unfitted(fresh)

    # And the estimator still trains normally afterwards.
    monkeypatch.undo()
    _fit(estimator, blobs)
    assert estimator.predict(blobs[1]).shape == (len(blobs[1]),)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_diverging_training_is_a_clear_error_for_every_estimator(estimator, blobs):
    # An absurd step size on large inputs overflows the loss of every
    # network, recurrent ones included (their gates saturate otherwise).
    diverging = dict(learning_rate=1e38, optimizer="sgd", early_stopping=False, epochs=3)
    estimator = clone(estimator)
    if "detector" in estimator.get_params(deep=False):
        estimator.set_params(**{f"detector__{k}": v for k, v in diverging.items()})
        name = type(estimator.detector).__name__
    else:
        estimator.set_params(**diverging)
        name = type(estimator).__name__
    X_train, X_test, y_test = blobs
    big = (X_train * 1e3, X_test * 1e3, y_test)
    with pytest.raises(ValueError, match=f"Training of {name} diverged.*Lower learning_rate"):
        _fit(estimator, big)
    _assert_unfitted(estimator)
