"""Hostile input and heavy load, over every public estimator and function.

Every call below ends in a correct, finite result of the right shape, or in
a ValueError or TypeError whose message names the problem; any other
exception fails the test, and no call may change its input. Each estimator
is fitted once per module (Keras fits are expensive); Hypothesis varies the
input given to the fitted estimators, and the few fit-time examples that
train a network use small ``max_examples``.
"""

import hashlib
import io
import json
import pickle
import re
import struct
import subprocess
import sys
import threading
import zipfile
import zlib
from functools import partial

import h5py
import numpy as np
import pandas as pd
import pytest
from _instances import DETECTOR_NAMES, SUPERVISED, TINY, tiny_detector
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import hostile_arrays, labelled_scores
from threadpoolctl import threadpool_info, threadpool_limits

import sklearn_recon
import sklearn_recon.utils._keras as _keras
from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    ThresholdSelector,
    WindowedDetector,
    make_cost_scorer,
    save,
)
from sklearn_recon.datasets import lead_labels, load_papermill, make_synthetic_series
from sklearn_recon.metrics import cost_curve, threshold_curve, total_cost
from sklearn_recon.windows import aggregate_window_scores, sliding_windows

pytestmark = pytest.mark.filterwarnings(
    # numpy arrays given to estimators fitted on a DataFrame
    "ignore:X does not have valid feature names:UserWarning"
)

N_FEATURES = 8
N_CHANNELS = 2
COLUMNS = [f"f{i}" for i in range(N_FEATURES)]
WINDOW = 4

NUMERIC_DTYPES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
]  # fmt: skip


def _autoencoder():
    return AutoencoderDetector(hidden_units=(4,), early_stopping=False, **TINY)


def _detector(name):
    # rows of N_FEATURES values: N_FEATURES // N_CHANNELS steps of N_CHANNELS
    # channels for the sequence detectors; anomaly_label=-1, the labels' code
    return tiny_detector(name, n_channels=N_CHANNELS, early_stopping=False, anomaly_label=-1)


#: Every detector of the registry, in its tiny configuration, and the
#: meta-estimators around the autoencoder.
FACTORIES = {
    **{name: partial(_detector, name) for name in DETECTOR_NAMES},
    "WindowedDetector": lambda: WindowedDetector(_autoencoder(), WINDOW),
    "ThresholdSelector": lambda: ThresholdSelector(_autoencoder(), cv=0.5, random_state=0),
    "CostThreshold": lambda: CostThreshold(
        _autoencoder(), fp_cost=1, fn_cost=5, cv=0.5, random_state=0
    ),
}
#: The detectors that read each row as steps of channels.
SEQUENCE = {name for name in DETECTOR_NAMES if "n_channels" in FACTORIES[name]().get_params()}
NAMES = list(FACTORIES)
METHODS = (
    "score_samples", "decision_function", "predict", "predict_proba",
    "reconstruct", "reconstruction_error", "encode", "forecast",
)  # fmt: skip


def _training_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, N_FEATURES))
    y = np.r_[np.ones(45, dtype=int), -np.ones(15, dtype=int)]
    X[y == -1] += 3.0
    return pd.DataFrame(X, columns=COLUMNS), y


@pytest.fixture(scope="module")
def fitted():
    """Every public estimator, fitted once on a DataFrame (so it has feature names)."""
    X, y = _training_data()
    return {
        name: make().fit(X, y) if name in SUPERVISED else make().fit(X)
        for name, make in FACTORIES.items()
    }


def _methods(estimator):
    return [m for m in METHODS if hasattr(estimator, m)]


def _copy(X):
    return X.copy() if isinstance(X, (np.ndarray, pd.DataFrame)) else X


def _unchanged(before, after):
    if isinstance(before, pd.DataFrame):
        return before.equals(after)
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    return True


def call(fn, X, *args, **kwargs):
    """``(result, None)`` or ``(None, error)``; fail on any other exception or a change of X."""
    before = _copy(X)
    try:
        result, error = fn(X, *args, **kwargs), None
    except (ValueError, TypeError) as exc:
        result, error = None, exc
    except Exception as exc:  # noqa: BLE001 - any other class is the bug
        pytest.fail(f"{fn} raised {type(exc).__name__}: {exc}")
    assert _unchanged(before, X), f"{fn} changed its input"
    return result, error


def check_result(estimator, method, result, n_rows):
    """A correct result: finite, one row per sample, the right codomain."""
    result = np.asarray(result)
    assert result.shape[0] == n_rows
    if method == "predict":
        classes = getattr(estimator, "classes_", [-1, 1])
        if type(estimator).__name__ in ("ThresholdSelector", "CostThreshold"):
            assert np.isin(result, classes).all()
        else:
            assert np.isin(result, [-1, 1]).all()
        return
    assert result.dtype.kind == "f"
    assert np.isfinite(result).all(), f"{method} returned non-finite values"
    if method == "predict_proba":
        assert result.shape == (n_rows, 2)
        assert ((result >= 0) & (result <= 1)).all()


