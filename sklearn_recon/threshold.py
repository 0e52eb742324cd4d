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

import warnings
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
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit, check_cv
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
from .metrics._cost import _COST_NAMES, _check_costs, _costs_at
from .utils._docstring import fill_doc
from .utils._response import get_anomaly_score, inner_anomaly_label, learns_from_labels
from .utils._sklearn_compat import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    _check_method_params,
    _fit_context,
    _num_samples,
    _routing_enabled,
    _safe_indexing,
)
from .utils._validation import check_anomaly_label, check_real_values

__all__ = ["CostThreshold", "ThresholdSelector", "benjamini_hochberg"]

#: Candidate thresholds tried for a general scikit-learn scorer (quantiles of
#: the held-out anomaly scores); F1 and cost curves use every distinct score.
N_SCORER_THRESHOLDS = 100

#: The methods of ThresholdSelector that need no anomaly labels.
_LABEL_FREE_METHODS = ("conformal", "mean_std", "median_mad", "iqr", "quantile", "fixed")


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


#: Consecutive blocks a single held-out part is cut into, to see how a
#: threshold's saving varies across the data (CostThreshold's confidence).
_N_BLOCKS = 5


class _HeldOut:
    """The held-out rows a threshold is chosen on, in the order of their scores.

    ``blocks`` are positions in that order: the folds of the cross-validation,
    or consecutive blocks of a single held-out part. ``score_params`` and
    ``row_costs`` hold the held-out rows' metadata.
    """

    def __init__(self, *, y, scores, blocks, score_params, row_costs):
        self.y = y
        self.scores = scores
        self.blocks = blocks
        self.score_params = score_params
        self.row_costs = row_costs


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


_FIT_PARAMS = """
    **params : dict
        Metadata. With metadata routing enabled
        (``sklearn.set_config(enable_metadata_routing=True)``), routed to the
        detector's ``fit``, the ``cv`` splitter and the scorer as each
        requests it, e.g. ``sample_weight=w`` after
        ``detector.set_fit_request(sample_weight=True)``. Without, the
        detector's fit parameters are passed as ``detector__<name>``, as a
        Pipeline takes them: ``detector__sample_weight=w`` for a detector,
        ``detector__autoencoderdetector__sample_weight=w`` for a Pipeline
        ending in one. Parameters aligned with the samples are cut to the
        rows each fit trains on.
"""


