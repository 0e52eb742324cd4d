"""How do the detectors compare on ECG5000 under the protocol of ARCHITECTURE.md?

80/20 split stratified on normal vs anomaly (``random_state=21``),
``MinMaxScaler`` + detector in one Pipeline fitted on the normal training
beats (the supervised RNN classifier on all labelled training beats),
metrics on the test beats with the anomaly class positive; precision,
recall and F1 at each detector's own threshold; rows/s of ``score_samples``
over 20,000 rows. Detectors by their protocol names (``--detectors``,
default: all) in their benchmark configurations
(``sklearn_recon._studies._protocol.protocol_detectors``); the seeded ones once per
seed, the deterministic baselines once. The fits run one after the other in
one process, so the first pays the process's first trace.

``--params`` tries configurations: each is ``name=value`` pairs separated
by commas (Python literals; ``""`` is the protocol's configuration), set on
every detector of ``--detectors``, e.g. a sweep of the VAE::

    python benchmarks/ecg5000_detectors.py --detectors vae --seeds 0 1 2 \\
        --params "" "mahalanobis_weight=0" "mahalanobis_weight=0.5"

Run: python benchmarks/ecg5000_detectors.py [--quick] [--seeds 0 1 2]
     [--detectors autoencoder lof ...] [--params CONFIG ...]
Feeds the "ECG5000" section of RESULTS.md (``run_all.py --studies ecg5000``).
"""

from _common import finish, machine_info, parse_params, parser, progress, quiet

from sklearn_recon._studies._protocol import (
    DEEP_DETECTORS,
    DETECTORS,
    SUPERVISED,
    below_lof,
    ecg5000_split,
    markdown_table,
    protocol_detectors,
    run_detector,
)

SEEDED = (*DEEP_DETECTORS, "iforest")


def compare(names, seeds, configs=("",), size="full"):
    """``(label, name, result)`` for each detector, configuration and seed."""
    split = ecg5000_split()
    runs = []
    for config in configs:
        params = parse_params(config)
        for seed in seeds:
            detectors = protocol_detectors(names, size=size, random_state=seed)
            for name, (label, detector) in detectors.items():
                if name not in SEEDED and seed != seeds[0]:
                    continue  # deterministic baselines: once is enough
                _, result = run_detector(
                    detector.set_params(**params),
                    split,
                    supervised=name in SUPERVISED,
                    n_score_rows=20_000,
                )
                if config:
                    label = f"{label}, {config}"
                if len(seeds) > 1 and name in SEEDED:
                    label = f"{label}, seed {seed}"
                if "n_iter" in result:
                    label = f"{label} ({result['n_iter']} epochs)"
                progress(label, result)
                runs.append((name, label, result))
    return runs


def section(runs, seeds, size="full"):
    """The "ECG5000" section of RESULTS.md."""
    _, _, y_train, y_test = ecg5000_split()
    deep = [name for name, _, _ in runs if name in DEEP_DETECTORS]
    limits = ", ".join(
        f"{label.split()[0]} {detector.epochs}"
        for label, detector in protocol_detectors(dict.fromkeys(deep), size=size).values()
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
        f"(`protocol_detectors` in `sklearn_recon/_studies/_protocol.py`); seeds {seeds}. "
        "`python benchmarks/ecg5000_detectors.py --seeds "
        f"{' '.join(map(str, seeds))}`.\n",
        markdown_table([(label, result) for _, label, result in runs]),
        "",
    ]
    below = below_lof(runs, digits=5)
    if below is not None:
        text.append(below + "\n")
    return "\n".join(text)


def main(argv=None):
    args_parser = parser(__doc__, seeds=[0])
    args_parser.add_argument("--detectors", nargs="+", choices=DETECTORS, default=list(DETECTORS))
    args_parser.add_argument("--params", nargs="+", default=[""], help="configurations to try")
    args = args_parser.parse_args(argv)
    quiet()
    print(machine_info(), flush=True)
    size = "quick" if args.quick else "full"
    runs = compare(args.detectors, args.seeds, args.params, size)
    figures = [
        dict(name=name, label=label, **{k: v for k, v in r.items() if k != "anomaly_score"})
        for name, label, r in runs
    ]
    return finish("ecg5000_detectors", section(runs, args.seeds, size), figures)


if __name__ == "__main__":
    main()
