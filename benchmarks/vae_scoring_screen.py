"""Which rule should turn one trained VAE's outputs into an anomaly score (issue 33)?

For every set of the development suite, protocol and seed, one
``VAEDetector()`` is trained (``StandardScaler`` first, as in
``adbench_suite.py``); its latent means and reconstruction errors of the
training and the test rows are kept, and every rule of ``RULES`` scores the
test rows from them. A rule changes only how the network's outputs become
an anomaly error, so the rules share one training per set and seed, and the
table compares rules, not training runs.

Each rule is ranked with the six baselines of ``adbench_suite.py`` (run
once per protocol: ``--baselines-json``, or run here when not given) on
every set and seed; the table prints per protocol and seed the mean rank
and mean ROC-AUC of each rule, and in brackets the best baseline's mean
rank in that ranking.

Terms (each standardised by its mean and standard deviation over the
training rows, ``z(.)``; ``robust`` uses median and IQR / 1.349):

- ``recon``: the reconstruction error from the latent mean;
- ``knnK``: distance from the latent mean to the K-th nearest training
  latent mean (a training row: to the others);
- ``maha``: Mahalanobis distance from the training latent means;
- ``mcd``: the same with scikit-learn's ``MinCovDet`` (robust covariance).

Run from the repository root (the fitted outputs are cached in
``benchmarks/output/vae_scoring_screen/``; a second run with other rules
retrains nothing)::

    python benchmarks/vae_scoring_screen.py --seeds 0 1 [--protocols one-class unsupervised]
        [--baselines-json benchmarks/output/adbench_suite-one-class.json ...]

Feeds "Candidates: scoring rules" in the "ADBench dev suite" section of
RESULTS.md (written by hand; not in ``run_all.py``).
"""

import json

import numpy as np
from _common import OUTPUT_DIR, finish, machine_info
from _common import parser as common_parser
from adbench_suite import BASELINES, PROTOCOLS, _deep, _ranks, adbench_study, load_split
from sklearn.covariance import MinCovDet
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KDTree
from sklearn.preprocessing import StandardScaler


def fitted_outputs(name, protocol, seed, quick=False):
    """Latent means and reconstruction errors of one default VAE, cached."""
    cache = OUTPUT_DIR / ("vae_scoring_screen-quick" if quick else "vae_scoring_screen")
    path = cache / f"{name}_{protocol}_{seed}.npz"
    if not path.exists():
        from sklearn_recon import VAEDetector

        X_fit, X_test, y_test = load_split(name, protocol)
        scaler = StandardScaler().fit(X_fit)
        A, B = scaler.transform(X_fit), scaler.transform(X_test)
        detector = _deep(VAEDetector, seed, quick).fit(A)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            z_fit=detector.encode(A),
            z_test=detector.encode(B),
            r_fit=detector.reconstruction_error(A),
            r_test=detector.reconstruction_error(B),
            y=y_test,
        )
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def terms(outputs):
    """Every term's (training values, test values)."""
    z_fit, z_test = outputs["z_fit"].astype(np.float64), outputs["z_test"].astype(np.float64)
    found = {"recon": (outputs["r_fit"], outputs["r_test"])}
    tree = KDTree(z_fit)
    fit_d = tree.query(z_fit, k=21)[0]
    test_d = tree.query(z_test, k=20)[0]
    for k in (5, 10, 20):
        found[f"knn{k}"] = (fit_d[:, k], test_d[:, k - 1])
    mean = z_fit.mean(axis=0)
    precision = np.linalg.pinv(np.cov(z_fit.T, bias=True))

    def mahalanobis(Z):
        centered = Z - mean
        return np.sqrt(np.einsum("ij,jk,ik->i", centered, precision, centered))

    found["maha"] = (mahalanobis(z_fit), mahalanobis(z_test))
    mcd = MinCovDet(random_state=0).fit(z_fit)
    found["mcd"] = (np.sqrt(mcd.mahalanobis(z_fit)), np.sqrt(mcd.mahalanobis(z_test)))
    return found


def z(pair, robust=False, log=False):
    """The test values of ``pair`` standardised on its training values."""
    fit, test = pair
    if log:
        fit, test = np.log(fit + 1e-12), np.log(test + 1e-12)
    if robust:
        q1, location, q3 = np.percentile(fit, [25, 50, 75])
        scale = (q3 - q1) / 1.349 or fit.std()
    else:
        location, scale = fit.mean(), fit.std()
    return (test - location) / max(scale, 1e-12)


