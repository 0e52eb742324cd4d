"""Trained Keras layers evaluated in float32 NumPy: the fast scoring route.

A compiled graph call costs about a millisecond whatever its size, and a
recurrent network's graph runs hundreds of small operations a call; NumPy
runs the same products in microseconds. :class:`NumpyChain` evaluates a
network that is a chain of the layers our builders use (``Dense``,
``Conv1D``, ``LSTM``, ``GRU``, ``Bidirectional``, ``RepeatVector``,
``Reshape``, ``Cropping1D``, ``TimeDistributed(Dense)``, and the noise and
dropout layers, which pass their input through at inference), with Keras's
formulas and the trained weights.

The Keras model stays the definition of the network; the chain is a cache
derived from it, and refuses what it does not model rather than guess
(:meth:`NumpyChain.of`): a model that is not a plain chain (a layer used
twice, a branch, a merge, an operation between layers, several inputs or
outputs, a subclassed model's own ``call``), a layer of another type than
those above (a subclass of ``Dense`` included: its ``call`` may differ), an
option those layers' NumPy versions do not implement, or a dtype policy
other than float32. The caller then scores in a compiled graph;
:class:`~sklearn_recon.utils._keras.InferenceFunctions` also runs a probe of
``PROBE_ROWS`` rows both ways when it is built and keeps the chain only if
the two agree.

Each layer is first read into a spec of plain values and float32 arrays
(:func:`layer_spec`), and its NumPy function is made from the spec alone
(:func:`layer_function`): :func:`~sklearn_recon.save` stores a network's
specs (``to_spec``) and :func:`~sklearn_recon.load` rebuilds the chain from
them (:func:`from_spec`) without importing Keras.

Every matrix product runs one sample at a time (:func:`_product`): NumPy's
``matmul`` over a stack of samples makes one BLAS call per sample (a
matrix-vector product for a ``Dense`` layer, a product of the sample's time
steps with the kernel for a sequence layer), always the same call with the
same shapes and strides, each sample's operands copied to 64-byte aligned
memory. A sample's result is then a function of that sample alone: it does
not depend on the other rows of the request nor on its position among them.
Products of several samples at once do not have this property: a BLAS
computes the rows of a matrix product in tiles and may round a row
differently at another position in its tile (OpenBLAS 0.3.31 on Haswell, in
NumPy 2.4's wheels, rounds ``(32, k) @ (k, p)`` differently for rows 0-5 and
12-17, 6-11 and 18-23, and 24-31), and some BLAS libraries round differently
at other memory alignments (Intel MKL without its reproducibility mode).
Everything else the chain does is elementwise (NumPy's vectorised ``tanh``
or ``exp`` give an element the same result at any position of an array, as
``tests/test_numpy_network.py`` checks through whole networks) or gathers
values.
"""

import ctypes
import math

import numpy as np

#: Rows of the probe that checks a chain against its Keras model
#: (:func:`~sklearn_recon.utils._keras.numpy_route_agrees`).
PROBE_ROWS = 32


def probe_input(sample_shape):
    """The probe of ``PROBE_ROWS`` rows of shape ``sample_shape``, float32.

    Standard normal values of a fixed seed, so the probe, and the decision
    whether the NumPy route computes the network, depend on the network
    alone: a fitted and a loaded detector take the same route.
    """
    shape = (PROBE_ROWS, *(int(n) for n in sample_shape))
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


#: Bytes every sample's operands of a product are aligned to: a cache line,
#: the widest vector register (AVX-512).
_ALIGNMENT = 64
_FLOAT32 = np.dtype(np.float32)


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # no overflow warning for large |x|


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _gelu(x):
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)).astype(x.dtype))


#: Keras's activations (``keras.activations``, default arguments) in NumPy.
ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, np.float32(0.2) * x),
    "elu": _elu,
    "selu": lambda x: np.float32(1.0507009873554805) * _elu(x, np.float32(1.6732632423543772)),
    "gelu": _gelu,
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
}


