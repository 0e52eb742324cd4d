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

#: Detector names of ``sklearn-recon fit --detector``.
DETECTORS = {"autoencoder": "AutoencoderDetector"}


class CLIError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _demo(args):
    import numpy as np
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from . import AutoencoderDetector
    from ._protocol import ecg5000_split, evaluate

    print("ECG5000, 80/20 stratified split (random_state=21); class 1 is normal.")
    X_train, X_test, y_train, y_test = ecg5000_split()
    print(
        f"Training AutoencoderDetector on {np.sum(y_train == 1)} normal beats, "
        f"up to {args.epochs} epochs ...",
        flush=True,
    )
    start = time.perf_counter()
    detector = make_pipeline(
        MinMaxScaler(),
        AutoencoderDetector(
            epochs=args.epochs, random_state=args.random_state, verbose=args.verbose
        ),
    ).fit(X_train[y_train == 1])
    fit_seconds = time.perf_counter() - start
    metrics = evaluate(detector, X_test, y_test)
    scores = detector.score_samples(X_test)
    print(f"Fitted in {fit_seconds:.1f} s ({detector[-1].n_iter_} epochs).")
    print(f"Test beats: {len(X_test)} ({np.sum(y_test == -1)} anomalies)")
    print("Scores (higher = more normal), first five test beats:")
    for score, label in zip(scores[:5], y_test[:5]):
        kind = "normal " if label == 1 else "anomaly"
        print(f"  {kind}  {score:+.4f}")
    print(f"Threshold on the reconstruction error: {detector[-1].threshold_:.4f}")
    print("Anomaly class as positive:")
    for name, value in metrics.items():
        print(f"  {name:<10} {value:.3f}")
    return 0


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


def _fit(args):
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    import sklearn_recon

    X, labels = _read_table(args.data, args.label_column)
    if np.isnan(X.to_numpy(dtype=float)).any():
        raise CLIError(f"{args.data}: the table has missing values; fill or drop them first")
    if labels is not None:
        if pd.api.types.is_numeric_dtype(labels):
            try:
                is_anomaly = (labels == float(args.anomaly_label)).to_numpy()
            except ValueError:
                is_anomaly = np.zeros(len(labels), dtype=bool)
        else:
            is_anomaly = (labels.astype(str) == args.anomaly_label).to_numpy()
        if not is_anomaly.any():
            raise CLIError(
                f"--anomaly-label {args.anomaly_label} is not among the labels in "
                f"{args.label_column!r}: {sorted(labels.unique().tolist())[:10]}"
            )
        X = X[~is_anomaly]
        print(f"Training on the {len(X)} rows not labelled {args.anomaly_label}.")
    detector_class = getattr(sklearn_recon, DETECTORS[args.detector])
    params = {"random_state": args.random_state, "verbose": args.verbose}
    if args.epochs is not None:
        params["epochs"] = args.epochs
    steps = {"minmax": [MinMaxScaler()], "standard": [StandardScaler()], "none": []}
    model = make_pipeline(*steps[args.scaler], detector_class(**params))
    start = time.perf_counter()
    model.fit(X)
    detector = model[-1]
    print(
        f"Fitted {type(detector).__name__} on {len(X)} rows x {X.shape[1]} columns "
        f"in {time.perf_counter() - start:.1f} s; threshold {detector.threshold_:.6g}."
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
    except ValueError as exc:
        # not a model file, or one altered since it was saved: load says which
        raise CLIError(str(exc)) from None


def _score(args):
    import pandas as pd

    model = _load_model(args.model)
    X, _ = _read_table(args.data, None)
    # only the columns the model was fitted on: a label column is left out
    expected = list(model.feature_names_in_)
    missing = [c for c in expected if c not in X.columns]
    if missing:
        raise CLIError(f"{args.data}: the model needs the columns {missing[:10]}")
    X = X[expected]
    if X.isna().to_numpy().any():
        raise CLIError(f"{args.data}: the table has missing values; fill or drop them first")
    scores = model.score_samples(X)
    result = pd.DataFrame(
        {
            "score": scores,
            "decision": scores - model[-1].offset_,
            "flag": model.predict(X),
        }
    )
    result.to_csv(args.out if args.out else sys.stdout, index=False)
    if args.out:
        print(f"Scored {len(result)} rows ({(result.flag == -1).sum()} flagged) to {args.out}")
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-recon", description="Deep anomaly detectors for scikit-learn."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="train the autoencoder on the bundled ECG5000 and print its scores"
    )
    demo.add_argument("--epochs", type=int, default=200, help="maximum epochs (default 200)")
    demo.add_argument("--quick", action="store_true", help="at most 30 epochs")
    demo.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    demo.add_argument("--verbose", type=int, default=0, help="1 shows a progress bar")

    fit = sub.add_parser("fit", help="train a detector on a CSV table and save it")
    fit.add_argument("data", help="CSV file, one row per sample, numeric columns")
    fit.add_argument("--detector", choices=sorted(DETECTORS), default="autoencoder")
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
    return parser


def main(argv=None):
    """Run the ``sklearn-recon`` command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo" and args.quick:
        args.epochs = min(args.epochs, 30)
    commands = {"demo": _demo, "fit": _fit, "score": _score}
    try:
        return commands[args.command](args)
    except CLIError as exc:
        print(f"sklearn-recon {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
