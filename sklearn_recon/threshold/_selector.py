"""ThresholdSelector: a detector's threshold by a rule or a metric on held-out data."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..metrics import threshold_curve
from ..utils._docstring import fill_doc
from ..utils._response import flag
from ..utils._sklearn_compat import Interval, RealNotInt, StrOptions
from ._base import (
    _DETECTOR_PARAMETER,
    _FIT_PARAMS,
    _SHARED_ATTRIBUTES,
    _SHARED_NOTES,
    _SHARED_PARAMETERS,
    _BaseThreshold,
    _HeldOut,
)
from ._rules import best_index, label_free_threshold, threshold_between

#: Candidate thresholds tried for a general scikit-learn scorer (quantiles of
#: the held-out anomaly scores); F1 and cost curves use every distinct score.
N_SCORER_THRESHOLDS = 100

#: The methods of ThresholdSelector that need no anomaly labels.
_LABEL_FREE_METHODS = ("conformal", "mean_std", "median_mad", "iqr", "quantile", "fixed")


class _Thresholded(ClassifierMixin, BaseEstimator):
    """A stand-in classifier whose predictions are fixed, to call a scorer."""

    def __init__(self, classes, labels, decision):
        self.classes = classes
        self.labels = labels
        self.decision = decision

    @property
    def classes_(self):
        return self.classes

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return self.labels

    def decision_function(self, X):
        return self.decision


@fill_doc(
    detector=_DETECTOR_PARAMETER,
    shared_parameters=_SHARED_PARAMETERS,
    shared_attributes=_SHARED_ATTRIBUTES,
    shared_notes=_SHARED_NOTES,
    fit_params=_FIT_PARAMS,
)
class ThresholdSelector(_BaseThreshold):
    """Choose a detector's threshold by a rule or a metric on held-out data.

    Wraps an outlier detector (or a probabilistic classifier) and makes it
    a binary classifier of ``y``'s own coding whose threshold on the
    anomaly score comes from ``method``: a metric on held-out labelled data,
    or a rule on the scores of held-out normal rows, among them a
    conformal threshold with a guaranteed false-alarm rate.

    Parameters
    ----------
    %(detector)s

    method : str or callable, default="f1"
        How the threshold is chosen. From held-out labelled data (``cv``):

        - ``"f1"``: the greatest F1 of the anomaly class (whatever the
          coding of ``y``; scikit-learn's ``"f1"`` scorer would take class 1
          as positive);
        - any other scikit-learn scorer name, or a callable
          ``scorer(estimator, X, y)``: its greatest value, over 100
          candidate thresholds (quantiles of the held-out scores). The
          scorer sees a classifier predicting in ``y``'s coding.

        From the anomaly scores of held-out **normal** rows only (no
        anomaly labels needed, see ``calibration_size``):

        - ``"conformal"``: the split-conformal threshold: a new normal row
          is flagged with probability at most ``alpha`` when it and the
          held-out normal rows are exchangeable (Bates et al., 2023);
          :meth:`predict_pvalues` gives conformal p-values;
        - ``"mean_std"``: ``mean + k * std`` (the studies' rule, here on
          held-out rows);
        - ``"median_mad"``: ``median + k * MAD``, the median absolute
          deviation scaled by 1.4826 to estimate the standard deviation of
          normally distributed scores, robust to outliers among them;
        - ``"iqr"``: ``Q3 + k * (Q3 - Q1)``, Tukey's fences;
        - ``"quantile"``: the ``quantile`` of the scores.

        And ``"fixed"``: ``threshold``, a given value.

    k : float, default=None
        Multiplier of the spread for ``"mean_std"``, ``"median_mad"`` and
        ``"iqr"``. None means 1 for ``"mean_std"`` (the studies' rule), 3
        for ``"median_mad"`` and 1.5 for ``"iqr"`` (Tukey's fences).

    quantile : float, default=0.99
        Quantile of the held-out normal scores for ``"quantile"``, in
        [0, 1]: about ``1 - quantile`` of new normal rows are flagged.

    alpha : float, default=0.05
        The false-alarm rate ``"conformal"`` keeps below, in (0, 1).

    threshold : float, default=None
        The threshold on the anomaly score for ``"fixed"`` (where it is
        required), e.g. a reconstruction error.

    calibration_size : float, default=0.3
        Share of the rows held out (stratified on ``y``) to calibrate the
        label-free methods other than ``"fixed"``: the detector trains on
        the rest and the rule reads the anomaly scores of the held-out
        normal rows, which, unlike the training rows, the network was not
        fitted to.

    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    best_score_ : float
        F1 of the anomaly class (or the scorer's value) at
        ``best_threshold_``: on the pooled held-out folds for ``"f1"`` and
        scorers, on the held-out calibration rows for the label-free
        methods (0 when they hold no anomaly), and on the data given to
        ``fit`` for ``"fixed"``.

    cv_results_ : dict of ndarray
        The curve behind the choice: ``"thresholds"`` (increasing, the last
        ``inf`` flags nothing) and ``"scores"`` (F1 or the scorer's value at
        each); for F1 and the label-free methods also ``"precision"`` and
        ``"recall"``.

    calibration_scores_ : ndarray of shape (n_calibration,)
        The held-out normal rows' anomaly scores, sorted; only with
        ``method="conformal"``.

    See Also
    --------
    CostThreshold : The threshold of least total cost.
    benjamini_hochberg : False-discovery-rate control over conformal p-values.
    sklearn.model_selection.TunedThresholdClassifierCV : The same for
        classifiers.

    Notes
    -----
    %(shared_notes)s

    With ``method="conformal"`` the detector keeps the model trained
    without the calibration rows (``refit`` does not apply): the guarantee
    holds for the model that scored them. The other label-free methods
    retrain on all normal rows when ``refit=True``, keeping the threshold.

    References
    ----------
    .. [1] S. Bates, E. Candès, L. Lei, Y. Romano and M. Sesia, "Testing for
       outliers with conformal p-values", Annals of Statistics 51(1), 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon import ThresholdSelector
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(190, 2)), rng.normal(4, 1, size=(10, 2))]
    >>> y = np.r_[np.zeros(190, dtype=int), np.ones(10, dtype=int)]
    >>> selector = ThresholdSelector(IsolationForest(random_state=0),
    ...                              method="f1", anomaly_label=1).fit(X, y)
    >>> selector.predict(X[:3])
    array([0, 0, 0])
    >>> selector.cv_results_["scores"].shape == selector.cv_results_["thresholds"].shape
    True
    >>> conformal = ThresholdSelector(IsolationForest(random_state=0),
    ...                               method="conformal", alpha=0.05,
    ...                               random_state=0).fit(X[y == 0])
    >>> conformal.predict_pvalues(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **_BaseThreshold._parameter_constraints,
        "method": [
            StrOptions(set(_LABEL_FREE_METHODS) | {"f1"} | set(get_scorer_names())),
            callable,
        ],
        "k": [Interval(Real, 0, None, closed="left"), None],
        "quantile": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "threshold": [Interval(Real, None, None, closed="neither"), None],
        "calibration_size": [Interval(RealNotInt, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        detector,
        *,
        method="f1",
        k=None,
        quantile=0.99,
        alpha=0.05,
        threshold=None,
        calibration_size=0.3,
        cv=5,
        refit=True,
        anomaly_label=-1,
        train_on="auto",
        n_jobs=None,
        random_state=None,
    ):
        super().__init__(
            detector,
            cv=cv,
            refit=refit,
            anomaly_label=anomaly_label,
            train_on=train_on,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        self.method = method
        self.k = k
        self.quantile = quantile
        self.alpha = alpha
        self.threshold = threshold
        self.calibration_size = calibration_size

    def fit(self, X, y=None, **params):
        """Train the detector and choose its threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal and anomalous.

        y : array-like of shape (n_samples,), default=None
            Labels: ``anomaly_label`` marks the anomalies, the other class is
            normal. The label-free methods accept a ``y`` without anomalies,
            or None: every row is then normal, and ``predict`` answers -1
            for an anomaly and 1 otherwise, like a detector.

        %(fit_params)s

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        return super().fit(X, y, **params)

    def _uses_no_labels(self):
        if self.method == "fixed" and self.threshold is None:
            raise ValueError('method="fixed" needs a threshold; got threshold=None.')
        return isinstance(self.method, str) and self.method in _LABEL_FREE_METHODS

    def _fit(self, data):
        if self._uses_no_labels():
            return self._fit_label_free(data)
        estimator, held = self._held_out_scores(data)
        thresholds, values, extra = self._curve(held)
        index = best_index(values)
        return self._set_fitted(
            data,
            estimator,
            threshold=threshold_between(thresholds[index], held.scores),
            score=values[index],
            cv_results={"thresholds": thresholds, "scores": values, **extra},
        )

    def _fit_label_free(self, data):
        """A rule on the anomaly scores of held-out normal rows (or ``"fixed"``)."""
        if isinstance(self.detector, FrozenEstimator):
            estimator, held = self._held_out_scores(data)
        elif self.method == "fixed":
            # one model, on the (normal) rows given to fit, scored on them all
            every_row = np.arange(len(data.y))
            estimator = self._fit_clone(data, every_row)
            scores = self._score(estimator, data)
            held = _HeldOut.of(data, every_row, scores, [every_row])
        else:
            estimator, held = self._calibrate(data)
        thresholds, values, extra = self._curve(held)
        normal_scores = held.scores[held.y != self.anomaly_label]
        if self.method == "fixed":
            threshold = self.threshold
        else:
            threshold = label_free_threshold(
                self.method, normal_scores, k=self.k, quantile=self.quantile, alpha=self.alpha
            )
        if self.method == "conformal":
            self.calibration_scores_ = np.sort(normal_scores)
        index = int(np.searchsorted(thresholds, threshold, side="left"))
        return self._set_fitted(
            data,
            estimator,
            threshold=threshold,
            score=values[index],
            cv_results={"thresholds": thresholds, "scores": values, **extra},
        )

    def _calibrate(self, data):
        """Train on part of the rows; hold out the rest, stratified on ``y``."""
        y = data.y
        splitter = StratifiedShuffleSplit if np.unique(y).size > 1 else ShuffleSplit
        split = splitter(
            n_splits=1, test_size=self.calibration_size, random_state=self.random_state
        )
        train, held_out = next(split.split(data.X, y))
        if not np.any(y[held_out] != self.anomaly_label):
            raise ValueError(
                f"calibration_size={self.calibration_size} holds out no normal row; "
                "give more rows or a larger calibration_size."
            )
        model = self._fit_clone(data, train)
        scores = self._score(model, data, held_out)
        if self.refit and self.method != "conformal":
            model = self._fit_clone(data, np.arange(len(y)))
        blocks = [np.arange(len(held_out))]
        return model, _HeldOut.of(data, held_out, scores, blocks)

    def _scorer(self):
        if isinstance(self.method, str) and (
            self.method == "f1" or self.method in _LABEL_FREE_METHODS
        ):
            return None
        return get_scorer(self.method) if isinstance(self.method, str) else self.method

    def _curve(self, held):
        y, scores = held.y, held.scores
        if isinstance(self.method, str) and (
            self.method == "f1" or self.method in _LABEL_FREE_METHODS
        ):
            if not np.any(y == self.anomaly_label):  # label-free, no anomaly held out
                thresholds = np.r_[np.unique(scores), np.inf]
                zeros = np.zeros(len(thresholds))
                recall = zeros.copy()
                precision = np.where(np.isinf(thresholds), 1.0, 0.0)
                return thresholds, zeros, {"precision": precision, "recall": recall}
            precision, recall, f1, thresholds = threshold_curve(
                y, scores, anomaly_label=self.anomaly_label
            )
            return thresholds, f1, {"precision": precision, "recall": recall}
        scorer = self._scorer()
        quantiles = np.linspace(0.0, 1.0, N_SCORER_THRESHOLDS)
        thresholds = np.r_[np.unique(np.quantile(scores, quantiles, method="lower")), np.inf]
        classes = np.unique(y)
        anomaly = classes == self.anomaly_label
        sign = 1.0 if anomaly[-1] else -1.0
        X_stub = np.zeros((len(y), 1))
        # Flagging nothing (t = inf) keeps a finite decision with the same
        # ranking, so scorers of the decision values (roc_auc, ...) still work.
        top = np.max(scores) + 1.0 if scores.size else 0.0
        values = np.array(
            [
                scorer(
                    _Thresholded(
                        classes,
                        np.where(
                            flag(scores, t, at_threshold=True),
                            classes[anomaly][0],
                            classes[~anomaly][0],
                        ),
                        sign * (scores - (t if np.isfinite(t) else top)),
                    ),
                    X_stub,
                    y,
                    **held.score_params,
                )
                for t in thresholds
            ],
            dtype=np.float64,
        )
        return thresholds, values, {}

    def _is_conformal(self):
        if self.method != "conformal":
            raise AttributeError(
                'predict_pvalues needs method="conformal"; this ThresholdSelector '
                f"has method={self.method!r}."
            )
        return True

    @available_if(_is_conformal)
    def predict_pvalues(self, X):
        """Return the conformal p-value of each sample.

        The p-value of a sample with anomaly score ``s`` is ``(1 + #{held-out
        normal scores >= s}) / (n_calibration + 1)``: for a new normal row
        exchangeable with the held-out normal rows it is uniform, so
        ``P(p <= alpha) <= alpha``. A sample is flagged by :meth:`predict`
        exactly when its p-value is at most ``alpha``. Pass the p-values of
        a batch to :func:`benjamini_hochberg` to control the false-discovery
        rate instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to test.

        Returns
        -------
        p_values : ndarray of shape (n_samples,)
            Conformal p-values in ``(0, 1]``; small means anomalous.
        """
        check_is_fitted(self, "calibration_scores_")
        scores = self._scores(X)
        calibration = self.calibration_scores_
        n_above = len(calibration) - np.searchsorted(calibration, scores, side="left")
        return (1.0 + n_above) / (len(calibration) + 1.0)


#: The median absolute deviation of normal data times this is its standard
