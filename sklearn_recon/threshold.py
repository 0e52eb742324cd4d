"""Meta-estimators that choose a detector's threshold from labelled data.

:class:`ThresholdSelector` and :class:`CostThreshold` wrap any outlier
detector (ours or scikit-learn's) and turn it into a binary classifier of
``y``'s own coding, the pattern of scikit-learn's
:class:`~sklearn.model_selection.TunedThresholdClassifierCV` (which refuses
outlier detectors). They share one private base class, which trains the
detector on folds, collects held-out anomaly scores and picks a point of a
threshold curve; the subclasses only say which curve and which point. Which
rows and labels the detector learns from, and what its anomaly score is,
come from :mod:`sklearn_recon.utils._response`.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, indexable

from .base import _unfitted_on_failure
from .metrics import cost_curve, threshold_curve
from .utils._docstring import fill_doc
from .utils._response import get_anomaly_score, inner_anomaly_label, learns_from_labels
from .utils._sklearn_compat import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    _check_method_params,
    _fit_context,
    _routing_enabled,
    _safe_indexing,
)
from .utils._validation import check_anomaly_label

__all__ = ["CostThreshold", "ThresholdSelector"]

#: Candidate thresholds tried for a general scikit-learn scorer (quantiles of
#: the held-out anomaly scores); F1 and cost curves use every distinct score.
N_SCORER_THRESHOLDS = 100

_LABEL_FREE_METHODS = ("mean_std", "quantile", "fixed")


def _fit_detector(detector, X, y, params, rows, *, with_labels):
    """Fit ``detector`` on the ``rows`` of ``X`` (with their labels, or not).

    ``params`` are the detector's fit parameters for all of ``X``; those
    aligned with the samples (such as ``sample_weight``) are cut to ``rows``.
    """
    rows_params = _check_method_params(X, params, indices=rows)
    X_rows = _safe_indexing(X, rows)
    if with_labels:
        return detector.fit(X_rows, y[rows], **rows_params)
    return detector.fit(X_rows, **rows_params)


def _training_rows(indices, y, anomaly_label, with_labels):
    """The rows of ``indices`` a detector learns from: all, or the normal ones."""
    return indices if with_labels else indices[y[indices] != anomaly_label]


def _fit_and_score_fold(
    detector, X, y, params, train, test, *, anomaly_label, with_labels
):
    """Train a clone on the ``train`` rows; return it and its held-out scores."""
    rows = _training_rows(train, y, anomaly_label, with_labels)
    model = _fit_detector(clone(detector), X, y, params, rows, with_labels=with_labels)
    scores = get_anomaly_score(model, _safe_indexing(X, test), anomaly_label=anomaly_label)
    return model, scores


def _best_index(values):
    """Index of the best (greatest) value; ties go to the lowest threshold."""
    best = np.max(values)
    tolerance = 1e-12 * max(1.0, abs(best))
    return int(np.flatnonzero(values >= best - tolerance)[0])


def _threshold_between(threshold, scores):
    """Move ``threshold`` halfway down to the next lower held-out score.

    Flagging ``scores >= result`` flags the same held-out rows as flagging
    ``scores >= threshold``, with a margin on both sides for new data.
    """
    if not np.isfinite(threshold):
        return float(threshold)
    below = scores[scores < threshold]
    if below.size == 0:
        return float(np.nextafter(threshold, -np.inf))
    return float((below.max() + threshold) / 2.0)


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


def _detector_has(name):
    """``available_if`` check: the (fitted) detector exposes ``name``."""

    def check(self):
        getattr(getattr(self, "estimator_", self.detector), name)
        return True

    return check


class _BaseThreshold(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Shared machinery of the threshold meta-estimators.

    Subclasses provide ``_curve(y, scores, score_params)`` (thresholds and a
    greater-is-better value at each) and may override
    ``_label_free_threshold`` for thresholds that need no held-out labels.
    """

    _parameter_constraints: dict = {
        "detector": [
            HasMethods(["fit", "score_samples"]),
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
        ],
        "cv": ["cv_object", Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "refit": ["boolean"],
        "anomaly_label": [Real, str, "boolean"],
        "train_on": [StrOptions({"auto", "normal", "all"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self, detector, *, cv, refit, anomaly_label, train_on, n_jobs, random_state
    ):
        self.detector = detector
        self.cv = cv
        self.refit = refit
        self.anomaly_label = anomaly_label
        self.train_on = train_on
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------- subclasses

    def _label_free_threshold(self, normal_scores):
        """Threshold from the normal rows' scores alone, or None to use labels."""
        return None

    def _uses_no_labels(self):
        return False

    def _curve(self, y, scores, score_params):
        """Return ``(thresholds, values, extra)``; values are greater-is-better."""
        raise NotImplementedError

    def _scorer(self):
        """The scorer whose metadata ``fit`` routes, or None."""
        return None

    # --------------------------------------------------------------- fitting

    def _check_y(self, y):
        y = column_or_1d(y, warn=True)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported: y must hold the anomaly "
                f"class and one normal class. Unknown label type: {y_type}."
            )
        check_anomaly_label(y, self.anomaly_label)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"y holds only one class, the anomaly class {self.anomaly_label!r}; "
                "the detector needs normal rows to learn from."
            )
        return y, classes

    def _with_labels(self):
        """Whether the detector learns from all labelled rows (else the normal ones)."""
        if self.train_on == "auto":
            with_labels = learns_from_labels(self.detector)
        else:
            with_labels = self.train_on == "all"
        inner = inner_anomaly_label(self.detector)
        if with_labels and inner is not None and inner != self.anomaly_label:
            raise ValueError(
                f"The detector's anomaly_label={inner!r} differs from "
                f"{type(self).__name__}'s anomaly_label={self.anomaly_label!r}; "
                "set both to the value that marks anomalies in y."
            )
        return with_labels

    def _splitter(self, y):
        if isinstance(self.cv, Real) and not isinstance(self.cv, Integral):
            return StratifiedShuffleSplit(
                n_splits=1, test_size=self.cv, random_state=self.random_state
            )
        cv = check_cv(self.cv, y, classifier=True)
        if not self.refit and cv.get_n_splits() > 1:
            raise ValueError(
                "refit=False keeps the detector trained on the one training part of "
                "a single split; with a cv of several folds, refit must be True."
            )
        return cv

    def _route(self, params):
        """The metadata of ``fit`` for the detector, the splitter and the scorer.

        With metadata routing enabled, as requested by each of them. Without,
        the detector's fit parameters come as ``detector__<name>``, the way a
        Pipeline takes ``<step>__<name>`` for its steps.
        """
        if _routing_enabled():
            routed = process_routing(self, "fit", **params)
            return (
                dict(routed["detector"]["fit"]),
                dict(routed["splitter"]["split"]),
                dict(routed["scorer"]["score"]),
            )
        fit_params = {}
        for key, value in params.items():
            owner, _, name = key.partition("__")
            if owner != "detector" or not name:
                raise ValueError(
                    f"{type(self).__name__}.fit does not accept the {key} parameter. "
                    "Pass the detector's fit parameters as detector__<name>, e.g. "
                    f"{type(self).__name__}.fit(X, y, detector__sample_weight=w), "
                    "or enable metadata routing "
                    "(sklearn.set_config(enable_metadata_routing=True)) and request "
                    "them, e.g. with detector.set_fit_request(sample_weight=True)."
                )
            fit_params[name] = value
        return fit_params, {}, {}

    @_fit_context(
        # the wrapped detector is not validated yet
        prefer_skip_nested_validation=False
    )
    @_unfitted_on_failure
    def fit(self, X, y, **params):
        """Train the detector and choose its threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal and anomalous.

        y : array-like of shape (n_samples,)
            Labels: ``anomaly_label`` marks the anomalies, the other class is
            normal.

        **params : dict
            Metadata. With metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``), routed to
            the detector's ``fit``, the ``cv`` splitter and the scorer as
            each requests it, e.g. ``sample_weight=w`` after
            ``detector.set_fit_request(sample_weight=True)``. Without, the
            detector's fit parameters are passed as ``detector__<name>``, as
            a Pipeline takes them: ``detector__sample_weight=w`` for a
            detector, ``detector__autoencoderdetector__sample_weight=w`` for a
            Pipeline ending in one. Parameters aligned with the samples are
            cut to the rows each fit trains on.

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        return self._fit(X, y, params)

    def _fit(self, X, y, params):
        X, y = indexable(X, y)
        y, classes = self._check_y(y)
        fit_params, split_params, score_params = self._route(params)
        with_labels = self._with_labels()
        label_free = self._uses_no_labels()
        every_row = np.arange(len(y))
        if isinstance(self.detector, FrozenEstimator) or label_free:
            # One model, scored on the rows given to fit.
            if isinstance(self.detector, FrozenEstimator):
                estimator = self.detector
            else:
                rows = _training_rows(every_row, y, self.anomaly_label, with_labels)
                estimator = _fit_detector(
                    clone(self.detector), X, y, fit_params, rows, with_labels=with_labels
                )
            held_out = every_row
            scores = get_anomaly_score(estimator, X, anomaly_label=self.anomaly_label)
        else:
            estimator, held_out, scores = self._cross_fit(
                X, y, fit_params, split_params, with_labels
            )
        y_eval = y[held_out]
        score_params = _check_method_params(X, score_params, indices=held_out)

        thresholds, values, extra = self._curve(y_eval, scores, score_params)
        if label_free:
            threshold = self._label_free_threshold(scores[y_eval != self.anomaly_label])
            index = int(np.searchsorted(thresholds, threshold, side="left"))
        else:
            index = self._choose(thresholds, values, extra)
            threshold = _threshold_between(thresholds[index], scores)

        self.estimator_ = estimator
        self.classes_ = classes
        self.best_threshold_ = float(threshold)
        self.best_score_ = float(values[index])
        self.cv_results_ = {"thresholds": thresholds, "scores": values, **extra}
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
        return self

    def _choose(self, thresholds, values, extra):
        """Index of the chosen point of the curve: the best value."""
        return _best_index(values)

    def _cross_fit(self, X, y, fit_params, split_params, with_labels):
        """Held-out anomaly scores pooled over the folds, and the final model.

        Returns the final model, the held-out rows in the order of the
        pooled scores, and the scores.
        """
        cv = self._splitter(y)
        splits = list(cv.split(X, y, **split_params))
        folds = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_score_fold)(
                self.detector,
                X,
                y,
                fit_params,
                train,
                test,
                anomaly_label=self.anomaly_label,
                with_labels=with_labels,
            )
            for train, test in splits
        )
        held_out = np.concatenate([test for _, test in splits])
        scores = np.concatenate([fold_scores for _, fold_scores in folds])
        if self.refit:
            rows = _training_rows(np.arange(len(y)), y, self.anomaly_label, with_labels)
            estimator = _fit_detector(
                clone(self.detector), X, y, fit_params, rows, with_labels=with_labels
            )
        else:
            estimator = folds[0][0]
        return estimator, held_out, scores

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        Please check :ref:`User Guide <metadata_routing>` on how the routing
        mechanism works.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit``'s metadata to the detector's ``fit``, the ``cv``
            splitter's ``split`` and, for a scorer ``method``, the scorer.
        """
        router = MetadataRouter(owner=self).add(
            detector=self.detector,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        if not (isinstance(self.cv, Real) or self.cv is None):
            router.add(
                splitter=check_cv(self.cv, classifier=True),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        scorer = self._scorer()
        if scorer is not None:
            router.add(
                scorer=scorer,
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        return router

    # ------------------------------------------------------------ prediction

    def _scores(self, X):
        check_is_fitted(self, "estimator_")
        return get_anomaly_score(self, X)

    def predict(self, X):
        """Predict the class of each sample, in the coding of ``y``.

        A sample is an anomaly when its anomaly score is ``>=
        best_threshold_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``anomaly_label`` for anomalies, the normal class of ``y``
            otherwise.
        """
        flagged = self._scores(X) >= self.best_threshold_
        anomaly = self.classes_ == self.anomaly_label
        return np.where(flagged, self.classes_[anomaly][0], self.classes_[~anomaly][0])

    def decision_function(self, X):
        """Signed distance of the anomaly score to the threshold.

        As for any scikit-learn binary classifier, positive values stand for
        ``classes_[1]``: the value is ``anomaly_score - best_threshold_``
        when ``classes_[1]`` is the anomaly class and ``best_threshold_ -
        anomaly_score`` otherwise. With the default coding (-1 anomaly,
        +1 normal) it is negative for anomalies, like a detector's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            Positive for ``classes_[1]``, negative for ``classes_[0]``.
        """
        shifted = self._scores(X) - self.best_threshold_
        return shifted if self.classes_[1] == self.anomaly_label else -shifted

    @available_if(_detector_has("score_samples"))
    def score_samples(self, X):
        """Return the detector's ``score_samples``: higher is more normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The fitted detector's scores.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.score_samples(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.detector)
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags


_DETECTOR_PARAMETER = """
    detector : estimator instance
        The detector whose threshold is chosen: an outlier detector with
        ``score_samples`` (higher is more normal), or a classifier with
        ``predict_proba`` or ``decision_function``. Wrap a fitted detector
        in :class:`~sklearn.frozen.FrozenEstimator` to use it as-is.
"""

_SHARED_PARAMETERS = """
    cv : int, float, cross-validation generator or iterable, default=5
        How the labelled rows are split to choose the threshold on held-out
        data: an int gives that many stratified folds, a float in (0, 1) one
        stratified split with that share held out (seeded by
        ``random_state``), or a splitter or an iterable of (train, test)
        index arrays. For time-ordered data pass e.g.
        :class:`~sklearn.model_selection.TimeSeriesSplit`. Ignored when
        ``detector`` is a :class:`~sklearn.frozen.FrozenEstimator`.

    refit : bool, default=True
        Whether to retrain the detector on all the (normal) rows once the
        threshold is chosen. ``False`` keeps the model of the training part
        and needs a single split.

    anomaly_label : int, float, str or bool, default=-1
        The label of the anomalies in ``y``; the other class is normal. It
        must be among the labels of ``y`` (a ``ValueError`` says so
        otherwise): pass ``anomaly_label=1`` for 0/1 labels with 1 = anomaly.

    train_on : {"auto", "normal", "all"}, default="auto"
        Which rows of a training fold the detector learns from. ``"normal"``
        fits it on the normal rows only, without labels (the reconstruction
        detectors, IsolationForest, ...). ``"all"`` fits it on all rows with
        their labels, ``detector.fit(X, y)``. ``"auto"`` means ``"all"`` when
        the detector learns from labels wherever it sits, inside a
        :class:`~sklearn.pipeline.Pipeline` of scikit-learn or of
        imbalanced-learn included: a classifier, an estimator that requires
        ``y`` (its ``target_tags.required``, as imbalanced-learn's samplers),
        or a detector with an ``anomaly_label`` parameter
        (:class:`~sklearn_recon.RNNClassifierDetector`); and ``"normal"``
        otherwise.

    n_jobs : int, default=None
        Number of folds trained in parallel. ``None`` means 1.

    random_state : int, RandomState instance or None, default=None
        Seeds the split when ``cv`` is a float. The detector has its own
        ``random_state``.
"""

_SHARED_ATTRIBUTES = """
    estimator_ : estimator instance
        The fitted detector used by ``predict``.

    classes_ : ndarray of shape (2,)
        The class labels of ``y``.

    best_threshold_ : float
        The chosen threshold on the anomaly score (``-score_samples`` for a
        detector, the anomaly probability for a classifier): a sample is an
        anomaly when its score is ``>= best_threshold_``. A threshold chosen
        on a curve lies halfway between the last flagged and the first
        unflagged held-out score; ``inf`` means nothing is flagged.

    n_features_in_ : int
        Number of features seen during :term:`fit`, when the detector
        records it.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when the detector records
        them.
"""

_SHARED_NOTES = """
    Each training fold trains a clone of the detector (see ``train_on``)
    and scores its held-out fold; the held-out anomaly scores of all folds
    are **pooled** into one curve (so a total cost is the sum of the folds'
    costs at the same threshold). With ``refit=True`` the detector is then
    retrained on all rows and keeps that threshold, which assumes the fold
    models score on a similar scale as the final one (true for detectors
    trained on similar normal data).

    A detector that is already fitted is used as-is when wrapped in
    :class:`~sklearn.frozen.FrozenEstimator`: it is not retrained, and the
    threshold is chosen on the data given to ``fit``.
"""


@fill_doc(
    detector=_DETECTOR_PARAMETER,
    shared_parameters=_SHARED_PARAMETERS,
    shared_attributes=_SHARED_ATTRIBUTES,
    shared_notes=_SHARED_NOTES,
)
class ThresholdSelector(_BaseThreshold):
    """Choose a detector's threshold by a rule or a metric on labelled data.

    Wraps an outlier detector (or a probabilistic classifier) and makes it
    a binary classifier of ``y``'s own coding whose threshold on the
    anomaly score comes from ``method``.

    Parameters
    ----------
    %(detector)s

    method : str or callable, default="f1"
        How the threshold is chosen:

        - ``"f1"``: the greatest F1 of the anomaly class on held-out
          labelled data (whatever the coding of ``y``; scikit-learn's
          ``"f1"`` scorer would take class 1 as positive);
        - ``"mean_std"``: ``mean + k * std`` of the anomaly scores of the
          normal training rows (the studies' rule);
        - ``"quantile"``: the ``quantile`` of the anomaly scores of the
          normal training rows;
        - ``"fixed"``: ``threshold``;
        - any other scikit-learn scorer name, or a callable
          ``scorer(estimator, X, y)``: its greatest value on held-out
          labelled data, over 100 candidate thresholds (quantiles of the
          held-out scores). The scorer sees a classifier predicting in
          ``y``'s coding.

        ``"mean_std"``, ``"quantile"`` and ``"fixed"`` need no held-out
        data: the detector is trained once on all normal rows (``cv`` is not
        used) and the threshold comes from its scores on those rows.

    k : float, default=1.0
        Number of standard deviations above the mean for ``"mean_std"``.

    quantile : float, default=0.99
        Quantile of the normal training scores for ``"quantile"``, in
        [0, 1]: about ``1 - quantile`` of the normal rows are flagged.

    threshold : float, default=None
        The threshold on the anomaly score for ``"fixed"`` (where it is
        required), e.g. a reconstruction error.

    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    best_score_ : float
        F1 of the anomaly class (or the scorer's value) at
        ``best_threshold_``: on the pooled held-out folds for ``"f1"`` and
        scorers; on the data given to ``fit`` (in-sample, so optimistic) for
        the label-free methods.

    cv_results_ : dict of ndarray
        The curve behind the choice: ``"thresholds"`` (increasing, the last
        ``inf`` flags nothing) and ``"scores"`` (F1 or the scorer's value at
        each); for F1 and the label-free methods also ``"precision"`` and
        ``"recall"``.

    See Also
    --------
    CostThreshold : The threshold of least total cost.
    sklearn.model_selection.TunedThresholdClassifierCV : The same for
        classifiers.

    Notes
    -----
    %(shared_notes)s

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
    >>> round(selector.best_score_, 2)  # doctest: +SKIP
    0.82
    """

    _parameter_constraints: dict = {
        **_BaseThreshold._parameter_constraints,
        "method": [
            StrOptions(set(_LABEL_FREE_METHODS) | {"f1"} | set(get_scorer_names())),
            callable,
        ],
        "k": [Interval(Real, None, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="both")],
        "threshold": [Interval(Real, None, None, closed="neither"), None],
    }

    def __init__(
        self,
        detector,
        *,
        method="f1",
        k=1.0,
        quantile=0.99,
        threshold=None,
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
        self.threshold = threshold

    def _uses_no_labels(self):
        if self.method == "fixed" and self.threshold is None:
            raise ValueError('method="fixed" needs a threshold; got threshold=None.')
        return isinstance(self.method, str) and self.method in _LABEL_FREE_METHODS

    def _label_free_threshold(self, normal_scores):
        if self.method == "mean_std":
            return np.mean(normal_scores) + self.k * np.std(normal_scores)
        if self.method == "quantile":
            return np.quantile(normal_scores, self.quantile)
        return self.threshold

    def _scorer(self):
        if isinstance(self.method, str) and (
            self.method == "f1" or self.method in _LABEL_FREE_METHODS
        ):
            return None
        return get_scorer(self.method) if isinstance(self.method, str) else self.method

    def _curve(self, y, scores, score_params):
        if isinstance(self.method, str) and (
            self.method == "f1" or self.method in _LABEL_FREE_METHODS
        ):
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
                            scores >= t, classes[anomaly][0], classes[~anomaly][0]
                        ),
                        sign * (scores - (t if np.isfinite(t) else top)),
                    ),
                    X_stub,
                    y,
                    **score_params,
                )
                for t in thresholds
            ],
            dtype=np.float64,
        )
        return thresholds, values, {}


@fill_doc(
    detector=_DETECTOR_PARAMETER,
    shared_parameters=_SHARED_PARAMETERS,
    shared_attributes=_SHARED_ATTRIBUTES,
    shared_notes=_SHARED_NOTES,
)
class CostThreshold(_BaseThreshold):
    """Choose the threshold of least total cost on held-out labelled data.

    Wraps an outlier detector (or a probabilistic classifier) and makes it a
    binary classifier of ``y``'s own coding whose threshold on the anomaly
    score minimises ``fp_cost * FP + fn_cost * FN + tp_cost * TP + tn_cost *
    TN`` over the pooled held-out folds.

    Parameters
    ----------
    %(detector)s

    fp_cost : float
        Cost of a false alarm (a normal sample flagged), >= 0.

    fn_cost : float
        Cost of a missed anomaly, >= 0.

    tp_cost : float, default=0
        Cost of a true alarm (e.g. acting on it), >= 0.

    tn_cost : float, default=0
        Cost of a normal sample left alone, >= 0.

    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    best_cost_ : float
        The least total cost, on the pooled held-out folds.

    best_score_ : float
        ``-best_cost_`` (greater is better, as for scorers).

    cv_results_ : dict of ndarray
        The curve behind the choice: ``"thresholds"`` (increasing, the last
        ``inf`` flags nothing, so its cost is the base cost), ``"costs"``
        (total held-out cost at each) and ``"scores"`` (``-costs``).

    See Also
    --------
    ThresholdSelector : Thresholds by rule, F1 or any scorer.
    make_cost_scorer : The matching scorer for ``GridSearchCV``.

    Notes
    -----
    %(shared_notes)s

    Ties between thresholds of equal cost go to the lowest threshold, so
    raising ``fn_cost`` never raises the chosen threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon import CostThreshold
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(190, 2)), rng.normal(4, 1, size=(10, 2))]
    >>> y = np.r_[np.zeros(190, dtype=int), np.ones(10, dtype=int)]
    >>> model = CostThreshold(IsolationForest(random_state=0), fp_cost=5,
    ...                       fn_cost=100, anomaly_label=1).fit(X, y)
    >>> model.predict(X[:3])
    array([0, 0, 0])
    >>> bool(model.best_cost_ <= model.cv_results_["costs"][-1])
    True
    """

    _parameter_constraints: dict = {
        **_BaseThreshold._parameter_constraints,
        "fp_cost": [Interval(Real, 0, None, closed="left")],
        "fn_cost": [Interval(Real, 0, None, closed="left")],
        "tp_cost": [Interval(Real, 0, None, closed="left")],
        "tn_cost": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        detector,
        *,
        fp_cost,
        fn_cost,
        tp_cost=0,
        tn_cost=0,
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
        self.fp_cost = fp_cost
        self.fn_cost = fn_cost
        self.tp_cost = tp_cost
        self.tn_cost = tn_cost

    def _curve(self, y, scores, score_params):
        costs, thresholds = cost_curve(
            y,
            scores,
            fp_cost=self.fp_cost,
            fn_cost=self.fn_cost,
            tp_cost=self.tp_cost,
            tn_cost=self.tn_cost,
            anomaly_label=self.anomaly_label,
        )
        return thresholds, -costs, {"costs": costs}

    def fit(self, X, y):
        """Train the detector and choose the threshold of least cost.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal and anomalous.

        y : array-like of shape (n_samples,)
            Labels: ``anomaly_label`` marks the anomalies, the other class is
            normal.

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        super().fit(X, y)
        self.best_cost_ = -self.best_score_
        return self
