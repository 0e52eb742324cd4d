"""How fast, how large and how faithful are the exported graphs (ONNX, SavedModel)?

For two pipelines fitted on the ECG5000 protocol of ARCHITECTURE.md (the normal
training beats), ``make_pipeline(MinMaxScaler(), AutoencoderDetector(...))``
and ``make_pipeline(MinMaxScaler(), LSTMAutoencoderDetector(...))``, each
exported with ``sklearn_recon.export`` as an ONNX file and as a TensorFlow
SavedModel, prints and returns:

- the export seconds and the sizes of the ONNX file, the SavedModel
  directory and, for comparison, the ``sklearn_recon.save`` file;
- rows scored per second on 1 row (median of ``--calls`` calls) and on
  ``--rows`` rows (the test beats tiled; median of ``--repeat`` runs) by
  ``decision_function`` on float64 rows and on float32 rows, by the ONNX
  graph in onnxruntime (float32; default session options unless
  ``--ort-threads``) and by the SavedModel's ``serving_default`` signature
  (float32), all in the same run, the engines interleaved in each repeat so
  that the load of the (shared) machine falls on all of them alike. The
  graphs get the rows in batches of 8192, as ``decision_function`` scores
  them: a graph's memory grows with its batch (single calls on 100,000 rows
  of the LSTM autoencoder's graphs ran this 24 GB machine out of memory);
- the largest absolute difference between the graphs' ``score`` and
  ``decision`` and the estimator's ``score_samples`` and
  ``decision_function`` on the 1000 test beats (float64 rows), and the
  number of test beats whose ``flag`` differs from ``predict``.

With ``--vae``, instead: the default ``make_pipeline(MinMaxScaler(),
VAEDetector(random_state=0))`` fitted on the normal training beats, its ONNX
graph against ``score_samples`` on all 5000 beats: rows beyond rtol 1e-5
(elementwise, and of the largest score), the largest absolute difference.

Run: python benchmarks/export_fidelity.py [--quick] [--epochs 20] [--rows 100000]
     [--repeat 5] [--calls 200] [--ort-threads 0] [--vae]
Feeds the "Export (ONNX, SavedModel)" section of RESULTS.md (``run_all.py
--studies export``).
"""

import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import finish, machine_info, parser, quiet
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, LSTMAutoencoderDetector, export, save
from sklearn_recon._studies._protocol import ecg5000_split

#: Rows per call of a graph: the batch decision_function scores at a time.
BATCH_SIZE = 8192


def _kib(path):
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024
    return path.stat().st_size / 1024


def _interleaved_medians(engines, repeat):
    """Median seconds of each engine over ``repeat`` rounds, one call each per round."""
    times = {name: [] for name in engines}
    for _ in range(repeat):
        for name, fn in engines.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def _engines(model, onnx_path, saved_model_path, ort_threads):
    """name -> function of float64 rows X and their float32 copy X32."""
    import onnxruntime
    import tensorflow as tf

    options = onnxruntime.SessionOptions()
    if ort_threads:
        options.intra_op_num_threads = ort_threads
    session = onnxruntime.InferenceSession(
        os.fspath(onnx_path), options, providers=["CPUExecutionProvider"]
    )
    serve = tf.saved_model.load(os.fspath(saved_model_path)).signatures["serving_default"]

    def batched(fn):
        def run(X, X32):
            for start in range(0, len(X32), BATCH_SIZE):
                fn(X32[start : start + BATCH_SIZE])

        return run

    return (
        {
            "decision_function (float64)": lambda X, X32: model.decision_function(X),
            "decision_function (float32)": lambda X, X32: model.decision_function(X32),
            "ONNX in onnxruntime": batched(lambda x: session.run(None, {"X": x})),
            "SavedModel": batched(lambda x: serve(X=tf.constant(x))),
        },
        session,
        serve,
    )


def _agreement(model, session, serve, X_test):
    """Largest differences of the graphs' outputs to the estimator's on X_test."""
    import tensorflow as tf

    score = model.score_samples(X_test)
    decision = model.decision_function(X_test)
    labels = model.predict(X_test)
    X32 = X_test.astype(np.float32)
    onnx_out = dict(
        zip(["score", "decision", "flag"], session.run(["score", "decision", "flag"], {"X": X32}))
    )
    saved = {k: v.numpy() for k, v in serve(X=tf.constant(X32)).items()}
    result = {}
    for name, out in (("onnx", onnx_out), ("saved_model", saved)):
        result[name] = {
            "max_abs_score": float(np.max(np.abs(out["score"] - score))),
            "max_abs_decision": float(np.max(np.abs(out["decision"] - decision))),
            "max_rel_score": float(np.max(np.abs(out["score"] - score) / np.abs(score))),
            "flags_differ": int(np.sum(out["flag"] != labels)),
        }
    result["max_abs_score_of_estimator"] = float(np.max(np.abs(score)))
    return result


