"""The API reference (docs/api.rst) lists every public object.

The pages themselves are built and checked by the documentation build
(``python -m sphinx -W ...``, run by CI); this test only catches a public
name that was added to the package but not to the reference.
"""

import importlib
import inspect
import re
from pathlib import Path

import sklearn_recon

API_RST = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
SUBMODULES = ["windows", "metrics", "datasets", "plotting"]


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
                and member.__module__ == module.__name__
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
