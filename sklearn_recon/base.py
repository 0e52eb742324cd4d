"""Base classes of the Keras-backed outlier detectors, and their contract.

:class:`BaseKerasDetector` owns everything a detector shares: parameter and
input validation, the seeded training loop with early stopping, the
threshold, fast batched scoring, pickling, saving and export. A concrete
detector is its ``__init__`` (keyword-only parameters, stored as given),
its ``_parameter_constraints`` (merged with the base's) and these override
points, each a method of the base class:

Required (abstract):

- ``_build_network(n_features, seed)``: the uncompiled ``keras.Model`` for
  rows of ``n_features`` values, a pure function of the parameters,
  ``n_features`` and ``seed`` (usually one call to a builder of
  :mod:`sklearn_recon._networks`); pickling, :func:`~sklearn_recon.save`
  and :func:`~sklearn_recon.export` rebuild the network with it;
- ``_keras_loss()``: the training loss (a name or a Keras loss);
- ``_error_ops(model, x)``: one anomaly error per sample of the batch of
  network inputs ``x`` (higher is more anomalous), with the operations of
  :func:`~sklearn_recon.utils._keras.array_ops`: it must be traceable, as
  the exported graph and the compiled scoring run it with ``keras.ops``,
  and the NumPy route (``_numpy_network``) with NumPy.

Optional (the base's default in brackets):

- ``_validate_X(X, *, reset)``: validate the input into a 2-D float array
  [finite 2-D, float32 or float64; :class:`SequenceInputMixin` accepts 3-D
  sequences too];
- ``_check_params_vs_data(X)``: check the parameters that depend on the
  data and raise ValueError [nothing];
- ``_model_input(X)``: turn validated rows into the network's input; must
  be a reshape for :func:`~sklearn_recon.export` [the rows as they are];
- ``_training_targets(X, y)``: what the network learns to output [None: its
  input];
- ``_keras_metrics()``: the Keras metrics compiled in, kept in
  ``history_`` [None];
- ``_numpy_network(model)``: the trained network evaluated in NumPy, used in
  place of ``model`` by ``_error_ops`` and the other inference functions for
  every request, or None to compile them [``NumpyChain.of(model)`` of
  :mod:`~sklearn_recon.utils._numpy_network`: the chain of the network's
  layers if the model is a plain chain of layers with NumPy versions]. It
  is a cache of the Keras model, never a second definition: it is used only
  if ``_output_ops`` gives the same on a probe of rows on both networks
  (:func:`~sklearn_recon.utils._keras.numpy_route_agrees`), when the
  network is trained or restored;
- ``_output_ops(model, x)``: the network's output that check compares
  [``model(x, training=False)``; the reconstruction for
  :class:`BaseReconstructionDetector`];
- ``_threshold_from_errors(errors, sample_weight)``: the error threshold
  from the training errors [``contamination``'s rule];
- ``_split_validation(x, targets, sample_weight, seed)``: hold out the
  early-stopping rows [a seeded shuffle of ``validation_fraction``];
- ``_train(X, targets, sample_weight, seed)``: build and train the network
  (:class:`~sklearn_recon.RNNClassifierDetector` adds its synthetic
  anomalies here) [one seeded training run];
- the class attributes ``_TRAINING_LOOP_PARAMS`` (parameters that do not
  change the compiled training step) and ``_private_fitted``, the one list
  of the fitted state that is not a public attribute ``name_``: each
  private fitted attribute with how it is kept (merge the base's, e.g. the
  VAE adds its search tree as ``"derived"``). A failed fit forgets them
  all, pickling and :func:`~sklearn_recon.save` store the ``"state"`` ones
  as they are and rebuild the ``"derived"`` ones.

What the rest of the package may use of a fitted detector, besides the
scikit-learn API: ``_network_copy()``, ``_saved_network()`` and
``_state_without_network()`` (what :func:`~sklearn_recon.save` writes),
``_restore_network(load_weights)`` and ``_defer_network(archive, route)``
(how pickling and :func:`~sklearn_recon.load` rebuild the network, through
Keras or, when the file holds a NumPy route, without it until ``model_`` is
first read), ``_model_input`` and ``_network_error(x)`` (what the exported
graph computes). Nothing outside this module reads ``_seed``, ``_inference``
or calls ``_build_network`` directly; a subclass that needs inference
functions of a network of its own while it trains gets them from
``_inference_functions(model)``.

The sign and flag conventions are scikit-learn's: ``score_samples`` is
minus the anomaly error, ``decision_function = score_samples - offset_``
(``offset_ = -threshold_``), and ``predict`` is -1 where the error is above
``threshold_`` (the flag rule of :func:`sklearn_recon.utils._response.flag`).

:class:`BaseReconstructionDetector` adds what the autoencoders share:
the network reproduces its input, the error is the mean absolute or squared
difference, and ``reconstruct`` / ``reconstruction_error`` expose it.

Adding a detector: see "How to add a detector" in ARCHITECTURE.md at the
root of the repository.
"""

