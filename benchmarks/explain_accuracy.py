"""Do feature contributions point at the features that broke a row, and at what cost?

On the development suite's ADBench sets with at least 10 features
(``DATA_DIR / "adbench"``), normal rows only: a seeded split holds out 300
normal rows as test rows; ``StandardScaler`` + detector fit on up to 3000
of the others. In every test row some features are corrupted:

- ``swap2`` / ``swap4``: 2 or 4 features take the values of another test
  row (each value stays in range; the row's correlations break);
- ``shift2``: 2 features move by 2 training standard deviations, up or down.

A row whose corruption changed no value is dropped. The rows the detector
flags (its own ``predict``; the 30 top-scoring rows if it flags fewer) have
their features ranked by :func:`sklearn_recon.inspection.feature_contributions`,
and the table gives the share of them with a corrupted feature among the top
two; a second table counts only the flagged rows whose uncorrupted version
the detector did not flag (normal rows above the threshold are flagged for
a reason of their own, which no method should blame on the corruption).
Baselines: the feature-wise z-score ``|x - mean| / std`` of the training
rows, and chance (two features drawn at random).

The cost: the median of ``--repeat`` timings of the contributions of 1,000
rows, divided by the median time of scoring them (``score_samples`` of the
pipeline), on ``--cost-set`` (default ``30_satellite``: 36 features, the
widest of issue 35's range).

Run from the repository root::

    python benchmarks/explain_accuracy.py [--sets NAME ...] [--methods M ...]
        [--detectors ae vae iforest] [--repeat 5] [--no-cost | --cost-only]
        [--quick]

``--quick`` trains for 3 epochs (a smoke run, not results). The figures are
in ``benchmarks/RESULTS.md``, "Which features explain an alarm (issue 35)".
"""

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from _common import DATA_DIR, machine_info, median_seconds
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import AutoencoderDetector, VAEDetector
from sklearn_recon.inspection import feature_contributions

ADBENCH_DIR = DATA_DIR / "adbench"
N_TEST = 300
MAX_TRAIN = 3000
MIN_FLAGGED = 30
N_BACKGROUND = 50

DETECTORS = {
    "ae": lambda quick: AutoencoderDetector(random_state=0, **({"epochs": 3} if quick else {})),
    "vae": lambda quick: VAEDetector(random_state=0, **({"epochs": 3} if quick else {})),
    "iforest": lambda quick: IsolationForest(random_state=0),
}

#: method -> the keyword arguments of feature_contributions (the background,
#: where used, is N_BACKGROUND training rows).
METHODS = {
    "residual": dict(method="residual"),
    "repair": dict(method="repair", n_repaired=None),
    "repair5": dict(method="repair", n_repaired=5),
    "repair8": dict(method="repair", n_repaired=8),
    "occlusion_median": dict(method="occlusion"),
    "occlusion": dict(method="occlusion"),
    "shapley": dict(method="shapley", n_permutations=10),
}
#: The methods tried on each detector ("occlusion" scores every row once
#: per background row: too slow to try on the networks).
DETECTOR_METHODS = {
    "ae": ("residual", "repair", "repair5", "repair8", "occlusion_median", "shapley"),
    "vae": ("residual", "repair", "repair5", "repair8", "occlusion_median", "shapley"),
    "iforest": ("occlusion_median", "occlusion", "shapley"),
}

CORRUPTIONS = {"swap2": ("swap", 2), "swap4": ("swap", 4), "shift2": ("shift", 2)}


def set_names(min_features=10):
    """The sets with at least ``min_features`` features, by ADBench number."""
    names = []
    for path in ADBENCH_DIR.glob("*.npz"):
        with np.load(path, allow_pickle=False) as data:
            if data["X"].shape[1] >= min_features:
                names.append(path.stem)
    return sorted(names, key=lambda name: int(name.split("_")[0]))


