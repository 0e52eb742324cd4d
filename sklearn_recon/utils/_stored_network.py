"""The network of a loaded detector: scored in NumPy, rebuilt in Keras on first use.

Scoring a network that :mod:`~sklearn_recon.utils._numpy_network` models
needs NumPy only, yet Keras and its backend take seconds and hundreds of
megabytes to import. So :func:`~sklearn_recon.save` stores, beside the Keras
archive, the network's NumPy route (:func:`numpy_route`: the NumPy
version's layer specs and weights, and the Keras network's output on the
parity probe), and :func:`~sklearn_recon.load` rebuilds that route without
Keras, checks it against the stored output (:func:`rebuild_route`) and
keeps the archive (:class:`StoredNetwork`). The Keras network is rebuilt
from it when ``model_`` is first read (:class:`NetworkOnFirstUse`), or the
detector refits. The Keras model stays the definition of the network: the
route was checked against it when it was derived, and is checked again
against its stored output when it is rebuilt.
"""

import contextlib
import os
import tempfile
import threading

import numpy as np

from ._keras import get_keras, outputs_agree
from ._numpy_network import from_spec, probe_input

__all__ = ["NetworkOnFirstUse", "StoredNetwork", "numpy_route", "rebuild_route"]


class StoredNetwork:
    """The network of a loaded detector, as it was read, until first used.

    Pickled as it is, so that a loaded detector pickles, and saves the same
    archive again, without Keras.

    Parameters
    ----------
    archive : bytes
        The Keras archive of the network.

    route : dict
        Its NumPy route, :func:`numpy_route`'s.
    """

    def __init__(self, archive, route):
        self.archive = archive
        self.route = route


class NetworkOnFirstUse:
    """The ``model_`` of a loaded detector whose network was never used.

    A non-data descriptor: a detector that holds ``model_`` (trained or
    rebuilt) never reaches it. For a detector that holds a
    :class:`StoredNetwork` in ``_stored_network``, reading ``model_``
    rebuilds the network from its archive (``_restore_network``, eagerly),
    importing Keras; for any other, ``model_`` is missing, as any fitted attribute of
    an unfitted estimator.
    """

    _lock = threading.RLock()

    def __get__(self, detector, owner=None):
        if detector is None:
            return self
        with self._lock:  # one rebuild, whatever the threads reading
            state = vars(detector)
            if "model_" not in state:
                if "_stored_network" not in state:
                    raise AttributeError(
                        f"{type(detector).__name__!r} object has no attribute 'model_'"
                    )
                with tempfile.TemporaryDirectory() as folder, _eagerly():
                    path = os.path.join(folder, "network.keras")
                    with open(path, "wb") as file:
                        file.write(state["_stored_network"].archive)
                    detector._restore_network(lambda model: model.load_weights(path))
            return state["model_"]


def _eagerly():
    """A context that builds the network eagerly, even inside a function being traced.

    ``model_`` may first be read while TensorFlow traces a graph (the
    exported graph calls ``_network_error``): the network's variables must
    then be created and filled outside the trace, or the graph would hold
    their initial values.
    """
    if get_keras().config.backend() == "tensorflow":
        import tensorflow as tf

        return tf.init_scope()
    return contextlib.nullcontext()


def numpy_route(model, numpy_network, output_fn):
    """The NumPy route of the Keras ``model``, as plain values and arrays.

    Parameters
    ----------
    model : keras.Model
        The trained network.

    numpy_network : NumpyChain or NumpyParts
        Its NumPy version, checked against it already.

    output_fn : callable
        ``output_fn(network, x)``, the output the parity check compares.

    Returns
    -------
    route : dict
        ``"network"``, the NumPy version's spec
        (:func:`~sklearn_recon.utils._numpy_network.from_spec`);
        ``"input_shape"``, the shape of one sample; ``"probe_output"``,
        ``model``'s output on the probe of that shape.
    """
    input_shape = [int(n) for n in model.input_shape[1:]]
    output = output_fn(model, probe_input(input_shape))
    return {
        "network": numpy_network.to_spec(),
        "input_shape": input_shape,
        "probe_output": np.asarray(get_keras().ops.convert_to_numpy(output)),
    }


def rebuild_route(route, output_fn):
    """The NumPy network of :func:`numpy_route`'s ``route``, checked; no Keras needed.

    Raises
    ------
    ValueError
        If the route cannot be rebuilt, or its output on the probe differs
        from the stored one (by the parity check's rule,
        :func:`~sklearn_recon.utils._keras.outputs_agree`).
    """
    try:
        network = from_spec(route["network"])
        output = output_fn(network, probe_input(route["input_shape"]))
        agrees = outputs_agree(output, route["probe_output"])
    except (IndexError, KeyError, NotImplementedError, TypeError, ValueError) as exc:
        raise ValueError(f"its NumPy route cannot be rebuilt ({exc!r})") from None
    if not agrees:
        raise ValueError(
            "its NumPy route does not give the network's output stored with it on "
            "the probe rows: the stored weights or outputs were altered. Refusing to "
            "score with it; fit and save the detector again."
        )
    return network
