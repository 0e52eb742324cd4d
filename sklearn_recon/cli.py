"""The ``sklearn-recon`` command line."""

import argparse
import sys
import time


def _demo(args):
    import numpy as np
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from . import AutoencoderDetector
    from ._protocol import ecg5000_split, evaluate

    print("ECG5000, 80/20 stratified split (random_state=21); class 1 is normal.")
    X_train, X_test, y_train, y_test = ecg5000_split()
    print(
        f"Training AutoencoderDetector on {np.sum(y_train == 1)} normal beats, "
        f"up to {args.epochs} epochs ..."
    )
    start = time.perf_counter()
    detector = make_pipeline(
        MinMaxScaler(),
        AutoencoderDetector(epochs=args.epochs, random_state=args.random_state),
    ).fit(X_train[y_train == 1])
    fit_seconds = time.perf_counter() - start
    metrics = evaluate(detector, X_test, y_test)
    scores = detector.score_samples(X_test)
    print(f"Fitted in {fit_seconds:.1f} s ({detector[-1].n_iter_} epochs).")
    print(f"Test beats: {len(X_test)} ({np.sum(y_test == -1)} anomalies)")
    print("Scores (higher = more normal), first five test beats:")
    for score, label in zip(scores[:5], y_test[:5]):
        kind = "normal " if label == 1 else "anomaly"
        print(f"  {kind}  {score:+.4f}")
    print(f"Threshold on the reconstruction error: {detector[-1].threshold_:.4f}")
    print("Anomaly class as positive:")
    for name, value in metrics.items():
        print(f"  {name:<10} {value:.3f}")
    return 0


def main(argv=None):
    """Run the ``sklearn-recon`` command line."""
    parser = argparse.ArgumentParser(
        prog="sklearn-recon", description="Deep anomaly detectors for scikit-learn."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="train the autoencoder on the bundled ECG5000 and print its scores"
    )
    demo.add_argument("--epochs", type=int, default=200, help="maximum epochs (default 200)")
    demo.add_argument("--quick", action="store_true", help="at most 30 epochs")
    demo.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        if args.quick:
            args.epochs = min(args.epochs, 30)
        return _demo(args)
    return 2  # pragma: no cover - argparse enforces a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
