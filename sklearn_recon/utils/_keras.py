"""The Keras runtime of the detectors: access, seeds, training data, inference.

- Keras is imported lazily and its backend checked, never set:
  ``import sklearn_recon`` must stay fast, so nothing here imports Keras (and
  with it TensorFlow, seconds of start-up) at module level; :func:`get_keras` does, when
  a network is built, trained or restored.
- :func:`derive_seed` draws the one seed of a fit; the training loop itself
  lives in :mod:`sklearn_recon.utils._training`.
- Scoring never goes through ``Model.predict`` (its fixed cost per call is
  many times a small network's arithmetic): an
  :class:`InferenceFunctions` holds one function per network function and
  runs it over chunks of ``INFERENCE_BATCH_SIZE`` rows, so memory stays
  bounded whatever the number of rows. A network made of the layers
  :mod:`~sklearn_recon.utils._numpy_network` knows (all of ours) runs in
  float32 NumPy: a graph call costs about a millisecond whatever its size, a
  NumPy product a few microseconds, so one row scores in a fraction of a
  millisecond. Other networks run as one compiled graph per function
  (:func:`compile_inference`), and so does any network on a backend and of
  a kind for which the compiled route measured faster
  (:data:`INFERENCE_ROUTES`). The Keras model is the one definition of the
  network: the NumPy version is derived from it, refuses a network it does
  not model, and is checked against it on a probe of rows when the
  functions are built (:func:`numpy_route_agrees`); on any doubt the network
  is compiled. A network takes one route for every request, whatever its
  number of rows, so its scores never depend on the route. The NumPy route
  holds BLAS to one thread and runs its chunks in the threads BLAS would
  have used (:func:`_numpy_threads`).
- A row's result does not depend on which other rows share its call, as
  scikit-learn's invariance checks expect. A float32 matrix product of
  several rows does not give that by itself: a BLAS computes rows in tiles
  and may round a row differently at another position of its tile (NumPy
  2.4's OpenBLAS on Haswell does, by about 1e-7), or differently for
  another number of rows (a one-row product takes another kernel). So the
  NumPy route computes every row on its own: each product is one BLAS call
  per row, the same call for every row of every request, on operands
  aligned alike (:mod:`~sklearn_recon.utils._numpy_network`); a row's
  result is a function of the row alone, on any BLAS. A compiled graph runs
  the rows in blocks of ``INFERENCE_BLOCK_SIZE`` rows (the last block
  padded): every row then goes through the same compiled code on the same
  shape, and its result depends on no other row as far as the backend's
  kernels round every row of a block alike (TensorFlow's and XLA's CPU
  kernels did in our tests; no library promises it). Any input is scored in
  float32, the dtype the network was trained in.
"""

import contextlib
import functools
import json
import logging
import os
import random
import sys
import threading
import time

import numpy as np
from sklearn.utils import check_random_state

from . import _numpy_network
from ._stderr import native_stderr_filtered

#: The Keras backends the detectors train, score, save and load on.
SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")

#: Rows per inference call: the NumPy route's arrays then stay in the
#: processor's caches (1024 rows scored fastest here, 8192 a quarter slower),
#: a graph call's overhead is spread over four blocks, and scoring any number
#: of rows needs bounded memory.
INFERENCE_BATCH_SIZE = 1024

#: Rows of every block the network runs on: every row is scored inside a block
#: of exactly this size, whatever the number of rows of the call, so that its
#: result does not depend on the other rows. Small enough that scoring one row
#: stays quick, large
#: enough that matrix products run at full speed.
INFERENCE_BLOCK_SIZE = 256

# Seeds are drawn below this bound so that ``seed + i`` (one seed per random
# layer) stays a valid int32 seed for every backend.
_MAX_SEED = np.iinfo(np.int32).max - 2**16


_logger = logging.getLogger(__name__)


def derive_seed(random_state):
    """Draw the one integer seed of a fit from ``random_state``."""
    return int(check_random_state(random_state).randint(_MAX_SEED))


_PYTHON_RANDOM_LOCK = threading.Lock()


