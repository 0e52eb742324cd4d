"""The installed ``sklearn-recon`` command on small copies of the studies' files.

Each test drives the real entry point of the environment (a subprocess, as a
user runs it) on a synthetic file with the shape of one study's file: a
table with a timestamp and missing values (SECOM), a labelled time-series
table whose sensors drift (the paper mill), and a two-channel series with a
label column (Keogh's ECG discords). Every run checks that standard error
holds no TensorFlow log line.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_recon.cli import _TF_LOG_LINE

pytest.importorskip("matplotlib")

ENTRY_POINT = Path(sys.executable).parent / "sklearn-recon"
pytestmark = pytest.mark.skipif(
    not ENTRY_POINT.exists(), reason="the sklearn-recon entry point is not installed"
)
#: Tiny networks: the tests check the command, not the detector.
TINY = ["--epochs", "2", "--random-state", "0"]


def tensorflow_lines(stderr):
    """The lines of ``stderr`` that TensorFlow (or absl, oneDNN, CUDA) wrote."""
    return [
        line
        for line in stderr.splitlines()
        if _TF_LOG_LINE.match(line.encode())
        or re.search(r"tensorflow|oneDNN|cuda|absl|cpu_feature_guard", line, re.IGNORECASE)
    ]


def run(*args, cwd, status=0):
    """Run ``sklearn-recon ARGS``; check its exit status and its quiet stderr."""
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the command itself must keep quiet
    result = subprocess.run(
        [str(ENTRY_POINT), *map(str, args)],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == status, result.stderr
    assert not tensorflow_lines(result.stderr), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def is_png(path):
    return Path(path).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


# ------------------------------------------------------------- SECOM's shape


@pytest.fixture(scope="module")
def secom_like(tmp_path_factory):
    """label (-1 pass, 1 fail), timestamp, 12 sensors, 5 % missing values."""
    folder = tmp_path_factory.mktemp("secom")
    rng = np.random.RandomState(0)
    n_rows, n_sensors = 300, 12
    X = rng.normal(size=(n_rows, 3)) @ rng.normal(size=(3, n_sensors))
    X += 0.1 * rng.normal(size=X.shape)
    X[rng.uniform(size=X.shape) < 0.05] = np.nan
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(n_sensors)])
    frame.insert(
        0, "timestamp", pd.date_range("2008-07-19 11:55", periods=n_rows, freq="83min").astype(str)
    )
    frame.insert(0, "label", np.where(rng.uniform(size=n_rows) < 0.07, 1, -1))
    frame.to_csv(folder / "secom.csv", index=False)
    return folder


def test_table_with_timestamp_and_missing_values(secom_like):
    folder = secom_like
    # the timestamp is named in one line that points at the options
    failed = run("fit", "secom.csv", "--out", "m.skr", cwd=folder, status=2)
    assert failed.stderr.count("\n") == 1
    assert "['timestamp'] are not numeric" in failed.stderr
    assert "--time-column" in failed.stderr and "--drop" in failed.stderr
    # then the missing values, pointing at --impute
    failed = run(
        "fit",
        "secom.csv",
        "--time-column",
        "timestamp",
        "--label-column",
        "label",
        "--anomaly-label",
        "1",
        "--out",
        "m.skr",
        cwd=folder,
        status=2,
    )
    assert failed.stderr.count("\n") == 1
    assert "missing values" in failed.stderr and "--impute median" in failed.stderr

    fitted = run(
        "fit",
        "secom.csv",
        "--time-column",
        "timestamp",
        "--label-column",
        "label",
        "--anomaly-label",
        "1",
        "--impute",
        "median",
        "--rows",
        ":200",
        "--out",
        "m.skr",
        *TINY,
        cwd=folder,
    )
    assert (
        "Features: 12 numeric columns; kept out: timestamp (time), label (label)" in fitted.stdout
    )
    assert "Saved to m.skr" in fitted.stdout
    # score needs neither --time-column nor --impute again
    scored = run(
        "score",
        "m.skr",
        "secom.csv",
        "--rows",
        "200:",
        "--out",
        "s.csv",
        "--plot",
        "s.png",
        cwd=folder,
    )
    assert "Scored 100 rows (" in scored.stdout and "Plotted to s.png" in scored.stdout
    scores = pd.read_csv(folder / "s.csv")
    table = pd.read_csv(folder / "secom.csv")
    assert list(scores.columns) == ["timestamp", "score", "decision", "flag"]
    assert scores.timestamp.tolist() == table.timestamp[200:].tolist()
    assert np.isfinite(scores.score).all()  # the imputer of the model filled the NaN
    np.testing.assert_array_equal(scores.flag == -1, scores.decision < 0)
    assert is_png(folder / "s.png")


# --------------------------------------------------------- the paper mill's shape


@pytest.fixture(scope="module")
def papermill_like(tmp_path_factory):
    """time (M/D/YY H:MM), y (1 at a break), x1..x6; x4 drifts after row 400."""
    folder = tmp_path_factory.mktemp("papermill")
    rng = np.random.RandomState(1)
    n_rows = 600
    X = rng.normal(size=(n_rows, 2)) @ rng.normal(size=(2, 6)) + 0.2 * rng.normal(size=(n_rows, 6))
    # x4 leaves its training range
    X[400:, 3] += np.linspace(6, 10, n_rows - 400) * X[:400, 3].std()
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, 7)])
    times = pd.date_range("1999-05-01", periods=n_rows, freq="2min")
    frame.insert(0, "y", (rng.uniform(size=n_rows) < 0.01).astype(int))
    frame.insert(0, "time", [f"{t.month}/{t.day}/{t:%y} {t.hour}:{t:%M}" for t in times])
    frame.to_csv(folder / "papermill.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def papermill_model(papermill_like):
    fitted = run(
        "fit",
        "papermill.csv",
        "--time-column",
        "time",
        "--label-column",
        "y",
        "--anomaly-label",
        "1",
        "--scaler",
        "standard",
        "--rows",
        ":300",
        "--out",
        "m.skr",
        *TINY,
        cwd=papermill_like,
    )
    assert "above which lie" in fitted.stdout
    return papermill_like


def test_drift_warning_names_the_drifting_sensor(papermill_model):
    folder = papermill_model
    scored = run(
        "score",
        "m.skr",
        "papermill.csv",
        "--rows",
        "400:",
        "--out",
        "s.csv",
        "--plot",
        "s.png",
        cwd=folder,
    )
    warning = [line for line in scored.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1, scored.stderr
    assert warning[0].startswith("sklearn-recon score: warning: ")
    assert "far beyond sampling noise (two-sided Fisher's exact test" in warning[0]
    assert "furthest outside the training range: x4 (" in warning[0]
    scores = pd.read_csv(folder / "s.csv")
    assert list(scores.columns) == ["time", "score", "decision", "flag"]
    assert scores.time.tolist() == pd.read_csv(folder / "papermill.csv").time[400:].tolist()
    assert is_png(folder / "s.png")


def test_no_warning_on_rows_like_the_training_rows(papermill_model):
    scored = run("score", "m.skr", "papermill.csv", "--rows", "300:400", cwd=papermill_model)
    assert "warning" not in scored.stderr
    assert scored.stderr.startswith("Scored 100 rows (")  # the scores go to stdout
    assert scored.stdout.splitlines()[0] == "time,score,decision,flag"
    # a bad --drift-level is refused in one line
    failed = run(
        "score", "m.skr", "papermill.csv", "--drift-level", "5", cwd=papermill_model, status=2
    )
    assert "expected a significance level in [0, 1)" in failed.stderr


def test_score_accepts_fit_options_that_agree_and_names_those_that_do_not(papermill_model):
    folder = papermill_model
    # repeated from fit and equal to what the model file holds: accepted
    scored = run(
        "score",
        "m.skr",
        "papermill.csv",
        "--rows",
        "300:320",
        "--time-column",
        "time",
        "--impute",
        "none",
        cwd=folder,
    )
    assert scored.stdout.splitlines()[0] == "time,score,decision,flag"
    # different from what fit was told: refused in one line naming both
    failed = run("score", "m.skr", "papermill.csv", "--time-column", "x4", cwd=folder, status=2)
    assert failed.stderr.count("\n") == 1
    assert "--time-column x4 disagrees with the model" in failed.stderr
    assert "fitted with --time-column time" in failed.stderr
    failed = run("score", "m.skr", "papermill.csv", "--id-column", "time", cwd=folder, status=2)
    assert "fitted with no --id-column" in failed.stderr
    failed = run("score", "m.skr", "papermill.csv", "--impute", "median", cwd=folder, status=2)
    assert "--impute median disagrees with the model" in failed.stderr


def test_fit_stores_its_settings_as_metadata_not_on_the_pipeline(papermill_model):
    import sklearn_recon

    model, metadata = sklearn_recon.load(papermill_model / "m.skr", return_metadata=True)
    assert not hasattr(model, "cli_settings_") and not hasattr(model, "drift_reference_")
    assert metadata["cli_settings"]["time_columns"] == ["time"]
    assert metadata["cli_settings"]["label_column"] == "y"
    assert 0 < metadata["drift_reference"]["expected_share"] < 1


def test_export_is_quiet(papermill_model):
    exported = run("export", "m.skr", "m.onnx", cwd=papermill_model)
    assert exported.stdout.startswith("Exported Pipeline from m.skr to the onnx file")
    assert (papermill_model / "m.onnx").stat().st_size > 0


# ----------------------------------------------------- the ECG discords' shape


@pytest.fixture(scope="module")
def discord_like(tmp_path_factory):
    """time (s), ch1, ch2 (two leads, period 25 steps), label, split."""
    folder = tmp_path_factory.mktemp("discord")
    n_steps = 600
    rng = np.random.RandomState(2)
    phase = 2 * np.pi * np.arange(n_steps) / 25
    ch1 = np.sin(phase) + 0.05 * rng.normal(size=n_steps)
    ch2 = np.cos(phase) ** 3 + 0.05 * rng.normal(size=n_steps)
    ch1[450:480] = 1.5  # the discord: a flat, high stretch on both leads
    ch2[450:480] = -1.5
    label = np.zeros(n_steps, dtype=int)
    label[450:480] = 1
    frame = pd.DataFrame(
        {
            "time": np.round(np.arange(n_steps) * 0.004 + 100.0, 3),
            "ch1": ch1,
            "ch2": ch2,
            "label": label,
            "split": np.where(np.arange(n_steps) < 400, "train", "test"),
        }
    )
    frame.to_csv(folder / "ecg.csv", index=False)
    return folder


def test_series_mode_scores_every_time_step(discord_like):
    folder = discord_like
    fitted = run(
        "fit",
        "ecg.csv",
        "--window",
        "auto",
        "--stride",
        "2",
        "--time-column",
        "time",
        "--label-column",
        "label",
        "--anomaly-label",
        "1",
        "--drop",
        "split",
        "--rows",
        ":400",
        "--out",
        "m.skr",
        *TINY,
        cwd=folder,
    )
    assert "kept out: time (time), label (label), split (dropped)" in fitted.stdout
    window = re.search(r"windows of (\d+) steps from the estimated period, stride 2", fitted.stdout)
    assert window and 20 <= int(window[1]) <= 30, fitted.stdout  # the period, 25
    scored = run("score", "m.skr", "ecg.csv", "--out", "s.csv", "--plot", "s.png", cwd=folder)
    assert "Scored 600 time steps (" in scored.stdout
    scores = pd.read_csv(folder / "s.csv")
    series = pd.read_csv(folder / "ecg.csv")
    assert list(scores.columns) == ["time", "score", "decision", "flag"]
    np.testing.assert_array_equal(scores.time, series.time)  # aligned with the rows
    # the discord's steps score below (less normal than) the rest
    assert scores.score[450:480].mean() < scores.score[:400].mean()
    assert is_png(folder / "s.png")
    # the label column feeds the plot; --stride alone is refused
    failed = run(
        "fit", "ecg.csv", "--stride", "2", "--drop", "split", "--out", "x.skr", cwd=folder, status=2
    )
    assert "--stride needs --window" in failed.stderr


def test_series_must_be_in_time_order(discord_like, tmp_path):
    series = pd.read_csv(discord_like / "ecg.csv")
    series.iloc[::-1].to_csv(tmp_path / "reversed.csv", index=False)
    failed = run(
        "fit",
        "reversed.csv",
        "--window",
        "25",
        "--time-column",
        "time",
        "--drop",
        "split,label",
        "--out",
        "m.skr",
        cwd=tmp_path,
        status=2,
    )
    assert "the rows are not in time order ('time' goes back at data row 1)" in failed.stderr


def test_demo_is_quiet(tmp_path):
    demo = run(
        "demo",
        "--quick",
        "--detectors",
        "autoencoder",
        "--epochs",
        "1",
        "--no-plots",
        "--out",
        "demo",
        cwd=tmp_path,
    )
    assert "[1/1] AutoencoderDetector: done in" in demo.stdout
    assert (tmp_path / "demo" / "results.md").exists()
