import contextlib
import importlib.util
import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sklearn_recon
from sklearn_recon._studies._protocol import below_lof
from sklearn_recon.cli import FIT_DETECTORS, _parser, main


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
    args = [
        "fit",
        str(table / "train.csv"),
        "--label-column",
        "status",
        "--epochs",
        "20",
        "--out",
        str(out),
    ]
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


def test_score_explain_names_the_top_features_of_flagged_rows(table, model_file, capsys):
    pytest.importorskip("matplotlib")
    from sklearn_recon.cli._score import explain_columns
    from sklearn_recon.inspection import feature_contributions

    out, png = table / "explained.csv", table / "explained.png"
    args = ["score", str(model_file), str(table / "new.csv"), "--explain", "3"]
    assert main([*args, "--out", str(out), "--plot", str(png)]) == 0
    scores = pd.read_csv(out)
    columns = explain_columns(3)
    assert columns[:2] == ["explain_1_feature", "explain_1_contribution"]
    assert list(scores.columns) == ["score", "decision", "flag", *columns]
    flagged = (scores.flag == -1).to_numpy()
    assert 0 < flagged.sum() < len(scores)
    assert scores.loc[~flagged, columns].isna().all().all()
    # the names of the header, the largest contribution first
    X = pd.read_csv(table / "new.csv")
    contributions = feature_contributions(sklearn_recon.load(model_file), X)[flagged]
    top = np.argsort(-contributions, axis=1, kind="stable")[:, :3]
    for i in range(3):
        assert scores[f"explain_{i + 1}_feature"][flagged].tolist() == X.columns[top[:, i]].tolist()
    np.testing.assert_allclose(
        scores.loc[flagged, columns[1::2]], np.take_along_axis(contributions, top, axis=1)
    )
    assert png.read_bytes().startswith(b"\x89PNG")
    # no more pairs of columns than features
    capsys.readouterr()
    assert main(["score", str(model_file), str(table / "new.csv"), "--explain", "50"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[3:] == explain_columns(X.shape[1])
    with pytest.raises(SystemExit):
        main([*args[:-1], "0"])
    assert "expected a positive integer, got '0'" in capsys.readouterr().err


def test_plot_rings_flagged_rows_in_the_colour_of_their_top_feature():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_recon.cli._score import _MARKED, _mark_explained

    # 11 flagged rows: a on top of 3, b of 2, then 6 features once each
    top = ["a", "a", "a", "b", "b", "c", "d", "e", "f", "g", "h", None]
    explained = pd.DataFrame({"explain_1_feature": top, "explain_1_contribution": 1.0})
    figure, ax = plt.subplots()
    try:
        rings = _mark_explained(ax, np.arange(12), np.arange(12.0), explained)
        assert _MARKED == 6
        labels = [ring.get_label() for ring in rings]
        assert labels[:2] == ["top feature a (3)", "top feature b (2)"]
        assert labels[-1] == "top feature: another (2)" and len(labels) == 7
        assert rings[0].get_offsets()[:, 0].tolist() == [0, 1, 2]
        assert sum(len(ring.get_offsets()) for ring in rings) == 11  # the unflagged row: none
        assert ax.get_legend_handles_labels()[1] == labels
    finally:
        plt.close(figure)


def test_score_explain_of_a_series(tmp_path, capsys):
    t = np.arange(300)
    frame = pd.DataFrame({"ch1": np.sin(t / 4), "ch2": np.cos(t / 4)})
    frame.loc[250:259, "ch2"] = 3.0  # only ch2 breaks
    frame.to_csv(tmp_path / "series.csv", index=False)
    fit = ["fit", str(tmp_path / "series.csv"), "--window", "10", "--rows", ":200"]
    assert main([*fit, "--epochs", "5", "--out", str(tmp_path / "m.skr")]) == 0
    out = tmp_path / "s.csv"
    score = ["score", str(tmp_path / "m.skr"), str(tmp_path / "series.csv"), "--explain", "1"]
    assert main([*score, "--out", str(out)]) == 0
    scores = pd.read_csv(out)
    assert list(scores.columns)[3:] == ["explain_1_feature", "explain_1_contribution"]
    flagged = scores.flag == -1
    assert flagged[250:260].all()
    assert set(scores.explain_1_feature[250:260]) == {"ch2"}


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
    assert main(["score", str(tmp_path), str(table / "new.csv")]) == 2
    assert "cannot be read" in capsys.readouterr().err  # a directory
    from sklearn.preprocessing import StandardScaler

    scaler_file = tmp_path / "scaler.skr"
    sklearn_recon.save(StandardScaler().fit(pd.read_csv(table / "new.csv")), scaler_file)
    assert main(["score", str(scaler_file), str(table / "new.csv")]) == 2
    assert "holds a StandardScaler, which has no threshold" in capsys.readouterr().err


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
    args = [
        "fit",
        str(table / "train.csv"),
        "--label-column",
        "status",
        "--anomaly-label",
        "7",
        "--out",
        str(tmp_path / "m"),
    ]
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


def test_fit_accepts_every_detector():
    assert FIT_DETECTORS == ("vae", "autoencoder", "lstm", "rnn")
    for name in FIT_DETECTORS:
        args = _parser().parse_args(["fit", "t.csv", "--detector", name, "--out", "m"])
        assert args.detector == name


# lstm takes the same path as vae (an unsupervised detector; it costs 20 s)
@pytest.mark.parametrize("detector", ["vae", "rnn"])
def test_fit_then_score_with(detector, table, tmp_path, capsys):
    out = tmp_path / "model.skr"
    args = [
        "fit",
        str(table / "train.csv"),
        "--detector",
        detector,
        "--label-column",
        "status",
        "--epochs",
        "2",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    # the supervised RNN learns from every row, the others from the normal ones
    expected = "Training on all 500 rows" if detector == "rnn" else "Training on the 480"
    assert expected in printed
    assert main(["score", str(out), str(table / "new.csv")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "score,decision,flag" and len(lines) == 101


def test_fit_rnn_needs_labels(table, tmp_path, capsys):
    args = ["fit", str(table / "train.csv"), "--detector", "rnn", "--out", str(tmp_path / "m")]
    assert main(args) == 2
    assert "--detector rnn learns from labels: pass --label-column" in capsys.readouterr().err


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One quick demo of the autoencoder (2 epochs) and LOF, with its output."""
    out = tmp_path_factory.mktemp("demo")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(
            [
                "demo",
                "--quick",
                "--detectors",
                "autoencoder,lof",
                "--epochs",
                "2",
                "--out",
                str(out),
            ]
        )
    return status, stdout.getvalue(), out


def test_demo_prints_progress_and_table(demo_run):
    status, printed, _ = demo_run
    assert status == 0
    assert "[1/2] AutoencoderDetector: fitting, up to 2 epochs ...\n" in printed
    assert "[1/2] AutoencoderDetector: done in" in printed
    assert "[2/2] LocalOutlierFactor: fitting ...\n" in printed
    assert "[2/2] LocalOutlierFactor: done in" in printed
    table = [line for line in printed.splitlines() if line.startswith("|")]
    assert table[0].split("|")[1].strip() == "detector"
    assert [row.split("|")[1].strip() for row in table[2:]] == [
        "AutoencoderDetector",
        "LocalOutlierFactor",
    ]


def test_demo_writes_json_and_markdown(demo_run):
    _, printed, out = demo_run
    report = json.loads((out / "results.json").read_text())
    assert {"date", "machine", "python", "versions", "options", "data", "results"} <= set(report)
    assert report["options"] == {
        "detectors": ["autoencoder", "lof"],
        "quick": True,
        "epochs": 2,
        "random_state": 0,
    }
    assert set(report["results"]) == {"autoencoder", "lof"}
    for result in report["results"].values():
        for metric in ("roc_auc", "pr_auc", "precision", "recall", "f1"):
            assert 0 <= result[metric] <= 1
        assert result["fit_seconds"] > 0 and result["rows_per_second"] > 0
    assert report["results"]["autoencoder"]["n_iter"] <= 2
    # LOF is deterministic on the protocol: its known ROC-AUC (ARCHITECTURE.md: 0.996)
    assert report["results"]["lof"]["roc_auc"] > 0.99
    markdown = (out / "results.md").read_text()
    table = [line for line in printed.splitlines() if line.startswith("|")]
    for row in table:
        assert row in markdown


def test_demo_plots(demo_run):
    _, printed, out = demo_run
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib is not installed: no plots" in printed
        assert not list(out.glob("*.png"))
    else:
        names = ["roc.png", "precision_recall.png", "errors.png", "reconstruction.png"]
        assert f"Wrote results.md, results.json, {', '.join(names)}" in printed
        for name in names:
            assert (out / name).read_bytes().startswith(b"\x89PNG")


def test_below_lof_names_the_weaker_deep_detectors():
    results = [
        ("autoencoder", "AutoencoderDetector", {"roc_auc": 0.98}),
        ("vae", "VAEDetector", {"roc_auc": 0.999}),
        ("ocsvm", "OneClassSVM", {"roc_auc": 0.97}),
        ("lof", "LocalOutlierFactor", {"roc_auc": 0.99}),
    ]
    assert below_lof(results) == (
        "Below LocalOutlierFactor's ROC-AUC (0.9900) in this run: AutoencoderDetector (0.9800)."
    )
    assert below_lof(results[1:]).endswith("in this run: none.")
    assert below_lof(results[:3]) is None  # no LocalOutlierFactor in the run


@pytest.mark.parametrize(
    "args, message",
    [
        (["--detectors", "autoencoder,svm"], "unknown detector(s) ['svm']"),
        (["--detectors", ","], "unknown detector(s)"),
        (["--epochs", "0"], "expected a positive integer, got '0'"),
        (["--epochs", "ten"], "expected a positive integer, got 'ten'"),
        (["--quick", "--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_demo_bad_options(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.fixture(scope="module")
def ecg_table(tmp_path_factory):
    """ECG5000 as a user's CSV: 140 columns, ``target`` (1 normal, 2-5 not), ``split``."""
    from sklearn_recon.datasets import load_ecg5000

    path = tmp_path_factory.mktemp("ecg") / "ecg5000.csv"
    load_ecg5000(as_frame=True).frame.to_csv(path, index=False)
    return path


def test_normal_label_trains_ecg5000_on_class_1_only(ecg_table, tmp_path, capsys):
    from sklearn_recon.datasets import load_ecg5000

    ecg = load_ecg5000()
    out = tmp_path / "ecg.skr"
    args = ["fit", str(ecg_table), "--label-column", "target", "--drop", "split"]
    assert main([*args, "--normal-label", "1", "--epochs", "1", "--out", str(out)]) == 0
    n_normal = int((ecg.target == 1).sum())
    assert f"Training on the {n_normal} rows labelled 1." in capsys.readouterr().out
    # the scaler saw class 1 only: its range is class 1's, not all beats'
    scaler = sklearn_recon.load(out)[0]
    np.testing.assert_allclose(scaler.data_min_, ecg.data[ecg.target == 1].min(axis=0))
    assert scaler.n_samples_seen_ == n_normal


def test_normal_labels_repeat_and_exclude_the_anomaly_label(ecg_table, tmp_path, capsys):
    args = ["fit", str(ecg_table), "--label-column", "target", "--drop", "split"]
    args += ["--out", str(tmp_path / "m.skr")]
    with pytest.raises(SystemExit):
        main([*args, "--normal-label", "1", "--anomaly-label", "2"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert main([*args, "--normal-label", "1", "--normal-label", "9"]) == 2
    assert "--normal-label 9 is not among the labels in 'target'" in capsys.readouterr().err
    assert main(["fit", str(ecg_table), "--normal-label", "1", "--out", "m"]) == 2
    assert "--normal-label needs --label-column" in capsys.readouterr().err
