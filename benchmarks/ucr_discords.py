"""How do the windowed detectors rank on the UCR discord series, by VUS-PR?

Usage (from the repository root)::

    python benchmarks/ucr_discords.py [--quick] [--series NAME ...]
        [--fit-windows 256] [--windows auto 64 128 256] [--detectors ...]
        [--no-tsb-ad]

Feeds the "UCR discords (18 series, VUS-PR)" section of RESULTS.md
(``run_all.py --studies discords``) and, with ``--windows``, its
"``window_size="auto"`` against fixed windows" part. The figures go to
``benchmarks/output/ucr_discords.json``.

For each series in ``DATA_DIR / "ucr_discords"`` with labels (16 of the 18):

- a ``StandardScaler`` is fitted on the ``train`` rows (per channel) and
  applied to the ``train`` and ``test`` rows;
- every detector is a ``WindowedDetector(..., window_size="auto",
  fit_stride=...)`` fitted on the scaled ``train`` rows and scoring every
  step of the scaled ``test`` rows (``stride=1``, window errors averaged
  onto the steps, the defaults). ``fit_stride = max(1, n_train //
  fit_windows)`` bounds the training cost: about ``fit_windows`` (256)
  training windows per series, the same windows for every detector;
- ours: ``AutoencoderDetector()``, ``VAEDetector()`` and
  ``LSTMAutoencoderDetector()`` at their defaults (``random_state=0``);
- the baselines on the same windows, with TSB-AD's settings of its "Sub-"
  detectors (``Optimal_Uni_algo_HP_dict``): Sub-PCA (TSB-AD's PCA, taken
  from PyOD: standardised windows, every principal component, the sum of
  the distances to the components weighted by their explained variance
  ratios), Sub-LOF (``LocalOutlierFactor(n_neighbors=30, novelty=True)``),
  Sub-IForest (``IsolationForest(n_estimators=150)``) and Sub-kNN (distance
  to the 50th nearest training window);
- with ``tsb-ad`` installed, TSB-AD's own PCA, LOF, IForest and KNN classes
  too, run as TSB-AD runs them: unsupervised on the scaled test series, with
  the same window (their score of a window goes to its centre step).

Metrics on the test rows, the anomaly class positive: point ROC-AUC and
PR-AUC (``roc_auc_score``, ``average_precision_score``), VUS-PR and VUS-ROC
(``sklearn_recon.metrics``, ``sliding_window`` = the series' window, as
TSB-AD passes its ``find_length``), and the UCR top-1 hit (the highest score
within ``max(100, region length)`` steps of a labelled region). Detectors
are ranked on each series by VUS-PR (1 = best, ties share the mean rank) and
the ranks averaged over the series.

The two unlabelled ECGs (``ecg_mitdbx_mitdbx_108``, ``ecg_qtdbsele0606``)
have no labels and no train/test split: they cannot be scored, so they are
left out of every metric; only the window estimated from each whole series
is printed.

``--windows`` adds runs with fixed windows (each detector at each listed
size, "auto" included) to compare ``window_size="auto"`` with fixed choices;
``--detectors`` restricts the detectors. ``--quick`` is a smoke run (two
epochs, 64 training windows, four series): its figures are not results.
Seeds are fixed; timings depend on the machine and its load, which is
printed.
"""

import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
from _common import DATA_DIR, finish, machine_info, met, parser
from scipy.spatial.distance import cdist
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_recon import AutoencoderDetector, LSTMAutoencoderDetector, VAEDetector
from sklearn_recon.metrics import ucr_top1_hit, vus_pr, vus_roc
from sklearn_recon.windows import WindowedDetector, estimate_period

SERIES_DIR = DATA_DIR / "ucr_discords"
OURS = ("AE", "VAE", "LSTM-AE")
BASELINES = ("Sub-PCA", "Sub-LOF", "Sub-IForest", "Sub-kNN")
QUICK_SERIES = (
    "ecg_chfdb_chf13_45590",
    "respiration_nprs43",
    "space_shuttle_TEK16",
    "gesture_ann_gun_CentroidA",
)
METRICS = ("vus_pr", "vus_roc", "roc_auc", "pr_auc", "top1")