@fill_doc(fit_params=_FIT_PARAMS)
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

    def _curve(self, held):
        """Return ``(thresholds, values, extra)`` on the rows ``held`` (a
        :class:`_HeldOut`); values are greater-is-better."""
        raise NotImplementedError

    def _scorer(self):
        """The scorer whose metadata ``fit`` routes, or None."""
        return None

    # --------------------------------------------------------------- fitting

    def _check_y(self, y, n_samples):
        """Validated labels and ``classes_``; None means every row is normal."""
        label_free = self._uses_no_labels()
        if y is None:
            if not label_free:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y "
                    "is None: it chooses the threshold from labelled data. Only "
                    "ThresholdSelector's label-free methods (conformal, mean_std, "
                    "median_mad, iqr, quantile, fixed) accept y=None."
                )
            if self.anomaly_label != -1:
                raise ValueError(
                    "Without y, predict answers -1 for anomalies and 1 for normal "
                    f"rows, so anomaly_label must be -1; got {self.anomaly_label!r}."
                )
            return np.ones(n_samples, dtype=int), np.array([-1, 1])
        y = column_or_1d(y, warn=True)
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported: y must hold the anomaly "
                f"class and one normal class. Unknown label type: {y_type}."
            )
        is_anomaly = check_anomaly_label(y, self.anomaly_label, allow_absent=label_free)
        classes = np.unique(y)
        if classes.size < 2 and is_anomaly.all():
            raise ValueError(
                f"y holds only one class, the anomaly class {self.anomaly_label!r}; "
                "the detector needs normal rows to learn from."
            )
        if classes.size < 2:  # normal rows only, for a label-free method
            classes = np.unique(np.r_[classes.astype(object), [self.anomaly_label]])
            classes = classes.astype(np.result_type(y.dtype, np.asarray(self.anomaly_label)))
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
            # (a router without some child answers None for it)
            splitter, scorer = routed.get("splitter"), routed.get("scorer")
            return (
                dict(routed["detector"]["fit"]),
                {} if splitter is None else dict(splitter["split"]),
                {} if scorer is None else dict(scorer["score"]),
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
    def fit(self, X, y=None, **params):
        """Train the detector and choose its threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal and anomalous.

        y : array-like of shape (n_samples,)
            Labels: ``anomaly_label`` marks the anomalies, the other class is
            normal.

        %(fit_params)s

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        return self._fit(X, y, params)

    def _fit(self, X, y, params, row_costs=None):
        y, classes = self._check_y(y, _num_samples(X))
        X, y = indexable(X, y)
        fit_params, split_params, score_params = self._route(params)
        with_labels = self._with_labels()
        every_row = np.arange(len(y))
        if isinstance(self.detector, FrozenEstimator):
            # Used as it is: every row given to fit is held out.
            estimator, held_out = self.detector, every_row
            scores = get_anomaly_score(estimator, X, anomaly_label=self.anomaly_label)
            blocks = np.array_split(np.arange(len(held_out)), _N_BLOCKS)
        elif self._calibrated():
            estimator, held_out, scores = self._calibrate(X, y, fit_params, with_labels)
            blocks = [np.arange(len(held_out))]
        elif self._uses_no_labels():
            # "fixed": one model, on the (normal) rows given to fit
            rows = _training_rows(every_row, y, self.anomaly_label, with_labels)
            estimator = _fit_detector(
                clone(self.detector), X, y, fit_params, rows, with_labels=with_labels
            )
            held_out = every_row
            scores = get_anomaly_score(estimator, X, anomaly_label=self.anomaly_label)
            blocks = [np.arange(len(held_out))]
        else:
            estimator, held_out, scores, blocks = self._cross_fit(
                X, y, fit_params, split_params, with_labels
            )
        held = _HeldOut(
            y=y[held_out],
            scores=scores,
            blocks=blocks,
            score_params=_check_method_params(X, score_params, indices=held_out),
            row_costs=_check_method_params(X, row_costs or {}, indices=held_out),
        )
        thresholds, values, extra = self._curve(held)
        if self._uses_no_labels():
            normal = held.y != self.anomaly_label
            threshold = self._label_free_threshold(held.scores[normal])
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

    def _calibrated(self):
        """Whether a label-free rule reads the scores of held-out normal rows."""
        return False

    def _calibrate(self, X, y, fit_params, with_labels):
        """Train on part of the rows, score the held-out rest."""
        raise NotImplementedError

    def _choose(self, thresholds, values, extra):
        """Index of the chosen point of the curve: the best value."""
        return _best_index(values)

    def _cross_fit(self, X, y, fit_params, split_params, with_labels):
        """Held-out anomaly scores pooled over the folds, and the final model.

        Returns the final model, the held-out rows in the order of the
        pooled scores, the scores, and each fold's positions in them.
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
        ends = np.cumsum([len(test) for _, test in splits])
        blocks = [np.arange(end - len(test), end) for (_, test), end in zip(splits, ends)]
        if len(blocks) < 2:
            # one held-out part: its consecutive blocks stand for folds
            blocks = np.array_split(np.arange(len(held_out)), _N_BLOCKS)
        if self.refit:
            rows = _training_rows(np.arange(len(y)), y, self.anomaly_label, with_labels)
            estimator = _fit_detector(
                clone(self.detector), X, y, fit_params, rows, with_labels=with_labels
            )
        else:
            estimator = folds[0][0]
        return estimator, held_out, scores, blocks

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        See scikit-learn's `metadata routing user guide
        <https://scikit-learn.org/stable/metadata_routing.html>`_ for how the
        routing mechanism works.

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
        if not (isinstance(self.cv, Real) and not isinstance(self.cv, Integral)):
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

    def _calibrated(self):
        return self._uses_no_labels() and self.method != "fixed"

    def _calibrate(self, X, y, fit_params, with_labels):
        every_row = np.arange(len(y))
        if np.unique(y).size > 1:
            split = StratifiedShuffleSplit(
                n_splits=1, test_size=self.calibration_size, random_state=self.random_state
            )
        else:
            split = ShuffleSplit(
                n_splits=1, test_size=self.calibration_size, random_state=self.random_state
            )
        train, held_out = next(split.split(X, y))
        normal_held_out = held_out[y[held_out] != self.anomaly_label]
        if len(normal_held_out) == 0:
            raise ValueError(
                f"calibration_size={self.calibration_size} holds out no normal row; "
                "give more rows or a larger calibration_size."
            )
        rows = _training_rows(train, y, self.anomaly_label, with_labels)
        model = _fit_detector(
            clone(self.detector), X, y, fit_params, rows, with_labels=with_labels
        )
        scores = get_anomaly_score(
            model, _safe_indexing(X, held_out), anomaly_label=self.anomaly_label
        )
        if self.refit and self.method != "conformal":
            rows = _training_rows(every_row, y, self.anomaly_label, with_labels)
            model = _fit_detector(
                clone(self.detector), X, y, fit_params, rows, with_labels=with_labels
            )
        return model, held_out, scores

    def _label_free_threshold(self, normal_scores):
        method, k = self.method, self.k
        if method == "mean_std":
            return np.mean(normal_scores) + (1.0 if k is None else k) * np.std(normal_scores)
        if method == "median_mad":
            median = np.median(normal_scores)
            mad = _MAD_TO_STD * np.median(np.abs(normal_scores - median))
            return median + (3.0 if k is None else k) * mad
        if method == "iqr":
            q1, q3 = np.quantile(normal_scores, [0.25, 0.75])
            return q3 + (1.5 if k is None else k) * (q3 - q1)
        if method == "quantile":
            return np.quantile(normal_scores, self.quantile)
        if method == "conformal":
            self._calibration = np.sort(normal_scores)  # kept by _fit
            return _conformal_threshold(normal_scores, self.alpha)
        return self.threshold

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
                            scores >= t, classes[anomaly][0], classes[~anomaly][0]
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

    def _fit(self, X, y, params, row_costs=None):
        super()._fit(X, y, params, row_costs)
        if self.method == "conformal":
            self.calibration_scores_ = self.__dict__.pop("_calibration")
        return self

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
#: deviation.
_MAD_TO_STD = 1.4826


def _conformal_threshold(calibration_scores, alpha):
    """The split-conformal threshold: flag ``score >= result``.

    With ``n`` calibration scores, a new score exceeds the
    ``ceil((n + 1)(1 - alpha))``-th smallest with probability at most
    ``alpha`` under exchangeability; with too few scores for ``alpha`` no
    threshold can promise it, and nothing is flagged.
    """
    scores = np.sort(calibration_scores)
    n = len(scores)
    rank = int(np.ceil((n + 1) * (1.0 - alpha)))
    if rank > n:
        warnings.warn(
            f"{n} held-out normal rows are too few for a conformal threshold at "
            f"alpha={alpha} (at least {int(np.ceil(1 / alpha)) - 1} are needed): "
            "nothing is flagged. Give more normal rows, a larger calibration_size "
            "or a larger alpha.",
            UserWarning,
        )
        return np.inf
    # strictly above the rank-th smallest score, as the p-values count
    return float(np.nextafter(scores[rank - 1], np.inf))


def benjamini_hochberg(p_values, *, alpha=0.05):
    """Flag the discoveries among p-values, controlling the false-discovery rate.

    The Benjamini-Hochberg procedure: sort the ``m`` p-values, find the
    largest ``i`` with ``p_(i) <= alpha * i / m`` and flag the ``i``
    smallest. For independent (or positively dependent) p-values of which
    those of normal samples are uniform, the expected share of normal
    samples among the flagged ones is at most ``alpha`` (conformal p-values
    satisfy this, Bates et al. 2023). Use it to flag a batch of new rows
    with :meth:`ThresholdSelector.predict_pvalues` when a false-discovery
    rate, rather than a false-alarm rate per row, is what matters.

    Parameters
    ----------
    p_values : array-like of shape (n_samples,)
        P-values in [0, 1].

    alpha : float, default=0.05
        The false-discovery rate to control, in (0, 1).

    Returns
    -------
    discoveries : ndarray of bool of shape (n_samples,)
        True for the flagged samples.

    Examples
    --------
    >>> from sklearn_recon.threshold import benjamini_hochberg
    >>> benjamini_hochberg([0.001, 0.02, 0.03, 0.5], alpha=0.1)
    array([ True,  True,  True, False])
    """
    from scipy.stats import false_discovery_control

    p_values = check_real_values(column_or_1d(p_values), "p_values")
    if not (np.isfinite(p_values).all() and ((p_values >= 0) & (p_values <= 1)).all()):
        raise ValueError("p_values must lie in [0, 1].")
    if not (isinstance(alpha, Real) and 0 < alpha < 1):
        raise ValueError(f"alpha must be a number in (0, 1); got {alpha!r}.")
    if p_values.size == 0:
        return np.zeros(0, dtype=bool)
    return false_discovery_control(p_values, method="bh") <= alpha


@fill_doc(
    detector=_DETECTOR_PARAMETER,
    shared_parameters=_SHARED_PARAMETERS,
    shared_attributes=_SHARED_ATTRIBUTES,
    shared_notes=_SHARED_NOTES,
    fit_params=_FIT_PARAMS,
)
class CostThreshold(_BaseThreshold):
    """Choose the threshold of least total cost, if it reliably saves money.

    Wraps an outlier detector (or a probabilistic classifier) and makes it a
    binary classifier of ``y``'s own coding whose threshold on the anomaly
    score minimises ``fp_cost * FP + fn_cost * FN + tp_cost * TP + tn_cost *
    TN`` on held-out labelled data, among the thresholds whose saving over
    flagging nothing at all is reliable (``confidence``). When none is, it
    flags nothing, and says so: a warning system that costs more than no
    warning system is worse than none.

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

    confidence : float or None, default=0.9
        How sure the saving over flagging nothing (the base cost) must be.
        The held-out rows fall into blocks: the test folds of ``cv``, or, when
        there is one held-out part (a single split, a
        :class:`~sklearn.frozen.FrozenEstimator`), 5 consecutive blocks of
        it. At each threshold the saving of each block gives a one-sided
        lower confidence bound of the total saving (Student's t over the
        blocks: total minus ``t_{confidence, n_blocks - 1} * sqrt(n_blocks)
        * std``). The threshold of greatest lower bound is chosen when that
        bound is positive; otherwise nothing is flagged, with a warning. With
        a time-ordered ``cv`` (:class:`~sklearn.model_selection.TimeSeriesSplit`)
        a saving that shrinks or turns into a loss over time widens the
        bound. None chooses the threshold of least total held-out cost, as
        if every saving were certain.

    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    best_cost_ : float
        The total held-out cost at ``best_threshold_``.

    best_score_ : float
        ``-best_cost_`` (greater is better, as for scorers).

    base_cost_ : float
        The total held-out cost of flagging nothing.

    saving_ : float
        ``base_cost_ - best_cost_``: the held-out saving of the chosen
        threshold (0 when it flags nothing).

    saving_lower_bound_ : float
        The lower confidence bound of that saving at ``confidence`` (0 when
        nothing is flagged); with ``confidence=None``, the bound at 0.9 for
        information.

    cv_results_ : dict of ndarray
        The curve behind the choice: ``"thresholds"`` (increasing, the last
        ``inf`` flags nothing, so its cost is the base cost), ``"costs"``
        (total held-out cost at each), ``"scores"`` (``-costs``),
        ``"savings"`` (``base cost - costs``), ``"saving_lower_bounds"``
        and ``"block_savings"`` (the saving of each block at each
        threshold, shape ``(n_blocks, n_thresholds)``).

    See Also
    --------
    ThresholdSelector : Thresholds by rule, F1 or any scorer.
    make_cost_scorer : The matching scorer for ``GridSearchCV``.

    Notes
    -----
    %(shared_notes)s

    With ``confidence=None``, ties between thresholds of equal cost go to
    the lowest threshold, so raising ``fn_cost`` never raises the chosen
    threshold.

    Per-sample costs (a missed fraud costs its amount) are given to
    :meth:`fit` as ``fn_cost=amount`` (or any of the four costs); they
    replace the constant for those samples. With metadata routing enabled,
    a grid search passes them on after ``set_fit_request(fn_cost=True)``,
    and :func:`make_cost_scorer`'s scorer takes them after
    ``set_score_request(fn_cost=True)``.

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
    >>> bool(model.best_cost_ <= model.base_cost_)
    True
    >>> bool(model.saving_lower_bound_ > 0)
    True
    """

    _parameter_constraints: dict = {
        **_BaseThreshold._parameter_constraints,
        "fp_cost": [Interval(Real, 0, None, closed="left")],
        "fn_cost": [Interval(Real, 0, None, closed="left")],
        "tp_cost": [Interval(Real, 0, None, closed="left")],
        "tn_cost": [Interval(Real, 0, None, closed="left")],
        "confidence": [Interval(Real, 0, 1, closed="left"), None],
    }

    def __init__(
        self,
        detector,
        *,
        fp_cost,
        fn_cost,
        tp_cost=0,
        tn_cost=0,
        confidence=0.9,
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
        self.confidence = confidence

    def _curve(self, held):
        costs = {
            name: held.row_costs.get(name, getattr(self, name)) for name in _COST_NAMES
        }
        total, thresholds = cost_curve(
            held.y, held.scores, **costs, anomaly_label=self.anomaly_label
        )
        is_anomaly = held.y == self.anomaly_label
        block_savings = np.array(
            [
                _block_saving(thresholds, is_anomaly, held.scores, costs, block)
                for block in held.blocks
            ]
        )
        savings = total[-1] - total
        lower_bounds = _lower_bound(
            block_savings, 0.9 if self.confidence is None else self.confidence
        )
        extra = {
            "costs": total,
            "savings": savings,
            "saving_lower_bounds": lower_bounds,
            "block_savings": block_savings,
        }
        return thresholds, -total, extra

    def _choose(self, thresholds, values, extra):
        if self.confidence is None:
            return _best_index(values)
        bounds = extra["saving_lower_bounds"]
        index = _best_index(bounds)
        if bounds[index] > 0:
            return index
        nothing = len(thresholds) - 1  # +inf flags nothing
        best = _best_index(values)
        warnings.warn(
            f"{type(self).__name__} flags nothing: no threshold saves reliably over "
            f"flagging nothing on the held-out data (best saving "
            f"{extra['savings'][best]:.6g}, its lower bound at "
            f"confidence={self.confidence} {bounds[best]:.6g}); lower confidence, "
            "or give more labelled data or a better detector.",
            UserWarning,
        )
        return nothing

    @_fit_context(
        # the wrapped detector is not validated yet
        prefer_skip_nested_validation=False
    )
    @_unfitted_on_failure
    def fit(
        self, X, y, *, fp_cost=None, fn_cost=None, tp_cost=None, tn_cost=None, **params
    ):
        """Train the detector and choose the threshold of least cost.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal and anomalous.

        y : array-like of shape (n_samples,)
            Labels: ``anomaly_label`` marks the anomalies, the other class is
            normal.

        fp_cost, fn_cost, tp_cost, tn_cost : array-like of shape (n_samples,), default=None
            Per-sample costs of each outcome, which replace the constant of
            the same name for these samples (e.g. ``fn_cost=amount``: a
            missed fraud costs its amount). None keeps the constant.

        %(fit_params)s

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        given = {"fp_cost": fp_cost, "fn_cost": fn_cost, "tp_cost": tp_cost, "tn_cost": tn_cost}
        row_costs = _check_costs(
            _num_samples(X),
            **{name: value for name, value in given.items() if value is not None},
        )
        self._fit(X, y, params, row_costs)
        self.best_cost_ = -self.best_score_
        results = self.cv_results_
        self.base_cost_ = float(results["costs"][-1])
        index = int(np.searchsorted(results["thresholds"], self.best_threshold_, side="left"))
        self.saving_ = float(results["savings"][index])
        self.saving_lower_bound_ = float(results["saving_lower_bounds"][index])
        return self

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        See scikit-learn's `metadata routing user guide
        <https://scikit-learn.org/stable/metadata_routing.html>`_ for how the
        routing mechanism works.

        Returns
        -------
        routing : MetadataRouter
            Its own per-sample costs, and the routing of
            :meth:`ThresholdSelector.get_metadata_routing`.
        """
        return super().get_metadata_routing().add_self_request(self)


def _block_saving(thresholds, is_anomaly, scores, costs, block):
    """The saving of the rows ``block`` over flagging nothing, at each threshold."""
    block_costs = {
        name: value[block] if np.ndim(value) else value for name, value in costs.items()
    }
    at = _costs_at(thresholds, is_anomaly[block], scores[block], block_costs)
    return at[-1] - at  # the last threshold, +inf, flags nothing


def _lower_bound(block_savings, confidence):
    """One-sided lower confidence bound of the total saving, from its blocks."""
    from scipy.stats import t as student

    n_blocks = block_savings.shape[0]
    total = block_savings.sum(axis=0)
    if n_blocks < 2:
        return total
    spread = block_savings.std(axis=0, ddof=1)
    return total - student.ppf(confidence, n_blocks - 1) * np.sqrt(n_blocks) * spread
