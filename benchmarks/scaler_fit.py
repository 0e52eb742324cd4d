"""How much does a detector depend on the rows its scaler was fitted on (issue 27)?

ECG5000 protocol of ``sklearn_recon._studies._protocol`` (the detector trains on the
normal training beats), with the ``MinMaxScaler`` fitted either on those
normal beats or on all training beats (normal and anomalous): test ROC-AUC of
both, and their difference, per seed. Default parameters.

``--then standard`` (or ``robust``) puts a ``StandardScaler``
(``RobustScaler``) fitted on the scaled normal beats between the
``MinMaxScaler`` and the detector: what scaling inside the detector, on its
own training rows, would do. It makes the detector blind to which rows the
first scaler saw (a per-feature affine map is undone), at the price of
another weighting of the features in the reconstruction error.

Run: python benchmarks/scaler_fit.py [--quick] [--detectors VAEDetector ...]
     [--seeds 0 1 2] [--no-neighbors] [--then standard|robust]
Feeds the "Scaler fitted on all beats or on normal beats" section of
RESULTS.md (written by hand from its table; not in ``run_all.py``).
"""

from _common import finish, machine_info, quiet
from _common import parser as common_parser
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

import sklearn_recon
from sklearn_recon._studies._protocol import ecg5000_split


def main(argv=None):
    parser = common_parser(__doc__, seeds=[0, 1, 2])
    parser.add_argument("--detectors", nargs="+", default=["VAEDetector", "AutoencoderDetector"])
    parser.add_argument(
        "--no-neighbors",
        action="store_true",
        help="VAEDetector(n_neighbors=None, mahalanobis_weight=0): the reconstruction error alone",
    )
    parser.add_argument(
        "--then",
        choices=["standard", "robust"],
        help="a second scaler, fitted on the scaled normal beats, before the detector",
    )
    args = parser.parse_args(argv)
    quiet()
    print(machine_info())
    X_train, X_test, y_train, y_test = ecg5000_split()
    normal = X_train[y_train == 1]
    lines = [
        "| detector | seed | scaler on normal beats | scaler on all beats | difference |",
        "|---|---|---|---|---|",
    ]
    for name in args.detectors:
        params = (
            {"n_neighbors": None, "mahalanobis_weight": 0}
            if args.no_neighbors and name == "VAEDetector"
            else {}
        )
        if args.quick:
            params["epochs"] = 2
        for seed in args.seeds:
            scores = []
            for rows in (normal, X_train):
                first = MinMaxScaler().fit(rows)
                then = {"standard": StandardScaler, "robust": RobustScaler}.get(args.then)
                detector = make_pipeline(
                    *([then()] if then else []),
                    getattr(sklearn_recon, name)(random_state=seed, **params),
                )
                detector.fit(first.transform(normal))
                errors = -detector.score_samples(first.transform(X_test))
                scores.append(roc_auc_score(y_test == -1, errors))
            label = f"{name}({', '.join(f'{k}={v}' for k, v in params.items())})"
            if args.then:
                label = f"{args.then} scaler + {label}"
            lines.append(
                f"| {label} | {seed} | {scores[0]:.4f} | {scores[1]:.4f} | "
                f"{scores[1] - scores[0]:+.4f} |"
            )
            print(lines[-1], flush=True)
    return finish("scaler_fit", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
