"""Deep anomaly detectors for scikit-learn, backed by Keras 3.

Importing the package is cheap: the public names load on first use
(PEP 562), scikit-learn when an estimator is first named, and Keras and
TensorFlow only when a network is built, trained or restored.
"""

import importlib

from ._version import __version__

# public name -> the module that defines it
_PUBLIC = {
    "AutoencoderDetector": "autoencoder",
    "CostThreshold": "threshold",
    "LSTMAutoencoderDetector": "lstm",
    "LSTMForecastDetector": "lstm",
    "RNNClassifierDetector": "rnn",
    "ThresholdSelector": "threshold",
    "VAEDetector": "vae",
    "WindowedDetector": "windows",
    "export": "_export",
    "load": "_persistence",
    "make_cost_scorer": "metrics",
    "save": "_persistence",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])
