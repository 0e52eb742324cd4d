"""Tiny configurations of every public estimator for the common checks."""

from sklearn_recon import AutoencoderDetector, LSTMAutoencoderDetector, LSTMForecastDetector

# Small networks, few epochs and large batches keep the checks fast; a fixed
# random_state makes them deterministic.
# One instance per estimator: every fit in the checks builds and traces a
# Keras network, so each extra instance costs minutes of CI.
TINY = dict(epochs=2, batch_size=256, random_state=0)


def checked_estimators():
    yield AutoencoderDetector(hidden_units=(4,), noise_std=0.1, **TINY)
    yield LSTMAutoencoderDetector(
        units=2, downsample=2, conv_filters=2, noise_std=0.1, early_stopping=False, **TINY
    )
    yield LSTMForecastDetector(units=2, noise_std=0.1, early_stopping=False, **TINY)


# Every entry needs a reason; the core detectors have none.
EXPECTED_FAILED_CHECKS = {}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
