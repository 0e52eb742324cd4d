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

One module per job: ``_plan`` reads the fitted estimator, ``_transformers``
holds the TensorFlow versions of the scikit-learn transformers, ``_head``
turns the error into ``decision`` and ``flag`` and assembles the graph's
function, ``_writers`` writes ONNX or a SavedModel, and ``_subprocess``
exports from another Keras backend through a TensorFlow process.
"""

import numbers

from ._head import _graph_function
from ._plan import _Plan
from ._subprocess import _export_under_tensorflow
from ._writers import (
    _EXTRA_HINT,
    INPUT_NAME,
    _metadata,
    _write_onnx,
    _write_saved_model,
)

__all__ = ["export"]

#: The formats :func:`export` writes.
FORMATS = ("onnx", "saved_model")

#: ONNX opset of the exported graphs unless ``opset`` is given (opset 17 came
#: with ONNX 1.12 in 2022; current runtimes read it).
DEFAULT_OPSET = 17


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
    from ..utils._keras import get_keras

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
