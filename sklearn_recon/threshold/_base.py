"""The base class of the threshold meta-estimators.

:class:`~sklearn_recon.ThresholdSelector` and
:class:`~sklearn_recon.CostThreshold` wrap any outlier detector (ours or
scikit-learn's) and turn it into a binary classifier of ``y``'s own coding,
the pattern of scikit-learn's
:class:`~sklearn.model_selection.TunedThresholdClassifierCV` (which refuses
outlier detectors). Their base class holds the shared parameters, validates
them and the labels, routes the metadata, and gives the building blocks of
a fit: training a clone on some rows, and the held-out anomaly scores of a
cross-validation (or of a frozen detector). Each subclass has one ``_fit``
strategy that uses them, reads a threshold curve and sets its fitted
attributes; the threshold rules are :mod:`._rules`. Which rows and labels
the detector learns from, what its anomaly score is and which scores are
flagged come from :mod:`sklearn_recon.utils._response`.
"""

from dataclasses import dataclass
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

from ..utils._docstring import fill_doc
from ..utils._fitting import unfitted_on_failure
from ..utils._response import (
    THRESHOLD,
    flag,
    get_anomaly_score,
    inner_anomaly_label,
    learns_from_labels,
)
from ..utils._sklearn_compat import (
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
from ..utils._validation import check_anomaly_label


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


def _fit_and_score_fold(meta, data, train, test):
    """Train a clone on the ``train`` rows; return it and its ``test`` scores."""
    model = meta._fit_clone(data, train)
    return model, meta._score(model, data, test)


#: Consecutive blocks a single held-out part is cut into, to see how a
#: threshold's saving varies across the data (CostThreshold's confidence).
_N_BLOCKS = 5


@dataclass
class _FitData:
    """What ``fit`` validated: the rows, labels and metadata a strategy uses.

    ``y`` holds the labels (all normal when ``fit`` got none), ``classes``
    the two classes of ``predict``; ``fit_params``, ``split_params`` and
    ``score_params`` are the metadata of the detector's ``fit``, of the
    splitter and of the scorer; ``with_labels`` says whether the detector
    learns from all labelled rows (else from the normal ones);
    ``row_costs`` holds per-sample costs (CostThreshold).
    """

    X: object
    y: np.ndarray
    classes: np.ndarray
    fit_params: dict
    split_params: dict
    score_params: dict
    with_labels: bool
    row_costs: dict


@dataclass
class _HeldOut:
    """The held-out rows a threshold is chosen on, in the order of their scores.

    ``blocks`` are positions in that order: the folds of the cross-validation,
    or consecutive blocks of a single held-out part. ``score_params`` and
    ``row_costs`` hold the held-out rows' metadata.
    """

    y: np.ndarray
    scores: np.ndarray
    blocks: list
    score_params: dict
    row_costs: dict

    @classmethod
    def of(cls, data, rows, scores, blocks):
        """The held-out ``rows`` of ``data`` (a :class:`_FitData`) and their scores."""
        return cls(
            y=data.y[rows],
            scores=scores,
            blocks=blocks,
            score_params=_check_method_params(data.X, data.score_params, indices=rows),
            row_costs=_check_method_params(data.X, data.row_costs, indices=rows),
        )


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
    """Shared parameters, validation and fitting blocks of the threshold meta-estimators.

    ``fit`` validates the labels and the metadata into a :class:`_FitData`
    and hands it to the subclass's one strategy, ``_fit(data)``, which
    trains (:meth:`_fit_clone`, :meth:`_held_out_scores`), chooses the
    threshold on a curve and sets the fitted attributes
    (:meth:`_set_fitted`). Subclasses may also override
    ``_uses_no_labels`` (whether ``y`` may lack anomalies) and ``_scorer``
    (the scorer whose metadata ``fit`` routes).
    """

    # The tag utils._response recognises (flag scores >= best_threshold_,
    # score through estimator_).
    _anomaly_role = THRESHOLD

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

    def __init__(self, detector, *, cv, refit, anomaly_label, train_on, n_jobs, random_state):
        self.detector = detector
        self.cv = cv
        self.refit = refit
        self.anomaly_label = anomaly_label
        self.train_on = train_on
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------- subclasses

    def _uses_no_labels(self):
        """Whether the threshold needs no anomaly in ``y`` (``y`` may be None)."""
        return False

    def _scorer(self):
        """The scorer whose metadata ``fit`` routes, or None."""
        return None

    def _fit(self, data):
        """Train the detector and choose the threshold; set the fitted attributes.

        ``data`` is the validated :class:`_FitData`; returns ``self``.
        """
        raise NotImplementedError

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
    @unfitted_on_failure
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
        return self._fit(self._validate_fit_data(X, y, params))

    def _validate_fit_data(self, X, y, params, row_costs=None):
        """Check the labels, route the metadata; the :class:`_FitData` of a fit."""
        y, classes = self._check_y(y, _num_samples(X))
        X, y = indexable(X, y)
        fit_params, split_params, score_params = self._route(params)
        return _FitData(
            X=X,
            y=y,
            classes=classes,
            fit_params=fit_params,
            split_params=split_params,
            score_params=score_params,
            with_labels=self._with_labels(),
            row_costs=row_costs or {},
        )

    def _training_rows(self, data, indices):
        """The rows of ``indices`` the detector learns from: all, or the normal ones."""
        if data.with_labels:
            return indices
        return indices[data.y[indices] != self.anomaly_label]

    def _fit_clone(self, data, indices):
        """A clone of the detector fitted on its training rows among ``indices``."""
        return _fit_detector(
            clone(self.detector),
            data.X,
            data.y,
            data.fit_params,
            self._training_rows(data, indices),
            with_labels=data.with_labels,
        )

    def _score(self, estimator, data, rows=None):
        """The anomaly scores of ``estimator`` on ``rows`` of ``data.X`` (all if None)."""
        X = data.X if rows is None else _safe_indexing(data.X, rows)
        return get_anomaly_score(estimator, X, anomaly_label=self.anomaly_label)

    def _held_out_scores(self, data):
        """The final model and the held-out rows with their anomaly scores.

        A :class:`~sklearn.frozen.FrozenEstimator` is used as it is: every
        row given to ``fit`` is held out, in consecutive blocks. Otherwise
        the folds of ``cv`` train clones whose held-out scores are pooled;
        the final model is refitted on all (normal) rows, or with
        ``refit=False`` is the model of the one training part.

        Returns
        -------
        estimator : estimator instance
        held : _HeldOut
        """
        every_row = np.arange(len(data.y))
        if isinstance(self.detector, FrozenEstimator):
            scores = self._score(self.detector, data)
            blocks = np.array_split(every_row, _N_BLOCKS)
            return self.detector, _HeldOut.of(data, every_row, scores, blocks)
        splits = list(self._splitter(data.y).split(data.X, data.y, **data.split_params))
        folds = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_score_fold)(self, data, train, test) for train, test in splits
        )
        held_out = np.concatenate([test for _, test in splits])
        scores = np.concatenate([fold_scores for _, fold_scores in folds])
        ends = np.cumsum([len(test) for _, test in splits])
        blocks = [np.arange(end - len(test), end) for (_, test), end in zip(splits, ends)]
        if len(blocks) < 2:
            # one held-out part: its consecutive blocks stand for folds
            blocks = np.array_split(np.arange(len(held_out)), _N_BLOCKS)
        estimator = self._fit_clone(data, every_row) if self.refit else folds[0][0]
        return estimator, _HeldOut.of(data, held_out, scores, blocks)

    def _set_fitted(self, data, estimator, *, threshold, score, cv_results):
        """Set the fitted attributes every threshold meta-estimator has."""
        self.estimator_ = estimator
        self.classes_ = data.classes
        self.best_threshold_ = float(threshold)
        self.best_score_ = float(score)
        self.cv_results_ = cv_results
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, name):
                setattr(self, name, getattr(estimator, name))
        return self

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
        flagged = flag(self._scores(X), self.best_threshold_, at_threshold=True)
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
