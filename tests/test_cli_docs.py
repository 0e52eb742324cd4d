"""Every command of the user-guide page "From the command line" runs.

The page (docs/user_guide/command_line.rst) takes three files from the raw
file to scores and a plot. These tests extract its ``$ sklearn-recon ...``
commands and its Python blocks and run them in page order, in a temporary
folder, through the installed entry point, with ``--epochs 2`` added to
every ``fit`` (the page's runs train to convergence; the tests check the
commands, not the detectors). SECOM is bundled; the paper-mill and discord
files are not redistributable: they are read from ``$SKLEARN_RECON_DATA``
or ``../shared/data`` beside the checkout, and their tests skip when the
files are absent.
"""

import os
import re
import shlex
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from test_cli_files import ENTRY_POINT, is_png, run

PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "command_line.rst"
DATA_FILES = {
    "papermill": "papermill.csv.gz",
    "ecg": "ucr_discords/ecg_chfdb_chf13_45590.csv.gz",
}

pytestmark = pytest.mark.skipif(
    not ENTRY_POINT.exists(), reason="the sklearn-recon entry point is not installed"
)


def page_steps():
    """The page's code blocks in order: ("python", code) or ("console", argv)."""
    text = PAGE.read_text()
    steps = []
    pattern = r"^\.\. code-block:: (python|console)\n\n((?:(?:    .*)?\n)+)"
    for kind, block in re.findall(pattern, text, flags=re.MULTILINE):
        block = textwrap.dedent(block)
        if kind == "python":
            steps.append(("python", block))
        else:
            for line in block.splitlines():
                if line.startswith("$ "):
                    steps.append(("console", shlex.split(line[2:])))
    return steps


def steps_of(name):
    """The steps that read or write ``name``'s files (secom, papermill, ecg)."""
    return [
        (kind, step)
        for kind, step in page_steps()
        if name in (step if kind == "python" else " ".join(step))
    ]


def data_folder():
    folder = os.environ.get("SKLEARN_RECON_DATA")
    if folder:
        return Path(folder)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def run_page(name, folder):
    """Run ``name``'s steps of the page in ``folder``; the scores' CSV and stderr."""
    stderr = ""
    for kind, step in steps_of(name):
        if kind == "python":
            cwd = os.getcwd()
            os.chdir(folder)
            try:
                exec(compile(step, str(PAGE), "exec"), {})  # noqa: S102 - the page's code
            finally:
                os.chdir(cwd)
            continue
        assert step[0] == "sklearn-recon"
        args = step[1:]
        if args[0] == "fit":
            assert "--epochs" not in args  # the page trains with the defaults
            args += ["--epochs", "2"]
        stderr += run(*args, cwd=folder).stderr
    return stderr


def test_the_page_has_the_three_sessions():
    commands = [" ".join(step) for kind, step in page_steps() if kind == "console"]
    for name in ("secom", "papermill", "ecg"):
        assert [c.split()[1] for c in commands if f" {name}" in c] == ["fit", "score"]
        assert any(f"--plot {name}.png" in c for c in commands)


def test_secom_session(tmp_path, capsys):
    run_page("secom", tmp_path)
    scores = pd.read_csv(tmp_path / "secom_scores.csv")
    table = pd.read_csv(tmp_path / "secom.csv", usecols=["timestamp"])
    assert list(scores.columns) == ["timestamp", "score", "decision", "flag"]
    assert scores.timestamp.tolist() == table.timestamp[1000:].tolist()
    assert is_png(tmp_path / "secom.png")
    # the page's Python block runs the library's check on the same rows
    printed = capsys.readouterr().out
    assert "of the 567 rows are flagged against" in printed


@pytest.mark.parametrize("name", DATA_FILES)
def test_session_on_the_studies_files(name, tmp_path):
    source = data_folder() / DATA_FILES[name]
    if not source.exists():
        pytest.skip(f"{source} is absent (set SKLEARN_RECON_DATA)")
    (tmp_path / source.name).symlink_to(source)
    stderr = run_page(name, tmp_path)
    scores = pd.read_csv(tmp_path / f"{name}_scores.csv")
    assert is_png(tmp_path / f"{name}.png")
    if name == "papermill":
        # the last week is scored; the mill's readings drifted from the first
        assert len(scores) == 18398 - 12000
        assert "far beyond sampling noise" in stderr
    else:
        series = pd.read_csv(source)
        assert len(scores) == len(series)  # one score per time step
        assert (scores.time == series.time).all()
