"""Recurrent classifier detector: supervised detection from labelled sequences."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from .base import BaseKerasDetector, SequenceInputMixin, _take
from .utils._docstring import (
    RANDOM_STATE_VERBOSE,
    fill_doc,
    training_parameters,
)
from .utils._keras import array_ops
from .utils._sklearn_compat import Interval, StrOptions
from .utils._validation import check_anomaly_label, check_units

#: Kinds of synthetic anomaly made by ``fit(X)`` without labels.
_PERTURBATIONS = ("noise", "scale", "shift", "reverse", "flip")


def _synthetic_anomalies(X, rng):
    """Perturb every sequence of ``X`` into a synthetic anomaly.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels)
        Normal sequences.

    rng : numpy.random.Generator
        Source of all randomness.

    Returns
    -------
    anomalies : ndarray of the shape of ``X``
        One perturbed copy of each sequence; ``X`` is left unchanged.
    """
    n_samples, n_timesteps, _ = X.shape
    # Perturbations are sized by each channel's spread over the training data.
    scale = X.std(axis=(0, 1))
    scale = np.where(scale > 0, scale, 1.0)
    out = np.array(X, dtype=np.float64, copy=True)
    kinds = rng.integers(len(_PERTURBATIONS), size=n_samples)
    min_length = max(1, n_timesteps // 4)
    for i, kind in enumerate(kinds):
        start = int(rng.integers(0, n_timesteps - min_length + 1))
        stop = int(rng.integers(start + min_length, n_timesteps + 1))
        segment = out[i, start:stop]
        mean = segment.mean(axis=0)
        kind = _PERTURBATIONS[kind]
        if kind == "noise":
            segment += rng.normal(scale=rng.uniform(0.3, 1.0) * scale, size=segment.shape)
        elif kind == "scale":
            factor = rng.choice([rng.uniform(0.0, 0.5), rng.uniform(1.5, 3.0)])
            segment[:] = mean + factor * (segment - mean)
        elif kind == "shift":
            segment += rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 3.0) * scale
        elif kind == "reverse":
            segment[:] = segment[::-1].copy()
        else:  # "flip": mirror the segment around its mean
            segment[:] = 2 * mean - segment
    return out


@fill_doc(
    training=training_parameters(
        epochs=100, batch_size=128, learning_rate=0.005, n_iter_no_change=5
    ),
    random_state_verbose=RANDOM_STATE_VERBOSE,
)
class RNNClassifierDetector(SequenceInputMixin, BaseKerasDetector):
    """Recurrent (GRU or LSTM) classifier that flags anomalous sequences.

    The supervised detector: ``fit(X, y)`` learns from labelled normal and
    anomalous rows, weighting the classes so the rare anomalies count as
    much as the normal rows. Each row is read as a sequence of
    ``n_channels`` values per time step (see Notes). The network ends in one
    logit, the log-odds that a sequence is an anomaly, trained with a
    binary cross-entropy.

    It follows the outlier-detector contract of the other detectors:
    ``score_samples`` is the log-odds that a row is *normal* (higher is more
    normal), ``decision_function`` is negative for anomalies and
    ``predict`` returns +1 or -1. ``fit(X)`` without labels trains against
    synthetic anomalies made from ``X`` (see Notes).

    Parameters
    ----------
    n_channels : int, default=1
        Values per time step. A row of ``n_features`` values holds
        ``n_features // n_channels`` time steps, time-major: ``t0c0, t0c1,
        ..., t1c0, ...``. A 3-D ``X`` of shape ``(n_samples, n_timesteps,
        n_channels)`` is accepted too.

    cell : {"gru", "lstm"}, default="gru"
        Recurrent layer type.

    units : int or tuple of int, default=(32,)
        Width of each stacked recurrent layer, e.g. ``(64, 32)`` for two.

    downsample : int, default=8
        Stride of a convolutional front end (``conv_filters`` ReLU filters
        of width ``2 * downsample``) that shortens each sequence
        ``downsample`` times before the recurrent layers, which then run
        over ``ceil(n_timesteps / downsample)`` steps. 1 leaves it out and
        feeds the raw steps to the recurrent layers.

    conv_filters : int, default=32
        Filters of the convolutional front end; unused with
        ``downsample=1``.

    bidirectional : bool, default=False
        Whether every recurrent layer also reads the sequences backwards.

    dropout : float, default=0.0
        Dropout rate on the output of every recurrent layer while training.

    anomaly_label : int, float or str, default=-1
        The value of ``y`` that marks an anomaly; every other value is
        normal. ``-1`` matches the coding of ``predict``; pass
        ``anomaly_label=1`` for data coded 0/1 with 1 = anomaly. A value
        that is not among the labels of ``y`` is an error, never a guess.

    class_weight : "balanced" or None, default="balanced"
        "balanced" weighs each class by ``n_samples / (2 * n_class)`` in the
        loss, so a rare anomaly class weighs as much as the normal one;
        None gives every sample the same weight.

    %(training)s

    contamination : "auto" or float, default="auto"
        Sets the threshold. With ``"auto"`` a row is an anomaly when the
        network gives it an anomaly probability above 0.5 (an anomaly
        logit above 0), the natural cut of a classifier trained with
        balanced class weights. With a float in (0, 0.5] the threshold is
        the quantile of the training rows' anomaly logits that flags that
        share of the training rows, as for the other detectors.

    %(random_state_verbose)s

    Attributes
    ----------
    model_ : keras.Model
        The trained network; it outputs the anomaly logit of each sequence.

    classes_ : ndarray of shape (2,)
        ``[-1, 1]``: anomaly and normal, the coding of ``predict`` and the
        column order of ``predict_proba``.

    history_ : dict of str to list of float
        Per-epoch values of the training ``loss`` and, with early stopping,
        the validation ``val_loss`` (class-weighted cross-entropies).

    n_iter_ : int
        Number of epochs run.

    best_epoch_ : int
        Index (from 0) of the epoch whose weights were kept. Only set with
        ``early_stopping=True``.

    threshold_ : float
        Anomaly logit above which a row is an anomaly; 0 with
        ``contamination="auto"``.

    offset_ : float
        ``-threshold_``, so that ``decision_function(X) = score_samples(X) -
        offset_``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    n_timesteps_ : int
        Number of time steps of each sequence seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    AutoencoderDetector : Unsupervised detector trained on normal rows.
    sklearn.ensemble.HistGradientBoostingClassifier : Supervised classifier
        for rows that are not sequences.

    Notes
    -----
    Scale the input, for example with
    :class:`~sklearn.preprocessing.MinMaxScaler` in a
    :class:`~sklearn.pipeline.Pipeline`.

    Training holds out ``validation_fraction`` of each class for early
    stopping (a stratified split), keeping at least one row of each class
    for training; a class with a single row is not held out at all.

    **Without labels**, ``fit(X)`` treats every row of ``X`` as normal and
    adds one synthetic anomaly per row, a perturbed copy of it: on a random
    segment of at least a quarter of the sequence, either Gaussian noise
    (0.3 to 1 times each channel's standard deviation over the training
    data), a scaling around the segment's mean (by 0 to 0.5 or 1.5 to 3), a
    level shift (1 to 3 standard deviations up or down), a reversal in time
    or a mirroring around the segment's mean. The perturbations are drawn
    from the seed of the fit. The network then learns how far a row may
    depart from the training rows, so the detector stays a valid
    unsupervised outlier detector; real labelled anomalies teach it much
    more.

    Recurrent layers are slow on long sequences. On a CPU, a 140-step
    series costs ~140 sequential steps per batch; reading ``k``
    consecutive values as the ``k`` channels of one step (``n_channels=k``)
    cuts that ``k``-fold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon import RNNClassifierDetector
    >>> rng = np.random.RandomState(0)
    >>> t = np.linspace(0, 4 * np.pi, 20)
    >>> X = np.sin(t + rng.uniform(0, 6, size=(120, 1)))
    >>> y = np.where(np.arange(120) < 100, 1, -1)
    >>> X[y == -1] += rng.normal(size=(20, 20))
    >>> detector = RNNClassifierDetector(units=4, epochs=3,
    ...                                  random_state=0).fit(X, y)
    >>> detector.predict(X[:5]).shape
    (5,)
    >>> detector.predict_proba(X[:5]).shape
    (5, 2)
    >>> detector.classes_
    array([-1,  1])
    >>> detector.predict(X[-2:])  # doctest: +SKIP
    array([-1, -1])
    """

    _parameter_constraints: dict = {
        **BaseKerasDetector._parameter_constraints,
        "n_channels": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions({"gru", "lstm"})],
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "downsample": [Interval(Integral, 1, None, closed="left")],
        "conv_filters": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "anomaly_label": [Real, str],
        "class_weight": [StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        n_channels=1,
        cell="gru",
        units=(32,),
        downsample=8,
        conv_filters=32,
        bidirectional=False,
        dropout=0.0,
        anomaly_label=-1,
        class_weight="balanced",
        epochs=100,
        batch_size=128,
        learning_rate=0.005,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
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
        self.n_channels = n_channels
        self.cell = cell
        self.units = units
        self.downsample = downsample
        self.conv_filters = conv_filters
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.anomaly_label = anomaly_label
        self.class_weight = class_weight

    # ---------------------------------------------------------------- training

    def fit(self, X, y=None, sample_weight=None):
        """Train the classifier on labelled rows, or on ``X`` alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_channels)
            Training sequences.

        y : array-like of shape (n_samples,), default=None
            Labels: ``anomaly_label`` marks the anomalies, every other value
            a normal row. None treats all rows as normal and trains against
            synthetic anomalies (see Notes).

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss, multiplied by its
            class weight; None weighs every row equally. A row of weight 0
            is ignored. Without ``y``, each synthetic anomaly gets the weight
            of the row it was made from.

        Returns
        -------
        self : object
            Fitted detector.
        """
        return super().fit(X, y, sample_weight=sample_weight)

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit on ``X`` (and labels ``y``) and predict whether each row is an anomaly.

        Unlike ``OutlierMixin.fit_predict``, the labels reach :meth:`fit`.

        Parameters
        ----------
        X : array-like
            Training sequences, as in :meth:`fit`.

        y : array-like of shape (n_samples,), default=None
            Labels, as in :meth:`fit`.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights, as in :meth:`fit`.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for normal rows, -1 for anomalies.
        """
        return self.fit(X, y, sample_weight=sample_weight).predict(X)

    @property
    def classes_(self):
        """The classes, ``[-1, 1]``: anomaly and normal (once fitted)."""
        check_is_fitted(self)
        return np.array([-1, 1])

    def _training_targets(self, X, y):
        """Whether each labelled row is an anomaly, as float; None without labels."""
        if y is None:
            return None
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        return check_anomaly_label(y, self.anomaly_label).astype(np.float32)

    def _pack_targets(self, is_anomaly, sample_weight=None):
        """Pack ``(is_anomaly, weight)`` per row: class weight times sample weight."""
        is_anomaly = np.asarray(is_anomaly, dtype=bool)
        weight = np.ones(len(is_anomaly)) if sample_weight is None else sample_weight
        if is_anomaly.all():
            raise ValueError(
                f"y holds one class only: every label is anomaly_label="
                f"{self.anomaly_label!r}. {type(self).__name__} needs normal rows "
                "too; call fit(X) without y to train on X as normal rows."
            )
        if not is_anomaly.any():
            raise ValueError(
                f"No row of non-zero sample_weight is labelled anomaly_label="
                f"{self.anomaly_label!r}; give the anomalies a positive weight."
            )
        if self.class_weight == "balanced":
            # n / (2 n_class), counted with the sample weights
            total = weight.sum()
            anomalies = weight[is_anomaly].sum()
            weight = weight * np.where(
                is_anomaly, total / (2.0 * anomalies), total / (2.0 * (total - anomalies))
            )
        return np.column_stack([is_anomaly, weight]).astype(np.float32)

    def _train(self, X, targets, sample_weight, seed):
        if targets is None:
            # No labels: every row is normal, and a perturbed copy of each one
            # is an anomaly, with the weight of its row.
            x = self._model_input(X)
            anomalies = _synthetic_anomalies(x, np.random.default_rng(seed))
            X = np.concatenate([X, anomalies.reshape(X.shape)])
            targets = np.arange(len(X)) >= len(x)
            if sample_weight is not None:
                sample_weight = np.concatenate([sample_weight, sample_weight])
        # The weights travel inside the targets, to the class-weighted loss.
        targets = self._pack_targets(targets, sample_weight)
        return super()._train(X, targets, None, seed)

    def _split_validation(self, x, targets, sample_weight, seed):
        """Hold out ``validation_fraction`` of each class, keeping one of each to train."""
        parts = (x, targets, sample_weight)
        if not self.early_stopping:
            return parts, None
        rng = np.random.default_rng(seed)
        val = []
        for label in (0, 1):
            rows = rng.permutation(np.flatnonzero(targets[:, 0] == label))
            n_val = min(int(np.ceil(self.validation_fraction * len(rows))), len(rows) - 1)
            val.append(rows[:n_val])
        val = np.sort(np.concatenate(val))
        if len(val) == 0:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of each class but must keep one row of "
                f"each for training, which leaves no validation rows with "
                f"n_samples = {len(x)}. Pass more samples or early_stopping=False."
            )
        train = np.setdiff1d(np.arange(len(x)), val)
        return _take(parts, train), _take(parts, val)

    def _check_params_vs_data(self, X):
        check_units(self.units, "units")

    def _build_network(self, n_features, seed):
        from ._networks import build_rnn_classifier

        return build_rnn_classifier(
            n_features // self.n_channels,
            self.n_channels,
            cell=self.cell,
            units=check_units(self.units, "units"),
            downsample=self.downsample,
            conv_filters=self.conv_filters,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            seed=seed,
        )

    def _keras_loss(self):
        from ._networks import weighted_logit_loss

        return weighted_logit_loss

    def _error_ops(self, model, x):
        logits = model(x, training=False)
        return array_ops(logits).squeeze(logits, axis=-1)

    def _threshold_from_errors(self, errors, sample_weight=None):
        if self.contamination == "auto":
            return 0.0
        return super()._threshold_from_errors(errors, sample_weight)

    # ----------------------------------------------------------------- scoring

    def predict_proba(self, X):
        """Return the probability of each row being an anomaly or normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_channels)
            The sequences to score.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Column 0 is the probability of an anomaly, column 1 of a normal
            row, in the order of ``classes_ = [-1, 1]``. The network's own
            probability: it ignores ``contamination`` and the threshold.
        """
        check_is_fitted(self)
        p_anomaly = expit(self._errors(self._validate_X(X, reset=False)))
        return np.column_stack([p_anomaly, 1.0 - p_anomaly])
