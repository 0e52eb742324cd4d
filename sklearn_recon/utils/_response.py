"""The one answer to "what is this estimator's anomaly score, and what does it flag?".

Like scikit-learn's ``utils/_response.py`` (``_get_response_values``), this
module is the single place that knows how to ask any estimator the package
meets for

- the **walk** through nested estimators (:func:`walk`): Pipelines of
  scikit-learn and of imbalanced-learn (``"passthrough"`` steps and samplers
  skipped, as those pipelines do when predicting),
  :class:`~sklearn.frozen.FrozenEstimator`, and, when asked, our threshold
  meta-estimators and :class:`~sklearn_recon.WindowedDetector`;
- its **anomaly score** (:func:`get_anomaly_score`): higher is more
  anomalous, ``-score_samples`` for an outlier detector, the anomaly
  probability (or signed decision) for a classifier;
- its **threshold** on that score (:func:`get_threshold`);
- the **flag rule** (:func:`flag`, :func:`is_flagged`): which scores are
  anomalies given the threshold;
- whether it **learns from labels** (:func:`learns_from_labels`), so that a
  meta-estimator gives ``y`` to supervised learners wherever they sit.

It imports no estimator module of the package: estimators are recognised
by behaviour (``score_samples``, ``predict_proba``, ``offset_``, ...) and
by one tag, the class attribute ``_anomaly_role`` (see :func:`anomaly_role`),
which the threshold meta-estimators set to ``"threshold"`` and
:class:`~sklearn_recon.WindowedDetector` to ``"windowed"``. The
meta-estimators, the scorers, the displays, the command line, the export,
the evaluation protocol and the benchmarks all ask here; the sign flip of
``score_samples`` and the comparison with the threshold happen nowhere else.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import is_classifier, is_outlier_detector
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

#: The tag of a threshold meta-estimator (ThresholdSelector, CostThreshold).
THRESHOLD = "threshold"
#: The tag of a meta-estimator that scores a series by windows (WindowedDetector).
WINDOWED = "windowed"

#: Every tag :func:`walk` can enter.
WRAPPERS = (THRESHOLD, WINDOWED)

#: The fitted attribute that holds the estimator a tagged meta-estimator wraps.
_INNER = {THRESHOLD: "estimator_", WINDOWED: "detector_"}


def anomaly_role(estimator):
    """The package's tag of ``estimator``: ``"threshold"``, ``"windowed"`` or None.

    The tag is the class attribute ``_anomaly_role``. A ``"threshold"``
    estimator is a binary classifier around a detector that flags anomaly
    scores ``>= best_threshold_`` and scores through its fitted
    ``estimator_``; a ``"windowed"`` one scores the time steps of a series
    with its fitted ``detector_``, which scores windows.
    """
    return getattr(estimator, "_anomaly_role", None)


def is_threshold_meta_estimator(estimator):
    """Whether ``estimator`` is a threshold meta-estimator (by its tag)."""
    return anomaly_role(estimator) == THRESHOLD


def _is_sampler(step):
    """An imbalanced-learn sampler: a pipeline step that resamples when fitting."""
    return hasattr(step, "fit_resample")


def _is_transform(step):
    """Whether a pipeline step transforms the rows when predicting."""
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return False
    return not _is_sampler(step)


@dataclass
class Walk:
    """What :func:`walk` found on its way to the estimator that scores.

    Attributes
    ----------
    hops : list of (str, str, estimator instance)
        In order, each ``(path, kind, estimator)`` passed on the way: kind
        ``"transform"`` for a pipeline step that transforms the rows,
        ``"threshold"`` or ``"windowed"`` for a tagged meta-estimator that
        was entered.
    final : estimator instance or "passthrough"
        Where the walk stopped: the last step, unwrapped.
    where : str
        The path of ``final``, e.g. ``"estimator.steps[1][1].estimator_"``.
    X : array-like or None
        The rows given to :func:`walk`, through the transforming steps.
    """

    hops: list = field(default_factory=list)
    final: object = None
    where: str = "estimator"
    X: object = None

    @property
    def transforms(self):
        """The ``(path, step)`` of each transforming step, in order."""
        return [(where, step) for where, kind, step in self.hops if kind == "transform"]

    @property
    def transformed(self):
        """Whether some step transforms the rows (the scores are of scaled data)."""
        return bool(self.transforms)

    def wrappers(self, kind):
        """The tagged meta-estimators of ``kind`` entered, outermost first."""
        return [step for _, hop, step in self.hops if hop == kind]


def walk(estimator, X=None, *, enter=(), where="estimator"):
    """Walk through nested estimators to the one that scores the rows.

    The one walker of the package. It goes through
    :class:`~sklearn.frozen.FrozenEstimator` and
    :class:`~sklearn.pipeline.Pipeline` (scikit-learn's or
    imbalanced-learn's), in any nesting, to the last step; steps that
    transform the rows are recorded (and ``X`` goes through them), while
    ``"passthrough"`` steps and samplers are skipped, as those pipelines do
    when predicting. It enters the fitted estimator of a tagged
    meta-estimator (see :func:`anomaly_role`) only for the tags in
    ``enter``: a threshold meta-estimator's ``estimator_`` scores the same
    rows, a windowed detector's ``detector_`` scores windows, so it is
    entered only without ``X``.

    Parameters
    ----------
    estimator : estimator instance
        Fitted, or not when ``enter`` is empty and ``X`` is None.

    X : array-like, default=None
        Rows to transform by the steps on the way.

    enter : collection of {"threshold", "windowed"}, default=()
        The tagged meta-estimators to walk into.

    where : str, default="estimator"
        How to name ``estimator`` in the paths.

    Returns
    -------
    walk : Walk
        The steps passed, the estimator reached, its path and ``X``.
    """
    from sklearn.frozen import FrozenEstimator
    from sklearn.pipeline import Pipeline

    hops = []
    while True:
        if isinstance(estimator, FrozenEstimator):
            estimator, where = estimator.estimator, f"{where}.estimator"
            continue
        if isinstance(estimator, Pipeline):
            *front, (_, last) = estimator.steps
            for i, (_, step) in enumerate(front):
                if _is_transform(step):
                    hops.append((f"{where}.steps[{i}][1]", "transform", step))
                    if X is not None:
                        X = step.transform(X)
            estimator, where = last, f"{where}.steps[{len(front)}][1]"
            continue
        role = anomaly_role(estimator)
        if role in enter and not (role == WINDOWED and X is not None):
            hops.append((where, role, estimator))
            check_is_fitted(estimator)
            attribute = _INNER[role]
            estimator, where = getattr(estimator, attribute), f"{where}.{attribute}"
            continue
        return Walk(hops=hops, final=estimator, where=where, X=X)


def final_estimator(estimator, X=None):
    """The estimator that makes the predictions, inside pipelines and freezing.

    A shorthand of :func:`walk` that enters no meta-estimator.

    Returns
    -------
    final : estimator instance
        The last step, unwrapped.

    X : array-like or None
        ``X`` as the final estimator receives it.

    transformed : bool
        Whether some step transforms ``X`` (the scores are then of scaled
        data).
    """
    found = walk(estimator, X)
    return found.final, found.X, found.transformed


def get_anomaly_score(estimator, X, *, anomaly_label=None):
    """Anomaly score of each row of ``X``: higher is more anomalous.

    Parameters
    ----------
    estimator : estimator instance
        A fitted outlier detector, classifier or threshold meta-estimator,
        possibly inside pipelines and :class:`~sklearn.frozen.FrozenEstimator`.

    X : array-like of shape (n_samples, n_features)
        The rows to score.

    anomaly_label : int, float, str or bool, default=None
        The anomaly class of a classifier (the positive class of its
        probability). Ignored for outlier detectors; a threshold
        meta-estimator knows its own. None means ``classes_[1]``.

    Returns
    -------
    anomaly_score : ndarray of float64 of shape (n_samples,)
        For an outlier detector ``-score_samples(X)`` (or
        ``-decision_function(X)`` when it has no ``score_samples``); for a
        threshold meta-estimator the anomaly score of its fitted detector,
        in the units of its ``best_threshold_``; for a classifier the
        probability of ``anomaly_label`` (or its ``decision_function``,
        signed so that higher means ``anomaly_label``).

    Raises
    ------
    TypeError
        If ``estimator`` is neither an outlier detector nor a classifier.
    """
    final, X, _ = final_estimator(estimator, X)
    if is_threshold_meta_estimator(final):
        check_is_fitted(final, "estimator_")
        return get_anomaly_score(final.estimator_, X, anomaly_label=final.anomaly_label)
    if is_classifier(final):
        classes = np.asarray(final.classes_)
        label = classes[-1] if anomaly_label is None else anomaly_label
        if hasattr(final, "predict_proba"):
            column = np.flatnonzero(classes == label)[0]
            return np.asarray(final.predict_proba(X), dtype=np.float64)[:, column]
        decision = np.asarray(final.decision_function(X), dtype=np.float64)
        return decision if classes[-1] == label else -decision
    if hasattr(final, "score_samples"):
        return -np.asarray(final.score_samples(X), dtype=np.float64)
    if is_outlier_detector(final) and hasattr(final, "decision_function"):
        # negative decision means anomaly
        return -np.asarray(final.decision_function(X), dtype=np.float64)
    raise TypeError(
        f"{type(final).__name__} has no anomaly score: expected an outlier detector "
        "with score_samples (or decision_function), a classifier with "
        "predict_proba or decision_function, or a ThresholdSelector or "
        "CostThreshold."
    )


def get_threshold(estimator):
    """The threshold on :func:`get_anomaly_score` above which a row is an anomaly.

    Parameters
    ----------
    estimator : estimator instance
        A fitted estimator, possibly inside pipelines and
        :class:`~sklearn.frozen.FrozenEstimator`.

    Returns
    -------
    threshold : float or None
        ``best_threshold_`` of a threshold meta-estimator; ``-offset_`` of
        an outlier detector (its ``threshold_`` for ours); ``0`` for an
        outlier detector that has only ``decision_function``. None for a
        classifier or an estimator without a threshold. Which scores it
        flags is :func:`is_flagged`'s answer.
    """
    final, _, _ = final_estimator(estimator)
    if is_threshold_meta_estimator(final):
        check_is_fitted(final, "estimator_")
        return float(final.best_threshold_)
    if is_classifier(final):
        return None
    if hasattr(final, "offset_") and hasattr(final, "score_samples"):
        # OneClassSVM's offset_ is an array of one value
        return -float(np.asarray(final.offset_, dtype=np.float64).item())
    if is_outlier_detector(final) and hasattr(final, "decision_function"):
        check_is_fitted(final)
        return 0.0
    return None


def learns_from_labels(estimator):
    """Whether ``estimator.fit`` should receive all labelled rows with ``y``.

    True for a classifier, an estimator whose tags require ``y`` (an
    imbalanced-learn sampler, a threshold meta-estimator), and a detector
    that names the anomaly class of ``y`` itself (an ``anomaly_label``
    parameter, as :class:`~sklearn_recon.RNNClassifierDetector` has); for a
    pipeline, when any of its steps does. False for a
    :class:`~sklearn.frozen.FrozenEstimator`, which does not learn, and for
    the reconstruction detectors and scikit-learn's outlier detectors, which
    learn what normal rows look like.

    Parameters
    ----------
    estimator : estimator instance
        Fitted or not.

    Returns
    -------
    learns : bool
    """
    from sklearn.frozen import FrozenEstimator
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, FrozenEstimator):
        return False
    if isinstance(estimator, Pipeline):
        return any(
            learns_from_labels(step)
            for _, step in estimator.steps
            if step is not None and step != "passthrough"
        )
    if is_classifier(estimator) or get_tags(estimator).target_tags.required:
        return True
    return "anomaly_label" in estimator.get_params(deep=False)


def inner_anomaly_label(estimator):
    """The ``anomaly_label`` parameter of the final learner, or None.

    The learner inside pipelines and freezing that names the anomaly class of
    ``y`` itself, such as :class:`~sklearn_recon.RNNClassifierDetector`.
    """
    final, _, _ = final_estimator(estimator)
    return final.get_params(deep=False).get("anomaly_label")


def flag(anomaly_score, threshold, *, at_threshold=False):
    """The flag rule: which anomaly scores are anomalies given a threshold.

    The one comparison of an anomaly score with a threshold in the package:
    ``predict`` of the detectors and of the meta-estimators, the drift
    checks, the command line, the exported graphs (it works on TensorFlow
    tensors too), the evaluation protocol and the displays all call it.

    A score strictly above the threshold is an anomaly. A score equal to it
    is an anomaly only with ``at_threshold=True``, which the threshold
    meta-estimators use, and only they. The two conventions come from the
    two families the package follows:

    - an outlier detector follows scikit-learn's ``OutlierMixin``:
      ``predict`` is -1 where ``decision_function = score_samples - offset_``
      is negative, so a score exactly at the threshold ``-offset_`` is an
      inlier (``decision_function == 0``);
    - a threshold meta-estimator follows scikit-learn's threshold curves
      (``precision_recall_curve``, ``TunedThresholdClassifierCV``), which
      count a sample as positive when its score is ``>=`` the threshold:
      its thresholds are points of such curves, and a conformal threshold
      is the smallest score the guarantee allows to be flagged.

    Making them one would change either scikit-learn's detector contract or
    the meaning of every chosen threshold; asking :func:`is_flagged` keeps
    each estimator's own rule in this one place.

    Parameters
    ----------
    anomaly_score : array-like or tensor
        Anomaly scores (higher is more anomalous).

    threshold : float or tensor
        The threshold on those scores.

    at_threshold : bool, default=False
        Whether a score equal to the threshold is flagged.

    Returns
    -------
    flagged : ndarray of bool or tensor
        True for the anomalies.
    """
    if at_threshold:
        return anomaly_score >= threshold
    return anomaly_score > threshold


def flags_at_threshold(estimator):
    """Whether ``estimator`` flags a score equal to its threshold (see :func:`flag`).

    True for a threshold meta-estimator, inside pipelines and freezing;
    False for an outlier detector.
    """
    return is_threshold_meta_estimator(walk(estimator).final)


def is_flagged(estimator, anomaly_score, threshold=None):
    """Which anomaly scores ``estimator`` flags, by its own rule.

    Parameters
    ----------
    estimator : estimator instance
        A fitted outlier detector or threshold meta-estimator, possibly
        inside pipelines and :class:`~sklearn.frozen.FrozenEstimator`.

    anomaly_score : array-like of shape (n_samples,)
        Its anomaly scores (:func:`get_anomaly_score`).

    threshold : float, default=None
        The threshold; None means :func:`get_threshold`.

    Returns
    -------
    flagged : ndarray of bool of shape (n_samples,)
    """
    if threshold is None:
        threshold = get_threshold(estimator)
    return flag(np.asarray(anomaly_score), threshold, at_threshold=flags_at_threshold(estimator))
