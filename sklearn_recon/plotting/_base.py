"""What the displays share: the mixin that asks estimators, and drawing helpers.

As scikit-learn's ``utils/_plotting.py`` does for ``metrics/_plot/*``, this
module is the one place where a display learns from a fitted estimator its
anomaly scores, its threshold, the detector inside it and the labels of the
data: :class:`_AnomalyDisplayMixin` asks :mod:`sklearn_recon.utils._response`
(which computes ``-score_samples`` and walks pipelines) and
:func:`~sklearn_recon.utils._validation.check_anomaly_label`, so no display
does either itself. The helpers below check for matplotlib, lay out the
axes, merge the user's style keywords and hold the colours every display
uses; the docstring paragraphs several displays share are in ``_DOC``, for
:func:`~sklearn_recon.utils._docstring.fill_doc`.
"""

import numpy as np

from ..metrics._cost import check_scores
from ..utils import _response
from ..utils._sklearn_compat import _validate_style_kwargs
from ..utils._validation import check_anomaly_label

#: Colours of the two classes and of the threshold, used by every display.
_NORMAL_COLOR = "tab:blue"
_ANOMALY_COLOR = "tab:red"
_THRESHOLD_COLOR = "black"

#: Docstring paragraphs shared by several displays, as ``%(name)s``.
_DOC = {
    "ax": """
        ax : matplotlib Axes, default=None
            Axes to draw on. If None, a new figure is created.
        """,
    "plot_name": """
        name : str, default=None
            Name of the detector for the title; overrides ``name`` given at
            construction.
        """,
    "from_estimator_name": """
        name : str, default=None
            Title; the detector's class name if None.
        """,
    "from_predictions_name": """
        name : str, default=None
            Title of the plot.
        """,
    "anomaly_label": """
        anomaly_label : int, float, str or bool, default=-1
            The label that marks the anomalies; every other label is normal.
        """,
    "anomaly_score": """
        anomaly_score : array-like of shape (n_samples,)
            Anomaly score of each sample, higher is more anomalous (for a
            detector, ``-detector.score_samples(X)``).
        """,
    "score_from_estimator": """
        estimator : estimator instance
            A fitted outlier detector (ours or scikit-learn's, such as
            :class:`~sklearn.ensemble.IsolationForest`), a fitted
            :class:`~sklearn_recon.ThresholdSelector` or
            :class:`~sklearn_recon.CostThreshold`, or a
            :class:`~sklearn.pipeline.Pipeline` ending in one. The threshold
            line is at its ``threshold_``, ``best_threshold_`` or
            ``-offset_``.

        X : array-like of shape (n_samples, n_features)
            Samples to score.

        y : array-like of shape (n_samples,), default=None
            Labels of ``X``, to colour normal samples and anomalies.

        anomaly_label : int, float, str or bool, default=-1
            The label that marks the anomalies in ``y``; every other label is
            normal.

        ax : matplotlib Axes, default=None
            Axes to draw on. If None, a new figure is created.

        name : str, default=None
            Title; the detector's class name if None.
        """,
    "score_from_predictions": """
        y_true : array-like of shape (n_samples,) or None
            Labels of the samples; None draws them in one colour.

        anomaly_score : array-like of shape (n_samples,)
            Anomaly score of each sample, higher is more anomalous (for a
            detector, ``-detector.score_samples(X)``).

        threshold : float, default=None
            The threshold line; none if None.

        anomaly_label : int, float, str or bool, default=-1
            The label that marks the anomalies in ``y_true``; every other
            label is normal.

        ax : matplotlib Axes, default=None
            Axes to draw on. If None, a new figure is created.

        name : str, default=None
            Title of the plot.
        """,
    "score_parameters": """
        anomaly_score : ndarray of shape (n_samples,)
            Anomaly score of each sample, higher is more anomalous.

        threshold : float, default=None
            The threshold on the anomaly score: samples above it are
            flagged. None draws no threshold line.

        is_anomaly : ndarray of bool of shape (n_samples,), default=None
            Which samples are labelled anomalies; None draws all samples in
            one colour.

        score_label : str, default="Anomaly score"
            Axis label of the scores.

        name : str, default=None
            Name of the detector, for the title.
        """,
    "one_axes_attributes": """
        ax_ : matplotlib Axes
            Axes of the plot.

        figure_ : matplotlib Figure
            Figure containing the Axes.
        """,
    "curve_estimator_name": """
        name : str, default=None
            Title; the class names of the meta-estimator and its detector if
            None.
        """,
    "series_y": """
        y : array-like of shape (n_timesteps,), default=None
            Labels of the time steps; the runs of ``anomaly_label`` are
            shaded.
        """,
    "series_ax": """
        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on: one, or two with ``show_series``. If None, a
            new figure is created.
        """,
    "curve_kw": """
        curve_kw : dict, default=None
            Keyword arguments of matplotlib's ``plot``, applied to every
            curve.
        """,
}