import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._version import __version__
from .utils._docstring import FIT_SAMPLE_WEIGHT, fill_doc
from .utils._fitting import unfitted_on_failure
from .utils._keras import (
    InferenceFunctions,
    array_ops,
    check_finite_output,
    derive_seed,
    get_keras,
)
from .utils._numpy_network import NumpyChain
from .utils._response import flag
from .utils._sklearn_compat import Interval, StrOptions, _fit_context
from .utils._stored_network import NetworkOnFirstUse, StoredNetwork, numpy_route, rebuild_route
from .utils._training import train
from .utils._validation import check_not_temporal, check_sample_weight

# Validated input keeps float32 or float64; anything else becomes float64.
_FLOAT_DTYPES = (np.float64, np.float32)

_OPTIMIZERS = ("adam", "adamw", "nadam", "rmsprop", "sgd")


def _take(arrays, index):
    """``array[index]`` of each array of ``arrays``, None staying None."""
    return tuple(None if array is None else array[index] for array in arrays)


def _weighted_quantile(values, weights, q):
    """Quantile ``q`` of ``values`` weighted by ``weights`` (positive).

    Each value stands at the middle of its share of the total weight, and
    the quantile is interpolated linearly between those positions.
    """
    order = np.argsort(values, kind="mergesort")
    values, weights = values[order], weights[order]
    position = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return float(np.interp(q, position, values))


_NOT_A_CLASSIFIER = (
    "{name} is an outlier detector, not a classifier: it has no classes_. "
    "scikit-learn's classifier wrappers (TunedThresholdClassifierCV, "
    "FixedThresholdClassifier, CalibratedClassifierCV, ...) cannot wrap it. To "
    "choose its threshold from labelled data, wrap it in "
    "sklearn_recon.CostThreshold (least cost) or sklearn_recon.ThresholdSelector "
    "(best F1, any scorer, or a rule): they are binary classifiers, with classes_."
)


