"""Input checks shared by the estimators and the functions (NumPy only)."""

from numbers import Integral

import numpy as np


def check_not_temporal(X, name="X"):
    """Refuse datetime and timedelta values instead of reading them as numbers.

    scikit-learn's ``check_array`` with a float ``dtype`` silently turns
    ``datetime64`` and ``timedelta64`` values into counts of their time unit
    (days, nanoseconds, ...), a number whose scale depends on the unit.

    Parameters
    ----------
    X : object
        An array, a DataFrame, a Series or any array-like.

    name : str, default="X"
        The name of ``X`` in the error message.

    Raises
    ------
    TypeError
        If ``X`` or one of its columns holds datetime or timedelta values.
    """
    dtypes = getattr(X, "dtypes", None)  # a DataFrame's per-column dtypes
    if dtypes is None or isinstance(dtypes, np.dtype):
        dtypes = [getattr(X, "dtype", None)]
    for dtype in dtypes:
        if getattr(dtype, "kind", None) in ("M", "m"):
            raise TypeError(
                f"{name} holds datetime or timedelta values (dtype {dtype}); convert "
                "them to numbers first, for example seconds since a start time."
            )


def check_positive_int(value, name):
    """Return ``value`` as an int if it is a positive int (not a bool), else raise ValueError."""
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}.")
    return int(value)


def check_real_values(values, name):
    """Return ``values`` as a float64 array; refuse what is not real numbers.

    Parameters
    ----------
    values : array-like
        Numbers: bool, int, float or an object array holding numbers.

    name : str
        The name of ``values`` in the error message.

    Returns
    -------
    values : ndarray of float64

    Raises
    ------
    TypeError
        If ``values`` holds strings, complex numbers, datetimes or
        timedeltas.
    """
    values = np.asarray(values)
    check_not_temporal(values, name)
    if values.dtype.kind in "cUSV":
        raise TypeError(f"{name} must hold real numbers; got an array of dtype {values.dtype}.")
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold real numbers: {exc}") from None


def check_label_is_scalar(anomaly_label):
    """Refuse an ``anomaly_label`` that is not one label."""
    from numbers import Real

    if not isinstance(anomaly_label, (Real, str, np.generic)):
        raise TypeError(
            "anomaly_label must be one label (an int, float, str or bool); got "
            f"{anomaly_label!r} of type {type(anomaly_label).__name__}."
        )


def check_anomaly_label(y, anomaly_label, *, name="y", allow_absent=False):
    """Return the anomaly mask of ``y``; refuse a label ``y`` does not hold.

    The one place that answers "is ``anomaly_label`` among the labels of
    ``y``": a value of ``anomaly_label`` that ``y`` does not hold is an
    error that says so, never a silent guess (SECOM codes a fail as 1 and a
    pass as -1, so guessing from the coding would invert it).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels; ``anomaly_label`` marks the anomalies, any other value is
        normal.

    anomaly_label : int, float, str or bool
        The label of the anomalies.

    name : str, default="y"
        The name of ``y`` in error messages.

    allow_absent : bool, default=False
        Accept a ``y`` that holds a single class other than
        ``anomaly_label`` (all rows normal), as a test fold without
        anomalies does. A ``y`` of two or more classes must still hold
        ``anomaly_label``.

    Returns
    -------
    is_anomaly : ndarray of bool of shape (n_samples,)
        Whether each label is ``anomaly_label``.

    Raises
    ------
    ValueError
        If ``y`` holds NaN labels, or does not hold ``anomaly_label``.
    TypeError
        If ``anomaly_label`` is not a single label.
    """
    from sklearn.utils.validation import column_or_1d

    check_label_is_scalar(anomaly_label)
    y = column_or_1d(y)
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError(
            f"{name} holds {int(np.isnan(y).sum())} NaN label(s); every sample needs "
            f"a label ({anomaly_label!r} for anomalies, any other value for normal "
            "samples)."
        )
    is_anomaly = y == anomaly_label
    if not is_anomaly.any():
        labels = np.unique(y)
        if not (allow_absent and labels.size == 1):
            raise ValueError(
                f"anomaly_label={anomaly_label!r} is not among the labels in {name} "
                f"({labels.tolist()!r}). Pass the value that marks the anomalies in "
                f"{name}, e.g. anomaly_label=1 for 0/1 labels with 1 = anomaly."
            )
    return np.asarray(is_anomaly, dtype=bool)


def check_sample_weight(sample_weight, X):
    """Validate ``sample_weight`` for ``X`` as scikit-learn does.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative, finite weights, not all zero.

    X : array-like of shape (n_samples, ...)
        The samples the weights belong to.

    Returns
    -------
    sample_weight : ndarray of float64 of shape (n_samples,) or None
        A new array (the caller's is never modified), or None when
        ``sample_weight`` is None.

    Raises
    ------
    ValueError
        If the weights are of the wrong length or shape, negative, NaN or
        infinite, or all zero.
    """
    if sample_weight is None:
        return None
    from ._sklearn_compat import _check_sample_weight

    check_not_temporal(sample_weight, "sample_weight")
    if isinstance(sample_weight, (str, bytes)):
        raise TypeError(f"sample_weight must hold numbers; got {sample_weight!r}.")
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True, copy=True
    )


def check_units(units, name="units"):
    """Return layer widths as a tuple of positive ints, or raise ValueError.

    The one check of the width parameters of the detectors (``hidden_units``
    of the autoencoders, ``units`` of the recurrent ones): a positive int
    or a non-empty sequence of them. Booleans are refused, although Python
    counts them as ints.
    """
    checked = (units,) if isinstance(units, Integral) else tuple(units)
    if not checked or not all(
        isinstance(u, Integral) and not isinstance(u, (bool, np.bool_)) and u > 0 for u in checked
    ):
        raise ValueError(
            f"{name} must be a positive int or a non-empty tuple of positive ints; got {units!r}."
        )
    return checked