def expect_error(error, pattern):
    assert error is not None, f"expected an error matching {pattern!r}"
    assert re.search(pattern, str(error)), f"{error!r} does not match {pattern!r}"


def _rows(name, n):
    """Valid scoring rows for the estimator ``name`` (a series for the windowed one)."""
    rng = np.random.RandomState(1)
    return rng.normal(size=(max(n, WINDOW) if name == "WindowedDetector" else n, N_FEATURES))


# --------------------------------------------------------- scoring: any dtype


@pytest.mark.parametrize("name", NAMES)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(X=hostile_arrays(NUMERIC_DTYPES, n_features=N_FEATURES, min_rows=WINDOW))
def test_scoring_numeric_arrays_of_any_dtype_and_magnitude(fitted, name, X):
    estimator = fitted[name]
    finite = np.isfinite(X.astype(np.float64)).all()
    for method in _methods(estimator):
        result, error = call(getattr(estimator, method), X)
        if not finite:
            expect_error(error, "NaN|infinity|infinite")
        elif error is not None:
            # Finite input the network overflows on: a clear error, only for
            # values far outside the training data.
            expect_error(error, "non-finite")
            assert np.max(np.abs(X.astype(np.float64))) > 1e3
        else:
            check_result(estimator, method, result, len(X))
            small = np.max(np.abs(X.astype(np.float64)), initial=0) < 1e3
            if small and X.dtype != np.float64:
                # Same numbers, other dtype: the same answer.
                expected = getattr(estimator, method)(X.astype(np.float64))
                tol = 1e-3 if X.dtype in (np.float16, np.float32) else 1e-12
                np.testing.assert_allclose(result, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(SEQUENCE))
@settings(max_examples=10, deadline=None)
@given(
    n_channels=st.integers(1, 4),
    n_steps=st.integers(1, 5),
    n_rows=st.integers(1, 5),
)
def test_sequence_detectors_read_3d_input_or_name_the_channels(
    fitted, name, n_channels, n_steps, n_rows
):
    estimator = fitted[name]
    X3 = np.random.RandomState(0).normal(size=(n_rows, n_steps, n_channels))
    for method in _methods(estimator):
        result, error = call(getattr(estimator, method), X3)
        if n_channels != N_CHANNELS:
            expect_error(error, rf"X has {n_channels} channels.*n_channels={N_CHANNELS}")
        elif n_steps * n_channels != N_FEATURES:
            expect_error(error, f"{n_steps * n_channels} features")
        else:
            check_result(estimator, method, result, n_rows)
            expected = getattr(estimator, method)(X3.reshape(n_rows, -1))
            np.testing.assert_array_equal(result, expected)


# ----------------------------------------------------- scoring: hostile kinds


def _hostile_cases(name):
    X = _rows(name, 6)
    frame = pd.DataFrame(X, columns=COLUMNS)
    n = len(X)
    cases = {
        "0 rows": (np.empty((0, N_FEATURES)), r"0 sample"),
        "0 columns": (np.empty((n, 0)), r"0 feature"),
        "too few columns": (X[:, :-2], r"6 features"),
        "1-D": (X[0], r"2D array|1D array"),
        "4-D": (X[:4].reshape(4, 2, 2, 2), r"dim 4"),
        "complex": (X + 1j, r"Complex data not supported"),
        "complex zero imaginary": (X + 0j, r"Complex data not supported"),
        "strings": (np.full(X.shape, "abc", dtype=object), r"could not convert|string"),
        "datetime64": (np.full(X.shape, np.datetime64(1, "D")), r"datetime"),
        "timedelta64": (np.full(X.shape, np.timedelta64(1, "s")), r"datetime or timedelta"),
        "NaN": (np.where(np.eye(n, N_FEATURES) > 0, np.nan, X), r"NaN"),
        "+inf": (np.where(np.eye(n, N_FEATURES) > 0, np.inf, X), r"infinity|infinite"),
        "None": (None, r"None|NoneType|non-empty|2D"),
        "ragged list": ([[1.0] * N_FEATURES, [1.0]], r"inhomogeneous|sequence"),
        "renamed columns": (frame.set_axis([c + "_x" for c in COLUMNS], axis=1),
                            r"Feature names unseen at fit time"),
        "reordered columns": (frame[COLUMNS[::-1]], r"Feature names must be in the same order"),
        "a datetime column": (frame.assign(f3=pd.Timestamp("2024-01-01")), r"datetime"),
        "a text column": (frame.assign(f3="abc"), r"could not convert|string"),
        "missing values": (frame.astype("Float64").mask(np.eye(n, N_FEATURES) > 0),
                           r"NaN|NA"),
    }  # fmt: skip
    return cases


