"""How do the detectors rank on 14 ADBench sets, one-class and unsupervised, seed by seed?

For every set in ``DATA_DIR / "adbench"`` (``X``, ``y`` with ``y == 1`` the
anomaly): a stratified 70/30 split (``random_state=0``); ``StandardScaler``
+ detector fitted on the rows of the 70 % part the protocol names; ROC-AUC
and PR-AUC (average precision, anomaly = positive) on the 30 % part.

Protocols (``--protocol``):

- ``one-class`` (default): the scaler and the detector fit on the normal
  rows of the 70 % part, clean training data;
- ``unsupervised``: on all its rows, the anomalies inside and unlabelled
  (ADBench's default protocol; what a user with an uncleaned table has).

Detectors (``--detectors``, by key):

- ``ae``, ``vae``: ``AutoencoderDetector()`` and ``VAEDetector()`` with their
  defaults, one fit per seed; ``vae_recon``: the VAE scored by its
  reconstruction error alone (``n_neighbors=None, mahalanobis_weight=0``);
- ``iforest``: ``IsolationForest(random_state=seed)``, one fit per seed;
- ``lof``: ``LocalOutlierFactor(novelty=True)`` (20 neighbours);
- ``ocsvm``: ``OneClassSVM(gamma="scale", nu=0.05)``, the protocol's setting
  (``Entry.protocol_params`` in ``sklearn_recon/utils/_registry.py``);
- ``pca``: ``PCAReconstruction`` with ``min(8, n_features - 1)`` components
  (the protocol's 8, capped so that it never reconstructs perfectly);
- ``knn``: ``KNNDistance(n_neighbors=5)``, distance to the 5th neighbour;
- ``ee``: ``EllipticEnvelope(random_state=seed)``, a robust (minimum
  covariance determinant) Gaussian; a set where it fails is ranked last
  there, and the error printed;
- ``pyod_ae``, ``pyod_vae``, ``pyod_ecod``: PyOD's ``AutoEncoder``, ``VAE``
  (its defaults, one fit per seed) and ``ECOD``, when ``import pyod``
  works (``pip install ".[benchmarks]"``); skipped with a note otherwise.

Seeded detectors are averaged over their seeds first. Then each set ranks
the detectors by ROC-AUC (1 = best, ties get their average rank), and the
table gives every detector's mean ROC-AUC, mean PR-AUC and mean rank over
the sets, the rank among all detectors run and among those of the issue
(``CORE``), and each other detector's rank among the six baselines alone,
also ranking every seed's run on every set ("sets x seeds"). The seed table
ranks each detector with the baselines seed by seed: a user gets one seed.
Per-set tables of ROC-AUC and PR-AUC come first.

Run from the repository root::

    python benchmarks/adbench_suite.py [--protocol one-class|unsupervised]
        [--sets NAME ...] [--seeds 0 1 2] [--detectors KEY ...] [--quick]

``--quick`` trains the deep detectors for 3 epochs (a smoke run, not
results). Every figure goes to
``benchmarks/output/adbench_suite-PROTOCOL.json`` (what
``vae_scoring_screen.py --baselines-json`` and ``robust_vae_screen.py
--baselines-json`` read). The figures, and the candidates screened for the
defaults (``vae_scoring_screen.py``, ``robust_vae_screen.py``), are in
``benchmarks/RESULTS.md``, "ADBench dev suite" (written by hand from the
tables; not in ``run_all.py``, an hour a protocol).
"""

import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from _common import DATA_DIR, finish, machine_info
from _common import parser as common_parser
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

from sklearn_recon import AutoencoderDetector, VAEDetector
from sklearn_recon._studies._baselines import KNNDistance, PCAReconstruction

ADBENCH_DIR = DATA_DIR / "adbench"

#: The detectors of the issue's table, ranked among themselves for the bar.
CORE = ("ae", "vae", "iforest", "lof", "ocsvm", "pca", "knn", "ee")

#: The scikit-learn baselines a default must beat.
BASELINES = ("iforest", "lof", "ocsvm", "pca", "knn", "ee")

QUICK_EPOCHS = 3


class _PyODAdapter(OutlierMixin, BaseEstimator):
    """A PyOD detector seen through scikit-learn's outlier interface.

    PyOD's ``decision_function`` is higher for more abnormal samples; its
    opposite is ``score_samples`` here, as for every other detector.
    """

    def __init__(self, detector):
        self.detector = detector

    def fit(self, X, y=None):
        self.detector_ = self.detector.fit(X)
        return self

    def score_samples(self, X):
        return -self.detector_.decision_function(X)


