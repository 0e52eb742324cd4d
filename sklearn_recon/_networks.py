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
from .utils._numpy_network import NumpyChain, NumpyParts

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
    x = _dense_stack(x, hidden_units[-2::-1], activation=activation, seeds=seeds, prefix="decoder")
    outputs = layers.Dense(n_features, kernel_initializer=seeds.glorot(), name="output")(x)
    return keras.Model(inputs, outputs, name="dense_autoencoder")


# -------------------------------------------------------------------- VAE


#: Bound on the magnitude of the latent log-variance. Far outside what a
#: trained VAE on scaled data reaches, it keeps ``exp(z_log_var)`` finite in
#: float32 when unscaled input (values in the hundreds) meets a fresh network.
MAX_LOG_VAR = 20.0


def _bounded_log_var(z_log_var):
    """Squash ``z_log_var`` smoothly into (-MAX_LOG_VAR, MAX_LOG_VAR).

    ``MAX_LOG_VAR * tanh(z_log_var / MAX_LOG_VAR)`` is the identity to within
    1% for ``|z_log_var| < 3.5`` and, unlike a hard clip, never cuts the
    gradient, so the KL term can always pull a large log-variance back.
    """
    return MAX_LOG_VAR * keras.ops.tanh(z_log_var / MAX_LOG_VAR)


@keras.saving.register_keras_serializable(package="sklearn_recon")
class Sampling(layers.Layer):
    """Draw ``z = z_mean + exp(z_log_var / 2) * eps`` with ``eps ~ N(0, 1)``.

    The reparameterization trick of a variational autoencoder, with
    ``z_log_var`` bounded by ``MAX_LOG_VAR`` (see :func:`_bounded_log_var`).
    The noise comes from the layer's own seeded generator, so a network
    built twice with the same seed trains identically and no global random
    state is used.

    Parameters
    ----------
    seed : int, default=None
        Seed of the layer's random generator.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        z_log_var = _bounded_log_var(z_log_var)
        eps = keras.random.normal(
            keras.ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + keras.ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="sklearn_recon")
class KLDivergence(layers.Layer):
    """Add ``beta`` times the KL divergence of the latent code to the loss.

    Takes ``[z_mean, z_log_var]`` and returns them unchanged. In ``call`` it
    bounds ``z_log_var`` as :class:`Sampling` does and adds
    ``beta * mean_over_batch(KL(N(z_mean, exp(z_log_var)) || N(0, 1)))`` to
    the model's losses with ``add_loss``, so the stock ``Model.fit`` loop
    trains the variational objective. The unweighted KL divergence of the
    call stays in ``last_kl``, for :class:`VariationalAutoencoder` to track.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of the KL divergence in the loss.
    """

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = float(beta)
        self.last_kl = None

    def call(self, inputs):
        z_mean, z_log_var = inputs
        ops = keras.ops
        z_log_var = _bounded_log_var(z_log_var)
        kl = -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
        kl = ops.mean(kl)
        self.add_loss(self.beta * kl)
        self.last_kl = kl
        return z_mean, z_log_var

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


@keras.saving.register_keras_serializable(package="sklearn_recon")
class VariationalAutoencoder(keras.Model):
    """The functional model of :func:`build_vae`, tracking its KL divergence.

    A functional ``keras.Model`` whose ``compute_loss`` also updates a mean
    tracker named ``kl_loss`` with the unweighted KL divergence of its
    :class:`KLDivergence` layer, ``kl``, so that it appears in the training
    history (``val_kl_loss`` on validation data). The tracker belongs to the
    model and is updated where the loss is computed, not in a layer's
    ``call``: JAX's stateless training step gives ``call`` no access to
    metric state.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training
        )
        kl = self.get_layer("kl").last_kl
        if kl is not None:
            self.kl_tracker.update_state(kl, sample_weight=keras.ops.shape(y_pred)[0])
        return loss


def build_vae(
    n_features,
    *,
    hidden_units=(64, 32),
    latent_dim=8,
    beta=1.0,
    activation="relu",
    seed=0,
):
    """Build a dense variational autoencoder.

    The encoder has one ``Dense`` layer per entry of ``hidden_units`` and
    ends in two linear heads, ``z_mean`` and ``z_log_var`` of width
    ``latent_dim``; the ``kl`` layer adds ``beta`` times their KL divergence
    to the loss; the ``z`` layer draws a latent sample; the decoder mirrors
    the encoder and ends in a linear ``Dense(n_features)``.

    The model maps ``(batch, n_features)`` to a reconstruction drawn through
    a random latent sample. Deterministic paths, which skip the sampling,
    are :func:`vae_encoder` and :func:`vae_decoder`.

    Parameters
    ----------
    n_features : int
        Width of the input and of the reconstruction.

    hidden_units : tuple of int, default=(64, 32)
        Width of each encoder layer; the decoder uses them in reverse.

    latent_dim : int, default=8
        Width of the latent code.

    beta : float, default=1.0
        Weight of the KL divergence in the loss.

    activation : str, default="relu"
        Activation of the hidden layers.

    seed : int, default=0
        Seed of the weight initializers and of the latent sampling.

    Returns
    -------
    model : keras.Model
        Uncompiled model mapping ``(batch, n_features)`` to itself.
    """
    seeds = _SeedSequence(seed)
    hidden_units = tuple(hidden_units)
    inputs = keras.Input(shape=(n_features,), name="x")
    h = _dense_stack(inputs, hidden_units, activation=activation, seeds=seeds, prefix="encoder")
    z_mean = layers.Dense(latent_dim, kernel_initializer=seeds.glorot(), name="z_mean")(h)
    z_log_var = layers.Dense(latent_dim, kernel_initializer=seeds.glorot(), name="z_log_var")(h)
    z_mean, z_log_var = KLDivergence(beta, name="kl")([z_mean, z_log_var])
    z = Sampling(seed=seeds(), name="z")([z_mean, z_log_var])
    h = _dense_stack(z, hidden_units[::-1], activation=activation, seeds=seeds, prefix="decoder")
    outputs = layers.Dense(n_features, kernel_initializer=seeds.glorot(), name="output")(h)
    return VariationalAutoencoder(inputs, outputs, name="vae")


