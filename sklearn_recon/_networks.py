"""Pure Keras model builders.

Nothing in this module knows about scikit-learn, contamination or thresholds:
each builder takes plain ints, tuples and floats plus a ``seed`` and returns
an uncompiled ``keras.Model``. Every layer that draws random numbers gets its
own seed derived from ``seed``, so a builder called twice with the same
arguments returns two networks with identical weights, and no global random
state is read or written.

Importing this module imports Keras; the estimators import it only when they
build a network.
"""

from .utils._keras import get_keras

keras = get_keras()
layers = keras.layers


class _SeedSequence:
    """Hands out ``seed, seed + 1, ...``: one distinct seed per random layer."""

    def __init__(self, seed):
        self._next = int(seed)

    def __call__(self):
        self._next += 1
        return self._next - 1

    def glorot(self):
        return keras.initializers.GlorotUniform(seed=self())


def _dense_stack(x, units, *, activation, seeds, prefix):
    for i, n_units in enumerate(units):
        x = layers.Dense(
            n_units,
            activation=activation,
            kernel_initializer=seeds.glorot(),
            name=f"{prefix}_{i}",
        )(x)
    return x


def build_dense_autoencoder(
    n_features, *, hidden_units=(32, 16, 8), activation="relu", noise_std=0.0, seed=0
):
    """Build a mirrored dense autoencoder.

    The encoder has one ``Dense`` layer per entry of ``hidden_units``; the
    decoder mirrors it without repeating the bottleneck and ends in a linear
    ``Dense(n_features)``, so ``hidden_units=(32, 16, 8)`` gives the studies'
    ``n-32-16-8-16-32-n`` network.

    Parameters
    ----------
    n_features : int
        Width of the input and of the reconstruction.

    hidden_units : tuple of int, default=(32, 16, 8)
        Width of each encoder layer, the last one being the bottleneck.

    activation : str, default="relu"
        Activation of the hidden layers.

    noise_std : float, default=0.0
        Standard deviation of the Gaussian noise added to the input while
        training (a denoising autoencoder); the layer is inactive at
        inference.

    seed : int, default=0
        Seed of the weight initializers and of the noise.

    Returns
    -------
    model : keras.Model
        Uncompiled model mapping ``(batch, n_features)`` to itself.
    """
    seeds = _SeedSequence(seed)
    inputs = keras.Input(shape=(n_features,), name="x")
    x = inputs
    if noise_std > 0:
        x = layers.GaussianNoise(noise_std, seed=seeds(), name="noise")(x)
    hidden_units = tuple(hidden_units)
    x = _dense_stack(x, hidden_units, activation=activation, seeds=seeds, prefix="encoder")
    x = _dense_stack(
        x, hidden_units[-2::-1], activation=activation, seeds=seeds, prefix="decoder"
    )
    outputs = layers.Dense(n_features, kernel_initializer=seeds.glorot(), name="output")(x)
    return keras.Model(inputs, outputs, name="dense_autoencoder")
