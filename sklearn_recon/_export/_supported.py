"""What export supports, in the words of its error messages."""

_SCALERS = "StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler and SimpleImputer"


def _supported():
    """What export supports, naming the detectors of the registry."""
    from ..utils._registry import entries

    names = ", ".join(entry.name for entry in entries(kind="detector"))
    return (
        f"export supports a fitted detector of sklearn-recon ({names}), a "
        "ThresholdSelector or CostThreshold around one, and Pipelines of them "
        f"after scikit-learn's {_SCALERS} (numeric, without add_indicator), "
        "with FrozenEstimator and 'passthrough' steps allowed"
    )
