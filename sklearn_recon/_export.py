"""Export a fitted detector, with its preprocessing and threshold, as one graph.

:func:`export` writes what a fitted estimator computes at scoring time as a
single inference graph: the scaling and imputation of its Pipeline, the
trained network, the anomaly error, the threshold and the labels of
``predict``. The graph has one input, ``X`` (float32 rows of shape
``(batch, n_features)``, any batch size), and three outputs: ``score``
(``score_samples``), ``decision`` (``decision_function``), both float32, and
``flag`` (``predict``'s labels).

Two formats are written from the same TensorFlow function:

- ``"onnx"``: an ONNX model, converted with ``tf2onnx``, that runs in
  ``onnxruntime`` without TensorFlow (``pip install "sklearn-recon[export]"``);
- ``"saved_model"``: a TensorFlow SavedModel with a ``serving_default``
  signature, written by ``keras.export.ExportArchive`` as Keras's own
  ``Model.export`` and TF Serving expect.
"""

import json
import numbers
import os

import numpy as np

from ._version import __version__

__all__ = ["export"]

#: The formats :func:`export` writes.
FORMATS = ("onnx", "saved_model")

#: ONNX opset of the exported graphs unless ``opset`` is given (opset 17 came
#: with ONNX 1.12 in 2022; current runtimes read it).
DEFAULT_OPSET = 17

#: Name of the graph's input and of its outputs.
INPUT_NAME = "X"
OUTPUT_NAMES = ("score", "decision", "flag")

#: Name of the SavedModel endpoint (the first endpoint of an ExportArchive is
#: also its ``serving_default`` signature, as with ``Model.export``).
SAVED_MODEL_ENDPOINT = "serve"

_EXTRA_HINT = 'pip install "sklearn-recon[export]"'

_SCALERS = "StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler and SimpleImputer"


def _supported():
    """What export supports, naming the detectors of the registry."""
    from .utils._registry import entries

    names = ", ".join(entry.name for entry in entries(kind="detector"))
    return (
        f"export supports a fitted detector of sklearn-recon ({names}), a "
        "ThresholdSelector or CostThreshold around one, and Pipelines of them "
        f"after scikit-learn's {_SCALERS} (numeric, without add_indicator), "
        "with FrozenEstimator and 'passthrough' steps allowed"
    )


def _is_exportable_detector(estimator):
    """Whether ``estimator`` is one of the registry's detectors (or a subclass)."""
    from .utils._registry import entries, get_class

    return any(isinstance(estimator, get_class(entry)) for entry in entries(kind="detector"))


# ------------------------------------------------------------------ the plan


