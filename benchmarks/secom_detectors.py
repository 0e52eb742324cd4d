"""How do the detectors compare on SECOM, split by time and stratified?

UCI SECOM (``load_secom``), a fail is the anomaly. Two splits, 2/3 to train
(passes only) and 1/3 to test: by time (the rows are in time order, the
first runs train) and stratified on pass/fail (``random_state=0``).
Pipeline ``SimpleImputer(strategy="median")``, ``VarianceThreshold()``
(drops the constant columns), ``StandardScaler()``, detector, with the
detectors' ECG5000 protocol configurations.

Run: python benchmarks/secom_detectors.py [--quick]
Feeds the "SECOM" section of RESULTS.md (``run_all.py --studies secom``).
"""

from _common import (
    finish,
    machine_info,
    parser,
    progress,
    quiet,
    secom_preprocessing,
    secom_splits,
)

from sklearn_recon._studies._protocol import (
    TABLE_COLUMNS,
    markdown_table,
    protocol_detectors,
    run_detector,
)

DETECTORS = ("autoencoder", "vae", "lof", "ocsvm", "pca", "iforest")


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    quiet()
    print(machine_info(), flush=True)
    splits = secom_splits()
    rows = []
    for how, split in splits.items():
        print(f" {how}:", flush=True)
        size = "quick" if args.quick else "full"
        for label, detector in protocol_detectors(DETECTORS, size=size).values():
            _, result = run_detector(detector, split, preprocessing=secom_preprocessing())
            if "n_iter" in result:
                label = f"{label} ({result['n_iter']} epochs)"
            label = f"{how}: {label}"
            progress(label, result)
            rows.append((label, result))
    columns = [c for c in TABLE_COLUMNS if c[0] != "rows_per_second"]
    _, _, y_train, test = splits["by time"]
    n_train, n_test = len(y_train), len(test)
    section = "\n".join(
        [
            "## SECOM\n",
            "UCI SECOM (`load_secom`), a fail is the anomaly. Two splits, 2/3 to "
            f"train ({n_train} runs, passes only) and 1/3 to test ({n_test} "
            f"runs): by time (the first runs train; {(test == -1).sum()} fails in the "
            "test part), and stratified on pass/fail (`random_state=0`). Pipeline "
            '`SimpleImputer(strategy="median")`, `VarianceThreshold()` (drops '
            "constant columns), `StandardScaler()`, detector, fitted on the "
            "training passes only. The detectors' ECG5000 configurations. "
            "`python benchmarks/secom_detectors.py`.\n",
            markdown_table(rows, columns, first="split: detector"),
            "",
        ]
    )
    figures = {label: {k: v for k, v in r.items() if k != "anomaly_score"} for label, r in rows}
    return finish("secom_detectors", section, figures)


if __name__ == "__main__":
    main()