def _pyod_available():
    try:
        import pyod  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def _pyod(name, seed, quick):
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.ecod import ECOD
    from pyod.models.vae import VAE

    if name == "pyod_ecod":
        return _PyODAdapter(ECOD())
    cls = AutoEncoder if name == "pyod_ae" else VAE
    params = {"random_state": seed, "verbose": 0}
    if quick:
        params["epoch_num"] = QUICK_EPOCHS
    return _PyODAdapter(cls(**params))


def _deep(cls, seed, quick):
    return cls(random_state=seed, **({"epochs": QUICK_EPOCHS} if quick else {}))


#: key -> (label, seeded, factory(seed, quick, n_features)).
DETECTORS = {
    "ae": (
        "AutoencoderDetector()",
        True,
        lambda seed, quick, d: _deep(AutoencoderDetector, seed, quick),
    ),
    "vae": ("VAEDetector()", True, lambda seed, quick, d: _deep(VAEDetector, seed, quick)),
    "vae_recon": (
        "VAEDetector(n_neighbors=None, mahalanobis_weight=0)",
        True,
        lambda seed, quick, d: VAEDetector(
            n_neighbors=None,
            mahalanobis_weight=0,
            random_state=seed,
            **({"epochs": QUICK_EPOCHS} if quick else {}),
        ),
    ),
    "iforest": ("IsolationForest", True, lambda seed, quick, d: IsolationForest(random_state=seed)),
    "lof": ("LocalOutlierFactor", False, lambda seed, quick, d: LocalOutlierFactor(novelty=True)),
    "ocsvm": ("OneClassSVM", False, lambda seed, quick, d: OneClassSVM(gamma="scale", nu=0.05)),
    "pca": (
        "PCA reconstruction",
        False,
        lambda seed, quick, d: PCAReconstruction(n_components=min(8, d - 1)),
    ),
    "knn": ("kNN distance (k=5)", False, lambda seed, quick, d: KNNDistance(n_neighbors=5)),
    "ee": (
        "EllipticEnvelope",
        True,
        lambda seed, quick, d: EllipticEnvelope(random_state=seed),
    ),
    "pyod_ae": ("PyOD AutoEncoder", True, lambda seed, quick, d: _pyod("pyod_ae", seed, quick)),
    "pyod_vae": ("PyOD VAE", True, lambda seed, quick, d: _pyod("pyod_vae", seed, quick)),
    "pyod_ecod": ("PyOD ECOD", False, lambda seed, quick, d: _pyod("pyod_ecod", seed, quick)),
}


def set_names():
    """The names of the sets in ``ADBENCH_DIR``, sorted by their ADBench number."""
    names = [path.stem for path in ADBENCH_DIR.glob("*.npz")]
    return sorted(names, key=lambda name: (int(name.split("_")[0]), name))


#: The two protocols: which rows of the 70 % part the scaler and the detector fit.
PROTOCOLS = ("one-class", "unsupervised")


def load_split(name, protocol="one-class"):
    """The protocol's split of set ``name``.

    Parameters
    ----------
    name : str
        Set name (file stem).
    protocol : {"one-class", "unsupervised"}, default="one-class"
        "one-class" fits on the normal rows of the 70 % part (clean training
        data); "unsupervised" on all its rows, the anomalies included and
        unlabelled (ADBench's default protocol, what a user with an uncleaned
        table has).

    Returns
    -------
    X_fit : ndarray
        The rows of the stratified 70 % part the protocol fits on.
    X_test, y_test : ndarrays
        The 30 % part, ``y_test == 1`` for anomalies.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}; got {protocol!r}")
    with np.load(ADBENCH_DIR / f"{name}.npz", allow_pickle=False) as data:
        X, y = data["X"].astype(np.float64), data["y"].astype(int)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    X_fit = X_train[y_train == 0] if protocol == "one-class" else X_train
    return X_fit, X_test, y_test


def evaluate(detector, X_fit, X_test, y_test):
    """Fit ``StandardScaler`` + ``detector`` on ``X_fit``; metrics on the test part.

    A detector that fails on the set (EllipticEnvelope on a singular
    covariance, say) gets NaN figures, ranked last, and the error in ``failed``.
    """
    pipe = make_pipeline(StandardScaler(), detector)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            pipe.fit(X_fit)
        fit_seconds = time.perf_counter() - start
        anomaly_score = -pipe.score_samples(X_test)
        if not np.isfinite(anomaly_score).all():
            raise ValueError("non-finite scores")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return {
            "roc_auc": float("nan"),
            "pr_auc": float("nan"),
            "fit_seconds": time.perf_counter() - start,
            "failed": f"{type(exc).__name__}: {exc}"[:200],
        }
    return {
        "roc_auc": float(roc_auc_score(y_test, anomaly_score)),
        "pr_auc": float(average_precision_score(y_test, anomaly_score)),
        "fit_seconds": fit_seconds,
    }


def _per_seed(values, i):
    """Run ``i`` of a seeded detector; the single run of an unseeded one."""
    return values[i] if len(values) > 1 else values[0]


def _ranks(roc_auc):
    """Ranks of one set's ROC-AUCs, 1 = best; a failed run (NaN) is last."""
    return rankdata(-np.nan_to_num(np.asarray(roc_auc, dtype=float), nan=-np.inf))


