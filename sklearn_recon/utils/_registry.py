"""The one list of the estimators the package knows.

Every place that needs to know "which estimators are there" reads
:data:`ESTIMATORS`: the lazy public names of ``sklearn_recon``, what
``sklearn_recon.save`` may store, the detectors of ``sklearn-recon fit`` and
``sklearn-recon demo``, the evaluation protocol and the tests. Adding a
detector touches its own module and one entry here, nothing else.

Importing this module imports nothing heavy (no scikit-learn, no Keras): the
command line reads it at start-up. Classes are imported on demand by
:func:`get_class`.
"""

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    """One estimator the package knows.

    Attributes
    ----------
    name : str
        The class name.
    module : str
        The module that defines it, e.g. ``"sklearn_recon.autoencoder"``.
    kind : {"detector", "meta-estimator", "baseline"}
        A public detector, a public meta-estimator, or one of scikit-learn's
        detectors that the evaluation protocol compares with.
    cli_name : str or None
        Its name on the command line (``sklearn-recon fit --detector``,
        ``sklearn-recon demo --detectors``); None if the command line does
        not offer it.
    label : str
        Its name in result tables.
    supervised : bool
        Whether it learns from labelled rows (trained on all rows with
        ``y``) rather than from the normal rows alone.
    saveable : bool
        Whether :func:`sklearn_recon.save` can store it without pickle.
    protocol_params : dict
        Its parameters on the evaluation protocol besides its defaults (and
        ``random_state``, which the protocol sets where the class has it).
    protocol_epochs : dict
        Its maximum epochs per smaller run of the protocol, ``{"demo": n,
        "quick": n}``: "demo" keeps the default ``sklearn-recon demo``
        within a few minutes on 2 cores, "quick" keeps ``sklearn-recon demo
        --quick`` under a minute; the "full" run keeps its default.
    """

    name: str
    module: str
    kind: str
    cli_name: str | None = None
    label: str | None = None
    supervised: bool = False
    saveable: bool = True
    protocol_params: dict = field(default_factory=dict, compare=False)
    protocol_epochs: dict = field(default_factory=dict, compare=False)

    @property
    def public(self):
        """Whether ``sklearn_recon`` exports the class."""
        return self.kind in ("detector", "meta-estimator")

    @property
    def table_label(self):
        return self.label or self.name


#: The estimators, in the order of the tables: our detectors, our
#: meta-estimators, then the protocol's scikit-learn baselines.
ESTIMATORS = (
    Entry(
        "VAEDetector",
        "sklearn_recon.vae",
        "detector",
        "vae",
        protocol_epochs={"demo": 100, "quick": 10},
    ),
    Entry(
        "AutoencoderDetector",
        "sklearn_recon.autoencoder",
        "detector",
        "autoencoder",
        protocol_epochs={"demo": 100, "quick": 10},
    ),
    Entry(
        "LSTMAutoencoderDetector",
        "sklearn_recon.lstm",
        "detector",
        "lstm",
        # 20 of its 30 epochs
        protocol_epochs={"demo": 20, "quick": 1},
    ),
    Entry(
        "RNNClassifierDetector",
        "sklearn_recon.rnn",
        "detector",
        "rnn",
        label="RNNClassifierDetector (supervised)",
        supervised=True,
        # each ECG5000 beat read as 35 steps of 4 values
        protocol_params={"n_channels": 4, "anomaly_label": -1},
        protocol_epochs={"demo": 20, "quick": 3},
    ),
    Entry("LSTMForecastDetector", "sklearn_recon.lstm", "detector"),
    Entry("ReconstructionDetector", "sklearn_recon.reconstruction", "detector"),
    Entry("WindowedDetector", "sklearn_recon.windows._detector", "meta-estimator"),
    Entry(
        "ThresholdSelector",
        "sklearn_recon.threshold._selector",
        "meta-estimator",
        supervised=True,
    ),
    Entry("CostThreshold", "sklearn_recon.threshold._cost", "meta-estimator", supervised=True),
    Entry(
        "LocalOutlierFactor",
        "sklearn.neighbors",
        "baseline",
        "lof",
        saveable=False,
        protocol_params={"novelty": True},
    ),
    Entry(
        "OneClassSVM",
        "sklearn.svm",
        "baseline",
        "ocsvm",
        saveable=False,
        protocol_params={"gamma": "scale", "nu": 0.05},
    ),
    Entry(
        "PCAReconstruction",
        "sklearn_recon._studies._baselines",
        "baseline",
        "pca",
        label="PCA(8) reconstruction",
        saveable=False,
        protocol_params={"n_components": 8},
    ),
    Entry("IsolationForest", "sklearn.ensemble", "baseline", "iforest", saveable=False),
)


def entries(*, kind=None, cli=False, public=None, saveable=None):
    """The entries of :data:`ESTIMATORS` that match every criterion given.

    Parameters
    ----------
    kind : str or tuple of str, default=None
        Keep these kinds only.
    cli : bool, default=False
        Keep only those the command line offers.
    public : bool, default=None
        Keep only the public (True) or the other (False) estimators.
    saveable : bool, default=None
        Keep only those ``save`` can (True) or cannot (False) store.

    Returns
    -------
    entries : tuple of Entry
    """
    kinds = (kind,) if isinstance(kind, str) else kind
    return tuple(
        entry
        for entry in ESTIMATORS
        if (kinds is None or entry.kind in kinds)
        and (not cli or entry.cli_name is not None)
        and (public is None or entry.public == public)
        and (saveable is None or entry.saveable == saveable)
    )


def by_cli_name(cli_name):
    """The entry named ``cli_name`` on the command line; KeyError if none."""
    for entry in ESTIMATORS:
        if entry.cli_name == cli_name:
            return entry
    raise KeyError(cli_name)


def get_class(entry):
    """Import and return the class of ``entry``."""
    return getattr(importlib.import_module(entry.module), entry.name)
