"""How numbers read in the package's messages and reports."""

__all__ = ["percent"]


def percent(share):
    """A share as a short percentage: 96.7%, 0.31%, 0%."""
    value = 100.0 * share
    if value == 0 or value >= 10:
        return f"{value:.0f}%" if value in (0, 100) else f"{value:.1f}%"
    return f"{value:.2g}%"
