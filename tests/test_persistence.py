"""sklearn_recon.save / load: pickle-free model files."""

import io
import json
import os
import pickle
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from _instances import TINY, saveable_estimators
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

import sklearn_recon
from sklearn_recon import (
    AutoencoderDetector,
    CostThreshold,
    LSTMAutoencoderDetector,
    ThresholdSelector,
    VAEDetector,
    WindowedDetector,
    load,
    save,
)
from sklearn_recon._persistence import _digest


def _round_trip(estimator, tmp_path):
    path = tmp_path / "model.skr"
    save(estimator, path)
    return load(path)


def _assert_same_params(restored, estimator):
    assert type(restored) is type(estimator)
    assert repr(restored.get_params()) == repr(estimator.get_params())


@pytest.mark.parametrize("estimator", list(saveable_estimators()), ids=lambda e: type(e).__name__)
def test_every_detector_scores_identically_after_save_and_load(estimator, blobs, tmp_path):
    X_train, X_test, _ = blobs
    estimator = clone(estimator).fit(X_train)
    restored = _round_trip(estimator, tmp_path)
    _assert_same_params(restored, estimator)
    for method in ("score_samples", "decision_function", "predict"):
        for X in (X_test, X_test.astype(np.float32)):
            np.testing.assert_array_equal(
                getattr(restored, method)(X), getattr(estimator, method)(X)
            )
    assert restored.history_ == estimator.history_
    assert restored.threshold_ == estimator.threshold_
    assert restored._seed == estimator._seed
    assert restored.n_iter_ == estimator.n_iter_


def _pipeline_of_cost_threshold():
    detector = AutoencoderDetector(hidden_units=(4,), early_stopping=False, **TINY)
    return make_pipeline(StandardScaler(), CostThreshold(detector, fp_cost=1, fn_cost=5, cv=2))


def _frozen_data():
    return np.random.RandomState(1).normal(size=(100, 12))


@pytest.mark.parametrize(
    "make_estimator",
    [
        _pipeline_of_cost_threshold,
        lambda: ThresholdSelector(
            AutoencoderDetector(hidden_units=(4,), **TINY),
            method="f1",
            cv=0.5,
            anomaly_label=-1,
        ),
        lambda: ThresholdSelector(
            FrozenEstimator(AutoencoderDetector(hidden_units=(4,), **TINY).fit(_frozen_data())),
            method="f1",
        ),
    ],
    ids=["Pipeline(CostThreshold)", "ThresholdSelector", "ThresholdSelector(FrozenEstimator)"],
)
def test_meta_estimators_round_trip_with_their_detectors(make_estimator, blobs, tmp_path):
    _, X, y = blobs
    estimator = make_estimator().fit(X, y)
    restored = _round_trip(estimator, tmp_path)
    _assert_same_params(restored, estimator)
    np.testing.assert_array_equal(restored.predict(X), estimator.predict(X))
    np.testing.assert_array_equal(restored.decision_function(X), estimator.decision_function(X))
    meta, meta_restored = (
        estimator[-1] if hasattr(estimator, "steps") else estimator,
        (restored[-1] if hasattr(restored, "steps") else restored),
    )
    assert meta_restored.best_threshold_ == meta.best_threshold_
    np.testing.assert_array_equal(meta_restored.classes_, meta.classes_)
    for key, values in meta.cv_results_.items():
        np.testing.assert_array_equal(meta_restored.cv_results_[key], values)
    if isinstance(meta.detector, FrozenEstimator):
        assert meta_restored.estimator_ is meta_restored.detector  # as when fitted
        return
    # the unfitted template stays unfitted, the fitted detector is fitted
    with pytest.raises(NotFittedError):
        meta_restored.detector.score_samples(X)
    assert meta_restored.estimator_ is not meta_restored.detector


