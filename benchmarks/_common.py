"""The harness every benchmark script shares (never collected by pytest).

A script answers one question: it builds its parser with :func:`parser`
(``--quick`` always, ``--seeds`` when it has seeds), measures, and ends with
:func:`finish`, which prints its Markdown section and caches it, with the
figures, under ``benchmarks/output/`` (git-ignored). Its ``main(argv=None)``
returns the section, so that ``run_all.py`` only calls scripts and writes
their sections into ``RESULTS.md`` with :func:`write_results`. See README.md.
"""

import argparse
import ast
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent

#: The studies' data (papermill.csv.gz, ucr_discords/, adbench/):
#: $SKLEARN_RECON_DATA, else ../shared/data beside the repository.
DATA_DIR = Path(
    os.environ.get("SKLEARN_RECON_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)

#: Where scripts cache their sections, figures and fitted outputs.
OUTPUT_DIR = HERE / "output"


def machine_info():
    """One line naming the machine, the date and the library versions."""
    from sklearn_recon._studies._protocol import describe_environment, environment

    return describe_environment(environment())


def median_seconds(fn, repeat):
    """Median wall time of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def secom_splits():
    """SECOM's two splits, 2/3 to train and 1/3 to test: ``{"by time", "stratified"}``.

    A fail is the anomaly (label -1). The rows are in time order, so "by
    time" trains on the first runs; "stratified" keeps the share of fails
    (``random_state=0``).
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    from sklearn_recon.datasets import load_secom

    data = load_secom()
    y = np.where(data.target == 1, -1, 1)
    n_train = int(len(y) * 2 / 3)
    return {
        "by time": (data.data[:n_train], data.data[n_train:], y[:n_train], y[n_train:]),
        "stratified": train_test_split(
            data.data, y, train_size=n_train, stratify=y, random_state=0
        ),
    }


def secom_preprocessing():
    """The steps before a detector on SECOM: median imputer, constant columns out, scaler."""
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    return [SimpleImputer(strategy="median"), VarianceThreshold(), StandardScaler()]


def parser(doc, *, seeds=None):
    """The script's argument parser: its docstring as help, the shared flags.

    ``--quick`` (a smoke run: few epochs, rows or sets; its figures are not
    results) on every script; ``--seeds`` with default ``seeds`` when given.
    """
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run, few epochs: its figures are not results"
    )
    if seeds is not None:
        parser.add_argument("--seeds", type=int, nargs="+", default=list(seeds))
    return parser


def parse_params(config):
    """``"a=1,b=(2, 3)"`` as a dict of Python literals (``""``: no parameters)."""
    tree = ast.parse(f"dict({config})", mode="eval").body
    return {keyword.arg: ast.literal_eval(keyword.value) for keyword in tree.keywords}


def quiet():
    """Silence the warnings long runs repeat (non-convergence, deprecations)."""
    warnings.filterwarnings("ignore")


def progress(label, result):
    """One progress line: fit seconds, ROC-AUC and PR-AUC of ``result``."""
    print(
        f"  {label}: fit {result['fit_seconds']:.1f} s, ROC-AUC "
        f"{result['roc_auc']:.4f}, PR-AUC {result['pr_auc']:.4f}",
        flush=True,
    )


def met(flag):
    """``"met"`` or ``"**not met**"``, for the bars of the sections."""
    return "met" if flag else "**not met**"


def finish(name, section=None, figures=None):
    """Print ``section`` and cache it and ``figures`` under ``OUTPUT_DIR``.

    Writes ``OUTPUT_DIR / f"{name}.md"`` and ``f"{name}.json"``; returns the
    section (the value of every script's ``main``).
    """
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    if figures is not None:
        with open(OUTPUT_DIR / f"{name}.json", "w") as file:
            json.dump(figures, file, indent=1, default=_plain)
    if section is not None:
        print("\n" + section)
        (OUTPUT_DIR / f"{name}.md").write_text(section)
    return section


def _plain(value):
    """NumPy scalars and arrays as JSON values."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _merge(old_text, sections):
    """Replace the sections of ``old_text`` with the same titles; append new ones."""
    header, *old = old_text.split("\n## ")
    merged = {text.splitlines()[0]: "## " + text for text in old}
    for section in sections:
        merged[section.splitlines()[0][3:]] = section
    return header, list(merged.values())


def write_results(out, sections, *, minutes, update=False, quick=False):
    """Write ``sections`` to the results file ``out`` with the run's line.

    With ``update``, the sections replace those of the same titles in an
    existing file, the others stay, and the run's line replaces an earlier
    line of the same command.
    """
    from sklearn_recon._studies._protocol import environment

    env = environment()
    command = ("python benchmarks/run_all.py " + " ".join(sys.argv[1:])).strip()
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    run = (
        f"- `{command}`: {env['date']}, {minutes:.0f} minutes; {env['machine']}, "
        f"Python {env['python']}; {versions}"
    )
    if update and os.path.exists(out):
        with open(out) as file:
            header, sections = _merge(file.read(), sections)
        earlier = f"- `{command}`:"
        kept = [line for line in header.rstrip("\n").split("\n") if not line.startswith(earlier)]
        header = "\n".join(kept) + "\n" + run + "\n"
    else:
        header = "\n".join(
            [
                "# Benchmark results\n",
                "Written by `python benchmarks/run_all.py` (from the repository root). "
                "Fit times were measured on a 2-core machine shared with other jobs "
                "and are noisy; the scores are seeded. The runs that wrote the "
                "sections below (command, date, minutes, machine, versions):\n",
                run,
                "",
            ]
        )
        if quick:
            header = header.replace(
                "\n\n", "\n\n**Smoke run (`--quick`): few epochs, not results.**\n\n", 1
            )
    with open(out, "w") as file:
        file.write("\n".join([header, *sections]))