def _check_matplotlib_support(caller_name):
    """Raise an ImportError that says how to install matplotlib."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, a dependency of sklearn-recon "
            "that is missing from this environment. Install it with: pip install "
            "matplotlib"
        ) from exc
    return matplotlib


def _axes_grid(ax, shape, caller_name, *, width=None):
    """Axes of ``shape`` (rows, columns): new ones, or ``ax`` checked.

    A new figure is ``width`` inches wide (by default 6.4 for one column, 4
    per column for several, at most 16).

    Returns ``(axes, figure)`` with ``axes`` a 2-D object array.
    """
    _check_matplotlib_support(caller_name)
    import matplotlib.pyplot as plt

    if ax is None:
        n_rows, n_cols = shape
        figure, axes = plt.subplots(
            n_rows,
            n_cols,
            squeeze=False,
            sharex=True,
            figsize=(
                width or (6.4 if n_cols == 1 else min(4.0 * n_cols, 16.0)),
                min(2.8 + 2.0 * n_rows, 12.0),
            ),
            layout="constrained",
        )
        return axes, figure
    axes = np.asarray(ax, dtype=object)
    if axes.size != np.prod(shape):
        raise ValueError(
            f"{caller_name} draws {np.prod(shape)} panel(s) {shape}, but ax holds "
            f"{axes.size} Axes; pass None or as many Axes as panels."
        )
    axes = axes.reshape(shape)
    return axes, axes.flat[0].figure


def _squeeze(axes):
    """One Axes for a single panel, else the array (as ``plt.subplots``)."""
    return axes[0, 0] if axes.size == 1 else axes


def _style(defaults, user_kw):
    """The display's default style overridden by the user's keywords.

    Aliases replace their long names (``c`` replaces a default ``color``);
    giving both is matplotlib's TypeError.
    """
    return _validate_style_kwargs(defaults, user_kw or {})


def _check_1d_finite(values, name):
    """``values`` as a 1-D float64 array without NaN or infinity."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} holds NaN or infinite values.")
    return values


def _score_groups(anomaly_score, is_anomaly):
    """The checked scores and the groups drawn: ``(label, mask, colour)`` each.

    One group of all samples without labels; normal samples then anomalies
    with them.
    """
    scores = _check_1d_finite(anomaly_score, "anomaly_score")
    if is_anomaly is None:
        return scores, [("Samples", np.ones(len(scores), dtype=bool), _NORMAL_COLOR)]
    is_anomaly = np.asarray(is_anomaly, dtype=bool)
    if is_anomaly.shape != scores.shape:
        raise ValueError(
            f"is_anomaly has shape {is_anomaly.shape}, anomaly_score "
            f"{scores.shape}; give one label per score."
        )
    return scores, [
        ("Normal", ~is_anomaly, _NORMAL_COLOR),
        ("Anomaly", is_anomaly, _ANOMALY_COLOR),
    ]


#: The axis of an error made of standardised terms (VAEDetector's): what it
#: is, and where its zero lies (the threshold line is in the legend).
STANDARDISED_ERROR_LABEL = (
    "Anomaly error: reconstruction error + latent distances, each in\n"
    "training standard deviations from its mean (0 = an average training row)"
)


def _threshold_style(threshold):
    """Style of a threshold line, labelled with its value."""
    return {
        "color": _THRESHOLD_COLOR,
        "linestyle": "--",
        "label": None if threshold is None else f"Threshold = {threshold:.3g}",
    }


def _name_of(estimator):
    """Class name of the estimator inside pipelines and freezing."""
    return type(_response.final_estimator(estimator)[0]).__name__


