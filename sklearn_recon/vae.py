"""Variational autoencoder detector."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .autoencoder import _ACTIVATIONS
from .base import BaseReconstructionDetector
from .utils._docstring import (
    RANDOM_STATE_VERBOSE,
    contamination_parameter,
    fill_doc,
    training_parameters,
)
from .utils._keras import check_finite_output, get_keras
from .utils._sklearn_compat import Interval, StrOptions
from .utils._validation import check_units


@fill_doc(
    training=training_parameters(
        epochs=300, batch_size=64, learning_rate=0.002, n_iter_no_change=20
    ),
    contamination=contamination_parameter(),
    random_state_verbose=RANDOM_STATE_VERBOSE,
)
class VAEDetector(BaseReconstructionDetector):
    """Variational autoencoder that flags samples with a large reconstruction error.

    The encoder maps each sample through the layers ``hidden_units`` to the
    mean ``z_mean`` and log-variance ``z_log_var`` of a Gaussian latent code
    of width ``latent_dim``; during training a sampling layer draws
    ``z = z_mean + exp(z_log_var / 2) * eps`` with ``eps ~ N(0, 1)`` and the
    decoder, mirroring the encoder, reconstructs the sample from ``z``. The
    loss is the reconstruction loss plus ``beta`` times the KL divergence of
    the latent code from the standard normal distribution.

    Scoring is deterministic: a sample is reconstructed from its latent mean
    ``z_mean``, and its anomaly error is the mean absolute or squared
    difference to that reconstruction.

    Parameters
    ----------
    hidden_units : int or tuple of int, default=(64, 32)
        Width of each encoder layer; the decoder uses them in reverse order.

    latent_dim : int, default=8
        Width of the latent code.

    beta : float, default=0.001
        Weight of the KL divergence (summed over the latent dimensions,
        averaged over the samples) against the reconstruction loss (averaged
        over the features). Larger values pull the latent code towards the
        standard normal distribution and blur the reconstructions; 0 trains
        an autoencoder with noise in its bottleneck. Too large a value
        collapses the latent code (``kl_loss`` near 0, every sample
        reconstructed as the average one): on ECG5000 scaled to [0, 1],
        1e-4 to 3e-3 detect well and 1e-2 collapses.

    activation : str, default="relu"
        Activation of the hidden layers: one of "relu", "elu", "selu",
        "gelu", "swish", "tanh", "sigmoid", "leaky_relu". The latent heads
        and the output layer are linear.

    loss : {"mae", "mse"}, default="mse"
        Reconstruction part of the loss, and the error of each sample: its
        mean absolute or mean squared difference to its reconstruction.

    %(training)s

    %(contamination)s

    %(random_state_verbose)s

    Attributes
    ----------
    model_ : keras.Model
        The trained network. It maps a sample to the reconstruction of one
        random latent draw; the scores use the latent mean instead.

    history_ : dict of str to list of float
        Per-epoch values of the training ``loss``, of its parts
        ``reconstruction_loss`` and ``kl_loss`` (the KL divergence before
        weighting, so ``loss = reconstruction_loss + beta * kl_loss``) and,
        with early stopping, of their validation counterparts ``val_loss``,
        ``val_reconstruction_loss`` and ``val_kl_loss``.

    n_iter_ : int
        Number of epochs run.

    best_epoch_ : int
        Index (from 0) of the epoch whose weights were kept. Only set with
        ``early_stopping=True``.

    threshold_ : float
        Reconstruction error above which a sample is an anomaly.

    offset_ : float
        ``-threshold_``, so that ``decision_function(X) = score_samples(X) -
        offset_``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    AutoencoderDetector : Dense autoencoder detector.
    sklearn.neighbors.LocalOutlierFactor : Density-based detector.

    Notes
    -----
    Scale the input, for example with
    :class:`~sklearn.preprocessing.MinMaxScaler` in a
    :class:`~sklearn.pipeline.Pipeline`: the network trains best on values
    of order one.

    ``latent_dim`` may exceed the number of features: the KL term, not the
    width of the code, limits what the latent code carries.

    The default ``beta`` suits a reconstruction loss averaged over the
    features of scaled data; on the ECG5000 protocol the defaults reach a
    ROC-AUC above 0.99 (``benchmarks/bench_vae.py``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon import VAEDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 6))
    >>> detector = VAEDetector(hidden_units=(8,), latent_dim=2, epochs=5,
    ...                        random_state=0).fit(X)
    >>> detector.predict(X[:5]).shape
    (5,)
    >>> detector.encode(X[:5]).shape
    (5, 2)
    >>> sorted(detector.history_)
    ['kl_loss', 'loss', 'reconstruction_loss', 'val_kl_loss', 'val_loss', 'val_reconstruction_loss']
    >>> detector.predict([[10, 10, 10, 10, 10, 10]])  # doctest: +SKIP
    array([-1])
    """

    _parameter_constraints: dict = {
        **BaseReconstructionDetector._parameter_constraints,
        "hidden_units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(_ACTIVATIONS)],
    }

    def __init__(
        self,
        *,
        hidden_units=(64, 32),
        latent_dim=8,
        beta=0.001,
        activation="relu",
        loss="mse",
        epochs=300,
        batch_size=64,
        learning_rate=0.002,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        contamination="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            loss=loss,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            optimizer=optimizer,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            contamination=contamination,
            random_state=random_state,
            verbose=verbose,
        )
        self.hidden_units = hidden_units
        self.latent_dim = latent_dim
        self.beta = beta
        self.activation = activation

    def _check_params_vs_data(self, X):
        check_units(self.hidden_units, "hidden_units")

    def _build_network(self, n_features, seed):
        from ._networks import build_vae

        return build_vae(
            n_features,
            hidden_units=check_units(self.hidden_units, "hidden_units"),
            latent_dim=self.latent_dim,
            beta=self.beta,
            activation=self.activation,
            seed=seed,
        )

    def _keras_metrics(self):
        keras = get_keras()
        metric = {
            "mae": keras.metrics.MeanAbsoluteError,
            "mse": keras.metrics.MeanSquaredError,
        }[self.loss]
        return [metric(name="reconstruction_loss")]

    def _numpy_network(self, model):
        from ._networks import NumpyVAE

        return NumpyVAE(model)

    @staticmethod
    def _encode_ops(model, x):
        from ._networks import vae_encoder

        return vae_encoder(model)(x)

    def _reconstruction_ops(self, model, x):
        from ._networks import vae_decoder

        return vae_decoder(model)(self._encode_ops(model, x))

    def encode(self, X):
        """Return the latent mean ``z_mean`` of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
            The mean of each sample's latent code, the point its
            reconstruction and score are computed from.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        codes = self._inference.run(
            "encode",
            lambda model: lambda x: self._encode_ops(model, x),
            self._model_input(X),
            verbose=self.verbose,
        )
        check_finite_output(codes, X, "latent code")
        return codes.astype(np.float64)
