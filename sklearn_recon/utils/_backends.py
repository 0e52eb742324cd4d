"""Compiled inference over fixed-size blocks, one implementation per backend.

:func:`sklearn_recon.utils._keras.compile_inference` picks the function of
the backend Keras runs on. Each returned function takes a float32 NumPy
array of shape ``(n_blocks, block_size, *sample_shape)`` and returns a NumPy
array of shape ``(n_blocks, block_size, ...)``, running the network function
on every block with the same compiled code on the same shape, so that a
row's result depends neither on its block nor on its position in it:

- TensorFlow: one graph maps the function over the blocks (``tf.map_fn``),
  called as a concrete function: one graph execution per call;
- JAX: the function of one block is jitted (``jax.jit``), with the
  network's weights as arguments so that networks of one structure share
  the compiled code, then called block after block (JAX dispatches
  asynchronously, so the loop costs microseconds per block);
- PyTorch: the function runs eagerly under ``torch.no_grad()``, block after
  block.

Nothing here imports a backend at module level.
"""

import threading

import numpy as np


def compile_tensorflow(fn, sample_shape, block_size):
    """One TensorFlow graph mapping ``fn`` over the blocks of a call."""
    import tensorflow as tf

    block_spec = tf.TensorSpec((block_size, *sample_shape), "float32")
    output = tf.function(fn, autograph=False).get_concrete_function(block_spec)
    output_spec = tf.TensorSpec.from_tensor(output.outputs[0])

    def run_blocks(blocks):
        return tf.map_fn(fn, blocks, fn_output_signature=output_spec)

    graph_fn = tf.function(
        run_blocks,
        input_signature=[tf.TensorSpec((None, block_size, *sample_shape), "float32")],
        autograph=False,
    ).get_concrete_function()  # calling it directly halves the per-call cost

    def compiled(blocks):
        return graph_fn(tf.convert_to_tensor(blocks)).numpy()

    return compiled


def compile_jax(fn, sample_shape, block_size):
    """``fn`` jitted for one block, called on each block in turn.

    ``fn`` closes over the trained weights. Traced, its weights are the
    constants of its jaxpr; the jitted function takes them as arguments, so
    networks of one structure (a refit, the folds of a search, a loaded
    copy) share one compiled executable (:data:`_JAX_EXECUTABLES`) instead
    of compiling the same program around other constants.
    """
    import jax
    from jax.extend.core import ClosedJaxpr, jaxpr_as_fun

    example = jax.ShapeDtypeStruct((block_size, *sample_shape), np.float32)
    traced = jax.make_jaxpr(fn)(example)
    key = str(traced.jaxpr)
    with _JAX_LOCK:
        block_fn = _JAX_EXECUTABLES.pop(key, None)
        if block_fn is None:
            jaxpr = traced.jaxpr

            def run(consts, block):
                return jaxpr_as_fun(ClosedJaxpr(jaxpr, consts))(block)[0]

            block_fn = jax.jit(run)
        _JAX_EXECUTABLES[key] = block_fn  # the most recent last
        while len(_JAX_EXECUTABLES) > _JAX_MAX_EXECUTABLES:
            _JAX_EXECUTABLES.pop(next(iter(_JAX_EXECUTABLES)))
    consts = list(traced.consts)

    def compiled(blocks):
        outputs = [block_fn(consts, block) for block in blocks]
        return np.stack([np.asarray(output) for output in outputs])

    return compiled


#: Jitted block functions by the structure of the program they run; the
#: oldest is dropped beyond ``_JAX_MAX_EXECUTABLES``.
_JAX_EXECUTABLES = {}
_JAX_MAX_EXECUTABLES = 64
_JAX_LOCK = threading.Lock()


def compile_torch(fn, sample_shape, block_size):
    """``fn`` run eagerly without gradients, on each block in turn."""
    import torch
    from keras import ops

    def compiled(blocks):
        with torch.no_grad():
            return np.stack(
                [ops.convert_to_numpy(fn(ops.convert_to_tensor(block))) for block in blocks]
            )

    return compiled


COMPILERS = {
    "tensorflow": compile_tensorflow,
    "jax": compile_jax,
    "torch": compile_torch,
}