def load_normal_split(name, seed=0):
    """Training rows and ``N_TEST`` held-out test rows, all normal."""
    with np.load(ADBENCH_DIR / f"{name}.npz", allow_pickle=False) as data:
        X = data["X"][data["y"] == 0].astype(np.float64)
    order = np.random.default_rng(seed).permutation(len(X))
    return X[order[N_TEST : N_TEST + MAX_TRAIN]], X[order[:N_TEST]]


def corrupt(X_test, X_train, kind, n_features, rng):
    """Corrupted copies of the test rows and a mask of the changed features."""
    X = X_test.copy()
    n_rows, width = X.shape
    chosen = np.array([rng.choice(width, n_features, replace=False) for _ in range(n_rows)])
    rows = np.arange(n_rows)[:, None]
    if kind == "swap":
        donors = (np.arange(n_rows) + rng.integers(1, n_rows, n_rows)) % n_rows
        X[rows, chosen] = X_test[donors[:, None], chosen]
    else:
        std = X_train.std(axis=0)
        X[rows, chosen] += 2.0 * std[chosen] * rng.choice([-1.0, 1.0], size=chosen.shape)
    return X, X_test != X


def chance(width, changed):
    """Probability that two features drawn at random include a changed one."""
    k = changed.sum(axis=1)
    return float(np.mean(1 - (width - k) * (width - k - 1) / (width * (width - 1))))


def top_two_hits(contributions, changed):
    """Share of rows whose two largest contributions include a changed feature."""
    top = np.argsort(-contributions, axis=1)[:, :2]
    return float(np.mean(np.take_along_axis(changed, top, axis=1).any(axis=1)))


def flagged_rows(pipe, X):
    """The rows ``pipe`` flags, or its ``MIN_FLAGGED`` top-scoring rows if fewer."""
    flagged = np.flatnonzero(pipe.predict(X) == -1)
    if len(flagged) >= MIN_FLAGGED:
        return flagged
    return np.argsort(pipe.score_samples(X))[:MIN_FLAGGED]


def fit(key, X_train, quick):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(StandardScaler(), DETECTORS[key](quick)).fit(X_train)


def methods_of(key, methods):
    return [m for m in methods if m in DETECTOR_METHODS[key]]


def contributions(pipe, X, method, background):
    """The contributions by ``method``; the background is training rows.

    ``occlusion_median`` replaces a feature by the training rows' median
    (one background row), ``occlusion`` and ``shapley`` by each of the
    ``N_BACKGROUND`` training rows ``background``.
    """
    kwargs = dict(METHODS[method], random_state=0)
    if method == "occlusion_median":
        kwargs["background"] = np.median(background, axis=0, keepdims=True)
    elif method in ("occlusion", "shapley"):
        kwargs["background"] = background[:N_BACKGROUND]
    return feature_contributions(pipe, X, **kwargs)


def accuracy_study(sets, detectors, methods, quick):
    """``{(set, detector, corruption): {method or baseline: share}}`` and flag counts."""
    table = {}
    for name in sets:
        X_train, X_test = load_normal_split(name)
        background = X_train[np.random.default_rng(1).permutation(len(X_train))]
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        for key in detectors:
            start = time.perf_counter()
            pipe = fit(key, X_train, quick)
            print(f"# {name} {key}: fitted in {time.perf_counter() - start:.1f} s", flush=True)
            flagged_before = pipe.predict(X_test) == -1
            for corruption, (kind, n_changed) in CORRUPTIONS.items():
                rng = np.random.default_rng(2)
                X, changed = corrupt(X_test, X_train, kind, n_changed, rng)
                keep = changed.any(axis=1)
                X, changed, before = X[keep], changed[keep], flagged_before[keep]
                rows = flagged_rows(pipe, X)
                X, changed, new = X[rows], changed[rows], ~before[rows]
                ranked = {"zscore": np.abs(X - mean) / std}
                for method in methods_of(key, methods):
                    ranked[method] = contributions(pipe, X, method, background)
                row = {}
                for subset, mask in (("all", slice(None)), ("new", new)):
                    row[subset] = {"n": int(changed[mask].shape[0])}
                    row[subset]["chance"] = chance(X.shape[1], changed[mask])
                    for column, values in ranked.items():
                        row[subset][column] = top_two_hits(values[mask], changed[mask])
                table[name, key, corruption] = row
                print(f"  {name} {key} {corruption}: {_format_row(row['all'])}", flush=True)
                print(f"    flagged only after it: {_format_row(row['new'])}", flush=True)
    return table


