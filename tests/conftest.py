import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the slow tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: give --runslow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def blobs():
    """Normal training rows and a labelled test set with clear anomalies."""
    rng = np.random.RandomState(0)
    basis = rng.normal(size=(3, 12))
    X_train = rng.normal(size=(400, 3)) @ basis + 0.05 * rng.normal(size=(400, 12))
    X_normal = rng.normal(size=(80, 3)) @ basis + 0.05 * rng.normal(size=(80, 12))
    # Anomalies leave the normal rows' 3-dimensional subspace.
    X_anomaly = rng.normal(size=(20, 3)) @ basis + rng.normal(size=(20, 12))
    X_test = np.vstack([X_normal, X_anomaly])
    y_test = np.r_[np.ones(80, dtype=int), -np.ones(20, dtype=int)]
    return X_train, X_test, y_test