def bench_model(name, model, X_test, folder, *, rows, repeat, calls, ort_threads):
    """Export ``model`` both ways and measure it; print and return the figures."""
    print(f"\n{name}")
    folder = Path(folder)
    onnx_path, saved_model_path, skr_path = (
        folder / "model.onnx",
        folder / "saved_model",
        folder / "model.skr",
    )
    start = time.perf_counter()
    export(model, onnx_path)
    onnx_seconds = time.perf_counter() - start
    start = time.perf_counter()
    export(model, saved_model_path, format="saved_model")
    saved_model_seconds = time.perf_counter() - start
    save(model, skr_path)
    sizes = {"onnx": _kib(onnx_path), "saved_model": _kib(saved_model_path), "skr": _kib(skr_path)}
    print(
        f"  export: ONNX {onnx_seconds:.1f} s, {sizes['onnx']:.1f} KiB; SavedModel "
        f"{saved_model_seconds:.1f} s, {sizes['saved_model']:.1f} KiB (directory); "
        f"sklearn_recon.save file {sizes['skr']:.1f} KiB"
    )

    engines, session, serve = _engines(model, onnx_path, saved_model_path, ort_threads)
    speeds = {}
    for n_rows, n_repeat in ((1, calls), (rows, repeat)):
        X = np.resize(X_test, (n_rows, X_test.shape[1]))
        X32 = X.astype(np.float32)
        for fn in engines.values():  # warm up: tracing, first allocations
            fn(X[:1], X32[:1])
        seconds = _interleaved_medians(
            {k: (lambda fn=fn: fn(X, X32)) for k, fn in engines.items()}, n_repeat
        )
        speeds[n_rows] = {k: n_rows / s for k, s in seconds.items()}
        print(f"  {n_rows:,} row(s), median of {n_repeat}:")
        base = speeds[n_rows]["decision_function (float64)"]
        for k, speed in speeds[n_rows].items():
            extra = f" ({1e3 / speed:.2f} ms per call)" if n_rows == 1 else ""
            print(f"    {k:28s} {speed:>14,.0f} rows/s  {speed / base:5.2f}x{extra}")

    agreement = _agreement(model, session, serve, X_test)
    for fmt in ("onnx", "saved_model"):
        a = agreement[fmt]
        print(
            f"  {fmt} vs the estimator on {len(X_test)} test beats (float64): max "
            f"|score diff| {a['max_abs_score']:.3g} (largest |score| "
            f"{agreement['max_abs_score_of_estimator']:.3g}; max relative "
            f"{a['max_rel_score']:.3g}), max |decision diff| "
            f"{a['max_abs_decision']:.3g}, flags differing {a['flags_differ']}"
        )
    return {
        "name": name,
        "export_seconds": {"onnx": onnx_seconds, "saved_model": saved_model_seconds},
        "kib": sizes,
        "rows_per_second": {str(n): s for n, s in speeds.items()},
        "repeat": {"1": calls, str(rows): repeat},
        "agreement": agreement,
        "test_rows": len(X_test),
    }


def export_study(epochs=20, rows=100_000, repeat=3, calls=200, ort_threads=0):
    """Fit both pipelines, export and measure them; print and return the figures.

    Returns a dict: ``epochs``, ``rows``, ``ort_threads``, ``machine`` and
    ``models``, one dict per pipeline (as :func:`bench_model` returns: export
    seconds, KiB, rows per second at 1 and ``rows`` rows per engine, the
    agreement figures).
    """
    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    X_train, X_test, y_train, _ = ecg5000_split()
    normal = X_train[y_train == 1]
    machine = machine_info()
    print(machine)
    print(
        f"onnxruntime {onnxruntime.__version__}, tf2onnx {tf2onnx.__version__}, "
        f"TensorFlow {tf.__version__}"
    )
    pipelines = {
        f"make_pipeline(MinMaxScaler(), {cls.__name__}(epochs={epochs}))": cls(
            epochs=epochs, random_state=0
        )
        for cls in (AutoencoderDetector, LSTMAutoencoderDetector)
    }
    models = []
    with tempfile.TemporaryDirectory() as folder:
        for name, detector in pipelines.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = make_pipeline(MinMaxScaler(), detector).fit(normal)
            fit_seconds = time.perf_counter() - start
            print(
                f"\nFitted {name} on {len(normal)} normal beats in {fit_seconds:.1f} s "
                f"({model[-1].n_iter_} epochs)"
            )
            sub = Path(folder) / str(len(models))
            sub.mkdir()
            result = bench_model(
                name,
                model,
                X_test,
                sub,
                rows=rows,
                repeat=repeat,
                calls=calls,
                ort_threads=ort_threads,
            )
            result.update(fit_seconds=fit_seconds, n_iter=model[-1].n_iter_)
            models.append(result)
    return {
        "epochs": epochs,
        "rows": rows,
        "ort_threads": ort_threads,
        "machine": machine,
        "models": models,
    }


