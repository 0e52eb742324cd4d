"""Every figure the README quotes, in one run; writes benchmarks/RESULTS.md.

Run from the repository root::

    python benchmarks/run_all.py [--quick] [--seeds 0 1] [--studies ...] [--update]
                                 [--out benchmarks/RESULTS.md]

Studies, each in the same run:

- ECG5000, the protocol of ARCHITECTURE.md (``sklearn_recon._studies._protocol``): the
  four deep detectors with their benchmark configurations and the four
  scikit-learn baselines, once per seed; rows/s of ``score_samples`` over
  20,000 rows (the test beats repeated).
- SECOM (``load_secom``, fail = anomaly): split by time, the first 2/3 of
  the runs train (passes only), the last 1/3 test; pipeline
  ``SimpleImputer(median)``, ``VarianceThreshold`` (drops the constant
  columns), ``StandardScaler``, detector.
- Paper mill (``papermill``): the cost study of ``bench_papermill_cost.py``,
  its chosen configuration (``CHOSEN``: input, 3 seeds and their ensemble,
  thresholds by ``CostThreshold`` and by best F1 chosen on the validation
  part) rerun and evaluated once on the test part; and (``papermill-rnn``)
  the supervised RNN classifier of ``bench_rnn.py papermill`` with its
  chosen input, likewise. The candidates compared on the validation part,
  and why the chosen ones won, are in those scripts' docstrings; run_all
  does not rerun the comparisons.
- UCR discord ``ecg_qtdbsel102``: point-level ROC-AUC and PR-AUC of
  ``WindowedDetector(LSTMAutoencoderDetector)`` (``bench_lstm.py ucr``).
- UCR discords (``discords``): the 16 labelled discord series, our deep
  detectors and the Sub- baselines in ``WindowedDetector(window_size="auto")``,
  VUS-PR ranks and top-1 hits (``bench_discords.py``).
- Speed: ``bench_core.py`` (fit, one-row latency, throughput against NumPy)
  and ``bench_lstm.py epoch`` (an LSTM epoch against bare Keras).
- PyOD's ``AutoEncoder`` and ``VAE`` timed against ours at the same epochs
  when ``import pyod`` works (``pip install ".[benchmarks]"``).
- Trust (``trust``): ``bench_load.py`` (10,000,000 float32 rows scored, rows/s
  and peak memory above the input; 8 threads on one detector against the
  serial results; needs about 6 GB free) and ``bench_save.py`` (``save`` /
  ``load`` round trip of two pipelines, refusal of altered files).

``--studies`` picks some of them; with ``--update`` their sections replace
the same sections of an existing results file and the others stay.

``--quick`` runs everything with a few epochs as a smoke test: its figures
are not results, and it writes to ``RESULTS-quick.md`` unless ``--out``
says otherwise.
"""

import argparse
import os
import re
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import bench_core
import bench_discords
import bench_export
import bench_load
import bench_lstm
import bench_papermill_cost
import bench_rnn
import bench_save
import bench_thresholds
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import VarianceThreshold
from sklearn.impute import SimpleImputer
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_recon import AutoencoderDetector, VAEDetector
from sklearn_recon._studies._protocol import (
    DEEP_DETECTORS,
    DETECTORS,
    SUPERVISED,
    TABLE_COLUMNS,
    below_lof,
    describe_environment,
    ecg5000_split,
    environment,
    markdown_table,
    protocol_detectors,
    run_detector,
)
from sklearn_recon.datasets import load_secom

HERE = os.path.dirname(os.path.abspath(__file__))
STUDIES = (
    "ecg5000",
    "secom",
    "papermill",
    "papermill-rnn",
    "thresholds",
    "ucr",
    "discords",
    "speed",
    "export",
    "pyod",
    "trust",
)


def _progress(label, result):
    print(
        f"  {label}: fit {result['fit_seconds']:.1f} s, ROC-AUC "
        f"{result['roc_auc']:.4f}, PR-AUC {result['pr_auc']:.4f}",
        flush=True,
    )


