"""The training loop of the detectors: one compiled call per epoch.

``Model.fit`` spends far more time than a small network's arithmetic: Python
and callback overhead per epoch and per step many times the microseconds of
the step's arithmetic (``benchmarks/RESULTS.md``, "Fast fits"). :func:`train`
runs each epoch (every training batch, then the validation loss) as one
call of one compiled function built around the model's own ``train_step``
and ``test_step``, so the compiled loss, ``add_loss`` terms, metrics,
sample weights and optimizer behave exactly as under ``Model.fit``; only
the loop around them is ours:

- the rows are shuffled by a NumPy generator seeded with the fit's seed
  (no global random state) and gathered into batches inside the graph, so
  no ``tf.data`` pipeline is built per fit;
- early stopping watches ``val_loss`` with ``patience`` epochs, and the
  weights of the best epoch are restored whether or not training stopped
  early;
- training stops at the first non-finite loss (the caller reports it).

The compiled epoch of a network is cached by its structure
(:class:`_EpochCache`): a second fit of the same configuration on data of
the same width copies its fresh initial weights into a network already
traced, instead of tracing a new graph.

Each backend has its runner, all around the model's own steps and with
the loop above: on TensorFlow (:class:`_TensorFlowRunner`) an epoch is one
call of a TF function; on JAX (:class:`_JaxRunner`) one call of a jitted
function scanning Keras's stateless ``train_step`` over the batches, the
model's state passed in and written back; on PyTorch
(:class:`_TorchRunner`) a Python loop of the eager ``train_step`` in one
intra-op thread (:func:`_one_torch_thread`). None re-enters ``Model.fit``
per epoch: its data adapter, callbacks and validation set-up cost more
than the epoch of a small network, and PyTorch's thread pool, on shared
cores, made each eager step of our networks tens of times slower.
"""

import contextlib
import threading
import time
from collections import OrderedDict

import numpy as np

from ._keras import INFERENCE_BATCH_SIZE, get_keras


def train(
    build,
    compile_kwargs,
    training,
    validation=None,
    *,
    epochs,
    batch_size,
    patience,
    seed,
    verbose=0,
    cache_key=None,
):
    """Train a new network; return it with its per-epoch history.

    Parameters
    ----------
    build : callable
        ``build()`` returns a new, uncompiled ``keras.Model`` with freshly
        initialised weights.

    compile_kwargs : dict
        Passed to ``Model.compile`` (optimizer, loss, metrics). The optimizer
        is given as a callable returning a new optimizer.

    training : tuple of (ndarray or None)
        ``(x, y, sample_weight)`` of the training rows, float32; ``y=None``
        trains the network to reproduce ``x``.

    validation : tuple of (ndarray or None), default=None
        The validation rows in the same layout, or None for no early stopping.

    epochs : int
        Largest number of passes over the training rows.

    batch_size : int
        Rows per training step.

    patience : int
        Epochs without a lower validation loss before training stops.

    seed : int
        Seeds the order of the rows in each epoch.

    verbose : int, default=0
        With 1 or more, one line per epoch to stdout.

    cache_key : hashable, default=None
        Identifies the network's structure, compile arguments and input
        width: fits with equal keys reuse one compiled epoch. None compiles a
        new one.

    Returns
    -------
    model : keras.Model
        The trained network (weights of the best validation epoch).

    history : dict of str to list of float
        Per-epoch ``loss``, the compiled metrics and, with validation data,
        their ``val_`` counterparts.

    best_epoch : int or None
        Index of the epoch whose weights were kept; None without validation.
    """
    model = build()
    key = None
    if cache_key is not None:
        key = (
            cache_key,
            batch_size,
            tuple(a is not None for a in training),
            validation is not None,
        )
    runner_class = _RUNNERS[get_keras().config.backend()]
    runner = _CACHE.checkout(key, lambda: runner_class(build(), compile_kwargs, batch_size))
    try:
        runner.reset(model)
        history, best_weights, best_epoch = _run(
            runner, training, validation, epochs, patience, seed, verbose
        )
        _assign(model.weights, best_weights or runner.get_weights())
    finally:
        _CACHE.checkin(key, runner)
    return model, history, best_epoch


