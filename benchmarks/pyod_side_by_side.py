"""How do PyOD's AutoEncoder and VAE compare with ours at the same epochs?

The ECG5000 protocol (the normal training beats, MinMax-scaled; scored on
the test beats). Each library's default network at PyOD's default epochs,
ours without early stopping so both run the same epochs; ROC-AUC, PR-AUC,
fit seconds, seconds per epoch and rows/s scored. Needs PyOD
(``pip install ".[benchmarks]"``); without it, the section says so.

Run: python benchmarks/pyod_side_by_side.py [--quick]
Feeds the "PyOD, side by side" section of RESULTS.md (``run_all.py --studies pyod``).
"""

import time

from _common import finish, machine_info, parser, progress, quiet
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, VAEDetector
from sklearn_recon._studies._protocol import ecg5000_split, markdown_table

COLUMNS = [
    ("roc_auc", "ROC-AUC", "{:.4f}"),
    ("pr_auc", "PR-AUC", "{:.4f}"),
    ("fit_seconds", "fit s", "{:.1f}"),
    ("s_per_epoch", "s/epoch", "{:.2f}"),
    ("rows_per_second", "rows/s scored", "{:,.0f}"),
]


def timed(fit, score, X_train, X_test, anomaly):
    """ROC-AUC, PR-AUC, fit seconds and rows/s of one fit and one scoring."""
    start = time.perf_counter()
    fit(X_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    anomaly_score = score(X_test)
    score_seconds = time.perf_counter() - start
    return {
        "roc_auc": roc_auc_score(anomaly, anomaly_score),
        "pr_auc": average_precision_score(anomaly, anomaly_score),
        "fit_seconds": fit_seconds,
        "rows_per_second": len(X_test) / score_seconds,
    }


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    quiet()
    print(machine_info(), flush=True)
    try:
        import pyod
        import torch
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.vae import VAE
    except ImportError as exc:
        print(f"  skipped: {exc}")
        section = (
            "## PyOD, side by side\n\nNot run: PyOD could not be imported "
            f'(`{exc}`); `pip install ".[benchmarks]"` installs it.\n'
        )
        return finish("pyod_side_by_side", section)
    X_train, X_test, y_train, y_test = ecg5000_split()
    scaler = MinMaxScaler().fit(X_train[y_train == 1])
    X_normal = scaler.transform(X_train[y_train == 1])
    X_test, anomaly = scaler.transform(X_test), y_test == -1
    ae_epochs, vae_epochs = (2, 2) if args.quick else (10, 30)  # PyOD's defaults
    pairs = [
        (
            "PyOD AutoEncoder (defaults)",
            ae_epochs,
            AutoEncoder(epoch_num=ae_epochs, random_state=0, verbose=0),
        ),
        (
            "AutoencoderDetector (defaults, no early stopping)",
            ae_epochs,
            AutoencoderDetector(epochs=ae_epochs, early_stopping=False, random_state=0),
        ),
        ("PyOD VAE (defaults)", vae_epochs, VAE(epoch_num=vae_epochs, random_state=0, verbose=0)),
        (
            "VAEDetector (defaults, no early stopping)",
            vae_epochs,
            VAEDetector(epochs=vae_epochs, early_stopping=False, random_state=0),
        ),
    ]
    rows = []
    for label, epochs, model in pairs:
        if label.startswith("PyOD"):
            score = model.decision_function  # higher = more abnormal
        else:

            def score(X, model=model):
                return -model.score_samples(X)

        result = timed(model.fit, score, X_normal, X_test, anomaly)
        result["s_per_epoch"] = result["fit_seconds"] / epochs
        label = f"{label}, {epochs} epochs"
        progress(label, result)
        rows.append((label, result))
    section = "\n".join(
        [
            "## PyOD, side by side\n",
            f"PyOD {pyod.__version__} (PyTorch {torch.__version__}, "
            f"{torch.get_num_threads()} threads) against ours on the ECG5000 protocol "
            f"(the normal training beats, MinMax-scaled; scored on the {len(X_test)} test "
            "beats). Each library's default network (PyOD: "
            "AutoEncoder 64-32 with batch norm and dropout, VAE 128-64-32 with a "
            "2-d latent space; ours: 32-16-8, and 64-32 with an 8-d latent space) "
            "at PyOD's default epochs, ours without early stopping so both run the "
            "same epochs. Fit times include each library's set-up (PyOD "
            "standardises its input). `python benchmarks/pyod_side_by_side.py`.\n",
            markdown_table(rows, COLUMNS),
            "",
        ]
    )
    return finish("pyod_side_by_side", section, dict(rows))


if __name__ == "__main__":
    main()
