"""scikit-learn baselines of the evaluation protocol (ARCHITECTURE.md)."""

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import check_is_fitted, validate_data


class PCAReconstruction(OutlierMixin, BaseEstimator):
    """Anomaly score = squared error of the PCA reconstruction (a linear autoencoder).

    The threshold follows the studies' rule: mean plus one standard
    deviation of the training errors.
    """

    def __init__(self, n_components=8):
        self.n_components = n_components

    def fit(self, X, y=None):
        X = validate_data(self, X)
        self.pca_ = PCA(n_components=self.n_components).fit(X)
        errors = self._errors(X)
        self.offset_ = -(errors.mean() + errors.std())
        return self

    def _errors(self, X):
        reconstruction = self.pca_.inverse_transform(self.pca_.transform(X))
        return np.mean((X - reconstruction) ** 2, axis=1)

    def score_samples(self, X):
        check_is_fitted(self)
        return -self._errors(validate_data(self, X, reset=False))

    def decision_function(self, X):
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        return np.where(self.decision_function(X) < 0, -1, 1)


class KNNDistance(OutlierMixin, BaseEstimator):
    """Anomaly score = distance to the k-th nearest training sample.

    The kNN detector of ADBench and PyOD (``method="largest"``). A training
    sample's own error is its distance to its k-th nearest *other* training
    sample, so the threshold, the studies' mean plus one standard deviation
    of the training errors, is not biased by the sample itself.

    Parameters
    ----------
    n_neighbors : int, default=5
        Which neighbour's distance is the anomaly error.
    """

    def __init__(self, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def fit(self, X, y=None):
        X = validate_data(self, X)
        if not 1 <= self.n_neighbors < X.shape[0]:
            raise ValueError(
                f"n_neighbors must be at least 1 and below n_samples = {X.shape[0]}; "
                f"got {self.n_neighbors}."
            )
        self.neighbors_ = NearestNeighbors(n_neighbors=self.n_neighbors).fit(X)
        distances, _ = self.neighbors_.kneighbors()  # without the samples themselves
        errors = distances[:, -1]
        self.offset_ = -(errors.mean() + errors.std())
        return self

    def score_samples(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        distances, _ = self.neighbors_.kneighbors(X)
        return -distances[:, -1]

    def decision_function(self, X):
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        return np.where(self.decision_function(X) < 0, -1, 1)
