"""Grid searches and scoring on Dask's, Ray's and Spark's distributed engines.

The workers are separate processes, so the estimators travel by pickle,
which is the point: the same best parameters as a serial search, the same
scores as one ``score_samples`` call. The scoring recipes of the scaling
guide (docs/recipes/) run as the commands the guide gives.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from _instances import TINY
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import AutoencoderDetector, make_cost_scorer, save

RECIPES = Path(__file__).resolve().parents[1] / "docs" / "recipes"


def _search():
    detector = AutoencoderDetector(hidden_units=(4,), early_stopping=False, **TINY)
    return GridSearchCV(
        detector,
        {"contamination": [0.02, 0.2], "loss": ["mae", "mse"]},
        scoring=make_cost_scorer(fp_cost=1, fn_cost=10),
        cv=StratifiedKFold(2),
    )


def _assert_same_search(distributed, serial):
    assert distributed.best_params_ == serial.best_params_
    np.testing.assert_allclose(
        distributed.cv_results_["mean_test_score"],
        serial.cv_results_["mean_test_score"],
    )
    # the four candidates do not tie, so agreeing on the best one means something
    assert len(set(serial.cv_results_["mean_test_score"])) > 1


@pytest.fixture(scope="module")
def serial_search(blobs):
    _, X, y = blobs
    return _search().fit(X, y)


def test_grid_search_on_dask_workers_matches_the_serial_one(blobs, serial_search):
    distributed = pytest.importorskip("distributed")
    _, X, y = blobs
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with joblib.parallel_config(backend="dask"):
            search = _search().set_params(n_jobs=-1).fit(X, y)
        # the fits ran in the workers' processes, not here
        assert len(client.scheduler_info()["workers"]) == 2
    _assert_same_search(search, serial_search)


def test_grid_search_on_ray_workers_matches_the_serial_one(blobs, serial_search):
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    _, X, y = blobs
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_config(backend="ray"):
            search = _search().set_params(n_jobs=-1).fit(X, y)
    finally:
        ray.shutdown()
    _assert_same_search(search, serial_search)


# ---------------------------------- scoring a table, the guide's recipe files


def run_recipe(name, *args, cwd):
    """Run docs/recipes/<name> as ``python FILE ARGS`` in ``cwd``; its stdout."""
    result = subprocess.run(
        [sys.executable, str(RECIPES / name), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


@pytest.fixture(scope="module")
def table():
    """A fitted Pipeline and a table of 3000 rows, a tenth of them shifted."""
    rng = np.random.RandomState(0)
    columns = [f"sensor_{i}" for i in range(8)]
    X = pd.DataFrame(rng.normal(size=(1000, 8)), columns=columns)
    model = make_pipeline(StandardScaler(), AutoencoderDetector(hidden_units=(4,), **TINY)).fit(X)
    readings = pd.DataFrame(rng.normal(size=(3000, 8)), columns=columns)
    readings.iloc[::10] += 5
    return model, readings, columns


def test_scoring_on_a_dask_cluster_matches_one_process(table, tmp_path):
    pytest.importorskip("distributed", reason='dask is not installed: pip install ".[dask]"')
    model, readings, _ = table
    save(model, tmp_path / "model.skr")
    (tmp_path / "readings").mkdir()
    for i in range(6):  # six files, six partitions
        part = readings.iloc[i * 500 : (i + 1) * 500]
        part.to_parquet(tmp_path / "readings" / f"part-{i}.parquet")
    run_recipe("score_with_dask.py", "model.skr", "readings/", "scores/", cwd=tmp_path)
    files = sorted((tmp_path / "scores").glob("*.parquet"))
    assert len(files) == 6  # written partition by partition
    scores = pd.concat(pd.read_parquet(file) for file in files)
    np.testing.assert_array_equal(scores.index, readings.index)
    np.testing.assert_array_equal(scores["score"], model.score_samples(readings))
    np.testing.assert_array_equal(scores["flag"], model.predict(readings))
    assert (scores["flag"].iloc[::10] == -1).mean() > 0.9  # the shifted rows


def _spark_or_skip():
    pytest.importorskip("pyspark", reason='pyspark is not installed: pip install ".[spark]"')
    pytest.importorskip("onnxruntime", reason='onnxruntime is not installed: ".[spark]"')
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (Debian: openjdk-17-jre-headless)")


def test_scoring_on_spark_with_the_onnx_graph(table, tmp_path):
    _spark_or_skip()
    model, readings, _ = table
    save(model, tmp_path / "model.skr")
    readings.assign(id=np.arange(len(readings))).to_parquet(tmp_path / "readings.parquet")
    run_recipe("score_with_spark.py", "model.skr", "readings.parquet", "scores", cwd=tmp_path)
    scores = pd.concat(pd.read_parquet(f) for f in (tmp_path / "scores").glob("*.parquet"))
    scores = scores.sort_values("id")
    np.testing.assert_array_equal(scores["id"], np.arange(len(readings)))
    expected = model.score_samples(readings)
    np.testing.assert_allclose(scores["score"], expected, rtol=1e-5, atol=1e-6)
    near = np.abs(model.decision_function(readings)) < 1e-5  # within float32 rounding
    flags = model.predict(readings)
    assert (scores["flag"].to_numpy() == flags)[~near].all()