class _OffsetFromTraining:
    """``offset_`` from the training scores: mean + 1 std of the errors."""

    def _set_offset(self, errors):
        self.offset_ = -(errors.mean() + errors.std())

    def decision_function(self, X):
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        return np.where(self.decision_function(X) < 0, -1, 1)


class SubPCA(_OffsetFromTraining, OutlierMixin, BaseEstimator):
    """TSB-AD's (PyOD's) PCA detector: weighted distances to the components.

    The windows are standardised (per column, on the training windows);
    PCA keeps every component with some variance; the anomaly error of a
    window is the sum over the components of its Euclidean distance to the
    component divided by the component's explained variance ratio (``PCA.py``
    in TSB-AD, from PyOD).
    """

    def fit(self, X, y=None):
        X = validate_data(self, X)
        self.scaler_ = StandardScaler().fit(X)
        self.pca_ = PCA(random_state=0).fit(self.scaler_.transform(X))
        self._set_offset(self._errors(X))
        return self

    def _errors(self, X):
        X = self.scaler_.transform(X)
        # With fewer training windows than columns the last components have
        # no variance at all (rank deficiency): they are left out, instead
        # of dividing by a ratio of 1e-30.
        ratio = self.pca_.explained_variance_ratio_
        keep = ratio > 1e-10
        return np.sum(cdist(X, self.pca_.components_[keep]) / ratio[keep], axis=1)

    def score_samples(self, X):
        check_is_fitted(self)
        return -self._errors(validate_data(self, X, reset=False))


