"""Recurrent detectors of sequences: an LSTM autoencoder and a forecaster."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .base import BaseKerasDetector, BaseReconstructionDetector, SequenceInputMixin
from .utils._docstring import (
    RANDOM_STATE_VERBOSE,
    contamination_parameter,
    fill_doc,
    training_parameters,
)
from .utils._keras import array_ops, check_finite_output
from .utils._sklearn_compat import Interval, StrOptions
from .utils._validation import check_units

#: Fewest batches of an epoch of the recurrent detectors: smaller training
#: sets are repeated within each epoch, at most ``MAX_REPEATS`` times (see
#: :func:`_repeat_small_training_set`).
MIN_BATCHES_PER_EPOCH = 32
MAX_REPEATS = 32


def _repeat_small_training_set(training, batch_size):
    """Repeat the training rows until an epoch holds ``MIN_BATCHES_PER_EPOCH`` batches.

    At most ``MAX_REPEATS`` times, so that tiny training sets stay quick.

    A recurrent network needs many more gradient steps than a dense one; with
    a few dozen training sequences an epoch is a single step, and the
    default number of epochs leaves the network untrained (its ROC-AUC on 50
    ECG5000 beats fell to that of a random network). Counting an epoch as
    at least ``MIN_BATCHES_PER_EPOCH`` batches (the rows repeated, each
    repetition reshuffled with the rest) gives every training set the steps
    of a large one, and leaves larger training sets alone.

    Parameters
    ----------
    training : tuple of (ndarray or None)
        The network input, targets and sample weights of the training rows.

    batch_size : int
        Rows per batch.

    Returns
    -------
    training : tuple of (ndarray or None)
        The same arrays, their rows repeated a whole number of times.
    """
    n_rows = len(training[0])
    n_repeats = min(MAX_REPEATS, -(-MIN_BATCHES_PER_EPOCH * batch_size // n_rows))
    if n_repeats <= 1:
        return training
    return tuple(
        None if array is None else np.concatenate([array] * n_repeats) for array in training
    )


def _per_step(sample_weight, n_timesteps):
    """Each sequence's weight repeated over its time steps, or None."""
    if sample_weight is None:
        return None
    return np.repeat(sample_weight[:, None], n_timesteps, axis=1)


class _RepeatSmallTrainingSetMixin:
    """Repeat a small training set within each epoch (``MIN_BATCHES_PER_EPOCH``)."""

    def _split_validation(self, x, targets, sample_weight, seed):
        training, validation = super()._split_validation(x, targets, sample_weight, seed)
        return _repeat_small_training_set(training, self.batch_size), validation


_RECURRENT_CONSTRAINTS = {
    "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
    "cell": [StrOptions({"lstm", "gru"})],
    "n_channels": [Interval(Integral, 1, None, closed="left")],
    "noise_std": [Interval(Real, 0, None, closed="left")],
}

_SEQUENCE_ATTRIBUTES = """
    n_timesteps_ : int
        Number of time steps of each sequence seen during :term:`fit`
        (``n_features_in_ // n_channels``).
"""


