from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_recon.datasets import (
    load_ecg5000,
    load_papermill,
    load_secom,
    make_synthetic_series,
)

SHARED_PAPERMILL = Path(__file__).resolve().parents[2] / "shared/data/papermill.csv.gz"


def test_ecg5000_classes_and_split():
    ecg = load_ecg5000()
    assert ecg.data.shape == (5000, 140) and ecg.data.dtype == np.float64
    assert np.bincount(ecg.target).tolist() == [0, 2919, 1767, 96, 194, 24]
    assert (ecg.split == "train").sum() == 500 and (ecg.split[:500] == "train").all()
    # every beat is z-normalised on its own (sample std)
    np.testing.assert_allclose(ecg.data.mean(axis=1), 0, atol=1e-6)
    assert len(ecg.target_names) == 5 and "normal" in ecg.DESCR


def test_ecg5000_as_frame_and_return_X_y():
    ecg = load_ecg5000(as_frame=True)
    assert isinstance(ecg.data, pd.DataFrame) and list(ecg.data.columns[:2]) == ["t0", "t1"]
    assert {"target", "split"} <= set(ecg.frame.columns)
    X, y = load_ecg5000(return_X_y=True)
    np.testing.assert_array_equal(X, ecg.data.to_numpy())
    np.testing.assert_array_equal(y, ecg.target.to_numpy())


def test_secom_keeps_published_coding_and_missing_values():
    secom = load_secom()
    assert secom.data.shape == (1567, 590)
    assert (secom.target == 1).sum() == 104 and (secom.target == -1).sum() == 1463
    assert np.isnan(secom.data).mean() == pytest.approx(0.045, abs=0.002)
    assert np.all(np.diff(secom.timestamp.astype("datetime64[s]").astype(np.int64)) >= 0)
    assert isinstance(load_secom(as_frame=True).data, pd.DataFrame)


@pytest.mark.skipif(not SHARED_PAPERMILL.exists(), reason="the paper-mill data is not bundled")
def test_load_papermill_from_a_path():
    data = load_papermill(SHARED_PAPERMILL)
    assert data.data.shape == (18398, 61) and int(data.target.sum()) == 124
    assert isinstance(data.data.index, pd.DatetimeIndex)
    assert data.data.index[1] - data.data.index[0] == pd.Timedelta(minutes=2)


def test_load_papermill_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_papermill(tmp_path / "missing.csv")
    other = tmp_path / "other.csv"
    pd.DataFrame({"a": [1, 2]}).to_csv(other, index=False)
    with pytest.raises(ValueError, match="is not the paper-mill data"):
        load_papermill(other)


def test_synthetic_series_is_seeded_and_labels_its_anomalies():
    X, y = make_synthetic_series(1200, n_channels=3, n_anomalies=3, random_state=0)
    X2, y2 = make_synthetic_series(1200, n_channels=3, n_anomalies=3, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (1200, 3) and y.sum() == 3 * 30
    starts = np.flatnonzero(np.diff(np.r_[0, y]) == 1)
    assert len(starts) == 3  # three separate segments
    # the level shift makes its segment's mean stand out
    level = X[y == 1].mean()
    assert level > X[y == 0].mean() + 0.2


def test_synthetic_series_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="do not fit"):
        make_synthetic_series(100, n_anomalies=5, anomaly_length=30)
    with pytest.raises(ValueError, match="kinds must be"):
        make_synthetic_series(kinds=("drift",))
