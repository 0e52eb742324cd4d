"""Deep anomaly detectors for scikit-learn, backed by Keras 3.

Importing the package is cheap: the public names load on first use
(PEP 562), scikit-learn when an estimator is first named, and Keras and
TensorFlow only when a network is built, trained or restored.
"""

import importlib

from ._version import __version__
from .utils._registry import entries

# public name -> the module that defines it: the estimators of the registry,
# then the public functions
_PUBLIC = {
    **{entry.name: entry.module for entry in entries(public=True)},
    "export": "sklearn_recon._export",
    "load": "sklearn_recon._persistence",
    "make_cost_scorer": "sklearn_recon.metrics",
    "save": "sklearn_recon._persistence",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])
