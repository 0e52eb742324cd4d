"""How well does the windowed LSTM autoencoder find the discord of one UCR ECG, point by point?

``WindowedDetector(LSTMAutoencoderDetector(n_channels=2), window_size=128,
fit_stride=8)`` on the UCR discord ECG ``qtdbsel102``: trained on the
standardised train rows, point-level ROC-AUC and PR-AUC on the test rows (no
point adjustment), window scores averaged onto time points, then maximised
(same fit). Seeds are fixed; timings depend on the machine and its load,
which is printed.

Run: python benchmarks/ucr_point_level.py [--quick]
Feeds the "UCR discord ECG ``qtdbsel102`` (point level)" section of
RESULTS.md (``run_all.py --studies ucr``). The LSTM autoencoder on ECG5000
is ``ecg5000_detectors.py --detectors lstm lof``; its epoch against bare
Keras is in ``core_speed.py``.
"""

import time

import numpy as np
import pandas as pd
from _common import DATA_DIR, finish, machine_info, parser
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from sklearn_recon import LSTMAutoencoderDetector
from sklearn_recon.windows import WindowedDetector

UCR_FILE = DATA_DIR / "ucr_discords" / "ecg_qtdbsel102.csv.gz"


def bench_ucr(window_size=128, fit_stride=8, epochs=30):
    """Print the UCR discord figures and return them as a dict."""
    print("\n== UCR discord ECG qtdbsel102, WindowedDetector ==")
    data = pd.read_csv(UCR_FILE)
    train = data.loc[data["split"] == "train", ["ch1", "ch2"]]
    test = data.loc[data["split"] == "test", ["ch1", "ch2"]]
    label = data.loc[data["split"] == "test", "label"].to_numpy()
    scaler = StandardScaler().fit(train)
    train_s, test_s = scaler.transform(train), scaler.transform(test)
    print(f"train {len(train)} steps, test {len(test)} steps, {label.sum()} labelled")
    detector = WindowedDetector(
        LSTMAutoencoderDetector(n_channels=2, epochs=epochs, random_state=0),
        window_size=window_size,
        fit_stride=fit_stride,
        aggregate="mean",
    )
    print(detector)
    start = time.perf_counter()
    detector.fit(train_s)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    scores = detector.score_samples(test_s)
    score_s = time.perf_counter() - start
    anomaly = -scores
    top = np.argsort(anomaly)[::-1][: label.sum()]
    result = {
        "train_steps": len(train),
        "test_steps": len(test),
        "labelled": int(label.sum()),
        "fit_stride": fit_stride,
        "epochs": detector.detector_.n_iter_,
        "fit_seconds": fit_s,
        "score_seconds": score_s,
        "mean": {
            "roc_auc": roc_auc_score(label, anomaly),
            "pr_auc": average_precision_score(label, anomaly),
        },
    }
    print(
        f"fit {fit_s:.1f} s ({detector.detector_.n_iter_} epochs), score {score_s:.1f} s; "
        f"point ROC-AUC {roc_auc_score(label, anomaly):.4f}, "
        f"PR-AUC {average_precision_score(label, anomaly):.4f}; "
        f"share of labelled points among the {label.sum()} top-scoring: "
        f"{label[top].mean():.2f}; predicted anomalies: "
        f"{(detector.predict(test_s) == -1).sum()}"
    )
    for how in ("max",):
        detector.set_params(aggregate=how)
        anomaly = -detector.score_samples(test_s)
        result[how] = {
            "roc_auc": roc_auc_score(label, anomaly),
            "pr_auc": average_precision_score(label, anomaly),
        }
        print(
            f"aggregate={how!r} (same fit): point ROC-AUC "
            f"{roc_auc_score(label, anomaly):.4f}, "
            f"PR-AUC {average_precision_score(label, anomaly):.4f}"
        )
    return result


def section(r):
    """The "UCR discord ECG qtdbsel102 (point level)" section of RESULTS.md."""
    return "\n".join(
        [
            "## UCR discord ECG `qtdbsel102` (point level)\n",
            "`WindowedDetector(LSTMAutoencoderDetector(n_channels=2), window_size=128, "
            f"fit_stride={r['fit_stride']})`, trained on the "
            f"{r['train_steps']} training steps (standardised), scored on the "
            f"{r['test_steps']} test steps ({r['labelled']} labelled anomalous); "
            "window scores averaged (or maximised) onto time points, no point "
            "adjustment. `python benchmarks/ucr_point_level.py`.\n",
            "| aggregate | point ROC-AUC | point PR-AUC | epochs | fit s | score s |",
            "|---|---|---|---|---|---|",
            f"| mean | {r['mean']['roc_auc']:.4f} | {r['mean']['pr_auc']:.4f} | "
            f"{r['epochs']} | {r['fit_seconds']:.0f} | {r['score_seconds']:.1f} |",
            f"| max (same fit) | {r['max']['roc_auc']:.4f} | {r['max']['pr_auc']:.4f} | | | |",
            "",
        ]
    )


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    print(machine_info())
    r = bench_ucr(fit_stride=64, epochs=1) if args.quick else bench_ucr()
    return finish("ucr_point_level", section(r), r)


if __name__ == "__main__":
    main()
