"""Which features make a row anomalous."""

from ._contributions import feature_contributions

__all__ = ["feature_contributions"]
