"""The Keras runtime of the detectors: access, seeds, training data, inference.

- Keras is imported lazily and its backend checked, never set:
  ``import sklearn_recon`` must stay fast, so nothing here imports Keras (and
  with it TensorFlow, about 3 s) at module level; :func:`get_keras` does, when
  a network is built, trained or restored.
- :func:`derive_seed` draws the one seed of a fit; :func:`make_dataset` feeds
  ``Model.fit`` with batches shuffled by that seed, touching no global state.
- Scoring never goes through ``Model.predict`` (about 60 ms a call): an
  :class:`InferenceFunctions` holds one compiled graph function per network
  function and input dtype, and :func:`run_batched` runs it over blocks of
  ``INFERENCE_BATCH_SIZE`` rows, so memory stays bounded whatever the number
  of rows.
"""

import functools
import sys
import threading
import time

import numpy as np
from sklearn.utils import check_random_state

SUPPORTED_BACKENDS = ("tensorflow",)

#: Rows per compiled inference call: large enough that the per-call overhead
#: vanishes, small enough that scoring any number of rows needs bounded memory.
INFERENCE_BATCH_SIZE = 8192

# Seeds are drawn below this bound so that ``seed + i`` (one seed per random
# layer) stays a valid int32 seed for every backend.
_MAX_SEED = np.iinfo(np.int32).max - 2**16


def derive_seed(random_state):
    """Draw the one integer seed of a fit from ``random_state``."""
    return int(check_random_state(random_state).randint(_MAX_SEED))


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


def make_dataset(x, y=None, sample_weight=None, *, batch_size, shuffle_seed=None):
    """Batch ``(x, y[, sample_weight])`` for ``Model.fit``, shuffled with an explicit seed.

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

    sample_weight : ndarray or None, default=None
        Weight of each sample in the loss; None weighs them equally.

    batch_size : int
        Samples per batch.

    shuffle_seed : int or None, default=None
        Reshuffle the samples every epoch with this seed; None keeps the order.

    Returns
    -------
    dataset : tf.data.Dataset
        Yields ``(x_batch, y_batch)`` or ``(x_batch, y_batch, weight_batch)``.
    """
    get_keras()
    import tensorflow as tf

    parts = (x,) if y is None else (x, y)
    if sample_weight is not None:
        parts = (*parts, np.asarray(sample_weight, dtype=np.float32))
    dataset = tf.data.Dataset.from_tensor_slices(parts if len(parts) > 1 else x)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if y is None and sample_weight is None:
        dataset = dataset.map(lambda batch: (batch, batch))
    elif y is None:
        dataset = dataset.map(lambda batch, weight: (batch, batch, weight))
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


class InferenceFunctions:
    """Compiled inference functions of one trained network, built on first use.

    The fitted estimator holds one instance; methods that score or
    reconstruct ask it for a function by name, so scoring never writes
    estimator attributes and each function is traced once per dtype.

    Float32 input runs through the trained float32 network: fast, but its
    rounding depends on the batch (about 1e-7 relative). Float64 input runs
    through a float64 copy of the network, made on first use, so that a
    sample's score does not depend on the other samples in its batch (to
    about 1e-16), as scikit-learn's invariance checks expect.
    """

    def __init__(self, model):
        self._trained = model
        self._float64 = None
        self._functions = {}
        self._lock = threading.Lock()

    def get(self, name, make_fn):
        """Return the function ``name``: ``make_fn(model)``, compiled per dtype."""

        def run(x):
            return self._compiled(name, make_fn, x.dtype)(x)

        return run

    def _compiled(self, name, make_fn, dtype):
        key = (name, np.dtype(dtype).name)
        with self._lock:
            if key not in self._functions:
                if key[1] == "float32":
                    model = self._trained
                else:
                    if self._float64 is None:
                        self._float64 = float64_copy(self._trained)
                    model = self._float64
                self._functions[key] = compile_inference(
                    make_fn(model), tuple(model.input_shape[1:]), key[1]
                )
            return self._functions[key]


def run_batched(fn, x, *, verbose=0):
    """Apply ``fn`` to ``x`` batch by batch and gather its output.

    Float32 input stays float32; anything else is scored in float64. Only
    one batch is converted at a time, so memory beyond the input and the
    output stays bounded by the batch size (``INFERENCE_BATCH_SIZE`` rows).
    With ``verbose`` truthy, a line of progress goes to stderr about every
    tenth of the rows when there are several batches.
    """
    batch_size = INFERENCE_BATCH_SIZE
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    n_samples = x.shape[0]
    if n_samples <= batch_size:
        return fn(np.asarray(x, dtype=dtype))
    progress = _Progress(n_samples) if verbose else None
    out = None
    for start in range(0, n_samples, batch_size):
        part = fn(np.asarray(x[start : start + batch_size], dtype=dtype))
        if out is None:
            out = np.empty((n_samples, *part.shape[1:]), dtype=part.dtype)
        out[start : start + len(part)] = part
        if progress is not None:
            progress.update(start + len(part))
    return out


class _Progress:
    """One line to stderr each time another tenth of the rows is scored."""

    def __init__(self, n_samples):
        self.n_samples = n_samples
        self.start = time.perf_counter()
        self.next_tenth = 1

    def update(self, n_done):
        tenth = (10 * n_done) // self.n_samples
        if tenth < self.next_tenth:
            return
        self.next_tenth = tenth + 1
        elapsed = time.perf_counter() - self.start
        print(
            f"Scored {n_done}/{self.n_samples} samples ({100 * n_done // self.n_samples}%) "
            f"in {elapsed:.1f} s, {n_done / max(elapsed, 1e-9):,.0f} samples/s",
            file=sys.stderr,
            flush=True,
        )


def check_finite_output(values, X, what):
    """Refuse to return NaN or infinite scores; say why they arose."""
    bad = ~np.isfinite(values)
    if bad.any():
        bad_rows = bad.reshape(len(bad), -1).any(axis=1)
        largest = float(np.max(np.abs(X[bad_rows])))
        raise ValueError(
            f"{int(bad_rows.sum())} of {len(bad_rows)} samples got a non-finite "
            f"{what}: the network overflows on them (largest absolute "
            f"input value {largest:.3g}). Scale X like the training data, for "
            "example with a scaler in a Pipeline."
        )
