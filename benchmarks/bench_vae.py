"""VAEDetector on the ECG5000 protocol of ARCHITECTURE.md.

Fits ``make_pipeline(MinMaxScaler(), VAEDetector(...))`` on the normal
training beats and prints ROC-AUC and PR-AUC (anomaly class positive),
precision / recall / F1 of the anomaly class at the detector's own
threshold, the epochs run and the fit seconds, once per seed.

Run: python benchmarks/bench_vae.py [--seeds 0 1] [name=value ...]

Without ``name=value`` pairs it measures the defaults; pairs override
parameters for tuning trials (values are read as Python literals), e.g.
``python benchmarks/bench_vae.py beta=0.01 latent_dim=16``.
"""

import argparse
import ast
import time

from _common import machine_info
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import VAEDetector
from sklearn_recon._studies._protocol import ecg5000_split, evaluate


def parse_params(pairs):
    params = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("params", nargs="*", help="name=value overrides")
    args = parser.parse_args()
    params = parse_params(args.params)

    print(machine_info())
    print(f"VAEDetector({', '.join(f'{k}={v!r}' for k, v in params.items())})")
    X_train, X_test, y_train, y_test = ecg5000_split()
    X_normal = X_train[y_train == 1]
    for seed in args.seeds:
        pipe = make_pipeline(MinMaxScaler(), VAEDetector(random_state=seed, **params))
        start = time.perf_counter()
        pipe.fit(X_normal)
        fit_seconds = time.perf_counter() - start
        metrics = evaluate(pipe, X_test, y_test)
        detector = pipe[-1]
        history = detector.history_
        best = detector.best_epoch_ if hasattr(detector, "best_epoch_") else -1
        print(
            f"random_state={seed}: ROC-AUC {metrics['roc_auc']:.4f}  "
            f"PR-AUC {metrics['pr_auc']:.4f}  precision {metrics['precision']:.3f}  "
            f"recall {metrics['recall']:.3f}  F1 {metrics['f1']:.3f}  | "
            f"{detector.n_iter_} epochs (best {best}), fit {fit_seconds:.1f} s | "
            f"final reconstruction_loss {history['reconstruction_loss'][best]:.5f}, "
            f"kl_loss {history['kl_loss'][best]:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