@fill_doc(
    training=training_parameters(epochs=30, batch_size=64, learning_rate=0.008, n_iter_no_change=5),
    contamination=contamination_parameter(),
    random_state_verbose=RANDOM_STATE_VERBOSE,
    sequence_attributes=_SEQUENCE_ATTRIBUTES,
)
class LSTMAutoencoderDetector(
    _RepeatSmallTrainingSetMixin, SequenceInputMixin, BaseReconstructionDetector
):
    """Recurrent autoencoder that flags sequences it reconstructs badly.

    Each row of ``X`` is one sequence: ``T`` time steps of ``n_channels``
    values, time-major (``t0c0, t0c1, ..., t1c0, ...``); a 3-D ``X`` of
    shape ``(n_samples, T, n_channels)`` is accepted too. The network is the
    studies' one: a recurrent encoder (``units``), ``RepeatVector``, a
    mirrored recurrent decoder and a ``TimeDistributed(Dense)`` output,
    here behind a strided convolutional front end (``downsample``) that
    lets the recurrent layers run over a shorter sequence. Rows are
    independent samples; to detect anomalies in one long series, cut it
    into windows with :class:`~sklearn_recon.windows.WindowedDetector`.

    Small training sets are repeated within each epoch until it holds 32
    batches (at most 32 times), so that a few dozen sequences get about the
    gradient steps of a large training set.

    Parameters
    ----------
    units : int or tuple of int, default=(32,)
        Width of each recurrent encoder layer, the last one being the code;
        the decoder mirrors the encoder.

    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell of the encoder and the decoder.

    n_channels : int, default=1
        Values per time step; the width of ``X`` must be a multiple of it.

    downsample : int, default=8
        Stride of a ``Conv1D`` front end that shortens each sequence
        ``downsample`` times before the encoder; each decoder step is then
        mapped linearly back to the ``downsample`` steps it stands for.
        Recurrent layers learn long sequences slowly and score them slowly;
        on the 140-step ECG5000 beats the front end turns a poor fit into a
        good one in a fraction of the time. 1 leaves it out (the studies'
        plain architecture).

    conv_filters : int, default=32
        Filters of the convolutional front end. Only used if
        ``downsample > 1``.

    loss : {"mse", "mae"}, default="mse"
        Reconstruction loss, and the error of each sequence: its mean
        squared or mean absolute difference to its reconstruction. The
        studies used "mae"; "mse" separates ECG5000's anomalies better in
        fewer epochs (see the benchmarks).

    noise_std : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs during
        training only (a denoising autoencoder). 0 trains on the clean
        inputs.

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
        Reconstruction error above which a sequence is an anomaly.

    offset_ : float
        ``-threshold_``, so that ``decision_function(X) = score_samples(X) -
        offset_``.

    n_features_in_ : int
        Number of features seen during :term:`fit` (time steps times
        channels).

    %(sequence_attributes)s

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    LSTMForecastDetector : Flags sequences whose last step is unpredictable.
    AutoencoderDetector : Dense autoencoder of fixed-width rows.
    sklearn_recon.windows.WindowedDetector : Scores every point of a long series.

    Notes
    -----
    Scale the input, for example with
    :class:`~sklearn.preprocessing.MinMaxScaler` in a
    :class:`~sklearn.pipeline.Pipeline`. Rows of the same width must hold
    the same number of time steps; ``reconstruction_error(X, per_step=True)``
    shows which time steps made a sequence anomalous.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon import LSTMAutoencoderDetector
    >>> rng = np.random.RandomState(0)
    >>> t = np.linspace(0, 2 * np.pi, 24)
    >>> X = np.sin(t + rng.uniform(0, 0.5, size=(100, 1)))
    >>> detector = LSTMAutoencoderDetector(units=8, epochs=3,
    ...                                    random_state=0).fit(X)
    >>> detector.predict(X[:5]).shape
    (5,)
    >>> detector.reconstruction_error(X[:5], per_step=True).shape
    (5, 24)
    >>> detector.predict(-X[:2])  # doctest: +SKIP
    array([-1, -1])
    """

    _parameter_constraints: dict = {
        **BaseReconstructionDetector._parameter_constraints,
        **_RECURRENT_CONSTRAINTS,
        "downsample": [Interval(Integral, 1, None, closed="left")],
        "conv_filters": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        units=(32,),
        cell="lstm",
        n_channels=1,
        downsample=8,
        conv_filters=32,
        loss="mse",
        noise_std=0.0,
        epochs=30,
        batch_size=64,
        learning_rate=0.008,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
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
        self.units = units
        self.cell = cell
        self.n_channels = n_channels
        self.downsample = downsample
        self.conv_filters = conv_filters
        self.noise_std = noise_std

    def _check_params_vs_data(self, X):
        check_units(self.units, "units")

    def _split_validation(self, x, targets, sample_weight, seed):
        # Keras fails to broadcast one weight per sequence over the loss of
        # every time step (an "Incompatible shapes" error in the gradient):
        # give each time step its sequence's weight.
        training, validation = super()._split_validation(x, targets, sample_weight, seed)
        return tuple(
            None if part is None else (*part[:2], _per_step(part[2], part[0].shape[1]))
            for part in (training, validation)
        )

    def _build_network(self, n_features, seed):
        from ._networks import build_lstm_autoencoder

        return build_lstm_autoencoder(
            n_features // self.n_channels,
            self.n_channels,
            units=check_units(self.units, "units"),
            cell=self.cell,
            downsample=self.downsample,
            conv_filters=self.conv_filters,
            noise_std=self.noise_std,
            seed=seed,
        )

    def reconstruction_error(self, X, *, per_feature=False, per_step=False):
        """Return the reconstruction error of each sequence, value or time step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps * n_channels) or \
(n_samples, n_timesteps, n_channels)
            The sequences to score.

        per_feature : bool, default=False
            If True, return the error of every value (absolute difference
            for ``loss="mae"``, squared difference for ``loss="mse"``), in
            the 2-D time-major layout.

        per_step : bool, default=False
            If True, return the error of every time step: the per-value
            errors averaged over the channels, ready to plot against time.
            Cannot be combined with ``per_feature``.

        Returns
        -------
        errors : ndarray of shape (n_samples,), (n_samples, n_features) or \
(n_samples, n_timesteps)
            The error per sequence (equal to ``-score_samples(X)``), per
            value, or per time step; the row means of the latter two are
            the errors per sequence.
        """
        if per_feature and per_step:
            raise ValueError("Pass per_feature=True or per_step=True, not both.")
        if not per_step:
            return super().reconstruction_error(X, per_feature=per_feature)
        errors = super().reconstruction_error(X, per_feature=True)
        return errors.reshape(len(errors), -1, self.n_channels).mean(axis=2)


@fill_doc(
    training=training_parameters(
        epochs=100, batch_size=32, learning_rate=0.005, n_iter_no_change=10
    ),
    contamination=contamination_parameter(),
    random_state_verbose=RANDOM_STATE_VERBOSE,
    sequence_attributes=_SEQUENCE_ATTRIBUTES,
)
class LSTMForecastDetector(SequenceInputMixin, BaseKerasDetector):
    """Many-to-one recurrent forecaster that flags unpredictable last steps.

    Each row of ``X`` is one window of a series: ``T`` time steps of
    ``n_channels`` values, time-major (or a 3-D ``X`` of shape
    ``(n_samples, T, n_channels)``). The network reads the first ``T - 1``
    steps and predicts the last one; the anomaly error of a row is the
    error of that prediction. Every row carries its own past, so rows are
    independent samples. This is the fourth study's detector: a window
    whose next value the model, trained on normal data, cannot predict is
    an anomaly.

    Parameters
    ----------
    units : int or tuple of int, default=(32,)
        Width of each stacked recurrent layer.

    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.

    n_channels : int, default=1
        Values per time step; the width of ``X`` must be a multiple of it,
        and each row must hold at least 2 time steps (a past and the step
        to predict).

    loss : {"mae", "mse"}, default="mae"
        Training loss, and the error of each row: the mean absolute or mean
        squared difference between the last step and its forecast, averaged
        over the channels.

    noise_std : float, default=0.0
        Standard deviation of Gaussian noise added to the past steps during
        training only (the study's noise augmentation); it makes the
        forecaster less sensitive to noise in its input.

    %(training)s

    %(contamination)s

    %(random_state_verbose)s

    Attributes
    ----------
    model_ : keras.Model
        The trained network, mapping a sequence to the forecast of its last
        step.

    history_ : dict of str to list of float
        Per-epoch values of the training ``loss`` and, with early stopping,
        the validation ``val_loss``.

    n_iter_ : int
        Number of epochs run.

    best_epoch_ : int
        Index (from 0) of the epoch whose weights were kept. Only set with
        ``early_stopping=True``.

    threshold_ : float
        Forecast error above which a row is an anomaly.

    offset_ : float
        ``-threshold_``, so that ``decision_function(X) = score_samples(X) -
        offset_``.

    n_features_in_ : int
        Number of features seen during :term:`fit` (time steps times
        channels).

    %(sequence_attributes)s

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    LSTMAutoencoderDetector : Flags sequences it reconstructs badly.
    sklearn_recon.windows.WindowedDetector : Scores every point of a long series.

    Notes
    -----
    To score every point of a long series, cut it into windows of
    ``T`` steps with stride 1 (:func:`~sklearn_recon.windows.sliding_windows`)
    and flatten them: the score of window ``i`` is then the score of
    time step ``i + T - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon import LSTMForecastDetector
    >>> from sklearn_recon.windows import sliding_windows
    >>> series = np.sin(np.arange(400) / 5)
    >>> X = sliding_windows(series, 10).reshape(-1, 10)
    >>> detector = LSTMForecastDetector(units=8, epochs=3,
    ...                                 random_state=0).fit(X)
    >>> detector.forecast(X[:5]).shape
    (5, 1)
    >>> detector.score_samples(X[:5]).shape
    (5,)
    """

    _parameter_constraints: dict = {
        **BaseKerasDetector._parameter_constraints,
        **_RECURRENT_CONSTRAINTS,
        "loss": [StrOptions({"mae", "mse"})],
    }

    def __init__(
        self,
        *,
        units=(32,),
        cell="lstm",
        n_channels=1,
        loss="mae",
        noise_std=0.0,
        epochs=100,
        batch_size=32,
        learning_rate=0.005,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        contamination="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
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
        self.units = units
        self.cell = cell
        self.n_channels = n_channels
        self.loss = loss
        self.noise_std = noise_std

    def _check_params_vs_data(self, X):
        check_units(self.units, "units")
        if X.shape[1] < 2 * self.n_channels:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 time steps per row (a past "
                f"and the step to forecast); got n_features = {X.shape[1]} with "
                f"n_channels={self.n_channels}, i.e. "
                f"{X.shape[1] // self.n_channels} time step(s)."
            )

    def _keras_loss(self):
        return self.loss

    def _training_targets(self, X, y):
        return np.asarray(X[:, -self.n_channels :], dtype=np.float32)

    def _build_network(self, n_features, seed):
        from ._networks import build_lstm_forecaster

        return build_lstm_forecaster(
            n_features // self.n_channels,
            self.n_channels,
            units=check_units(self.units, "units"),
            cell=self.cell,
            noise_std=self.noise_std,
            seed=seed,
        )

    def _error_ops(self, model, x):
        forecast = model(x, training=False)
        ops = array_ops(x, forecast)
        diff = x[:, -1, :] - forecast
        error = ops.abs(diff) if self.loss == "mae" else ops.square(diff)
        return ops.mean(error, axis=1)

    def forecast(self, X):
        """Return the network's forecast of the last time step of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps * n_channels) or \
(n_samples, n_timesteps, n_channels)
            The sequences; their last step is not read.

        Returns
        -------
        forecast : ndarray of shape (n_samples, n_channels)
            The predicted last step of each row.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        forecast = self._inference.run(
            "forecast",
            lambda model: lambda x: model(x, training=False),
            self._model_input(X),
            verbose=self.verbose,
        )
        check_finite_output(forecast, X, "forecast")
        return forecast.astype(np.float64)
