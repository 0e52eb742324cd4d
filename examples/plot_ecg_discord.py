"""
===================================================
LSTM autoencoder on a two-channel ECG discord
===================================================

The third study: an LSTM autoencoder learns a two-lead ECG recording from
its normal part and finds the anomalous stretch (the "discord") in the rest.
:class:`~sklearn_recon.WindowedDetector` cuts the long series into sliding
windows, trains :class:`~sklearn_recon.LSTMAutoencoderDetector` on them and
gives every time step the mean error of the windows covering it.

The series is ``chfdb_chf01_275`` from Keogh's discord data (BIDMC
congestive heart failure database, 250 samples a second), with the anomalous
region and the train/test parts used by the LSTM anomaly-detection
literature; these labels are unofficial (see the data README). The data is
not bundled: get it from Eamonn Keogh's discords page
(www.cs.ucr.edu/~eamonn/discords/) with the labels of the LSTM
anomaly-detection literature, save it as
``ucr_discords/ecg_chfdb_chf01_275.csv.gz`` (columns ``time, ch1, ch2,
label, split``) in a folder and name that folder in the environment
variable ``SKLEARN_RECON_DATA``. This example trains a small network for a few epochs;
``benchmarks/ucr_point_level.py`` runs a longer one on the 45000-step
``qtdbsel102`` recording.
"""

# %%
# The recording
# -------------
import os
from pathlib import Path

import pandas as pd

# The data folder: $SKLEARN_RECON_DATA, else ../shared/data beside the
# repository (this script runs in its examples/ folder).
data_dir = Path(os.environ.get("SKLEARN_RECON_DATA", "../../shared/data"))
path = data_dir / "ucr_discords" / "ecg_chfdb_chf01_275.csv.gz"
if not path.exists():
    raise FileNotFoundError(f"{path} not found: set SKLEARN_RECON_DATA to the data folder")

ecg = pd.read_csv(path)
train = ecg[ecg["split"] == "train"]
test = ecg[ecg["split"] == "test"]
channels = ["ch1", "ch2"]
print(
    f"{len(train)} training steps (no labelled anomaly: "
    f"{int(train['label'].sum())}), {len(test)} test steps, "
    f"{int(test['label'].sum())} of them in the anomalous region"
)

# %%
# The detector
# ------------
# A :class:`~sklearn.preprocessing.StandardScaler` for the two leads, then
# windows of 128 steps (about half a second, a large part of a beat). The
# wrapped detector reads each window as 128 steps of the two channels
# (``n_channels`` is set for it); ``fit_stride=4`` trains on every fourth
# window, enough for windows that overlap this much.
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import LSTMAutoencoderDetector, WindowedDetector

detector = make_pipeline(
    StandardScaler(),
    WindowedDetector(
        LSTMAutoencoderDetector(units=(32,), epochs=30, random_state=0),
        window_size=128,
        fit_stride=4,
    ),
).fit(train[channels])

# %%
# One score per time step
# -----------------------
# ``score_samples`` returns one score per step of the test part (higher is
# more normal), ``predict`` flags the steps whose error is above the
# detector's threshold. The labelled region is the positive class of a
# point-level ROC-AUC, without point adjustment:
from sklearn.metrics import average_precision_score, roc_auc_score

anomaly_score = -detector.score_samples(test[channels])
flagged = detector.predict(test[channels]) == -1
label = test["label"].to_numpy()
print(
    f"point ROC-AUC {roc_auc_score(label, anomaly_score):.4f}, "
    f"PR-AUC {average_precision_score(label, anomaly_score):.4f}; "
    f"{flagged.sum()} steps flagged, {(flagged & (label == 1)).sum()} of them "
    "in the labelled region"
)

# %%
# :class:`~sklearn_recon.plotting.SeriesScoreDisplay` draws the two leads of
# the test part above and the point scores below, with the labelled region
# shaded and the threshold dashed. The series is indexed by its time in
# seconds, which becomes the time axis:
import matplotlib.pyplot as plt

from sklearn_recon.plotting import LossCurveDisplay, SeriesScoreDisplay

display = SeriesScoreDisplay.from_estimator(
    detector, test.set_index("time")[channels], y=label, anomaly_label=1
)
plt.show()

# %%
# The training history of the LSTM autoencoder inside, with the epoch whose
# weights early stopping kept:
display = LossCurveDisplay.from_estimator(detector)
plt.show()
