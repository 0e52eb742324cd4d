"""Every section of RESULTS.md that a script writes, in one run.

Run from the repository root::

    python benchmarks/run_all.py [--quick] [--seeds 0 1] [--studies ...] [--update]
                                 [--out benchmarks/RESULTS.md]

Each study is one script (README.md lists what each answers); this file
only calls their ``main`` in one process, one after the other, and writes
the Markdown sections they return. ``--seeds`` goes to the scripts that
take seeds; ``--quick`` to all of them (a smoke run: few epochs, its
figures are not results, written to ``RESULTS-quick.md`` unless ``--out``
says otherwise). ``--studies`` picks some; with ``--update`` their sections
replace the same sections of an existing results file and the others stay.
"""

import argparse
import importlib
import time

from _common import HERE, write_results

#: study -> the script that answers it.
STUDIES = {
    "ecg5000": "ecg5000_detectors",
    "secom": "secom_detectors",
    "papermill": "papermill_cost",
    "papermill-rnn": "papermill_rnn",
    "thresholds": "thresholds_that_pay",
    "ucr": "ucr_point_level",
    "discords": "ucr_discords",
    "speed": "core_speed",
    "export": "export_fidelity",
    "pyod": "pyod_side_by_side",
    "load": "bench_load",
    "saving": "save_load",
}
#: the studies whose scripts take ``--seeds``.
SEEDED = ("ecg5000",)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    out = args.out or HERE / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    start = time.perf_counter()
    sections = []
    for study in args.studies:
        print(f"\n== {study}: {STUDIES[study]}.py ==", flush=True)
        argv = ["--quick"] * args.quick
        if study in SEEDED:
            argv += ["--seeds", *map(str, args.seeds)]
        sections.append(importlib.import_module(STUDIES[study]).main(argv))
    minutes = (time.perf_counter() - start) / 60
    write_results(out, sections, minutes=minutes, update=args.update, quick=args.quick)
    print(f"\nWrote {out} ({minutes:.1f} minutes)")


if __name__ == "__main__":
    main()