def summarize(results, keys, sets):
    """Mean ROC-AUC, mean PR-AUC and mean ranks of each of ``keys`` over ``sets``.

    ``results[set][key]`` holds per-seed lists. ``mean_rank``: seeds are
    averaged first, then each set ranks ``keys`` by ROC-AUC (1 = best,
    average ranks for ties, a failed detector last). ``mean_rank_per_seed``:
    for each seed, each set ranks ``keys`` by that seed's ROC-AUC (an
    unseeded detector's single run stands in every seed), averaged over the
    sets; ``mean_rank_runs`` is their mean. ``mean_roc_auc_per_seed`` is each
    seed's mean ROC-AUC. Means of ROC-AUC and PR-AUC skip failed runs;
    ``n_failed`` counts them.
    """
    roc = np.array([[np.mean(results[s][k]["roc_auc"]) for k in keys] for s in sets])
    pr = np.array([[np.mean(results[s][k]["pr_auc"]) for k in keys] for s in sets])
    ranks = np.array([_ranks(row) for row in roc])
    n_seeds = max(len(results[s][k]["roc_auc"]) for s in sets for k in keys)
    seed_roc = np.array(
        [
            [[_per_seed(results[s][k]["roc_auc"], i) for k in keys] for s in sets]
            for i in range(n_seeds)
        ]
    )  # (seed, set, key)
    seed_ranks = np.array([[_ranks(row) for row in by_set] for by_set in seed_roc])
    return {
        key: {
            "mean_roc_auc": float(np.nanmean(roc[:, j])),
            "mean_pr_auc": float(np.nanmean(pr[:, j])),
            "mean_rank": float(ranks[:, j].mean()),
            "mean_rank_runs": float(seed_ranks[:, :, j].mean()),
            "mean_rank_per_seed": [float(v) for v in seed_ranks[:, :, j].mean(axis=1)],
            "mean_roc_auc_per_seed": [float(v) for v in np.nanmean(seed_roc[:, :, j], axis=1)],
            "n_failed": int(np.isnan(roc[:, j]).sum()),
        }
        for j, key in enumerate(keys)
    }


