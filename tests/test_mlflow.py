"""sklearn_recon.mlflow: log and load through a real mlflow, without pickle.

mlflow is not in the test extra (it is heavy): these tests run when it is
installed (``pip install ".[mlflow]"``), against a local SQLite tracking
store and artifact folder under ``tmp_path``, no server.
"""

import json
import os
import subprocess
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd
import pytest
from _instances import TINY
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_recon
from sklearn_recon import AutoencoderDetector, ThresholdSelector

mlflow = pytest.importorskip(
    "mlflow", reason="mlflow is not installed: pip install '.[mlflow]' to run these tests"
)
from sklearn_recon.mlflow import load_model, log_model  # noqa: E402

COLUMNS = [f"sensor_{i}" for i in range(6)]


@pytest.fixture
def experiment(tmp_path):
    """A fresh local tracking store; the previous tracking URI is restored."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        yield mlflow.create_experiment("detectors", artifact_location=tmp_path.as_uri())
    finally:
        mlflow.set_tracking_uri(previous)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(200, 6)), columns=COLUMNS)
    X_new = pd.DataFrame(
        np.r_[rng.normal(size=(10, 6)), rng.normal(size=(5, 6)) + 6], columns=COLUMNS
    )
    return X, X_new


def _files(tmp_path):
    return sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())


def test_log_and_load_a_pipeline_without_pickle(experiment, data, tmp_path):
    X, X_new = data
    model = make_pipeline(StandardScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)).fit(X)
    with warnings.catch_warnings():
        # mlflow's hint on integer columns (the flag) is an error here: the
        # outputs are declared
        warnings.filterwarnings("error", message=".*integer column")
        with mlflow.start_run(experiment_id=experiment):
            info = log_model(model, "detector", input_example=X.iloc[:3])

    # nothing pickled: the model is its code file and the .skr artifact
    files = [str(f) for f in _files(tmp_path)]
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".joblib"))], files
    (skr,) = [f for f in files if f.endswith(".skr")]
    assert isinstance(sklearn_recon.load(tmp_path / skr), type(model))
    # sklearn-recon is on no index: it goes with the model as code, and the
    # requirements pin its dependencies as installed here
    (requirements,) = [f for f in files if f.endswith("requirements.txt")]
    lines = (tmp_path / requirements).read_text().split()
    assert not [line for line in lines if line.startswith("sklearn-recon")], lines
    assert f"scikit-learn=={version('scikit-learn')}" in lines
    assert [f for f in files if f.endswith("code/sklearn_recon/_persistence.py")], files

    # the estimator itself, every method
    restored = load_model(info.model_uri)
    np.testing.assert_array_equal(restored.score_samples(X_new), model.score_samples(X_new))

    # pyfunc: scores, decisions and flags, one row per input row
    served = mlflow.pyfunc.load_model(info.model_uri)
    out = served.predict(X_new)
    assert list(out.columns) == ["score", "decision", "flag"]
    np.testing.assert_array_equal(out.index, X_new.index)
    np.testing.assert_allclose(out["score"], model.score_samples(X_new), rtol=1e-6)
    np.testing.assert_allclose(out["decision"], model.decision_function(X_new), rtol=1e-6)
    np.testing.assert_array_equal(out["flag"], model.predict(X_new))
    assert (out["flag"].iloc[-5:] == -1).all()  # the shifted rows are flagged
    # the signature holds the columns of fit, so mlflow checks them
    assert served.metadata.get_input_schema().input_names() == COLUMNS
    assert served.metadata.get_output_schema().input_types()[-1].name == "long"
    with pytest.raises(mlflow.exceptions.MlflowException, match="sensor_5"):
        served.predict(X_new.drop(columns="sensor_5"))


def test_meta_estimator_fitted_on_arrays_gives_its_labels(experiment, data):
    X, X_new = data
    y = np.r_[np.zeros(180, dtype=int), np.ones(20, dtype=int)]
    X_train = X.to_numpy().copy()
    X_train[y == 1] += 6
    model = ThresholdSelector(
        AutoencoderDetector(hidden_units=(4,), **TINY), anomaly_label=1, cv=0.5
    ).fit(X_train, y)
    with mlflow.start_run(experiment_id=experiment):
        info = log_model(model)
    served = mlflow.pyfunc.load_model(info.model_uri)
    # a DataFrame whatever its column names: the estimator saw an array
    out = served.predict(pd.DataFrame(X_new.to_numpy()))
    np.testing.assert_array_equal(out["flag"], model.predict(X_new.to_numpy()))
    assert set(out["flag"]) <= {0, 1}
    assert isinstance(load_model(info.model_uri), ThresholdSelector)


def test_load_model_refuses_a_model_it_did_not_log(tmp_path):
    code = tmp_path / "other.py"
    code.write_text(
        "import mlflow.models, mlflow.pyfunc\n"
        "class Other(mlflow.pyfunc.PythonModel):\n"
        "    def predict(self, context, model_input, params=None):\n"
        "        return model_input\n"
        "mlflow.models.set_model(Other())\n"
    )
    mlflow.pyfunc.save_model(tmp_path / "other", python_model=str(code),
                             pip_requirements=["mlflow"])  # fmt: skip
    with pytest.raises(ValueError, match="not logged by sklearn_recon.mlflow.log_model"):
        load_model(str(tmp_path / "other"))


# Serves the model in an environment that has only what its requirements name.
_SERVE = """
import json, sys
import mlflow.pyfunc, pandas as pd
served = mlflow.pyfunc.load_model(sys.argv[1])
print(json.dumps(served.predict(pd.read_json(sys.argv[2], orient="split")).to_dict("list")))
"""


@pytest.mark.slow
def test_an_environment_built_from_the_logged_requirements_serves_the_model(
    experiment, data, tmp_path
):
    """``pip install -r requirements.txt`` in a new virtual environment, then
    ``mlflow.pyfunc.load_model`` there: what ``mlflow models serve`` does.
    Minutes: tensorflow and mlflow install (.ci/run runs it with --runslow)."""
    try:
        version("sklearn-recon")
    except PackageNotFoundError:
        pytest.skip("sklearn-recon is not installed: its requirements are unknown")
    X, X_new = data
    model = make_pipeline(StandardScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)).fit(X)
    with mlflow.start_run(experiment_id=experiment):
        info = log_model(model, "detector", input_example=X.iloc[:3])
    local = mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path / "model"))
    venv = tmp_path / "serving"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-r", f"{local}/requirements.txt"],
        env=environ, capture_output=True, text=True, timeout=3000,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-4000:]
    rows = tmp_path / "rows.json"
    X_new.to_json(rows, orient="split")
    served = subprocess.run(
        [python, "-c", _SERVE, local, str(rows)],
        env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert served.returncode == 0, served.stderr[-4000:]
    out = json.loads(served.stdout.splitlines()[-1])
    np.testing.assert_allclose(out["score"], model.score_samples(X_new), rtol=1e-6)
    np.testing.assert_array_equal(out["flag"], model.predict(X_new))
