"""The package's import graph: layered, without a circle.

Reads every module of ``sklearn_recon`` with :mod:`ast` (nothing is
imported) and collects the modules each one imports, at module level or
inside a function, so that a lazy import counts too.
"""

import ast
from pathlib import Path

import pytest

from sklearn_recon.utils._registry import ESTIMATORS

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_recon"

#: Modules that define estimators: those of the registry, and the base
#: classes of the detectors and of the threshold meta-estimators.
#: utils/_response.py recognises estimators by behaviour and tags, and
#: imports none of these.
ESTIMATOR_MODULES = (
    "sklearn_recon.base",
    "sklearn_recon.threshold",
    *sorted({entry.module for entry in ESTIMATORS if entry.module.startswith("sklearn_recon.")}),
)

#: The floors of ARCHITECTURE.md's "Layers": a module (or every module of a
#: subpackage, unless listed itself) imports from its own floor or below.
FLOORS = {
    "sklearn_recon._version": 0,
    "sklearn_recon.utils": 0,
    "sklearn_recon._networks": 0,
    "sklearn_recon.utils._response": 1,
    "sklearn_recon.metrics": 1,
    "sklearn_recon.base": 2,
    "sklearn_recon.autoencoder": 2,
    "sklearn_recon.vae": 2,
    "sklearn_recon.lstm": 2,
    "sklearn_recon.rnn": 2,
    "sklearn_recon.reconstruction": 2,
    "sklearn_recon.threshold": 2,
    "sklearn_recon.windows": 2,
    "sklearn_recon.monitoring": 3,
    "sklearn_recon.inspection": 3,
    "sklearn_recon.plotting": 3,
    "sklearn_recon._persistence": 3,
    "sklearn_recon._export": 3,
    "sklearn_recon.datasets": 3,
    "sklearn_recon._studies": 3,
    "sklearn_recon.mlflow": 3,
    "sklearn_recon._mlflow_model": 3,
    "sklearn_recon.cli": 4,
    "sklearn_recon.__main__": 4,
    "sklearn_recon": 4,  # the package's __init__ only (its lazy public names)
}


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules():
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name, path, known):
    """The modules of the package that module ``name`` imports."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                module = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                module = node.module
            # "from . import x" may import a submodule x
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            # the deepest module of the package the name refers to
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _parent_packages(name):
    """A module imports its parent packages' __init__ when it is imported."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_the_import_graph_has_no_circle():
    graph = _graph()
    # Importing a module of a subpackage runs the subpackage's __init__,
    # which imports its modules: that edge is no circle, so a subpackage's
    # own __init__ is left out of its modules' edges.
    edges = {
        name: {target for target in targets if target not in _parent_packages(name)}
        for name, targets in graph.items()
    }
    state, stack = {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for target in sorted(edges[name]):
            if state.get(target) == "open":
                circle = [*stack[stack.index(target) :], target]
                pytest.fail("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name)


def test_response_imports_no_estimator_module():
    imported = _graph()["sklearn_recon.utils._response"]
    offending = sorted(
        module
        for module in imported
        if any(module == e or module.startswith(e + ".") for e in ESTIMATOR_MODULES)
    )
    assert offending == []


def test_no_module_is_over_800_lines():
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > 800
    }
    assert long == {}


def _floor(name):
    """The floor of module ``name``: its own, or its nearest listed package's."""
    key = name
    while key not in FLOORS or (key == "sklearn_recon" and name != key):
        key = key.rpartition(".")[0]
        if not key:
            pytest.fail(f"{name} has no floor: add it to FLOORS and to ARCHITECTURE.md")
    return FLOORS[key]


def test_every_module_imports_from_its_floor_or_below():
    graph = _graph()
    upward = sorted(
        f"{name} (floor {_floor(name)}) imports {target} (floor {_floor(target)})"
        for name, targets in graph.items()
        for target in targets
        if target not in _parent_packages(name) and _floor(target) > _floor(name)
    )
    assert upward == []
