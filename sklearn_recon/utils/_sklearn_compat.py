"""The one place that imports scikit-learn's private API.

Estimator modules import ``_fit_context``, the parameter-constraint
vocabulary and the other private helpers from here, so a change in
scikit-learn's internals is mended in a single file (the pattern of
imbalanced-learn's ``utils/_sklearn_compat.py``).
"""

from sklearn.base import _fit_context
from sklearn.metrics._scorer import _Scorer
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils._plotting import _validate_style_kwargs
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _num_samples,
)

__all__ = [
    "HasMethods",
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_Scorer",
    "_check_method_params",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "_raise_for_params",
    "_routing_enabled",
    "_safe_indexing",
    "_validate_style_kwargs",
    "validate_params",
]