class _Plan:
    """What the exported graph computes, read off a fitted estimator.

    ``transforms`` are functions of a float32 tensor (the preprocessing, in
    order, named in ``steps``); ``detector`` is the Keras detector whose
    ``_network_error`` gives the anomaly error; ``meta`` is the threshold
    meta-estimator around it, or None: its ``best_threshold_`` and classes,
    else the detector's own ``offset_``, turn the error into ``decision``
    and ``flag`` (see :func:`_head`).
    """

    def __init__(self, estimator):
        self.transforms = []
        self.steps = []
        self.meta = None
        self.detector = None
        self._walk(estimator, type(estimator).__name__)
        self.n_features = _n_features_in(estimator)
        self.feature_names = getattr(estimator, "feature_names_in_", None)
        self.row_shape = _row_shape(self.detector, self.n_width)

    def _walk(self, estimator, where):
        from .utils._response import THRESHOLD, WRAPPERS, walk

        found = walk(estimator, enter=WRAPPERS, where=where)
        for step_where, kind, step in found.hops:
            if kind == "transform":
                self.transforms.append(_transform(step, step_where))
                self.steps.append(type(step).__name__)
            elif kind == THRESHOLD:
                if self.meta is not None:
                    raise TypeError(
                        f"{step_where} is a {type(step).__name__} inside a "
                        f"{type(self.meta).__name__}: export supports one threshold "
                        f"meta-estimator, around a detector. {_supported()}."
                    )
                self.meta = step
            else:
                raise TypeError(
                    f"{step_where} is a WindowedDetector, which export does not support: "
                    "the score of a time step aggregates the windows around it, so "
                    "it depends on the whole series, not on one input row. Export "
                    "its window detector instead, export(windowed.detector_, path), "
                    "feed the graph the rows of sliding_windows(series, "
                    "window_size, stride=stride).reshape(n_windows, -1) and map "
                    "the window errors (-score) back to time steps with "
                    "sklearn_recon.windows.aggregate_window_scores (see the "
                    f"Deploying guide). {_supported()}."
                )
        node, where = found.final, found.where
        if node is None or (isinstance(node, str) and node == "passthrough"):
            raise TypeError(f"{where} is 'passthrough', not a detector. {_supported()}.")
        if not _is_exportable_detector(node):
            raise TypeError(
                f"{where} is a {type(node).__module__}.{type(node).__qualname__}, "
                f"which cannot be exported. {_supported()}."
            )
        self.detector = node

    @property
    def n_width(self):
        """Width of the rows reaching the detector (after the preprocessing)."""
        return int(self.detector.n_features_in_)

    def describe(self):
        """The chain of estimators, outermost first, e.g. ``MinMaxScaler > ...``."""
        names = [*self.steps, type(self.detector).__name__]
        if self.meta is not None:
            names.append(f"in {type(self.meta).__name__}")
        return " > ".join(names)


def _n_features_in(estimator):
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is None:
        raise TypeError(
            f"{type(estimator).__name__} has no n_features_in_, so the width of "
            f"the graph's input is unknown. {_supported()}."
        )
    return int(n_features)


def _row_shape(detector, n_features):
    """The network's input shape of one row, checked to be a plain reshape."""
    probe = np.arange(n_features, dtype=np.float32).reshape(1, n_features)
    network_input = np.asarray(detector._model_input(probe))
    if network_input.size != n_features or not np.array_equal(
        network_input.reshape(-1), probe.reshape(-1)
    ):
        raise TypeError(
            f"{type(detector).__name__} turns rows into network input by more than "
            f"a reshape, which export cannot reproduce. {_supported()}."
        )
    return tuple(int(d) for d in network_input.shape[1:])


# ------------------------------------------------------------ preprocessing


def _float32(values):
    return np.asarray(values, dtype=np.float32)


def _transform(step, where):
    """A function of a float32 tensor that does ``step.transform``."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        RobustScaler,
        StandardScaler,
    )

    kind = type(step)
    if kind is StandardScaler:
        return _affine(
            subtract=step.mean_ if step.with_mean else None,
            divide=step.scale_ if step.with_std else None,
        )
    if kind is RobustScaler:
        return _affine(
            subtract=step.center_ if step.with_centering else None,
            divide=step.scale_ if step.with_scaling else None,
        )
    if kind is MaxAbsScaler:
        return _affine(divide=step.scale_)
    if kind is MinMaxScaler:
        return _affine(
            multiply=step.scale_,
            add=step.min_,
            clip=step.feature_range if step.clip else None,
        )
    if kind is SimpleImputer:
        return _imputer(step, where)
    raise TypeError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, which cannot be "
        f"exported (only these exact classes, not subclasses, are). {_supported()}."
    )


def _affine(*, subtract=None, divide=None, multiply=None, add=None, clip=None):
    """``x`` through the operations scikit-learn's scalers do, in their order."""
    import tensorflow as tf

    # NumPy constants, made tensors while the graph is traced: a tensor made
    # outside would be captured as an extra input of the graph.
    subtract, divide, multiply, add = (
        None if v is None else _float32(v) for v in (subtract, divide, multiply, add)
    )

    def apply(x):
        if subtract is not None:
            x = x - tf.constant(subtract)
        if divide is not None:
            x = x / tf.constant(divide)
        if multiply is not None:
            x = x * tf.constant(multiply)
        if add is not None:
            x = x + tf.constant(add)
        if clip is not None:
            x = tf.clip_by_value(x, float(clip[0]), float(clip[1]))
        return x

    return apply


