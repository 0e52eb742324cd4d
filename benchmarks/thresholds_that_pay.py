"""Thresholds that pay: CostThreshold's no-regret rule, and calibrated false alarms.

Three studies, each with the business costs of the paper-mill study (FP 5,
FN 100, TP 5, TN 0), every choice made on training and validation data only
and the test part scored once:

- **paper mill**, split by time as in ``_papermill.py``: the chosen
  configuration of ``papermill_cost.py`` (three autoencoders on the
  training part, their mean score), its threshold chosen on the validation
  part by ``CostThreshold(FrozenEstimator(...))``; the bar: test cost at
  most the base cost (every warning missed);
- **SECOM**, split by time (the first 2/3 of the runs to choose, the last
  third to test): ``CostThreshold(Pipeline(imputer, variance filter,
  scaler, AutoencoderDetector()), cv=TimeSeriesSplit(5))`` on the first 2/3;
  the bar: test cost at most the base cost;
- **ECG5000**, the protocol of ARCHITECTURE.md (anomaly = positive):
  ``CostThreshold(Pipeline(MinMaxScaler(), AutoencoderDetector()), cv=5)`` on
  the labelled training beats; the bar: a test saving of at least 90 % of
  the saving of the best threshold chosen on the test part itself (the
  oracle, on the same fitted model's scores).

Each study reports ``confidence=0.9`` (the default) beside ``confidence=None``
(the plain least held-out cost, the behaviour before), on the same fitted
models. Then the realised false-alarm rate on the test normals of
``contamination=0.05`` (the 95th percentile of the training errors) against
``ThresholdSelector(method="conformal", alpha=0.05)``, on ECG5000's test normal
beats and SECOM's test passes.

Run: python benchmarks/thresholds_that_pay.py [--studies papermill secom ecg5000 far]
"""

import copy
import time
import warnings

import numpy as np
import papermill_cost
from _common import finish, machine_info, met, parser, quiet, secom_preprocessing, secom_splits
from _papermill import COSTS, PaperMill
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_recon import AutoencoderDetector, CostThreshold, ThresholdSelector
from sklearn_recon._studies._protocol import ecg5000_split
from sklearn_recon.metrics import cost_curve, total_cost
from sklearn_recon.threshold._rules import best_index, lower_bound, threshold_between

STUDIES = ("papermill", "secom", "ecg5000", "far")


def _cost(y, y_pred, anomaly_label):
    return total_cost(y, y_pred, **COSTS, anomaly_label=anomaly_label)


def _both(model, X_fit, y_fit, X_test, y_test, anomaly_label):
    """``model`` fitted with confidence 0.9 and, on the same detector, None.

    Returns one row per rule: the held-out saving and its lower bound, the
    chosen threshold, and the test cost and saving against the base cost.
    """
    rows = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        careful = model.set_params(confidence=0.9).fit(X_fit, y_fit)
    said = [str(w.message) for w in caught if "flags nothing" in str(w.message)]
    eager = _least_cost(careful)
    base = _cost(y_test, np.full(len(y_test), _normal_label(y_test, anomaly_label)), anomaly_label)
    for rule, fitted in (("confidence=0.9", careful), ("confidence=None", eager)):
        test_cost = _cost(y_test, fitted.predict(X_test), anomaly_label)
        rows[rule] = {
            "held_out_saving": fitted.saving_,
            "held_out_lower_bound": fitted.saving_lower_bound_,
            "cross_fitted_saving": float(fitted.cross_fitted_savings_.sum()),
            "cross_fitted_lower_bound": float(
                lower_bound(fitted.cross_fitted_savings_[:, None], 0.9)[0]
            ),
            "held_out_base": fitted.base_cost_,
            "threshold": fitted.best_threshold_,
            "test_cost": float(test_cost),
            "test_base": float(base),
            "test_saving": float(base - test_cost),
            "alarms": int((fitted.predict(X_test) == anomaly_label).sum()),
        }
    rows["confidence=0.9"]["warning"] = said[0] if said else None
    return rows, careful