def test_windowed_detector_round_trip(blobs, tmp_path):
    series = blobs[0][:, :2]
    lstm = LSTMAutoencoderDetector(units=2, early_stopping=False, **TINY)
    estimator = WindowedDetector(lstm, window_size=8, stride=4).fit(series)
    restored = _round_trip(estimator, tmp_path)
    _assert_same_params(restored, estimator)
    assert restored.detector_.n_channels == 2
    np.testing.assert_array_equal(restored.score_samples(series), estimator.score_samples(series))


@pytest.mark.parametrize(
    "transformer",
    [
        StandardScaler(),
        MinMaxScaler(feature_range=(-1, 1)),
        MaxAbsScaler(),
        RobustScaler(quantile_range=(10.0, 90.0)),
        SimpleImputer(strategy="median", add_indicator=True),
        MissingIndicator(features="all"),
    ],
    ids=lambda t: type(t).__name__,
)
def test_supported_scikit_learn_transformers_round_trip(transformer, tmp_path):
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(50, 4)), columns=["a", "b", "c", "d"])
    X.iloc[::7, 1] = np.nan
    X_fit = X if isinstance(transformer, (SimpleImputer, MissingIndicator)) else X.fillna(0)
    transformer = clone(transformer).fit(X_fit)
    restored = _round_trip(transformer, tmp_path)
    _assert_same_params(restored, transformer)
    np.testing.assert_array_equal(restored.transform(X_fit), transformer.transform(X_fit))
    assert sorted(vars(restored)) == sorted(vars(transformer))
    np.testing.assert_array_equal(restored.feature_names_in_, transformer.feature_names_in_)
    assert restored.feature_names_in_.dtype == object


def test_values_keep_their_types(tmp_path):
    values = {
        "float64": np.float64(0.25),
        "float32": np.float32(0.5),
        "int64": np.int64(3),
        "bool_": np.bool_(True),
        "nan": float("nan"),
        "np.float64 inf": np.float64(-np.inf),
        "tuple": (1, (2.0, "a")),
        "dict with int keys": {0: 1.0, 1: 5.0},
        "list": [None, True, "x"],
        "dtype": np.dtype("float32"),
        "strings": np.array(["a", "bc"], dtype=object),
        "matrix": np.arange(6, dtype=np.int16).reshape(2, 3),
    }
    estimator = StandardScaler()
    estimator.custom_ = values  # a fitted attribute of every kind at once
    restored = _round_trip(estimator, tmp_path).custom_
    assert list(restored) == list(values)
    for key, value in values.items():
        assert type(restored[key]) is type(value), key
        if isinstance(value, np.ndarray):
            assert restored[key].dtype == value.dtype
            np.testing.assert_array_equal(restored[key], value)
        elif key != "nan":
            assert restored[key] == value, key
    assert np.isnan(restored["nan"])


def test_metadata_is_stored_with_the_estimator_and_checked(tmp_path):
    estimator = StandardScaler().fit(np.arange(12.0).reshape(6, 2))
    metadata = {"columns": ["a", "b"], "reference": {"share": 0.1, "low": np.zeros(2)}}
    path = tmp_path / "scaler.skr"
    sklearn_recon.save(estimator, path, metadata=metadata)
    restored, read = sklearn_recon.load(path, return_metadata=True)
    assert type(restored) is StandardScaler and read["columns"] == ["a", "b"]
    np.testing.assert_array_equal(read["reference"]["low"], np.zeros(2))
    assert type(sklearn_recon.load(path)) is StandardScaler  # without the metadata
    sklearn_recon.save(estimator, path)
    assert sklearn_recon.load(path, return_metadata=True)[1] == {}
    with pytest.raises(TypeError, match="metadata must be a dict"):
        sklearn_recon.save(estimator, path, metadata=[1, 2])
    with pytest.raises(TypeError, match="metadata"):
        sklearn_recon.save(estimator, path, metadata={"rng": np.random.RandomState(0)})


def test_unfitted_estimator_round_trips_unfitted(tmp_path):
    estimator = CostThreshold(
        AutoencoderDetector(hidden_units=(8, 2), contamination=0.05, random_state=3),
        fp_cost=5,
        fn_cost=100,
        tp_cost=5,
        anomaly_label=1,
        cv=3,
    )
    restored = _round_trip(estimator, tmp_path)
    _assert_same_params(restored, estimator)
    assert restored.detector.hidden_units == (8, 2)  # a tuple stays a tuple
    with pytest.raises(NotFittedError):
        restored.predict(np.zeros((2, 3)))