def ecg5000(size, seeds):
    """The ECG5000 protocol for every detector; returns the Markdown section."""
    print("\n== ECG5000 ==", flush=True)
    split = ecg5000_split()
    rows, runs = [], []
    for seed in seeds:
        for name, (label, detector) in protocol_detectors(
            DETECTORS, size=size, random_state=seed
        ).items():
            if name not in DEEP_DETECTORS and name != "iforest" and seed != seeds[0]:
                continue  # deterministic baselines: once is enough
            _, result = run_detector(
                detector, split, supervised=name in SUPERVISED, n_score_rows=20_000
            )
            if len(seeds) > 1 and (name in DEEP_DETECTORS or name == "iforest"):
                label = f"{label}, seed {seed}"
            if "n_iter" in result:
                label = f"{label} ({result['n_iter']} epochs)"
            _progress(label, result)
            rows.append((label, result))
            runs.append((name, label, result))
    X_train, X_test, y_train, y_test = split
    limits = ", ".join(
        f"{label.split()[0]} {detector.epochs}"
        for label, detector in protocol_detectors(DEEP_DETECTORS, size=size).values()
    )
    text = [
        "## ECG5000\n",
        "Protocol of ARCHITECTURE.md: 80/20 split stratified on normal vs anomaly "
        f"(`random_state=21`); `MinMaxScaler` + detector fitted on the "
        f"{(y_train == 1).sum()} normal training beats (the supervised RNN "
        f"classifier on all {len(y_train)} labelled training beats); metrics on "
        f"the {len(y_test)} test beats ({(y_test == -1).sum()} anomalies), anomaly "
        "class positive; precision, recall and F1 at each detector's own "
        "threshold; rows/s of `score_samples` over 20,000 rows. Deep detectors "
        "with their default parameters (early stopping on 10% of the training "
        f"beats; maximum epochs {limits}; the table gives the epochs run), the "
        "RNN classifier with `n_channels=4` "
        f"(`protocol_detectors` in `sklearn_recon/_studies/_protocol.py`); seeds {seeds}.\n",
        markdown_table(rows),
        "",
    ]
    below = below_lof(runs, digits=5)
    if below is not None:
        text.append(below + "\n")
    return "\n".join(text)


def secom(size):
    """SECOM, split by time and stratified; returns the Markdown section."""
    from sklearn.model_selection import train_test_split

    print("\n== SECOM ==", flush=True)
    data = load_secom()
    y = np.where(data.target == 1, -1, 1)  # fail = anomaly = -1
    n_train = int(len(y) * 2 / 3)  # the rows are in time order
    splits = {
        "by time": (data.data[:n_train], data.data[n_train:], y[:n_train], y[n_train:]),
        "stratified": train_test_split(
            data.data, y, train_size=n_train, stratify=y, random_state=0
        ),
    }
    names = ("autoencoder", "vae", "lof", "ocsvm", "pca", "iforest")
    rows = []
    for how, split in splits.items():
        print(f" {how}:", flush=True)
        for label, detector in protocol_detectors(names, size=size).values():
            steps = [SimpleImputer(strategy="median"), VarianceThreshold(), StandardScaler()]
            _, result = run_detector(detector, split, preprocessing=steps)
            if "n_iter" in result:
                label = f"{label} ({result['n_iter']} epochs)"
            label = f"{how}: {label}"
            _progress(label, result)
            rows.append((label, result))
    columns = [c for c in TABLE_COLUMNS if c[0] != "rows_per_second"]
    test = splits["by time"][3]
    return "\n".join(
        [
            "## SECOM\n",
            "UCI SECOM (`load_secom`), a fail is the anomaly. Two splits, 2/3 to "
            f"train ({n_train} runs, passes only) and 1/3 to test ({len(y) - n_train} "
            f"runs): by time (the first runs train; {(test == -1).sum()} fails in the "
            "test part), and stratified on pass/fail (`random_state=0`). Pipeline "
            '`SimpleImputer(strategy="median")`, `VarianceThreshold()` (drops '
            "constant columns), `StandardScaler()`, detector, fitted on the "
            "training passes only. The detectors' ECG5000 configurations.\n",
            markdown_table(rows, columns, first="split: detector"),
            "",
        ]
    )


def _met(flag):
    return "met" if flag else "**not met**"


def _bar(value, bar, better):
    """'met' or 'not met' for ``value`` against ``bar`` (``better``: "lower"/"higher")."""
    return _met(value < bar if better == "lower" else value > bar)


