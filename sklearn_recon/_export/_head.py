"""The head (error to decision and flag) and the function the graph runs."""

import numpy as np


def _label_dtype(classes):
    """The TensorFlow dtype of ``predict``'s labels, and the labels' constants."""
    import tensorflow as tf

    classes = np.asarray(classes)
    kind = classes.dtype.kind
    if kind in "iu" or kind == "b" or kind == "f":
        return tf.as_dtype(classes.dtype), [c.item() for c in classes]
    if kind in "US" or (kind == "O" and all(isinstance(c, str) for c in classes)):
        return tf.string, [str(c) for c in classes]
    raise TypeError(
        f"The classes {classes.tolist()!r} of the threshold meta-estimator are "
        "neither numbers, booleans nor strings; export cannot write them as labels."
    )


def _head(plan):
    """A function of the float32 anomaly error returning ``decision`` and ``flag``.

    The comparison with the threshold runs in float64 on the float32 error,
    exactly as the estimator compares its float64 scores, so the exported
    flags differ from ``predict``'s only where the float32 error itself
    differs (rows within float32 rounding of the threshold).
    """
    import tensorflow as tf

    from ..utils._response import flag

    # Python numbers, made constants while the graph is traced (see _affine).
    if plan.meta is None:
        offset = float(plan.detector.offset_)

        def head(error64):
            decision = -error64 - tf.constant(offset, tf.float64)
            flagged = flag(error64, tf.constant(-offset, tf.float64))
            return decision, tf.where(flagged, tf.constant(-1, tf.int64), tf.constant(1, tf.int64))

        return head

    meta = plan.meta
    threshold = float(meta.best_threshold_)
    dtype, classes = _label_dtype(meta.classes_)
    is_anomaly = [c == meta.anomaly_label for c in np.asarray(meta.classes_).tolist()]
    anomaly_class = classes[is_anomaly.index(True)]
    normal_class = classes[is_anomaly.index(False)]
    sign = 1.0 if is_anomaly[1] else -1.0

    def head(error64):
        cut = tf.constant(threshold, tf.float64)
        decision = sign * (error64 - cut)
        flagged = flag(error64, cut, at_threshold=True)
        return decision, tf.where(
            flagged, tf.constant(anomaly_class, dtype), tf.constant(normal_class, dtype)
        )

    return head


def _graph_function(plan):
    """The Python function of a float32 batch that the exported graph runs."""
    import tensorflow as tf

    detector, head = plan.detector, _head(plan)
    transforms, row_shape = list(plan.transforms), plan.row_shape

    def serve(X):
        x = X
        for transform in transforms:
            x = transform(x)
        x = tf.reshape(x, (-1, *row_shape))
        error = tf.cast(detector._network_error(x), tf.float32)
        decision, flag = head(tf.cast(error, tf.float64))
        return {
            "score": tf.identity(-error, name="score"),
            "decision": tf.cast(decision, tf.float32, name="decision"),
            "flag": tf.identity(flag, name="flag"),
        }

    return serve