def _least_cost(fitted):
    """A copy of the fitted CostThreshold with the threshold of least held-out
    cost, as ``confidence=None`` chooses it on the same held-out curve."""
    results = fitted.cv_results_
    thresholds = results["thresholds"]
    index = best_index(-results["costs"])
    eager = copy.copy(fitted)
    eager.best_threshold_ = threshold_between(thresholds[index], thresholds)
    eager.saving_ = float(results["savings"][index])
    eager.saving_lower_bound_ = float(results["saving_lower_bounds"][index])
    return eager


def _normal_label(y, anomaly_label):
    return next(label for label in np.unique(y) if label != anomaly_label)


def _print(study, rows):
    for rule, r in rows.items():
        print(
            f"{study}, {rule}: held-out saving {r['held_out_saving']:.0f} (lower bound "
            f"{r['held_out_lower_bound']:.0f}, base {r['held_out_base']:.0f}; "
            f"cross-fitted {r['cross_fitted_saving']:.0f}, lower bound "
            f"{r['cross_fitted_lower_bound']:.0f}); test cost "
            f"{r['test_cost']:.0f} against the base {r['test_base']:.0f} (saving "
            f"{r['test_saving']:.0f}, {100 * r['test_saving'] / r['test_base']:.1f} %), "
            f"{r['alarms']} alarms",
            flush=True,
        )
        if r.get("warning"):
            print(f"  warning: {r['warning']}")


def papermill(epochs=30):
    """Paper mill: the models of papermill_cost.py, thresholds on validation."""
    mill = PaperMill()
    X, y = mill.rows(fit_on="train", **papermill_cost.CANDIDATES[papermill_cost.CHOSEN])
    models = [papermill_cost.train(X["fit"], y["fit"], seed, epochs) for seed in (0, 1, 2)]
    ensemble = papermill_cost.SeedEnsemble(models)
    model = CostThreshold(FrozenEstimator(ensemble), **COSTS, anomaly_label=1)
    rows, _ = _both(model, X["validation"], y["validation"], X["test"], y["test"], 1)
    _print("paper mill", rows)
    careful = rows["confidence=0.9"]
    return {"rows": rows, "bar_met": careful["test_cost"] <= careful["test_base"]}


def secom(random_state=0):
    """SECOM by time: TimeSeriesSplit folds choose, the last third tests."""
    X_fit, X_test, y_fit, y_test = secom_splits()["by time"]
    model = CostThreshold(
        make_pipeline(*secom_preprocessing(), AutoencoderDetector(random_state=random_state)),
        **COSTS,
        cv=TimeSeriesSplit(5),
        anomaly_label=-1,
    )
    rows, careful = _both(model, X_fit, y_fit, X_test, y_test, -1)
    # the held-out folds' ROC-AUC, to see how much ranking there is to trust
    _print("SECOM", rows)
    careful = rows["confidence=0.9"]
    return {"rows": rows, "bar_met": careful["test_cost"] <= careful["test_base"]}


def ecg5000(random_state=0):
    """ECG5000: thresholds chosen on 5 folds of the training beats; oracle on test."""
    X_train, X_test, y_train, y_test = ecg5000_split()
    model = CostThreshold(
        make_pipeline(MinMaxScaler(), AutoencoderDetector(random_state=random_state)),
        **COSTS,
        cv=5,
        anomaly_label=-1,
    )
    rows, careful = _both(model, X_train, y_train, X_test, y_test, -1)
    scores = -careful.estimator_.score_samples(X_test)
    costs, _ = cost_curve(y_test, scores, **COSTS, anomaly_label=-1)
    oracle = float(costs[-1] - costs.min())
    for r in rows.values():
        r["oracle_saving"] = oracle
        r["share_of_oracle"] = r["test_saving"] / oracle
    _print("ECG5000", rows)
    share = rows["confidence=0.9"]["share_of_oracle"]
    print(
        f"ECG5000: oracle saving on the test beats {oracle:.0f}; CostThreshold's "
        f"test saving is {100 * share:.1f} % of it"
    )
    return {"rows": rows, "oracle_saving": oracle, "bar_met": share >= 0.9}


