"""Tests of sklearn_recon.export: a fitted pipeline as one ONNX or SavedModel graph.

Tolerance: the graphs compute in float32, the estimators (on the float64
rows given here) in float64. Every exported ``score`` and ``decision``
must lie within ``RTOL`` (1e-5) times the batch's largest absolute score
or decision of the estimator's value (measured: about 2e-7). Exported
flags must equal ``predict``'s except on rows whose ``decision_function``
lies within that tolerance of 0; those rows are counted and must be rare
(at most 2% of the rows).
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from _instances import DETECTOR_NAMES, SUPERVISED, residual_autoencoder, tiny_detector
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    ThresholdSelector,
    WindowedDetector,
    export,
)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

RTOL = 1e-5
MAX_NEAR_THRESHOLD = 0.02
TINY = dict(epochs=2, batch_size=256, early_stopping=False, random_state=0)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "deploying.rst"


@pytest.fixture(scope="module")
def data():
    """Training rows (12 values: 6 steps of 2 channels), labels, held-out rows."""
    rng = np.random.RandomState(0)
    basis = rng.normal(size=(3, 12))

    def rows(n, noise):
        return rng.normal(size=(n, 3)) @ basis + noise * rng.normal(size=(n, 12))

    X = np.vstack([rows(400, 0.05), rows(40, 1.0)])
    y = np.r_[np.ones(400, dtype=int), -np.ones(40, dtype=int)]
    X_held = np.vstack([rows(150, 0.05), rows(50, 1.0)])
    return X, y, X_held


#: The scaler in front of each detector, in turn: every one export supports.
SCALERS = (
    StandardScaler,
    MinMaxScaler,
    MaxAbsScaler,
    RobustScaler,
    lambda: MinMaxScaler(clip=True),
)

#: What some detectors' export is checked with beyond their tiny
#: configuration: a downsampling of 4 over 6 steps (Conv1D, the linear
#: unfold and a cropping), a network with a skip connection (no plain chain).
VARIANTS = {
    "LSTMAutoencoderDetector": dict(downsample=4, conv_filters=4),
    "ReconstructionDetector": dict(model=residual_autoencoder),
}


def _detector_case(name, scaler):
    # rows of 12 values: 6 steps of 2 channels for the sequence detectors
    detector = tiny_detector(name, n_channels=2, anomaly_label=-1, **TINY, **VARIANTS.get(name, {}))
    pipeline = make_pipeline(scaler(), detector)

    def fit(X, y):
        return pipeline.fit(X, y) if name in SUPERVISED else pipeline.fit(X[y == 1])

    return fit


#: name -> function of (X, y) returning the fitted estimator: every detector
#: of the registry and both meta-estimators, each behind a scaler; the labels
#: of the meta-estimators are -1/1, 0/1 and strings.
CASES = {
    **{
        name: _detector_case(name, SCALERS[i % len(SCALERS)])
        for i, name in enumerate(DETECTOR_NAMES)
    },
    "threshold_selector": lambda X, y: make_pipeline(
        MinMaxScaler(),
        ThresholdSelector(
            AutoencoderDetector(hidden_units=(4,), **TINY),
            cv=0.5,
            refit=False,
            anomaly_label=1,
            random_state=0,
        ),
    ).fit(X, (y == -1).astype(int)),
    "cost_threshold": lambda X, y: CostThreshold(
        make_pipeline(StandardScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)),
        fp_cost=1,
        fn_cost=10,
        cv=0.5,
        refit=False,
        anomaly_label="fail",
        random_state=0,
    ).fit(X, np.where(y == -1, "fail", "pass")),
}


@pytest.fixture(scope="module")
def fitted(data):
    """The fitted estimator of a case, fitted once per test module and worker."""
    X, y, _ = data
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = CASES[name](X, y)
        return cache[name]

    return get


def onnx_runner(path):
    """The exported ONNX graph as a function of rows, in onnxruntime."""
    session = ort.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]

    def run(X):
        return dict(zip(names, session.run(None, {"X": np.asarray(X, dtype=np.float32)})))

    return run


def saved_model_runner(path):
    """The exported SavedModel's serving_default signature as a function of rows."""
    import tensorflow as tf

    serve = tf.saved_model.load(os.fspath(path)).signatures["serving_default"]

    def run(X):
        out = {k: v.numpy() for k, v in serve(X=tf.constant(X, tf.float32)).items()}
        if out["flag"].dtype == object:  # TensorFlow strings arrive as bytes
            out["flag"] = np.array([f.decode() for f in out["flag"]], dtype=object)
        return out

    return run