def papermill(size):
    """The paper-mill cost study, its chosen configuration; the Markdown section."""
    print("\n== Paper mill ==", flush=True)
    epochs = 2 if size == "quick" else 30
    r = bench_papermill_cost.cost_study([bench_papermill_cost.CHOSEN], epochs)
    name, val = r["picked"], r["validation"][r["picked"]]
    ens, base = r["test"]["ensemble"], r["test_base_cost"]
    rows = [
        f"| {label} | {t['roc_auc']:.3f} | {t['pr_auc']:.3f} | {t['cost_best_f1']:.0f} "
        f"| {t['cost_threshold']:.0f} | {t['alarms']} ({t['true_alarms']}) "
        f"| {t['saving']:.1f} % |"
        for label, t in r["test"].items()
    ]
    seeds = r["seeds"]
    rows.append(
        f"| seeds, mean +- std | | | {seeds['cost_best_f1'][0]:.0f} +- "
        f"{seeds['cost_best_f1'][1]:.0f} | {seeds['cost_threshold'][0]:.0f} +- "
        f"{seeds['cost_threshold'][1]:.0f} | | {seeds['saving'][0]:.1f} +- "
        f"{seeds['saving'][1]:.1f} % |"
    )
    return "\n".join(
        [
            "## Paper mill (cost)\n",
            "Sheet breaks, 2-minute steps (`benchmarks/_papermill.py`): the two steps "
            "before a break are positive and the break rows dropped; split by time "
            "into a training part (first half), a validation part (next sixth: "
            f"{val['rows']} rows, {val['positive']} positive, base cost "
            f"{val['base_cost']:.0f}) and a test part (last third: {r['test_rows']} rows, "
            f"{r['test_positive']} positive, base cost {base:.0f}). Costs TN 0, FP 5, "
            "FN 100, TP 5; the base cost is every warning missed. "
            "`AutoencoderDetector(hidden_units=(32, 16, 8), batch_size=256, "
            f"n_iter_no_change=5, epochs={epochs})` on the normal training rows, "
            f"input `{name}` (`CHOSEN`), seeds {r['seed_list']} and their ensemble "
            "(mean `score_samples`); both thresholds, `CostThreshold` (least cost) and "
            '`ThresholdSelector(method="f1")`, chosen on the validation part with '
            "the autoencoders frozen. The input was picked by the ensemble's "
            "validation cost among the candidates in the script's docstring "
            "(`--variants --validation-only`); here only the chosen configuration is "
            "rerun, and the test part is evaluated once. "
            "`python benchmarks/bench_papermill_cost.py`.\n",
            f"Validation, ensemble: cost at CostThreshold {val['cost']:.0f} (seeds "
            f"{', '.join(f'{c:.0f}' for c in val['seed_costs'])}) against the base "
            f"{val['base_cost']:.0f}; flags {100 * val['flagged_share']:.1f} % of the "
            f"rows, precision {val['precision']:.3f}; ROC-AUC {val['roc_auc']:.3f}; "
            f"epochs run {val['epochs']}.\n",
            "| test | ROC-AUC | PR-AUC | cost at best F1 | cost at CostThreshold "
            "| alarms (true) | saving vs base |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"The bar (CostThreshold's test cost below the base cost {base:.0f}) is "
            f"{_bar(ens['cost_threshold'], base, 'lower')} by the ensemble: "
            f"{ens['cost_threshold']:.0f}, a saving of {ens['saving']:.1f} % (negative: "
            "a loss); single seeds "
            f"{seeds['cost_threshold'][0]:.0f} +- {seeds['cost_threshold'][1]:.0f}.\n",
        ]
    )


def papermill_rnn(size):
    """The supervised RNN classifier on paper-mill windows; the Markdown section."""
    print("\n== Paper mill, RNN classifier ==", flush=True)
    epochs = 2 if size == "quick" else 30
    r = bench_rnn.bench_papermill(epochs=epochs)
    name, val = r["picked"], r["validation"][r["picked"]]
    params = bench_rnn.CANDIDATES[name]
    published, ens, seeds = r["published"], r["test"]["ensemble"], r["seeds"]
    rows = [
        f"| {label} | {t['roc_auc']:.4f} | {t['pr_auc']:.4f} | {t['f1']:.4f} |"
        for label, t in r["test"].items()
    ]
    rows.append(
        "| seeds, mean +- std | "
        + " | ".join(f"{seeds[k][0]:.4f} +- {seeds[k][1]:.4f}" for k in ("roc_auc", "pr_auc", "f1"))
        + " |"
    )
    return "\n".join(
        [
            "## Paper mill (RNN classifier)\n",
            "The data preparation, labels and split by time of the cost study "
            f"(validation part {val['rows']} windows, {val['positive']} positive; test "
            f"part {r['test_rows']} windows, {r['test_positive']} positive). "
            f"`RNNClassifierDetector(units={params.get('units', (32,))}, "
            f"dropout={params.get('dropout', 0.2)}, anomaly_label=1, batch_size=128, "
            f"n_iter_no_change=5, epochs={epochs})` on windows of the past "
            f"{params.get('window', r['window'])} steps of input `{name}` (`CHOSEN`; "
            "`fit_lead` widens the training labels only), trained on the training part "
            f"({val['train_windows']} windows), seeds {r['seed_list']} and their "
            "ensemble (mean anomaly logit); F1 at the threshold of best F1 on the "
            "validation part. The input was picked by the ensemble's validation "
            "ROC-AUC among the candidates in the script's docstring; here only the "
            "chosen configuration is rerun, and the test part is scored once. "
            "`python benchmarks/bench_rnn.py papermill`.\n",
            f"Validation, ensemble: ROC-AUC {val['roc_auc']:.3f} (seeds "
            f"{', '.join(f'{v:.3f}' for v in val['seed_roc_auc'])}), PR-AUC "
            f"{val['pr_auc']:.3f}; epochs run {val['epochs']}.\n",
            "| test | ROC-AUC | PR-AUC | F1 |",
            "|---|---|---|---|",
            *rows,
            "",
            f"The bar (the published ROC-AUC {published['roc_auc']} and F1 "
            f"{published['f1']}, from a random split of the rows) is "
            f"{_bar(ens['roc_auc'], published['roc_auc'], 'higher')} by the ensemble's "
            f"ROC-AUC ({ens['roc_auc'] - published['roc_auc']:+.4f}) and "
            f"{_bar(ens['f1'], published['f1'], 'higher')} by its F1 "
            f"({ens['f1'] - published['f1']:+.4f}).\n",
        ]
    )


def ucr(size):
    """Point-level scores on the UCR discord ECG; returns the Markdown section."""
    if size == "quick":
        r = bench_lstm.bench_ucr(fit_stride=64, epochs=1)
    else:
        r = bench_lstm.bench_ucr()
    return "\n".join(
        [
            "## UCR discord ECG `qtdbsel102` (point level)\n",
            "`WindowedDetector(LSTMAutoencoderDetector(n_channels=2), window_size=128, "
            f"fit_stride={64 if size == 'quick' else 8})`, trained on the "
            f"{r['train_steps']} training steps (standardised), scored on the "
            f"{r['test_steps']} test steps ({r['labelled']} labelled anomalous); "
            "window scores averaged (or maximised) onto time points, no point "
            "adjustment. `python benchmarks/bench_lstm.py ucr`.\n",
            "| aggregate | point ROC-AUC | point PR-AUC | epochs | fit s | score s |",
            "|---|---|---|---|---|---|",
            f"| mean | {r['mean']['roc_auc']:.4f} | {r['mean']['pr_auc']:.4f} | "
            f"{r['epochs']} | {r['fit_seconds']:.0f} | {r['score_seconds']:.1f} |",
            f"| max (same fit) | {r['max']['roc_auc']:.4f} | {r['max']['pr_auc']:.4f} | | | |",
            "",
        ]
    )


def thresholds(size):
    """CostThreshold's no-regret rule and calibrated false alarms; the Markdown section."""
    print("\n== Thresholds that pay ==", flush=True)
    epochs = 2 if size == "quick" else 30
    study = bench_thresholds.thresholds_study(epochs=epochs)
    lines = [
        "## Thresholds that pay\n",
        "`python benchmarks/bench_thresholds.py` (its docstring says exactly what runs). "
        "Costs FP 5, FN 100, TP 5, TN 0; every choice on training and validation data, "
        "the test part scored once. `CostThreshold(confidence=0.9)` (the default) "
        "flags nothing unless the lower confidence bound of its saving over flagging "
        "nothing is positive across the held-out blocks, and so is the bound of the "
        "cross-fitted saving (each block scored with the threshold chosen on the "
        "others); `confidence=None` is the plain least held-out cost, the rule before, "
        "on the same fitted models and held-out scores. The held-out saving is that of "
        "the chosen threshold (0 when nothing is flagged); the cross-fitted saving, "
        "summed over the blocks, is the same for both rules.\n",
        "| study | rule | held-out saving (lower bound) | cross-fitted saving (lower "
        "bound) | test cost | test base cost | test saving | alarms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = {
        "papermill": "paper mill (split by time)",
        "secom": "SECOM (split by time)",
        "ecg5000": "ECG5000 (ARCHITECTURE.md protocol)",
    }
    for key, name in names.items():
        for rule, r in study[key]["rows"].items():
            lines.append(
                f"| {name} | `{rule}` | {r['held_out_saving']:.0f} "
                f"({r['held_out_lower_bound']:.0f}) | {r['cross_fitted_saving']:.0f} "
                f"({r['cross_fitted_lower_bound']:.0f}) | {r['test_cost']:.0f} | "
                f"{r['test_base']:.0f} | {r['test_saving']:.0f} "
                f"({100 * r['test_saving'] / r['test_base']:.1f} %) | {r['alarms']} |"
            )
    ecg = study["ecg5000"]
    share = ecg["rows"]["confidence=0.9"]["share_of_oracle"]
    lines += [
        "",
        "The bars: paper mill, test cost at most the base cost: "
        f"{_met(study['papermill']['bar_met'])}; SECOM, test cost at most the base "
        f"cost: {_met(study['secom']['bar_met'])}; ECG5000, a test saving of at least "
        f"90 % of the oracle's (the least cost on the test scores themselves, saving "
        f"{ecg['oracle_saving']:.0f}): {100 * share:.1f} %, {_met(ecg['bar_met'])}.\n",
        "Realised false-alarm rate on new normal rows of a detector's own "
        "`contamination=0.05` (the 95th percentile of its training errors) against "
        '`ThresholdSelector(method="conformal", alpha=0.05)` (calibrated on 30 % of '
        "the normal training rows held out), `AutoencoderDetector(random_state=0)` in "
        "the same pipelines:\n",
        "| test normals | contamination=0.05 | conformal, alpha=0.05 | training rows "
        "flagged by contamination=0.05 |",
        "|---|---|---|---|",
    ]
    for name, rates in study["far"]["cases"].items():
        lines.append(
            f"| {name} ({rates['n_new_normal']} rows) | "
            f"{rates['contamination=0.05']:.3f} | {rates['conformal, alpha=0.05']:.3f} | "
            f"{rates['training rows flagged by contamination=0.05']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def export(size):
    """ONNX and SavedModel exports beside decision_function; the Markdown section."""
    print("\n== Export ==", flush=True)
    quick = size == "quick"
    study = bench_export.export_study(
        epochs=2 if quick else 20,
        rows=10_000 if quick else 100_000,
        repeat=2 if quick else 5,
        calls=20 if quick else 200,
    )
    lines = [
        "## Export (ONNX, SavedModel)\n",
        "`python benchmarks/bench_export.py`: each pipeline fitted on the ECG5000 "
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


def discords(size):
    """The UCR discord benchmark (bench_discords.py); returns the Markdown section."""
    print("\n== UCR discords ==", flush=True)
    if size == "quick":
        study = bench_discords.discord_study(bench_discords.QUICK_SERIES, fit_windows=64, epochs=2)
    else:
        study = bench_discords.discord_study()
    return discords_section(study)


def discords_section(study):
    """The Markdown section of a ``bench_discords.discord_study()`` result."""
    bar = study["bar"]
    ours, other, hits = (
        study["summary"][bar[key]] for key in ("best_ours", "best_baseline", "most_hits_baseline")
    )
    left_out = ", ".join(f"`{name}`" for name in study["unlabelled"])
    return "\n".join(
        [
            "## UCR discords (18 series, VUS-PR)\n",
            f"`python benchmarks/bench_discords.py` ({study['minutes']:.0f} minutes, "
            f"{study['cpu_minutes']:.0f} CPU minutes of the process on 2 cores): "
            "the labelled discord series of `ucr_discords/`, a `StandardScaler` "
            "fitted on the training rows, every detector in `WindowedDetector("
            'window_size="auto", fit_stride=max(1, n_train // '
            f"{study['fit_windows']}))` (about {study['fit_windows']} training "
            "windows per series, the same for all; every test step scored, "
            "`stride=1`). Ours at their defaults; the Sub- baselines with "
            "TSB-AD's settings on the same windows, and TSB-AD's own classes "
            "(unsupervised on the test series) when `tsb-ad` is installed. VUS "
            "with `sliding_window` = the series' window. Cells: VUS-PR, `*` = "
            f"top-1 hit. Left out (no labels, no split): {left_out}.\n",
            bench_discords.markdown(study),
            "",
            f"The bar (our best, {bar['best_ours']}, mean VUS-PR rank "
            f"{ours['rank']:.2f}, against the best baseline, {bar['best_baseline']}, "
            f"{other['rank']:.2f}) is {'met' if bar['rank_met'] else '**not met**'}; "
            f"top-1 hits {ours['top1_hits']} against {hits['top1_hits']} "
            f"({bar['most_hits_baseline']}): "
            f"{'met' if bar['hits_met'] else '**not met**'}.\n",
        ]
    )


def _timed(fit, score, X_train, X_test, anomaly):
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


def pyod_comparison(size):
    """PyOD's AutoEncoder and VAE against ours; the Markdown section."""
    print("\n== PyOD ==", flush=True)
    try:
        import pyod
        import torch
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.vae import VAE
    except ImportError as exc:
        print(f"  skipped: {exc}")
        return (
            "## PyOD\n\nNot run: PyOD could not be imported "
            f'(`{exc}`); `pip install ".[benchmarks]"` installs it.\n'
        )
    X_train, X_test, y_train, y_test = ecg5000_split()
    scaler = MinMaxScaler().fit(X_train[y_train == 1])
    X_normal = scaler.transform(X_train[y_train == 1])
    X_test, anomaly = scaler.transform(X_test), y_test == -1
    ae_epochs, vae_epochs = (2, 2) if size == "quick" else (10, 30)  # PyOD's defaults
    pairs = [
        (
            "PyOD AutoEncoder (defaults)",
            ae_epochs,
            lambda: AutoEncoder(epoch_num=ae_epochs, random_state=0, verbose=0),
        ),
        (
            "AutoencoderDetector (defaults, no early stopping)",
            ae_epochs,
            lambda: AutoencoderDetector(epochs=ae_epochs, early_stopping=False, random_state=0),
        ),
        (
            "PyOD VAE (defaults)",
            vae_epochs,
            lambda: VAE(epoch_num=vae_epochs, random_state=0, verbose=0),
        ),
        (
            "VAEDetector (defaults, no early stopping)",
            vae_epochs,
            lambda: VAEDetector(epochs=vae_epochs, early_stopping=False, random_state=0),
        ),
    ]
    rows = []
    for label, epochs, make in pairs:
        model = make()
        if label.startswith("PyOD"):
            score = model.decision_function  # higher = more abnormal
        else:

            def score(X, model=model):
                return -model.score_samples(X)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = _timed(model.fit, score, X_normal, X_test, anomaly)
        result["s_per_epoch"] = result["fit_seconds"] / epochs
        label = f"{label}, {epochs} epochs"
        _progress(label, result)
        rows.append((label, result))
    columns = [
        ("roc_auc", "ROC-AUC", "{:.4f}"),
        ("pr_auc", "PR-AUC", "{:.4f}"),
        ("fit_seconds", "fit s", "{:.1f}"),
        ("s_per_epoch", "s/epoch", "{:.2f}"),
        ("rows_per_second", "rows/s scored", "{:,.0f}"),
    ]
    return "\n".join(
        [
            "## PyOD, side by side\n",
            f"PyOD {pyod.__version__} (PyTorch {torch.__version__}, "
            f"{torch.get_num_threads()} threads) against ours on the ECG5000 protocol "
            "(the normal training beats, MinMax-scaled; scored on the 1000 test "
            "beats). Each library's default network (PyOD: "
            "AutoEncoder 64-32 with batch norm and dropout, VAE 128-64-32 with a "
            "2-d latent space; ours: 32-16-8, and 64-32 with an 8-d latent space) "
            "at PyOD's default epochs, ours without early stopping so both run the "
            "same epochs. Fit times include each library's set-up (PyOD "
            "standardises its input).\n",
            markdown_table(rows, columns),
            "",
        ]
    )


def speed(size):
    """Speed of AutoencoderDetector and of an LSTM epoch; the Markdown section."""
    print("\n== Speed ==", flush=True)
    if size == "quick":
        core = bench_core.core_speed(n_fits=1, n_rows=10_000, repeat=2)
        epoch = bench_lstm.bench_epoch(n_epochs=2, n_rounds=1)
    else:
        core = bench_core.core_speed()
        epoch = bench_lstm.bench_epoch()
    rows = [
        f"| fit on ECG5000, defaults ({core['n_iter']} epochs), median of "
        f"{core['n_fits']} | {core['fit_seconds']:.1f} s | |",
        f"| `score_samples` of one row, median of 2000 calls | {core['latency_ms']:.2f} ms | |",
    ]
    for dtype in ("float64", "float32"):
        r = core[dtype]
        rows.append(
            f"| {core['n_rows']:,} {dtype} rows, `score_samples` against a NumPy "
            f"{dtype} forward pass through the same weights (medians) | "
            f"{r['ours']:.3f} s / {r['numpy']:.3f} s | {r['ratio']:.2f}x |"
        )
    rows.append(
        "| an epoch of `LSTMAutoencoderDetector` against the bare Keras network, "
        f"same layers and data (medians) | {epoch['ours']:.2f} s / "
        f"{epoch['bare']:.2f} s | {epoch['ratio']:.2f}x |"
    )
    return "\n".join(
        [
            "## Speed\n",
            "`AutoencoderDetector` on the ECG5000 protocol (`python "
            "benchmarks/bench_core.py`) and seconds per training epoch of the LSTM "
            "autoencoder (`python benchmarks/bench_lstm.py epoch`). Timings on a "
            "shared machine: the ratios, measured in the same run, are what counts.\n",
            "| what | seconds | ratio |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )


def trust(size):
    """Heavy load and the save / load round trip; the Markdown section."""
    print("\n== Trust ==", flush=True)
    quick = size == "quick"  # otherwise the scripts' defaults: 10M float32 rows
    load = bench_load.load_study(
        **(dict(rows=200_000, repeat=1, epochs=1, thread_rows=10_000) if quick else {})
    )
    saved = bench_save.save_study(**(dict(epochs=2, repeat=1) if quick else {}))
    threads = [
        f"| {load['n_threads']} threads, one freshly unpickled detector, "
        f"{t['rows']:,} {dtype} rows each | max abs. difference from serial "
        f"{t['max_diff']} | {t['seconds']:.2f} s concurrently, "
        f"{t['serial_seconds']:.2f} s for {load['n_threads']} serial calls |"
        for dtype, t in load["threads"].items()
    ]
    models = []
    for m in saved["models"]:
        refused = [
            f"{what}: {'refused' if text.startswith('refused') else '**NOT REFUSED**'}"
            for what, text in m["refusals"].items()
        ]
        models.append(
            f"| `{m['name']}` | {m['kib']:.1f} KiB ({m['joblib_kib']:.1f}) "
            f"| {m['save_seconds']:.3f} s / {m['load_seconds']:.3f} s "
            f"| {m['max_diff']} | {m['same_predictions']} | {'; '.join(refused)} |"
        )
    # The refusal names the file, in a temporary folder: keep its name only.
    message = re.sub(
        r"\S*[/\\](flipped\.skr)", r"\1", saved["models"][0]["refusals"]["flipped byte"]
    )
    return "\n".join(
        [
            "## Trust: heavy load, saving\n",
            f"`python benchmarks/bench_load.py`: `AutoencoderDetector` ({load['n_iter']} "
            f"epochs on the ECG5000 normal training beats), then `decision_function` on "
            f"{load['rows']:,} rows x 140 {load['dtype']} ({load['input_gib']:.2f} GiB, "
            "resampled test beats plus noise), one run; peak resident memory above "
            "the input sampled every 5 ms (the result array included); then the "
            f"median of {load['repeat']} runs on the first {load['small_rows']:,} rows.\n",
            "| what | figure | |",
            "|---|---|---|",
            f"| `decision_function`, {load['rows']:,} {load['dtype']} rows | "
            f"{load['rows_per_second']:,.0f} rows/s ({load['seconds']:.1f} s) | peak "
            f"{load['peak_mib']:,.0f} MiB above the input (the {load['result_mib']:,.0f} "
            "MiB result included) |",
            f"| `decision_function`, {load['small_rows']:,} rows, median | "
            f"{load['small_rows_per_second']:,.0f} rows/s | |",
            *threads,
            "",
            "`python benchmarks/bench_save.py`: `sklearn_recon.save` / `load` of two "
            f"pipelines fitted on the ECG5000 protocol (`AutoencoderDetector(epochs="
            f"{saved['epochs']})`; medians of {saved['models'][0]['repeat']} saves and "
            "loads), the largest absolute difference of the loaded pipeline's "
            f"decision values on the {saved['models'][0]['test_rows']} test beats, and "
            "`load` of the file with one byte flipped, with `estimator.json` edited in "
            "a rebuilt zip, and edited with its manifest checksum recomputed "
            f'(the first refusal reads: "{message}").\n',
            "| pipeline | file (joblib.dump) | save / load | max abs. difference "
            "| same predictions | altered files |",
            "|---|---|---|---|---|---|",
            *models,
            "",
        ]
    )


def _merge(old_text, sections):
    """Replace the sections of ``old_text`` with the same titles; append new ones."""
    header, *old = old_text.split("\n## ")
    merged = {text.splitlines()[0]: "## " + text for text in old}
    for section in sections:
        merged[section.splitlines()[0][3:]] = section
    return header, list(merged.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, few epochs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--studies", nargs="+", default=list(STUDIES), choices=STUDIES)
    parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite only these studies' sections of an existing results file",
    )
    parser.add_argument(
        "--out", help="default: benchmarks/RESULTS.md (RESULTS-quick.md with --quick)"
    )
    args = parser.parse_args()
    size = "quick" if args.quick else "full"
    out = args.out or os.path.join(HERE, "RESULTS-quick.md" if args.quick else "RESULTS.md")
    env = environment()
    print(describe_environment(env), flush=True)
    studies = {
        "ecg5000": lambda: ecg5000(size, args.seeds),
        "secom": lambda: secom(size),
        "papermill": lambda: papermill(size),
        "papermill-rnn": lambda: papermill_rnn(size),
        "ucr": lambda: ucr(size),
        "thresholds": lambda: thresholds(size),
        "discords": lambda: discords(size),
        "speed": lambda: speed(size),
        "export": lambda: export(size),
        "pyod": lambda: pyod_comparison(size),
        "trust": lambda: trust(size),
    }
    start = time.perf_counter()
    sections = []
    for name in args.studies:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sections.append(studies[name]())
    minutes = (time.perf_counter() - start) / 60
    command = ("python benchmarks/run_all.py " + " ".join(sys.argv[1:])).strip()
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    run = (
        f"- `{command}`: {env['date']}, {minutes:.0f} minutes; {env['machine']}, "
        f"Python {env['python']}; {versions}"
    )
    if args.update and os.path.exists(out):
        with open(out) as file:
            header, sections = _merge(file.read(), sections)
        # a rerun of the same command replaces its earlier line
        earlier = f"- `{command}`:"
        kept = [line for line in header.rstrip("\n").split("\n") if not line.startswith(earlier)]
        header = "\n".join(kept) + "\n" + run + "\n"
    else:
        header = "\n".join(
            [
                "# Benchmark results\n",
                "Written by `python benchmarks/run_all.py` (from the repository root). "
                "Fit times were measured on a 2-core machine shared with other jobs "
                "and are noisy; the scores are seeded. The runs that wrote the "
                "sections below (command, date, minutes, machine, versions):\n",
                run,
                "",
            ]
        )
        if args.quick:
            header = header.replace(
                "\n\n", "\n\n**Smoke run (`--quick`): few epochs, not results.**\n\n", 1
            )
    with open(out, "w") as file:
        file.write("\n".join([header, *sections]))
    print(f"\nWrote {out} ({minutes:.1f} minutes)")


if __name__ == "__main__":
    main()
