"""``sklearn-recon fit``: train a detector on a table or a series and save it."""

import time

from ..utils._formatting import percent
from ..utils._registry import by_cli_name, get_class
from ._common import FIT_DETECTORS, CLIError
from ._stderr import load_keras
from ._tables import (
    anomaly_rows,
    check_columns,
    check_missing,
    check_time_order,
    convert_errors,
    describe_labels,
    features,
    flatten,
    read_table,
)


def run_fit(args):
    import numpy as np
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    import sklearn_recon

    from ..monitoring import drift_reference

    entry = by_cli_name(args.detector)
    supervised, series = entry.supervised, args.window is not None
    if supervised and args.label_column is None:
        raise CLIError(
            f"--detector {args.detector} learns from labels: pass --label-column "
            "(and --anomaly-label, default -1, or --normal-label)"
        )
    if supervised and series:
        raise CLIError(
            f"--detector {args.detector} learns from labelled rows; --window trains on "
            "the series alone: choose among "
            f"{', '.join(n for n in FIT_DETECTORS if not by_cli_name(n).supervised)}"
        )
    if args.label_column is None and (args.anomaly_label is not None or args.normal_label):
        option = "--anomaly-label" if args.anomaly_label is not None else "--normal-label"
        raise CLIError(f"{option} needs --label-column, the column that holds the labels")
    if args.stride is not None and not series:
        raise CLIError("--stride needs --window (series mode)")
    frame = read_table(args.data, args.rows)
    ids, times, dropped = (flatten(v) for v in (args.id_column, args.time_column, args.drop))
    label = [] if args.label_column is None else [args.label_column]
    check_columns(
        frame,
        args.data,
        {"--id-column": ids, "--time-column": times, "--drop": dropped, "--label-column": label},
    )
    X = features(frame, args.data, ids + times + dropped + label)
    check_missing(X, args.data, args.impute != "none")
    if series:
        check_time_order(frame, times, args.data)
    kept_out = [
        f"{c} ({role})"
        for role, columns in (("id", ids), ("time", times), ("label", label), ("dropped", dropped))
        for c in columns
    ]
    print(
        f"Features: {X.shape[1]} numeric columns"
        + (f"; kept out: {', '.join(kept_out)}" if kept_out else "")
        + "."
    )

    anomaly_label = "-1" if args.anomaly_label is None else args.anomaly_label
    labelled = describe_labels(anomaly_label, args.normal_label)
    fit_params, X_fit, y = {}, X, None
    if label:
        is_anomaly = anomaly_rows(
            frame[args.label_column],
            args.label_column,
            anomaly_label=anomaly_label,
            normal_labels=args.normal_label,
        )
        if supervised:
            y = np.where(is_anomaly, -1, 1)
            print(f"Training on all {len(X)} rows, {is_anomaly.sum()} {labelled} (anomalies).")
        elif series:
            # a series keeps every step: the windows over anomalies weigh 0
            fit_params["sample_weight"] = np.where(is_anomaly, 0.0, 1.0)
            print(
                f"Training on a series of {len(X)} time steps"
                + (
                    f"; the windows over the {is_anomaly.sum()} steps {labelled} are left out."
                    if is_anomaly.any()
                    else "."
                )
            )
        else:
            X_fit = X[~is_anomaly]
            if args.normal_label:
                kept = f"labelled {' or '.join(args.normal_label)}"
            else:
                kept = f"not labelled {anomaly_label}"
            print(f"Training on the {len(X_fit)} rows {kept}.")
    elif series:
        print(f"Training on a series of {len(X)} time steps.")

    load_keras(args.verbose)
    detector_class = get_class(entry)
    params = {"random_state": args.random_state, "verbose": args.verbose}
    if supervised:
        params["anomaly_label"] = -1  # y above codes the anomalies as -1
    if args.epochs is not None:
        params["epochs"] = args.epochs
    detector = detector_class(**params)
    if series:
        from ..windows import WindowedDetector

        detector = WindowedDetector(detector, window_size=args.window, stride=args.stride or 1)
    steps = [] if args.impute == "none" else [SimpleImputer(strategy=args.impute)]
    steps += {"minmax": [MinMaxScaler()], "standard": [StandardScaler()], "none": []}[args.scaler]
    model = make_pipeline(*steps, detector)
    fit_params = {f"{model.steps[-1][0]}__{k}": v for k, v in fit_params.items()}
    start = time.perf_counter()
    with convert_errors(args.data):
        if supervised:
            model.fit(X_fit, y, **fit_params)
        else:
            model.fit(X_fit, **fit_params)
    seconds = time.perf_counter() - start
    reference = drift_reference(model, X_fit)
    what = "rows"
    if series:
        window = model[-1].window_size_
        how = "estimated period" if args.window == "auto" else "--window"
        name = (
            f"WindowedDetector({detector_class.__name__}, windows of {window} "
            f"steps from the {how}, stride {model[-1].stride})"
        )
        what = "time steps"
    else:
        name = detector_class.__name__
    from ..utils._response import get_threshold

    print(
        f"Fitted {name} on {len(X_fit)} {what} x {X.shape[1]} columns in {seconds:.1f} s; "
        f"threshold {get_threshold(model):.6g}, above which lie "
        f"{percent(reference.expected_share)} of the training {what}."
    )
    # what score needs to know, stored in the model file next to the model
    sklearn_recon.save(
        model,
        args.out,
        metadata={
            "cli_settings": {
                "id_columns": ids,
                "time_columns": times,
                "label_column": args.label_column,
                "anomaly_label": anomaly_label,
                "normal_labels": args.normal_label,
                "impute": args.impute,
            },
            "drift_reference": reference,
        },
    )
    print(f"Saved to {args.out}")
    return 0