@pytest.mark.parametrize("name", NAMES)
def test_scoring_hostile_input_is_a_clear_error(fitted, name):
    estimator = fitted[name]
    for case, (X, pattern) in _hostile_cases(name).items():
        if case == "4-D" and name in SEQUENCE:
            pattern = r"dim 4|channels"
        if case == "1-D" and name in SEQUENCE:
            pattern = r"2D array|1D array|dim"
        for method in _methods(estimator):
            _, error = call(getattr(estimator, method), X)
            assert error is not None, f"{name}.{method} accepted {case}"
            expect_error(error, pattern)


@pytest.mark.parametrize("name", NAMES)
def test_scoring_valid_odd_forms_gives_the_float_result(fitted, name):
    """Lists, numbers as text, object arrays, Fortran order, strided views, tiny values."""
    estimator = fitted[name]
    X = _rows(name, 6)
    frame = pd.DataFrame(X, columns=COLUMNS)
    forms = {
        "list": X.tolist(),
        "object array": X.astype(object),
        "Fortran order": np.asfortranarray(X),
        "strided view": np.repeat(X, 2, axis=0)[::2],
        "read-only": np.frombuffer(X.tobytes()).reshape(X.shape),
        "numbers as text": X.astype(str),
        "DataFrame": frame,
        "nullable Float64 frame": frame.astype("Float64"),
    }
    for method in _methods(estimator):
        expected = getattr(estimator, method)(X)
        for form, value in forms.items():
            result, error = call(getattr(estimator, method), value)
            assert error is None, f"{name}.{method}({form}): {error!r}"
            np.testing.assert_allclose(result, expected, rtol=1e-12, err_msg=form)
        # 1e-300 is as good as 0 for any network: the same finite answer.
        tiny, _ = call(getattr(estimator, method), X * 1e-300)
        zeros = getattr(estimator, method)(np.zeros_like(X))
        np.testing.assert_allclose(tiny, zeros, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_scoring_huge_values_is_finite_or_a_clear_overflow_error(fitted, name):
    estimator = fitted[name]
    for dtype, scale in [(np.float64, 1e300), (np.float32, 1e37)]:
        X = (_rows(name, 6) * scale).astype(dtype)
        for method in _methods(estimator):
            result, error = call(getattr(estimator, method), X)
            if error is None:
                check_result(estimator, method, result, len(X))
            else:
                expect_error(error, r"non-finite .*overflows.*largest absolute input value")


# ------------------------------------------------------------------- fit time


def _fit(estimator, X, y):
    return estimator.fit(X, y) if type(estimator).__name__ in SUPERVISED else estimator.fit(X)


@pytest.mark.parametrize("name", NAMES)
def test_fit_hostile_input_is_a_clear_error_before_training(name):
    X, y = _training_data()
    X = X.to_numpy()
    cases = {
        "NaN": (np.where(np.eye(*X.shape) > 0, np.nan, X), r"NaN"),
        "inf": (np.where(np.eye(*X.shape) > 0, -np.inf, X), r"infinity|infinite"),
        "0 columns": (X[:, :0], r"0 feature"),
        "complex": (X + 1j, r"Complex"),
        "strings": (np.full(X.shape, "x", dtype=object), r"could not convert|string"),
        "datetime64": (X.astype("datetime64[s]"), r"datetime"),
        "1-D": (X[:, 0], r"2D array|1D array"),
    }
    for X_bad, pattern in cases.values():
        estimator = FACTORIES[name]()
        _, error = call(lambda X_: _fit(estimator, X_, y), X_bad)
        expect_error(error, pattern)
        assert not hasattr(estimator, "offset_") and not hasattr(estimator, "estimator_")
    _, error = call(lambda X_: _fit(FACTORIES[name](), X_, y[:0]), X[:0])
    expect_error(error, r"0 sample|anomaly_label|window")


@settings(max_examples=4, deadline=None)
@given(
    scale=st.sampled_from([1e-300, 1e-20, 1e20, 1e300]),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_fit_on_tiny_or_huge_values_is_finite_or_a_silent_clear_error(scale, dtype):
    with np.errstate(over="ignore"):  # 1e300 in float32 is inf: refused too
        X = (_training_data()[0].to_numpy() * scale).astype(dtype)
    before = X.copy()
    detector = _autoencoder()
    try:
        detector.fit(X)
    except ValueError as exc:
        assert scale > 1, f"fit on values of {scale} failed: {exc}"
        assert re.search(r"diverged|float32 range|infinity", str(exc)), exc
        assert not hasattr(detector, "model_")
    else:
        assert np.isfinite(detector.threshold_)
        assert np.isfinite(detector.score_samples(X)).all()
    np.testing.assert_array_equal(X, before)


def test_values_beyond_float32_are_refused_before_training():
    X = _training_data()[0].to_numpy() * 1e300
    with pytest.raises(ValueError, match=r"beyond the float32 range .* \d\.\d+e\+300"):
        _autoencoder().fit(X)


def test_diverged_training_prints_nothing_at_verbose_0(capsys):
    X = _training_data()[0].to_numpy() * 1e25  # finite in float32, its square is not
    with pytest.raises(ValueError, match="diverged"):
        _autoencoder().set_params(loss="mse").fit(X)
    out, err = capsys.readouterr()
    assert "Invalid loss" not in out + err
    assert out == ""


# ----------------------------------------------------------- anomaly labels


@pytest.mark.parametrize("name", sorted(SUPERVISED))
def test_wrong_anomaly_label_is_a_value_error_naming_it(name):
    X, y = _training_data()
    for y_bad, label in [(np.where(y == -1, 1, 0), -1), (np.where(y == -1, "bad", "ok"), -1)]:
        _, error = call(lambda X_: FACTORIES[name]().fit(X_, y_bad), X)
        expect_error(error, rf"anomaly_label={label!r} is not among")
    for label in ("-1", 2, [1, -1], None):
        estimator = FACTORIES[name]().set_params(anomaly_label=label)
        _, error = call(lambda X_: estimator.fit(X_, y), X)
        expect_error(error, r"anomaly_label")
    y_nan = np.where(y == 1, 1.0, np.nan)
    y_nan[-1] = -1.0
    _, error = call(lambda X_: FACTORIES[name]().fit(X_, y_nan), X)
    expect_error(error, r"NaN")


@pytest.mark.parametrize(
    "function",
    [
        threshold_curve,
        lambda y, s, **kw: cost_curve(y, s, fp_cost=1, fn_cost=5, **kw),
        lambda y, s, **kw: total_cost(y, np.where(s > 0, -1, 1), fp_cost=1, fn_cost=5, **kw),
    ],
    ids=["threshold_curve", "cost_curve", "total_cost"],
)
def test_metrics_refuse_absent_or_non_scalar_anomaly_labels(function):
    y = np.array([1, 1, -1, 1])
    s = np.array([0.1, 0.2, 0.9, -0.3])
    for label, error_class, pattern in [
        (5, ValueError, r"anomaly_label=5 is not among"),
        ("-1", ValueError, r"anomaly_label='-1' is not among"),
        ([1, -1], TypeError, r"anomaly_label must be one label"),
        (None, TypeError, r"anomaly_label must be one label"),
    ]:
        with pytest.raises(error_class, match=pattern):
            function(y, s, anomaly_label=label)
    with pytest.raises(ValueError, match="NaN label"):
        function(np.array([1.0, np.nan, -1.0, 1.0]), s)


def test_cost_scorer_refuses_wrong_anomaly_labels():
    with pytest.raises(TypeError, match="anomaly_label must be one label"):
        make_cost_scorer(fp_cost=1, fn_cost=5, anomaly_label=[1])
    scorer = make_cost_scorer(fp_cost=1, fn_cost=5, anomaly_label=1)

    class Stub:
        def predict(self, X):
            return np.asarray(X)[:, 0]

    with pytest.raises(ValueError, match="anomaly_label=1 is not among"):
        scorer(Stub(), np.ones((4, 1)), np.array([-1, 0, 0, -1]))


# ------------------------------------------------------------------ functions


@settings(max_examples=60, deadline=None)
@given(data=labelled_scores(), dtype=st.sampled_from(NUMERIC_DTYPES + ["object", "U3"]))
def test_curves_on_scores_of_any_dtype(data, dtype):
    y, scores = data
    hostile = scores.astype(dtype)
    for function in (threshold_curve, cost_curve):
        kwargs = {"fp_cost": 1.0, "fn_cost": 5.0} if function is cost_curve else {}
        result, error = call(lambda s: function(y, s, **kwargs), hostile)
        if dtype == "U3":
            expect_error(error, "anomaly_score must hold real numbers")
            continue
        assert error is None, error
        expected = function(y, hostile.astype(np.float64), **kwargs)
        for got, want in zip(result, expected):
            np.testing.assert_array_equal(got, want)
            assert not np.isnan(got).any()


@settings(max_examples=40, deadline=None)
@given(
    scores=hnp.arrays(np.float64, st.integers(1, 30)),
    fp_cost=st.floats(0, 1e308),
)
def test_cost_curve_is_finite_or_a_clear_error(scores, fp_cost):
    y = np.where(np.arange(len(scores)) % 3 == 0, -1, 1)
    result, error = call(lambda s: cost_curve(y, s, fp_cost=fp_cost, fn_cost=1e308), scores)
    if not np.isfinite(scores).all():
        expect_error(error, "NaN or infinite")
    elif error is not None:
        expect_error(error, "total cost overflows")
    else:
        assert np.isfinite(result[0]).all()


@settings(max_examples=60, deadline=None)
@given(
    series=hnp.arrays(
        st.sampled_from(["float64", "int32", "bool", "U2"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    ),
    window_size=st.one_of(st.integers(-1, 7), st.floats(1, 3), st.booleans()),
    stride=st.integers(0, 3),
)
def test_sliding_windows_on_any_shape(series, window_size, stride):
    result, error = call(lambda s: sliding_windows(s, window_size, stride=stride), series)
    valid_params = (
        isinstance(window_size, int) and not isinstance(window_size, bool)
        and window_size >= 1 and stride >= 1
    )  # fmt: skip
    if not valid_params:
        expect_error(error, "window_size|stride")
    elif series.ndim not in (1, 2):
        expect_error(error, "must be 1-D .* or 2-D")
    elif len(series) < window_size:
        expect_error(error, "fewer than one window")
    else:
        as_2d = series.reshape(len(series), -1)
        assert result.shape == (
            (len(series) - window_size) // stride + 1,
            window_size,
            as_2d.shape[1],
        )
        np.testing.assert_array_equal(result[-1][0], as_2d[(len(result) - 1) * stride])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.sampled_from([0, 1, 0, 1, 2, -1]), max_size=30),
    dtype=st.sampled_from(["int64", "float64", "bool", "U1"]),
    lead=st.one_of(st.integers(-1, 6), st.just(10**12)),
)
def test_lead_labels_on_any_labels_and_leads(values, dtype, lead):
    y = np.asarray(values, dtype=np.int64).astype(dtype)
    result, error = call(lambda y_: lead_labels(y_, lead), y)
    if lead < 1:
        expect_error(error, "lead must be a positive int")
    elif (y.dtype.kind == "U" and len(y)) or not np.isin(y, (0, 1)).all():
        expect_error(error, "y must hold 0")
    else:
        y_lead, keep = result
        event = y.astype(bool)
        expected = [int(event[i + 1 : i + 1 + lead].any()) for i in range(len(y))]
        np.testing.assert_array_equal(y_lead, np.asarray(expected, dtype=int)[keep])
        np.testing.assert_array_equal(keep, np.flatnonzero(~event))


@settings(max_examples=60, deadline=None)
@given(
    scores=hnp.arrays(
        st.sampled_from(["float64", "float32", "int64", "complex128", "U3"]),
        st.integers(0, 8),
    ),
    window_size=st.integers(1, 4),
    stride=st.integers(1, 3),
    aggregate=st.sampled_from(["mean", "max"]),
)
def test_aggregate_window_scores_is_finite_or_a_clear_error(scores, window_size, stride, aggregate):
    n_timesteps = window_size + stride * max(len(scores) - 1, 0)
    result, error = call(
        lambda s: aggregate_window_scores(
            s, n_timesteps, window_size, stride=stride, aggregate=aggregate
        ),
        scores,
    )
    if scores.dtype.kind in "cU":
        expect_error(error, "window_scores must hold real numbers")
    elif len(scores) == 0:
        expect_error(error, "0 window scores")
    elif not np.isfinite(scores).all():
        expect_error(error, "must be finite")
    else:
        assert result.shape == (n_timesteps,)
        assert np.isfinite(result).all()
        values = scores.astype(np.float64)
        assert values.min() <= result.min() and result.max() <= values.max()


def test_aggregate_window_scores_does_not_overflow_near_the_float_maximum():
    scores = np.array([1e308, 1.7e308, -1.7e308])
    result = aggregate_window_scores(scores, 6, 4)
    np.testing.assert_allclose(result, [1e308, 1.35e308, 1e308 / 3, 1e308 / 3, 0.0, -1.7e308])


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"n_timesteps": 0}, "n_timesteps must be a positive int"),
        ({"n_timesteps": True}, "n_timesteps must be a positive int"),
        ({"n_timesteps": 100.0}, "n_timesteps must be a positive int"),
        ({"n_anomalies": -1}, "n_anomalies must be an int >= 0"),
        ({"n_anomalies": 1.5}, "n_anomalies must be an int >= 0"),
        ({"noise": np.nan}, "noise must be a finite number >= 0"),
        ({"noise": np.inf}, "noise must be a finite number >= 0"),
        ({"noise": -0.1}, "noise must be a finite number >= 0"),
        ({"noise": "0.1"}, "noise must be a finite number >= 0"),
        ({"kinds": "spike"}, "kinds must be a non-empty tuple"),
        ({"kinds": [["spike"]]}, "kinds must be a non-empty tuple"),
        ({"kinds": ()}, "kinds must be a non-empty tuple"),
        ({"anomaly_length": 2, "kinds": ("spike",)}, "anomaly_length must be at least 3"),
        ({"n_anomalies": 50}, "do not fit apart"),
    ],
)
def test_make_synthetic_series_refuses_bad_parameters(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_synthetic_series(**{"n_timesteps": 300, "random_state": 0, **kwargs})


@settings(max_examples=10, deadline=None)
@given(
    n_timesteps=st.integers(60, 400),
    n_channels=st.integers(1, 3),
    noise=st.floats(0, 10),
    n_anomalies=st.integers(0, 3),
)
def test_make_synthetic_series_is_finite(n_timesteps, n_channels, noise, n_anomalies):
    X, y = make_synthetic_series(
        n_timesteps, n_channels=n_channels, noise=noise, n_anomalies=n_anomalies,
        anomaly_length=10, random_state=0,
    )  # fmt: skip
    assert X.shape == (n_timesteps, n_channels) and np.isfinite(X).all()
    assert y.sum() == 10 * n_anomalies


def _papermill_csv(time="5/1/99 0:00", y="0", x="1.5"):
    header = ",".join(["time", "y", *[f"x{i}" for i in range(1, 62)]])
    return header + "\n" + ",".join([time, y, *[x] * 61]) + "\n"


@pytest.mark.parametrize(
    "content, pattern",
    [
        (None, "is a directory"),
        ("", "not a readable CSV file"),
        (b"\x00\xff\xfe" * 300 + b"\n,\n,,,", "not a readable CSV file|lacks the columns"),
        ("a,b\n1,2\n", "is not the paper-mill data: it lacks the columns"),
        (_papermill_csv(time="yesterday"), "time column is not in the paper-mill format"),
        (_papermill_csv(y="2"), "y must hold 0 .* and 1 .* only"),
        (_papermill_csv(y=""), "y must hold 0 .* and 1 .* only"),
        (_papermill_csv(x="abc"), "sensor columns .* not numbers"),
    ],
)
def test_load_papermill_bad_files(tmp_path, content, pattern):
    path = tmp_path / "papermill.csv"
    if content is None:
        path = tmp_path
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ValueError, match=pattern):
        load_papermill(path)