@contextlib.contextmanager
def keras_default_seeds(seed):
    """Make Keras's unseeded initializers and layers draw from ``seed``.

    An initializer or random layer created without a seed takes one from
    Python's ``random`` module (``keras.random.make_default_seed``). Inside
    this context that module is seeded with ``seed``, so a network built
    here is the same network every time; Python's random state is restored
    on exit (and held by a lock meanwhile), so no global state changes.
    """
    with _PYTHON_RANDOM_LOCK:
        state = random.getstate()
        random.seed(seed)
        try:
            yield
        finally:
            random.setstate(state)


@functools.cache
def get_keras():
    """Import Keras, quietly, and check that it runs on a supported backend.

    The backend is the user's choice (``KERAS_BACKEND``, as Keras documents
    it; TensorFlow when unset); this library never sets it.

    Unless the user set ``TF_CPP_MIN_LOG_LEVEL``, TensorFlow's C++ log lines
    stay off the standard error stream: the lines its shared libraries write
    while they load, before any setting is read, are filtered out of file
    descriptor 2 during the import, and ``TF_CPP_MIN_LOG_LEVEL=3`` is in the
    environment while TensorFlow reads it (at import; it is removed again
    afterwards), which silences the later ones (``cuInit`` when no GPU is
    found, oneDNN's notes). A ``TF_CPP_MIN_LOG_LEVEL`` set by the user is
    left as it is, and so is everything TensorFlow then writes.

    Returns
    -------
    keras : module
        The imported ``keras`` package.

    Raises
    ------
    ImportError
        If Keras is not installed or runs on a backend this library does not
        support (:data:`SUPPORTED_BACKENDS`).
    """
    # A backend named in the environment is checked before Keras imports it:
    # Keras's NumPy backend, for one, imports JAX and fails without it.
    if "keras" not in sys.modules and os.environ.get("KERAS_BACKEND"):
        _check_backend(os.environ["KERAS_BACKEND"])
    quiet = "TF_CPP_MIN_LOG_LEVEL" not in os.environ and "tensorflow" not in sys.modules
    with contextlib.ExitStack() as stack:
        if quiet:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
            stack.callback(os.environ.pop, "TF_CPP_MIN_LOG_LEVEL", None)
            stack.enter_context(native_stderr_filtered())
        try:
            import keras
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ImportError(
                "sklearn_recon needs Keras 3 and one of its backends: pip install "
                "keras tensorflow (or, from a checkout, pip install '.[jax]' or '.[torch]')"
            ) from exc
        backend = keras.config.backend()
        if quiet and _tensorflow_installed():
            # Read the log level now, inside the filter. On the other backends
            # too: Keras imports TensorFlow whenever it serialises a layer
            # (``get_config``, saving), as every fit and load here does.
            import tensorflow  # noqa: F401
    _check_backend(backend)
    return keras


def _check_backend(backend):
    if backend not in SUPPORTED_BACKENDS:
        raise ImportError(
            f"sklearn_recon supports the Keras backends {SUPPORTED_BACKENDS}, but "
            f"Keras is set to run on {backend!r}. Set the environment variable "
            "KERAS_BACKEND to one of them before importing keras."
        )


def _tensorflow_installed():
    import importlib.util

    return importlib.util.find_spec("tensorflow") is not None


def compile_inference(fn, sample_shape, block_size=None):
    """Compile ``fn`` once to run over any number of fixed-size blocks.

    The compiled function takes float32 input of shape ``(n_blocks,
    block_size, *sample_shape)`` and runs ``fn`` on each block with the same
    compiled code on the same shape, so a row's result depends neither on
    its block nor on its position in it, and a call costs far less than
    ``Model.predict``'s fixed cost. How depends on the backend
    (:mod:`sklearn_recon.utils._backends`): one TensorFlow graph mapping
    ``fn`` over the blocks, ``fn`` jitted once per block shape with JAX, or
    run eagerly without gradients with PyTorch.

    Parameters
    ----------
    fn : callable
        Maps a tensor of shape ``(block_size, *sample_shape)`` to one tensor
        whose first axis has length ``block_size``. It must use
        ``keras.ops`` or layer calls only.

    sample_shape : tuple of int
        The shape of one sample.

    block_size : int, default=None
        Rows per block; None means ``INFERENCE_BLOCK_SIZE``.

    Returns
    -------
    compiled : callable
        Takes a float32 NumPy array of shape ``(n_blocks, block_size,
        *sample_shape)`` and returns a NumPy array of shape ``(n_blocks,
        block_size, ...)``.
    """
    from ._backends import COMPILERS

    backend = get_keras().config.backend()
    block_size = INFERENCE_BLOCK_SIZE if block_size is None else block_size
    return COMPILERS[backend](fn, tuple(sample_shape), block_size)


