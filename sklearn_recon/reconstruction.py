"""Outlier detection with the user's own Keras network."""

import inspect

from .base import BaseReconstructionDetector
from .utils._docstring import (
    RANDOM_STATE_VERBOSE,
    contamination_parameter,
    fill_doc,
    training_parameters,
)
from .utils._keras import get_keras, keras_default_seeds


def _declares_seed(builder):
    """Whether the callable ``builder`` takes a ``seed`` argument by name."""
    try:
        parameters = inspect.signature(builder).parameters
    except (TypeError, ValueError):  # no signature to read (some builtins)
        return False
    seed = parameters.get("seed")
    return seed is not None and seed.kind in (seed.POSITIONAL_OR_KEYWORD, seed.KEYWORD_ONLY)


def _with_symbolic_input(network, n_features):
    """``network`` built for rows of ``n_features`` values, with symbolic inputs.

    A functional model has them already; a sequential one without an
    ``Input`` is built; a subclassed model (its ``call`` is code) is wrapped
    in a functional model around it, whose input and output shapes are then
    known like any other's.
    """
    keras = get_keras()
    try:
        network.inputs  # noqa: B018 - raises AttributeError until known
        return network
    except AttributeError:
        pass
    if isinstance(network, keras.Sequential):
        network.build((None, n_features))
        return network
    inputs = keras.Input((n_features,))
    return keras.Model(inputs, network(inputs), name=network.name)


class _Identity:
    """A key equal only to itself: the object it holds (alive, so its id stays its own)."""

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return isinstance(other, _Identity) and other.obj is self.obj


@fill_doc(
    training=training_parameters(
        epochs=100, batch_size=64, learning_rate=0.001, n_iter_no_change=10
    ),
    contamination=contamination_parameter(),
    random_state_verbose=RANDOM_STATE_VERBOSE,
)
class ReconstructionDetector(BaseReconstructionDetector):
    """Outlier detector around your own Keras network that reconstructs its input.

    Give it any Keras model that maps rows of ``n_features`` values to
    rows of the same shape, or a function that builds one for
    ``n_features``: it trains the network to reproduce normal rows and
    scores each row by its reconstruction error, with the same contract,
    thresholds, training loop and saving as
    :class:`~sklearn_recon.AutoencoderDetector` (which is this detector
    with a built-in network).

    Parameters
    ----------
    model : keras.Model or callable, default=None
        The network. A ``keras.Model`` mapping ``(batch, n_features)`` to
        ``(batch, n_features)`` is cloned for each fit with its weights as
        they are (its initial weights), so the model you pass is never
        trained or changed, and two fits start from the same weights. A
        callable is called as ``model(n_features)``, and as
        ``model(n_features, seed=seed)`` if it declares a ``seed``
        parameter (the fit's seed, to pass to the initializers); it must
        return a new ``keras.Model``, the same one for the same arguments.
        Layers created without a seed draw it from the fit's seed too.
        Uncompiled: the detector compiles it with ``loss`` and the
        training parameters. None (the default) must be replaced before
        ``fit``.

    loss : {"mse", "mae"}, default="mse"
        Reconstruction loss, and the error of each sample: its mean squared
        or mean absolute difference to its reconstruction.

    %(training)s

    %(contamination)s

    %(random_state_verbose)s

    Attributes
    ----------
    model_ : keras.Model
        The trained network: a clone of ``model`` (or the callable's
        network), trained. A subclassed model is wrapped in a functional
        model with an ``Input`` of ``n_features_in_`` values.

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
    AutoencoderDetector : The same detector with a built-in dense network.
    VAEDetector : Variational autoencoder detector.

    Notes
    -----
    :func:`~sklearn_recon.save` stores a ``keras.Model`` given as ``model``
    in Keras's ``.keras`` format, and :func:`~sklearn_recon.load` reads it
    in Keras's safe mode: a network of Keras's own layers loads without
    your code; a custom layer or model class must be registered with
    :func:`keras.saving.register_keras_serializable` (and its module
    imported) before ``load``. A callable ``model`` is code, which ``save``
    does not store: save a detector built with ``model=`` a network, or use
    :func:`joblib.dump`.

    Scoring runs in NumPy when the network is a plain chain of layers with
    NumPy versions (``Dense``, ``Conv1D``, ``LSTM``, ...) and both routes
    agree on a probe block; any other network is scored in a compiled
    graph, about a millisecond a call.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from sklearn_recon import ReconstructionDetector
    >>> def build(n_features, seed=0):
    ...     init = keras.initializers.GlorotUniform(seed=seed)
    ...     inputs = keras.Input((n_features,))
    ...     code = keras.layers.Dense(2, activation="relu", kernel_initializer=init)(inputs)
    ...     return keras.Model(inputs, keras.layers.Dense(n_features)(code))
    >>> X = np.random.RandomState(0).normal(size=(200, 6))
    >>> detector = ReconstructionDetector(build, epochs=5, random_state=0).fit(X)
    >>> detector.predict(X[:5]).shape
    (5,)
    """

    _parameter_constraints: dict = {
        **BaseReconstructionDetector._parameter_constraints,
        "model": [callable, None],
    }

    def __init__(
        self,
        model=None,
        *,
        loss="mse",
        epochs=100,
        batch_size=64,
        learning_rate=0.001,
        optimizer="adam",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
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
        self.model = model

    def _check_params_vs_data(self, X):
        if self.model is None:
            raise ValueError(
                "ReconstructionDetector needs a network: pass model=, a keras.Model "
                "mapping (batch, n_features) to (batch, n_features), or a function "
                "of n_features (and optionally seed) that returns one."
            )

    def _build_network(self, n_features, seed):
        keras = get_keras()
        source = self.model
        with keras_default_seeds(seed):
            if isinstance(source, keras.Model):
                network = _with_symbolic_input(keras.models.clone_model(source), n_features)
                if source.weights:  # same initial weights: a fit starts where the user's model is
                    network.set_weights(source.get_weights())
            else:
                network = source(n_features, **({"seed": seed} if _declares_seed(source) else {}))
                if not isinstance(network, keras.Model):
                    raise TypeError(
                        f"model={source!r} returned a {type(network).__name__}, not a keras.Model."
                    )
                network = _with_symbolic_input(network, n_features)
        expected = (None, n_features)
        shapes = tuple(network.input_shape), tuple(network.output_shape)
        if shapes != (expected, expected):
            raise ValueError(
                f"model maps inputs of shape {shapes[0]} to outputs of shape {shapes[1]}, "
                f"but X has {n_features} features: {type(self).__name__} needs a network "
                f"from {expected} to {expected}. Pass a function of n_features to build "
                "the network for any width."
            )
        return network

    def _network_key(self, n_features):
        # The network is the user's, known by the object itself rather than
        # by its repr (a function's address can be reused; two models can
        # share a name): the key holds it, so fits share compiled training
        # only with the same builder or model object.
        return (*super()._network_key(n_features), _Identity(self.model))
