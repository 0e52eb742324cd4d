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


# ---------------------------------------------------------------- RNN classifier


@keras.saving.register_keras_serializable(package="sklearn_recon")
def weighted_logit_loss(targets, logits):
    """Binary cross-entropy from logits, weighted per sample.

    ``targets`` packs the label (1 = positive) in column 0 and the sample's
    weight in column 1, so the weights travel with the labels through a
    validation split and a ``(x, y)`` dataset without a third array.
    """
    losses = keras.losses.binary_crossentropy(targets[:, :1], logits, from_logits=True)
    return losses * targets[:, 1]


def _recurrent_layer(cell, n_units, *, return_sequences, bidirectional, seeds, name):
    """One seeded LSTM or GRU layer, optionally run in both directions."""
    layer_class = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]

    def make(suffix, go_backwards=False):
        return layer_class(
            n_units,
            return_sequences=return_sequences,
            go_backwards=go_backwards,
            kernel_initializer=seeds.glorot(),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seeds()),
            seed=seeds(),
            name=f"{name}{suffix}",
        )

    if not bidirectional:
        return make("")
    # An explicit backward layer gets its own seeds; letting Bidirectional
    # copy the forward layer's config would start both from the same weights.
    forward, backward = make("_forward"), make("_backward", go_backwards=True)
    return layers.Bidirectional(forward, backward_layer=backward, name=name)


def build_rnn_classifier(
    n_timesteps,
    n_channels,
    *,
    cell="gru",
    units=(32,),
    bidirectional=False,
    dropout=0.0,
    seed=0,
):
    """Build a recurrent binary classifier that outputs one logit per sequence.

    Parameters
    ----------
    n_timesteps : int
        Length of each input sequence.

    n_channels : int
        Values per time step.

    cell : {"gru", "lstm"}, default="gru"
        Recurrent layer type.

    units : tuple of int, default=(32,)
        Width of each stacked recurrent layer; all but the last return
        their whole output sequence to the next one.

    bidirectional : bool, default=False
        Whether each recurrent layer also reads the sequence backwards (the
        two directions' outputs are concatenated).

    dropout : float, default=0.0
        Rate of the dropout applied to the output of every recurrent layer
        while training; inactive at inference.

    seed : int, default=0
        Seed of the weight initializers and of the dropout.

    Returns
    -------
    model : keras.Model
        Uncompiled model mapping ``(batch, n_timesteps, n_channels)`` to
        ``(batch, 1)`` logits.
    """
    seeds = _SeedSequence(seed)
    inputs = keras.Input(shape=(n_timesteps, n_channels), name="x")
    x = inputs
    units = tuple(units)
    for i, n_units in enumerate(units):
        x = _recurrent_layer(
            cell,
            n_units,
            return_sequences=i < len(units) - 1,
            bidirectional=bidirectional,
            seeds=seeds,
            name=f"{cell}_{i}",
        )(x)
        if dropout > 0:
            x = layers.Dropout(dropout, seed=seeds(), name=f"dropout_{i}")(x)
    outputs = layers.Dense(1, kernel_initializer=seeds.glorot(), name="logit")(x)
    return keras.Model(inputs, outputs, name="rnn_classifier")
