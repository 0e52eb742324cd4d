"""Dense autoencoder detector."""

from numbers import Integral, Real

from .base import BaseReconstructionDetector
from .utils._docstring import (
    RANDOM_STATE_VERBOSE,
    contamination_parameter,
    fill_doc,
    training_parameters,
)
from .utils._sklearn_compat import Interval, StrOptions
from .utils._validation import check_units

_ACTIVATIONS = {"relu", "elu", "selu", "gelu", "swish", "tanh", "sigmoid", "leaky_relu"}


@fill_doc(
    training=training_parameters(
        epochs=200, batch_size=64, learning_rate=0.002, n_iter_no_change=20
    ),
    contamination=contamination_parameter(),
    random_state_verbose=RANDOM_STATE_VERBOSE,
)
class AutoencoderDetector(BaseReconstructionDetector):
    """Dense autoencoder that flags samples with a large reconstruction error.

    The network compresses each sample through the layers ``hidden_units``
    and mirrors them back to the input width. Trained on normal data, it
    reconstructs normal samples well and anomalies badly, so the
    reconstruction error is the anomaly score.

    Parameters
    ----------
    hidden_units : int or tuple of int, default=(32, 16, 8)
        Width of each encoder layer, the last one being the bottleneck; the
        decoder mirrors the encoder. The default is the studies'
        ``n-32-16-8-16-32-n`` network.

    activation : str, default="relu"
        Activation of the hidden layers: one of "relu", "elu", "selu",
        "gelu", "swish", "tanh", "sigmoid", "leaky_relu". The output layer
        is linear.

    loss : {"mse", "mae"}, default="mse"
        Reconstruction loss, and the error of each sample: its mean squared
        or mean absolute difference to its reconstruction. The studies used
        "mae"; "mse" separates ECG5000's anomalies better (see the
        benchmarks).

    noise_std : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs during
        training only (a denoising autoencoder, the studies' noise
        augmentation). 0 trains on the clean inputs.

    %(training)s

    %(contamination)s

    %(random_state_verbose)s

    Attributes
    ----------
    model_ : keras.Model
        The trained network.

    history_ : dict of str to list of float
        Per-epoch values of the training ``loss`` and, with early stopping,
        the validation ``val_loss``.

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
    VAEDetector : Variational autoencoder detector.
    sklearn.neighbors.LocalOutlierFactor : Density-based detector.

    Notes
    -----
    Scale the input, for example with
    :class:`~sklearn.preprocessing.MinMaxScaler` in a
    :class:`~sklearn.pipeline.Pipeline`: the network trains best on values
    of order one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon import AutoencoderDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 6))
    >>> detector = AutoencoderDetector(hidden_units=(4,), epochs=5,
    ...                                random_state=0).fit(X)
    >>> detector.predict(X[:5]).shape
    (5,)
    >>> detector.predict([[10, 10, 10, 10, 10, 10]])  # doctest: +SKIP
    array([-1])
    """

    _parameter_constraints: dict = {
        **BaseReconstructionDetector._parameter_constraints,
        "hidden_units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "activation": [StrOptions(_ACTIVATIONS)],
        "noise_std": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        hidden_units=(32, 16, 8),
        activation="relu",
        loss="mse",
        noise_std=0.0,
        epochs=200,
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
        self.activation = activation
        self.noise_std = noise_std

    def _check_params_vs_data(self, X):
        check_units(self.hidden_units, "hidden_units")

    def _build_network(self, n_features, seed):
        from ._networks import build_dense_autoencoder

        return build_dense_autoencoder(
            n_features,
            hidden_units=check_units(self.hidden_units, "hidden_units"),
            activation=self.activation,
            noise_std=self.noise_std,
            seed=seed,
        )
