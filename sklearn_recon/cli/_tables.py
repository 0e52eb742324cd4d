"""Reading and checking the tables the commands are given.

Each check raises :class:`CLIError` with a message naming the file, the
column or the row, so the user can fix the table.
"""

import contextlib

from ._common import CLIError


def read_table(path, rows=None):
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
            raise CLIError(f"{path}: --rows {format_rows(rows)} selects no row of its {n_rows}")
    return frame


def format_rows(rows):
    return ":".join("" if b is None else str(b) for b in (rows.start, rows.stop))


def flatten(lists):
    """The column names of a repeatable option, in order, once each."""
    return list(dict.fromkeys(name for names in lists or () for name in names))


def check_columns(frame, path, roles):
    """Refuse a column named twice or absent; ``roles`` maps option to columns."""
    seen = {}
    for option, columns in roles.items():
        for column in columns:
            if column in seen:
                raise CLIError(
                    f"the column {column!r} is given to both {seen[column]} and {option}"
                )
            seen[column] = option
            if column not in frame.columns:
                raise CLIError(
                    f"{path}: no column {column!r} ({option}); the columns are "
                    f"{some(frame.columns)}"
                )


def some(names, n=10):
    """At most ``n`` names, for a message."""
    names = [str(name) for name in names]
    return str(names) if len(names) <= n else f"{names[:n]} and {len(names) - n} more"


def features(frame, path, kept_out):
    """The numeric feature columns: every column not kept out."""
    import pandas as pd

    X = frame.drop(columns=kept_out)
    non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if non_numeric:
        raise CLIError(
            f"{path}: the columns {some(non_numeric)} are not numeric; name them with "
            "--id-column or --time-column (kept out of the features and copied to "
            "the scores), --label-column, or --drop them"
        )
    if X.shape[1] == 0:
        raise CLIError(f"{path}: no feature column is left")
    return X


def check_missing(X, path, imputes):
    """Refuse missing values unless the model fills them in."""
    if imputes:
        return
    missing = X.isna().sum()
    if missing.any():
        raise CLIError(
            f"{path}: {int(missing.sum())} missing values in {int((missing > 0).sum())} "
            f"columns (e.g. {some(missing.index[missing > 0], 3)}); fit with "
            "--impute median or --impute mean to fill them in the model, or fill "
            "them first"
        )


def anomaly_rows(labels, label_column, *, anomaly_label="-1", normal_labels=None, strict=True):
    """Which rows are anomalies, the labels read as the column's type.

    With ``normal_labels`` (``--normal-label``, repeatable) a row is an
    anomaly when its label is none of them; otherwise when it is
    ``anomaly_label`` (``--anomaly-label``). A label the column does not
    hold is an error, except that a part of the data may hold no anomaly
    (all one label) and, unless ``strict``, no row of a normal label.
    """
    import numpy as np
    import pandas as pd

    from ..utils._validation import check_anomaly_label

    if labels.isna().any():
        raise CLIError(
            f"the label column {label_column!r} has {int(labels.isna().sum())} empty "
            "values: every row needs a label"
        )
    numeric = pd.api.types.is_numeric_dtype(labels)
    values = labels.to_numpy() if numeric else labels.astype(str).to_numpy()

    def read(label):
        if numeric:  # not a number: it is found absent below
            with contextlib.suppress(ValueError):
                return float(label)
        return label

    def absent(option, label):
        return CLIError(
            f"{option} {label} is not among the labels in "
            f"{label_column!r}: {sorted(labels.unique().tolist())[:10]}"
        )

    if normal_labels:
        is_normal = np.zeros(len(values), dtype=bool)
        for label in normal_labels:
            rows = values == read(label)
            if strict and not rows.any():
                raise absent("--normal-label", label)
            is_normal |= rows
        return ~is_normal
    try:
        # a part of the data without anomalies (all one label) is fine
        return check_anomaly_label(
            values, read(anomaly_label), name=repr(label_column), allow_absent=True
        )
    except ValueError:
        raise absent("--anomaly-label", anomaly_label) from None


def describe_labels(anomaly_label="-1", normal_labels=None):
    """How the anomalies are labelled, for messages: "labelled 2", "not labelled 1"."""
    if normal_labels:
        return f"not labelled {' or '.join(normal_labels)}"
    return f"labelled {anomaly_label}"


def time_values(column):
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


def check_time_order(frame, time_columns, path):
    """A series must come in time order: refuse a time column that goes back."""
    import numpy as np

    for column in time_columns:
        values = time_values(frame[column])
        if values is None:
            continue
        back = np.flatnonzero(values[1:] < values[:-1])
        if len(back):
            raise CLIError(
                f"{path}: the rows are not in time order ({column!r} goes back at data "
                f"row {int(back[0]) + 1}); a series must be sorted by time"
            )


def convert_errors(what):
    """Turn the estimators' ValueError (bad data) into a one-line CLIError."""

    @contextlib.contextmanager
    def converting():
        try:
            yield
        except ValueError as exc:
            raise CLIError(f"{what}: {exc}") from None

    return converting()
