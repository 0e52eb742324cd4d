"""The ``sklearn-recon`` command line.

``sklearn-recon demo`` runs the main job on the bundled ECG5000;
``sklearn-recon fit`` and ``sklearn-recon score`` let someone who does not
write Python train a detector on their own table or series and score new
rows; ``sklearn-recon export`` writes a saved model as one inference graph.

Importing this module is cheap: scikit-learn, pandas and TensorFlow load
only inside the commands.
"""

import argparse
import contextlib
import os
import re
import sys
import time

from .utils._registry import by_cli_name, entries, get_class

#: Detector names of ``sklearn-recon demo --detectors``: the registry's
#: detectors and baselines that have a command-line name.
DEMO_DETECTORS = tuple(entry.cli_name for entry in entries(cli=True))

#: Detector names of ``sklearn-recon fit --detector``: our detectors of the
#: registry that have a command-line name.
FIT_DETECTORS = tuple(entry.cli_name for entry in entries(kind="detector", cli=True))

#: The columns ``score`` writes after the copied identifier and time columns.
SCORE_COLUMNS = ("score", "decision", "flag")


class CLIError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


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
            f"expected a significance level in [0, 1) (0 turns the check off), got "
            f"{text!r}"
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


# ------------------------------------------------------ TensorFlow's log lines

#: A line of TensorFlow's C++ logging (absl's format), e.g.
#: ``W0000 00:00:1796148114.496824   24605 util.cc:163] Not handling type DT_DOUBLE``.
_TF_LOG_LINE = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ [^\s:\]]+:\d+\] ")
#: absl's first line, and the second line of the CPU-features message.
_TF_OTHER_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called",
    b"To enable the following instructions:",
)


@contextlib.contextmanager
def _quiet_tensorflow(verbose=0):
    """Keep TensorFlow's C++ log lines out of the standard error stream.

    TensorFlow's C++ code logs through absl straight to file descriptor 2,
    whatever ``TF_CPP_MIN_LOG_LEVEL`` says: at import (CUDA and CPU probes),
    when the first operation finds no GPU (``cuInit``) and while grappler
    optimises a graph (oneDNN's ``util.cc:163] Not handling type
    DT_DOUBLE`` for each float64 operation of the float64 scoring copy of a
    network). So, unless ``verbose``, descriptor 2 goes to a temporary file
    for the whole command, while Python's ``sys.stderr`` (warnings, errors,
    tracebacks) is moved to a copy of the original descriptor and stays
    live. At the end, whatever native code wrote is replayed, minus
    TensorFlow's log lines; :mod:`faulthandler` reports a hard crash on the
    original descriptor meanwhile. TensorFlow's Python logger is set to
    errors only by :func:`_load_keras`.
    """
    if verbose:
        yield
        return
    import faulthandler
    import tempfile

    sys.stderr.flush()
    try:
        python_on_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # replaced, e.g. by pytest
        python_on_fd2 = False
    original = os.dup(2)
    python_stderr = sys.stderr
    fault = not faulthandler.is_enabled()
    with tempfile.TemporaryFile() as native:
        os.dup2(native.fileno(), 2)
        if python_on_fd2:
            sys.stderr = open(  # noqa: SIM115 - closed below
                os.dup(original), "w", buffering=1, encoding=python_stderr.encoding,
                errors="backslashreplace",
            )
        if fault:
            faulthandler.enable(file=original)
        try:
            yield
        finally:
            if fault:
                faulthandler.disable()
            sys.stderr.flush()
            if python_on_fd2:
                sys.stderr.close()
                sys.stderr = python_stderr
            os.dup2(original, 2)
            os.close(original)
            native.seek(0)
            kept = [
                line for line in native
                if not (_TF_LOG_LINE.match(line) or line.startswith(_TF_OTHER_LINES))
            ]
            if kept:
                sys.stderr.write(b"".join(kept).decode(errors="replace"))
                sys.stderr.flush()


def _load_keras(verbose=0):
    """Import Keras (and TensorFlow); its Python logger then reports errors only.

    The command trains several fresh networks in one process, which
    TensorFlow's retracing warning takes for a mistake.
    """
    from .utils._keras import get_keras

    keras = get_keras()
    if not verbose and "tensorflow" in sys.modules:
        sys.modules["tensorflow"].get_logger().setLevel("ERROR")
    return keras


