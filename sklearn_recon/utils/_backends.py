"""Compiled inference over fixed-size blocks, one implementation per backend.

:func:`sklearn_recon.utils._keras.compile_inference` picks the function of
the backend Keras runs on. Each returned function takes a float32 NumPy
array of shape ``(n_blocks, block_size, *sample_shape)`` and returns a NumPy
array of shape ``(n_blocks, block_size, ...)``, running the network function
on every block with the same compiled code on the same shape, so that a
row's result depends neither on its block nor on its position in it:

- TensorFlow: one graph maps the function over the blocks (``tf.map_fn``),
  called as a concrete function: one graph execution per call;
- JAX: the function of one block is jitted once (``jax.jit``), then called
  block after block (JAX dispatches asynchronously, so the loop costs
  microseconds per block);
- PyTorch: the function runs eagerly under ``torch.no_grad()``, block after
  block.

Nothing here imports a backend at module level.
"""

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
    """``fn`` jitted for one block, called on each block in turn."""
    import jax

    block_fn = jax.jit(fn)
    # Compile now, on the one shape it will ever see.
    block_fn(np.zeros((block_size, *sample_shape), dtype=np.float32))

    def compiled(blocks):
        outputs = [block_fn(block) for block in blocks]
        return np.stack([np.asarray(output) for output in outputs])

    return compiled


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
