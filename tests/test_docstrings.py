"""numpydoc validation of the public API, and its doctests."""

import doctest
import importlib
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

import sklearn_recon  # noqa: E402

PUBLIC_MODULES = [
    "sklearn_recon.datasets", "sklearn_recon.windows", "sklearn_recon.monitoring",
    "sklearn_recon.mlflow", "sklearn_recon.inspection._contributions",
]  # fmt: skip
# Modules whose public classes are not re-exported at the top level.
CLASS_MODULES = ["sklearn_recon.plotting"]
# The private modules that define those classes: doctest finds the examples of
# a class only in the module that defines it.
DEFINING_MODULES = sorted(
    {
        getattr(importlib.import_module(module), name).__module__
        for module in CLASS_MODULES
        for name in importlib.import_module(module).__all__
    }
    - set(CLASS_MODULES)
)

# Checks not enforced, as in scikit-learn's own test_docstrings.py:
# GL01/GL02 (blank-line placement), ES01 (extended summary), SA01 (See Also
# everywhere), EX01 (Examples on every method), RT02 (named return values),
# SS05 (third-person verbs: "Return" is the scikit-learn style).
IGNORED = {"GL01", "GL02", "ES01", "SA01", "EX01", "RT02", "SS05"}


def _public_objects():
    for name in sklearn_recon.__all__:
        obj = getattr(sklearn_recon, name)
        if inspect.isfunction(obj):
            yield f"sklearn_recon.{name}"
        if not inspect.isclass(obj):
            continue
        yield f"sklearn_recon.{name}"
        for method, member in vars(obj).items():
            if not method.startswith("_") and callable(member):
                yield f"sklearn_recon.{name}.{method}"
        for base in obj.__mro__[1:]:
            if base.__module__.startswith("sklearn_recon"):
                for method, member in vars(base).items():
                    if not method.startswith("_") and callable(member):
                        yield f"{base.__module__}.{base.__name__}.{method}"
    for module in CLASS_MODULES:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            yield f"{module}.{name}"
            for method, member in vars(getattr(mod, name)).items():
                # classmethods (from_estimator) are not callable as found in vars
                if not method.startswith("_") and (
                    callable(member) or isinstance(member, classmethod)
                ):
                    yield f"{module}.{name}.{method}"
    for module in PUBLIC_MODULES:
        mod = importlib.import_module(module)
        for name, member in vars(mod).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(member)
                and member.__module__ == module
            ):
                yield f"{module}.{name}"


@pytest.mark.parametrize("name", sorted(set(_public_objects())))
def test_numpydoc(name):
    result = numpydoc_validate.validate(name)
    errors = [f"{code}: {msg}" for code, msg in result["errors"] if code not in IGNORED]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize(
    "module",
    [
        "sklearn_recon.autoencoder",
        "sklearn_recon.base",
        "sklearn_recon.reconstruction",
        *PUBLIC_MODULES,
        *CLASS_MODULES,
        *DEFINING_MODULES,
    ],
)
def test_doctests(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(
        mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0
    assert result.attempted > 0 or module == "sklearn_recon.base"
