"""The ``sklearn-recon`` command line.

``sklearn-recon demo`` runs the main job on the bundled ECG5000;
``sklearn-recon fit`` and ``sklearn-recon score`` let someone who does not
write Python train a detector on their own table or series and score new
rows; ``sklearn-recon export`` writes a saved model as one inference graph.

One module per command (``_demo``, ``_fit``, ``_score``, ``_export``), the
parser in ``_parser``, the checks of the input tables in ``_tables`` and the
handling of TensorFlow's log lines on standard error in ``_stderr``. What
``fit`` stores with the model for ``score`` (the column roles, the drift
reference) goes into the model file as metadata
(``sklearn_recon.save(..., metadata=...)``).

Importing this package is cheap: scikit-learn, pandas and TensorFlow load
only inside the commands.
"""

import sys

from ._common import DEMO_DETECTORS, FIT_DETECTORS, SCORE_COLUMNS, CLIError
from ._demo import run_demo
from ._export import run_export
from ._fit import run_fit
from ._parser import build_parser
from ._score import run_score
from ._stderr import _TF_LOG_LINE, quiet_tensorflow  # noqa: F401 (tests read it)

__all__ = ["CLIError", "DEMO_DETECTORS", "FIT_DETECTORS", "SCORE_COLUMNS", "main"]

#: Kept for callers of the former single module.
_parser = build_parser


def main(argv=None):
    """Run the ``sklearn-recon`` command line; return the exit status."""
    import warnings

    args = build_parser().parse_args(argv)
    commands = {"demo": run_demo, "fit": run_fit, "score": run_score, "export": run_export}
    prefix = f"sklearn-recon {args.command}"

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"{prefix}: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings(), quiet_tensorflow(args.verbose):
        warnings.showwarning = show_warning  # one line each; restored on exit
        try:
            return commands[args.command](args)
        except CLIError as exc:
            print(f"{prefix}: error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