#: The rows the tables count: every flagged row (issue 35's protocol), and
#: those whose uncorrupted version the detector did not flag (flagged because
#: of the corruption: the others may be flagged for a reason of their own).
SUBSETS = {
    "all": "Every flagged row",
    "new": "Rows flagged only after the corruption",
}


def _format_row(row):
    return " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items())


def cost_study(name, detectors, methods, repeat, quick):
    """``{(detector, method): (seconds, ratio to scoring)}`` on 1,000 rows of ``name``."""
    X_train, X_test = load_normal_split(name)
    background = X_train
    X = np.resize(X_test, (1000, X_test.shape[1]))
    costs = {}
    for key in detectors:
        pipe = fit(key, X_train, quick)
        scoring = median_seconds(lambda: pipe.score_samples(X), repeat)
        for method in methods_of(key, methods):
            seconds = median_seconds(lambda: contributions(pipe, X, method, background), repeat)
            costs[key, method] = (seconds, seconds / scoring, scoring)
            print(
                f"# cost {key} {method}: {seconds * 1e3:.1f} ms vs scoring "
                f"{scoring * 1e3:.2f} ms, ratio {seconds / scoring:.1f}",
                flush=True,
            )
    return costs


def print_tables(table, methods, costs, cost_set):
    columns = ["chance", "zscore", *methods]
    for subset, title in SUBSETS.items():
        print(f"\n{title}:\n")
        print("| set | detector | corruption | rows | " + " | ".join(columns) + " |")
        print("|---" * (4 + len(columns)) + "|")
        summary = {}
        for (name, key, corruption), both in table.items():
            row = both[subset]
            cells = [f"{row[c]:.2f}" if c in row else "" for c in columns]
            print(f"| {name} | {key} | {corruption} | {row['n']} | " + " | ".join(cells) + " |")
            for c in columns:
                if c in row:
                    summary.setdefault((key, corruption, c), []).append(row[c])
        print(f"\nMean over the sets ({title.lower()}):\n")
        print("| detector | corruption | " + " | ".join(columns) + " |")
        print("|---" * (2 + len(columns)) + "|")
        for key, corruption in dict.fromkeys((k, c) for _, k, c in table):
            cells = [
                f"{statistics.mean(summary[key, corruption, c]):.2f}"
                if (key, corruption, c) in summary
                else ""
                for c in columns
            ]
            print(f"| {key} | {corruption} | " + " | ".join(cells) + " |")
    if costs:
        print(f"\nCost on {cost_set}, 1,000 rows (median):\n")
        print("| detector | method | contributions | scoring | ratio |")
        print("|---|---|---|---|---|")
        for (key, method), (seconds, ratio, scoring) in costs.items():
            print(
                f"| {key} | {method} | {seconds * 1e3:.0f} ms | {scoring * 1e3:.1f} ms "
                f"| {ratio:.1f}x |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=None)
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS), choices=DETECTORS)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--cost-set", default="30_satellite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-cost", action="store_true", help="skip the cost study")
    parser.add_argument("--cost-only", action="store_true", help="skip the accuracy study")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(machine_info())
    sets = args.sets or set_names()
    table = {} if args.cost_only else accuracy_study(sets, args.detectors, args.methods, args.quick)
    costs = (
        {}
        if args.no_cost
        else cost_study(args.cost_set, args.detectors, args.methods, args.repeat, args.quick)
    )
    print_tables(table, args.methods, costs, args.cost_set)


if __name__ == "__main__":
    main()
