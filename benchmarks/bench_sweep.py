"""Parameter sweep of one detector on the ECG5000 protocol, seeds 0-2, in one process.

Each configuration is ``name=value`` pairs separated by commas (values are
Python literals; an empty string is the defaults). Printed per configuration:
fit seconds, test ROC-AUC and epochs run for each seed. The fits run one
after the other in one process, so the first pays the process's first trace.

Run::

    python benchmarks/bench_sweep.py AutoencoderDetector "" "batch_size=128,learning_rate=0.004"
"""

import ast
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sklearn_recon  # noqa: E402
from sklearn_recon._studies._protocol import ecg5000_split, run_detector  # noqa: E402


def parse(config):
    """``"a=1,b=(2, 3)"`` as a dict of literals."""
    tree = ast.parse(f"dict({config})", mode="eval").body
    return {keyword.arg: ast.literal_eval(keyword.value) for keyword in tree.keywords}


def main():
    warnings.filterwarnings("ignore")
    name, *configs = sys.argv[1:]
    detector_class = getattr(sklearn_recon, name)
    split = ecg5000_split()
    for config in configs or [""]:
        params = parse(config)
        cells = []
        for seed in (0, 1, 2):
            detector = detector_class(random_state=seed, **params)
            _, result = run_detector(detector, split, supervised=name == "RNNClassifierDetector")
            cells.append(
                f"{result['fit_seconds']:.1f} s {result['roc_auc']:.4f} "
                f"({result.get('n_iter')} epochs)"
            )
        print(f"{params or 'defaults'}: {' | '.join(cells)}", flush=True)


if __name__ == "__main__":
    main()