class KNNDistance(_OffsetFromTraining, OutlierMixin, BaseEstimator):
    """Anomaly error = distance to the ``n_neighbors``-th nearest training row.

    TSB-AD's Sub-KNN (``method="largest"``). A training row's own distance
    leaves the row itself out.
    """

    def __init__(self, n_neighbors=50):
        self.n_neighbors = n_neighbors

    def fit(self, X, y=None):
        X = validate_data(self, X)
        k = min(self.n_neighbors, len(X) - 1)
        self.neighbors_ = NearestNeighbors(n_neighbors=k).fit(X)
        self._set_offset(self.neighbors_.kneighbors()[0][:, -1])
        return self

    def score_samples(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return -self.neighbors_.kneighbors(X)[0][:, -1]


def make_detector(name, *, epochs=None, random_state=0):
    """The window detector called ``name``, at its defaults (``epochs`` for smoke runs)."""
    deep = {"epochs": epochs} if epochs else {}
    return {
        "AE": lambda: AutoencoderDetector(random_state=random_state, **deep),
        "VAE": lambda: VAEDetector(random_state=random_state, **deep),
        "LSTM-AE": lambda: LSTMAutoencoderDetector(random_state=random_state, **deep),
        "Sub-PCA": SubPCA,
        "Sub-LOF": lambda: LocalOutlierFactor(n_neighbors=30, novelty=True),
        "Sub-IForest": lambda: IsolationForest(n_estimators=150, random_state=random_state),
        "Sub-kNN": lambda: KNNDistance(n_neighbors=50),
    }[name]()


def load_series(path):
    """``(train, test, y_test)`` of one file, or the whole unlabelled series."""
    data = pd.read_csv(path)
    channels = [c for c in data.columns if c not in ("time", "label", "split")]
    if data["label"].isna().all():
        return None, data[channels].to_numpy(float), None
    train = data.loc[data["split"] == "train", channels].to_numpy(float)
    test = data.loc[data["split"] == "test"]
    return train, test[channels].to_numpy(float), test["label"].to_numpy().astype(int)


def evaluate(y, anomaly_score, sliding_window):
    """The figures of one anomaly score on one labelled test series."""
    return {
        "vus_pr": vus_pr(y, anomaly_score, sliding_window=sliding_window),
        "vus_roc": vus_roc(y, anomaly_score, sliding_window=sliding_window),
        "roc_auc": roc_auc_score(y, anomaly_score),
        "pr_auc": average_precision_score(y, anomaly_score),
        "top1": ucr_top1_hit(y, anomaly_score),
    }


def _tsb_ad_scores(test, window):
    """TSB-AD's own Sub- detectors on the test series, if ``tsb-ad`` imports."""
    try:
        from TSB_AD.models.IForest import IForest
        from TSB_AD.models.KNN import KNN
        from TSB_AD.models.LOF import LOF
        from TSB_AD.models.PCA import PCA as TSBPCA
    except ImportError:
        return {}
    models = {
        "TSB-AD Sub-PCA": lambda: TSBPCA(slidingWindow=window, n_components=None),
        "TSB-AD Sub-LOF": lambda: LOF(slidingWindow=window, n_neighbors=30),
        "TSB-AD Sub-IForest": lambda: IForest(slidingWindow=window, n_estimators=150),
        "TSB-AD Sub-KNN": lambda: KNN(slidingWindow=window, n_neighbors=50),
    }
    scores = {}
    for name, model in models.items():
        start = time.perf_counter()
        score = np.asarray(model().fit(test).decision_scores_, dtype=float).ravel()
        scores[name] = (score, time.perf_counter() - start)
    return scores


def run_series(path, names, windows, fit_windows, epochs, tsb_ad):
    """Fit, score and evaluate every detector on one series; None if unlabelled."""
    train, test, y = load_series(path)
    if y is None:
        return None
    scaler = StandardScaler().fit(train)
    train, test = scaler.transform(train), scaler.transform(test)
    period = estimate_period(train)  # what window_size="auto" resolves to
    fit_stride = max(1, len(train) // fit_windows)
    result = {
        "n_train": len(train),
        "n_test": len(test),
        "n_channels": train.shape[1],
        "labelled": int(y.sum()),
        "window": period,
        "fit_stride": fit_stride,
        "detectors": {},
    }
    for window in windows:
        for name in names:
            label = name if window == "auto" else f"{name} (w={window})"
            detector = WindowedDetector(
                make_detector(name, epochs=epochs), window, fit_stride=fit_stride
            )
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                detector.fit(train)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            anomaly = -detector.score_samples(test)
            score_seconds = time.perf_counter() - start
            figures = evaluate(y, anomaly, period)
            figures.update(fit_s=fit_seconds, score_s=score_seconds, window=detector.window_size_)
            if hasattr(detector.detector_, "n_iter_"):
                figures["epochs"] = detector.detector_.n_iter_
            result["detectors"][label] = figures
            print(
                f"  {label:22s} VUS-PR {figures['vus_pr']:.3f}  ROC-AUC "
                f"{figures['roc_auc']:.3f}  PR-AUC {figures['pr_auc']:.3f}  top-1 "
                f"{'hit ' if figures['top1'] else 'miss'}  fit {fit_seconds:6.1f} s  "
                f"score {score_seconds:5.1f} s",
                flush=True,
            )
    if tsb_ad:
        for label, (score, seconds) in _tsb_ad_scores(test, period).items():
            figures = evaluate(y, score, period)
            figures.update(fit_s=seconds, score_s=0.0, window=period)
            result["detectors"][label] = figures
            print(f"  {label:22s} VUS-PR {figures['vus_pr']:.3f}  ({seconds:.1f} s)", flush=True)
    return result


def mean_ranks(per_series, metric="vus_pr"):
    """Each detector's rank by ``metric`` on each series (1 = best), averaged."""
    names = list(next(iter(per_series.values()))["detectors"])
    ranks = []
    for result in per_series.values():
        values = np.array([result["detectors"][name][metric] for name in names])
        ranks.append(rankdata(-values, method="average"))
    return dict(zip(names, np.mean(ranks, axis=0).tolist()))


def summarise(per_series):
    """Mean figures, mean VUS-PR rank and top-1 hits of every detector."""
    names = list(next(iter(per_series.values()))["detectors"])
    ranks = mean_ranks(per_series)
    summary = {}
    for name in names:
        rows = [result["detectors"][name] for result in per_series.values()]
        summary[name] = {
            "rank": ranks[name],
            "top1_hits": int(sum(row["top1"] for row in rows)),
            **{m: float(np.mean([row[m] for row in rows])) for m in METRICS if m != "top1"},
            "fit_s": float(np.sum([row["fit_s"] for row in rows])),
            "score_s": float(np.sum([row["score_s"] for row in rows])),
        }
    return summary


def the_bar(summary):
    """Issue 17's bar: our best by mean VUS-PR rank against every baseline."""
    ours = {n: s for n, s in summary.items() if n in OURS}
    others = {n: s for n, s in summary.items() if n not in OURS and "(w=" not in n}
    if not ours or not others:
        return None
    best = min(ours, key=lambda n: ours[n]["rank"])
    best_other = min(others, key=lambda n: others[n]["rank"])
    most_hits = max(others, key=lambda n: others[n]["top1_hits"])
    return {
        "best_ours": best,
        "best_baseline": best_other,
        "most_hits_baseline": most_hits,
        "rank_met": ours[best]["rank"] < others[best_other]["rank"],
        "hits_met": ours[best]["top1_hits"] >= others[most_hits]["top1_hits"],
    }


def discord_study(
    series=None,
    *,
    names=OURS + BASELINES,
    windows=("auto",),
    fit_windows=256,
    epochs=None,
    tsb_ad=True,
):
    """Run the benchmark; return per-series figures, the summary and the bar."""
    paths = sorted(SERIES_DIR.glob("*.csv.gz"))
    if series:
        paths = [p for p in paths if p.name.removesuffix(".csv.gz") in series]
    start, cpu_start = time.perf_counter(), time.process_time()
    per_series, unlabelled = {}, {}
    for path in paths:
        name = path.name.removesuffix(".csv.gz")
        print(f"\n== {name} ==", flush=True)
        result = run_series(path, names, windows, fit_windows, epochs, tsb_ad)
        if result is None:
            whole = load_series(path)[1]
            unlabelled[name] = estimate_period(StandardScaler().fit_transform(whole))
            print(
                f"  no labels: left out (window of the whole series {unlabelled[name]})", flush=True
            )
            continue
        print(
            f"  {result['n_train']} train / {result['n_test']} test steps, "
            f"{result['labelled']} labelled, window {result['window']}, "
            f"fit_stride {result['fit_stride']}",
            flush=True,
        )
        per_series[name] = result
    summary = summarise(per_series)
    return {
        "machine": machine_info(),
        "fit_windows": fit_windows,
        "epochs": epochs,
        "series": per_series,
        "unlabelled": unlabelled,
        "summary": summary,
        "bar": the_bar(summary),
        "minutes": (time.perf_counter() - start) / 60,
        # CPU time of all the process's threads: the wall time it would take
        # on two otherwise idle cores is at least half of it.
        "cpu_minutes": (time.process_time() - cpu_start) / 60,
    }


def window_comparison(study):
    """Per detector, each window choice's mean VUS-PR rank among the choices.

    Rows of a ``--windows`` run: the ranks compare the window choices of one
    detector on each series (1 = best of them), then are averaged.
    """
    labels = list(next(iter(study["series"].values()))["detectors"])
    groups = {}
    for label in labels:
        groups.setdefault(label.split(" (w=")[0], []).append(label)
    lines = [
        "| detector | window | mean rank among its windows | VUS-PR | ROC-AUC | top-1 hits |",
        "|---|---|---|---|---|---|",
    ]
    for name, members in groups.items():
        if len(members) < 2:
            continue
        per_series = {
            series: {"detectors": {m: r["detectors"][m] for m in members}}
            for series, r in study["series"].items()
        }
        ranks = mean_ranks(per_series)
        for member in members:
            rows = [r["detectors"][member] for r in study["series"].values()]
            window = member.split("(w=")[1][:-1] if "(w=" in member else "auto"
            lines.append(
                f"| {name} | {window} | {ranks[member]:.2f} | "
                f"{np.mean([r['vus_pr'] for r in rows]):.3f} | "
                f"{np.mean([r['roc_auc'] for r in rows]):.3f} | "
                f"{sum(r['top1'] for r in rows)} |"
            )
    return "\n".join(lines)


def markdown(study):
    """The per-series table and the summary, as Markdown."""
    summary = study["summary"]
    names = list(summary)
    lines = [
        "| series | steps (train / test) | window | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for series, result in study["series"].items():
        cells = []
        for name in names:
            row = result["detectors"][name]
            cells.append(f"{row['vus_pr']:.3f}{' *' if row['top1'] else ''}")
        lines.append(
            f"| {series} | {result['n_train']} / {result['n_test']} | "
            f"{result['window']} | " + " | ".join(cells) + " |"
        )
    lines += [
        "",
        "| detector | mean VUS-PR rank | top-1 hits | VUS-PR | VUS-ROC | ROC-AUC "
        "| PR-AUC | fit s (all series) | score s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    n_series = len(study["series"])
    for name, s in sorted(summary.items(), key=lambda item: item[1]["rank"]):
        lines.append(
            f"| {name} | {s['rank']:.2f} | {s['top1_hits']} / {n_series} | "
            f"{s['vus_pr']:.3f} | {s['vus_roc']:.3f} | {s['roc_auc']:.3f} | "
            f"{s['pr_auc']:.3f} | {s['fit_s']:.0f} | {s['score_s']:.0f} |"
        )
    return "\n".join(lines)


def section(study):
    """The "UCR discords" section of RESULTS.md from a ``discord_study`` result."""
    bar = study["bar"]
    ours, other, hits = (
        study["summary"][bar[key]] for key in ("best_ours", "best_baseline", "most_hits_baseline")
    )
    left_out = ", ".join(f"`{name}`" for name in study["unlabelled"])
    return "\n".join(
        [
            "## UCR discords (18 series, VUS-PR)\n",
            f"`python benchmarks/ucr_discords.py` ({study['minutes']:.0f} minutes, "
            f"{study['cpu_minutes']:.0f} CPU minutes of the process on 2 cores): "
            "the labelled discord series of `ucr_discords/`, a `StandardScaler` "
            "fitted on the training rows, every detector in `WindowedDetector("
            'window_size="auto", fit_stride=max(1, n_train // '
            f"{study['fit_windows']}))` (about {study['fit_windows']} training "
            "windows per series, the same for all; every test step scored, "
            "`stride=1`). Ours at their defaults; the Sub- baselines with "
            "TSB-AD's settings on the same windows, and TSB-AD's own classes "
            "(unsupervised on the test series) when `tsb-ad` is installed. VUS "
            "with `sliding_window` = the series' window. Cells: VUS-PR, `*` = "
            f"top-1 hit. Left out (no labels, no split): {left_out}.\n",
            markdown(study),
            "",
            f"The bar (our best, {bar['best_ours']}, mean VUS-PR rank "
            f"{ours['rank']:.2f}, against the best baseline, {bar['best_baseline']}, "
            f"{other['rank']:.2f}) is {met(bar['rank_met'])}; "
            f"top-1 hits {ours['top1_hits']} against {hits['top1_hits']} "
            f"({bar['most_hits_baseline']}): {met(bar['hits_met'])}.\n",
        ]
    )


def main(argv=None):
    args_parser = parser(__doc__)
    args_parser.add_argument("--series", nargs="+", help="file names without .csv.gz")
    args_parser.add_argument(
        "--detectors", nargs="+", choices=OURS + BASELINES, default=list(OURS + BASELINES)
    )
    args_parser.add_argument(
        "--windows", nargs="+", default=["auto"], help='"auto" and/or fixed window sizes'
    )
    args_parser.add_argument("--fit-windows", type=int, default=256)
    args_parser.add_argument(
        "--no-tsb-ad", action="store_true", help="skip TSB-AD's own detectors even if installed"
    )
    args = args_parser.parse_args(argv)
    windows = [w if w == "auto" else int(w) for w in args.windows]
    print(machine_info(), flush=True)
    study = discord_study(
        args.series or (QUICK_SERIES if args.quick else None),
        names=tuple(args.detectors),
        windows=windows,
        fit_windows=64 if args.quick else args.fit_windows,
        epochs=2 if args.quick else None,
        tsb_ad=not args.no_tsb_ad,
    )
    if len(windows) > 1:
        print("\n" + window_comparison(study))
    print(f"\n{study['minutes']:.1f} minutes ({study['cpu_minutes']:.1f} CPU minutes)")
    every_one = study["bar"] and windows == ["auto"]
    return finish("ucr_discords", section(study) if every_one else "\n" + markdown(study), study)


if __name__ == "__main__":
    main()