def numpy_vae(model):
    """A :func:`build_vae` network at inference, in NumPy.

    Scoring encodes a sample to its latent mean and decodes that, so the
    inference path is two chains of ``Dense`` layers, without the sampling
    and the KL loss: the parts ``encoder`` and ``decoder``.

    Parameters
    ----------
    model : keras.Model
        A trained :func:`build_vae` network.

    Returns
    -------
    network : NumpyParts
    """

    def stack(prefix, last):
        dense = [layer for layer in model.layers if layer.name.startswith(f"{prefix}_")]
        return NumpyChain.of_layers([*dense, model.get_layer(last)])

    return NumpyParts(encoder=stack("encoder", "z_mean"), decoder=stack("decoder", "output"))


def vae_encoder(model):
    """The deterministic encoder of a :func:`build_vae` network: input to ``z_mean``.

    A model sharing ``model``'s layers, without the KL loss or the sampling;
    the NumPy encoder for a :func:`numpy_vae`.
    """
    if isinstance(model, NumpyParts):
        return model.encoder
    return keras.Model(model.inputs[0], model.get_layer("z_mean").output, name="vae_encoder")


def vae_decoder(model):
    """The decoder of a :func:`build_vae` network: latent code to reconstruction."""
    if isinstance(model, NumpyParts):
        return model.decoder
    return keras.Model(model.get_layer("z").output, model.outputs[0], name="vae_decoder")


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


#: Recurrent layers over at most this many steps are unrolled: the same
#: arithmetic, without the per-step overhead of a graph loop (an unrolled
#: 18-step LSTM trains several times faster on a CPU).
UNROLL_MAX_STEPS = 32


def _unroll(x):
    """Whether a recurrent layer over the sequences ``x`` is unrolled."""
    return x.shape[1] is not None and x.shape[1] <= UNROLL_MAX_STEPS


def _recurrent_layer(cell, n_units, *, return_sequences, bidirectional, seeds, name, unroll=False):
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
            unroll=unroll,
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
    downsample=1,
    conv_filters=32,
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

    downsample : int, default=1
        Stride of a strided ``Conv1D`` front end that shortens the sequence
        ``downsample`` times before the recurrent layers; 1 leaves it out.

    conv_filters : int, default=32
        Filters of the convolutional front end.

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
    if downsample > 1:
        x = _strided_conv(conv_filters, downsample, seeds, "conv_in")(x)
    units = tuple(units)
    for i, n_units in enumerate(units):
        x = _recurrent_layer(
            cell,
            n_units,
            return_sequences=i < len(units) - 1,
            bidirectional=bidirectional,
            seeds=seeds,
            name=f"{cell}_{i}",
            unroll=_unroll(x),
        )(x)
        if dropout > 0:
            x = layers.Dropout(dropout, seed=seeds(), name=f"dropout_{i}")(x)
    outputs = layers.Dense(1, kernel_initializer=seeds.glorot(), name="logit")(x)
    return keras.Model(inputs, outputs, name="rnn_classifier")


# ---------------------------------------------------------------- recurrent


def _recurrent_stack(x, units, *, cell, last_returns_sequences, seeds, prefix):
    for i, n_units in enumerate(units):
        last = i == len(units) - 1
        x = _recurrent_layer(
            cell,
            n_units,
            return_sequences=last_returns_sequences or not last,
            bidirectional=False,
            seeds=seeds,
            name=f"{prefix}_{i}",
            unroll=_unroll(x),
        )(x)
    return x


def _strided_conv(filters, stride, seeds, name):
    """A ReLU ``Conv1D`` of stride ``stride`` and kernel ``2 * stride``."""
    return layers.Conv1D(
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
    sequence ``downsample`` times, and the output is a linear map of each
    decoder step to the ``downsample`` steps it stands for (in place of the
    ``TimeDistributed(Dense)``), so the recurrent layers run over
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
        Filters of the convolutional front end.

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
        x = _strided_conv(conv_filters, downsample, seeds, "conv_in")(x)
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
        # Each decoder step gives back the ``downsample`` steps it stands
        # for: one linear map and a reshape, a transposed convolution whose
        # kernel is its stride. Conv1DTranspose does the same several times
        # slower on CPUs (it took most of the scoring time).
        x = layers.Dense(downsample * n_channels, kernel_initializer=seeds.glorot(), name="unfold")(
            x
        )
        outputs = layers.Reshape((n_steps * downsample, n_channels), name="steps")(x)
        excess = n_steps * downsample - n_timesteps
        if excess:
            outputs = layers.Cropping1D((0, excess), name="crop")(outputs)
    else:
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