def _demo(args):
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
        _load_keras(args.verbose)
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


def _read_table(path, rows=None):
    """Read a CSV file (compressed too) and keep ``rows``; clear errors otherwise."""
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"{path}: is a directory, not a CSV file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIError(f"{path}: not a readable CSV table ({exc})") from None
    if rows is not None:
        n_rows = len(frame)
        frame = frame.iloc[rows]
        if len(frame) == 0:
            raise CLIError(
                f"{path}: --rows {_format_rows(rows)} selects no row of its {n_rows}"
            )
    return frame


def _format_rows(rows):
    return ":".join("" if b is None else str(b) for b in (rows.start, rows.stop))


def _flatten(lists):
    """The column names of a repeatable option, in order, once each."""
    return list(dict.fromkeys(name for names in lists or () for name in names))


def _check_columns(frame, path, roles):
    """Refuse a column named twice or absent; ``roles`` maps option to columns."""
    seen = {}
    for option, columns in roles.items():
        for column in columns:
            if column in seen:
                raise CLIError(f"the column {column!r} is given to both {seen[column]} "
                               f"and {option}")
            seen[column] = option
            if column not in frame.columns:
                raise CLIError(
                    f"{path}: no column {column!r} ({option}); the columns are "
                    f"{_some(frame.columns)}"
                )


def _some(names, n=10):
    """At most ``n`` names, for a message."""
    names = [str(name) for name in names]
    return str(names) if len(names) <= n else f"{names[:n]} and {len(names) - n} more"


def _features(frame, path, kept_out):
    """The numeric feature columns: every column not kept out."""
    import pandas as pd

    X = frame.drop(columns=kept_out)
    non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if non_numeric:
        raise CLIError(
            f"{path}: the columns {_some(non_numeric)} are not numeric; name them with "
            "--id-column or --time-column (kept out of the features and copied to "
            "the scores), --label-column, or --drop them"
        )
    if X.shape[1] == 0:
        raise CLIError(f"{path}: no feature column is left")
    return X


def _check_missing(X, path, imputes):
    """Refuse missing values unless the model fills them in."""
    if imputes:
        return
    missing = X.isna().sum()
    if missing.any():
        raise CLIError(
            f"{path}: {int(missing.sum())} missing values in {int((missing > 0).sum())} "
            f"columns (e.g. {_some(missing.index[missing > 0], 3)}); fit with "
            "--impute median or --impute mean to fill them in the model, or fill "
            "them first"
        )


def _anomaly_rows(labels, anomaly_label, label_column):
    """Which rows ``--anomaly-label`` marks, the label read as the column's type."""
    import pandas as pd

    from .utils._validation import check_anomaly_label

    if labels.isna().any():
        raise CLIError(
            f"the label column {label_column!r} has {int(labels.isna().sum())} empty "
            "values: every row needs a label"
        )
    values, label = labels.to_numpy(), anomaly_label
    if pd.api.types.is_numeric_dtype(labels):
        # not a number: check_anomaly_label finds it absent
        with contextlib.suppress(ValueError):
            label = float(anomaly_label)
    else:
        values = labels.astype(str).to_numpy()
    try:
        # a part of the data without anomalies (all one label) is fine
        return check_anomaly_label(values, label, name=repr(label_column),
                                   allow_absent=True)
    except ValueError:
        raise CLIError(
            f"--anomaly-label {anomaly_label} is not among the labels in "
            f"{label_column!r}: {sorted(labels.unique().tolist())[:10]}"
        ) from None


def _time_values(column):
    """A time column as numbers or datetimes, or None if it is neither."""
    import warnings

    import pandas as pd

    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' "could not infer format"
        try:
            return pd.to_datetime(column).to_numpy()
        except (ValueError, TypeError, OverflowError):
            return None