def _run(runner, training, validation, epochs, patience, seed, verbose):
    """The epoch loop: history, the best weights (or None) and the best epoch."""
    rng = np.random.default_rng(seed)
    train_arrays = runner.arrays(training)
    val_arrays = None if validation is None else runner.arrays(validation)
    n_rows = len(training[0])
    history = {}
    best_loss, best_weights, best_epoch, wait = np.inf, None, None, 0
    for epoch in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(n_rows).astype(np.int32)
        logs = runner.epoch(train_arrays, order, val_arrays)
        # loss first, then the other metrics by name, validation last
        for name in sorted(logs, key=lambda k: (k.startswith("val_"), "loss" not in (k, k[4:]), k)):
            value = logs[name]
            history.setdefault(name, []).append(value)
        if verbose:
            values = " - ".join(f"{k}: {v:.4g}" for k, v in logs.items())
            print(
                f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - start:.3f}s - {values}",
                flush=True,
            )
        if not np.isfinite(logs["loss"]):
            break
        if val_arrays is None:
            continue
        if logs["val_loss"] < best_loss:
            best_loss, best_weights, best_epoch, wait = (
                logs["val_loss"],
                runner.get_weights(),
                epoch,
                0,
            )
        else:
            wait += 1
            if wait >= patience:
                break
    return history, best_weights, best_epoch


class _Runner:
    """A compiled network that trains one epoch per call of ``epoch``.

    A backend's runner supplies ``_train_epoch(arrays, order)`` and
    ``_validate(arrays)``, each returning the metrics of its pass; the
    metrics are reset before each.
    """

    def __init__(self, model, compile_kwargs, batch_size):
        kwargs = dict(compile_kwargs)
        kwargs["optimizer"] = kwargs["optimizer"]()
        model.compile(**kwargs)
        model.optimizer.build(model.trainable_variables)
        self.model = model
        self.batch_size = batch_size
        self._initial_optimizer = _values(model.optimizer.variables)

    def arrays(self, part):
        """The backend tensors of ``(x, y, sample_weight)``, None left out."""
        convert = get_keras().ops.convert_to_tensor
        return tuple(convert(a) for a in _float32_arrays(part))

    def reset(self, model):
        """Start a new fit from the state of ``model``, a new network of the
        same structure: its weights and random generators' states, and a
        fresh optimizer."""
        _assign(self.model.variables, _values(model.variables))
        _assign(self.model.optimizer.variables, self._initial_optimizer)

    def get_weights(self):
        return _values(self.model.weights)

    def epoch(self, arrays, order, val_arrays):
        """Train one epoch on the rows in ``order``; return its metrics."""
        # The metrics are reset between the passes, eagerly: a reset inside
        # a compiled function is not ordered before the loop's updates.
        self.model.reset_metrics()
        logs = _floats(self._train_epoch(arrays, order))
        if val_arrays is not None:
            self.model.reset_metrics()
            val_logs = _floats(self._validate(val_arrays))
            logs.update({"val_" + name: value for name, value in val_logs.items()})
        return logs


class _TensorFlowRunner(_Runner):
    """An epoch is one call of one TF function around ``train_step``."""

    def __init__(self, model, compile_kwargs, batch_size):
        super().__init__(model, compile_kwargs, batch_size)
        self._train_function, self._validate = _compile_epoch(model, batch_size)

    def _train_epoch(self, arrays, order):
        import tensorflow as tf

        return self._train_function(arrays, tf.convert_to_tensor(order))


