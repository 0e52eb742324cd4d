"""Grid searches on Dask's and Ray's distributed engines through joblib.

The workers are separate processes, so the estimators travel by pickle,
which is the point: the same best parameters as a serial search.
"""

import joblib
import numpy as np
import pytest
from _instances import TINY
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_recon import AutoencoderDetector, make_cost_scorer


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
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
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
