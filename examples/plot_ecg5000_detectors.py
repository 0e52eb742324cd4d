"""
=====================================================
ECG5000: autoencoder, VAE and RNN classifier compared
=====================================================

The first study: detect abnormal heartbeats in ECG5000 three ways. A dense
autoencoder and a variational autoencoder learn the normal beat from normal
beats only and flag the beats they reconstruct badly; a recurrent classifier
learns from labelled normal *and* abnormal beats. All three are scikit-learn
outlier detectors, so they are trained, scored and compared the same way.

This example uses small networks and few epochs to run in about a minute;
``benchmarks/ecg5000_detectors.py`` runs
the full-size versions (the README quotes their figures).
"""

# %%
# The data and the protocol
# -------------------------
# 5000 beats of 140 samples; class 1 is the normal beat, classes 2 to 5 are
# abnormal. The studies' split: 80/20, stratified on normal vs abnormal.
# ``y`` uses the outlier coding, ``+1`` normal and ``-1`` anomaly.
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_recon.datasets import load_ecg5000

ecg = load_ecg5000()
y = np.where(ecg.target == 1, 1, -1)
X_train, X_test, y_train, y_test = train_test_split(
    ecg.data, y, test_size=0.2, random_state=21, stratify=y
)
print(
    f"{len(X_train)} training beats ({(y_train == 1).sum()} normal), "
    f"{len(X_test)} test beats ({(y_test == -1).sum()} abnormal)"
)

# %%
# Three detectors
# ---------------
# Each behind a :class:`~sklearn.preprocessing.MinMaxScaler`. The two
# autoencoders see the normal training beats only; the RNN classifier sees
# all training beats with their labels, reading each beat as 35 steps of 4
# samples (``n_channels=4``), which trains much faster than 140 steps of 1.
# Trained this briefly, the VAE and the RNN classifier are still improving
# when their epochs run out, and say so with a ``ConvergenceWarning``;
# silenced here.
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, RNNClassifierDetector, VAEDetector

warnings.filterwarnings("ignore", category=ConvergenceWarning)
normal = X_train[y_train == 1]
detectors = {
    "autoencoder": make_pipeline(
        MinMaxScaler(), AutoencoderDetector(epochs=40, batch_size=64, random_state=0)
    ).fit(normal),
    "VAE": make_pipeline(MinMaxScaler(), VAEDetector(epochs=40, batch_size=64, random_state=0)).fit(
        normal
    ),
    "RNN classifier": make_pipeline(
        MinMaxScaler(),
        RNNClassifierDetector(n_channels=4, units=(16,), epochs=8, random_state=0),
    ).fit(X_train, y_train),
}

# %%
# Scores and metrics
# ------------------
# ``score_samples`` is higher for more normal beats, so ``-score_samples``
# is the anomaly score to rank by; ``predict`` applies each detector's own
# threshold (``-1`` = anomaly).
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

abnormal = y_test == -1
for name, detector in detectors.items():
    anomaly_score = -detector.score_samples(X_test)
    flagged = detector.predict(X_test) == -1
    print(
        f"{name:>15}: ROC-AUC {roc_auc_score(abnormal, anomaly_score):.4f}, "
        f"PR-AUC {average_precision_score(abnormal, anomaly_score):.4f}, "
        f"F1 at its threshold {f1_score(abnormal, flagged):.3f}"
    )

# %%
# The ROC curves side by side, with the anomaly class as positive:
import matplotlib.pyplot as plt
from sklearn.metrics import RocCurveDisplay

fig, ax = plt.subplots(figsize=(5.5, 5))
for name, detector in detectors.items():
    anomaly_score = -detector.score_samples(X_test)
    RocCurveDisplay.from_predictions(abnormal, anomaly_score, ax=ax)
    ax.lines[-1].set_label(f"{name}: ROC-AUC {roc_auc_score(abnormal, anomaly_score):.4f}")
ax.legend(loc="lower right")
ax.set_title("ECG5000 test beats, abnormal = positive")
ax.set_xlim(-0.01, 0.4)
ax.set_ylim(0.6, 1.01)
plt.show()

# %%
# What the autoencoder sees
# -------------------------
# A reconstruction detector flags a beat whose reconstruction is poor.
# :class:`~sklearn_recon.plotting.ReconstructionDisplay` draws beats against
# the autoencoder's reconstruction (in the scaler's units, as the network
# sees them): a normal beat is rebuilt closely, an abnormal one badly.
from sklearn_recon.plotting import (
    ErrorHistogramDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
)

autoencoder = detectors["autoencoder"]
first_normal, first_abnormal = np.flatnonzero(~abnormal)[0], np.flatnonzero(abnormal)[0]
display = ReconstructionDisplay.from_estimator(
    autoencoder, X_test, index=[first_normal, first_abnormal], y=y_test
)
plt.show()

# %%
# The threshold
# -------------
# With ``contamination="auto"`` the threshold is the mean plus one standard
# deviation of the training errors, the studies' rule. The test errors of the
# normal and the abnormal beats fall mostly on either side of it, as
# :class:`~sklearn_recon.plotting.ErrorHistogramDisplay` shows:
display = ErrorHistogramDisplay.from_estimator(autoencoder, X_test, y=y_test)
plt.show()

# %%
# Training
# --------
# ``history_`` holds the loss of every epoch; the VAE's also holds its two
# terms, the reconstruction loss and the KL divergence:
display = LossCurveDisplay.from_estimator(detectors["VAE"])
plt.show()