def check_outputs(out, estimator, X, what, scale=None):
    """Assert that the graph's outputs match the estimator's within RTOL.

    ``scale``, the largest absolute score or decision of the held-out rows,
    defaults to that of ``X``.
    """
    score = estimator.score_samples(X)
    decision = estimator.decision_function(X)
    labels = estimator.predict(X)
    assert set(out) == {"score", "decision", "flag"}, what
    assert out["score"].dtype == np.float32 and out["decision"].dtype == np.float32, what
    assert out["score"].shape == out["decision"].shape == out["flag"].shape == (len(X),)
    if scale is None:
        scale = max(np.abs(score).max(), np.abs(decision).max())
    tolerance = RTOL * scale
    for name, expected in (("score", score), ("decision", decision)):
        worst = np.max(np.abs(out[name] - expected))
        assert worst <= tolerance, f"{what}: {name} differs by {worst:.3g} > {tolerance:.3g}"
    flags = out["flag"]
    if labels.dtype.kind in "US":
        assert all(isinstance(f, str) for f in flags), what
    else:
        assert flags.dtype == labels.dtype, f"{what}: flag dtype {flags.dtype}"
    near = np.abs(decision) <= tolerance
    differ = flags != labels
    assert not np.any(differ & ~near), f"{what}: flags differ away from the threshold"
    assert near.mean() <= MAX_NEAR_THRESHOLD, f"{what}: {near.sum()} rows at the threshold"
    return scale


@pytest.mark.parametrize("name", list(CASES))
def test_export_matches_estimator(name, fitted, data, tmp_path, capsys):
    estimator = fitted(name)
    X_held = data[2]
    capsys.readouterr()
    export(estimator, tmp_path / "model.onnx")
    export(estimator, tmp_path / "saved_model", format="saved_model")
    assert capsys.readouterr().out == ""  # the library prints nothing

    model = onnx.load(tmp_path / "model.onnx")
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["X"]
    assert [o.name for o in model.graph.output] == ["score", "decision", "flag"]
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    # the VAE's graph scores through the latent means: nothing random in it
    assert not {n.op_type for n in model.graph.node} & {"RandomNormal", "RandomNormalLike"}

    for what, run in (
        ("onnx", onnx_runner(tmp_path / "model.onnx")),
        ("saved_model", saved_model_runner(tmp_path / "saved_model")),
    ):
        scale = check_outputs(run(X_held), estimator, X_held, f"{name} {what}")
        # a dynamic batch axis: one row gives that row's outputs
        one = run(X_held[:1])
        check_outputs(one, estimator, X_held[:1], f"{name} {what}, one row", scale)


def test_onnx_runs_without_tensorflow(fitted, data, tmp_path):
    estimator = fitted("AutoencoderDetector")
    X_held = data[2]
    export(estimator, tmp_path / "model.onnx")
    np.save(tmp_path / "X.npy", X_held.astype(np.float32))
    script = textwrap.dedent(
        """
        import sys
        for name in ("tensorflow", "keras", "tf2onnx", "sklearn_recon"):
            sys.modules[name] = None  # importing any of them now fails
        import numpy as np
        import onnxruntime

        session = onnxruntime.InferenceSession(sys.argv[1])
        score, decision, flag = session.run(
            ["score", "decision", "flag"], {"X": np.load(sys.argv[2])}
        )
        np.savez(sys.argv[3], score=score, decision=decision, flag=flag)
        """
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(tmp_path / "model.onnx"),
            str(tmp_path / "X.npy"),
            str(tmp_path / "out.npz"),
        ],
        check=True,
        timeout=120,
    )
    with np.load(tmp_path / "out.npz") as out:
        check_outputs(dict(out), estimator, X_held, "onnx without tensorflow")


@pytest.fixture(scope="module")
def wide_detector(data):
    """An autoencoder fitted on 12 columns, put behind various fitted steps."""
    X, y, _ = data
    return AutoencoderDetector(hidden_units=(4,), **TINY).fit(X[y == 1])


def _with_gaps(X, rng, value=np.nan):
    X = X.copy()
    X[rng.rand(*X.shape) < 0.1] = value
    return X


#: name -> (the fitted preprocessing steps' factory, the missing value, an
#: extra column that is always missing, dropped by the imputer)
PREPROCESSING = {
    "imputer_mean": (lambda: [SimpleImputer(), StandardScaler()], np.nan, False),
    "imputer_median": (
        lambda: [SimpleImputer(strategy="median"), RobustScaler(quantile_range=(10, 90))],
        np.nan,
        False,
    ),
    "imputer_most_frequent": (
        lambda: [SimpleImputer(strategy="most_frequent"), MaxAbsScaler()],
        np.nan,
        False,
    ),
    "imputer_constant_sentinel": (
        lambda: [
            SimpleImputer(missing_values=-999.0, strategy="constant", fill_value=0.5),
            MinMaxScaler(feature_range=(-1, 1), clip=True),
        ],
        -999.0,
        False,
    ),
    "imputer_drops_empty_column": (
        lambda: [SimpleImputer(), StandardScaler(with_mean=False)],
        np.nan,
        True,
    ),
    "scalers_without_centering": (
        lambda: [
            StandardScaler(with_std=False),
            "passthrough",
            RobustScaler(with_centering=False),
        ],
        None,
        False,
    ),
}


@pytest.mark.parametrize("name", list(PREPROCESSING))
def test_export_preprocessing(name, wide_detector, data, tmp_path):
    """Each supported step, fitted alone, in front of one fitted detector."""
    make_steps, missing, empty_column = PREPROCESSING[name]
    X, y, X_held = data
    rng = np.random.RandomState(1)
    X_fit, X_held = X[y == 1], X_held.copy()
    if missing is not None:
        X_fit, X_held = _with_gaps(X_fit, rng, missing), _with_gaps(X_held, rng, missing)
    if empty_column:
        X_fit = np.c_[X_fit[:, :5], np.full(len(X_fit), np.nan), X_fit[:, 5:]]
        X_held = np.c_[X_held[:, :5], rng.normal(size=len(X_held)), X_held[:, 5:]]
    steps, Xt = [], X_fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the dropped empty column
        for i, step in enumerate(make_steps()):
            if step != "passthrough":
                Xt = step.fit(Xt).transform(Xt)
            steps.append((f"step{i}", step))
        pipeline = Pipeline([*steps, ("detector", wide_detector)])
        export(pipeline, tmp_path / "model.onnx")
        check_outputs(onnx_runner(tmp_path / "model.onnx")(X_held), pipeline, X_held, name)


def test_export_records_feature_names_and_threshold(fitted, data, tmp_path):
    pd = pytest.importorskip("pandas")
    X, y, _ = data
    columns = [f"sensor_{i}" for i in range(X.shape[1])]
    detector = fitted("AutoencoderDetector")[-1]
    pipeline = make_pipeline(MinMaxScaler(), detector)
    pipeline[0].fit(pd.DataFrame(X[y == 1], columns=columns))
    export(pipeline, tmp_path / "model.onnx")
    props = {p.key: p.value for p in onnx.load(tmp_path / "model.onnx").metadata_props}
    assert json.loads(props["feature_names"]) == columns
    assert float(props["offset"]) == detector.offset_
    assert props["estimator"] == "MinMaxScaler > AutoencoderDetector"


def test_refused_estimators(fitted, data, tmp_path):
    X, y, _ = data
    normal = X[y == 1]
    detector = fitted("AutoencoderDetector")[-1]
    forest = IsolationForest(n_estimators=5, random_state=0)
    windowed = WindowedDetector(forest, window_size=4).fit(normal[:, :2])
    refused = [  # (what the message names, the estimator)
        ("WindowedDetector", windowed),
        ("IsolationForest", forest.fit(normal)),
        (
            "Pipeline.steps[0][1] is a sklearn.decomposition._pca.PCA",
            Pipeline([("pca", PCA(12).fit(normal)), ("detector", detector)]),
        ),
        (
            "add_indicator=True",
            Pipeline([("imputer", SimpleImputer(add_indicator=True).fit(normal)), ("d", detector)]),
        ),
        (
            "Pipeline.steps[0][1].estimator_ is a sklearn.ensemble._iforest.IsolationForest",
            make_pipeline(ThresholdSelector(forest, cv=0.5)).fit(X, y),
        ),
    ]
    for what, estimator in refused:
        with pytest.raises(TypeError, match=re.escape(what)) as info:
            export(estimator, tmp_path / "model.onnx")
        assert "export supports" in str(info.value)  # the message lists what is
    with pytest.raises(TypeError, match="sklearn_recon.windows.aggregate_window_scores"):
        export(windowed, tmp_path / "model.onnx")
    with pytest.raises(NotFittedError):
        export(make_pipeline(MinMaxScaler(), AutoencoderDetector()), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="format must be one of"):
        export(detector, tmp_path / "model.tflite", format="tflite")
    assert not (tmp_path / "model.onnx").exists()