def _imputer(step, where):
    """``SimpleImputer.transform`` on numeric data: fill with ``statistics_``."""
    import tensorflow as tf

    if step.add_indicator:
        raise TypeError(
            f"{where} is a SimpleImputer with add_indicator=True, which cannot be "
            f"exported. {_supported()}."
        )
    missing = step.missing_values
    numeric_missing = isinstance(missing, numbers.Real) and not isinstance(missing, bool)
    try:  # "constant" keeps its statistics in an object array
        statistics = np.asarray(step.statistics_, dtype=np.float64)
    except (TypeError, ValueError):
        statistics = None
    if not numeric_missing or statistics is None:
        raise TypeError(
            f"{where} is a SimpleImputer of non-numeric data (missing_values="
            f"{missing!r}, statistics {np.asarray(step.statistics_)[:3].tolist()!r}...), "
            f"which cannot be exported. {_supported()}."
        )
    keep = None
    if not step.keep_empty_features and np.isnan(statistics).any():
        # scikit-learn drops the features that had no observed value in fit
        keep = np.flatnonzero(~np.isnan(statistics))
        statistics = np.nan_to_num(statistics)  # filled, then dropped
    fill = _float32(statistics)
    nan = np.isnan(missing)

    def apply(x):
        mask = tf.math.is_nan(x) if nan else tf.equal(x, float(missing))
        x = tf.where(mask, tf.constant(fill), x)
        if keep is not None:
            x = tf.gather(x, tf.constant(keep.astype(np.int64)), axis=1)
        return x

    return apply


# ------------------------------------------------------------------- heads


def _label_dtype(classes):
    """The TensorFlow dtype of ``predict``'s labels, and the labels' constants."""
    import tensorflow as tf

    classes = np.asarray(classes)
    kind = classes.dtype.kind
    if kind in "iu" or kind == "b" or kind == "f":
        return tf.as_dtype(classes.dtype), [c.item() for c in classes]
    if kind in "US" or (kind == "O" and all(isinstance(c, str) for c in classes)):
        return tf.string, [str(c) for c in classes]
    raise TypeError(
        f"The classes {classes.tolist()!r} of the threshold meta-estimator are "
        "neither numbers, booleans nor strings; export cannot write them as labels."
    )


def _head(plan):
    """A function of the float32 anomaly error returning ``decision`` and ``flag``.

    The comparison with the threshold runs in float64 on the float32 error,
    exactly as the estimator compares its float64 scores, so the exported
    flags differ from ``predict``'s only where the float32 error itself
    differs (rows within float32 rounding of the threshold).
    """
    import tensorflow as tf

    from .utils._response import flag

    # Python numbers, made constants while the graph is traced (see _affine).
    if plan.meta is None:
        offset = float(plan.detector.offset_)

        def head(error64):
            decision = -error64 - tf.constant(offset, tf.float64)
            flagged = flag(error64, tf.constant(-offset, tf.float64))
            return decision, tf.where(flagged, tf.constant(-1, tf.int64), tf.constant(1, tf.int64))

        return head

    meta = plan.meta
    threshold = float(meta.best_threshold_)
    dtype, classes = _label_dtype(meta.classes_)
    is_anomaly = [c == meta.anomaly_label for c in np.asarray(meta.classes_).tolist()]
    anomaly_class = classes[is_anomaly.index(True)]
    normal_class = classes[is_anomaly.index(False)]
    sign = 1.0 if is_anomaly[1] else -1.0

    def head(error64):
        cut = tf.constant(threshold, tf.float64)
        decision = sign * (error64 - cut)
        flagged = flag(error64, cut, at_threshold=True)
        return decision, tf.where(
            flagged, tf.constant(anomaly_class, dtype), tf.constant(normal_class, dtype)
        )

    return head