def adbench_study(
    sets=None,
    seeds=(0, 1, 2),
    detectors=None,
    quick=False,
    progress=True,
    protocol="one-class",
    registry=None,
):
    """Run the benchmark; return its figures as a dict.

    Parameters
    ----------
    sets : list of str, default=None
        Set names (file stems); None runs every set in ``ADBENCH_DIR``.
    seeds : sequence of int, default=(0, 1, 2)
        Seeds of the seeded detectors.
    detectors : list of str, default=None
        Keys of ``registry``; None runs all of them (PyOD's when importable).
    quick : bool, default=False
        Train the deep detectors for ``QUICK_EPOCHS`` epochs.
    progress : bool, default=True
        Print one line per fit.
    protocol : {"one-class", "unsupervised"}, default="one-class"
        Which training rows the detectors see (:func:`load_split`).
    registry : dict, default=None
        ``key -> (label, seeded, factory(seed, quick, n_features))``;
        None is ``DETECTORS``. The screening scripts pass their candidates.

    Returns
    -------
    study : dict
        ``results[set][key]``: per-seed lists of ``roc_auc``, ``pr_auc`` and
        ``fit_seconds`` (and ``failed``, the errors of failed runs);
        ``summary`` (all detectors run), ``summary_core`` (``CORE`` among
        themselves) and ``versus_baselines`` (each other detector with the
        baselines): per key the figures of :func:`summarize`; ``labels``,
        ``sets``, ``seeds``, ``protocol``, ``skipped`` (keys and why),
        ``minutes``.
    """
    start = time.perf_counter()
    registry = DETECTORS if registry is None else registry
    sets = list(set_names() if sets is None else sets)
    missing = sorted(set(sets) - set(set_names()))
    if missing:
        raise ValueError(f"Unknown sets {missing}; choose among {set_names()}")
    keys = list(registry if detectors is None else detectors)
    unknown = sorted(set(keys) - set(registry))
    if unknown:
        raise ValueError(f"Unknown detectors {unknown}; choose among {list(registry)}")
    skipped = {}
    reason = _pyod_available()
    if reason is not None:
        skipped = {k: f"PyOD not importable: {reason}" for k in keys if k.startswith("pyod")}
        keys = [k for k in keys if k not in skipped]
    results = {}
    for name in sets:
        X_fit, X_test, y_test = load_split(name, protocol)
        results[name] = {}
        for key in keys:
            label, seeded, make = registry[key]
            runs = {"roc_auc": [], "pr_auc": [], "fit_seconds": [], "failed": []}
            for seed in seeds if seeded else seeds[:1]:
                result = evaluate(make(seed, quick, X_fit.shape[1]), X_fit, X_test, y_test)
                for column in runs:
                    if column in result:
                        runs[column].append(result[column])
            results[name][key] = runs
            if progress:
                print(
                    f"  {name}: {label}: ROC-AUC "
                    + ", ".join(f"{v:.3f}" for v in runs["roc_auc"])
                    + f" | fit {sum(runs['fit_seconds']):.1f} s"
                    + (f" | failed: {runs['failed'][0]}" if runs["failed"] else ""),
                    flush=True,
                )
    return {
        "sets": sets,
        "seeds": list(seeds),
        "protocol": protocol,
        "labels": {k: registry[k][0] for k in keys},
        "results": results,
        **summaries(results, keys, sets),
        "skipped": skipped,
        "quick": quick,
        "minutes": (time.perf_counter() - start) / 60,
    }


def summaries(results, keys, sets):
    """The ``summary``, ``summary_core`` and ``versus_baselines`` of a study."""
    core = [k for k in CORE if k in keys]
    baselines = [k for k in BASELINES if k in keys]
    return {
        "summary": summarize(results, keys, sets),
        "summary_core": summarize(results, core, sets) if len(core) > 1 else {},
        "versus_baselines": {
            key: summarize(results, [key, *baselines], sets)
            for key in keys
            if key not in BASELINES and baselines
        },
    }


def merge_studies(study, other):
    """``study`` with the detectors of ``other`` (same sets and protocol, seeds
    a superset) added.

    Lets a screening run its candidates alone and rank them against
    baselines run once (the cached figures of this script).
    """
    for field in ("sets", "protocol"):
        if study[field] != other[field]:
            raise ValueError(f"The studies differ in {field}: {study[field]} != {other[field]}")
    if not set(study["seeds"]) <= set(other["seeds"]):
        raise ValueError(f"Seeds {study['seeds']} are not all among {other['seeds']}")
    index = [other["seeds"].index(seed) for seed in study["seeds"]]

    def runs_of(runs):  # the seeds of ``study`` from a seeded run of ``other``
        if len(runs["roc_auc"]) == 1:
            return runs
        return {k: [v[i] for i in index] if k != "failed" else v for k, v in runs.items()}

    labels = {**study["labels"], **other["labels"]}
    results = {
        name: {
            **study["results"][name],
            **{k: runs_of(r) for k, r in other["results"][name].items()},
        }
        for name in study["sets"]
    }
    return {
        **study,
        "labels": labels,
        "results": results,
        **summaries(results, list(labels), study["sets"]),
        "skipped": {**study["skipped"], **other["skipped"]},
    }


