"""``sklearn-recon score``: score a table or a series with a saved model."""

import contextlib
import os
import sys

from ._common import SCORE_COLUMNS, CLIError
from ._tables import (
    anomaly_rows,
    check_missing,
    check_time_order,
    convert_errors,
    features,
    flatten,
    format_rows,
    read_table,
    some,
    time_values,
)


@contextlib.contextmanager
def _model_file_errors(path):
    """Turn the errors of reading the model file ``path`` into CLIErrors."""
    try:
        yield
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except OSError as exc:  # a directory, no permission, ...
        raise CLIError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        # not a model file, or one altered since it was saved: load says which
        raise CLIError(str(exc)) from None


def check_model(path):
    """The verified content of the model file ``path``; CLIError if refused.

    Checks the checksums and the sizes the members would expand to without
    Keras or TensorFlow: a hostile file is refused in a fraction of a second
    and a few tens of MB, not after seconds and most of a GB of TensorFlow.
    """
    from .._persistence import _read_verified

    with _model_file_errors(path):
        return _read_verified(path)


def load_model(path, verified=None, *, return_metadata=False):
    """The model of the file ``path`` (and its metadata); CLIError if unreadable.

    ``verified`` is what :func:`check_model` returned for ``path``, if it
    was called already. A model scored in NumPy loads without Keras.
    """
    from .._persistence import _load_verified

    if verified is None:
        verified = check_model(path)
    with _model_file_errors(path):
        return _load_verified(path, *verified, return_metadata=return_metadata)


def _imputes(model):
    """Whether a step of ``model`` fills in missing values."""
    from sklearn.impute import SimpleImputer

    from ..utils._response import walk

    return any(isinstance(step, SimpleImputer) for _, step in walk(model).transforms)


def _check_repeated_options(args, settings):
    """Accept fit's options repeated to score when they agree with the model.

    ``--id-column``, ``--time-column`` and ``--impute`` are stored in the
    model file by ``sklearn-recon fit``; repeating them is harmless when
    they say the same, and an error naming the disagreement otherwise.
    """
    repeated = (
        ("--id-column", flatten(args.id_column) or None, settings.get("id_columns", [])),
        ("--time-column", flatten(args.time_column) or None, settings.get("time_columns", [])),
        ("--impute", args.impute, settings.get("impute", "none")),
    )
    for option, given, stored in repeated:
        if given is None or given == stored:
            continue
        shown = ",".join(given) if isinstance(given, list) else given
        if isinstance(stored, list):
            was = f"{option} {','.join(stored)}" if stored else f"no {option}"
        else:
            was = f"{option} {stored}"
        raise CLIError(
            f"{option} {shown} disagrees with the model, which was fitted with {was}; "
            f"drop {option} (score reads it from the model file) or fit again"
        )


