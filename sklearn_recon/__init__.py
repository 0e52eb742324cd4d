"""Deep anomaly detectors for scikit-learn, backed by Keras 3.

Importing the package is cheap: Keras and TensorFlow load only when a
network is built, trained or restored.
"""

from ._version import __version__
from .autoencoder import AutoencoderDetector
from .metrics import make_cost_scorer
from .rnn import RNNClassifierDetector
from .threshold import CostThreshold, ThresholdSelector
from .vae import VAEDetector

__all__ = [
    "AutoencoderDetector",
    "CostThreshold",
    "RNNClassifierDetector",
    "ThresholdSelector",
    "VAEDetector",
    "make_cost_scorer",
    "__version__",
]
