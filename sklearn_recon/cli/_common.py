"""What every command of the command line shares: its error and its names."""

from ..utils._registry import entries

#: Detector names of ``sklearn-recon demo --detectors``: the registry's
#: detectors and baselines that have a command-line name.
DEMO_DETECTORS = tuple(entry.cli_name for entry in entries(cli=True))


#: Detector names of ``sklearn-recon fit --detector``: our detectors of the
#: registry that have a command-line name.
FIT_DETECTORS = tuple(entry.cli_name for entry in entries(kind="detector", cli=True))


#: The columns ``score`` writes after the copied identifier and time columns.
SCORE_COLUMNS = ("score", "decision", "flag")


class CLIError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""