def run_score(args):
    # a missing or hostile model file is refused first: before scikit-learn
    # and Keras are imported, and before a large table is read
    verified = check_model(args.model)

    import numpy as np
    import pandas as pd

    from ..monitoring import check_drift
    from ..utils._response import final_estimator, get_anomaly_score, get_threshold, is_flagged

    if args.plot is not None:
        try:
            import matplotlib
        except ImportError:
            raise CLIError('--plot needs matplotlib: pip install "sklearn-recon[plot]"') from None
        matplotlib.use("Agg")
    frame = read_table(args.data, args.rows)
    model, metadata = load_model(args.model, verified, return_metadata=True)
    threshold = get_threshold(model)
    final = final_estimator(model)[0]
    if threshold is None:
        raise CLIError(
            f"{args.model} holds a {type(final).__name__}, which has no threshold: "
            "score needs an outlier detector, as sklearn-recon fit writes"
        )
    series = hasattr(final, "window_size_")
    # what fit was told, so that score need not be told again (files written
    # before the metadata route kept it as attributes of the Pipeline)
    settings = metadata.get("cli_settings", getattr(model, "cli_settings_", {}))
    reference = metadata.get("drift_reference", getattr(model, "drift_reference_", None))
    _check_repeated_options(args, settings)
    ids, times = settings.get("id_columns", []), settings.get("time_columns", [])
    label_column = args.label_column or settings.get("label_column")
    # labels given to score replace fit's; by default fit's (an anomaly label,
    # or the normal labels)
    if args.anomaly_label is not None or args.normal_label:
        anomaly_label, normal_labels = args.anomaly_label or "-1", args.normal_label
    else:
        anomaly_label = settings.get("anomaly_label") or "-1"
        normal_labels = settings.get("normal_labels")
    for option, columns in (("--id-column", ids), ("--time-column", times)):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise CLIError(
                f"{args.data}: no column {missing[0]!r}; the model was fitted with "
                f"{option} {','.join(columns)}, which score copies to its output"
            )
    clash = [c for c in ids + times if c in SCORE_COLUMNS]
    if clash:
        raise CLIError(
            f"{args.data}: the column {clash[0]!r} would be overwritten by the scores; rename it"
        )
    if args.plot is not None and args.label_column and label_column not in frame.columns:
        raise CLIError(f"{args.data}: no column {label_column!r} (--label-column)")
    # the columns the model was fitted on, by name; others are left alone
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        kept_out = ids + times + [c for c in [label_column] if c in frame.columns]
        X = features(frame, args.data, kept_out)
    else:
        missing = [c for c in names if c not in frame.columns]
        if missing:
            raise CLIError(f"{args.data}: the model needs the columns {some(missing)}")
        X = features(frame[list(names)], args.data, [])
    check_missing(X, args.data, _imputes(model))
    if series:
        check_time_order(frame, times, args.data)

    with convert_errors(args.data):
        anomaly = get_anomaly_score(model, X)
    flagged = is_flagged(model, anomaly, threshold)
    result = frame[ids + times].reset_index(drop=True)
    result["score"] = -anomaly  # higher is more normal, as score_samples
    result["decision"] = threshold - anomaly  # negative for anomalies
    result["flag"] = np.where(flagged, -1, 1)
    explained = None
    if args.explain is not None:
        with convert_errors(args.data):
            explained = explain_flagged(model, X, flagged, args.explain)
        result = pd.concat([result, explained], axis=1)
    result.to_csv(args.out if args.out else sys.stdout, index=False)
    what = "time steps" if series else "rows"
    print(
        f"Scored {len(result)} {what} ({int(flagged.sum())} flagged)"
        + (f" to {args.out}" if args.out else ""),
        file=sys.stdout if args.out else sys.stderr,
    )
    if reference is not None and args.drift_level > 0:
        report = check_drift(
            model, X, reference=reference, anomaly_score=anomaly, level=args.drift_level
        )
        if report.drifted:
            print(f"sklearn-recon score: warning: {report}", file=sys.stderr)
    if args.plot is not None:
        is_anomaly = None
        if label_column is not None and label_column in frame.columns:
            is_anomaly = anomaly_rows(
                frame[label_column],
                label_column,
                anomaly_label=anomaly_label,
                normal_labels=normal_labels,
                strict=False,  # a part of the data may hold no normal row
            )
        _plot(args, model, X, frame, anomaly, threshold, is_anomaly, series, times, explained)
        print(f"Plotted to {args.plot}", file=sys.stdout if args.out else sys.stderr)
    return 0


def explain_columns(k):
    """The names of the columns of ``score --explain K``, in order."""
    return [f"explain_{i}_{what}" for i in range(1, k + 1) for what in ("feature", "contribution")]