def section(study):
    """The "Export (ONNX, SavedModel)" section of RESULTS.md."""
    lines = [
        "## Export (ONNX, SavedModel)\n",
        "`python benchmarks/export_fidelity.py`: each pipeline fitted on the ECG5000 "
        f"protocol's normal training beats ({study['epochs']} epochs), exported with "
        "`sklearn_recon.export` to ONNX (run in onnxruntime) and to a SavedModel, and "
        "scored on 1 row and on "
        f"{study['rows']:,} rows beside `decision_function` on float64 and float32 "
        "input, in batches of 8192 rows for every engine; medians of interleaved "
        "runs in the same process, so the ratios are the figures to trust on a "
        "shared machine.\n",
        "| pipeline | rows | engine | rows/s | x decision_function (float64) |",
        "|---|---|---|---|---|",
    ]
    for model in study["models"]:
        for n_rows, speeds in model["rows_per_second"].items():
            base = speeds["decision_function (float64)"]
            for engine, speed in speeds.items():
                lines.append(
                    f"| `{model['name']}` | {int(n_rows):,} | {engine} | {speed:,.0f} | "
                    f"{speed / base:.2f} |"
                )
    lines += [
        "",
        "| pipeline | ONNX file | SavedModel directory | `save` file | largest "
        "\\|score difference\\|, ONNX / SavedModel | flags differing |",
        "|---|---|---|---|---|---|",
    ]
    for model in study["models"]:
        a = model["agreement"]
        lines.append(
            f"| `{model['name']}` | {model['kib']['onnx']:.1f} KiB | "
            f"{model['kib']['saved_model']:.1f} KiB | {model['kib']['skr']:.1f} KiB | "
            f"{a['onnx']['max_abs_score']:.2g} / {a['saved_model']['max_abs_score']:.2g} "
            f"(largest \\|score\\| {a['max_abs_score_of_estimator']:.3g}) | "
            f"{a['onnx']['flags_differ']} / {a['saved_model']['flags_differ']} |"
        )
    return "\n".join(lines) + "\n"


def vae_agreement(epochs=None):
    """The default VAE pipeline's ONNX scores against ``score_samples``."""
    import onnxruntime
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_recon import VAEDetector, export
    from sklearn_recon._studies._protocol import ecg5000_split
    from sklearn_recon.datasets import load_ecg5000

    X_train, _, y_train, _ = ecg5000_split()
    detector = VAEDetector(random_state=0)
    if epochs is not None:
        detector.set_params(epochs=epochs)
    pipeline = make_pipeline(MinMaxScaler(), detector).fit(X_train[y_train == 1])
    X = load_ecg5000().data
    scores = pipeline.score_samples(X)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vae.onnx"
        export(pipeline, path)
        session = onnxruntime.InferenceSession(str(path))
        graph = session.run(["score"], {"X": X.astype(np.float32)})[0]
    difference = np.abs(graph - scores)
    largest = np.max(np.abs(scores))
    figures = {
        "rows": len(X),
        "beyond_rtol_elementwise": int(np.sum(difference > 1e-5 * np.abs(scores))),
        "beyond_rtol_of_largest": int(np.sum(difference > 1e-5 * largest)),
        "worst_abs_difference": float(difference.max()),
        "worst_over_largest": float(difference.max() / largest),
    }
    lines = [
        "## Export of the VAE (ONNX against score_samples)",
        "",
        "`python benchmarks/export_fidelity.py --vae`. " + machine_info(),
        "",
        "| rows | beyond rtol 1e-5, elementwise | beyond 1e-5 of the largest score "
        "| largest abs difference | largest / largest score |",
        "|---|---|---|---|---|",
        f"| {figures['rows']} | {figures['beyond_rtol_elementwise']} "
        f"| {figures['beyond_rtol_of_largest']} | {figures['worst_abs_difference']:.2g} "
        f"| {figures['worst_over_largest']:.2g} |",
    ]
    return "\n".join(lines) + "\n", figures


def main(argv=None):
    args_parser = parser(__doc__)
    args_parser.add_argument("--epochs", type=int, default=20)
    args_parser.add_argument("--rows", type=int, default=100_000)
    args_parser.add_argument("--repeat", type=int, default=5, help="runs of --rows rows")
    args_parser.add_argument("--calls", type=int, default=200, help="calls on one row")
    args_parser.add_argument(
        "--ort-threads",
        type=int,
        default=0,
        help="onnxruntime intra-op threads (0: its default, one per core)",
    )
    args_parser.add_argument(
        "--vae", action="store_true", help="the default VAE's export agreement instead"
    )
    args = args_parser.parse_args(argv)
    quiet()
    if args.vae:
        section_text, figures = vae_agreement(epochs=2 if args.quick else None)
        return finish("export_fidelity-vae", section_text, figures)
    if args.quick:
        args.epochs, args.rows, args.repeat, args.calls = 2, 10_000, 2, 20
    study = export_study(
        epochs=args.epochs,
        rows=args.rows,
        repeat=args.repeat,
        calls=args.calls,
        ort_threads=args.ort_threads,
    )
    return finish("export_fidelity", section(study), study)


if __name__ == "__main__":
    main()