@pytest.mark.parametrize(
    "estimator, match",
    [
        (IsolationForest(), "IsolationForest is a .*IsolationForest.*joblib"),
        (
            make_pipeline(StandardScaler(), IsolationForest()),
            r"Pipeline.steps\[1\]\[1\] is a .*IsolationForest",
        ),
        (
            AutoencoderDetector(random_state=np.random.RandomState(0)),
            "random_state is a RandomState instance.*as an int",
        ),
        (
            ThresholdSelector(AutoencoderDetector(), method=lambda est, X, y: 0.0),
            "ThresholdSelector.method is a .*function",
        ),
    ],
    ids=["IsolationForest", "Pipeline", "RandomState", "callable"],
)
def test_unsupported_objects_are_refused_clearly(estimator, match, tmp_path):
    path = tmp_path / "model.skr"
    with pytest.raises(TypeError, match=match):
        save(estimator, path)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a partial file


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_file_honours_the_umask(umask, mode, tmp_path):
    """Written as ``open`` would write it (not mkstemp's 0600), atomically."""
    path = tmp_path / "model.skr"
    path.write_bytes(b"an older file")
    path.chmod(0o600)
    previous = os.umask(umask)
    try:
        save(AutoencoderDetector(), path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert isinstance(load(path), AutoencoderDetector)
    assert [p.name for p in tmp_path.iterdir()] == ["model.skr"]  # no partial file left


# ------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def saved(blobs, tmp_path_factory):
    detector = AutoencoderDetector(hidden_units=(4,), **TINY).fit(blobs[0])
    path = tmp_path_factory.mktemp("saved") / "model.skr"
    save(detector, path)
    return path, detector


def _rewrite(source, target, *, change=None, add=None, edit_manifest=None, forge=False):
    """Copy the zip ``source`` to ``target`` with members changed or added.

    ``forge=True`` recomputes the member checksums of the manifest and the
    file's checksum, as a deliberate forger would; ``forge="members"`` only
    the manifest's.
    """
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
        comment = archive.comment
    members.update(change or {})
    members.update(add or {})
    if forge:
        manifest = json.loads(members["manifest.json"])
        if edit_manifest is not None:
            edit_manifest(manifest)
        manifest["members"] = {
            name: _digest(data) for name, data in members.items() if name != "manifest.json"
        }
        members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.comment = comment
    if forge is True:
        body = target.read_bytes()[:-64]
        target.write_bytes(body + _digest(body).encode())
    return target


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt is not a sklearn-recon model file"):
        load(text)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a sklearn-recon model file"):
        load(other_zip)


def test_every_flipped_byte_is_refused(saved, tmp_path):
    path, _ = saved
    data = path.read_bytes()
    rng = np.random.RandomState(0)
    # the zip's headers, its members' data, the checksum at the very end
    positions = [
        *range(0, 40),
        *rng.choice(len(data), size=40, replace=False),
        *range(len(data) - 200, len(data)),
    ]
    for position in positions:
        altered = bytearray(data)
        altered[position] ^= 0x01
        target = tmp_path / "flipped.skr"
        target.write_bytes(bytes(altered))
        with pytest.raises(ValueError, match="altered or corrupted|not a sklearn-recon model"):
            load(target)


def _edited_tree(path, edit):
    """``estimator.json`` of the file ``path``, changed by ``edit(tree)``."""
    with zipfile.ZipFile(path) as archive:
        tree = json.loads(archive.read("estimator.json"))
    edit(tree)
    return {"estimator.json": json.dumps(tree).encode()}


def test_altered_members_are_refused(saved, tmp_path):
    path, _ = saved
    edited = _edited_tree(path, lambda tree: tree["state"].update(threshold_=1e9))
    cases = {
        "member": dict(change=edited),
        "extra member": dict(add={"extra.txt": b"x"}),
        "manifest": dict(change={"manifest.json": b'{"format": "sklearn-recon-model"}'}),
        # consistent member checksums in the manifest, but not the file's
        "manifest and member": dict(change=edited, forge="members"),
    }
    for case, changes in cases.items():
        target = _rewrite(path, tmp_path / f"{case}.skr", **changes)
        with pytest.raises(ValueError, match="altered or corrupted"):
            load(target)


def test_only_allowed_classes_are_ever_built(saved, tmp_path):
    # Even with consistent checksums, a file naming another class is refused
    # without importing anything from that name.
    path, _ = saved
    edited = _edited_tree(path, lambda tree: tree.update(__estimator__="os.system"))
    target = _rewrite(path, tmp_path / "forged.skr", change=edited, forge=True)
    with pytest.raises(ValueError, match="class 'os.system', which load does not restore"):
        load(target)


def test_version_mismatch_warns_and_newer_format_is_refused(saved, tmp_path):
    path, detector = saved

    def older(manifest):
        manifest["versions"]["sklearn-recon"] = "0.0.1"

    target = _rewrite(path, tmp_path / "older.skr", edit_manifest=older, forge=True)
    with pytest.warns(UserWarning, match=r"saved with sklearn-recon 0.0.1 \(now "):
        restored = load(target)
    X = np.ones((3, detector.n_features_in_))
    np.testing.assert_array_equal(restored.score_samples(X), detector.score_samples(X))

    def newer(manifest):
        manifest["format_version"] = 99

    target = _rewrite(path, tmp_path / "newer.skr", edit_manifest=newer, forge=True)
    with pytest.raises(ValueError, match="version 99 of the model file format.*Upgrade"):
        load(target)

    # A forged manifest without its version fields is refused as damaged,
    # never with a KeyError or TypeError.
    for field in ("format_version", "versions"):
        target = _rewrite(
            path,
            tmp_path / f"no-{field}.skr",
            edit_manifest=lambda manifest: manifest.pop(field),
            forge=True,
        )
        with pytest.raises(ValueError, match="its manifest is damaged"):
            load(target)


def test_state_cannot_shadow_a_method(saved, tmp_path):
    path, _ = saved
    edited = _edited_tree(path, lambda tree: tree["state"].update(score_samples=1))
    target = _rewrite(path, tmp_path / "shadow.skr", change=edited, forge=True)
    with pytest.raises(ValueError, match="bad attribute names"):
        load(target)


def test_network_member_is_a_standard_keras_archive(saved, tmp_path):
    # Serving without sklearn-recon's estimators: Keras loads the member in
    # safe mode (importing sklearn_recon registers the custom layers).
    path, detector = saved
    with zipfile.ZipFile(path) as archive:
        assert archive.read("network-0.keras")[:2] == b"PK"
        (tmp_path / "network.keras").write_bytes(archive.read("network-0.keras"))
    keras = sklearn_recon.utils._keras.get_keras()
    model = keras.saving.load_model(tmp_path / "network.keras", safe_mode=True, compile=False)
    X = np.linspace(-1, 1, 3 * detector.n_features_in_, dtype=np.float32).reshape(3, -1)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model(X)), keras.ops.convert_to_numpy(detector.model_(X))
    )