def format_study(study):
    """The per-set table and the summary table of ``study``, as Markdown."""
    keys, sets = list(study["labels"]), study["sets"]
    results, labels = study["results"], study["labels"]
    header = "| set | " + " | ".join(labels[k] for k in keys) + " |"
    lines = []
    for metric, title in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC")):
        lines += [
            f"{title} per set (seeded detectors: mean over seeds {study['seeds']}):\n",
            header,
            "|---" * (len(keys) + 1) + "|",
        ]
        for name in sets:
            cells = [f"{np.mean(results[name][k][metric]):.3f}" for k in keys]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    summary, core = study["summary"], study["summary_core"]
    versus = study.get("versus_baselines", {})
    lines += [
        'Ranks by ROC-AUC, 1 = best; "sets x seeds" ranks every seed\'s run on '
        'every set, the others rank the mean over seeds; "vs the baselines" '
        "ranks a detector among the scikit-learn baselines only.\n",
        "| detector | mean ROC-AUC | mean PR-AUC | mean rank (all) "
        "| mean rank (CORE) | rank vs the baselines | ... sets x seeds "
        "| fit s (sum over sets, per seed) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(keys, key=lambda k: summary[k]["mean_rank"]):
        s = summary[key]
        n_seeds = len(results[sets[0]][key]["fit_seconds"])
        fit = sum(sum(results[n][key]["fit_seconds"]) for n in sets) / n_seeds
        rank_core = f"{core[key]['mean_rank']:.2f}" if key in core else ""
        vs = versus[key][key] if key in versus else None
        rank_vs = f"{vs['mean_rank']:.2f} | {vs['mean_rank_runs']:.2f}" if vs else " | "
        lines.append(
            f"| {labels[key]} | {s['mean_roc_auc']:.3f} | {s['mean_pr_auc']:.3f} "
            f"| {s['mean_rank']:.2f} | {rank_core} | {rank_vs} | {fit:.1f} |"
        )
    for key, ranks in versus.items():
        lines.append(
            f"\n{labels[key]} with the baselines, mean rank (sets x seeds): "
            + ", ".join(
                f"{labels[k]} {v['mean_rank']:.2f} ({v['mean_rank_runs']:.2f})"
                for k, v in sorted(ranks.items(), key=lambda kv: kv[1]["mean_rank"])
            )
        )
    lines += ["", seed_table(study)]
    failures = [
        f"{labels[k]} on {name}: {results[name][k]['failed'][0]}"
        for name in sets
        for k in keys
        if results[name][k].get("failed")
    ]
    if failures:
        lines.append("\nFailed (NaN, ranked last on that set): " + "; ".join(failures))
    for key, why in study["skipped"].items():
        lines.append(f"\nSkipped {key}: {why}")
    return "\n".join(lines)


def seed_table(study):
    """Each detector against the baselines, seed by seed, as Markdown.

    One row per detector that is not a baseline: its mean rank and mean
    ROC-AUC among itself and the baselines on every seed, then the best
    baseline's on that seed (the lowest mean rank; unseeded baselines
    are the same on every seed, seeded ones are re-ranked per seed).
    """
    versus, labels = study.get("versus_baselines", {}), study["labels"]
    if not versus:
        return ""
    seeds = study["seeds"]
    header = "| detector | " + " | ".join(f"seed {s}: rank, ROC-AUC" for s in seeds)
    lines = [
        f"Seed by seed, {study['protocol']} protocol, each detector with the "
        f"{len(BASELINES)} baselines (mean rank over the sets, 1 = best; mean ROC-AUC):\n",
        header + " | best baseline per seed |",
        "|---" * (len(seeds) + 2) + "|",
    ]
    for key, ranks in versus.items():
        own = ranks[key]
        cells = [
            f"{own['mean_rank_per_seed'][i]:.2f}, {own['mean_roc_auc_per_seed'][i]:.3f}"
            for i in range(len(seeds))
        ]
        best = []
        for i in range(len(seeds)):
            name = min(
                (k for k in ranks if k != key), key=lambda k: ranks[k]["mean_rank_per_seed"][i]
            )
            best.append(
                f"{labels[name]} {ranks[name]['mean_rank_per_seed'][i]:.2f}, "
                f"{ranks[name]['mean_roc_auc_per_seed'][i]:.3f}"
            )
        lines.append(f"| {labels[key]} | " + " | ".join(cells) + " | " + "; ".join(best) + " |")
    return "\n".join(lines)


def report(study, name):
    """Print the study's tables and minutes; cache them and its figures as ``name``."""
    print(f"\n{study['minutes']:.1f} minutes")
    return finish(name, format_study(study), study)


def main(argv=None):
    parser = common_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--sets", nargs="+", help="set names (default: all)")
    parser.add_argument(
        "--detectors", nargs="+", choices=list(DETECTORS), help="detector keys (default: all)"
    )
    parser.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="one-class",
        help="one-class: fit on the normal training rows; unsupervised: on all of them",
    )
    args = parser.parse_args(argv)
    print(machine_info(), flush=True)
    study = adbench_study(
        args.sets, args.seeds, args.detectors, quick=args.quick, protocol=args.protocol
    )
    return report(study, f"adbench_suite-{args.protocol}")


if __name__ == "__main__":
    main()