def test_load_papermill_missing_file_and_a_good_row(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_papermill(tmp_path / "absent.csv")
    path = tmp_path / "ok.csv"
    path.write_text(_papermill_csv(y="1"))
    data, target = load_papermill(path, return_X_y=True)
    assert data.shape == (1, 61) and target.tolist() == [1]


# ---------------------------------------------------------- hostile model files

GiB = 1 << 30


def _zeros_deflated(size, chunk=1 << 26):
    """A raw deflate stream of ``size`` zero bytes, its CRC-32 and ``size``.

    After a full flush the compressor starts afresh, so the stream of one
    chunk repeats: 2 GiB of zeros compress to about 2 MB in a second,
    without ever holding them.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc, zeros = 0, bytes(chunk)
    for _ in range(size // chunk):
        crc = zlib.crc32(zeros, crc)
    return block * (size // chunk) + compressor.flush(), crc, size


def _zip(members, comment=b""):
    """A zip archive written by hand from ``(name, data)`` pairs.

    ``data`` is bytes (stored as is) or ``(deflated, crc, size)``, an already
    compressed member, which ``zipfile`` cannot write.
    """
    local, central = bytearray(), bytearray()
    for name, data in members:
        if isinstance(data, bytes):
            method, raw, crc, size = 0, data, zlib.crc32(data), len(data)
        else:
            method, (raw, crc, size) = 8, data
        offset, encoded = len(local), name.encode()
        fields = (method, 0, 0, crc, len(raw), size, len(encoded), 0)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, *fields) + encoded + raw
        central += (
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, *fields, 0, 0, 0, 0, offset)
            + encoded
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
        len(local), len(comment),
    )  # fmt: skip
    return bytes(local + central + end + comment)


def _forged_model_file(members):
    """A model file of ``members`` whose manifest and checksums are consistent."""
    manifest = {
        "format": "sklearn-recon-model", "format_version": 1, "versions": {},
        "estimator": "sklearn_recon.AutoencoderDetector",
        "members": {
            name: hashlib.sha256(data if isinstance(data, bytes) else b"").hexdigest()
            for name, data in members
        },
    }  # fmt: skip
    prefix = b"sklearn-recon-model sha256="
    archive = _zip(
        [("manifest.json", json.dumps(manifest).encode()), *members], comment=prefix + b"0" * 64
    )
    body = archive[:-64]
    return body + hashlib.sha256(body).hexdigest().encode()


@pytest.fixture(scope="module")
def hostile_files(fitted, tmp_path_factory):
    """A genuine model file, and forged ones that each hide a 2 GiB member."""
    folder = tmp_path_factory.mktemp("hostile")
    save(fitted["AutoencoderDetector"], folder / "genuine.skr")
    with zipfile.ZipFile(folder / "genuine.skr") as archive:
        genuine = {name: archive.read(name) for name in archive.namelist()}
    bomb = _zeros_deflated(2 * GiB)
    with zipfile.ZipFile(io.BytesIO(genuine["network-0.keras"])) as archive:
        network = {name: archive.read(name) for name in archive.namelist()}
    weights = io.BytesIO()  # an HDF5 dataset of 2 GiB that holds no bytes
    with h5py.File(weights, "w") as file:
        file.create_dataset("layers/dense/vars/0", shape=(GiB // 4,), dtype="f8", chunks=(1 << 16,))
    files = {
        # the outer archive's arrays.npz expands to 2 GiB of zeros
        "outer": [("estimator.json", genuine["estimator.json"]),
                  ("arrays.npz", bomb),
                  ("network-0.keras", genuine["network-0.keras"])],
        # the outer archive is sane; the Keras archive in it holds the bomb
        "nested": [("estimator.json", genuine["estimator.json"]),
                   ("arrays.npz", genuine["arrays.npz"]),
                   ("network-0.keras", _zip([("metadata.json", network["metadata.json"]),
                                             ("config.json", network["config.json"]),
                                             ("model.weights.h5", bomb)]))],
        # the Keras archive is sane; its weights declare 2 GiB they do not hold
        "hdf5": [("estimator.json", genuine["estimator.json"]),
                 ("arrays.npz", genuine["arrays.npz"]),
                 ("network-0.keras", _zip([("metadata.json", network["metadata.json"]),
                                           ("config.json", network["config.json"]),
                                           ("model.weights.h5", weights.getvalue())]))],
        # a member the manifest lists, but no model file has
        "unexpected": [*((name, genuine[name]) for name in
                         ("estimator.json", "arrays.npz", "network-0.keras")),
                       ("payload.bin", bomb)],
    }  # fmt: skip
    paths = {"genuine": folder / "genuine.skr"}
    for name, members in files.items():
        paths[name] = folder / f"{name}.skr"
        paths[name].write_bytes(_forged_model_file(members))
    return paths


_LOAD_AND_MEASURE = """
import json, sys, time
import sklearn_recon
outcome = {}
for path in sys.argv[1:]:
    start = time.perf_counter()
    try:
        sklearn_recon.load(path)
        message = None
    except ValueError as exc:
        message = str(exc)
    outcome[path] = [time.perf_counter() - start, message]
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak": peak * 1024}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_compressed_bombs_are_refused_in_bounded_time_and_memory(hostile_files):
    """A 2 MB file expanding to 2 GiB, outer or nested, is refused before it is
    decompressed: within 5 s each, the whole process under 1 GiB.

    The peak is the new process's VmHWM: on Linux ``getrusage``'s
    ``ru_maxrss`` keeps the peak of the process image before ``exec``, here
    pytest's, with its TensorFlow and fitted networks.
    """
    names = ["outer", "nested", "hdf5", "unexpected"]
    for name in ("outer", "nested"):
        assert hostile_files[name].stat().st_size < 3_000_000
    with zipfile.ZipFile(hostile_files["outer"]) as archive:
        assert archive.getinfo("arrays.npz").file_size == 2 * GiB
    run = subprocess.run(
        [sys.executable, "-c", _LOAD_AND_MEASURE, *(str(hostile_files[n]) for n in names)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    expected = {
        "outer": r"arrays\.npz would expand from \d+ to 2147483648 bytes, more than 100 times",
        "nested": r"network-0\.keras: model\.weights\.h5 would expand from \d+ to 2147483648",
        "hdf5": r"network-0\.keras: its weights declare 2147483648 bytes in a file of \d+",
        "unexpected": r"members that a model file has not: \['payload\.bin'\]",
    }
    for name in names:
        seconds, message = result["outcome"][str(hostile_files[name])]
        assert message is not None, f"{name}: loaded"
        assert re.search(expected[name], message), (name, message)
        assert "Refusing to decompress it" in message
        assert seconds < 5, (name, seconds)
    assert result["peak"] < GiB, result["peak"]


# Runs the command line and reports its wall time and peak memory. A small
# process of its own starts it: on Linux, ``ru_maxrss`` of RUSAGE_CHILDREN
# counts the image a child was forked from, pytest's here.
_SCORE_AND_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
run = subprocess.run(
    [sys.executable, "-m", "sklearn_recon", "score", *sys.argv[1:]],
    capture_output=True, text=True,
)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"code": run.returncode, "stderr": run.stderr, "seconds": seconds,
                  "peak": peak}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in kB")
def test_the_command_line_refuses_a_bomb_before_loading_tensorflow(hostile_files, tmp_path):
    """``sklearn-recon score`` refuses a 2 MB file that expands to 2 GiB as
    Python's ``load`` does: within 3 s and 300 MB, TensorFlow never loaded."""
    data = tmp_path / "data.csv"
    pd.DataFrame(np.zeros((3, N_FEATURES)), columns=COLUMNS).to_csv(data, index=False)
    run = subprocess.run(
        [sys.executable, "-c", _SCORE_AND_MEASURE, str(hostile_files["outer"]), str(data)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["code"] == 2, result["stderr"]
    assert "Refusing to decompress it" in result["stderr"]
    assert "Traceback" not in result["stderr"]
    assert result["seconds"] < 3, result
    assert result["peak"] < 300 * 2**20, result


def test_genuine_file_beside_the_bombs_still_loads(fitted, hostile_files):
    # the forged files differ from it only by their hostile member
    detector = fitted["AutoencoderDetector"]
    restored = sklearn_recon.load(hostile_files["genuine"])
    X = _rows("AutoencoderDetector", 5)
    np.testing.assert_array_equal(restored.score_samples(X), detector.score_samples(X))


def test_a_sane_forgery_passes_the_bounds(hostile_files, tmp_path):
    """The forging helpers build files load accepts, so the refusals above come
    from the hostile members alone."""
    with zipfile.ZipFile(hostile_files["genuine"]) as archive:
        members = [
            (name, archive.read(name))
            for name in ("estimator.json", "arrays.npz", "network-0.keras")
        ]
    target = tmp_path / "forged.skr"
    target.write_bytes(_forged_model_file(members))
    with pytest.warns(UserWarning, match="was saved with sklearn-recon None"):
        restored = sklearn_recon.load(target)
    assert restored.n_features_in_ == N_FEATURES


# ----------------------------------------------------------------- heavy load


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scoring_validates_without_copying_the_input(fitted, dtype):
    """No full-size copy of float32 or float64 input: memory stays bounded."""
    X = np.random.RandomState(0).normal(size=(50, N_FEATURES)).astype(dtype)
    for name in ("AutoencoderDetector", "LSTMAutoencoderDetector"):
        detector = fitted[name]
        validated = detector._validate_X(X, reset=False)
        assert validated.dtype == dtype
        assert np.shares_memory(validated, X)
        assert np.shares_memory(detector._model_input(validated), X)


def test_scoring_reports_progress_only_when_verbose(fitted, monkeypatch, capsys):
    monkeypatch.setattr(_keras, "INFERENCE_BATCH_SIZE", 4)
    detector = pickle.loads(pickle.dumps(fitted["AutoencoderDetector"]))
    X = _rows("AutoencoderDetector", 40)
    quiet = detector.score_samples(X)
    assert capsys.readouterr() == ("", "")
    detector.set_params(verbose=1)
    np.testing.assert_array_equal(detector.score_samples(X), quiet)
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert 5 <= len(lines) <= 10, lines
    assert lines[0].startswith("Scored 4/40 samples (10%)")
    assert lines[-1].startswith("Scored 40/40 samples (100%)")


@pytest.mark.parametrize("name", ["AutoencoderDetector", "LSTMAutoencoderDetector"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_eight_threads_get_exactly_the_serial_scores(fitted, monkeypatch, name, dtype):
    monkeypatch.setattr(_keras, "INFERENCE_BATCH_SIZE", 16)  # several batches per call
    detector = fitted[name]
    X = np.random.RandomState(2).normal(size=(100, N_FEATURES)).astype(dtype)
    serial = detector.decision_function(X)
    # A fresh copy has no compiled function: the first calls race to build it.
    fresh = pickle.loads(pickle.dumps(detector))
    barrier = threading.Barrier(8)
    results, errors = [None] * 8, []

    def work(i):
        try:
            barrier.wait()
            results[i] = fresh.decision_function(X)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for result in results:
        np.testing.assert_array_equal(result, serial)
    assert len(fresh._inference._functions) == 1  # built once, not once per thread


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


@pytest.mark.parametrize("name", ["AutoencoderDetector", "LSTMAutoencoderDetector"])
def test_chunks_in_threads_score_exactly_as_one_by_one(fitted, monkeypatch, name):
    """Scoring runs its chunks in as many threads as BLAS may use, holds
    BLAS to one thread meanwhile, and gives BLAS its setting back."""
    monkeypatch.setattr(_keras, "INFERENCE_BATCH_SIZE", 16)  # several chunks per call
    detector = fitted[name]
    X = _rows(name, 100)
    before = _blas_threads()
    n_threads = []
    run_batched = _keras.run_batched

    def recorded(*args, **kwargs):
        n_threads.append(kwargs.get("n_threads", 1))
        return run_batched(*args, **kwargs)

    monkeypatch.setattr(_keras, "run_batched", recorded)
    with threadpool_limits(limits=1, user_api="blas"):
        one_by_one = detector.score_samples(X)
    with threadpool_limits(limits=3, user_api="blas"):
        in_threads = detector.score_samples(X)
        assert _blas_threads() == [3] * len(before)
    assert n_threads == [1, 3]
    np.testing.assert_array_equal(in_threads, one_by_one)
    assert _blas_threads() == before
