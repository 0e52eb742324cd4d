"""Input checks shared by the estimators and the functions (NumPy only)."""

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
        raise TypeError(
            f"{name} must hold real numbers; got an array of dtype {values.dtype}."
        )
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold real numbers: {exc}") from None