class _AnomalyDisplayMixin:
    """Mixin of the displays: the one place they ask an estimator anything.

    Its class methods give a display's ``from_estimator`` and
    ``from_predictions`` the checked anomaly scores, threshold, labels and
    names (from :mod:`sklearn_recon.utils._response`), and
    :meth:`_validate_plot_params` gives ``plot`` its Axes.
    """

    def _validate_plot_params(self, ax, shape=(1, 1), *, name=None, width=None):
        """Axes (a 2-D array of ``shape``), figure and title of ``plot``."""
        axes, figure = _axes_grid(ax, shape, f"{type(self).__name__}.plot", width=width)
        return axes, figure, self.name if name is None else name

    @staticmethod
    def _detector_of(estimator, X=None):
        """The fitted detector that learned, and ``X`` as it receives it.

        The walk of :func:`sklearn_recon.utils._response.walk` through
        pipelines, freezing, the threshold meta-estimators and, when no
        ``X`` is given, a :class:`~sklearn_recon.WindowedDetector` (whose
        detector scores windows, not the rows of ``X``).

        Returns ``(detector, X, scaled)``: ``scaled`` says whether a pipeline
        step transforms the input of the detector.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator)
        found = _response.walk(estimator, X, enter=_response.WRAPPERS)
        return found.final, found.X, found.transformed

    @classmethod
    def _score_label(cls, estimator):
        """Axis label of the anomaly scores of a fitted estimator."""
        detector, _, scaled = cls._detector_of(estimator)
        # a reconstruction detector's anomaly error is its reconstruction
        # error, unless it adds terms (VAEDetector's latent distances)
        if hasattr(detector, "error_scale_"):
            # VAEDetector: terms each standardised on the training rows, so
            # most values are small, many negative, whatever the scaling
            return STANDARDISED_ERROR_LABEL
        elif hasattr(detector, "reconstruct"):
            label = "Reconstruction error"
        elif hasattr(detector, "threshold_"):
            label = "Anomaly error"
        elif hasattr(detector, "predict_proba"):  # a classifier in a ThresholdSelector
            label = "Anomaly probability"
        else:
            label = "Anomaly score (-score_samples)"
        return label + (", scaled data" if scaled else "")

    @staticmethod
    def _anomaly_score(estimator, X):
        """Anomaly score of each row of ``X``: the one answer of ``_response``."""
        return _response.get_anomaly_score(estimator, X)

    @staticmethod
    def _contributions(estimator, X):
        """Per-feature contributions of the rows of ``X`` to their anomaly score.

        The one answer of :func:`sklearn_recon.inspection.feature_contributions`,
        in the input's features.
        """
        from ..inspection import feature_contributions

        return feature_contributions(estimator, X)

    @staticmethod
    def _feature_names(estimator, X, n_features):
        """Names of the input's features: the estimator's, ``X``'s, else ``x0``...

        ``feature_names_in_`` of the fitted estimator (a Pipeline fitted on
        a DataFrame has it), else the columns of a DataFrame ``X``, else
        ``x0, x1, ...`` as scikit-learn names them.
        """
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            names = getattr(X, "columns", None)  # a DataFrame; a list has none
        if names is None:
            names = [f"x{i}" for i in range(n_features)]
        return [str(name) for name in names]

    @staticmethod
    def _anomaly_mask(y, anomaly_label, n_samples):
        """Boolean anomaly mask of the labels ``y`` of ``n_samples`` rows."""
        from sklearn.utils.validation import check_consistent_length

        is_anomaly = check_anomaly_label(y, anomaly_label, name="y")
        check_consistent_length(is_anomaly, np.empty(n_samples))
        return is_anomaly

    @classmethod
    def _scores_from_estimator(cls, estimator, X, y=None, *, anomaly_label=-1, name=None):
        """Constructor keywords of a score display from a fitted estimator.

        Returns a dict of ``anomaly_score`` (checked against ``y``),
        ``threshold``, ``is_anomaly`` (None without ``y``), ``score_label``
        and ``name``.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        score_label = cls._score_label(estimator)  # checks that it is fitted
        scores = cls._anomaly_score(estimator, X)
        is_anomaly = None
        if y is not None:
            is_anomaly, scores = check_scores(y, scores, anomaly_label)
        return {
            "anomaly_score": scores,
            "threshold": _response.get_threshold(estimator),
            "is_anomaly": is_anomaly,
            "score_label": score_label,
            "name": _name_of(estimator) if name is None else name,
        }

    @classmethod
    def _scores_from_predictions(cls, y_true, anomaly_score, *, anomaly_label=-1):
        """The anomaly mask of ``y_true`` (None if None) and the scores, checked.

        The same check as the metrics': labels that hold ``anomaly_label``,
        one finite real score per label.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_predictions")
        if y_true is None:  # plot checks the scores
            return None, anomaly_score
        return check_scores(y_true, anomaly_score, anomaly_label)

    @classmethod
    def _threshold_results(cls, estimator, *, key, other):
        """The ``cv_results_`` of a fitted threshold meta-estimator holding ``key``.

        ``estimator`` may sit inside pipelines and freezing. ``other`` names
        the display that draws the results without ``key``.

        Returns ``(meta_estimator, cv_results, name)``, ``name`` being
        ``"Meta(Detector)"``.
        """
        from sklearn.utils.validation import check_is_fitted

        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        meta = _response.final_estimator(estimator)[0]
        if not _response.is_threshold_meta_estimator(meta):
            raise TypeError(
                f"{cls.__name__}.from_estimator needs a ThresholdSelector or a "
                f"CostThreshold; got {type(meta).__name__}. For a bare detector use "
                f"{cls.__name__}.from_predictions with its anomaly scores on "
                "labelled data."
            )
        check_is_fitted(meta)
        results = meta.cv_results_
        if key not in results:
            fitted = type(meta).__name__
            if "method" in meta.get_params(deep=False):
                fitted += f" with method={meta.method!r}"
            raise ValueError(
                f"{cls.__name__} draws cv_results_[{key!r}], which this {fitted} "
                f"did not record; use {other}."
            )
        return meta, results, f"{type(meta).__name__}({_name_of(meta.estimator_)})"

    @staticmethod
    def _best_point(thresholds, values, anomaly_score):
        """Where a threshold meta-estimator puts the threshold on these scores.

        ``values`` is greater-is-better. Returns ``(threshold, index)``: the
        threshold halfway below the best point of the curve, and the index
        of that point.
        """
        from ..threshold._rules import best_index, threshold_between

        index = best_index(values)
        return threshold_between(thresholds[index], anomaly_score), index

    @staticmethod
    def _plot_step_curve(ax, thresholds, values, defaults, curve_kw):
        """Draw ``values`` over the finite ``thresholds`` as a step curve.

        A sample is flagged when its score is ``>= t``, so every ``t`` in
        ``(thresholds[i-1], thresholds[i]]`` gives ``values[i]``: the step is
        held to the left of each threshold, and a threshold chosen between
        two scores lies on it.
        """
        shown = np.isfinite(thresholds)
        (line,) = ax.plot(
            thresholds[shown],
            values[shown],
            **_style({**defaults, "drawstyle": "steps-pre"}, curve_kw),
        )
        return line

    @staticmethod
    def _mark_best(ax, threshold, value, what):
        """Mark the chosen threshold on its curve; None without one."""
        if threshold is None or value is None:
            return None
        (marker,) = ax.plot(
            [threshold],
            [value],
            "o",
            color=_THRESHOLD_COLOR,
            label=f"Threshold {threshold:.3g}: {what} = {value:.4g}",
        )
        return marker

    @staticmethod
    def _check_curves(thresholds, **curves):
        """The thresholds and each curve as float64, one value per threshold."""
        thresholds = np.asarray(thresholds, dtype=np.float64)
        checked = {}
        for key, values in curves.items():
            checked[key] = np.asarray(values, dtype=np.float64)
            if checked[key].shape != thresholds.shape:
                raise ValueError(
                    f"{key} has shape {checked[key].shape} but thresholds has "
                    f"{thresholds.shape}; give one value per threshold."
                )
        return thresholds, checked


class _AnomalyScoreDisplay(_AnomalyDisplayMixin):
    """Base of the displays of one anomaly score per sample and a threshold."""

    def __init__(
        self,
        *,
        anomaly_score,
        threshold=None,
        is_anomaly=None,
        score_label="Anomaly score",
        name=None,
    ):
        self.anomaly_score = anomaly_score
        self.threshold = threshold
        self.is_anomaly = is_anomaly
        self.score_label = score_label
        self.name = name

    @classmethod
    def _undrawn_from_estimator(cls, estimator, X, y, *, anomaly_label, name):
        """The display of a fitted estimator's scores on ``X``, not yet drawn."""
        return cls(
            **cls._scores_from_estimator(estimator, X, y, anomaly_label=anomaly_label, name=name)
        )

    @classmethod
    def _undrawn_from_predictions(cls, y_true, anomaly_score, *, threshold, anomaly_label, name):
        """The display of given labels and scores, not yet drawn."""
        is_anomaly, scores = cls._scores_from_predictions(
            y_true, anomaly_score, anomaly_label=anomaly_label
        )
        return cls(
            anomaly_score=scores,
            threshold=None if threshold is None else float(threshold),
            is_anomaly=is_anomaly,
            name=name,
        )