def explain_flagged(model, X, flagged, k):
    """The ``k`` most responsible features of each flagged row, as columns.

    The contributions are those of
    :func:`sklearn_recon.inspection.feature_contributions` on all of ``X``
    (a series needs its neighbouring steps; the model-agnostic route takes
    the other rows as its background), in the input's features. Returns a
    DataFrame of one line per row of ``X``: for a flagged row, the names
    (from the table's header) and contributions of its ``k`` features of
    the largest contributions, largest first; empty for the other rows.
    ``k`` is at most the number of features.
    """
    import numpy as np
    import pandas as pd

    from ..inspection import feature_contributions

    names = np.asarray([str(c) for c in X.columns], dtype=object)
    k = min(k, len(names))
    columns = explain_columns(k)
    table = pd.DataFrame(index=range(len(X)), columns=columns, dtype=object)
    rows = np.flatnonzero(flagged)
    if len(rows):
        contributions = feature_contributions(model, X)[rows]
        top = np.argsort(-contributions, axis=1, kind="stable")[:, :k]
        values = np.take_along_axis(contributions, top, axis=1)
        for i in range(k):
            table.loc[rows, columns[2 * i]] = names[top[:, i]]
            table.loc[rows, columns[2 * i + 1]] = values[:, i]
    return table


#: Top features ``--plot`` gives a colour of their own; the rest share one.
_MARKED = 6


def _mark_explained(ax, positions, anomaly, explained):
    """Ring each flagged row in the colour of its most responsible feature.

    The ``_MARKED`` features most often on top of a flagged row have a
    colour each, the others one grey; the legend names them with their
    counts. Returns the rings, one PathCollection per colour.
    """
    import numpy as np

    top = explained["explain_1_feature"]
    flagged = top.notna().to_numpy()
    counts = top[flagged].value_counts(sort=True)
    named = list(counts.index[:_MARKED])
    colors = ["tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]
    groups = [
        (f"top feature {name} ({counts[name]})", top == name, c) for name, c in zip(named, colors)
    ]
    rest = flagged & ~top.isin(named).to_numpy()
    if rest.any():
        groups.append((f"top feature: another ({rest.sum()})", rest, "tab:gray"))
    rings = []
    for label, mask, color in groups:
        mask = np.asarray(mask, dtype=bool)
        rings.append(
            ax.scatter(
                positions[mask],
                anomaly[mask],
                s=40,
                facecolors="none",
                edgecolors=color,
                linewidths=1.2,
                zorder=4,
                label=label,
            )
        )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return rings


def _plot(args, model, X, frame, anomaly, threshold, is_anomaly, series, times, explained):
    """Draw the scores with the Displays: per row, or over the series.

    With ``--explain``, each flagged row is ringed in the colour of its most
    responsible feature.
    """
    import matplotlib.pyplot as plt

    from ..plotting import ErrorDisplay, SeriesScoreDisplay
    from ..utils._response import final_estimator

    final = final_estimator(model)[0]
    name = type(getattr(final, "detector_", final)).__name__
    rows = "" if args.rows is None else f" rows {format_rows(args.rows)}"
    title = f"{name}: {os.path.basename(args.data)}{rows}"
    score_label = ErrorDisplay._score_label(model)
    if series:
        steps = time_values(frame[times[0]]) if times else None
        display = SeriesScoreDisplay(
            anomaly_score=anomaly,
            threshold=threshold,
            series=X.to_numpy(dtype=float),
            time=steps,
            is_anomaly=is_anomaly,
            channel_names=[str(c) for c in X.columns],
            score_label=score_label,
            name=title,
        ).plot()
        if times:
            display.ax_[-1].set_xlabel(times[0])
    else:
        display = ErrorDisplay(
            anomaly_score=anomaly,
            threshold=threshold,
            is_anomaly=is_anomaly,
            score_label=score_label,
            name=title,
        ).plot()
        display.ax_.set_xlabel("Row of the scored table")
    score_ax = display.ax_[-1] if series else display.ax_
    _log_scale_if_wide(score_ax, anomaly, threshold)
    if explained is not None:
        import numpy as np

        positions = display.score_line_.get_xdata() if series else np.arange(len(anomaly))
        _mark_explained(score_ax, positions, anomaly, explained)
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
    if len(finite) and threshold > 0 and finite.min() > 0 and (finite.max() > 100 * threshold):
        ax.set_yscale("log")
        ax.set_ylabel(f"{ax.get_ylabel()} (log scale)")
