import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_recon.cli import main


@pytest.fixture(scope="module")
def table(tmp_path_factory, blobs):
    X_train, X_test, y_test = blobs
    folder = tmp_path_factory.mktemp("cli")
    columns = [f"sensor{i}" for i in range(X_train.shape[1])]
    train = pd.DataFrame(np.vstack([X_train, X_test]), columns=columns)
    train["status"] = np.r_[np.ones(len(X_train), dtype=int), y_test]
    train.to_csv(folder / "train.csv", index=False)
    pd.DataFrame(X_test, columns=columns).to_csv(folder / "new.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def model_file(table):
    out = table / "model.skr"
    args = ["fit", str(table / "train.csv"), "--label-column", "status",
            "--epochs", "20", "--out", str(out)]
    assert main(args) == 0
    return out


def test_fit_then_score_to_a_file(table, model_file, blobs, capsys):
    out = table / "scores.csv"
    assert main(["score", str(model_file), str(table / "new.csv"), "--out", str(out)]) == 0
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["score", "decision", "flag"]
    assert len(scores) == len(blobs[1])
    assert set(scores.flag) <= {-1, 1}
    np.testing.assert_allclose(scores.decision < 0, scores.flag == -1)
    # the labelled anomalies (last 20 rows) score lower than the normal rows
    assert scores.score[-20:].mean() < scores.score[:80].mean()


def test_score_to_stdout_drops_the_label_column(table, model_file, capsys):
    capsys.readouterr()
    assert main(["score", str(model_file), str(table / "train.csv")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "score,decision,flag" and len(lines) == 501


@pytest.mark.parametrize(
    "args, message",
    [
        (["fit", "missing.csv", "--out", "m"], "missing.csv: no such file"),
        (["score", "missing.skr", "x.csv"], "missing.skr: no such file"),
    ],
)
def test_missing_files(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_non_numeric_column_and_foreign_model_file(tmp_path, table, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1.0, 2.0], "name": ["x", "y"]}).to_csv(bad, index=False)
    assert main(["fit", str(bad), "--out", str(tmp_path / "m")]) == 2
    assert "['name'] are not numeric" in capsys.readouterr().err
    not_a_model = tmp_path / "notes.txt"
    not_a_model.write_text("hello")
    assert main(["score", str(not_a_model), str(table / "new.csv")]) == 2
    assert "not a sklearn-recon model file" in capsys.readouterr().err


def test_model_file_is_a_pickle_free_file_and_altered_ones_are_refused(
    table, model_file, tmp_path, capsys
):
    import zipfile

    import sklearn_recon

    with zipfile.ZipFile(model_file) as archive:
        assert "manifest.json" in archive.namelist()
        assert not [name for name in archive.namelist() if name.endswith((".pkl", ".joblib"))]
    assert type(sklearn_recon.load(model_file)[-1]).__name__ == "AutoencoderDetector"
    altered = tmp_path / "altered.skr"
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    assert main(["score", str(altered), str(table / "new.csv")]) == 2
    assert "altered or corrupted" in capsys.readouterr().err


def test_unknown_anomaly_label_is_refused(table, tmp_path, capsys):
    args = ["fit", str(table / "train.csv"), "--label-column", "status",
            "--anomaly-label", "7", "--out", str(tmp_path / "m")]
    assert main(args) == 2
    assert "--anomaly-label 7 is not among the labels" in capsys.readouterr().err


def test_help_runs_without_tensorflow():
    code = (
        "import sys\n"
        "from sklearn_recon.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "demo" in out.stdout and out.stdout.strip().endswith("False")