#: name -> rule(terms) giving the test rows' anomaly errors.
RULES = {
    "recon (reconstruction error alone)": lambda t: t["recon"][1],
    "knn5 (latent kNN alone)": lambda t: t["knn5"][1],
    "z(recon) + z(knn5) (the issue-27 default)": lambda t: z(t["recon"]) + z(t["knn5"]),
    "z(log recon) + z(log knn5)": lambda t: z(t["recon"], log=True) + z(t["knn5"], log=True),
    "robust z(recon) + z(knn5)": lambda t: z(t["recon"], True) + z(t["knn5"], True),
    "z(recon) + z(knn10)": lambda t: z(t["recon"]) + z(t["knn10"]),
    "z(recon) + z(knn20)": lambda t: z(t["recon"]) + z(t["knn20"]),
    "maha alone": lambda t: t["maha"][1],
    "z(recon) + z(maha)": lambda t: z(t["recon"]) + z(t["maha"]),
    **{
        f"z(recon) + z(knn5) + {w} z(maha)": (
            lambda t, w=w: z(t["recon"]) + z(t["knn5"]) + w * z(t["maha"])
        )
        for w in (0.25, 0.5, 1.0)
    },
    "z(recon) + z(knn10) + 0.5 z(maha)": lambda t: (
        z(t["recon"]) + z(t["knn10"]) + 0.5 * z(t["maha"])
    ),
    "z(recon) + z(knn5) + 0.5 z(mcd)": lambda t: z(t["recon"]) + z(t["knn5"]) + 0.5 * z(t["mcd"]),
    "robust z(recon) + z(knn5) + z(mcd)": lambda t: (
        z(t["recon"], True) + z(t["knn5"], True) + z(t["mcd"], True)
    ),
}


def screen(protocol, seeds, baselines, sets, quick=False):
    """Per seed: each rule's and each baseline's mean rank and ROC-AUC."""
    rows = {}
    for seed in seeds:
        auc = {}
        for name in sets:
            outputs = fitted_outputs(name, protocol, seed, quick)
            found, y = terms(outputs), outputs["y"]
            auc[name] = {rule: roc_auc_score(y, fn(found)) for rule, fn in RULES.items()}
            for key in BASELINES:
                runs = baselines["results"][name][key]["roc_auc"]
                auc[name][key] = runs[baselines["seeds"].index(seed)] if len(runs) > 1 else runs[0]
        for rule in RULES:
            keys = [rule, *BASELINES]
            ranks = np.array([_ranks([auc[n][k] for k in keys]) for n in sets])
            best = min(range(1, len(keys)), key=lambda j: ranks[:, j].mean())
            rows.setdefault(rule, []).append(
                (
                    ranks[:, 0].mean(),
                    np.mean([auc[n][rule] for n in sets]),
                    baselines["labels"][keys[best]],
                    ranks[:, best].mean(),
                )
            )
    return rows


def main(argv=None):
    parser = common_parser(__doc__, seeds=[0, 1])
    parser.add_argument("--protocols", nargs="+", choices=PROTOCOLS, default=list(PROTOCOLS))
    parser.add_argument("--sets", nargs="+", help="set names (default: all)")
    parser.add_argument(
        "--baselines-json",
        nargs="*",
        default=[],
        help="adbench_suite.py figures with the six baselines, one file per protocol",
    )
    args = parser.parse_args(argv)
    print(machine_info(), flush=True)
    given = {}
    for path in args.baselines_json:
        with open(path) as file:
            study = json.load(file)
        given[study["protocol"]] = study
    lines = []
    for protocol in args.protocols:
        baselines = given.get(protocol) or adbench_study(
            sets=args.sets,
            seeds=args.seeds,
            detectors=list(BASELINES),
            protocol=protocol,
            progress=False,
            quick=args.quick,
        )
        rows = screen(protocol, args.seeds, baselines, baselines["sets"], quick=args.quick)
        lines += [
            f"\n{protocol} protocol: mean rank with the 6 baselines (1 = best), mean ROC-AUC\n",
            "| rule | " + " | ".join(f"seed {s}" for s in args.seeds) + " |",
            "|---" * (len(args.seeds) + 1) + "|",
        ]
        lines += [
            f"| {rule} | "
            + " | ".join(f"{r:.2f}, {a:.3f} ({b} {br:.2f})" for r, a, b, br in cells)
            + " |"
            for rule, cells in rows.items()
        ]
    return finish("vae_scoring_screen", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