@fill_doc(fit_sample_weight=FIT_SAMPLE_WEIGHT)
class BaseKerasDetector(OutlierMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of the Keras-backed outlier detectors.

    Not meant to be used directly: use a concrete detector such as
    :class:`~sklearn_recon.AutoencoderDetector`. Subclasses document the
    parameters below.

    The detector follows scikit-learn's outlier-detector contract:
    ``score_samples`` is higher for more normal samples (minus the anomaly
    error), ``decision_function = score_samples - offset_`` is negative for
    anomalies and ``predict`` returns +1 for inliers and -1 for outliers.
    """

    # The fitted state besides the public attributes ``name_``, each with how
    # it is kept: "state" is pickled and saved as it is, "network" is the
    # network (pickled as its weights, saved as a Keras archive), "derived"
    # is rebuilt from the rest. A failed fit forgets all of them.
    _private_fitted = {
        "model_": "network",
        "_stored_network": "network",
        "_seed": "state",
        "_inference": "derived",
    }

    model_ = NetworkOnFirstUse()

    _parameter_constraints: dict = {
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    @abstractmethod
    def __init__(
        self,
        *,
        epochs,
        batch_size,
        learning_rate,
        optimizer,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        contamination,
        random_state,
        verbose,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.contamination = contamination
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ hooks

    @abstractmethod
    def _build_network(self, n_features, seed):
        """Return the uncompiled network for rows of ``n_features`` values."""

    @abstractmethod
    def _keras_loss(self):
        """Return the Keras loss the network is trained with."""

    @abstractmethod
    def _error_ops(self, model, x):
        """Return one anomaly error per sample of the batch ``x`` (``array_ops``)."""

    def _validate_X(self, X, *, reset):
        """Validate ``X`` into a finite 2-D float array."""
        check_not_temporal(X)
        return validate_data(self, X, dtype=_FLOAT_DTYPES, reset=reset)

    def _check_params_vs_data(self, X):
        """Check the parameters that depend on the data; raise ValueError."""

    def _model_input(self, X):
        """Turn validated rows into the network's input."""
        return X

    def _training_targets(self, X, y):
        """Return what the network is trained to output, or None for its input."""
        return None

    def _keras_metrics(self):
        """Return the Keras metrics to compile with (kept in ``history_``), or None."""
        return None

    def _numpy_network(self, model):
        """Return ``model`` evaluated in NumPy, or None to compile it."""
        return NumpyChain.of(model)

    def _output_ops(self, model, x):
        """The network's output on the batch ``x`` at inference (the parity check's)."""
        return model(x, training=False)

    def _inference_functions(self, model):
        """The inference functions of the trained ``model``.

        On the NumPy route if ``_numpy_network`` gives a network that
        computes what ``model`` computes on a probe of rows, else compiled.
        """
        return InferenceFunctions(
            model,
            self._numpy_network(model),
            check=lambda network: lambda x: self._output_ops(network, x),
        )

    def _threshold_from_errors(self, errors, sample_weight=None):
        """Return the error threshold for the training errors ``errors``."""
        if self.contamination == "auto":
            if sample_weight is None:
                return float(np.mean(errors) + np.std(errors))
            mean = np.average(errors, weights=sample_weight)
            std = np.sqrt(np.average((errors - mean) ** 2, weights=sample_weight))
            return float(mean + std)
        # IsolationForest's rule, on errors instead of scores: exactly the
        # share ``contamination`` of the training samples lies above it.
        if sample_weight is None:
            return float(np.percentile(errors, 100.0 * (1.0 - self.contamination)))
        return _weighted_quantile(errors, sample_weight, 1.0 - self.contamination)

    # --------------------------------------------------------------- training

    @_fit_context(prefer_skip_nested_validation=True)
    @unfitted_on_failure
    def fit(self, X, y=None, sample_weight=None):
        """Train the network on ``X`` and set the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal (or mostly normal) data.

        y : Ignored
            Not used, present for API consistency by convention.

        %(fit_sample_weight)s

        Returns
        -------
        self : object
            Fitted detector.
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        """Validate the training data, train the network and set the threshold.

        The fitted attributes are set only once training succeeded; ``fit``
        leaves the estimator unfitted if anything fails.
        """
        X = self._validate_X(X, reset=True)
        sample_weight = check_sample_weight(sample_weight, X)
        targets = self._training_targets(X, y)
        if sample_weight is not None:
            # A weight of 0 means "not there"; the others only count relative
            # to each other, and equal weights are no weights at all.
            keep = sample_weight > 0
            X, sample_weight = X[keep], sample_weight[keep]
            targets = None if targets is None else targets[keep]
            sample_weight = sample_weight / sample_weight.mean()
            if np.all(sample_weight == 1.0):
                sample_weight = None
        self._check_params_vs_data(X)
        seed = derive_seed(self.random_state)
        model, history, best_epoch = self._train(X, targets, sample_weight, seed)
        inference = self._inference_functions(model)
        errors = self._errors(X, inference)
        self._set_network(model, inference)
        self._seed = seed
        self.history_ = history
        self.n_iter_ = len(history["loss"])
        if best_epoch is not None:
            self.best_epoch_ = best_epoch
        self.threshold_ = self._threshold_from_errors(errors, sample_weight)
        self.offset_ = -self.threshold_
        return self

    def _split_validation(self, x, targets, sample_weight, seed):
        """Hold out ``validation_fraction`` of the rows for early stopping.

        Returns the training and the validation ``(x, targets,
        sample_weight)``; the validation part is None without early
        stopping. ``targets`` and ``sample_weight`` may be None.
        """
        parts = (x, targets, sample_weight)
        if not self.early_stopping:
            return parts, None
        n_samples = x.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if n_samples - n_val < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the samples, which leaves none to "
                f"train on with n_samples = {n_samples}. Pass more samples or "
                "early_stopping=False."
            )
        order = np.random.default_rng(seed).permutation(n_samples)
        return _take(parts, order[n_val:]), _take(parts, order[:n_val])

    def _make_optimizer(self):
        keras = get_keras()
        classes = {
            "adam": keras.optimizers.Adam,
            "adamw": keras.optimizers.AdamW,
            "nadam": keras.optimizers.Nadam,
            "rmsprop": keras.optimizers.RMSprop,
            "sgd": keras.optimizers.SGD,
        }
        return classes[self.optimizer](learning_rate=self.learning_rate)

    def _train(self, X, targets, sample_weight, seed):
        """Build and train a new network; return it with its history and best epoch."""
        with np.errstate(over="ignore"):  # reported just below
            x = np.asarray(self._model_input(X), dtype=np.float32)
        if not np.isfinite(x).all():
            raise ValueError(
                "X holds values beyond the float32 range the network trains in "
                f"(largest absolute value {float(np.max(np.abs(X))):.3g}). Scale X, "
                "for example with a scaler in a Pipeline."
            )
        training, validation = self._split_validation(x, targets, sample_weight, seed)
        model, history, best_epoch = train(
            lambda: self._build_network(X.shape[1], seed),
            dict(
                optimizer=self._make_optimizer,
                loss=self._keras_loss(),
                metrics=self._keras_metrics(),
            ),
            training,
            validation,
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.n_iter_no_change,
            seed=seed,
            verbose=self.verbose,
            cache_key=self._network_key(X.shape[1]),
        )
        self._check_history(history)
        if best_epoch is not None:
            n_iter = len(history["loss"])
            if n_iter == self.epochs and best_epoch == n_iter - 1:
                warnings.warn(
                    f"{type(self).__name__} ran all epochs={self.epochs} and the "
                    "validation loss was still improving; raise epochs for a "
                    "better fit.",
                    ConvergenceWarning,
                )
        return model, history, best_epoch

    # Parameters that change neither the network nor how one step trains it:
    # fits that differ only in these share one compiled training epoch.
    _TRAINING_LOOP_PARAMS = frozenset(
        {
            "epochs",
            "early_stopping",
            "validation_fraction",
            "n_iter_no_change",
            "contamination",
            "random_state",
            "verbose",
        }
    )

    def _network_key(self, n_features):
        """What identifies this fit's network and training step, hashable."""
        params = self.get_params(deep=False)
        return (
            type(self),
            n_features,
            repr(
                sorted(
                    (name, value)
                    for name, value in params.items()
                    if name not in self._TRAINING_LOOP_PARAMS
                )
            ),
        )

    def _check_history(self, history):
        for epoch, loss in enumerate(history["loss"], start=1):
            if not np.isfinite(loss):
                raise ValueError(
                    f"Training of {type(self).__name__} diverged: the loss became "
                    f"{loss} in epoch {epoch}. Lower learning_rate "
                    f"(now {self.learning_rate}) or scale X, for example with a "
                    "scaler in a Pipeline."
                )

    # ---------------------------------------------------------------- scoring

    def __sklearn_is_fitted__(self):
        # not hasattr(self, "model_"), which rebuilds a loaded network
        return "model_" in vars(self) or "_stored_network" in vars(self)

    @property
    def classes_(self):
        """Not defined: an outlier detector has no classes (see the message)."""
        raise AttributeError(_NOT_A_CLASSIFIER.format(name=type(self).__name__))

    def _errors(self, X, inference=None):
        """Anomaly error of each validated row (higher is more anomalous)."""
        inference = self._inference if inference is None else inference
        errors = inference.run(
            "error",
            lambda model: lambda x: self._error_ops(model, x),
            self._model_input(X),
            verbose=self.verbose,
        )
        check_finite_output(errors, X, "anomaly score")
        return errors.astype(np.float64)

    def score_samples(self, X):
        """Return the opposite of the anomaly error of each sample.

        The higher, the more normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the anomaly error of each sample.
        """
        check_is_fitted(self)
        return -self._errors(self._validate_X(X, reset=False))

    def decision_function(self, X):
        """Return the shifted score: negative for anomalies, positive otherwise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``; below 0 means anomaly.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Predict whether each sample is normal (+1) or an anomaly (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to classify.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for normal samples, -1 for anomalies.
        """
        # the package's flag rule (utils._response.flag): an error above the
        # threshold, i.e. a negative decision_function, is an anomaly
        return np.where(flag(-self.score_samples(X), -self.offset_), -1, 1)

    # --------------------------------------------------------------- pickling

    def __getstate__(self):
        state = dict(super().__getstate__())
        model, stored = state.get("model_"), state.get("_stored_network")
        for key in self._private_fitted:
            if self._private_fitted[key] != "state":
                state.pop(key, None)
        if model is not None:
            state["_model_weights"] = [np.asarray(w) for w in model.get_weights()]
        elif stored is not None:  # loaded, never used: no Keras needed
            state["_stored_network"] = stored
        state["_sklearn_recon_version"] = __version__
        return state

    def __setstate__(self, state):
        state = dict(state)
        version = state.pop("_sklearn_recon_version", None)
        if version != __version__:
            warnings.warn(
                f"This {type(self).__name__} was pickled with sklearn_recon "
                f"{version} and is loaded with {__version__}; it may not work "
                "the same.",
                UserWarning,
            )
        weights = state.pop("_model_weights", None)
        stored = state.pop("_stored_network", None)
        super().__setstate__(state)
        if weights is not None:
            self._restore_network(lambda model: model.set_weights(weights))
        elif stored is not None:
            self._defer_network(stored.archive, stored.route)

    def _state_without_network(self):
        """The instance's attributes, without the network and what derives from it."""
        return {
            key: value
            for key, value in vars(self).items()
            if self._private_fitted.get(key, "state") == "state"
        }

    def _network_copy(self):
        """An uncompiled copy of the fitted network, with the trained weights.

        Built exactly as :meth:`_restore_network` rebuilds it, so that a
        saved copy holds no optimizer state and loads into the rebuilt
        network.
        """
        check_is_fitted(self)
        model = self._build_network(self.n_features_in_, self._seed)
        model.set_weights(self.model_.get_weights())
        return model

    def _network_error(self, x):
        """The anomaly error of the batch of network inputs ``x`` (traceable)."""
        return self._error_ops(self.model_, x)

    def _restore_network(self, load_weights):
        """Rebuild the fitted network with its builder; ``load_weights(model)`` fills it.

        The builders are pure functions of the parameters, ``n_features_in_``
        and ``_seed``, so no Keras configuration needs to be deserialized.
        """
        model = self._build_network(self.n_features_in_, self._seed)
        load_weights(model)
        self._set_network(model, self._inference_functions(model))

    def _set_network(self, model, inference):
        """Hold the trained or rebuilt ``model`` and its inference functions."""
        vars(self).pop("_stored_network", None)
        self.model_ = model
        self._inference = inference

    def _saved_network(self):
        """What :func:`~sklearn_recon.save` stores of the fitted network.

        Returns ``(archive, route)``: the bytes of the Keras archive a loaded
        detector was read from while its network was never used (saved again
        as they are), else None (save writes :meth:`_network_copy`); and the
        NumPy route (:func:`~sklearn_recon.utils._stored_network.numpy_route`),
        None for a network scored in a graph.
        """
        check_is_fitted(self)
        if "_stored_network" in vars(self):
            return self._stored_network.archive, self._stored_network.route
        network = self._inference.numpy_network
        if network is None:
            return None, None
        return None, numpy_route(self.model_, network, self._output_ops)

    def _defer_network(self, archive, route):
        """Score on the stored NumPy ``route``; rebuild the network on first use.

        ``archive`` and ``route`` are what :meth:`_saved_network` gave. The
        route is rebuilt without Keras and checked against its stored probe
        output (ValueError if it differs); the Keras network is rebuilt from
        ``archive`` when ``model_`` is first read.
        """
        network = rebuild_route(route, self._output_ops)
        vars(self).pop("model_", None)
        self._stored_network = StoredNetwork(archive, route)
        self._inference = InferenceFunctions(None, network)


class BaseReconstructionDetector(BaseKerasDetector):
    """Base class of the detectors whose network reconstructs its input.

    The anomaly error of a sample is the mean absolute (``loss="mae"``) or
    squared (``loss="mse"``) difference between the sample and its
    reconstruction, the same quantity the network is trained to minimise.
    """

    _parameter_constraints: dict = {
        **BaseKerasDetector._parameter_constraints,
        "loss": [StrOptions({"mae", "mse"})],
    }

    @abstractmethod
    def __init__(self, *, loss, **kwargs):
        super().__init__(**kwargs)
        self.loss = loss

    def _keras_loss(self):
        return self.loss

    def _reconstruction_ops(self, model, x):
        """The reconstruction of the batch ``x`` at inference."""
        return model(x, training=False)

    def _output_ops(self, model, x):
        return self._reconstruction_ops(model, x)

    def _elementwise_error_ops(self, x, reconstruction):
        ops = array_ops(x, reconstruction)
        diff = x - reconstruction
        return ops.abs(diff) if self.loss == "mae" else ops.square(diff)

    def _reconstruction_error_ops(self, model, x, reconstruction=None):
        """The reconstruction error of each sample of the batch ``x``.

        ``reconstruction``: the network's reconstruction of ``x`` if the
        caller has it already (None computes it).
        """
        if reconstruction is None:
            reconstruction = self._reconstruction_ops(model, x)
        error = self._elementwise_error_ops(x, reconstruction)
        return array_ops(error).mean(error, axis=tuple(range(1, len(x.shape))))

    def _error_ops(self, model, x):
        return self._reconstruction_error_ops(model, x)

    def reconstruct(self, X):
        """Return the network's reconstruction of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to reconstruct.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
            The reconstruction, in the layout of ``X``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        reconstruction = self._inference.run(
            "reconstruct",
            lambda model: lambda x: self._reconstruction_ops(model, x),
            self._model_input(X),
            verbose=self.verbose,
        ).reshape(X.shape)
        check_finite_output(reconstruction, X, "reconstruction")
        return reconstruction.astype(np.float64)

    def reconstruction_error(self, X, *, per_feature=False):
        """Return the reconstruction error of each sample or of each value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        per_feature : bool, default=False
            If True, return the error of every value (absolute difference
            for ``loss="mae"``, squared difference for ``loss="mse"``), which
            shows which features or time steps made a sample anomalous.

        Returns
        -------
        errors : ndarray of shape (n_samples,) or (n_samples, n_features)
            The error per sample, or per value, whose row means are the
            errors per sample. The error per sample is ``-score_samples(X)``
            unless the detector adds another term to its anomaly error
            (:class:`~sklearn_recon.VAEDetector` with ``n_neighbors``).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if not per_feature:
            errors = self._inference.run(
                "reconstruction_error",
                lambda model: lambda x: self._reconstruction_error_ops(model, x),
                self._model_input(X),
                verbose=self.verbose,
            )
            check_finite_output(errors, X, "reconstruction error")
            return errors.astype(np.float64)
        errors = self._inference.run(
            "feature_error",
            lambda model: (
                lambda x: self._elementwise_error_ops(x, self._reconstruction_ops(model, x))
            ),
            self._model_input(X),
            verbose=self.verbose,
        ).reshape(X.shape)
        check_finite_output(errors, X, "reconstruction error")
        return errors.astype(np.float64)


class SequenceInputMixin:
    """Read every row as one multichannel sequence.

    A 2-D ``X`` of width ``T * n_channels`` holds ``T`` time steps of
    ``n_channels`` values each, time-major (``t0c0, t0c1, ..., t1c0, ...``);
    a 3-D ``X`` of shape ``(n_samples, T, n_channels)`` is accepted too and
    read as the same rows. Rows stay independent samples, so every
    scikit-learn check applies. The network sees ``(n_samples, T,
    n_channels)``. Subclasses declare an ``n_channels`` parameter.
    """

    def _validate_X(self, X, *, reset):
        # np.asarray, not np.ndim: array-likes that only implement
        # __array__ (no __array_function__) must be accepted too.
        ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
        if ndim == 3:
            X = np.asarray(X)
            if X.shape[2] != self.n_channels:
                raise ValueError(
                    f"X has {X.shape[2]} channels (its last axis), but "
                    f"{type(self).__name__} has n_channels={self.n_channels}."
                )
            X = X.reshape(X.shape[0], -1)
        X = super()._validate_X(X, reset=reset)
        if reset and X.shape[1] % self.n_channels:
            raise ValueError(
                f"X has {X.shape[1]} features, which is not a whole number of "
                f"time steps of n_channels={self.n_channels} values."
            )
        return X

    def _model_input(self, X):
        return X.reshape(X.shape[0], -1, self.n_channels)

    @property
    def n_timesteps_(self):
        """Number of time steps of each sequence seen during ``fit``."""
        check_is_fitted(self)
        return self.n_features_in_ // self.n_channels