#: The inference route of each backend for each kind of network
#: (:func:`inference_route`), chosen by measurement: ``python
#: benchmarks/inference_routes.py`` (``benchmarks/RESULTS.md``, "Inference
#: routes per backend").
#: NumPy wherever one row must score in a fraction of a millisecond (the
#: feedforward networks) and wherever the compiled route is slower at every
#: size (PyTorch's eager blocks); JAX's jitted blocks score a recurrent
#: network several times faster from 32 rows up.
INFERENCE_ROUTES = {
    "tensorflow": {"feedforward": "numpy", "recurrent": "numpy"},
    "jax": {"feedforward": "numpy", "recurrent": "compiled"},
    "torch": {"feedforward": "numpy", "recurrent": "numpy"},
}


def configured_backend():
    """The Keras backend of this process, read without importing Keras if it
    is not imported yet: ``KERAS_BACKEND``, else the ``backend`` of Keras's
    configuration file (``$KERAS_HOME/keras.json``, ``~/.keras/keras.json``),
    else TensorFlow, the order in which Keras itself reads them."""
    if "keras" in sys.modules:
        return sys.modules["keras"].config.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    try:
        with open(os.path.join(home, "keras.json")) as file:
            return json.load(file).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def route_of(backend, *, recurrent):
    """The route, "numpy" or "compiled", of a network on ``backend``
    (:data:`INFERENCE_ROUTES`); an unknown backend takes NumPy."""
    kind = "recurrent" if recurrent else "feedforward"
    return INFERENCE_ROUTES.get(backend, INFERENCE_ROUTES["tensorflow"])[kind]


def inference_route(backend, model):
    """The route of ``model`` on ``backend``: "numpy" or "compiled".

    Looked up in :data:`INFERENCE_ROUTES` by the kind of network: recurrent
    if one of its layers is a recurrent layer (``LSTM``, ``GRU``, ... or
    one wrapped in ``Bidirectional``), else feedforward.
    """
    keras = get_keras()
    recurrent = (keras.layers.RNN, keras.layers.Bidirectional)

    def has_recurrent(layers):  # through nested models
        return any(
            isinstance(layer, recurrent) or has_recurrent(getattr(layer, "layers", ()))
            for layer in layers
        )

    return route_of(backend, recurrent=has_recurrent(model.layers))


