"""The evaluation protocol of the project (ARCHITECTURE.md), shared by the command
line, the tests and the benchmarks so all three measure the same thing."""

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split

from ..datasets import load_ecg5000
from ..utils._registry import by_cli_name, entries, get_class
from ..utils._response import get_anomaly_score, is_flagged


def ecg5000_split(random_state=21):
    """The ECG5000 split of the studies: 80/20, stratified on normal vs anomaly.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
        Beats and labels, +1 for normal beats (class 1) and -1 for anomalies
        (classes 2 to 5).
    """
    ecg = load_ecg5000()
    y = np.where(ecg.target == 1, 1, -1)
    return train_test_split(ecg.data, y, test_size=0.2, random_state=random_state, stratify=y)


def evaluate(detector, X_test, y_test):
    """Score a fitted detector on labelled data (-1 = anomaly).

    Returns ROC-AUC and PR-AUC with the anomaly class as positive, and
    precision, recall and F1 of the anomaly class at the detector's own
    threshold, from one scoring pass.
    """
    anomaly_score = get_anomaly_score(detector, X_test)
    return _metrics(y_test, anomaly_score, is_flagged(detector, anomaly_score))


def _metrics(y_test, anomaly_score, flagged):
    """The protocol's metrics of ``anomaly_score`` and of the rows ``flagged``
    (by the detector's own rule, as its ``predict`` flags them)."""
    anomaly = y_test == -1
    precision, recall, f1, _ = precision_recall_fscore_support(
        anomaly, flagged, average="binary", zero_division=0
    )
    return {
        "roc_auc": float(roc_auc_score(anomaly, anomaly_score)),
        "pr_auc": float(average_precision_score(anomaly, anomaly_score)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def below_lof(results, digits=4):
    """The sentence naming the deep detectors below LocalOutlierFactor's ROC-AUC.

    Parameters
    ----------
    results : list of (name, label, metrics)
        One entry per run of a detector of ``DETECTORS``.
    digits : int, default=4
        Decimals of the ROC-AUC values.

    Returns
    -------
    sentence : str or None
        None when LocalOutlierFactor did not run.
    """
    lof = [metrics["roc_auc"] for name, _, metrics in results if name == "lof"]
    if not lof:
        return None
    below = [
        f"{label} ({metrics['roc_auc']:.{digits}f})"
        for name, label, metrics in results
        if name in DEEP_DETECTORS and metrics["roc_auc"] < lof[0]
    ]
    return (
        f"Below LocalOutlierFactor's ROC-AUC ({lof[0]:.{digits}f}) in this run: "
        f"{', '.join(below) if below else 'none'}."
    )


#: Names of the detectors of the protocol, in the order of the tables: the
#: deep detectors, then the scikit-learn baselines (their command-line names).
DETECTORS = tuple(entry.cli_name for entry in entries(cli=True))

#: The deep detectors among DETECTORS.
DEEP_DETECTORS = tuple(entry.cli_name for entry in entries(kind="detector", cli=True))

#: The detectors trained with labels (on all training beats, not only the
#: normal ones).
SUPERVISED = tuple(entry.cli_name for entry in entries(cli=True) if entry.supervised)

#: Maximum epochs of each deep detector per run size, from the registry
#: (``Entry.protocol_epochs``). "full" leaves each detector's default (the
#: benchmark configuration); "demo" and "quick" cap them for the
#: ``sklearn-recon demo`` command.
EPOCHS = {
    "full": {},
    **{
        size: {
            entry.cli_name: entry.protocol_epochs[size]
            for entry in entries(kind="detector", cli=True)
            if size in entry.protocol_epochs
        }
        for size in ("demo", "quick")
    },
}


def protocol_detectors(names=DETECTORS, *, size="full", epochs=None, random_state=0):
    """The detectors of the protocol with their benchmark configurations.

    The one place that builds the detectors of the protocol, for the
    ``sklearn-recon demo`` command and the benchmarks alike; what each
    detector is (its class, its name in tables, its parameters on the
    protocol, its epochs per run size) is read from its entry in the
    registry, :mod:`sklearn_recon.utils._registry`. The deep detectors run
    at their defaults but for ``Entry.protocol_params`` (the RNN classifier
    reads each beat as 35 steps of 4 values, ``n_channels=4``), with the
    maximum epochs of ``EPOCHS[size]``; the scikit-learn baselines with
    their ``Entry.protocol_params`` (LocalOutlierFactor as a novelty
    detector, OneClassSVM with ``nu=0.05``, a PCA reconstruction of 8
    components). Every estimator that takes a ``random_state`` gets
    ``random_state``.

    Parameters
    ----------
    names : iterable of str, default=DETECTORS
        Which detectors, among ``DETECTORS``.
    size : {"full", "demo", "quick"}, default="full"
        Row of ``EPOCHS`` giving the deep detectors' maximum epochs; "full"
        keeps their defaults.
    epochs : int, default=None
        Maximum epochs of every deep detector, overriding ``size``.
    random_state : int, default=0
        Seed of every detector that takes one.

    Returns
    -------
    detectors : dict
        Name -> ``(label, estimator)``, in the order of ``names``; the label
        is the estimator's name in tables.
    """
    unknown = sorted(set(names) - set(DETECTORS))
    if unknown:
        raise ValueError(f"Unknown detectors {unknown}; choose among {list(DETECTORS)}")
    if size not in EPOCHS:
        raise ValueError(f"size must be one of {sorted(EPOCHS)}, got {size!r}")
    detectors = {}
    for name in names:
        entry = by_cli_name(name)
        estimator = get_class(entry)(**entry.protocol_params)
        params = {}
        if "random_state" in estimator.get_params(deep=False):
            params["random_state"] = random_state
        if entry.kind == "detector":
            n_epochs = EPOCHS[size].get(name) if epochs is None else epochs
            if n_epochs is not None:
                params["epochs"] = n_epochs
        detectors[name] = (entry.table_label, estimator.set_params(**params))
    return detectors


def run_detector(detector, split, *, supervised=False, n_score_rows=None, preprocessing=None):
    """Fit ``MinMaxScaler`` + ``detector`` on the protocol's training beats.

    Parameters
    ----------
    detector : estimator
        An outlier detector (``score_samples``, ``predict``).
    split : tuple
        ``(X_train, X_test, y_train, y_test)`` as :func:`ecg5000_split`
        returns them (labels +1 normal, -1 anomaly).
    supervised : bool, default=False
        Train on all training beats with their labels; otherwise on the
        normal training beats only.
    n_score_rows : int, default=None
        Rows scored (the test beats repeated) to measure the scoring speed;
        None scores the test beats once.
    preprocessing : list of transformers, default=None
        Steps before the detector in the pipeline; None is
        ``[MinMaxScaler()]``, the protocol's scaling.

    Returns
    -------
    pipeline : Pipeline
        The fitted pipeline.
    result : dict
        The metrics of :func:`evaluate`, ``fit_seconds``,
        ``rows_per_second`` of ``score_samples``, ``n_iter`` (epochs run,
        deep detectors only) and ``anomaly_score`` (minus the test scores,
        an ndarray, for curves).
    """
    import time

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    X_train, X_test, y_train, y_test = split
    if preprocessing is None:
        preprocessing = [MinMaxScaler()]
    pipe = make_pipeline(*preprocessing, detector)
    start = time.perf_counter()
    if supervised:
        pipe.fit(X_train, y_train)
    else:
        pipe.fit(X_train[y_train == 1])
    fit_seconds = time.perf_counter() - start
    X_score = X_test
    if n_score_rows is not None:
        # the test beats first, then repeated: one timed pass scores them all
        X_score = np.resize(X_test, (n_score_rows, X_test.shape[1]))
    start = time.perf_counter()
    anomaly_score = get_anomaly_score(pipe, X_score)
    rows_per_second = len(X_score) / (time.perf_counter() - start)
    anomaly_score = anomaly_score[: len(X_test)]
    result = _metrics(y_test, anomaly_score, is_flagged(pipe, anomaly_score))
    result["fit_seconds"] = fit_seconds
    result["rows_per_second"] = rows_per_second
    if hasattr(pipe[-1], "history_"):
        result["n_iter"] = int(pipe[-1].n_iter_)
    result["anomaly_score"] = anomaly_score
    return pipe, result


def environment():
    """The machine, the date and the library versions of a run, as a dict."""
    import os
    import platform
    from datetime import datetime, timezone

    import sklearn

    from .._version import __version__
    from ..utils._keras import get_keras

    keras = get_keras()  # quietly, before TensorFlow
    import tensorflow

    return {
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "versions": {
            "sklearn_recon": __version__,
            "scikit-learn": sklearn.__version__,
            "keras": keras.__version__,
            "tensorflow": tensorflow.__version__,
            "numpy": np.__version__,
        },
    }


def describe_environment(env):
    """One line naming the machine, the date and the versions of ``env``."""
    versions = ", ".join(f"{name} {version}" for name, version in env["versions"].items())
    return f"{env['date']} | {env['machine']} | Python {env['python']} | {versions}"


#: Columns of the result tables: key in a result, header, format.
TABLE_COLUMNS = (
    ("roc_auc", "ROC-AUC", "{:.4f}"),
    ("pr_auc", "PR-AUC", "{:.4f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("f1", "F1", "{:.3f}"),
    ("fit_seconds", "fit s", "{:.1f}"),
    ("rows_per_second", "rows/s scored", "{:,.0f}"),
)


def markdown_table(rows, columns=TABLE_COLUMNS, first="detector"):
    """A Markdown table of ``rows``, ``(label, result)`` pairs.

    A column missing from a result shows as an empty cell.
    """
    header = [first, *(title for _, title, _ in columns)]
    body = [
        [label, *(fmt.format(result[key]) if key in result else "" for key, _, fmt in columns)]
        for label, result in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * width for width in widths], *body]
    return "\n".join(
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"
        for line in lines
    )