def _graph_function(plan):
    """The Python function of a float32 batch that the exported graph runs."""
    import tensorflow as tf

    detector, head = plan.detector, _head(plan)
    transforms, row_shape = list(plan.transforms), plan.row_shape

    def serve(X):
        x = X
        for transform in transforms:
            x = transform(x)
        x = tf.reshape(x, (-1, *row_shape))
        error = tf.cast(detector._network_error(x), tf.float32)
        decision, flag = head(tf.cast(error, tf.float64))
        return {
            "score": tf.identity(-error, name="score"),
            "decision": tf.cast(decision, tf.float32, name="decision"),
            "flag": tf.identity(flag, name="flag"),
        }

    return serve


def _metadata(estimator, plan):
    """Key-value metadata written into the ONNX model."""
    meta = {
        "producer": f"sklearn-recon {__version__}",
        "estimator": plan.describe(),
        "n_features": str(plan.n_features),
        "outputs": (
            "score: score_samples (float32, higher is more normal); decision: "
            "decision_function (float32); flag: predict's labels"
        ),
    }
    if plan.feature_names is not None:
        meta["feature_names"] = json.dumps([str(n) for n in plan.feature_names])
    if plan.meta is None:
        meta["offset"] = repr(float(plan.detector.offset_))
    else:
        meta["threshold"] = repr(float(plan.meta.best_threshold_))
        meta["classes"] = json.dumps(np.asarray(plan.meta.classes_).tolist())
        meta["anomaly_label"] = json.dumps(np.asarray(plan.meta.anomaly_label).tolist())
    return meta


# ----------------------------------------------------------------- writers


def _write_onnx(plan, fn, spec, path, opset, metadata):
    try:
        import onnx
        import tf2onnx
    except ImportError as exc:
        raise ImportError(f'export(format="onnx") needs tf2onnx and onnx: {_EXTRA_HINT}') from exc
    import logging

    # tf2onnx logs every conversion step at INFO level on its own handler.
    logger = logging.getLogger("tf2onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        model, _ = tf2onnx.convert.from_function(fn, input_signature=[spec], opset=opset)
    finally:
        logger.setLevel(level)
    _rename_input(model.graph, INPUT_NAME)
    _order_outputs(model.graph, OUTPUT_NAMES)
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_param = "batch"
    model.doc_string = (
        f"{metadata['estimator']}, exported by sklearn-recon {__version__}. "
        f"Input {INPUT_NAME}: float32 rows (batch, {plan.n_features}). "
        f"Outputs: {metadata['outputs']}."
    )
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.fspath(path))


def _rename_input(graph, name):
    """Give the graph's one input ``name`` (TensorFlow lower-cases argument names)."""
    (value,) = graph.input
    old, value.name = value.name, name
    nodes = list(graph.node)
    while nodes:  # the nodes of Loop and If bodies read the input too
        node = nodes.pop()
        node.input[:] = [name if i == old else i for i in node.input]
        for attribute in node.attribute:
            if attribute.HasField("g"):
                nodes.extend(attribute.g.node)
            for subgraph in attribute.graphs:
                nodes.extend(subgraph.node)


def _order_outputs(graph, names):
    """List the graph's outputs in the order ``names`` (tf2onnx sorts them)."""
    import onnx

    by_name = {}
    for value in graph.output:
        by_name[value.name] = onnx.ValueInfoProto()
        by_name[value.name].CopyFrom(value)
    del graph.output[:]
    graph.output.extend(by_name[name] for name in names)


def _write_saved_model(plan, fn, spec, path):
    from .utils._keras import get_keras

    keras = get_keras()
    archive = keras.export.ExportArchive()
    archive.track(plan.detector.model_)
    archive.add_endpoint(SAVED_MODEL_ENDPOINT, fn, input_signature=[spec])
    archive.write_out(os.fspath(path), verbose=False)


