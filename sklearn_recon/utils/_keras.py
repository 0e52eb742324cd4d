"""Keras access: imported lazily, backend checked but never set.

``import sklearn_recon`` must stay fast, so nothing here imports Keras (and
with it TensorFlow, about 3 s) at module level. The estimators call
:func:`get_keras` when a network is built, trained or restored.
"""

import functools

SUPPORTED_BACKENDS = ("tensorflow",)


@functools.cache
def get_keras():
    """Import Keras and check that it runs on a supported backend.

    Returns
    -------
    keras : module
        The imported ``keras`` package.

    Raises
    ------
    ImportError
        If Keras is not installed or runs on a backend this library does not
        support. The library reads ``keras.config.backend()``; it never sets
        ``KERAS_BACKEND`` itself.
    """
    try:
        import keras
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError(
            "sklearn_recon needs Keras 3 with TensorFlow: pip install keras tensorflow"
        ) from exc
    backend = keras.config.backend()
    if backend not in SUPPORTED_BACKENDS:
        raise ImportError(
            f"sklearn_recon supports the Keras backends {SUPPORTED_BACKENDS}, but "
            f"Keras runs on {backend!r}. Set the environment variable "
            "KERAS_BACKEND=tensorflow before importing keras."
        )
    return keras


def float64_copy(model):
    """Return a copy of ``model`` that computes in float64.

    Training runs in float32. Float64 input is scored by a float64 copy of
    the trained network, so that a sample's score does not depend on which
    other samples share its batch: float32 matrix products round differently
    for different batch sizes and row positions (up to ~2e-7 relative here),
    float64 ones agree to ~1e-16.

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model whose layers implement
        ``get_config``.

    Returns
    -------
    copy : keras.Model
        The same network with its weights cast to float64.
    """
    keras = get_keras()
    import numpy as np

    def clone_layer(layer):
        config = layer.get_config()
        config["dtype"] = "float64"
        return layer.__class__.from_config(config)

    inputs = [keras.Input(shape=t.shape[1:], dtype="float64") for t in model.inputs]
    copy = keras.models.clone_model(
        model,
        input_tensors=inputs if len(inputs) > 1 else inputs[0],
        clone_function=clone_layer,
    )
    copy.set_weights(
        [
            w.astype(np.float64) if np.issubdtype(w.dtype, np.floating) else w
            for w in model.get_weights()
        ]
    )
    return copy


def compile_inference(fn, sample_shape, dtype):
    """Compile ``fn`` once for batches of any length.

    This is the only backend-specific code path of the library: with the
    TensorFlow backend ``fn`` becomes a graph function traced once for
    ``(None, *sample_shape)`` input of ``dtype``, so every later call, whatever
    the number of rows, costs one graph execution (well under a millisecond
    for one row) instead of the ~60 ms fixed cost of ``Model.predict``.

    Parameters
    ----------
    fn : callable
        Maps a tensor of shape ``(n, *sample_shape)`` to one or more
        tensors whose first axis has length ``n``. It must use ``keras.ops``
        or layer calls only.

    sample_shape : tuple of int
        The shape of one sample.

    dtype : {"float32", "float64"}
        The dtype of the input.

    Returns
    -------
    compiled : callable
        Takes a NumPy array of ``dtype`` and returns NumPy arrays.
    """
    get_keras()
    import tensorflow as tf

    graph_fn = tf.function(
        fn,
        input_signature=[tf.TensorSpec((None, *sample_shape), dtype)],
        autograph=False,
    ).get_concrete_function()  # calling it directly halves the per-call cost

    def compiled(x):
        out = graph_fn(tf.convert_to_tensor(x))
        if isinstance(out, (tuple, list)):
            return tuple(o.numpy() for o in out)
        return out.numpy()

    return compiled


def make_dataset(x, y=None, *, batch_size, shuffle_seed=None):
    """Batch ``(x, y)`` for ``Model.fit``, shuffled with an explicit seed.

    ``Model.fit`` on NumPy arrays shuffles with the backend's global random
    generator, so its batches could only be made reproducible by seeding
    that generator globally. A ``tf.data`` pipeline with an explicit
    shuffle seed is reproducible on its own and touches no global state.

    Parameters
    ----------
    x : ndarray
        Network input.

    y : ndarray or None, default=None
        Training target; None means the input itself (an autoencoder), which
        is not stored twice.

    batch_size : int
        Samples per batch.

    shuffle_seed : int or None, default=None
        Reshuffle the samples every epoch with this seed; None keeps the order.

    Returns
    -------
    dataset : tf.data.Dataset
        Yields ``(x_batch, y_batch)`` pairs.
    """
    get_keras()
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if y is None:
        dataset = dataset.map(lambda batch: (batch, batch))
    return dataset.prefetch(tf.data.AUTOTUNE)


def stop_on_non_finite_loss():
    """Return a callback that stops training once the loss is NaN or infinite.

    Keras's own ``TerminateOnNaN`` prints a line to stdout whatever the
    ``verbose`` setting; this one is silent. The caller reports the
    divergence (``BaseKerasDetector._check_history`` raises a ValueError).

    Returns
    -------
    callback : keras.callbacks.Callback
        A new callback instance.
    """
    keras = get_keras()
    import math

    class _StopOnNonFiniteLoss(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(float(loss)):
                self.model.stop_training = True

    return _StopOnNonFiniteLoss()