def test_missing_converter_names_the_extra(fitted, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)
    with pytest.raises(ImportError, match=re.escape('pip install "sklearn-recon[export]"')):
        export(fitted("AutoencoderDetector"), tmp_path / "model.onnx")


def test_cli_export(fitted, data, tmp_path, capsys):
    from sklearn_recon import save
    from sklearn_recon.cli import main

    estimator = fitted("AutoencoderDetector")
    save(estimator, tmp_path / "model.skr")
    assert main(["export", str(tmp_path / "model.skr"), str(tmp_path / "m.onnx")]) == 0
    assert "outputs score, decision, flag" in capsys.readouterr().out
    out = onnx_runner(tmp_path / "m.onnx")(data[2])
    check_outputs(out, estimator, data[2], "cli onnx")
    argv = ["export", str(tmp_path / "model.skr"), str(tmp_path / "sm"), "--format", "saved_model"]
    assert main(argv) == 0
    out = saved_model_runner(tmp_path / "sm")(data[2])
    check_outputs(out, estimator, data[2], "cli saved_model")

    save(AutoencoderDetector(), tmp_path / "unfitted.skr")
    assert main(["export", str(tmp_path / "unfitted.skr"), str(tmp_path / "u.onnx")]) == 2
    assert "not fitted" in capsys.readouterr().err


def test_docstring_example(tmp_path, monkeypatch):
    """The Examples of export's docstring, run (it writes detector.onnx)."""
    import doctest

    import sklearn_recon._export

    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(sklearn_recon._export, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
    assert (tmp_path / "detector.onnx").exists()


# ------------------------------------------------------ the Deploying guide


def _recipes():
    """The named code blocks of docs/user_guide/deploying.rst, in page order."""
    blocks = re.findall(
        r"^\.\. code-block:: python\n   :name: recipe-(\S+)\n\n((?:(?:   .*)?\n)+)",
        DOCS.read_text(),
        flags=re.M,
    )
    return {name: textwrap.dedent(body) for name, body in blocks}


@pytest.fixture(scope="module")
def ecg_model():
    """The guide's ``model`` and ``X_new``, with a smaller network."""
    from sklearn_recon.datasets import load_ecg5000

    ecg = load_ecg5000(as_frame=True)
    normal = ecg.data[ecg.target == 1]
    model = make_pipeline(MinMaxScaler(), AutoencoderDetector(hidden_units=(8,), **TINY)).fit(
        normal[:2000]
    )
    X_new = ecg.data.drop(normal.index[:2000]).sample(100, random_state=0)
    assert 0 < (ecg.target[X_new.index] == 1).sum() < 100  # normal and abnormal beats
    return model, X_new


def _run_recipes(names, namespace, tmp_path, monkeypatch):
    recipes = _recipes()
    monkeypatch.chdir(tmp_path)
    for name in names:
        exec(compile(recipes[name], f"{DOCS}:recipe-{name}", "exec"), namespace)


def test_deploying_recipes_are_found():
    assert list(_recipes()) == ["save-load", "skops", "mlflow", "onnx", "saved-model", "windowed"]


def test_deploying_recipes(ecg_model, tmp_path, monkeypatch):
    model, X_new = ecg_model
    namespace = {"model": model, "X_new": X_new}
    _run_recipes(["save-load", "skops", "onnx", "saved-model"], namespace, tmp_path, monkeypatch)
    assert (tmp_path / "detector.onnx").exists()
    assert (tmp_path / "detector_savedmodel" / "saved_model.pb").exists()


def test_deploying_windowed_recipe(tmp_path, monkeypatch):
    t = np.arange(400)
    series = np.c_[np.sin(t / 8), np.cos(t / 5)]
    windowed = WindowedDetector(
        AutoencoderDetector(hidden_units=(4,), **TINY),
        window_size=8,
        stride=3,
        aggregate="max",
    ).fit(series)
    namespace = {"windowed": windowed, "series": series}
    _run_recipes(["windowed"], namespace, tmp_path, monkeypatch)


def test_deploying_mlflow_recipe(ecg_model, tmp_path, monkeypatch):
    pytest.importorskip("mlflow")  # not in the test extra: heavy (see the guide)
    model, X_new = ecg_model
    namespace = {"model": model, "X_new": X_new}
    _run_recipes(["skops", "mlflow"], namespace, tmp_path, monkeypatch)