def _check_time_order(frame, time_columns, path):
    """A series must come in time order: refuse a time column that goes back."""
    import numpy as np

    for column in time_columns:
        values = _time_values(frame[column])
        if values is None:
            continue
        back = np.flatnonzero(values[1:] < values[:-1])
        if len(back):
            raise CLIError(
                f"{path}: the rows are not in time order ({column!r} goes back at data "
                f"row {int(back[0]) + 1}); a series must be sorted by time"
            )


def _convert_errors(what):
    """Turn the estimators' ValueError (bad data) into a one-line CLIError."""

    @contextlib.contextmanager
    def converting():
        try:
            yield
        except ValueError as exc:
            raise CLIError(f"{what}: {exc}") from None

    return converting()


def _percent(share):
    from .utils._formatting import percent

    return percent(share)


def _fit(args):
    import numpy as np
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    import sklearn_recon

    from .monitoring import drift_reference

    entry = by_cli_name(args.detector)
    supervised, series = entry.supervised, args.window is not None
    if supervised and args.label_column is None:
        raise CLIError(
            f"--detector {args.detector} learns from labels: pass --label-column "
            "(and --anomaly-label, default -1)"
        )
    if supervised and series:
        raise CLIError(
            f"--detector {args.detector} learns from labelled rows; --window trains on "
            "the series alone: choose among "
            f"{', '.join(n for n in FIT_DETECTORS if not by_cli_name(n).supervised)}"
        )
    if args.stride is not None and not series:
        raise CLIError("--stride needs --window (series mode)")
    frame = _read_table(args.data, args.rows)
    ids, times, dropped = (_flatten(v) for v in (args.id_column, args.time_column, args.drop))
    label = [] if args.label_column is None else [args.label_column]
    _check_columns(frame, args.data, {"--id-column": ids, "--time-column": times,
                                      "--drop": dropped, "--label-column": label})
    X = _features(frame, args.data, ids + times + dropped + label)
    _check_missing(X, args.data, args.impute != "none")
    if series:
        _check_time_order(frame, times, args.data)
    kept_out = [f"{c} ({role})" for role, columns in
                (("id", ids), ("time", times), ("label", label), ("dropped", dropped))
                for c in columns]
    print(f"Features: {X.shape[1]} numeric columns"
          + (f"; kept out: {', '.join(kept_out)}" if kept_out else "") + ".")

    fit_params, X_fit, y = {}, X, None
    if label:
        is_anomaly = _anomaly_rows(frame[args.label_column], args.anomaly_label,
                                   args.label_column)
        if supervised:
            y = np.where(is_anomaly, -1, 1)
            print(f"Training on all {len(X)} rows, {is_anomaly.sum()} labelled "
                  f"{args.anomaly_label} (anomalies).")
        elif series:
            # a series keeps every step: the windows over anomalies weigh 0
            fit_params["sample_weight"] = np.where(is_anomaly, 0.0, 1.0)
            print(f"Training on a series of {len(X)} time steps"
                  + (f"; the windows over the {is_anomaly.sum()} steps labelled "
                     f"{args.anomaly_label} are left out." if is_anomaly.any() else "."))
        else:
            X_fit = X[~is_anomaly]
            print(f"Training on the {len(X_fit)} rows not labelled {args.anomaly_label}.")
    elif series:
        print(f"Training on a series of {len(X)} time steps.")

    _load_keras(args.verbose)
    detector_class = get_class(entry)
    params = {"random_state": args.random_state, "verbose": args.verbose}
    if supervised:
        params["anomaly_label"] = -1  # y above codes the anomalies as -1
    if args.epochs is not None:
        params["epochs"] = args.epochs
    detector = detector_class(**params)
    if series:
        from .windows import WindowedDetector

        detector = WindowedDetector(detector, window_size=args.window,
                                    stride=args.stride or 1)
    steps = [] if args.impute == "none" else [SimpleImputer(strategy=args.impute)]
    steps += {"minmax": [MinMaxScaler()], "standard": [StandardScaler()], "none": []}[
        args.scaler]
    model = make_pipeline(*steps, detector)
    fit_params = {f"{model.steps[-1][0]}__{k}": v for k, v in fit_params.items()}
    start = time.perf_counter()
    with _convert_errors(args.data):
        if supervised:
            model.fit(X_fit, y, **fit_params)
        else:
            model.fit(X_fit, **fit_params)
    seconds = time.perf_counter() - start
    reference = drift_reference(model, X_fit)
    # what score needs to know, kept in the model file (save stores the
    # fitted attributes of every estimator of the tree)
    model.drift_reference_ = reference
    model.cli_settings_ = {
        "id_columns": ids,
        "time_columns": times,
        "label_column": args.label_column,
        "anomaly_label": args.anomaly_label,
        "impute": args.impute,
    }
    what = "rows"
    if series:
        window = model[-1].window_size_
        how = "estimated period" if args.window == "auto" else "--window"
        name = (f"WindowedDetector({detector_class.__name__}, windows of {window} "
                f"steps from the {how}, stride {model[-1].stride})")
        what = "time steps"
    else:
        name = detector_class.__name__
    from .utils._response import get_threshold

    print(
        f"Fitted {name} on {len(X_fit)} {what} x {X.shape[1]} columns in {seconds:.1f} s; "
        f"threshold {get_threshold(model):.6g}, above which lie "
        f"{_percent(reference.expected_share)} of the training {what}."
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


def _imputes(model):
    """Whether a step of ``model`` fills in missing values."""
    from sklearn.impute import SimpleImputer

    from .utils._response import pipeline_steps

    return any(isinstance(step, SimpleImputer) for _, step in pipeline_steps(model)[0])


def _score(args):
    import numpy as np

    from .monitoring import check_drift
    from .utils._response import final_estimator, get_anomaly_score, get_threshold, is_flagged

    if args.plot is not None:
        try:
            import matplotlib
        except ImportError:
            raise CLIError(
                '--plot needs matplotlib: pip install "sklearn-recon[plot]"'
            ) from None
        matplotlib.use("Agg")
    if not os.path.exists(args.model):  # before reading a large table
        raise CLIError(f"{args.model}: no such file")
    frame = _read_table(args.data, args.rows)
    _load_keras(args.verbose)
    model = _load_model(args.model)
    threshold = get_threshold(model)
    final = final_estimator(model)[0]
    if threshold is None:
        raise CLIError(
            f"{args.model} holds a {type(final).__name__}, which has no threshold: "
            "score needs an outlier detector, as sklearn-recon fit writes"
        )
    series = hasattr(final, "window_size_")
    # what fit was told, so that score need not be told again
    settings = getattr(model, "cli_settings_", {})
    ids, times = settings.get("id_columns", []), settings.get("time_columns", [])
    label_column = args.label_column or settings.get("label_column")
    anomaly_label = args.anomaly_label or settings.get("anomaly_label") or "-1"
    for option, columns in (("--id-column", ids), ("--time-column", times)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CLIError(
                f"{args.data}: no column {missing[0]!r}; the model was fitted with "
                f"{option} {','.join(columns)}, which score copies to its output"
            )
    clash = [c for c in ids + times if c in SCORE_COLUMNS]
    if clash:
        raise CLIError(f"{args.data}: the column {clash[0]!r} would be overwritten by "
                       "the scores; rename it")
    if args.plot is not None and args.label_column and label_column not in frame.columns:
        raise CLIError(f"{args.data}: no column {label_column!r} (--label-column)")
    # the columns the model was fitted on, by name; others are left alone
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        kept_out = ids + times + [c for c in [label_column] if c in frame.columns]
        X = _features(frame, args.data, kept_out)
    else:
        missing = [c for c in names if c not in frame.columns]
        if missing:
            raise CLIError(f"{args.data}: the model needs the columns {_some(missing)}")
        X = _features(frame[list(names)], args.data, [])
    _check_missing(X, args.data, _imputes(model))
    if series:
        _check_time_order(frame, times, args.data)

    with _convert_errors(args.data):
        anomaly = get_anomaly_score(model, X)
    flagged = is_flagged(model, anomaly, threshold)
    result = frame[ids + times].reset_index(drop=True)
    result["score"] = -anomaly  # higher is more normal, as score_samples
    result["decision"] = threshold - anomaly  # negative for anomalies
    result["flag"] = np.where(flagged, -1, 1)
    result.to_csv(args.out if args.out else sys.stdout, index=False)
    what = "time steps" if series else "rows"
    print(
        f"Scored {len(result)} {what} ({int(flagged.sum())} flagged)"
        + (f" to {args.out}" if args.out else ""),
        file=sys.stdout if args.out else sys.stderr,
    )
    reference = getattr(model, "drift_reference_", None)
    if reference is not None and args.drift_level > 0:
        report = check_drift(model, X, reference=reference, anomaly_score=anomaly,
                             level=args.drift_level)
        if report.drifted:
            print(f"sklearn-recon score: warning: {report}", file=sys.stderr)
    if args.plot is not None:
        is_anomaly = None
        if label_column is not None and label_column in frame.columns:
            is_anomaly = _anomaly_rows(frame[label_column], anomaly_label, label_column)
        _plot(args, model, X, frame, anomaly, threshold, is_anomaly, series, times)
        print(f"Plotted to {args.plot}", file=sys.stdout if args.out else sys.stderr)
    return 0


def _plot(args, model, X, frame, anomaly, threshold, is_anomaly, series, times):
    """Draw the scores with the Displays: per row, or over the series."""
    import matplotlib.pyplot as plt

    from .plotting import ErrorDisplay, SeriesScoreDisplay
    from .utils._response import final_estimator

    final = final_estimator(model)[0]
    name = type(getattr(final, "detector_", final)).__name__
    rows = "" if args.rows is None else f" rows {_format_rows(args.rows)}"
    title = f"{name}: {os.path.basename(args.data)}{rows}"
    score_label = ErrorDisplay._score_label(model)
    if series:
        time_values = _time_values(frame[times[0]]) if times else None
        display = SeriesScoreDisplay(
            anomaly_score=anomaly, threshold=threshold, series=X.to_numpy(dtype=float),
            time=time_values, is_anomaly=is_anomaly,
            channel_names=[str(c) for c in X.columns], score_label=score_label,
            name=title,
        ).plot()
        if times:
            display.ax_[-1].set_xlabel(times[0])
    else:
        display = ErrorDisplay(
            anomaly_score=anomaly, threshold=threshold, is_anomaly=is_anomaly,
            score_label=score_label, name=title,
        ).plot()
        display.ax_.set_xlabel("Row of the scored table")
    _log_scale_if_wide(display.ax_[-1] if series else display.ax_, anomaly, threshold)
    try:
        display.figure_.savefig(args.plot, dpi=100, bbox_inches="tight")
    except (OSError, ValueError) as exc:  # no such folder, unknown extension
        raise CLIError(f"--plot {args.plot}: {exc}") from None
    finally:
        plt.close(display.figure_)


def _log_scale_if_wide(ax, anomaly, threshold):
    """A logarithmic score axis when a few huge scores would flatten the rest.

    Positive scores whose largest is over 100 times the threshold (rows far
    outside the training range, after a scaler) leave every other point on
    the threshold line of a linear axis.
    """
    import numpy as np

    finite = anomaly[np.isfinite(anomaly)]
    if len(finite) and threshold > 0 and finite.min() > 0 and (
        finite.max() > 100 * threshold
    ):
        ax.set_yscale("log")
        ax.set_ylabel(f"{ax.get_ylabel()} (log scale)")


def _export(args):
    _load_keras(args.verbose)
    model = _load_model(args.model)
    from ._export import export

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


def _add_column_options(parser):
    for option, what in (
        ("--id-column", ("identifier column(s) kept out of the features and copied "
                         "to score's output")),
        ("--time-column", ("time column(s) kept out of the features and copied to "
                           "score's output; in series mode the rows must be in its "
                           "order, and the first is the plot's time axis")),
        ("--drop", "column(s) to ignore"),
    ):
        parser.add_argument(option, type=_column_names, action="append",
                            metavar="COLS", help=f"{what} (repeatable or a comma list)")


def _add_rows_option(parser):
    parser.add_argument(
        "--rows", type=_row_range, metavar="START:STOP",
        help="use only these data rows, 0-based, as a Python slice (e.g. :12000 for "
        "the first 12000, 12000: for the rest)",
    )


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
    fit.add_argument("data", help="CSV file with a header row, one row per sample "
                     "(or time step)")
    fit.add_argument(
        "--detector", choices=list(FIT_DETECTORS), default="autoencoder",
        help="autoencoder (default), vae, lstm (each row, or window, read as a "
        "sequence) or rnn (a supervised classifier: needs --label-column)",
    )
    fit.add_argument("--out", required=True, help="model file to write")
    fit.add_argument(
        "--label-column", help="column holding labels; it is not a feature. The rows "
        "labelled --anomaly-label are left out of training (in series mode, the "
        "windows over them); rnn learns from all rows")
    fit.add_argument(
        "--anomaly-label", default="-1",
        help="label of the anomalies in --label-column (default -1)",
    )
    _add_column_options(fit)
    fit.add_argument(
        "--impute", choices=["none", "median", "mean"], default="none",
        help="fill missing values with each column's training median or mean, in "
        "the saved model (default none: missing values are an error)",
    )
    fit.add_argument(
        "--scaler", choices=["minmax", "standard", "none"], default="minmax",
        help="scaling before the detector (default minmax)",
    )
    fit.add_argument(
        "--window", type=_window, metavar="N|auto",
        help="series mode: the rows are consecutive time steps in time order, "
        "every feature a channel; the detector learns windows of N steps (auto: the "
        "series' dominant period, 8 to 300 steps) and score gives every step a "
        "score",
    )
    fit.add_argument(
        "--stride", type=_positive_int, metavar="N",
        help="with --window: steps between the starts of two windows, in training "
        "and scoring (default 1)",
    )
    _add_rows_option(fit)
    fit.add_argument("--epochs", type=_positive_int,
                     help="maximum epochs (default: the detector's)")
    fit.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    fit.add_argument("--verbose", type=int, default=0,
                     help="1 shows a progress bar and keeps TensorFlow's log lines")

    score = sub.add_parser(
        "score",
        help="score a CSV table with a saved model",
        description="Score every row (or, for a model fitted with --window, every "
        "time step) of a CSV table and write the id and time columns fit was told "
        "about, then score (higher is more normal), decision (negative for "
        "anomalies) and flag (-1 anomaly, 1 normal), one line per input row in "
        "its order.",
        epilog="Drift warning: when the share of flagged rows differs from the "
        "share of training rows above the threshold by more than sampling noise "
        "(two-sided Fisher's exact test of the two counts at --drift-level, or "
        "a binomial test against a conformal threshold's alpha; for a series "
        "one observation per window), a one-sentence warning on standard error names "
        "the features furthest outside their training range. See "
        "sklearn_recon.monitoring.check_drift.",
    )
    score.add_argument("model", help="model file written by 'sklearn-recon fit'")
    score.add_argument("data", help="CSV file with the columns the model was fitted on; "
                       "other columns are ignored")
    score.add_argument("--out", help="CSV file to write (default: standard output)")
    score.add_argument(
        "--plot", metavar="FILE.png",
        help="draw the scores with the threshold (per row, or over the series with "
        "its flagged steps) and the labelled anomalies, if the label column is "
        "there; needs matplotlib",
    )
    score.add_argument(
        "--label-column",
        help="labels for the plot (default: fit's --label-column, when the table "
        "has it)",
    )
    score.add_argument("--anomaly-label",
                       help="label of the anomalies (default: fit's)")
    _add_rows_option(score)
    score.add_argument(
        "--drift-level", type=_level, default=0.001, metavar="P",
        help="significance level of the drift warning (default 0.001; 0 turns the "
        "check off)",
    )
    score.add_argument("--verbose", type=int, default=0,
                       help="1 keeps TensorFlow's log lines")

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
    import warnings

    args = _parser().parse_args(argv)
    commands = {"demo": _demo, "fit": _fit, "score": _score, "export": _export}
    prefix = f"sklearn-recon {args.command}"

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"{prefix}: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings(), _quiet_tensorflow(args.verbose):
        warnings.showwarning = show_warning  # one line each; restored on exit
        try:
            return commands[args.command](args)
        except CLIError as exc:
            print(f"{prefix}: error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
