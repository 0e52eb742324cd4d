"""``sklearn-recon export``: write a saved model as one inference graph."""

from ._common import CLIError
from ._score import load_model
from ._stderr import load_keras


def run_export(args):
    load_keras(args.verbose)  # the graph is built from the Keras network
    model = load_model(args.model)
    from .._export import export

    try:
        export(model, args.out, format=args.format, opset=args.opset)
    except (TypeError, ImportError, ValueError) as exc:  # unsupported model, no extra
        raise CLIError(str(exc)) from None
    what = "file" if args.format == "onnx" else "SavedModel directory"
    print(
        f"Exported {type(model).__name__} from {args.model} to the {args.format} "
        f"{what} {args.out}: input X (float32, {model.n_features_in_} columns), "
        "outputs score, decision, flag"
    )
    return 0
