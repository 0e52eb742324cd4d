"""``sklearn-recon export``: write a saved model as one inference graph."""

from ._common import CLIError
from ._score import load_model


def run_export(args):
    model = load_model(args.model, verbose=args.verbose)
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
