"""
=====================================================
Best-F1 and least-cost thresholds: SECOM, paper mill
=====================================================

The fourth study: an autoencoder flags faulty wafers (SECOM) and coming
sheet breaks (a paper mill), and the threshold is chosen twice, for the best
F1 and for the least business cost. Each meta-estimator trains the detector
on the normal rows of cross-validation folds, scores the held-out rows and
picks its threshold on the pooled curve; ``refit=True`` then retrains the
detector on all normal rows. The study's cost matrix: a false alarm costs
5, a missed fault 100, a true alarm 5 (the check itself), a quiet normal
row 0. The *base cost* is the cost of flagging nothing.

The paper-mill data is not bundled (it has no licence to redistribute):
it comes with Ranjan et al., "Dataset: Rare Event Classification in
Multivariate Time Series" (arXiv:1809.10717, ProcessMiner); save it as
``papermill.csv.gz`` in a folder and name that folder in the environment
variable ``SKLEARN_RECON_DATA``. Few epochs here; ``benchmarks/papermill_cost.py`` runs the
full-size paper-mill study.
"""

# %%
# SECOM
# -----
# 1567 production runs, 590 sensors with missing values, 104 failures
# (coded ``1``; a pass is ``-1``, so ``anomaly_label=1``). The runs are in
# time order: the first 70% train, the rest test.
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import VarianceThreshold
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import AutoencoderDetector, CostThreshold, ThresholdSelector
from sklearn_recon.datasets import load_secom
from sklearn_recon.metrics import total_cost

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # few epochs
COSTS = dict(fp_cost=5, fn_cost=100, tp_cost=5, tn_cost=0)

X, y = load_secom(return_X_y=True)
n_train = int(0.7 * len(y))
secom = (X[:n_train], X[n_train:], y[:n_train], y[n_train:])


def secom_detector():
    return make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        VarianceThreshold(),  # drop the constant (and the empty) sensors
        StandardScaler(),
        AutoencoderDetector(hidden_units=(64, 16), epochs=20, random_state=0),
    )


# %%
# The two meta-estimators, and the test cost of each threshold. Both answer
# in ``y``'s own coding, so ``predict`` gives ``1`` for a flagged run:
def compare(make_detector, X_train, X_test, y_train, y_test, cv=3):
    models = {
        "best F1": ThresholdSelector(make_detector(), method="f1", anomaly_label=1, cv=cv).fit(
            X_train, y_train
        ),
        "least cost": CostThreshold(make_detector(), **COSTS, anomaly_label=1, cv=cv).fit(
            X_train, y_train
        ),
    }
    base = total_cost(y_test, np.zeros_like(y_test), **COSTS, anomaly_label=1)
    print(f"test base cost (nothing flagged): {base:.0f}")
    for name, model in models.items():
        flagged = model.predict(X_test) == 1
        cost = total_cost(y_test, model.predict(X_test), **COSTS, anomaly_label=1)
        print(
            f"{name:>10}: threshold {model.best_threshold_:.3f}, "
            f"{flagged.sum()} test alarms ({(flagged & (y_test == 1)).sum()} "
            f"true), test cost {cost:.0f}"
        )
    return models


secom_models = compare(secom_detector, *secom)

# %%
# The held-out curves behind the two choices, over the threshold on the
# anomaly score (the reconstruction error), with each chosen threshold marked:
# :class:`~sklearn_recon.plotting.ThresholdCurveDisplay` draws precision,
# recall and F1 of the failures, and
# :class:`~sklearn_recon.plotting.CostCurveDisplay` the total cost against
# the base cost of flagging nothing.
import matplotlib.pyplot as plt

from sklearn_recon.plotting import CostCurveDisplay, ThresholdCurveDisplay


def plot_curves(models, title):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ThresholdCurveDisplay.from_estimator(models["best F1"], ax=axes[0], name="best F1")
    CostCurveDisplay.from_estimator(models["least cost"], ax=axes[1], name="least cost")
    for ax in axes:
        ax.set_xscale("log")
        ax.legend(loc="best", fontsize="small")  # clear of the curves
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()


plot_curves(secom_models, "SECOM: held-out curves of the training folds")

# %%
# The paper mill
# --------------
# 61 sensors every 2 minutes over a month, 124 sheet breaks. The study wants
# a warning *before* a break: :func:`~sklearn_recon.datasets.lead_labels`
# marks the two steps before each break as positive and drops the break rows.
# Following the benchmark, the two categorical sensors are dropped and each
# sensor becomes its deviation from its own mean over the previous hour,
# which removes the slow drift of the process. The first 70% of the rows
# train, the last 30% test.
import os
from pathlib import Path

from sklearn_recon.datasets import lead_labels, load_papermill

# The data folder: $SKLEARN_RECON_DATA, else ../shared/data beside the
# repository (this script runs in its examples/ folder).
data_dir = Path(os.environ.get("SKLEARN_RECON_DATA", "../../shared/data"))
mill = load_papermill(data_dir / "papermill.csv.gz")

sensors = mill.data.drop(columns=mill.categorical_features)
deviation = (sensors - sensors.shift(1).rolling(30, min_periods=2).mean()).fillna(0.0)
y_lead, keep = lead_labels(mill.target.to_numpy(), lead=2)
X_mill = deviation.to_numpy()[keep]
n_train = int(0.7 * len(y_lead))
print(
    f"{len(y_lead)} rows kept, {y_lead.sum()} warning rows; "
    f"test part: {len(y_lead) - n_train} rows, {y_lead[n_train:].sum()} warnings"
)


def mill_detector():
    return make_pipeline(
        StandardScaler(),
        AutoencoderDetector(epochs=8, batch_size=256, random_state=0),
    )


mill_models = compare(
    mill_detector, X_mill[:n_train], X_mill[n_train:], y_lead[:n_train], y_lead[n_train:]
)
plot_curves(mill_models, "Paper mill: held-out curves of the training folds")

# %%
# Reading the result
# ------------------
# The threshold of best F1 treats a false alarm and a missed failure alike.
# The costs do not: an alarm costs 5 and a missed failure 100, so flagging a
# row pays as soon as it is a failure more than one time in twenty. On SECOM,
# where 6.6% of the runs fail, that holds for *every* run: the least-cost
# threshold sits below all the scores and flags every test run, whose cost (5
# per run) is below the base cost. The autoencoder's scores add nothing to
# that rule here, and the best-F1 threshold, which flags a few runs, costs more
# than flagging none. On the paper mill the warning rows are rarer (1.4%) and
# the autoencoder's errors barely rank them (``benchmarks/RESULTS.md``,
# "Paper mill (cost)"): the best-F1 threshold raises alarms that cost more than
# flagging nothing, and :class:`~sklearn_recon.CostThreshold` finds no
# threshold whose saving is reliable across its held-out folds, so it flags
# nothing and says so in a warning (its ``confidence`` parameter; the
# user guide's "Never lose money"). Choosing a threshold well cannot make up
# for scores that do not separate the classes; the curves show how far they
# are from it.
