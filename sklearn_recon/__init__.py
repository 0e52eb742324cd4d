"""Deep anomaly detectors for scikit-learn, backed by Keras 3.

Importing the package is cheap: Keras and TensorFlow load only when a
network is built, trained or restored.
"""

from ._version import __version__
from .autoencoder import AutoencoderDetector
from .lstm import LSTMAutoencoderDetector, LSTMForecastDetector
from .metrics import make_cost_scorer
from .rnn import RNNClassifierDetector
from .threshold import CostThreshold, ThresholdSelector
from .vae import VAEDetector
from .windows import WindowedDetector

__all__ = [
    "AutoencoderDetector",
    "CostThreshold",
    "LSTMAutoencoderDetector",
    "LSTMForecastDetector",
    "RNNClassifierDetector",
    "ThresholdSelector",
    "VAEDetector",
    "WindowedDetector",
    "make_cost_scorer",
    "__version__",
]
