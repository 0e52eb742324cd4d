"""The evaluation protocol of the project (DESIGN.md), shared by the command
line, the tests and the benchmarks so all three measure the same thing."""

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split

from .datasets import load_ecg5000


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
    return train_test_split(
        ecg.data, y, test_size=0.2, random_state=random_state, stratify=y
    )


def evaluate(detector, X_test, y_test):
    """Score a fitted detector on labelled data (-1 = anomaly).

    Returns ROC-AUC and PR-AUC with the anomaly class as positive (from
    ``-score_samples``), and precision, recall and F1 of the anomaly class
    at the detector's own threshold (from ``predict``).
    """
    anomaly = y_test == -1
    anomaly_score = -detector.score_samples(X_test)
    precision, recall, f1, _ = precision_recall_fscore_support(
        anomaly, detector.predict(X_test) == -1, average="binary", zero_division=0
    )
    return {
        "roc_auc": float(roc_auc_score(anomaly, anomaly_score)),
        "pr_auc": float(average_precision_score(anomaly, anomaly_score)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }
