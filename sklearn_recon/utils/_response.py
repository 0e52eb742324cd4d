"""The one answer to "what is this estimator's anomaly score?".

Like scikit-learn's ``utils/_response.py`` (``_get_response_values``), this
module is the single place that knows how to ask any estimator the package
meets for

- its **anomaly score** (:func:`get_anomaly_score`): higher is more
  anomalous, ``-score_samples`` for an outlier detector, the anomaly
  probability (or signed decision) for a classifier;
- its **threshold** on that score (:func:`get_threshold`): a sample is an
  anomaly when its score is above it;
- whether it **learns from labels** (:func:`learns_from_labels`), so that a
  meta-estimator gives ``y`` to supervised learners wherever they sit;

for a bare detector (ours or scikit-learn's), a
:class:`~sklearn.pipeline.Pipeline` of scikit-learn or of imbalanced-learn
(samplers are skipped when scoring, as those pipelines do), a
:class:`~sklearn.frozen.FrozenEstimator`, our threshold meta-estimators
(:class:`~sklearn_recon.ThresholdSelector`,
:class:`~sklearn_recon.CostThreshold`), a
:class:`~sklearn_recon.WindowedDetector` and scikit-learn's classifiers.
The meta-estimators, the scorers, the displays, the command line and the
benchmarks all ask here; the sign flip of ``score_samples`` happens nowhere
else.
"""

import numpy as np
from sklearn.base import is_classifier, is_outlier_detector
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted


def _is_threshold_meta_estimator(estimator):
    from ..threshold import _BaseThreshold

    return isinstance(estimator, _BaseThreshold)


def _is_container(estimator):
    """Whether ``estimator`` only wraps others: a Pipeline or a FrozenEstimator."""
    from sklearn.frozen import FrozenEstimator
    from sklearn.pipeline import Pipeline

    return isinstance(estimator, (Pipeline, FrozenEstimator))


def _is_sampler(step):
    """An imbalanced-learn sampler: a pipeline step that resamples when fitting."""
    return hasattr(step, "fit_resample")


def pipeline_steps(estimator, where="estimator"):
    """The steps that transform the rows, and the estimator that predicts.

    Walks through :class:`~sklearn.frozen.FrozenEstimator` and
    :class:`~sklearn.pipeline.Pipeline` (scikit-learn's or
    imbalanced-learn's), in any nesting, skipping ``"passthrough"`` steps and
    samplers, as those pipelines do when predicting. It does not enter the
    threshold meta-estimators or :class:`~sklearn_recon.WindowedDetector`,
    which score rows in their own right.

    Parameters
    ----------
    estimator : estimator instance
        Fitted or not.

    where : str, default="estimator"
        How to name ``estimator`` in the returned paths.

    Returns
    -------
    steps : list of (str, estimator instance)
        The transforming steps in order, each with its path, e.g.
        ``"estimator.steps[0][1]"``.

    final : estimator instance or "passthrough"
        The last step, unwrapped.

    where : str
        The path of ``final``.
    """
    from sklearn.frozen import FrozenEstimator

    steps = []
    while _is_container(estimator):
        if isinstance(estimator, FrozenEstimator):
            estimator, where = estimator.estimator, f"{where}.estimator"
            continue
        *front, (_, last) = estimator.steps
        for i, (_, step) in enumerate(front):
            if not (step is None or step == "passthrough" or _is_sampler(step)):
                steps.append((f"{where}.steps[{i}][1]", step))
        estimator, where = last, f"{where}.steps[{len(front)}][1]"
    return steps, estimator, where


def final_estimator(estimator, X=None):
    """The estimator that makes the predictions, inside pipelines and freezing.

    See :func:`pipeline_steps`; ``X`` goes through the steps before it.

    Parameters
    ----------
    estimator : estimator instance
        An estimator, fitted if ``X`` is given.

    X : array-like, default=None
        Rows to transform by the steps before the final estimator.

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
    steps, final, _ = pipeline_steps(estimator)
    if X is not None:
        for _, step in steps:
            X = step.transform(X)
    return final, X, bool(steps)


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
    if _is_threshold_meta_estimator(final):
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
        ``best_threshold_`` of a threshold meta-estimator (flag when the
        score is ``>=`` it); ``-offset_`` of an outlier detector (its
        ``threshold_`` for ours: flag when the score is ``>`` it, i.e. when
        ``decision_function`` is negative); ``0`` for an outlier detector
        that has only ``decision_function``. None for a classifier or an
        estimator without a threshold.
    """
    final, _, _ = final_estimator(estimator)
    if _is_threshold_meta_estimator(final):
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