# ------------------------------------------- scoring a loaded file without Keras

_FRAMEWORKS = ("keras", "tensorflow", "jax", "torch")

# Runs in a fresh Python: argv[1] is the folder of the saved files.
_LOAD_WITHOUT_FRAMEWORK = """
import copy, json, pickle, sys, zipfile
from pathlib import Path
import numpy as np
from sklearn.utils.validation import check_is_fitted
from sklearn_recon import load, save

folder = Path(sys.argv[1])
X = np.load(folder / "X.npy")
frameworks = {frameworks!r}
result = {{}}
for name in ("ae", "vae"):
    pipeline = load(folder / f"{{name}}.skr")
    scores = pipeline.score_samples(X)
    check_is_fitted(pipeline[-1])
    copies = [pickle.loads(pickle.dumps(pipeline)), copy.deepcopy(pipeline)]
    save(pipeline, folder / f"{{name}}-again.skr")
    result[name] = dict(
        exact=bool(np.array_equal(scores, np.load(folder / f"{{name}}.npy"))),
        copies_exact=[bool(np.array_equal(c.score_samples(X), scores)) for c in copies],
        imported=[module for module in frameworks if module in sys.modules],
    )
model = pipeline[-1].model_  # the VAE's network, rebuilt now
result["after_model_"] = dict(
    imported=[module for module in frameworks if module in sys.modules],
    model=type(model).__name__,
    output_shape=list(np.asarray(model(X[:3].astype("float32"))).shape),
    exact=bool(np.array_equal(pipeline.score_samples(X), scores)),
)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def saved_pipelines(blobs, tmp_path_factory):
    """An AE and a VAE pipeline, saved, with their scores of X_test."""
    X_train, X_test, _ = blobs
    folder = tmp_path_factory.mktemp("pipelines")
    np.save(folder / "X.npy", X_test)
    detectors = {
        "ae": AutoencoderDetector(hidden_units=(4,), **TINY),
        "vae": VAEDetector(hidden_units=(4,), latent_dim=2, **TINY),
    }
    pipelines = {}
    for name, detector in detectors.items():
        pipelines[name] = make_pipeline(MinMaxScaler(), detector).fit(X_train)
        save(pipelines[name], folder / f"{name}.skr")
        np.save(folder / f"{name}.npy", pipelines[name].score_samples(X_test))
    return folder, pipelines


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_loaded_pipeline_scores_without_importing_a_framework(saved_pipelines):
    folder, _ = saved_pipelines
    code = _LOAD_WITHOUT_FRAMEWORK.format(frameworks=_FRAMEWORKS)
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(sklearn_recon.__file__))}
    run = subprocess.run(
        [sys.executable, "-c", code, str(folder)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.splitlines()[-1])
    for name in ("ae", "vae"):
        # exactly the scores of the fitted pipeline, pickled and copied too,
        # and no framework imported: not by load, scoring, pickling nor save
        assert result[name] == dict(exact=True, copies_exact=[True, True], imported=[])
        # saved again before the network was rebuilt: the same members
        before, after = _members(folder / f"{name}.skr"), _members(folder / f"{name}-again.skr")
        for member in ("estimator.json", "network-0.keras"):
            assert after[member] == before[member]
        with (
            np.load(io.BytesIO(before["arrays.npz"])) as a,
            np.load(io.BytesIO(after["arrays.npz"])) as b,
        ):
            assert sorted(a.files) == sorted(b.files)
            for key in a.files:
                np.testing.assert_array_equal(a[key], b[key])
    after = result["after_model_"]
    assert "keras" in after["imported"]
    assert after["model"] == "VariationalAutoencoder"
    assert after["output_shape"] == [3, 12]
    assert after["exact"]


def test_a_loaded_detector_rebuilds_its_network_on_first_use(saved_pipelines, blobs):
    folder, pipelines = saved_pipelines
    X_train, X_test, _ = blobs
    fitted = pipelines["ae"][-1]
    restored = load(folder / "ae.skr")[-1]
    assert "model_" not in vars(restored)  # scored in NumPy until asked
    check_is_fitted(restored)
    assert repr(clone(restored).get_params()) == repr(fitted.get_params())
    lazy = pickle.loads(pickle.dumps(restored))
    assert "model_" not in vars(lazy)
    x = X_test[:5].astype(np.float32)
    np.testing.assert_array_equal(np.asarray(restored.model_(x)), np.asarray(fitted.model_(x)))
    assert "model_" in vars(restored) and "_stored_network" not in vars(restored)
    scaler = pipelines["ae"][0]
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    np.testing.assert_array_equal(lazy.score_samples(X_test), fitted.score_samples(X_test))
    # refitting trains a new network (the same, seeded) and forgets the stored one
    lazy.fit(X_train)
    assert "_stored_network" not in vars(lazy) and "model_" in vars(lazy)
    np.testing.assert_array_equal(lazy.score_samples(X_test), fitted.score_samples(X_test))


def _tampered(path, target, edit):
    """A copy of ``path`` with the arrays of its NumPy route changed by
    ``edit(name, array)`` (``"probe_output"``, ``"kernel"`` of the first
    layer), checksums forged."""
    members = _members(path)
    route = dict(json.loads(members["estimator.json"])["numpy_route"]["__dict__"])
    (layers,) = [value for key, value in route["network"]["__dict__"] if key == "chain"]
    first = dict(layers[0]["__dict__"])
    keys = {
        "probe_output": route["probe_output"]["__array__"],
        "kernel": first["weights"][0]["__array__"],
    }
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        arrays = {key: npz[key] for key in npz.files}
    for name, key in keys.items():
        arrays[key] = edit(name, arrays[key])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return _rewrite(path, target, change={"arrays.npz": buffer.getvalue()}, forge=True)


def test_a_tampered_numpy_route_is_refused(saved, tmp_path):
    path, _ = saved
    for altered in ("probe_output", "kernel"):
        target = _tampered(
            path,
            tmp_path / f"{altered}.skr",
            lambda name, array, altered=altered: array * 1.5 if name == altered else array,
        )
        with pytest.raises(ValueError, match="NumPy route does not give the network's output"):
            load(target)


def test_a_file_without_numpy_route_loads_through_keras(saved, tmp_path):
    # what save wrote before it stored the NumPy route
    path, detector = saved
    edited = _edited_tree(path, lambda tree: tree.pop("numpy_route"))
    restored = load(_rewrite(path, tmp_path / "old.skr", change=edited, forge=True))
    assert "model_" in vars(restored)
    X = np.linspace(-1, 1, 5 * detector.n_features_in_).reshape(5, -1)
    np.testing.assert_array_equal(restored.score_samples(X), detector.score_samples(X))


def test_a_stored_route_is_used_only_where_the_backend_scores_in_numpy(saved, monkeypatch):
    # a backend whose route table compiles the network loads it through Keras,
    # so that a loaded detector scores where one fitted in this process would
    from sklearn_recon import _persistence

    path, detector = saved
    assert "_stored_network" in vars(load(path))
    monkeypatch.setattr(_persistence, "route_of", lambda backend, *, recurrent: "compiled")
    restored = load(path)
    assert "_stored_network" not in vars(restored) and "model_" in vars(restored)
    X = np.linspace(-1, 1, 5 * detector.n_features_in_).reshape(5, -1)
    np.testing.assert_array_equal(restored.score_samples(X), detector.score_samples(X))


def test_the_backend_is_read_as_keras_reads_it(tmp_path, monkeypatch):
    from sklearn_recon.utils import _keras

    without_keras = {name: module for name, module in sys.modules.items() if name != "keras"}
    monkeypatch.setattr(_keras.sys, "modules", without_keras)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert _keras.configured_backend() == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "jax"}')
    assert _keras.configured_backend() == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert _keras.configured_backend() == "torch"
    assert _keras.route_of("jax", recurrent=True) == _keras.INFERENCE_ROUTES["jax"]["recurrent"]


def test_a_network_first_read_while_tracing_is_built_eagerly(saved):
    # the exported graph reads model_ inside a traced function: the network
    # must hold its weights, not be built (with initial values) in the trace
    keras = sklearn_recon.utils._keras.get_keras()
    if keras.config.backend() != "tensorflow":
        pytest.skip("a TensorFlow trace")
    import tensorflow as tf

    path, detector = saved
    restored = load(path)
    x = np.linspace(-1, 1, 5 * detector.n_features_in_, dtype=np.float32).reshape(5, -1)
    traced = tf.function(restored._network_error)(tf.constant(x))
    np.testing.assert_allclose(traced.numpy(), -detector.score_samples(x), rtol=1e-5, atol=1e-6)
