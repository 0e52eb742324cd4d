"""Deep anomaly detectors for scikit-learn, backed by Keras 3.

Importing the package is cheap: Keras and TensorFlow load only when a
network is built, trained or restored.
"""

from ._version import __version__
from .autoencoder import AutoencoderDetector
from .lstm import LSTMAutoencoderDetector, LSTMForecastDetector

__all__ = [
    "AutoencoderDetector",
    "LSTMAutoencoderDetector",
    "LSTMForecastDetector",
    "__version__",
]
