"""The argument parser of ``sklearn-recon`` and the types of its options."""

import argparse

from ._common import DEMO_DETECTORS, FIT_DETECTORS


def _detector_list(text):
    """Parse ``--detectors``: comma-separated names of the protocol."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in DEMO_DETECTORS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown detector(s) {unknown or [text]}; choose among {','.join(DEMO_DETECTORS)}"
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


def _column_names(text):
    """Parse one ``--id-column``, ``--time-column`` or ``--drop``: a comma list."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected column names, got {text!r}")
    return names


def _row_range(text):
    """Parse ``--rows START:STOP``: 0-based data rows, as a Python slice."""
    start, colon, stop = text.partition(":")
    try:
        if not colon:
            raise ValueError
        bounds = [int(b) if b.strip() else None for b in (start, stop)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected START:STOP (0-based data rows, either may be empty, e.g. "
            f":12000 or 12000:), got {text!r}"
        ) from None
    return slice(*bounds)


def _level(text):
    """Parse ``--drift-level``: a significance level in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a significance level in [0, 1) (0 turns the check off), got {text!r}"
        )
    return value


def _window(text):
    """Parse ``--window``: a positive number of time steps, or auto."""
    if text == "auto":
        return text
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of time steps or auto, got {text!r}"
        ) from None


def _add_label_options(parser, what):
    """--anomaly-label, or the normal labels (--normal-label, repeatable)."""
    labels = parser.add_mutually_exclusive_group()
    labels.add_argument("--anomaly-label", metavar="VALUE", help=f"label {what}")
    labels.add_argument(
        "--normal-label",
        action="append",
        metavar="VALUE",
        help="label of the normal rows (repeatable): every other label is an anomaly, "
        "as in ECG5000, whose class 1 is the normal beat and classes 2 to 5 are not",
    )


def _add_column_options(parser, *, repeated=False):
    """fit's column options; score takes --id-column and --time-column again."""
    for option, what in (
        (
            "--id-column",
            ("identifier column(s) kept out of the features and copied to score's output"),
        ),
        (
            "--time-column",
            (
                "time column(s) kept out of the features and copied to "
                "score's output; in series mode the rows must be in its "
                "order, and the first is the plot's time axis"
            ),
        ),
        ("--drop", "column(s) to ignore"),
    ):
        if repeated and option == "--drop":
            continue
        if repeated:
            what = (
                "as given to fit (optional: the model file remembers it; "
                "different columns are an error)"
            )
        parser.add_argument(
            option,
            type=_column_names,
            action="append",
            metavar="COLS",
            help=f"{what} (repeatable or a comma list)",
        )


def _add_rows_option(parser):
    parser.add_argument(
        "--rows",
        type=_row_range,
        metavar="START:STOP",
        help="use only these data rows, 0-based, as a Python slice (e.g. :12000 for "
        "the first 12000, 12000: for the rest)",
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-recon", description="Deep anomaly detectors for scikit-learn."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="train every detector and the baselines on the bundled ECG5000 and compare them",
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
        "--epochs",
        type=_positive_int,
        help="maximum epochs of every deep detector (default: per detector, a few minutes in all)",
    )
    demo.add_argument(
        "--quick", action="store_true", help="few epochs: the whole demo in under a minute"
    )
    demo.add_argument(
        "--out",
        default="sklearn-recon-demo",
        help="folder for results.md, results.json and the plots (default ./sklearn-recon-demo)",
    )
    demo.add_argument("--no-plots", action="store_true", help="write no PNG plots")
    demo.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    demo.add_argument("--verbose", type=int, default=0, help="1 shows a progress bar")

    fit = sub.add_parser(
        "fit",
        help="train a detector on a CSV table (or one long series) and save it",
        description="Train a detector on the rows of a CSV table (gzip, bz2, zip "
        "and xz work too), or with --window on the table read as one time-ordered "
        "series, and save the fitted pipeline (imputer, scaler, detector) to one "
        "model file. Every numeric column that is not an id, time, label or "
        "dropped column is a feature.",
        epilog="The model file remembers the feature columns, the --id-column and "
        "--time-column names, the label column and the series mode, and the share "
        "of training rows above the threshold with the range of every feature "
        "(for score's drift warning): score needs none of these options again.",
    )
    fit.add_argument("data", help="CSV file with a header row, one row per sample (or time step)")
    fit.add_argument(
        "--detector",
        choices=list(FIT_DETECTORS),
        default="autoencoder",
        help="autoencoder (default), vae, lstm (each row, or window, read as a "
        "sequence) or rnn (a supervised classifier: needs --label-column)",
    )
    fit.add_argument("--out", required=True, help="model file to write")
    fit.add_argument(
        "--label-column",
        help="column holding labels; it is not a feature. The rows "
        "labelled as anomalies (--anomaly-label, or not --normal-label) are left out "
        "of training (in series mode, the windows over them); rnn learns from all rows",
    )
    _add_label_options(fit, "of the anomalies in --label-column (default -1)")
    _add_column_options(fit)
    fit.add_argument(
        "--impute",
        choices=["none", "median", "mean"],
        default="none",
        help="fill missing values with each column's training median or mean, in "
        "the saved model (default none: missing values are an error)",
    )
    fit.add_argument(
        "--scaler",
        choices=["minmax", "standard", "none"],
        default="minmax",
        help="scaling before the detector (default minmax)",
    )
    fit.add_argument(
        "--window",
        type=_window,
        metavar="N|auto",
        help="series mode: the rows are consecutive time steps in time order, "
        "every feature a channel; the detector learns windows of N steps (auto: the "
        "series' dominant period, 8 to 300 steps) and score gives every step a "
        "score",
    )
    fit.add_argument(
        "--stride",
        type=_positive_int,
        metavar="N",
        help="with --window: steps between the starts of two windows, in training "
        "and scoring (default 1)",
    )
    _add_rows_option(fit)
    fit.add_argument(
        "--epochs", type=_positive_int, help="maximum epochs (default: the detector's)"
    )
    fit.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    fit.add_argument(
        "--verbose",
        type=int,
        default=0,
        help="1 shows a progress bar and keeps TensorFlow's log lines",
    )

    score = sub.add_parser(
        "score",
        help="score a CSV table with a saved model",
        description="Score every row (or, for a model fitted with --window, every "
        "time step) of a CSV table and write the id and time columns fit was told "
        "about, then score (higher is more normal), decision (negative for "
        "anomalies) and flag (-1 anomaly, 1 normal), one line per input row in "
        "its order; with --explain K, the K most responsible features of each "
        "flagged row after them.",
        epilog="Drift warning: when the share of flagged rows differs from the "
        "share of training rows above the threshold by more than sampling noise "
        "(two-sided Fisher's exact test of the two counts at --drift-level, or "
        "a binomial test against a conformal threshold's alpha; for a series "
        "one observation per window), a one-sentence warning on standard error names "
        "the features furthest outside their training range. See "
        "sklearn_recon.monitoring.check_drift.",
    )
    score.add_argument("model", help="model file written by 'sklearn-recon fit'")
    score.add_argument(
        "data", help="CSV file with the columns the model was fitted on; other columns are ignored"
    )
    score.add_argument("--out", help="CSV file to write (default: standard output)")
    score.add_argument(
        "--plot",
        metavar="FILE.png",
        help="draw the scores with the threshold (per row, or over the series with "
        "its flagged steps) and the labelled anomalies, if the label column is "
        "there; needs matplotlib",
    )
    score.add_argument(
        "--explain",
        type=_positive_int,
        metavar="K",
        help="for each flagged row (or time step), its K most responsible features "
        "and their contributions to the anomaly score, largest first, in the columns "
        "explain_1_feature, explain_1_contribution, ..., explain_K_contribution "
        "(empty for rows not flagged; K at most the number of features); with "
        "--plot, each flagged row is ringed in the colour of its top feature",
    )
    score.add_argument(
        "--label-column",
        help="labels for the plot (default: fit's --label-column, when the table has it)",
    )
    _add_label_options(score, "of the anomalies, for the plot (default: fit's)")
    _add_column_options(score, repeated=True)
    score.add_argument(
        "--impute",
        choices=["none", "median", "mean"],
        help="as given to fit (optional: the model file remembers it; a different "
        "value is an error)",
    )
    _add_rows_option(score)
    score.add_argument(
        "--drift-level",
        type=_level,
        default=0.001,
        metavar="P",
        help="significance level of the drift warning (default 0.001; 0 turns the check off)",
    )
    score.add_argument("--verbose", type=int, default=0, help="1 keeps TensorFlow's log lines")

    export = sub.add_parser(
        "export",
        help="write a saved model as one ONNX or TensorFlow SavedModel graph",
        description="Write a model file as one inference graph (scaling, network, "
        "error and threshold) with input X (float32 rows) and outputs score, "
        "decision and flag, for onnxruntime or TF Serving. ONNX needs "
        'pip install "sklearn-recon[export]".',
    )
    export.add_argument("model", help="model file written by 'sklearn-recon fit' or save")
    export.add_argument("out", help="file to write (.onnx), or directory for --format saved_model")
    export.add_argument(
        "--format",
        choices=["onnx", "saved_model"],
        default="onnx",
        help="onnx (default; runs in onnxruntime without TensorFlow) or "
        "saved_model (a TensorFlow SavedModel with a serving_default signature)",
    )
    export.add_argument("--opset", type=_positive_int, help="ONNX opset (default 17)")
    export.add_argument("--verbose", type=int, default=0, help="1 keeps TensorFlow's log lines")
    return parser
