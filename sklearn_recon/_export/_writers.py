"""The writers: the graph function to an ONNX file or a SavedModel."""

import json
import os

import numpy as np

from .._version import __version__

#: Name of the graph's input and of its outputs.
INPUT_NAME = "X"
OUTPUT_NAMES = ("score", "decision", "flag")

#: Name of the SavedModel endpoint (the first endpoint of an ExportArchive is
#: also its ``serving_default`` signature, as with ``Model.export``).
SAVED_MODEL_ENDPOINT = "serve"

_EXTRA_HINT = 'pip install "sklearn-recon[export]"'


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
    from ..utils._keras import get_keras

    keras = get_keras()
    archive = keras.export.ExportArchive()
    archive.track(plan.detector.model_)
    archive.add_endpoint(SAVED_MODEL_ENDPOINT, fn, input_signature=[spec])
    archive.write_out(os.fspath(path), verbose=False)