class InferenceFunctions:
    """The inference functions of one trained network, built on first use.

    The fitted estimator holds one instance; methods that score or
    reconstruct ask it to run a function by name, so scoring never writes
    estimator attributes and each function is built once. A function is
    ``make_fn(network)(x)`` for a batch ``x`` of network inputs: with a
    ``numpy_network`` (the network evaluated in NumPy, see
    :class:`~sklearn_recon.utils._numpy_network.NumpyChain`) ``x`` is a
    float32 NumPy array of any number of rows, each computed on its own;
    otherwise ``network`` is the Keras model and ``make_fn(model)`` is
    compiled (:func:`compile_inference`). The functions must therefore be
    written with :func:`array_ops`, which names the array namespace of ``x``.

    Parameters
    ----------
    model : keras.Model or None
        The trained network; None with a ``numpy_network`` (a loaded
        detector's, checked already), which then needs no Keras.

    numpy_network : object, default=None
        The same network evaluated in NumPy, which the functions then use
        instead of ``model`` for every request.

    check : callable, default=None
        ``check(network)(x)``, the network's output on a batch ``x``: with
        a ``numpy_network``, it runs on a probe of rows on both networks, and the
        NumPy network is used only if they agree
        (:func:`numpy_route_agrees`). None trusts ``numpy_network``.

    route : {"numpy", "compiled"}, default=None
        "numpy" scores on ``numpy_network`` when there is one (and it
        passes the check), "compiled" always in a compiled graph. None takes
        the route :func:`inference_route` gives for the backend and model
        ("numpy" without a ``model``).
    """

    def __init__(self, model, numpy_network=None, check=None, *, route=None):
        if route is None and model is None:
            route = "numpy"
        elif route is None:
            route = inference_route(get_keras().config.backend(), model)
        if route not in ("numpy", "compiled"):
            raise ValueError(f"route must be 'numpy', 'compiled' or None, got {route!r}")
        if route == "compiled" or (
            numpy_network is not None
            and check is not None
            and not numpy_route_agrees(model, numpy_network, check)
        ):
            numpy_network = None
        self._trained = model
        self._numpy = numpy_network
        self._functions = {}
        self._lock = threading.Lock()

    @property
    def numpy_network(self):
        """The NumPy network every request runs on, or None (compiled)."""
        return self._numpy

    def run(self, name, make_fn, x, *, verbose=0):
        """Run the function ``name`` over the rows of ``x``; see :func:`run_batched`."""
        with self._lock:
            if name not in self._functions:
                self._functions[name] = self._build(make_fn)
            fn, block_size = self._functions[name]
        if self._numpy is None:
            return run_batched(fn, x, block_size=block_size, verbose=verbose)
        with _numpy_threads() as n_threads:
            return run_batched(fn, x, block_size=block_size, verbose=verbose, n_threads=n_threads)

    def _build(self, make_fn):
        if self._numpy is not None:
            fn = make_fn(self._numpy)

            def run_rows(blocks):  # blocks of one row: the chain runs row by row
                out = fn(blocks.reshape(len(blocks), *blocks.shape[2:]))
                return out.reshape(len(blocks), 1, *out.shape[1:])

            return run_rows, 1
        model = self._trained
        sample_shape = tuple(model.input_shape[1:])
        return compile_inference(make_fn(model), sample_shape), INFERENCE_BLOCK_SIZE


#: Tolerance of :func:`numpy_route_agrees`, relative to each value and to
#: the largest absolute value of the probe. Both routes compute in float32:
#: our networks' outputs agree to about 1e-6 of their scale (products summed
#: in another order, Keras's own tanh and exp), a hundred times below these
#: bounds, while a route that misreads the network (a layer applied once
#: instead of twice, a missing branch) is off by a sizeable share of it.
PARITY_RTOL = 1e-4
PARITY_ATOL = 1e-5


def numpy_route_agrees(model, numpy_network, make_fn):
    """Whether ``make_fn(numpy_network)`` computes ``make_fn(model)``, on a probe.

    The probe is ``PROBE_ROWS`` rows of standard normal values (fixed
    seed) of the model's input shape, so the decision depends on the
    network alone: a fitted and a loaded detector take the same route.
    ``model`` runs eagerly (no graph to compile); outputs agree if every
    value is finite in both and within ``PARITY_RTOL`` of itself plus
    ``PARITY_ATOL`` of the probe's largest absolute value.

    Parameters
    ----------
    model : keras.Model
        The trained network, the definition.

    numpy_network : object
        Its NumPy version.

    make_fn : callable
        ``make_fn(network)(x)`` is the output to compare for a batch ``x``.

    Returns
    -------
    agrees : bool
    """
    keras = get_keras()
    x = _numpy_network.probe_input(model.input_shape[1:])
    try:
        expected = keras.ops.convert_to_numpy(make_fn(model)(x))
        with _numpy_threads():
            got = make_fn(numpy_network)(x)
    except (NotImplementedError, ValueError) as exc:  # e.g. shapes the NumPy version misreads
        _logger.debug("NumPy route refused (%s); scoring in a compiled graph", exc)
        return False
    return outputs_agree(got, expected)


