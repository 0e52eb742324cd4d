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
    n_features, *, hidden_units=(64, 32, 16), activation="relu", noise_std=0.0, seed=0
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

    hidden_units : tuple of int, default=(64, 32, 16)
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


# ---------------------------------------------------------------- recurrent


def _recurrent_layer(cell, n_units, *, return_sequences, seeds, name):
    """One LSTM or GRU layer with seeded initializers."""
    recurrent = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]
    return recurrent(
        n_units,
        return_sequences=return_sequences,
        kernel_initializer=seeds.glorot(),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seeds()),
        seed=seeds(),
        name=name,
    )


def _recurrent_stack(x, units, *, cell, last_returns_sequences, seeds, prefix):
    for i, n_units in enumerate(units):
        last = i == len(units) - 1
        x = _recurrent_layer(
            cell,
            n_units,
            return_sequences=last_returns_sequences or not last,
            seeds=seeds,
            name=f"{prefix}_{i}",
        )(x)
    return x


def _strided_conv(conv, filters, stride, seeds, name):
    """A ReLU ``Conv1D`` or ``Conv1DTranspose`` of stride ``stride``."""
    return conv(
        filters,
        2 * stride,
        strides=stride,
        padding="same",
        activation="relu",
        kernel_initializer=seeds.glorot(),
        name=name,
    )


def build_lstm_autoencoder(
    n_timesteps,
    n_channels,
    *,
    units=(64,),
    cell="lstm",
    downsample=1,
    conv_filters=32,
    noise_std=0.0,
    seed=0,
):
    """Build a sequence-to-sequence recurrent autoencoder.

    The studies' architecture: a recurrent encoder whose last state is the
    code, ``RepeatVector`` to give the code back a time axis, a recurrent
    decoder, and a ``TimeDistributed(Dense(n_channels))`` output. With
    ``downsample > 1`` a strided ``Conv1D`` front end first shortens the
    sequence ``downsample`` times and a ``Conv1DTranspose`` back end
    lengthens the decoder's output again, so the recurrent layers run over
    ``ceil(n_timesteps / downsample)`` steps only.

    Parameters
    ----------
    n_timesteps : int
        Length of each sequence.

    n_channels : int
        Values per time step.

    units : tuple of int, default=(64,)
        Width of each encoder layer, the last one being the code; the
        decoder mirrors the encoder.

    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.

    downsample : int, default=1
        Stride of the convolutional front end; 1 leaves it out.

    conv_filters : int, default=32
        Filters of the convolutional front and back ends.

    noise_std : float, default=0.0
        Standard deviation of the Gaussian noise added to the input while
        training.

    seed : int, default=0
        Seed of the initializers, the recurrent dropout machinery and the
        noise.

    Returns
    -------
    model : keras.Model
        Uncompiled model mapping ``(batch, n_timesteps, n_channels)`` to
        itself.
    """
    seeds = _SeedSequence(seed)
    inputs = keras.Input(shape=(n_timesteps, n_channels), name="x")
    x = inputs
    if noise_std > 0:
        x = layers.GaussianNoise(noise_std, seed=seeds(), name="noise")(x)
    n_steps = n_timesteps
    if downsample > 1:
        x = _strided_conv(layers.Conv1D, conv_filters, downsample, seeds, "conv_in")(x)
        n_steps = -(-n_timesteps // downsample)
    units = tuple(units)
    x = _recurrent_stack(
        x, units, cell=cell, last_returns_sequences=False, seeds=seeds, prefix="encoder"
    )
    x = layers.RepeatVector(n_steps, name="repeat")(x)
    x = _recurrent_stack(
        x, units[::-1], cell=cell, last_returns_sequences=True, seeds=seeds, prefix="decoder"
    )
    if downsample > 1:
        x = _strided_conv(
            layers.Conv1DTranspose, conv_filters, downsample, seeds, "conv_out"
        )(x)
        excess = n_steps * downsample - n_timesteps
        if excess:
            x = layers.Cropping1D((0, excess), name="crop")(x)
    outputs = layers.TimeDistributed(
        layers.Dense(n_channels, kernel_initializer=seeds.glorot()), name="output"
    )(x)
    return keras.Model(inputs, outputs, name="lstm_autoencoder")


def build_lstm_forecaster(
    n_timesteps, n_channels, *, units=(32,), cell="lstm", noise_std=0.0, seed=0
):
    """Build a many-to-one recurrent forecaster of the last step of a sequence.

    The network takes the whole sequence but reads only its first
    ``n_timesteps - 1`` steps (a ``Cropping1D`` drops the last one, so no
    information about the target leaks in), runs them through stacked
    recurrent layers and predicts the last step with a linear ``Dense``.

    Parameters
    ----------
    n_timesteps : int
        Length of each sequence, at least 2.

    n_channels : int
        Values per time step.

    units : tuple of int, default=(32,)
        Width of each recurrent layer.

    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.

    noise_std : float, default=0.0
        Standard deviation of the Gaussian noise added to the past steps
        while training (the studies' noise augmentation).

    seed : int, default=0
        Seed of the initializers and the noise.

    Returns
    -------
    model : keras.Model
        Uncompiled model mapping ``(batch, n_timesteps, n_channels)`` to the
        forecast ``(batch, n_channels)`` of the last step.
    """
    seeds = _SeedSequence(seed)
    inputs = keras.Input(shape=(n_timesteps, n_channels), name="x")
    x = layers.Cropping1D((0, 1), name="past")(inputs)
    if noise_std > 0:
        x = layers.GaussianNoise(noise_std, seed=seeds(), name="noise")(x)
    x = _recurrent_stack(
        x, tuple(units), cell=cell, last_returns_sequences=False, seeds=seeds, prefix="rnn"
    )
    outputs = layers.Dense(n_channels, kernel_initializer=seeds.glorot(), name="forecast")(x)
    return keras.Model(inputs, outputs, name="lstm_forecaster")
