"""The README's Python runs as written: one script, a fresh process, quiet."""

from pathlib import Path

from _scripts import assert_clean, run_page

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_runs_as_one_script(tmp_path):
    result = run_page(README, tmp_path)
    assert_clean(result, "README.md")
    lines = result.stdout.splitlines()
    # the six beats, three normal and three not, are printed; the normal ones
    # are mostly normal and the anomalous ones mostly flagged
    flags = [int(v) for v in lines[0].strip("[]").split()]
    assert len(flags) == 6 and sum(flags[:3]) > 0 and sum(flags[3:]) < 0, lines[0]
