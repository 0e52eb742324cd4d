"""The ``sklearn-recon`` command line.

``sklearn-recon demo`` runs the main job on the bundled ECG5000;
``sklearn-recon fit`` and ``sklearn-recon score`` let someone who does not
write Python train a detector on their own table and score new rows.

Importing this module is cheap: scikit-learn, pandas and TensorFlow load
only inside the commands.
"""

import argparse
import sys
import time

from .utils._registry import by_cli_name, entries, get_class

#: Detector names of ``sklearn-recon demo --detectors``: the registry's
#: detectors and baselines that have a command-line name.
DEMO_DETECTORS = tuple(entry.cli_name for entry in entries(cli=True))

#: Detector names of ``sklearn-recon fit --detector``: our detectors of the
#: registry that have a command-line name.
FIT_DETECTORS = tuple(entry.cli_name for entry in entries(kind="detector", cli=True))


class CLIError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _detector_list(text):
    """Parse ``--detectors``: comma-separated names of the protocol."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in DEMO_DETECTORS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown detector(s) {unknown or [text]}; choose among "
            f"{','.join(DEMO_DETECTORS)}"
        )
    return list(dict.fromkeys(names))


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _load_keras_quietly(verbose=0):
    """Import Keras and TensorFlow without their start-up noise.

    TensorFlow's C++ start-up lines no longer heed ``TF_CPP_MIN_LOG_LEVEL``,
    so, unless ``verbose``, the standard error stream is muted while it
    loads; an import error is still raised. Its Python logger then reports
    errors only: the command trains several fresh networks in one process,
    which TensorFlow's retracing warning takes for a mistake.
    """
    import os

    from .utils._keras import get_keras

    if verbose:
        return get_keras()
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                keras = get_keras()
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return keras


def _demo(args):
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no TF start-up messages
    import json
    import warnings
    from pathlib import Path

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    from ._protocol import (
        DEEP_DETECTORS,
        SUPERVISED,
        below_lof,
        describe_environment,
        ecg5000_split,
        environment,
        markdown_table,
        protocol_detectors,
        run_detector,
    )

    size = "quick" if args.quick else "demo"
    detectors = protocol_detectors(
        args.detectors, size=size, epochs=args.epochs, random_state=args.random_state
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    split = X_train, X_test, y_train, y_test = ecg5000_split()
    print(
        "ECG5000, 80/20 split stratified on normal vs anomaly (random_state=21): "
        f"{np.sum(y_train == 1)} normal training beats ({len(X_train)} with labels "
        f"for the supervised RNN), {len(X_test)} test beats "
        f"({np.sum(y_test == -1)} anomalies). MinMaxScaler + detector.",
        flush=True,
    )
    if any(name in DEEP_DETECTORS for name in detectors):
        print("Loading Keras and TensorFlow ...", flush=True)
        _load_keras_quietly(args.verbose)
    results, pipelines = {}, {}
    for i, (name, (label, detector)) in enumerate(detectors.items(), start=1):
        epochs = detector.get_params().get("epochs")
        if name in DEEP_DETECTORS:  # Keras progress bars; the baselines stay quiet
            detector.set_params(verbose=args.verbose)
        limit = f", up to {epochs} epochs" if epochs else ""
        step = f"[{i}/{len(detectors)}] {label}:"
        print(f"{step} fitting{limit} ...", flush=True)
        with warnings.catch_warnings():
            # the demo's epochs are capped on purpose; the table says how many ran
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline, result = run_detector(
                detector, split, supervised=name in SUPERVISED
            )
        ran = f" ({result['n_iter']} epochs)" if "n_iter" in result else ""
        print(
            f"{step} done in {result['fit_seconds']:.1f} s{ran}, "
            f"ROC-AUC {result['roc_auc']:.4f}",
            flush=True,
        )
        results[name] = dict(result, label=label, max_epochs=epochs)
        pipelines[name] = pipeline

    table = markdown_table([(r["label"], r) for r in results.values()])
    below = below_lof([(name, r["label"], r) for name, r in results.items()])
    print()
    print(table)
    if below is not None:
        print(below)

    env = environment()
    options = {
        "detectors": list(detectors),
        "quick": args.quick,
        "epochs": args.epochs,
        "random_state": args.random_state,
    }
    report = {
        **env,
        "options": options,
        "data": "ECG5000, 80/20 split stratified on normal vs anomaly, random_state=21",
        "results": {
            name: {k: v for k, v in r.items() if k != "anomaly_score"}
            for name, r in results.items()
        },
    }
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    command = "sklearn-recon demo " + " ".join(
        ([f"--detectors {','.join(detectors)}"])
        + (["--quick"] if args.quick else [])
        + ([f"--epochs {args.epochs}"] if args.epochs else [])
        + [f"--random-state {args.random_state}"]
    )
    (out / "results.md").write_text(
        "# sklearn-recon demo: ECG5000\n\n"
        f"{describe_environment(env)}\n\n`{command}`\n\n"
        "Anomaly class as positive; precision, recall and F1 at each detector's "
        "own threshold; rows/s of `score_samples` on the test beats.\n\n"
        f"{table}\n" + (f"\n{below}\n" if below is not None else "")
    )
    written = ["results.md", "results.json"]
    if not args.no_plots:
        written += _demo_plots(results, pipelines, X_test, y_test, out)
    print(f"\nWrote {', '.join(written)} to {out}/")
    return 0


def _demo_plots(results, pipelines, X_test, y_test, out):
    """ROC and precision-recall curves of every detector, and the test errors
    and reconstructions of the first reconstruction detector; file names
    written."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no plots (pip install matplotlib).")
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

    anomaly = y_test == -1
    metric_names = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC"}
    written = []
    plots = (
        (RocCurveDisplay, "roc_auc", "roc.png", "ROC curves", "false positive rate (log)",
         "true positive rate"),
        (PrecisionRecallDisplay, "pr_auc", "precision_recall.png",
         "Precision-recall curves", "recall", "precision (from 0.5)"),
    )
    for display, metric, filename, title, xlabel, ylabel in plots:
        fig, ax = plt.subplots(figsize=(8, 6))
        for r in results.values():
            curve = display.from_predictions(
                anomaly, r["anomaly_score"], name=r["label"], pos_label=True, ax=ax
            )
            curve.line_.set_label(f"{r['label']} ({metric_names[metric]} {r[metric]:.4f})")
        ax.set_aspect("auto")
        if display is RocCurveDisplay:
            # the curves differ at false positive rates below 0.1
            ax.set_xscale("log")
            ax.set_xlim(1e-3, 1)
        else:
            # and at precisions above 0.5
            ax.set_ylim(0.5, 1.01)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower right" if display is RocCurveDisplay else "lower left")
        ax.set_title(f"ECG5000 test beats, anomaly class positive: {title}")
        fig.savefig(out / filename, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(filename)
    written += _reconstruction_plots(pipelines, X_test, y_test, out)
    return written


def _reconstruction_plots(pipelines, X_test, y_test, out):
    """Errors and reconstructions of the first detector that reconstructs."""
    import matplotlib.pyplot as plt
    import numpy as np

    from .plotting import ErrorDisplay, ReconstructionDisplay
    from .utils._response import final_estimator

    reconstructing = [
        p for p in pipelines.values() if hasattr(final_estimator(p)[0], "reconstruct")
    ]
    if not reconstructing:
        return []
    pipeline = reconstructing[0]
    display = ErrorDisplay.from_estimator(pipeline, X_test, y_test)
    display.figure_.savefig(out / "errors.png", dpi=100, bbox_inches="tight")
    plt.close(display.figure_)
    # the first two normal and the first two anomalous test beats
    rows = [*np.flatnonzero(y_test == 1)[:2], *np.flatnonzero(y_test == -1)[:2]]
    display = ReconstructionDisplay.from_estimator(pipeline, X_test, index=rows, y=y_test)
    display.figure_.savefig(out / "reconstruction.png", dpi=100, bbox_inches="tight")
    plt.close(display.figure_)
    return ["errors.png", "reconstruction.png"]


def _read_table(path, label_column=None):
    """Read a CSV into numeric features (and labels); clear errors otherwise."""
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIError(f"{path}: not a readable CSV table ({exc})") from None
    labels = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise CLIError(
                f"{path}: no column {label_column!r}; the columns are "
                f"{list(frame.columns)[:10]}"
            )
        labels = frame.pop(label_column)
    non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise CLIError(
            f"{path}: the columns {non_numeric[:10]} are not numeric; drop them "
            "or pass the label column with --label-column"
        )
    if frame.shape[1] == 0 or len(frame) == 0:
        raise CLIError(f"{path}: the table has no numeric data")
    return frame, labels


def _anomaly_rows(labels, anomaly_label, label_column):
    """Which rows ``--anomaly-label`` marks, the label read as the column's type."""
    import pandas as pd

    from .utils._validation import check_anomaly_label

    values, label = labels.to_numpy(), anomaly_label
    if pd.api.types.is_numeric_dtype(labels):
        try:
            label = float(anomaly_label)
        except ValueError:
            pass  # not a number: check_anomaly_label finds it absent
    else:
        values = labels.astype(str).to_numpy()
    try:
        return check_anomaly_label(values, label, name=repr(label_column))
    except ValueError:
        raise CLIError(
            f"--anomaly-label {anomaly_label} is not among the labels in "
            f"{label_column!r}: {sorted(labels.unique().tolist())[:10]}"
        ) from None


def _fit(args):
    import numpy as np
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    import sklearn_recon

    entry = by_cli_name(args.detector)
    supervised = entry.supervised
    if supervised and args.label_column is None:
        raise CLIError(
            f"--detector {args.detector} learns from labels: pass --label-column "
            "(and --anomaly-label, default -1)"
        )
    X, labels = _read_table(args.data, args.label_column)
    if np.isnan(X.to_numpy(dtype=float)).any():
        raise CLIError(f"{args.data}: the table has missing values; fill or drop them first")
    if labels is not None:
        is_anomaly = _anomaly_rows(labels, args.anomaly_label, args.label_column)
        if supervised:
            y = np.where(is_anomaly, -1, 1)
            print(f"Training on all {len(X)} rows, {is_anomaly.sum()} labelled "
                  f"{args.anomaly_label} (anomalies).")
        else:
            X = X[~is_anomaly]
            print(f"Training on the {len(X)} rows not labelled {args.anomaly_label}.")
    _load_keras_quietly(args.verbose)
    detector_class = get_class(entry)
    params = {"random_state": args.random_state, "verbose": args.verbose}
    if supervised:
        params["anomaly_label"] = -1  # y above codes the anomalies as -1
    if args.epochs is not None:
        params["epochs"] = args.epochs
    steps = {"minmax": [MinMaxScaler()], "standard": [StandardScaler()], "none": []}
    model = make_pipeline(*steps[args.scaler], detector_class(**params))
    start = time.perf_counter()
    if supervised:
        model.fit(X, y)
    else:
        model.fit(X)
    print(
        f"Fitted {detector_class.__name__} on {len(X)} rows x {X.shape[1]} columns "
        f"in {time.perf_counter() - start:.1f} s; threshold {model[-1].threshold_:.6g}."
    )
    sklearn_recon.save(model, args.out)
    print(f"Saved to {args.out}")
    return 0


def _load_model(path):
    import sklearn_recon

    try:
        return sklearn_recon.load(path)
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except OSError as exc:  # a directory, no permission, ...
        raise CLIError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        # not a model file, or one altered since it was saved: load says which
        raise CLIError(str(exc)) from None


def _score(args):
    import numpy as np
    import pandas as pd

    from .utils._response import final_estimator, get_anomaly_score, get_threshold

    _load_keras_quietly()
    model = _load_model(args.model)
    threshold = get_threshold(model)
    if threshold is None:
        raise CLIError(
            f"{args.model} holds a {type(final_estimator(model)[0]).__name__}, which "
            "has no threshold: score needs an outlier detector, as sklearn-recon "
            "fit writes"
        )
    X, _ = _read_table(args.data, None)
    # only the columns the model was fitted on: a label column is left out
    expected = list(getattr(model, "feature_names_in_", X.columns))
    missing = [c for c in expected if c not in X.columns]
    if missing:
        raise CLIError(f"{args.data}: the model needs the columns {missing[:10]}")
    X = X[expected]
    if X.isna().to_numpy().any():
        raise CLIError(f"{args.data}: the table has missing values; fill or drop them first")
    scores = -get_anomaly_score(model, X)
    decision = scores + threshold  # what decision_function and predict use
    result = pd.DataFrame(
        {"score": scores, "decision": decision, "flag": np.where(decision < 0, -1, 1)}
    )
    result.to_csv(args.out if args.out else sys.stdout, index=False)
    if args.out:
        print(f"Scored {len(result)} rows ({(result.flag == -1).sum()} flagged) to {args.out}")
    return 0


def _export(args):
    import os

    _load_keras_quietly(args.verbose)
    model = _load_model(args.model)
    from ._export import export

    # TensorFlow's graph optimizer, run by the ONNX converter, writes C++ log
    # lines to the standard error stream; they are muted unless --verbose.
    sys.stderr.flush()
    saved = None if args.verbose else os.dup(2)
    try:
        if saved is not None:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 2)
        export(model, args.out, format=args.format, opset=args.opset)
    except (TypeError, ImportError, ValueError) as exc:  # unsupported model, no extra
        raise CLIError(str(exc)) from None
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
    what = "file" if args.format == "onnx" else "SavedModel directory"
    print(
        f"Exported {type(model).__name__} from {args.model} to the {args.format} "
        f"{what} {args.out}: input X (float32, {model.n_features_in_} columns), "
        "outputs score, decision, flag"
    )
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-recon", description="Deep anomaly detectors for scikit-learn."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="train every detector and the baselines on the bundled ECG5000 and "
        "compare them",
        description="Train the deep detectors and scikit-learn's baselines on the "
        "bundled ECG5000 (the protocol of the studies), print a table of their "
        "scores and write it as Markdown and JSON, with plots, to --out.",
    )
    demo.add_argument(
        "--detectors",
        type=_detector_list,
        default=list(DEMO_DETECTORS),
        help=f"comma-separated, among {','.join(DEMO_DETECTORS)} (default: all)",
    )
    demo.add_argument(
        "--epochs", type=_positive_int,
        help="maximum epochs of every deep detector (default: per detector, a few "
        "minutes in all)",
    )
    demo.add_argument(
        "--quick", action="store_true", help="few epochs: the whole demo in under a minute"
    )
    demo.add_argument(
        "--out", default="sklearn-recon-demo",
        help="folder for results.md, results.json and the plots (default "
        "./sklearn-recon-demo)",
    )
    demo.add_argument("--no-plots", action="store_true", help="write no PNG plots")
    demo.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    demo.add_argument("--verbose", type=int, default=0, help="1 shows a progress bar")

    fit = sub.add_parser("fit", help="train a detector on a CSV table and save it")
    fit.add_argument("data", help="CSV file, one row per sample, numeric columns")
    fit.add_argument(
        "--detector", choices=list(FIT_DETECTORS), default="autoencoder",
        help="autoencoder (default), vae, lstm (each row read as a sequence) or "
        "rnn (a supervised classifier: needs --label-column)",
    )
    fit.add_argument("--out", required=True, help="model file to write")
    fit.add_argument("--label-column", help="column holding labels; it is not a feature")
    fit.add_argument(
        "--anomaly-label",
        default="-1",
        help="label of the anomalies in --label-column (default -1); those rows "
        "are left out of training",
    )
    fit.add_argument(
        "--scaler", choices=["minmax", "standard", "none"], default="minmax",
        help="scaling before the detector (default minmax)",
    )
    fit.add_argument("--epochs", type=int, help="maximum epochs (default: the detector's)")
    fit.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    fit.add_argument("--verbose", type=int, default=0, help="1 shows a progress bar")

    score = sub.add_parser("score", help="score a CSV table with a saved model")
    score.add_argument("model", help="model file written by 'sklearn-recon fit'")
    score.add_argument("data", help="CSV file with the columns the model was fitted on")
    score.add_argument("--out", help="CSV file to write (default: standard output)")

    export = sub.add_parser(
        "export",
        help="write a saved model as one ONNX or TensorFlow SavedModel graph",
        description="Write a model file as one inference graph (scaling, network, "
        "error and threshold) with input X (float32 rows) and outputs score, "
        "decision and flag, for onnxruntime or TF Serving. ONNX needs "
        'pip install "sklearn-recon[export]".',
    )
    export.add_argument("model", help="model file written by 'sklearn-recon fit' or save")
    export.add_argument(
        "out", help="file to write (.onnx), or directory for --format saved_model"
    )
    export.add_argument(
        "--format", choices=["onnx", "saved_model"], default="onnx",
        help="onnx (default; runs in onnxruntime without TensorFlow) or "
        "saved_model (a TensorFlow SavedModel with a serving_default signature)",
    )
    export.add_argument("--opset", type=_positive_int, help="ONNX opset (default 17)")
    export.add_argument(
        "--verbose", type=int, default=0, help="1 keeps TensorFlow's log lines"
    )
    return parser


def main(argv=None):
    """Run the ``sklearn-recon`` command line; return the exit status."""
    args = _parser().parse_args(argv)
    commands = {"demo": _demo, "fit": _fit, "score": _score, "export": _export}
    try:
        return commands[args.command](args)
    except CLIError as exc:
        print(f"sklearn-recon {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
