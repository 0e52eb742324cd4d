"""The one place that imports scikit-learn's private API.

Estimator modules import ``_fit_context`` and the parameter-constraint
vocabulary from here, so a change in scikit-learn's internals is mended in a
single file (the pattern of imbalanced-learn's ``utils/_sklearn_compat.py``).
"""

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils._plotting import _validate_style_kwargs

__all__ = [
    "HasMethods",
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_fit_context",
    "_safe_indexing",
    "_validate_style_kwargs",
]
