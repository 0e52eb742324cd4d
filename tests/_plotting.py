"""Fixtures and helpers shared by the tests of the displays (tests/test_plotting*.py).

A test module imports the fixtures it uses by name (``close_figures`` is
autouse: importing it closes the figures after every test of the module).
"""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _instances import TINY  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from sklearn_recon import (  # noqa: E402
    AutoencoderDetector,
    CostThreshold,
    ThresholdSelector,
    WindowedDetector,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def pipeline(blobs):
    """A scaler and a tiny autoencoder fitted on the normal training rows."""
    X_train, _, _ = blobs
    return make_pipeline(MinMaxScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)).fit(
        X_train
    )


def forest(n_estimators=20):
    """A small seeded IsolationForest, not fitted."""
    return IsolationForest(n_estimators=n_estimators, random_state=0)


@pytest.fixture(scope="module")
def selector(blobs):
    """A ThresholdSelector (best F1) over an IsolationForest, fitted."""
    _, X_test, y_test = blobs
    return ThresholdSelector(forest(), cv=3).fit(X_test, y_test)


@pytest.fixture(scope="module")
def cost_threshold(blobs):
    """A CostThreshold (fp 5, fn 100) over an IsolationForest, fitted."""
    _, X_test, y_test = blobs
    return CostThreshold(forest(), fp_cost=5, fn_cost=100, cv=3).fit(X_test, y_test)


def series():
    """A 2-channel series of 400 steps with one anomalous run, and its labels."""
    t = np.arange(400)
    values = np.c_[np.sin(t / 6), np.cos(t / 6)]
    values[250:270] += 2.5
    y = np.ones(400, dtype=int)
    y[250:270] = -1
    return values, y


def series_frame():
    """The series of :func:`series` as a DataFrame: channels a, b, a 2-minute index."""
    import pandas as pd

    values, _ = series()
    return pd.DataFrame(
        values,
        columns=["a", "b"],
        index=pd.date_range("2024-01-01", periods=len(values), freq="2min"),
    )


@pytest.fixture(scope="module")
def windowed():
    """A WindowedDetector over an IsolationForest, fitted on the normal start."""
    values, _ = series()
    return WindowedDetector(
        IsolationForest(n_estimators=20, contamination=0.02, random_state=0),
        window_size=12,
        stride=2,
    ).fit(values[:240])


def labels(ax):
    """The legend labels of ``ax``."""
    return ax.get_legend_handles_labels()[1]
