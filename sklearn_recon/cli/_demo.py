"""``sklearn-recon demo``: the main job on the bundled ECG5000."""

from ._stderr import load_keras


def run_demo(args):
    import json
    import warnings
    from pathlib import Path

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    from .._studies._protocol import (
        DEEP_DETECTORS,
        SUPERVISED,
        below_lof,
        describe_environment,
        ecg5000_split,
        environment,
        markdown_table,
        protocol_detectors,
        run_detector,
    )

    size = "quick" if args.quick else "demo"
    detectors = protocol_detectors(
        args.detectors, size=size, epochs=args.epochs, random_state=args.random_state
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    split = X_train, X_test, y_train, y_test = ecg5000_split()
    print(
        "ECG5000, 80/20 split stratified on normal vs anomaly (random_state=21): "
        f"{np.sum(y_train == 1)} normal training beats ({len(X_train)} with labels "
        f"for the supervised RNN), {len(X_test)} test beats "
        f"({np.sum(y_test == -1)} anomalies). MinMaxScaler + detector.",
        flush=True,
    )
    if any(name in DEEP_DETECTORS for name in detectors):
        print("Loading Keras and TensorFlow ...", flush=True)
        load_keras(args.verbose)
    results, pipelines = {}, {}
    for i, (name, (label, detector)) in enumerate(detectors.items(), start=1):
        epochs = detector.get_params().get("epochs")
        if name in DEEP_DETECTORS:  # Keras progress bars; the baselines stay quiet
            detector.set_params(verbose=args.verbose)
        limit = f", up to {epochs} epochs" if epochs else ""
        step = f"[{i}/{len(detectors)}] {label}:"
        print(f"{step} fitting{limit} ...", flush=True)
        with warnings.catch_warnings():
            # the demo's epochs are capped on purpose; the table says how many ran
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline, result = run_detector(detector, split, supervised=name in SUPERVISED)
        ran = f" ({result['n_iter']} epochs)" if "n_iter" in result else ""
        print(
            f"{step} done in {result['fit_seconds']:.1f} s{ran}, ROC-AUC {result['roc_auc']:.4f}",
            flush=True,
        )
        results[name] = dict(result, label=label, max_epochs=epochs)
        pipelines[name] = pipeline

    table = markdown_table([(r["label"], r) for r in results.values()])
    below = below_lof([(name, r["label"], r) for name, r in results.items()])
    print()
    print(table)
    if below is not None:
        print(below)

    env = environment()
    options = {
        "detectors": list(detectors),
        "quick": args.quick,
        "epochs": args.epochs,
        "random_state": args.random_state,
    }
    report = {
        **env,
        "options": options,
        "data": "ECG5000, 80/20 split stratified on normal vs anomaly, random_state=21",
        "results": {
            name: {k: v for k, v in r.items() if k != "anomaly_score"}
            for name, r in results.items()
        },
    }
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    command = "sklearn-recon demo " + " ".join(
        ([f"--detectors {','.join(detectors)}"])
        + (["--quick"] if args.quick else [])
        + ([f"--epochs {args.epochs}"] if args.epochs else [])
        + [f"--random-state {args.random_state}"]
    )
    (out / "results.md").write_text(
        "# sklearn-recon demo: ECG5000\n\n"
        f"{describe_environment(env)}\n\n`{command}`\n\n"
        "Anomaly class as positive; precision, recall and F1 at each detector's "
        "own threshold; rows/s of `score_samples` on the test beats.\n\n"
        f"{table}\n" + (f"\n{below}\n" if below is not None else "")
    )
    written = ["results.md", "results.json"]
    if not args.no_plots:
        written += _demo_plots(results, pipelines, X_test, y_test, out)
    print(f"\nWrote {', '.join(written)} to {out}/")
    return 0


def _demo_plots(results, pipelines, X_test, y_test, out):
    """ROC and precision-recall curves of every detector, and the test errors
    and reconstructions of the first reconstruction detector; file names
    written."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no plots (pip install matplotlib).")
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

    anomaly = y_test == -1
    metric_names = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC"}
    written = []
    plots = (
        (
            RocCurveDisplay,
            "roc_auc",
            "roc.png",
            "ROC curves",
            "false positive rate (log)",
            "true positive rate",
        ),
        (
            PrecisionRecallDisplay,
            "pr_auc",
            "precision_recall.png",
            "Precision-recall curves",
            "recall",
            "precision (from 0.5)",
        ),
    )
    for display, metric, filename, title, xlabel, ylabel in plots:
        fig, ax = plt.subplots(figsize=(8, 6))
        for r in results.values():
            curve = display.from_predictions(
                anomaly, r["anomaly_score"], name=r["label"], pos_label=True, ax=ax
            )
            curve.line_.set_label(f"{r['label']} ({metric_names[metric]} {r[metric]:.4f})")
        ax.set_aspect("auto")
        if display is RocCurveDisplay:
            # the curves differ at false positive rates below 0.1
            ax.set_xscale("log")
            ax.set_xlim(1e-3, 1)
        else:
            # and at precisions above 0.5
            ax.set_ylim(0.5, 1.01)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower right" if display is RocCurveDisplay else "lower left")
        ax.set_title(f"ECG5000 test beats, anomaly class positive: {title}")
        fig.savefig(out / filename, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(filename)
    written += _reconstruction_plots(pipelines, X_test, y_test, out)
    return written


def _reconstruction_plots(pipelines, X_test, y_test, out):
    """Errors and reconstructions of the first detector that reconstructs."""
    import matplotlib.pyplot as plt
    import numpy as np

    from ..plotting import ErrorDisplay, ReconstructionDisplay
    from ..utils._response import final_estimator

    reconstructing = [
        p for p in pipelines.values() if hasattr(final_estimator(p)[0], "reconstruct")
    ]
    if not reconstructing:
        return []
    pipeline = reconstructing[0]
    display = ErrorDisplay.from_estimator(pipeline, X_test, y_test)
    display.figure_.savefig(out / "errors.png", dpi=100, bbox_inches="tight")
    plt.close(display.figure_)
    # the first two normal and the first two anomalous test beats
    rows = [*np.flatnonzero(y_test == 1)[:2], *np.flatnonzero(y_test == -1)[:2]]
    display = ReconstructionDisplay.from_estimator(pipeline, X_test, index=rows, y=y_test)
    display.figure_.savefig(out / "reconstruction.png", dpi=100, bbox_inches="tight")
    plt.close(display.figure_)
    return ["errors.png", "reconstruction.png"]