def _product(x, kernel):
    """``x @ kernel``, one matrix product per sample (the first axis).

    Each sample's operand (its values, the time steps of a sequence one
    after the other) and its result start on a 64-byte boundary, so every
    sample's BLAS call is the same call, whatever the number of samples and
    the sample's position among them. The result is a view of aligned memory.
    """
    n_samples, n_in, n_out = x.shape[0], x.shape[-1], kernel.shape[-1]
    n_steps = math.prod(x.shape[1:-1])
    # bytes per sample, in whole 64-byte lines; all operands, then all results
    operand_stride = -(-4 * n_steps * n_in // _ALIGNMENT) * _ALIGNMENT
    result_stride = -(-4 * n_steps * n_out // _ALIGNMENT) * _ALIGNMENT
    operands_end = n_samples * operand_stride
    memory = np.empty(operands_end + n_samples * result_stride + _ALIGNMENT, np.uint8)
    start = -ctypes.addressof(ctypes.c_char.from_buffer(memory)) % _ALIGNMENT
    operand = np.ndarray(
        (n_samples, n_steps, n_in), _FLOAT32, memory, start, (operand_stride, 4 * n_in, 4)
    )
    result = np.ndarray(
        (n_samples, n_steps, n_out),
        _FLOAT32,
        memory,
        start + operands_end,
        (result_stride, 4 * n_out, 4),
    )
    np.copyto(operand, x.reshape(operand.shape))
    np.matmul(operand, kernel, out=result)
    return result.reshape(*x.shape[:-1], n_out)


def _weights(layer):
    return [np.asarray(weight, dtype=np.float32) for weight in layer.get_weights()]


def _activation(name):
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise NotImplementedError(f"no NumPy version of the activation {name!r}")
    return ACTIVATIONS[name]


# --------------------------------------------------- Keras layer -> spec


def layer_spec(layer):
    """What the NumPy version of the Keras ``layer`` needs, as plain values.

    The spec is a dict of the layer's type (``"layer"``), its options
    (strings, numbers, lists) and its trained weights (``"weights"``,
    float32 arrays): :func:`layer_function` computes the layer from it
    without Keras, so a saved spec scores in a process that never imports
    Keras. Layers are matched by their exact type: a subclass may change
    ``call``.

    Returns
    -------
    spec : dict or None
        None for a layer that passes its input through at inference.

    Raises
    ------
    NotImplementedError
        If the layer, or one of its options, has no NumPy version here.
    """
    import keras  # loaded already: the layer is a Keras layer

    layers = keras.layers
    kind = type(layer)
    if getattr(layer.dtype_policy, "name", "float32") != "float32":
        raise NotImplementedError(f"the layer {layer.name} computes in {layer.dtype_policy.name}")
    config = layer.get_config()
    if kind in (layers.InputLayer, layers.GaussianNoise, layers.Dropout):
        return None  # nothing at inference
    if kind is layers.Dense:
        _activation(config["activation"])
        return {"layer": "Dense", "activation": config["activation"], "weights": _weights(layer)}
    if kind is layers.Conv1D:
        if (
            config["padding"] not in ("same", "valid")
            or tuple(config["dilation_rate"]) != (1,)
            or config.get("groups", 1) != 1
            or config.get("data_format", "channels_last") != "channels_last"
        ):
            raise NotImplementedError(
                "Conv1D with causal padding, dilation, groups or channels first"
            )
        _activation(config["activation"])
        return {
            "layer": "Conv1D",
            "activation": config["activation"],
            "padding": config["padding"],
            "stride": int(config["strides"][0]),
            "weights": _weights(layer),
        }
    if kind in (layers.LSTM, layers.GRU):
        if config.get("return_state") or config.get("stateful"):
            raise NotImplementedError("a stateful or state-returning recurrent layer")
        if kind is layers.GRU and not config["reset_after"]:
            raise NotImplementedError("a GRU with reset_after=False")
        _activation(config["activation"])
        _activation(config["recurrent_activation"])
        return {
            "layer": kind.__name__,
            **{
                key: config[key]
                for key in (
                    "activation",
                    "recurrent_activation",
                    "go_backwards",
                    "return_sequences",
                )
            },
            "weights": _weights(layer),
        }
    if kind is layers.Bidirectional:
        if config["merge_mode"] != "concat":
            raise NotImplementedError(f"Bidirectional with merge_mode={config['merge_mode']!r}")
        forward, backward = layer.forward_layer, layer.backward_layer
        if type(forward) not in (layers.LSTM, layers.GRU) or type(backward) is not type(forward):
            raise NotImplementedError("Bidirectional of other layers than LSTM or GRU")
        return {
            "layer": "Bidirectional",
            "forward": layer_spec(forward),
            "backward": layer_spec(backward),
        }
    if kind is layers.TimeDistributed and type(layer.layer) is layers.Dense:
        return layer_spec(layer.layer)  # a Dense maps the last axis of every step already
    if kind is layers.RepeatVector:
        return {"layer": "RepeatVector", "n": int(config["n"])}
    if kind is layers.Reshape:
        return {
            "layer": "Reshape",
            "target_shape": [int(n) for n in config["target_shape"]],
            "input_ndim": len(layer.input.shape) - 1,  # without the batch axis
        }
    if kind is layers.Cropping1D:
        return {"layer": "Cropping1D", "cropping": [int(n) for n in config["cropping"]]}
    raise NotImplementedError(f"no NumPy version of the layer {kind.__name__}")


# ------------------------------------------------ spec -> NumPy function


def _affine(kernel, bias, activation):
    """``activation(x @ kernel + bias)``: a Dense layer, the core of a Conv1D."""

    def affine(x):
        x = _product(x, kernel)
        if bias:
            x += bias[0]
        return activation(x)

    return affine


def _dense(spec):
    kernel, *bias = spec["weights"]
    return _affine(kernel, bias, _activation(spec["activation"]))


def _conv1d(spec):
    """A ``Conv1D`` as a product of the gathered windows with the kernel."""
    kernel, *bias = spec["weights"]
    width, n_in, n_out = kernel.shape
    stride, padding = spec["stride"], spec["padding"]
    if padding not in ("same", "valid"):
        raise NotImplementedError(f"Conv1D with padding={padding!r}")
    affine = _affine(kernel.reshape(width * n_in, n_out), bias, _activation(spec["activation"]))

    def conv1d(x):
        n_steps = x.shape[-2]
        if padding == "same":  # TensorFlow's rule: the extra pad goes right
            n_out_steps = -(-n_steps // stride)
            pad = max((n_out_steps - 1) * stride + width - n_steps, 0)
            widths = [(0, 0)] * (x.ndim - 2) + [(pad // 2, pad - pad // 2), (0, 0)]
            x = np.pad(x, widths)
        else:
            n_out_steps = (n_steps - width) // stride + 1
        starts = np.arange(n_out_steps)[:, None] * stride + np.arange(width)[None, :]
        windows = x[..., starts, :]  # (..., n_out_steps, width, n_in)
        return affine(windows.reshape(*windows.shape[:-2], width * n_in))

    return conv1d


def _recurrent(spec):
    """An ``LSTM`` or ``GRU`` layer run over the steps of its input."""
    activation = _activation(spec["activation"])
    recurrent_activation = _activation(spec["recurrent_activation"])
    kernel, recurrent_kernel, *bias = spec["weights"]
    n_units = recurrent_kernel.shape[0]
    kind = spec["layer"]
    if kind == "LSTM" and (spec["activation"], spec["recurrent_activation"]) == ("tanh", "sigmoid"):
        # Gates reordered to i, f, o, c and the sigmoid gates' columns halved
        # (exact in floating point): one tanh then gives every gate, as
        # sigmoid(x) = (tanh(x / 2) + 1) / 2 is how ACTIVATIONS computes it.
        order = np.r_[0 : 2 * n_units, 3 * n_units : 4 * n_units, 2 * n_units : 3 * n_units]
        scale = np.r_[np.full(3 * n_units, 0.5), np.ones(n_units)].astype(np.float32)
        kernel = kernel[:, order] * scale
        recurrent_kernel = recurrent_kernel[:, order] * scale
        input_bias = bias[0][order] * scale if bias else None
        step = _fused_lstm_step(recurrent_kernel, n_units)
        n_states = 2
    elif kind == "LSTM":
        step = _lstm_step(recurrent_kernel, n_units, activation, recurrent_activation)
        input_bias = bias[0] if bias else None
        n_states = 2
    elif kind == "GRU":  # reset_after=True, Keras's default
        step = _gru_step(recurrent_kernel, bias, n_units, activation, recurrent_activation)
        input_bias = bias[0][0] if bias else None
        n_states = 1
    else:
        raise NotImplementedError(f"the recurrent layer {kind}")
    go_backwards, return_sequences = spec["go_backwards"], spec["return_sequences"]

    def recurrent(x):
        if go_backwards:  # Keras returns its sequences in this order too
            x = x[..., ::-1, :]
        inputs = _product(x, kernel)  # every step's input product at once
        if input_bias is not None:
            inputs += input_bias
        states = [np.zeros((*x.shape[:-2], n_units), np.float32) for _ in range(n_states)]
        outputs = []
        for t in range(x.shape[-2]):
            states = step(inputs[..., t, :], states)
            outputs.append(states[0])
        return np.stack(outputs, axis=-2) if return_sequences else states[0]

    return recurrent


def _lstm_step(recurrent_kernel, n_units, activation, recurrent_activation):
    def step(inputs, states):
        h, c = states
        z = inputs + _product(h, recurrent_kernel)  # gates i, f, c, o
        i = recurrent_activation(z[..., :n_units])
        f = recurrent_activation(z[..., n_units : 2 * n_units])
        g = activation(z[..., 2 * n_units : 3 * n_units])
        o = recurrent_activation(z[..., 3 * n_units :])
        c = f * c + i * g
        return [o * activation(c), c]

    return step


def _fused_lstm_step(recurrent_kernel, n_units):
    def step(inputs, states):
        h, c = states
        z = _product(h, recurrent_kernel)  # gates i, f, o (halved), c
        z += inputs
        np.tanh(z, out=z)
        gates = z[..., : 3 * n_units]
        gates += 1.0
        gates *= 0.5
        c = z[..., n_units : 2 * n_units] * c + z[..., :n_units] * z[..., 3 * n_units :]
        h = np.tanh(c)
        h *= z[..., 2 * n_units : 3 * n_units]
        return [h, c]

    return step


def _gru_step(recurrent_kernel, bias, n_units, activation, recurrent_activation):
    recurrent_bias = bias[0][1] if bias else 0.0

    def step(inputs, states):
        (h,) = states
        inner = _product(h, recurrent_kernel) + recurrent_bias  # gates z, r, h (reset after)
        z = recurrent_activation(inputs[..., :n_units] + inner[..., :n_units])
        r = recurrent_activation(
            inputs[..., n_units : 2 * n_units] + inner[..., n_units : 2 * n_units]
        )
        candidate = activation(inputs[..., 2 * n_units :] + r * inner[..., 2 * n_units :])
        return [z * h + (1.0 - z) * candidate]

    return step


def _bidirectional(spec):
    forward = _recurrent(spec["forward"])
    backward = _recurrent(spec["backward"])  # reads its input backwards
    sequences = spec["backward"]["return_sequences"]

    def bidirectional(x):
        back = backward(x)
        if sequences:  # Bidirectional puts the backward sequences in time order
            back = back[..., ::-1, :]
        return np.concatenate([forward(x), back], axis=-1)

    return bidirectional


def _repeat_vector(spec):
    n = spec["n"]
    return lambda x: np.repeat(x[..., None, :], n, axis=-2)


def _reshape(spec):
    shape, input_ndim = tuple(spec["target_shape"]), spec["input_ndim"]
    return lambda x: x.reshape(*x.shape[: x.ndim - input_ndim], *shape)


def _cropping1d(spec):
    start, end = spec["cropping"]
    return lambda x: x[..., start : x.shape[-2] - end, :]


_LAYER_FUNCTIONS = {
    "Dense": _dense,
    "Conv1D": _conv1d,
    "LSTM": _recurrent,
    "GRU": _recurrent,
    "Bidirectional": _bidirectional,
    "RepeatVector": _repeat_vector,
    "Reshape": _reshape,
    "Cropping1D": _cropping1d,
}


def layer_function(spec):
    """The NumPy function of the layer of :func:`layer_spec` ``spec``; no Keras needed.

    Raises
    ------
    NotImplementedError
        If ``spec`` names a layer or an option that has no NumPy version.
    """
    if spec["layer"] not in _LAYER_FUNCTIONS:
        raise NotImplementedError(f"no NumPy version of the layer {spec['layer']!r}")
    return _LAYER_FUNCTIONS[spec["layer"]](spec)


def chain_layers(model):
    """The layers of ``model`` in the order they apply, if it is a plain chain.

    A plain chain has one input and one output, and each of its layers,
    listed once, takes exactly the output of the layer before it (the first
    takes the model's input; the last one's output is the model's output).
    A layer called twice cannot pass: ``layer.input`` and ``layer.output``
    are those of its first call, so the output of its second call is no
    layer's input and not the model's output. Nor can a branch or a merge
    (a layer whose input is not the previous output, or a list), nor an
    operation between layers (``x * 2`` is no layer).

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model.

    Returns
    -------
    layers : list of keras.layers.Layer
        Its layers, input side first, without its ``InputLayer``.

    Raises
    ------
    NotImplementedError
        If ``model`` is not a plain chain; the message says where.
    """
    import keras  # loaded already: the model is a Keras model

    try:
        inputs, outputs = list(model.inputs), list(model.outputs)
    except AttributeError:  # a subclassed model: its call is its own code
        raise NotImplementedError(f"{type(model).__name__} has no symbolic inputs") from None
    if len(inputs) != 1 or len(outputs) != 1:
        raise NotImplementedError("a model of several inputs or outputs")
    chain, seen, tensor = [], set(), inputs[0]
    for layer in model.layers:
        if type(layer) is keras.layers.InputLayer and layer.output is tensor and not chain:
            continue
        if id(layer) in seen:
            raise NotImplementedError(f"the layer {layer.name} is used twice")
        seen.add(id(layer))
        if layer.input is not tensor:
            raise NotImplementedError(
                f"the layer {layer.name} does not take the output of the layer before it"
            )
        chain.append(layer)
        tensor = layer.output
    if tensor is not outputs[0]:
        raise NotImplementedError("the model's output is not its last layer's output")
    return chain


class NumpyChain:
    """Keras layers one after the other, evaluated in float32 NumPy.

    Parameters
    ----------
    specs : list of dict
        The :func:`layer_spec` of each trained layer, input side first, each
        taking the previous one's output.

    Attributes
    ----------
    specs : list of dict
        The specs, what :meth:`to_spec` stores.

    Raises
    ------
    NotImplementedError
        If a layer or one of its options has no NumPy version here; the
        network is then scored in a compiled graph.

    Notes
    -----
    The constructor trusts the caller that the layers form a chain (the
    VAE's encoder and decoder are chains inside a larger network);
    :meth:`of` checks it from the model's graph.
    """

    def __init__(self, specs):
        self.specs = list(specs)
        self._functions = [layer_function(spec) for spec in self.specs]

    @classmethod
    def of_layers(cls, layers):
        """The chain of the trained Keras ``layers`` (input side first)."""
        return cls([spec for spec in map(layer_spec, layers) if spec is not None])

    @classmethod
    def of(cls, model):
        """The chain of ``model``'s layers, or None if it is no plain chain of known layers.

        See :func:`chain_layers` for what a plain chain is.
        """
        try:
            return cls.of_layers(chain_layers(model))
        except NotImplementedError:
            return None

    def __call__(self, x, training=False):
        """The chain's output on the samples ``x`` (float32, first axis)."""
        for fn in self._functions:
            x = fn(x)
        return x

    def to_spec(self):
        """The chain as plain values and arrays; :func:`from_spec` rebuilds it."""
        return {"chain": self.specs}


class NumpyParts:
    """Named chains of one network, e.g. a VAE's encoder and decoder.

    Parameters
    ----------
    **chains : NumpyChain
        Each part, an attribute of the same name.
    """

    def __init__(self, **chains):
        if not all(
            name.isidentifier() and not name.startswith("_") and name != "parts" for name in chains
        ):
            raise NotImplementedError(f"bad part names {sorted(chains)}")
        self.parts = chains
        vars(self).update(chains)

    def to_spec(self):
        """The parts as plain values and arrays; :func:`from_spec` rebuilds them."""
        return {"parts": {name: chain.to_spec() for name, chain in self.parts.items()}}


def spec_is_recurrent(spec):
    """Whether the network of ``to_spec()``'s ``spec`` has a recurrent layer."""
    if isinstance(spec, dict):
        return spec.get("layer") in _RECURRENT_SPECS or any(
            spec_is_recurrent(value) for value in spec.values()
        )
    if isinstance(spec, list):
        return any(spec_is_recurrent(value) for value in spec)
    return False


_RECURRENT_SPECS = ("LSTM", "GRU", "Bidirectional")


def from_spec(spec):
    """The NumPy network of ``to_spec()``'s ``spec``, built without Keras.

    Raises
    ------
    NotImplementedError
        If ``spec`` is not what :meth:`NumpyChain.to_spec` or
        :meth:`NumpyParts.to_spec` give.
    """
    if isinstance(spec, dict) and list(spec) == ["chain"]:
        return NumpyChain(spec["chain"])
    if isinstance(spec, dict) and list(spec) == ["parts"]:
        return NumpyParts(**{name: from_spec(part) for name, part in spec["parts"].items()})
    raise NotImplementedError("not the spec of a NumPy network")
