"""Variational autoencoder detector."""

from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import KDTree
from sklearn.utils.validation import check_is_fitted

from .autoencoder import _ACTIVATIONS
from .base import BaseReconstructionDetector
from .utils._docstring import (
    RANDOM_STATE_VERBOSE,
    contamination_parameter,
    fill_doc,
    training_parameters,
)
from .utils._keras import array_ops, check_finite_output, get_keras
from .utils._numpy_network import NumpyParts
from .utils._sklearn_compat import Interval, StrOptions
from .utils._validation import check_units

#: Candidates beyond ``n_neighbors`` whose exact distance the graph computes.
_CANDIDATE_MARGIN = 16


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
    ``z_mean``, and its reconstruction error is the mean absolute or squared
    difference to that reconstruction. By default the anomaly error adds to
    it two distances in the latent space, each term standardised on the
    training samples: the distance from ``z_mean`` to the 5th nearest latent
    mean of the training samples (``n_neighbors``) and a quarter of its
    Mahalanobis distance from them (``mahalanobis_weight``). The
    reconstruction error finds samples off the learned manifold, the
    neighbour distance samples in empty regions of it, the Mahalanobis
    distance samples far from the bulk of the codes, also when the training
    samples hold a group of such anomalies. With ``n_neighbors=None`` and
    ``mahalanobis_weight=0`` the anomaly error is the reconstruction error.

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
        Reconstruction part of the loss, and the reconstruction error of
        each sample: its mean absolute or mean squared difference to its
        reconstruction.

    n_neighbors : int or None, default=5
        Add a nearest-neighbour term to the anomaly error: the distance from
        a sample's latent mean to the ``n_neighbors``-th nearest latent mean
        of the training samples (for a training sample, to the others).
        None leaves the term out.

    mahalanobis_weight : float, default=0.25
        Weight of a third term of the anomaly error: the Mahalanobis
        distance of a sample's latent mean from the training samples' latent
        means (their mean and covariance). It finds samples far from the
        bulk of the training codes, which the neighbour distance misses when
        the training rows hold a group of anomalies that are each other's
        neighbours. 0 leaves the term out.

        Each term, the reconstruction error included, is standardised by its
        mean and standard deviation over the training samples; the anomaly
        error is the reconstruction term plus the neighbour term plus
        ``mahalanobis_weight`` times the Mahalanobis term. With
        ``n_neighbors=None`` and ``mahalanobis_weight=0`` it is the
        reconstruction error itself.

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

    latent_codes_ : ndarray of shape (n_samples, latent_dim)
        The latent means of the training samples, the reference of the
        nearest-neighbour term. Only set when ``n_neighbors`` is not None.

    latent_mean_ : ndarray of shape (latent_dim,)
        Mean of the training samples' latent means. Only set when
        ``mahalanobis_weight > 0``.

    latent_whitening_ : ndarray of shape (latent_dim, latent_dim)
        Matrix ``W`` with ``(z - latent_mean_) @ W`` of identity covariance
        over the training latent means, so that the norm of that product is
        the Mahalanobis distance. Only set when ``mahalanobis_weight > 0``.

    error_scale_ : ndarray of shape (2 * n_terms,)
        Mean and standard deviation over the training samples of each term
        of the anomaly error, in the order reconstruction error, neighbour
        distance, Mahalanobis distance (those in use). Only set when the
        anomaly error has more than the reconstruction term.

    threshold_ : float
        Anomaly error above which a sample is an anomaly.

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

    The nearest-neighbour term keeps the training latent means in the
    fitted detector (``latent_codes_``, ``n_samples * latent_dim`` floats,
    saved and exported with it); the Mahalanobis term keeps their mean and a
    ``latent_dim`` square matrix. Training rows with anomalies inside need
    no other parameter: ``contamination`` places only the threshold. How the
    defaults compare with scikit-learn's detectors, with clean and with
    uncleaned training rows, is in ``benchmarks/RESULTS.md`` ("ADBench dev
    suite"); on small, low-dimensional sets a kNN distance, LOF or
    IsolationForest are as good and far cheaper.

    The default ``beta`` suits a reconstruction loss averaged over the
    features of scaled data.

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
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "mahalanobis_weight": [Interval(Real, 0, None, closed="left")],
    }

    # The search tree over latent_codes_ is rebuilt from them, not stored.
    _private_fitted = {**BaseReconstructionDetector._private_fitted, "_latent_tree": "derived"}

    def __init__(
        self,
        *,
        hidden_units=(64, 32),
        latent_dim=8,
        beta=0.001,
        activation="relu",
        loss="mse",
        n_neighbors=5,
        mahalanobis_weight=0.25,
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
        self.n_neighbors = n_neighbors
        self.mahalanobis_weight = mahalanobis_weight

    def _check_params_vs_data(self, X):
        check_units(self.hidden_units, "hidden_units")
        if self.n_neighbors is not None and self.n_neighbors >= X.shape[0]:
            raise ValueError(
                f"n_neighbors={self.n_neighbors} must be below n_samples = "
                f"{X.shape[0]}: the nearest-neighbour term measures the distance "
                "to the n_neighbors-th other training sample. Pass fewer "
                "neighbours, more samples or n_neighbors=None."
            )

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

    def _train(self, X, targets, sample_weight, seed):
        model, history, best_epoch = super()._train(X, targets, sample_weight, seed)
        for name in ("latent_codes_", "latent_mean_", "latent_whitening_", "error_scale_"):
            self.__dict__.pop(name, None)  # a previous fit's, with other terms
        if self.n_neighbors is not None or self.mahalanobis_weight > 0:
            self._fit_latent_terms(model, X, sample_weight)
        return model, history, best_epoch

    def _fit_latent_terms(self, model, X, sample_weight):
        """Keep the training latent means' statistics and the scales of the terms."""
        inference = self._inference_functions(model)
        x = self._model_input(X)
        codes = inference.run("encode", lambda model: lambda x: self._encode_ops(model, x), x)
        reconstruction_errors = inference.run(
            "reconstruction_error",
            lambda model: lambda x: self._reconstruction_error_ops(model, x),
            x,
        )
        check_finite_output(codes, X, "latent code")
        terms = [reconstruction_errors.astype(np.float64)]
        if self.n_neighbors is not None:
            self.latent_codes_ = codes.astype(np.float32)
            self._latent_tree = None  # of the previous fit's codes
            # each training sample's distance to the others: its own
            # distance, 0, is the smallest of its n_neighbors + 1 nearest
            tree = self._latent_neighbors()
            terms.append(tree.query(self.latent_codes_, k=self.n_neighbors + 1)[0][:, -1])
        if self.mahalanobis_weight > 0:
            self.latent_mean_, self.latent_whitening_ = _whitening(codes, sample_weight)
            terms.append(self._mahalanobis_distance(codes.astype(np.float32)).astype(np.float64))
        scale = []
        for values in terms:
            mean = np.average(values, weights=sample_weight)
            std = np.sqrt(np.average((values - mean) ** 2, weights=sample_weight))
            scale += [mean, max(std, np.finfo(np.float32).tiny)]
        self.error_scale_ = np.asarray(scale)

    def _error_ops(self, model, x):
        # the terms the fit kept statistics of (a file saved before the
        # Mahalanobis term existed scores as it did)
        neighbors, mahalanobis = hasattr(self, "latent_codes_"), hasattr(self, "latent_mean_")
        if not (neighbors or mahalanobis):
            return self._reconstruction_error_ops(model, x)
        z = self._encode_ops(model, x)  # once, for every term
        terms = [self._reconstruction_error_ops(model, x, _decoder(model)(z))]
        weights = [1.0]
        if neighbors:
            terms.append(self._latent_neighbor_distance_ops(z))
            weights.append(1.0)
        if mahalanobis:
            terms.append(self._mahalanobis_distance(z))
            weights.append(float(self.mahalanobis_weight))
        scale = [float(v) for v in self.error_scale_]
        error = 0.0
        for i, (term, weight) in enumerate(zip(terms, weights)):
            error = error + weight * (term - scale[2 * i]) / scale[2 * i + 1]
        return error

    def _latent_neighbor_distance_ops(self, z):
        """The neighbour distance of the latent means ``z`` (``array_ops``)."""
        ops = array_ops(z)
        if ops is np:
            return self._latent_neighbor_distance(z)
        # in a graph: the squares' expansion (float32, cheap) picks the
        # candidates, whose distances are then computed from the differences
        # as the KD-tree computes them (the expansion loses digits to
        # cancellation: its k-th distance is off by up to 1e-4 relative)
        codes = ops.convert_to_tensor(self.latent_codes_)
        squared = (
            ops.sum(ops.square(z), axis=1, keepdims=True)
            - 2.0 * ops.matmul(z, ops.transpose(codes))
            + ops.sum(ops.square(codes), axis=1)[None, :]
        )
        n_candidates = min(len(self.latent_codes_), self.n_neighbors + _CANDIDATE_MARGIN)
        candidates = ops.take(codes, ops.top_k(-squared, n_candidates, sorted=False)[1], axis=0)
        distances = ops.sqrt(ops.sum(ops.square(z[:, None, :] - candidates), axis=2))
        return -ops.top_k(-distances, self.n_neighbors, sorted=True)[0][:, -1]

    def _mahalanobis_distance(self, z):
        """Mahalanobis distance of the latent means ``z`` from the training
        latent means (``array_ops``: the same arithmetic in NumPy and in a graph)."""
        ops = array_ops(z)
        mean = self.latent_mean_.astype(np.float32)
        whitening = self.latent_whitening_.astype(np.float32)
        if ops is np:
            from .utils._numpy_network import _product

            # one BLAS call per row, as the NumPy route computes the network:
            # a row's distance does not depend on the rows of its request
            white = _product(np.asarray(z - mean, dtype=np.float32), whitening)
        else:
            mean, whitening = ops.convert_to_tensor(mean), ops.convert_to_tensor(whitening)
            white = ops.matmul(z - mean, whitening)
        return ops.sqrt(ops.sum(ops.square(white), axis=1))

    def _latent_neighbor_distance(self, z):
        """Distance of each latent mean in ``z`` to its ``n_neighbors``-th
        nearest training latent mean, float32.

        A KD-tree search computes each distance exactly (float64) from the
        two points alone, so a sample's distance depends on no other sample
        of the request; a one-row request searches a few leaves instead of
        comparing the row with every training sample.
        """
        # an overflowed code has no distance: NaN, reported with the score
        finite = np.isfinite(z).all(axis=1)
        distance = np.full(len(z), np.nan, dtype=np.float32)
        if finite.any():
            tree = self._latent_neighbors()
            distances = tree.query(z[finite].astype(np.float64), k=self.n_neighbors)[0]
            distance[finite] = distances[:, -1]
        return distance

    def _latent_neighbors(self):
        """The KD-tree of ``latent_codes_``, built on first use (it is not
        stored: a loaded detector builds it again)."""
        if getattr(self, "_latent_tree", None) is None:
            self._latent_tree = KDTree(self.latent_codes_.astype(np.float64))
        return self._latent_tree

    def _keras_metrics(self):
        keras = get_keras()
        metric = {
            "mae": keras.metrics.MeanAbsoluteError,
            "mse": keras.metrics.MeanSquaredError,
        }[self.loss]
        return [metric(name="reconstruction_loss")]

    def _numpy_network(self, model):
        from ._networks import numpy_vae

        return numpy_vae(model)

    @staticmethod
    def _encode_ops(model, x):
        return _encoder(model)(x)

    def _reconstruction_ops(self, model, x):
        return _decoder(model)(self._encode_ops(model, x))

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


def _encoder(model):
    """The encoder of the network ``model``, Keras or NumPy (which needs no Keras)."""
    if isinstance(model, NumpyParts):
        return model.encoder
    from ._networks import vae_encoder

    return vae_encoder(model)


def _decoder(model):
    """The decoder of the network ``model``, Keras or NumPy (which needs no Keras)."""
    if isinstance(model, NumpyParts):
        return model.decoder
    from ._networks import vae_decoder

    return vae_decoder(model)


def _whitening(codes, sample_weight):
    """Mean and whitening matrix of the latent means ``codes``.

    The covariance gets a ridge of ``1e-6`` times its mean variance, so
    that a latent dimension the KL term collapsed (a near-constant code)
    does not turn float noise into distance.
    """
    codes = codes.astype(np.float64)
    mean = np.average(codes, axis=0, weights=sample_weight)
    covariance = np.atleast_2d(np.cov(codes.T, aweights=sample_weight, bias=True))
    covariance += 1e-6 * max(np.trace(covariance) / len(covariance), 1e-12) * np.eye(len(mean))
    # (z - mean) @ inv(L).T has identity covariance when covariance = L @ L.T
    cholesky = np.linalg.cholesky(covariance)
    whitening = np.linalg.inv(cholesky).T
    return mean, whitening
