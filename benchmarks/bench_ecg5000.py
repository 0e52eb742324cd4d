"""ECG5000 protocol of DESIGN.md: AutoencoderDetector against the baselines.

80/20 split stratified on normal vs anomaly (random_state=21), MinMaxScaler
and detector in one Pipeline fitted on the normal training beats, metrics on
the test split with the anomaly class as positive. The autoencoder runs with
its default parameters for several seeds; the baselines run once in the same
run.

Run: python benchmarks/bench_ecg5000.py [--seeds 0 1 2]
"""

import argparse
import statistics
import time

from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from _common import machine_info
from sklearn_recon import AutoencoderDetector
from sklearn_recon._baselines import baselines
from sklearn_recon._protocol import ecg5000_split, evaluate

COLUMNS = ("roc_auc", "pr_auc", "precision", "recall", "f1")


def run(name, detector, X_normal, X_test, y_test):
    start = time.perf_counter()
    pipe = make_pipeline(MinMaxScaler(), detector).fit(X_normal)
    seconds = time.perf_counter() - start
    metrics = evaluate(pipe, X_test, y_test)
    cells = " | ".join(f"{metrics[c]:.4f}" for c in COLUMNS)
    print(f"| {name} | {cells} | {seconds:.1f} |", flush=True)
    return metrics


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    print(machine_info())
    X_train, X_test, y_train, y_test = ecg5000_split()
    X_normal = X_train[y_train == 1]
    print(f"train: {len(X_normal)} normal beats; test: {len(X_test)} beats, "
          f"{(y_test == -1).sum()} anomalies")
    print("| detector | ROC-AUC | PR-AUC | precision | recall | F1 | fit s |")
    print("|---|---|---|---|---|---|---|")
    for name, detector in baselines().items():
        run(name, detector, X_normal, X_test, y_test)
    results = [
        run(f"AutoencoderDetector (seed {seed})", AutoencoderDetector(random_state=seed),
            X_normal, X_test, y_test)
        for seed in args.seeds
    ]
    for column in ("roc_auc", "pr_auc"):
        values = [r[column] for r in results]
        print(f"AutoencoderDetector {column}: median {statistics.median(values):.4f}, "
              f"min {min(values):.4f} over seeds {args.seeds}")


if __name__ == "__main__":
    main()