def export(estimator, path, *, format="onnx", opset=None):
    """Write a fitted detector, with its preprocessing and threshold, as one graph.

    The graph computes what ``score_samples``, ``decision_function`` and
    ``predict`` of ``estimator`` compute: the scaling and imputation of its
    Pipeline, the trained network, the anomaly error and the threshold, so
    a serving stack needs nothing but the file. It has one input, ``X``:
    float32 rows of shape ``(batch, n_features)`` (any batch size, columns
    in the order of fit). It has three outputs:

    - ``score``: ``score_samples``, float32, higher is more normal;
    - ``decision``: ``decision_function``, float32, negative for anomalies
      (for a threshold meta-estimator, positive for ``classes_[1]``);
    - ``flag``: ``predict``'s labels: int64 ``+1`` / ``-1`` for a detector,
      the labels of ``y`` (in their dtype: int, float, bool or string) for
      :class:`ThresholdSelector` and :class:`CostThreshold`.

    The graph computes in float32, like the estimator on float32 input:
    its scores agree with the estimator's to about 1e-6 relative, and its
    flags differ from ``predict``'s only on rows whose error lies within
    that rounding of the threshold. :class:`VAEDetector` exports its
    deterministic scoring path (the latent means): the graph draws no
    random numbers.

    Read more in the :ref:`User Guide <deploying>`.

    Parameters
    ----------
    estimator : estimator instance
        A fitted detector of sklearn-recon, a fitted
        :class:`~sklearn_recon.ThresholdSelector` or
        :class:`~sklearn_recon.CostThreshold` around one, or a fitted
        :class:`~sklearn.pipeline.Pipeline` of them after scikit-learn's
        :class:`~sklearn.preprocessing.StandardScaler`,
        :class:`~sklearn.preprocessing.MinMaxScaler`,
        :class:`~sklearn.preprocessing.MaxAbsScaler`,
        :class:`~sklearn.preprocessing.RobustScaler` and
        :class:`~sklearn.impute.SimpleImputer` (numeric data, without
        ``add_indicator``). :class:`~sklearn.frozen.FrozenEstimator` and
        ``"passthrough"`` steps are allowed.

    path : str or path-like
        Where to write: a file (conventionally ``.onnx``) for ``"onnx"``, a
        directory for ``"saved_model"``. An existing file is replaced.

    format : {"onnx", "saved_model"}, default="onnx"
        ``"onnx"``: an ONNX model, for ``onnxruntime`` or any ONNX runtime;
        it needs no TensorFlow to run. Writing it needs ``tf2onnx`` and
        ``onnx`` (``pip install "sklearn-recon[export]"``).
        ``"saved_model"``: a TensorFlow SavedModel whose ``serving_default``
        signature (also the endpoint ``serve``) maps ``X`` to the three
        outputs, for TF Serving or ``tf.saved_model.load``.

    opset : int, default=None
        ONNX opset of the graph; None uses opset 17. Ignored
        for ``"saved_model"``.

    Raises
    ------
    TypeError
        If ``estimator``, or a step or detector in it, is not supported;
        the message names it and lists what is. A
        :class:`~sklearn_recon.WindowedDetector` is refused (the score of a
        time step depends on the whole series): export its ``detector_``
        and aggregate the window scores, as the User Guide shows.
    ImportError
        If ``format="onnx"`` and ``tf2onnx`` or ``onnx`` is not installed, or
        if Keras runs on another backend and TensorFlow is not installed.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    save : Store the estimator itself, to load it back into Python.

    Notes
    -----
    The graphs are TensorFlow graphs. When Keras runs on JAX or PyTorch,
    the estimator is saved to a temporary file with
    :func:`~sklearn_recon.save` and exported by a new Python process with
    ``KERAS_BACKEND=tensorflow``, so TensorFlow must be installed (it
    computes what the estimator computes, within float32 rounding).

    Input rows must be complete (no NaN) unless a ``SimpleImputer`` fills
    them: the graph does not validate its input as ``score_samples`` does,
    and a missing value gives a NaN score. The graph scores all the rows of
    a call at once, so its memory grows with them: feed a large input in
    batches (``score_samples`` scores 8192 rows at a time). The feature names seen in fit,
    the threshold (or offset) and the version of sklearn-recon are written
    into the ONNX model's metadata (``metadata_props``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_recon import AutoencoderDetector, export
    >>> X = np.random.RandomState(0).normal(size=(200, 8))
    >>> model = make_pipeline(MinMaxScaler(), AutoencoderDetector(
    ...     hidden_units=(4,), epochs=2, random_state=0)).fit(X)
    >>> export(model, "detector.onnx")
    >>> import onnxruntime
    >>> session = onnxruntime.InferenceSession("detector.onnx")
    >>> score, decision, flag = session.run(None, {"X": X[:3].astype(np.float32)})
    >>> score.dtype, flag.dtype
    (dtype('float32'), dtype('int64'))
    >>> bool(np.allclose(score, model.score_samples(X[:3]), rtol=1e-5))
    True
    """
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(format, str) or format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}; got {format!r}.")
    if opset is not None and (
        not isinstance(opset, numbers.Integral) or isinstance(opset, bool) or opset < 7
    ):
        raise ValueError(f"opset must be an int >= 7 or None; got {opset!r}.")
    check_is_fitted(estimator)
    plan = _Plan(estimator)
    if format == "onnx":
        try:  # fail before the TensorFlow work if the converter is missing
            import onnx  # noqa: F401
            import tf2onnx  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                f'export(format="onnx") needs tf2onnx and onnx: {_EXTRA_HINT}'
            ) from exc
    from .utils._keras import get_keras

    backend = get_keras().config.backend()
    if backend != "tensorflow":
        _export_under_tensorflow(estimator, path, format, opset, backend)
        return
    import tensorflow as tf

    spec = tf.TensorSpec((None, plan.n_features), tf.float32, name=INPUT_NAME)
    fn = tf.function(_graph_function(plan), input_signature=[spec], autograph=False)
    if format == "onnx":
        _write_onnx(
            plan,
            fn,
            spec,
            path,
            DEFAULT_OPSET if opset is None else int(opset),
            _metadata(estimator, plan),
        )
    else:
        _write_saved_model(plan, fn, spec, path)