def outputs_agree(got, expected):
    """Whether the NumPy route's output ``got`` matches the network's ``expected``.

    Both finite, of one shape, and every value within ``PARITY_RTOL`` of
    itself plus ``PARITY_ATOL`` of the largest absolute value of
    ``expected``: the rule of :func:`numpy_route_agrees`, also applied when
    a loaded detector checks its stored NumPy route against the outputs
    stored with it. Needs no Keras.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape or not (np.isfinite(got).all() and np.isfinite(expected).all()):
        _logger.debug("NumPy route refused (shape or non-finite output)")
        return False
    scale = float(np.max(np.abs(expected), initial=0.0))
    error = np.abs(got - expected) - PARITY_RTOL * np.abs(expected)
    agrees = bool(np.all(error <= PARITY_ATOL * scale))
    if not agrees:
        _logger.debug(
            "NumPy route differs from the network by up to %.3g (scale %.3g); "
            "scoring in a compiled graph",
            float(np.max(np.abs(got - expected))),
            scale,
        )
    return agrees


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_numpy_threads_lock = threading.Lock()
_numpy_threads_state = {"users": 0, "limiter": None, "n_threads": 1}


@contextlib.contextmanager
def _numpy_threads():
    """Hold BLAS to one thread during NumPy inference; yield the threads it had.

    The NumPy route's products are small, one per row: BLAS threads cost
    more than they bring there, and far more when the cores are busy. The
    threads BLAS may use (its setting, which ``threadpoolctl``, joblib's
    workers and ``OMP_NUM_THREADS`` control) go to whole chunks of rows
    instead. Requests running at once (several threads scoring) share one
    limit, and the last to finish restores BLAS's setting.
    """
    state = _numpy_threads_state
    with _numpy_threads_lock:
        if state["users"] == 0:
            blas = _blas_controller().select(user_api="blas")
            state["n_threads"] = max([lib.num_threads for lib in blas.lib_controllers], default=1)
            state["limiter"] = blas.limit(limits=1)
        state["users"] += 1
        n_threads = state["n_threads"]
    try:
        yield n_threads
    finally:
        with _numpy_threads_lock:
            state["users"] -= 1
            if state["users"] == 0:
                state["limiter"].restore_original_limits()
                state["limiter"] = None


def array_ops(*arrays):
    """The operations for ``arrays``: NumPy if all are NumPy arrays, else ``keras.ops``.

    Inference functions written with it (``ops.abs``, ``ops.square``,
    ``ops.mean``, ...) run both in the compiled graph and on the NumPy route,
    so every score is defined once. Pass the network's output too: a NumPy
    input to a Keras network (an eager call) gives tensors.
    """
    return np if all(isinstance(a, np.ndarray) for a in arrays) else get_keras().ops


def run_batched(fn, x, *, block_size=None, verbose=0, n_threads=1):
    """Apply ``fn`` to ``x`` in fixed-size blocks and gather its output.

    The rows are cast to float32 one chunk of ``INFERENCE_BATCH_SIZE`` rows
    at a time, the chunk padded with zero rows to whole blocks of
    ``block_size`` rows (default ``INFERENCE_BLOCK_SIZE``), so memory beyond
    the input and the output stays bounded and every row is computed in a
    block of the same size (the NumPy route's blocks are single rows, which
    need no padding). With ``n_threads`` above 1, that many chunks run
    at once, in threads (``fn`` must release the GIL in its arithmetic, as
    NumPy does). With ``verbose`` truthy, a line of progress goes to stderr
    about every tenth of the rows when there are several chunks.
    """
    block_size = INFERENCE_BLOCK_SIZE if block_size is None else block_size
    chunk_size = INFERENCE_BATCH_SIZE
    n_samples = x.shape[0]
    progress = _Progress(n_samples) if verbose and n_samples > chunk_size else None

    def run_chunk(start):
        with np.errstate(over="ignore"):  # values beyond float32: reported as inf
            chunk = np.asarray(x[start : start + chunk_size], dtype=np.float32)
        n_rows = len(chunk)
        n_blocks = max(1, -(-n_rows // block_size))
        padded = np.zeros((n_blocks * block_size, *x.shape[1:]), dtype=np.float32)
        padded[:n_rows] = chunk
        part = fn(padded.reshape(n_blocks, block_size, *x.shape[1:]))
        return part.reshape(n_blocks * block_size, *part.shape[2:])[:n_rows]

    starts = range(0, max(n_samples, 1), chunk_size)
    n_threads = min(n_threads, len(starts))
    with contextlib.ExitStack() as stack:
        if n_threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            executor = stack.enter_context(ThreadPoolExecutor(n_threads))
            parts = executor.map(run_chunk, starts)
        else:
            parts = map(run_chunk, starts)
        out = None
        for start, part in zip(starts, parts):
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
