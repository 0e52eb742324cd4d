"""TensorFlow versions of the scikit-learn transformers export supports."""

import numbers

import numpy as np

from ._supported import _supported


def _float32(values):
    return np.asarray(values, dtype=np.float32)


def _transform(step, where):
    """A function of a float32 tensor that does ``step.transform``."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        RobustScaler,
        StandardScaler,
    )

    kind = type(step)
    if kind is StandardScaler:
        return _affine(
            subtract=step.mean_ if step.with_mean else None,
            divide=step.scale_ if step.with_std else None,
        )
    if kind is RobustScaler:
        return _affine(
            subtract=step.center_ if step.with_centering else None,
            divide=step.scale_ if step.with_scaling else None,
        )
    if kind is MaxAbsScaler:
        return _affine(divide=step.scale_)
    if kind is MinMaxScaler:
        return _affine(
            multiply=step.scale_,
            add=step.min_,
            clip=step.feature_range if step.clip else None,
        )
    if kind is SimpleImputer:
        return _imputer(step, where)
    raise TypeError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, which cannot be "
        f"exported (only these exact classes, not subclasses, are). {_supported()}."
    )


def _affine(*, subtract=None, divide=None, multiply=None, add=None, clip=None):
    """``x`` through the operations scikit-learn's scalers do, in their order."""
    import tensorflow as tf

    # NumPy constants, made tensors while the graph is traced: a tensor made
    # outside would be captured as an extra input of the graph.
    subtract, divide, multiply, add = (
        None if v is None else _float32(v) for v in (subtract, divide, multiply, add)
    )

    def apply(x):
        if subtract is not None:
            x = x - tf.constant(subtract)
        if divide is not None:
            x = x / tf.constant(divide)
        if multiply is not None:
            x = x * tf.constant(multiply)
        if add is not None:
            x = x + tf.constant(add)
        if clip is not None:
            x = tf.clip_by_value(x, float(clip[0]), float(clip[1]))
        return x

    return apply


def _imputer(step, where):
    """``SimpleImputer.transform`` on numeric data: fill with ``statistics_``."""
    import tensorflow as tf

    if step.add_indicator:
        raise TypeError(
            f"{where} is a SimpleImputer with add_indicator=True, which cannot be "
            f"exported. {_supported()}."
        )
    missing = step.missing_values
    numeric_missing = isinstance(missing, numbers.Real) and not isinstance(missing, bool)
    try:  # "constant" keeps its statistics in an object array
        statistics = np.asarray(step.statistics_, dtype=np.float64)
    except (TypeError, ValueError):
        statistics = None
    if not numeric_missing or statistics is None:
        raise TypeError(
            f"{where} is a SimpleImputer of non-numeric data (missing_values="
            f"{missing!r}, statistics {np.asarray(step.statistics_)[:3].tolist()!r}...), "
            f"which cannot be exported. {_supported()}."
        )
    keep = None
    if not step.keep_empty_features and np.isnan(statistics).any():
        # scikit-learn drops the features that had no observed value in fit
        keep = np.flatnonzero(~np.isnan(statistics))
        statistics = np.nan_to_num(statistics)  # filled, then dropped
    fill = _float32(statistics)
    nan = np.isnan(missing)

    def apply(x):
        mask = tf.math.is_nan(x) if nan else tf.equal(x, float(missing))
        x = tf.where(mask, tf.constant(fill), x)
        if keep is not None:
            x = tf.gather(x, tf.constant(keep.astype(np.int64)), axis=1)
        return x

    return apply
