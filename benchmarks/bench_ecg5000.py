"""ECG5000 protocol of ARCHITECTURE.md: AutoencoderDetector against the baselines.

80/20 split stratified on normal vs anomaly (random_state=21), MinMaxScaler
and detector in one Pipeline fitted on the normal training beats, metrics on
the test split with the anomaly class as positive. The autoencoder runs with
its default parameters for several seeds; the baselines run once in the same
run.

Run: python benchmarks/bench_ecg5000.py [--seeds 0 1 2]
"""

import argparse
import statistics

from _common import machine_info

from sklearn_recon._studies._protocol import ecg5000_split, protocol_detectors, run_detector

COLUMNS = ("roc_auc", "pr_auc", "precision", "recall", "f1")


def run(label, detector, split):
    _, metrics = run_detector(detector, split)
    cells = " | ".join(f"{metrics[c]:.4f}" for c in COLUMNS)
    print(f"| {label} | {cells} | {metrics['fit_seconds']:.1f} |", flush=True)
    return metrics


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    print(machine_info())
    split = X_train, X_test, y_train, y_test = ecg5000_split()
    print(
        f"train: {(y_train == 1).sum()} normal beats; test: {len(X_test)} beats, "
        f"{(y_test == -1).sum()} anomalies"
    )
    print("| detector | ROC-AUC | PR-AUC | precision | recall | F1 | fit s |")
    print("|---|---|---|---|---|---|---|")
    for label, detector in protocol_detectors(["lof", "ocsvm", "pca", "iforest"]).values():
        run(label, detector, split)
    results = []
    for seed in args.seeds:
        ((label, detector),) = protocol_detectors(["autoencoder"], random_state=seed).values()
        results.append(run(f"{label} (seed {seed})", detector, split))
    for column in ("roc_auc", "pr_auc"):
        values = [r[column] for r in results]
        print(
            f"AutoencoderDetector {column}: median {statistics.median(values):.4f}, "
            f"min {min(values):.4f} over seeds {args.seeds}"
        )


if __name__ == "__main__":
    main()