class _JaxRunner(_Runner):
    """An epoch is one call of one jitted function: Keras's stateless
    ``train_step`` scanned over the batches, the model's state passed in and
    written back to its variables after the call."""

    def __init__(self, model, compile_kwargs, batch_size):
        super().__init__(model, compile_kwargs, batch_size)
        self._train_function, self._validate_function = _jit_epoch(model, batch_size)

    def _state(self, *groups):
        return tuple([v.value for v in variables] for variables in groups)

    def _train_epoch(self, arrays, order):
        model = self.model
        _build_for(model, arrays, self.batch_size)
        groups = (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        )
        logs, state = self._train_function(self._state(*groups), arrays, order)
        for variables, values in zip(groups, state):
            _assign(variables, values)
        return logs

    def _validate(self, arrays):
        model = self.model
        groups = (model.trainable_variables, model.non_trainable_variables, model.metrics_variables)
        return self._validate_function(self._state(*groups), arrays)


class _TorchRunner(_Runner):
    """An epoch is a Python loop of the model's ``train_step`` over the
    batches, eager, as ``Model.fit`` runs it without its per-epoch set-up,
    in one intra-op thread (:func:`_one_torch_thread`)."""

    def epoch(self, arrays, order, val_arrays):
        with _one_torch_thread():
            return super().epoch(arrays, order, val_arrays)

    def _train_epoch(self, arrays, order):
        import torch

        model = self.model
        _build_for(model, arrays, self.batch_size)
        order = torch.as_tensor(order, dtype=torch.int64, device=arrays[0].device)
        model.train()
        try:
            for start in range(0, len(order), self.batch_size):
                index = order[start : start + self.batch_size]
                model.train_step(tuple(a[index] for a in arrays))
        finally:
            model.eval()
        return model.get_metrics_result()

    def _validate(self, arrays):
        import torch

        with torch.no_grad():
            for start in range(0, len(arrays[0]), INFERENCE_BATCH_SIZE):
                self.model.test_step(tuple(a[start : start + INFERENCE_BATCH_SIZE] for a in arrays))
        return self.model.get_metrics_result()


_RUNNERS = {"tensorflow": _TensorFlowRunner, "jax": _JaxRunner, "torch": _TorchRunner}


_torch_threads = {"users": 0, "saved": None, "lock": threading.Lock()}


@contextlib.contextmanager
def _one_torch_thread():
    """Run PyTorch's operations in one intra-op thread, as long as any
    training loop is inside; the thread count set before is restored.

    PyTorch splits every operation over an OpenMP pool of one thread per
    core, and its threads wait for each other at the end of each operation.
    A step of a small network is many operations of microseconds each: when
    the cores are shared (other processes, the other thread pools of this
    one, a search's parallel fits) each operation waits for a descheduled
    thread, and a step costs tens of milliseconds instead of a fraction of
    one. TensorFlow and XLA run such small operations in the calling thread.
    """
    import torch

    state = _torch_threads
    with state["lock"]:
        if state["users"] == 0:
            state["saved"] = torch.get_num_threads()
            torch.set_num_threads(1)
        state["users"] += 1
    try:
        yield
    finally:
        with state["lock"]:
            state["users"] -= 1
            if state["users"] == 0:
                torch.set_num_threads(state["saved"])


def _build_for(model, arrays, batch_size):
    """Create the compiled loss's and metrics' state of ``model`` for batches
    of ``arrays`` before the first step (``Model.fit`` does the same): a
    traced step must not create variables."""
    model._symbolic_build(data_batch=tuple(a[:batch_size] for a in arrays))


def _floats(logs):
    return {name: float(value) for name, value in logs.items()}


def _float32_arrays(part):
    """``(x, y, sample_weight)`` as float32 arrays, ``y=None`` replaced by
    ``x`` and a None ``sample_weight`` left out."""
    x, y, sample_weight = part
    arrays = [x, x if y is None else y]
    if sample_weight is not None:
        arrays.append(sample_weight)
    return tuple(np.asarray(a, dtype=np.float32) for a in arrays)


def _values(variables):
    """NumPy copies of the values of ``variables``."""
    convert = get_keras().ops.convert_to_numpy
    return [np.array(convert(variable)) for variable in variables]


def _assign(variables, values):
    """Give each of ``variables`` the matching one of ``values``."""
    variables = list(variables)
    if len(variables) != len(values):  # pragma: no cover - same builder, same layout
        raise RuntimeError("A cached network does not match the one it replaces.")
    for variable, value in zip(variables, values):
        variable.assign(value)