def false_alarms(random_state=0):
    """Realised false-alarm rate on test normals: contamination vs conformal."""
    result = {}
    X_train, X_test, y_train, y_test = ecg5000_split()
    X_secom, X_secom_test, y_secom, y_secom_test = secom_splits()["by time"]
    cases = {
        "ECG5000 test normals": (
            lambda det: make_pipeline(MinMaxScaler(), det),
            X_train[y_train == 1],
            X_test[y_test == 1],
        ),
        "SECOM test passes (by time)": (
            lambda det: make_pipeline(*secom_preprocessing(), det),
            X_secom[y_secom == 1],
            X_secom_test[y_secom_test == 1],
        ),
    }
    for name, (wrap, X_normal, X_new) in cases.items():
        own = wrap(AutoencoderDetector(contamination=0.05, random_state=random_state))
        own.fit(X_normal)
        conformal = ThresholdSelector(
            wrap(AutoencoderDetector(random_state=random_state)),
            method="conformal",
            alpha=0.05,
            random_state=random_state,
        ).fit(X_normal)
        rates = {
            "contamination=0.05": float(np.mean(own.predict(X_new) == -1)),
            "conformal, alpha=0.05": float(np.mean(conformal.predict(X_new) == -1)),
            "training rows flagged by contamination=0.05": float(
                np.mean(own.predict(X_normal) == -1)
            ),
            "n_new_normal": len(X_new),
            "n_calibration": len(conformal.calibration_scores_),
        }
        print(
            f"{name} ({len(X_new)} rows): false-alarm rate with contamination=0.05 "
            f"{rates['contamination=0.05']:.3f} (training rows: "
            f"{rates['training rows flagged by contamination=0.05']:.3f}); with the "
            f"conformal threshold (alpha=0.05, {rates['n_calibration']} held-out normal "
            f"rows) {rates['conformal, alpha=0.05']:.3f}",
            flush=True,
        )
        result[name] = rates
    return {"cases": result}


def thresholds_study(studies=STUDIES, epochs=30):
    """Run ``studies``; returns their figures by name (for run_all.py)."""
    runs = {
        "papermill": lambda: papermill(epochs),
        "secom": secom,
        "ecg5000": ecg5000,
        "far": false_alarms,
    }
    result = {}
    for name in studies:
        start = time.perf_counter()
        print(f"\n== {name} ==", flush=True)
        result[name] = runs[name]()
        result[name]["seconds"] = time.perf_counter() - start
    return result


NAMES = {
    "papermill": "paper mill (split by time)",
    "secom": "SECOM (split by time)",
    "ecg5000": "ECG5000 (ARCHITECTURE.md protocol)",
}


def section(study):
    """The "Thresholds that pay" section of RESULTS.md (every study run)."""
    lines = [
        "## Thresholds that pay\n",
        "`python benchmarks/thresholds_that_pay.py` (its docstring says exactly what "
        "runs). Costs FP 5, FN 100, TP 5, TN 0; every choice on training and validation "
        "data, the test part scored once. `CostThreshold(confidence=0.9)` (the default) "
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
    for key, name in NAMES.items():
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
        f"{met(study['papermill']['bar_met'])}; SECOM, test cost at most the base "
        f"cost: {met(study['secom']['bar_met'])}; ECG5000, a test saving of at least "
        f"90 % of the oracle's (the least cost on the test scores themselves, saving "
        f"{ecg['oracle_saving']:.0f}): {100 * share:.1f} %, {met(ecg['bar_met'])}.\n",
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


def main(argv=None):
    args_parser = parser(__doc__)
    args_parser.add_argument("--studies", nargs="+", choices=STUDIES, default=list(STUDIES))
    args_parser.add_argument("--epochs", type=int, default=30, help="paper-mill epochs")
    args = args_parser.parse_args(argv)
    quiet()
    print(machine_info())
    start = time.perf_counter()
    study = thresholds_study(args.studies, 2 if args.quick else args.epochs)
    print(f"\n{time.perf_counter() - start:.0f} s")
    every_study = set(args.studies) == set(STUDIES)
    return finish("thresholds_that_pay", section(study) if every_study else None, study)


if __name__ == "__main__":
    main()