_EXPORT_SCRIPT = """
import sys
from sklearn_recon import export, load
export(load(sys.argv[1]), sys.argv[2], format=sys.argv[3],
       opset=None if sys.argv[4] == "None" else int(sys.argv[4]))
"""


def _export_under_tensorflow(estimator, path, format, opset, backend):
    """Export from another Keras backend: through a file, in a TensorFlow process.

    The graphs are TensorFlow graphs (the ONNX model is converted from one),
    and a process runs one Keras backend, so the estimator is saved with
    :func:`~sklearn_recon.save` (which any backend loads), and a new Python
    process with ``KERAS_BACKEND=tensorflow`` loads and exports it.
    """
    import importlib.util
    import subprocess
    import sys
    import tempfile

    from ._persistence import save

    if importlib.util.find_spec("tensorflow") is None:
        raise ImportError(
            f"export writes TensorFlow graphs (ONNX through tf2onnx, or a SavedModel) "
            f"and needs TensorFlow installed; Keras runs on {backend!r} here and "
            "TensorFlow is not installed: pip install tensorflow. Models trained "
            "on any backend export through a TensorFlow process."
        )
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "estimator")
        save(estimator, saved)
        result = subprocess.run(
            [sys.executable, "-c", _EXPORT_SCRIPT, saved, os.fspath(path), format, str(opset)],
            env={**os.environ, "KERAS_BACKEND": "tensorflow"},
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode:
        raise RuntimeError(
            f"export from the {backend!r} backend runs in a TensorFlow process, "
            f"which failed:\n{result.stderr[-3000:]}"
        )