def _compile_epoch(model, batch_size):
    """The functions running one training epoch and one validation pass of
    ``model``, compiled; each returns the epoch's metrics.

    Each is traced once per layout of its arrays, with the number of rows
    left open, and called as a concrete function: fits on any number of
    rows share one graph, and TensorFlow's retracing warning, which counts
    the traces of every runner's ``train_epoch`` together (one per network
    structure, by design), never sees a call that traced.
    """
    import tensorflow as tf

    def train_epoch(arrays, order):
        n_rows = tf.shape(order)[0]
        n_batches = (n_rows + batch_size - 1) // batch_size
        for i in tf.range(n_batches):
            index = order[i * batch_size : (i + 1) * batch_size]
            model.train_step(tuple(tf.gather(a, index) for a in arrays))
        return model.get_metrics_result()

    def validate(arrays):
        n_rows = tf.shape(arrays[0])[0]
        for start in tf.range(0, n_rows, INFERENCE_BATCH_SIZE):
            model.test_step(tuple(a[start : start + INFERENCE_BATCH_SIZE] for a in arrays))
        return model.get_metrics_result()

    return _traced_once(train_epoch), _traced_once(validate)


def _jit_epoch(model, batch_size):
    """The JAX counterparts of :func:`_compile_epoch`: jitted functions of
    the model's state (the groups of Keras's stateless ``train_step`` and
    ``test_step``) returning the pass's metrics and, for training, the new
    state.

    The full batches of an epoch are one ``lax.scan`` over the step, the
    last, shorter one a step of its own; each function is compiled once per
    number of rows.
    """
    import jax

    def train_epoch(state, arrays, order):
        def step(state, index):
            logs, state = model.train_step(state, tuple(a[index] for a in arrays))
            return state, logs

        n_full = len(order) // batch_size
        if n_full:
            full = order[: n_full * batch_size].reshape(n_full, batch_size)
            state, logs = jax.lax.scan(step, state, full)
            logs = {name: value[-1] for name, value in logs.items()}
        if n_full * batch_size < len(order):
            state, logs = step(state, order[n_full * batch_size :])
        return logs, state

    def validate(state, arrays):
        for start in range(0, len(arrays[0]), INFERENCE_BATCH_SIZE):
            logs, state = model.test_step(
                state, tuple(a[start : start + INFERENCE_BATCH_SIZE] for a in arrays)
            )
        return logs

    return jax.jit(train_epoch), jax.jit(validate)


def _traced_once(fn):
    """``fn`` compiled once per layout of its tensors, any number of rows."""
    import tensorflow as tf

    function = tf.function(fn)
    concrete = {}

    def spec(tensor):
        return tf.TensorSpec((None, *tensor.shape[1:]), tensor.dtype)

    def run(*args):
        specs = tf.nest.map_structure(spec, args)
        key = tuple(tf.nest.flatten(specs))
        if key not in concrete:
            concrete[key] = function.get_concrete_function(*specs)
        return concrete[key](*args)

    return run


class _EpochCache:
    """Compiled epochs kept for the next fit of the same network structure.

    A runner is checked out for the length of one fit, so concurrent fits
    (threads) never share one; at most ``maxsize`` idle runners are kept.
    """

    def __init__(self, maxsize=8):
        self.maxsize = maxsize
        self._idle = OrderedDict()
        self._lock = threading.Lock()

    def checkout(self, key, make):
        if key is not None:
            with self._lock:
                runners = self._idle.get(key)
                if runners:
                    runner = runners.pop()
                    if not runners:
                        del self._idle[key]
                    return runner
        return make()

    def checkin(self, key, runner):
        if key is None:
            return
        with self._lock:
            self._idle.setdefault(key, []).append(runner)
            self._idle.move_to_end(key)
            while sum(len(r) for r in self._idle.values()) > self.maxsize:
                oldest = next(iter(self._idle))
                self._idle[oldest].pop(0)
                if not self._idle[oldest]:
                    del self._idle[oldest]


_CACHE = _EpochCache()
