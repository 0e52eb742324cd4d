"""The API reference lists every public object; tested pages run as written.

The pages themselves are built and checked by the documentation build
(``python -m sphinx -W ...``, run by CI); these tests catch a public name
that was added to the package but not to the reference (docs/api.rst), and
run the Python of the pages a new user starts with, each page as one script
in a fresh process, as a reader who pastes it into a file would.
"""

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
from _scripts import assert_clean, run_page

import sklearn_recon

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_RST = DOCS / "api.rst"
#: Pages whose ``.. code-block:: python`` blocks run, in order, as one script
#: (tests/_scripts.py); the README's run in tests/test_readme.py.
TESTED_PAGES = [
    "getting_started.rst",
    "user_guide/composing.rst",
    "user_guide/choosing.rst",
    "user_guide/custom_networks.rst",
]
SUBMODULES = [
    "windows", "metrics", "datasets", "plotting", "threshold", "monitoring", "mlflow"
]  # fmt: skip


def _documented():
    """The entries of the autosummary tables, as full dotted names."""
    text = API_RST.read_text()
    entries = re.findall(r"^   ([A-Za-z_][\w.]*)$", text, flags=re.M)
    return {f"sklearn_recon.{entry}" for entry in entries}


def _public():
    names = {f"sklearn_recon.{name}" for name in sklearn_recon.__all__}
    names.discard("sklearn_recon.__version__")
    for module_name in SUBMODULES:
        module = importlib.import_module(f"sklearn_recon.{module_name}")
        for name, member in vars(module).items():
            if (
                not name.startswith("_")
                and (inspect.isclass(member) or inspect.isfunction(member))
                # defined here, or in a private module and re-exported here
                and (member.__module__ == module.__name__ or name in getattr(module, "__all__", ()))
                # re-exported at the top level, documented there
                and name not in sklearn_recon.__all__
            ):
                names.add(module.__name__ + "." + name)
    return names


def test_api_reference_lists_every_public_object():
    missing = sorted(_public() - _documented())
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_api_reference_entries_exist():
    for dotted in sorted(_documented()):
        module_name, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module_name), name), dotted


@pytest.mark.parametrize("page", TESTED_PAGES)
def test_page_runs_as_one_script(page, tmp_path):
    """The page's Python, top to bottom, as one script in a fresh process:
    no error, no warning (nothing on stderr), no nan printed."""
    result = run_page(DOCS / page, tmp_path)
    assert_clean(result, page)
    out = result.stdout
    if page == "getting_started.rst":
        assert "ROC-AUC: " in out
        flags = [int(v) for v in out.splitlines()[0].strip("[]").split()]
        assert len(flags) == 6 and sum(flags[:3]) > 0 and sum(flags[3:]) < 0, out
    elif page == "user_guide/composing.rst":
        assert "CostThreshold" in out  # the refusal points to the meta-estimators
        assert "True True" in out
    elif page == "user_guide/choosing.rst":
        assert out.count("ROC-AUC") == 4, out
    elif page == "user_guide/custom_networks.rst":
        assert out.split("\n")[-4:] == ["True", "4", "True", ""]


def _pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((DOCS.parent / "pyproject.toml").read_text())


def _install_lines():
    pages = [DOCS.parent / "README.md", *DOCS.rglob("*.rst")]
    for page in pages:
        if "_build" in page.parts or "generated" in page.parts:
            continue
        for line in page.read_text().splitlines():
            if "pip install" in line:
                yield page.name, line


def test_install_lines_work_from_a_checkout():
    """sklearn-recon is not on PyPI: "sklearn-recon[plot]" fails, ".[plot]" works."""
    extras = set(_pyproject()["project"]["optional-dependencies"])
    lines = list(_install_lines())
    assert lines
    for page, line in lines:
        assert "sklearn-recon[" not in line, f"{page}: {line.strip()}"
        for extra in re.findall(r"\.\[([\w,-]+)\]", line):
            assert set(extra.split(",")) <= extras, f"{page}: unknown extra in {line}"


def test_matplotlib_comes_with_the_package():
    """``sklearn-recon demo`` draws its plots on a fresh install; [plot] still works."""
    project = _pyproject()["project"]
    assert any(re.match(r"matplotlib\b", dep) for dep in project["dependencies"])
    assert project["optional-dependencies"]["plot"] == ["matplotlib>=3.6"]


def _package_imports(path):
    """``(module, name)`` of every ``from sklearn_recon... import name`` in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn_recon")
        for alias in node.names
    ]


SCRIPTS = sorted((DOCS.parent / "examples").glob("*.py")) + sorted((DOCS / "recipes").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_examples_import_only_names_that_exist(script):
    # the gallery runs only in the docs build: a name moved in the package
    # would otherwise surface there first
    imports = _package_imports(script)
    assert imports, f"{script.name} imports nothing from sklearn_recon"
    for module, name in imports:
        assert hasattr(importlib.import_module(module), name), f"{script.name}: {module}.{name}"
