"""Visualizations of fitted detectors, in scikit-learn's Display style.

Each display stores the data to draw in its constructor, draws it with
``plot(ax=None, *, name=None, ...)`` (setting ``ax_``, ``figure_`` and its
artists) and is usually made by the class methods ``from_estimator`` (which
score data with a fitted detector) or ``from_predictions`` (which take the
scores directly), as :class:`sklearn.metrics.RocCurveDisplay` does.

- :class:`ReconstructionDisplay`: rows against their reconstruction, the
  error shaded between them, one panel per channel of a sequence.
- :class:`ErrorDisplay`: the anomaly score of each sample coloured by its
  label with the threshold line, or their histogram.
- :class:`ThresholdCurveDisplay`: precision, recall and F1, or the total
  cost, over the threshold.
- :class:`LossCurveDisplay`: the training history, per epoch.
- :class:`SeriesScoreDisplay`: the per-time-step scores of a
  :class:`~sklearn_recon.WindowedDetector` over a series, with the flagged
  steps and the labelled anomalous regions.

Conventions: the **anomaly score** is higher for more anomalous samples,
``-score_samples(X)`` (the reconstruction error of this library's
detectors), and a sample is flagged when it is above the threshold
(``threshold_ == -offset_`` for a detector). Labels ``y`` mark anomalies
with ``anomaly_label`` (default ``-1``, the value ``predict`` uses). A
:class:`~sklearn.pipeline.Pipeline` ending in a detector is accepted
wherever a detector is: ``X`` is transformed by the earlier steps and the
axes say that the values are scaled.

For a confusion matrix use scikit-learn's
:class:`~sklearn.metrics.ConfusionMatrixDisplay` on the detector's
``+1``/``-1`` predictions, with the labels of ``y`` mapped to the same
coding (here ``y`` marks anomalies with 1):

>>> import numpy as np
>>> from sklearn.ensemble import IsolationForest
>>> from sklearn.metrics import ConfusionMatrixDisplay
>>> rng = np.random.RandomState(0)
>>> X = np.r_[rng.normal(size=(95, 2)), rng.normal(6, 1, size=(5, 2))]
>>> y = np.r_[np.zeros(95, dtype=int), np.ones(5, dtype=int)]
>>> detector = IsolationForest(random_state=0).fit(X[y == 0])
>>> y_coded = np.where(y == 1, -1, 1)  # anomaly_label=1 -> -1, the rest -> +1
>>> display = ConfusionMatrixDisplay.from_predictions(
...     y_coded, detector.predict(X), labels=[1, -1],
...     display_labels=["normal", "anomaly"])
>>> display.confusion_matrix.sum(axis=1)  # true normal and anomalous rows
array([95,  5])

A :class:`~sklearn_recon.ThresholdSelector` or
:class:`~sklearn_recon.CostThreshold` predicts in ``y``'s own coding, so
``ConfusionMatrixDisplay.from_estimator(selector, X_test, y_test)`` works
as for any classifier.

matplotlib is an optional dependency: ``pip install sklearn-recon[plot]``.
Neither it nor Keras is imported until a display draws or scores.
"""

import sys
import textwrap
from numbers import Integral

import numpy as np

from .metrics._cost import _check_scores
from .utils._response import final_estimator, get_anomaly_score, get_threshold
from .utils._sklearn_compat import _safe_indexing, _validate_style_kwargs
from .utils._validation import check_anomaly_label

__all__ = [
    "ErrorDisplay",
    "LossCurveDisplay",
    "ReconstructionDisplay",
    "SeriesScoreDisplay",
    "ThresholdCurveDisplay",
]


def _method_paragraph(text):
    """Dedent ``text`` and indent it to the parameter level of a method."""
    return textwrap.indent(textwrap.dedent(text).strip("\n"), " " * 8).lstrip()


#: Parameters shared by the methods of the displays, as ``%(name)s``.
_PARAMETERS = {
    "ax": _method_paragraph(
        """
        ax : matplotlib Axes, default=None
            Axes to draw on. If None, a new figure is created.
        """
    ),
    "plot_name": _method_paragraph(
        """
        name : str, default=None
            Name of the detector for the title; overrides ``name`` given at
            construction.
        """
    ),
    "from_estimator_name": _method_paragraph(
        """
        name : str, default=None
            Title; the detector's class name if None.
        """
    ),
}


def _fill_method_docs(cls):
    """Class decorator substituting ``%(name)s`` in the docstrings of the methods."""
    for member in vars(cls).values():
        function = getattr(member, "__func__", member)  # classmethods
        if callable(function) and function.__doc__ and "%(" in function.__doc__:
            function.__doc__ = function.__doc__ % _PARAMETERS
    return cls


#: Colours of the two classes and of the threshold, used by every display.
_NORMAL_COLOR = "tab:blue"
_ANOMALY_COLOR = "tab:red"
_THRESHOLD_COLOR = "black"
_TRAINING_STYLE = {"linestyle": "-", "color": "tab:blue", "label": "training"}
_VALIDATION_STYLE = {"linestyle": "--", "color": "tab:orange", "label": "validation"}


# ---------------------------------------------------------------- helpers


def _check_matplotlib_support(caller_name):
    """Raise an ImportError that says how to install matplotlib."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, an optional dependency of "
            "sklearn-recon. Install it with: pip install sklearn-recon[plot]"
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


def _anomaly_mask(y_true, anomaly_label, n_samples):
    """Boolean anomaly mask of ``y_true``, checked against ``n_samples``."""
    from sklearn.utils.validation import check_consistent_length

    is_anomaly = check_anomaly_label(y_true, anomaly_label, name="y_true")
    check_consistent_length(is_anomaly, np.empty(n_samples))
    return is_anomaly


def _check_1d_finite(values, name):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} holds NaN or infinite values.")
    return values


def _unwrap(estimator, X=None, *, through_wrappers=False):
    """The fitted detector inside pipelines and freezing and, if
    ``through_wrappers``, inside the threshold and window meta-estimators;
    ``X`` goes through the pipeline steps before it.

    Returns ``(detector, X, scaled)``: ``scaled`` says whether a pipeline
    transforms the input.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    detector, X, scaled = final_estimator(estimator, X)
    while through_wrappers:
        if hasattr(detector, "estimator_"):  # ThresholdSelector, CostThreshold
            inner = detector.estimator_
        elif hasattr(detector, "detector_"):  # WindowedDetector
            inner = detector.detector_
        else:
            break
        detector, _, scaled_inside = final_estimator(inner)
        scaled = scaled or scaled_inside
    return detector, X, scaled


def _name_of(detector):
    """Class name of a detector, seen through FrozenEstimator and pipelines."""
    return type(_unwrap(detector)[0]).__name__


def _score_label(detector, scaled):
    """Axis label of the anomaly scores of a (fitted) detector."""
    detector, _, scaled_inside = _unwrap(detector, through_wrappers=True)
    if hasattr(detector, "reconstruct"):
        label = "Reconstruction error"
    elif hasattr(detector, "threshold_"):
        label = "Anomaly error"
    elif hasattr(detector, "predict_proba"):  # a classifier in a ThresholdSelector
        label = "Anomaly probability"
    else:
        label = "Anomaly score (-score_samples)"
    return label + (", scaled data" if scaled or scaled_inside else "")


def _regions(mask):
    """``(start, stop)`` index pairs of the runs of True in ``mask``."""
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _check_index(index, n_samples):
    """Row positions to plot: an int or a sequence of ints within range."""
    positions = np.atleast_1d(np.asarray(index))
    if positions.ndim != 1 or positions.size == 0 or not all(
        isinstance(i, Integral) and not isinstance(i, bool) for i in positions.tolist()
    ):
        raise ValueError(
            f"index must be an int or a non-empty sequence of ints; got {index!r}."
        )
    bad = positions[(positions < -n_samples) | (positions >= n_samples)]
    if bad.size:
        raise ValueError(
            f"index {bad.tolist()} is out of range for X with {n_samples} rows."
        )
    return positions % n_samples


# ------------------------------------------------------------ displays


@_fill_method_docs
class ReconstructionDisplay:
    """Rows against their reconstruction, the error shaded between them.

    One panel column per row and, for sequences of several channels, one
    panel row per channel. Make it with :meth:`from_estimator` from a fitted
    reconstruction detector, or from arrays with the constructor.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
        The rows drawn. A sequence row of ``n_channels`` channels is
        time-major: ``t0c0, t0c1, ..., t1c0, ...``.

    X_reconstructed : ndarray of shape (n_rows, n_features)
        Their reconstruction.

    n_channels : int, default=1
        Number of channels of each row; one panel row per channel.

    titles : list of str, default=None
        A title per row (panel column), e.g. its label and error.

    scaled : bool, default=False
        Whether the values are scaled (by the earlier steps of a pipeline);
        the y-axis label says so.

    name : str, default=None
        Name of the detector, for the figure title.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The Axes of a single panel, else an array of shape ``(n_channels,
        n_rows)``.

    figure_ : matplotlib Figure
        Figure containing the panels.

    input_lines_ : ndarray of matplotlib Line2D of shape (n_channels, n_rows)
        The input rows.

    reconstruction_lines_ : ndarray of matplotlib Line2D of shape (n_channels, n_rows)
        Their reconstructions.

    error_fills_ : ndarray of matplotlib PolyCollection of shape (n_channels, n_rows)
        The shaded errors between them.

    See Also
    --------
    ErrorDisplay : The reconstruction error of every sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import ReconstructionDisplay
    >>> t = np.linspace(0, 6, 50)
    >>> X = np.sin(t)[None, :]
    >>> display = ReconstructionDisplay(X=X, X_reconstructed=0.9 * X).plot()
    >>> display.input_lines_.shape
    (1, 1)
    >>> display.ax_.get_legend_handles_labels()[1]
    ['Input', 'Reconstruction', 'Error']
    """

    def __init__(
        self, *, X, X_reconstructed, n_channels=1, titles=None, scaled=False, name=None
    ):
        self.X = X
        self.X_reconstructed = X_reconstructed
        self.n_channels = n_channels
        self.titles = titles
        self.scaled = scaled
        self.name = name

    def plot(self, ax=None, *, name=None, input_kw=None, reconstruction_kw=None,
             error_kw=None):
        """Plot the rows, their reconstruction and the error between them.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on, one per panel (``n_channels * n_rows``, in
            channel-major order). If None, a new figure is created.

        %(plot_name)s

        input_kw : dict, default=None
            Keyword arguments of matplotlib's ``plot`` for the input rows.

        reconstruction_kw : dict, default=None
            Keyword arguments of ``plot`` for the reconstructions.

        error_kw : dict, default=None
            Keyword arguments of ``fill_between`` for the shaded errors.

        Returns
        -------
        display : ReconstructionDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        X = np.asarray(self.X, dtype=np.float64)
        X_rec = np.asarray(self.X_reconstructed, dtype=np.float64)
        if X.ndim == 1:
            X, X_rec = X[None, :], X_rec.reshape(1, -1)
        if X.ndim != 2 or X.shape != X_rec.shape:
            raise ValueError(
                "X and X_reconstructed must be 2-D arrays of the same shape; got "
                f"{X.shape} and {X_rec.shape}."
            )
        n_rows, n_features = X.shape
        n_channels = self.n_channels
        if n_features % n_channels:
            raise ValueError(
                f"Rows of {n_features} values are not a whole number of time "
                f"steps of n_channels={n_channels}."
            )
        titles = self.titles
        if titles is not None and len(titles) != n_rows:
            raise ValueError(f"titles has {len(titles)} entries for {n_rows} rows.")

        axes, self.figure_ = _axes_grid(
            ax, (n_channels, n_rows), "ReconstructionDisplay.plot"
        )
        input_kw = _validate_style_kwargs(
            {"color": _NORMAL_COLOR, "label": "Input"}, input_kw or {}
        )
        reconstruction_kw = _validate_style_kwargs(
            {"color": _ANOMALY_COLOR, "label": "Reconstruction"},
            reconstruction_kw or {},
        )
        error_kw = _validate_style_kwargs(
            {"color": "lightcoral", "alpha": 0.5, "linewidth": 0, "label": "Error"},
            error_kw or {},
        )
        # (n_rows, T, n_channels): time-major rows, one channel per panel row.
        X = X.reshape(n_rows, -1, n_channels)
        X_rec = X_rec.reshape(n_rows, -1, n_channels)
        steps = np.arange(X.shape[1])
        shape = (n_channels, n_rows)
        self.input_lines_ = np.empty(shape, dtype=object)
        self.reconstruction_lines_ = np.empty(shape, dtype=object)
        self.error_fills_ = np.empty(shape, dtype=object)
        value = "Value (scaled)" if self.scaled else "Value"
        for c in range(n_channels):
            for r in range(n_rows):
                panel = axes[c, r]
                (self.input_lines_[c, r],) = panel.plot(steps, X[r, :, c], **input_kw)
                (self.reconstruction_lines_[c, r],) = panel.plot(
                    steps, X_rec[r, :, c], **reconstruction_kw
                )
                self.error_fills_[c, r] = panel.fill_between(
                    steps, X[r, :, c], X_rec[r, :, c], **error_kw
                )
                if c == 0 and titles is not None:
                    panel.set_title(titles[r])
                if r == 0:
                    panel.set_ylabel(
                        f"Channel {c}: {value.lower()}" if n_channels > 1 else value
                    )
                if c == n_channels - 1:
                    panel.set_xlabel("Time step" if n_channels > 1 else "Feature")
        axes[0, 0].legend(loc="best", fontsize="small")
        name = self.name if name is None else name
        if name is not None and axes.size > 1:
            self.figure_.suptitle(name)
        elif name is not None and titles is None:
            axes[0, 0].set_title(name)
        self.ax_ = _squeeze(axes)
        return self

    @classmethod
    def from_estimator(
        cls, estimator, X, *, index=0, y=None, anomaly_label=-1, ax=None, name=None,
        **kwargs,
    ):
        """Plot rows of ``X`` against a fitted detector's reconstruction.

        Parameters
        ----------
        estimator : estimator instance
            A fitted detector with ``reconstruct`` (such as
            :class:`~sklearn_recon.AutoencoderDetector`), or a fitted
            :class:`~sklearn.pipeline.Pipeline` ending in one; the rows are
            then transformed by the earlier steps and drawn scaled.

        X : array-like of shape (n_samples, n_features)
            Samples, of which the rows ``index`` are drawn. Sequence
            detectors also take ``(n_samples, n_timesteps, n_channels)``.

        index : int or sequence of int, default=0
            Position(s) of the rows of ``X`` to draw, one panel column each.

        y : array-like of shape (n_samples,), default=None
            Labels of ``X``; if given, each panel title says whether the row
            is normal or an anomaly.

        anomaly_label : int, float, str or bool, default=-1
            The label of the anomalies in ``y``.

        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on, one per panel. If None, a new figure is created.

        %(from_estimator_name)s

        **kwargs : dict
            Passed to :meth:`plot` (``input_kw``, ``reconstruction_kw``,
            ``error_kw``).

        Returns
        -------
        display : ReconstructionDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        detector, X, scaled = _unwrap(estimator, X)
        if not hasattr(detector, "reconstruct"):
            raise TypeError(
                f"{cls.__name__} needs a detector with a reconstruct method, such "
                f"as AutoencoderDetector; got {type(detector).__name__}."
            )
        n_channels = getattr(detector, "n_channels", 1)
        rows = _check_index(index, len(X))
        if y is not None:
            is_anomaly = _anomaly_mask(y, anomaly_label, len(X))[rows]
        X = _safe_indexing(X, rows)  # a DataFrame keeps its feature names
        X_rec = detector.reconstruct(X)
        errors = -np.asarray(detector.score_samples(X), dtype=np.float64)
        X = np.asarray(X, dtype=np.float64).reshape(len(rows), -1)
        titles = [f"Row {r}: error {e:.3g}" for r, e in zip(rows, errors)]
        if y is not None:
            kind = np.where(is_anomaly, "anomaly", "normal")
            titles = [f"{t} ({k})" for t, k in zip(titles, kind)]
        display = cls(
            X=X,
            X_reconstructed=np.asarray(X_rec).reshape(X.shape),
            n_channels=n_channels,
            titles=titles,
            scaled=scaled,
            name=_name_of(detector) if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)


@_fill_method_docs
class ErrorDisplay:
    """Anomaly score of each sample, coloured by label, with the threshold.

    Draws the scores against the sample position (``kind="samples"``), or
    their histogram (``kind="hist"``), the form the LSTM study read its
    threshold from on the training errors. Make it with
    :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    anomaly_score : ndarray of shape (n_samples,)
        Anomaly score of each sample, higher is more anomalous.

    threshold : float, default=None
        The threshold on the anomaly score: samples above it are flagged.
        None draws no threshold line.

    is_anomaly : ndarray of bool of shape (n_samples,), default=None
        Which samples are labelled anomalies; None draws all samples in one
        colour.

    score_label : str, default="Anomaly score"
        Axis label of the scores.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the scores.

    figure_ : matplotlib Figure
        Figure containing the Axes.

    scatter_ : list of matplotlib PathCollection
        The points of each class (normal first), for ``kind="samples"``;
        else None.

    hist_ : list of matplotlib BarContainer
        The histogram of each class (normal first), for ``kind="hist"``;
        else None.

    threshold_line_ : matplotlib Line2D or None
        The threshold: horizontal for ``kind="samples"``, vertical for
        ``kind="hist"``.

    See Also
    --------
    ThresholdCurveDisplay : Metrics over every threshold.
    sklearn.metrics.ConfusionMatrixDisplay : Counts at the threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import ErrorDisplay
    >>> scores = np.array([0.1, 0.2, 0.15, 0.9, 0.3])
    >>> y = np.array([1, 1, 1, -1, 1])
    >>> display = ErrorDisplay.from_predictions(y, scores, threshold=0.5)
    >>> display.threshold_line_.get_ydata()[0]
    0.5
    >>> display.ax_.get_legend_handles_labels()[1]
    ['Normal', 'Anomaly', 'Threshold = 0.5']
    """

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

    def plot(self, ax=None, *, name=None, kind="samples", bins=50, scatter_kw=None):
        """Plot the anomaly scores and the threshold.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        kind : {"samples", "hist"}, default="samples"
            ``"samples"`` draws each score at its sample position;
            ``"hist"`` draws the histogram of the scores (of each class when
            labelled).

        bins : int or sequence, default=50
            Bins of the histogram, for ``kind="hist"``.

        scatter_kw : dict, default=None
            Keyword arguments of matplotlib's ``scatter`` (``kind="samples"``)
            or ``hist`` (``kind="hist"``), applied to both classes.

        Returns
        -------
        display : ErrorDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        if kind not in ("samples", "hist"):
            raise ValueError(f'kind must be "samples" or "hist"; got {kind!r}.')
        scores = _check_1d_finite(self.anomaly_score, "anomaly_score")
        if self.is_anomaly is None:
            groups = [("Samples", np.ones(len(scores), dtype=bool), _NORMAL_COLOR)]
        else:
            is_anomaly = np.asarray(self.is_anomaly, dtype=bool)
            if is_anomaly.shape != scores.shape:
                raise ValueError(
                    f"is_anomaly has shape {is_anomaly.shape}, anomaly_score "
                    f"{scores.shape}; give one label per score."
                )
            groups = [
                ("Normal", ~is_anomaly, _NORMAL_COLOR),
                ("Anomaly", is_anomaly, _ANOMALY_COLOR),
            ]
        axes, self.figure_ = _axes_grid(ax, (1, 1), "ErrorDisplay.plot")
        self.ax_ = axes[0, 0]
        positions = np.arange(len(scores))
        self.scatter_ = self.hist_ = self.threshold_line_ = None
        threshold_kw = {
            "color": _THRESHOLD_COLOR,
            "linestyle": "--",
            "label": None
            if self.threshold is None
            else f"Threshold = {self.threshold:.3g}",
        }
        if kind == "samples":
            self.scatter_ = [
                self.ax_.scatter(
                    positions[mask],
                    scores[mask],
                    **_validate_style_kwargs(
                        {"s": 8, "color": color, "label": label}, scatter_kw or {}
                    ),
                )
                for label, mask, color in groups
            ]
            if self.threshold is not None:
                self.threshold_line_ = self.ax_.axhline(self.threshold, **threshold_kw)
            self.ax_.set(xlabel="Sample", ylabel=self.score_label)
        else:
            edges = np.histogram_bin_edges(scores, bins=bins)
            self.hist_ = [
                self.ax_.hist(
                    scores[mask],
                    bins=edges,
                    **_validate_style_kwargs(
                        {"color": color, "alpha": 0.6, "label": label},
                        scatter_kw or {},
                    ),
                )[2]
                for label, mask, color in groups
            ]
            if self.threshold is not None:
                self.threshold_line_ = self.ax_.axvline(self.threshold, **threshold_kw)
            self.ax_.set(xlabel=self.score_label, ylabel="Number of samples")
        name = self.name if name is None else name
        if name is not None:
            self.ax_.set_title(name)
        if kind == "samples":  # beside the points, which fill the axes
            self.ax_.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        else:
            self.ax_.legend(loc="best")
        return self

    @classmethod
    def from_estimator(
        cls, estimator, X, y=None, *, anomaly_label=-1, kind="samples", ax=None,
        name=None, **kwargs,
    ):
        """Plot the anomaly scores of a fitted detector on ``X``.

        Parameters
        ----------
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
            The label of the anomalies in ``y``.

        kind : {"samples", "hist"}, default="samples"
            Scores per sample, or their histogram (for example of the
            training rows, to read a threshold from).

        %(ax)s

        %(from_estimator_name)s

        **kwargs : dict
            Passed to :meth:`plot` (``bins``, ``scatter_kw``).

        Returns
        -------
        display : ErrorDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        detector, _, scaled = _unwrap(estimator)
        scores = get_anomaly_score(estimator, X)
        if y is not None:
            is_anomaly, scores = _check_scores(y, scores, anomaly_label)
        else:
            is_anomaly = None
        display = cls(
            anomaly_score=scores,
            threshold=get_threshold(estimator),
            is_anomaly=is_anomaly,
            score_label=_score_label(estimator, scaled),
            name=_name_of(detector) if name is None else name,
        )
        return display.plot(ax=ax, kind=kind, **kwargs)

    @classmethod
    def from_predictions(
        cls, y_true, anomaly_score, *, threshold=None, anomaly_label=-1,
        kind="samples", ax=None, name=None, **kwargs,
    ):
        """Plot given anomaly scores, coloured by their labels.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or None
            Labels of the samples; None draws them in one colour.

        anomaly_score : array-like of shape (n_samples,)
            Anomaly score of each sample, higher is more anomalous (for a
            detector, ``-detector.score_samples(X)``).

        threshold : float, default=None
            The threshold line; none if None.

        anomaly_label : int, float, str or bool, default=-1
            The label of the anomalies in ``y_true``.

        kind : {"samples", "hist"}, default="samples"
            Scores per sample, or their histogram.

        %(ax)s

        name : str, default=None
            Title of the plot.

        **kwargs : dict
            Passed to :meth:`plot` (``bins``, ``scatter_kw``).

        Returns
        -------
        display : ErrorDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_predictions")
        if y_true is None:  # plot checks the scores
            is_anomaly, scores = None, anomaly_score
        else:
            is_anomaly, scores = _check_scores(y_true, anomaly_score, anomaly_label)
        display = cls(
            anomaly_score=scores,
            threshold=None if threshold is None else float(threshold),
            is_anomaly=is_anomaly,
            name=name,
        )
        return display.plot(ax=ax, kind=kind, **kwargs)


@_fill_method_docs
class ThresholdCurveDisplay:
    """Precision, recall and F1, or the total cost, over the threshold.

    With ``costs`` it draws the total cost at each threshold and the base
    cost (nothing flagged, every anomaly missed); otherwise precision,
    recall and F1 of the anomaly class. The chosen threshold is marked on
    the F1 or cost curve. Make it with :meth:`from_estimator` from a fitted
    :class:`~sklearn_recon.ThresholdSelector` or
    :class:`~sklearn_recon.CostThreshold` (their ``cv_results_``), or with
    :meth:`from_predictions` from labels and anomaly scores.

    Parameters
    ----------
    thresholds : ndarray of shape (n_thresholds,)
        Increasing thresholds on the anomaly score; a last ``inf`` (flag
        nothing) is not drawn.

    precision : ndarray of shape (n_thresholds,), default=None
        Precision of the anomaly class at each threshold.

    recall : ndarray of shape (n_thresholds,), default=None
        Recall of the anomaly class at each threshold.

    f1 : ndarray of shape (n_thresholds,), default=None
        F1 of the anomaly class at each threshold.

    costs : ndarray of shape (n_thresholds,), default=None
        Total cost at each threshold. If given, the cost curve is drawn
        instead of precision, recall and F1.

    base_cost : float, default=None
        Cost of flagging nothing, drawn as a horizontal line.

    best_threshold : float, default=None
        The chosen threshold, marked on the F1 or cost curve.

    best_value : float, default=None
        F1 or cost at ``best_threshold``, the height of the mark.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.

    figure_ : matplotlib Figure
        Figure containing the Axes.

    precision_line_, recall_line_, f1_line_ : matplotlib Line2D or None
        The precision, recall and F1 curves (None for a cost curve).

    cost_line_ : matplotlib Line2D or None
        The cost curve (None for precision, recall and F1).

    base_cost_line_ : matplotlib Line2D or None
        The base cost, if ``base_cost`` is given.

    best_marker_ : matplotlib Line2D or None
        The mark at the chosen threshold, if ``best_threshold`` is given.

    See Also
    --------
    sklearn_recon.metrics.threshold_curve : The precision, recall and F1
        curves.
    sklearn_recon.metrics.cost_curve : The cost curve.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import ThresholdCurveDisplay
    >>> y = np.array([1, 1, 1, 1, -1, -1])
    >>> scores = np.array([0.1, 0.2, 0.3, 0.6, 0.5, 0.9])
    >>> display = ThresholdCurveDisplay.from_predictions(y, scores)
    >>> display.best_threshold
    0.4
    >>> display = ThresholdCurveDisplay.from_predictions(
    ...     y, scores, fp_cost=5, fn_cost=100)
    >>> display.base_cost_line_.get_ydata()[0]
    200.0
    """

    def __init__(
        self,
        *,
        thresholds,
        precision=None,
        recall=None,
        f1=None,
        costs=None,
        base_cost=None,
        best_threshold=None,
        best_value=None,
        name=None,
    ):
        self.thresholds = thresholds
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.costs = costs
        self.base_cost = base_cost
        self.best_threshold = best_threshold
        self.best_value = best_value
        self.name = name

    def plot(self, ax=None, *, name=None, curve_kw=None):
        """Plot the curves over the threshold.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        curve_kw : dict, default=None
            Keyword arguments of matplotlib's ``plot``, applied to every
            curve.

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        thresholds = np.asarray(self.thresholds, dtype=np.float64)
        curves = {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "costs": self.costs,
        }
        curves = {
            key: np.asarray(values, dtype=np.float64)
            for key, values in curves.items()
            if values is not None
        }
        if not curves:
            raise ValueError("Give costs, or precision, recall and f1, to draw.")
        for key, values in curves.items():
            if values.shape != thresholds.shape:
                raise ValueError(
                    f"{key} has shape {values.shape} but thresholds has "
                    f"{thresholds.shape}; give one value per threshold."
                )
        shown = np.isfinite(thresholds)
        axes, self.figure_ = _axes_grid(ax, (1, 1), "ThresholdCurveDisplay.plot")
        self.ax_ = ax_ = axes[0, 0]
        curve_kw = curve_kw or {}
        self.precision_line_ = self.recall_line_ = self.f1_line_ = None
        self.cost_line_ = self.base_cost_line_ = self.best_marker_ = None
        x = thresholds[shown]
        # A sample is flagged when score >= t, so every t in
        # (thresholds[i-1], thresholds[i]] gives values[i]: a step held to the
        # left of each threshold, on which the chosen threshold's marker lies.
        steps = {"drawstyle": "steps-pre"}
        if "costs" in curves:
            cost_kw = _validate_style_kwargs(
                {"color": "tab:purple", "label": "Total cost", **steps}, curve_kw
            )
            (self.cost_line_,) = ax_.plot(x, curves["costs"][shown], **cost_kw)
            if self.base_cost is not None:
                self.base_cost_line_ = ax_.axhline(
                    self.base_cost,
                    color="tab:gray",
                    linestyle="--",
                    label=f"Base cost (nothing flagged) = {self.base_cost:.6g}",
                )
            ax_.set_ylabel("Total cost")
            what = "cost"
        else:
            styles = {
                "precision": ("Precision", "tab:blue"),
                "recall": ("Recall", "tab:orange"),
                "f1": ("F1", "tab:green"),
            }
            for key, (label, color) in styles.items():
                if key in curves:
                    (line,) = ax_.plot(
                        x,
                        curves[key][shown],
                        **_validate_style_kwargs(
                            {"color": color, "label": label, **steps}, curve_kw
                        ),
                    )
                    setattr(self, f"{key}_line_", line)
            ax_.set(ylabel="Anomaly class: precision, recall, F1", ylim=(-0.02, 1.02))
            what = "F1"
        if self.best_threshold is not None and self.best_value is not None:
            (self.best_marker_,) = ax_.plot(
                [self.best_threshold],
                [self.best_value],
                "o",
                color=_THRESHOLD_COLOR,
                label=(
                    f"Threshold {self.best_threshold:.3g}: "
                    f"{what} = {self.best_value:.4g}"
                ),
            )
        ax_.set_xlabel("Threshold on the anomaly score")
        name = self.name if name is None else name
        if name is not None:
            ax_.set_title(name)
        # the cost rises to the base cost at high thresholds: lower right is free
        ax_.legend(loc="lower right" if what == "cost" else "best", fontsize="small")
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the curve a fitted threshold meta-estimator chose from.

        Draws its ``cv_results_`` as they are (the held-out curve), with
        ``best_threshold_`` marked.

        Parameters
        ----------
        estimator : ThresholdSelector or CostThreshold
            A fitted meta-estimator: a
            :class:`~sklearn_recon.CostThreshold` gives the cost curve, a
            :class:`~sklearn_recon.ThresholdSelector` with F1 or a
            label-free method the precision, recall and F1 curves.

        %(ax)s

        name : str, default=None
            Title; the class names of the meta-estimator and detector if
            None.

        **kwargs : dict
            Passed to :meth:`plot` (``curve_kw``).

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, drawn.
        """
        from sklearn.utils.validation import check_is_fitted

        from .threshold import _BaseThreshold

        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if not isinstance(estimator, _BaseThreshold):
            raise TypeError(
                f"{cls.__name__}.from_estimator needs a ThresholdSelector or a "
                f"CostThreshold; got {type(estimator).__name__}. For a bare "
                "detector use from_predictions(y, -detector.score_samples(X))."
            )
        check_is_fitted(estimator)
        results = estimator.cv_results_
        if "costs" in results:
            curves = {"costs": results["costs"], "base_cost": results["costs"][-1]}
            best_value = estimator.best_cost_
        elif "precision" in results:
            curves = {
                "precision": results["precision"],
                "recall": results["recall"],
                "f1": results["scores"],
            }
            best_value = estimator.best_score_
        else:
            raise ValueError(
                f"{cls.__name__} draws F1 and cost curves; this ThresholdSelector "
                f"used method={estimator.method!r}, whose cv_results_ has no "
                "precision and recall."
            )
        if name is None:
            name = f"{type(estimator).__name__}({_name_of(estimator.estimator_)})"
        display = cls(
            thresholds=results["thresholds"],
            best_threshold=estimator.best_threshold_,
            best_value=best_value,
            name=name,
            **curves,
        )
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_predictions(
        cls, y_true, anomaly_score, *, anomaly_label=-1, fp_cost=None, fn_cost=None,
        tp_cost=0, tn_cost=0, ax=None, name=None, **kwargs,
    ):
        """Plot the curves of given labels and anomaly scores.

        The curves come from :func:`~sklearn_recon.metrics.threshold_curve`
        or :func:`~sklearn_recon.metrics.cost_curve`, and the mark is where
        :class:`~sklearn_recon.ThresholdSelector` (``method="f1"``) or
        :class:`~sklearn_recon.CostThreshold` would put the threshold on
        these scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels; ``anomaly_label`` marks the anomalies.

        anomaly_score : array-like of shape (n_samples,)
            Anomaly score of each sample, higher is more anomalous (for a
            detector, ``-detector.score_samples(X)``).

        anomaly_label : int, float, str or bool, default=-1
            The label of the anomalies in ``y_true``.

        fp_cost : float, default=None
            Cost of a false alarm. Give it with ``fn_cost`` to draw the cost
            curve instead of precision, recall and F1.

        fn_cost : float, default=None
            Cost of a missed anomaly.

        tp_cost : float, default=0
            Cost of a true alarm.

        tn_cost : float, default=0
            Cost of a normal sample left alone.

        %(ax)s

        name : str, default=None
            Title of the plot.

        **kwargs : dict
            Passed to :meth:`plot` (``curve_kw``).

        Returns
        -------
        display : ThresholdCurveDisplay
            The display, drawn.
        """
        from .metrics import cost_curve, threshold_curve
        from .threshold import _best_index, _threshold_between

        _check_matplotlib_support(f"{cls.__name__}.from_predictions")
        if (fp_cost is None) != (fn_cost is None):
            raise ValueError(
                "Give both fp_cost and fn_cost for a cost curve, or neither for "
                "precision, recall and F1."
            )
        scores = np.asarray(anomaly_score, dtype=np.float64)
        if fp_cost is None:
            precision, recall, f1, thresholds = threshold_curve(
                y_true, scores, anomaly_label=anomaly_label
            )
            curves = {"precision": precision, "recall": recall, "f1": f1}
            index = _best_index(f1)
            best_value = f1[index]
        else:
            costs, thresholds = cost_curve(
                y_true, scores, fp_cost=fp_cost, fn_cost=fn_cost, tp_cost=tp_cost,
                tn_cost=tn_cost, anomaly_label=anomaly_label,
            )
            curves = {"costs": costs, "base_cost": float(costs[-1])}
            index = _best_index(-costs)
            best_value = costs[index]
        display = cls(
            thresholds=thresholds,
            best_threshold=_threshold_between(thresholds[index], scores),
            best_value=float(best_value),
            name=name,
            **curves,
        )
        return display.plot(ax=ax, **kwargs)


def _history_of(estimator, caller_name):
    """The ``history_`` of a fitted detector (inside pipelines and wrappers)."""
    estimator = _unwrap(estimator, through_wrappers=True)[0]
    if not hasattr(estimator, "history_"):
        raise TypeError(
            f"{caller_name} needs a Keras-backed detector with a history_ of "
            f"training losses; {type(estimator).__name__} has none."
        )
    return estimator


@_fill_method_docs
class LossCurveDisplay:
    """Training history per epoch: the losses and their validation values.

    One panel per quantity of the history (``loss``, and for
    :class:`~sklearn_recon.VAEDetector` ``reconstruction_loss`` and
    ``kl_loss``), each with its training curve and, when recorded, its
    validation curve (``val_`` prefix) dashed.

    Parameters
    ----------
    history : dict of str to list of float
        Per-epoch values, as in a detector's ``history_``.

    best_epoch : int, default=None
        Index (from 0) of the epoch whose weights were kept, marked with a
        vertical line.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The Axes of a single panel, else an array of shape ``(n_panels,)``.

    figure_ : matplotlib Figure
        Figure containing the panels.

    lines_ : dict of str to matplotlib Line2D
        The curve of each key of ``history``.

    best_epoch_lines_ : list of matplotlib Line2D
        The best-epoch marks, one per panel (empty without ``best_epoch``).

    See Also
    --------
    ErrorDisplay : The errors of the trained detector.

    Examples
    --------
    >>> from sklearn_recon.plotting import LossCurveDisplay
    >>> history = {"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.55]}
    >>> display = LossCurveDisplay(history=history, best_epoch=2).plot()
    >>> display.lines_["val_loss"].get_ydata().tolist()
    [1.0, 0.6, 0.55]
    >>> display.ax_.get_xlabel()
    'Epoch'
    """

    def __init__(self, *, history, best_epoch=None, name=None):
        self.history = history
        self.best_epoch = best_epoch
        self.name = name

    def plot(self, ax=None, *, name=None, curve_kw=None):
        """Plot the training history.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on, one per panel. If None, a new figure is
            created.

        %(plot_name)s

        curve_kw : dict, default=None
            Keyword arguments of matplotlib's ``plot``, applied to every
            curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        history = {
            key: np.asarray(values, dtype=np.float64)
            for key, values in dict(self.history).items()
        }
        keys = [key[4:] if key.startswith("val_") else key for key in history]
        # One panel per quantity, the total loss first.
        panels = sorted(dict.fromkeys(keys), key=lambda key: key != "loss")
        if not panels:
            raise ValueError("history is empty: there is nothing to draw.")
        lengths = {key: values.shape for key, values in history.items()}
        if any(len(shape) != 1 for shape in lengths.values()) or len(
            set(lengths.values())
        ) != 1:
            raise ValueError(
                "Every entry of history must be a list of one value per epoch, all "
                f"of the same length; got lengths {lengths}."
            )
        axes, self.figure_ = _axes_grid(ax, (1, len(panels)), "LossCurveDisplay.plot")
        from matplotlib.ticker import MaxNLocator

        axes = axes[0]
        curve_kw = curve_kw or {}
        self.lines_ = {}
        self.best_epoch_lines_ = []
        for panel, key in zip(axes, panels):
            for prefix, style in (("", _TRAINING_STYLE), ("val_", _VALIDATION_STYLE)):
                if prefix + key in history:
                    values = history[prefix + key]
                    (self.lines_[prefix + key],) = panel.plot(
                        np.arange(1, len(values) + 1),
                        values,
                        **_validate_style_kwargs(style, curve_kw),
                    )
            if self.best_epoch is not None:
                self.best_epoch_lines_.append(
                    panel.axvline(
                        self.best_epoch + 1,
                        color="tab:gray",
                        linestyle=":",
                        label=f"best epoch ({self.best_epoch + 1})",
                    )
                )
            label = key.replace("_", " ").replace("kl ", "KL ")
            panel.set(xlabel="Epoch", ylabel=label[0].upper() + label[1:])
            panel.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[0].legend(loc="best", fontsize="small")
        name = self.name if name is None else name
        if name is not None and len(panels) > 1:
            self.figure_.suptitle(name)
        elif name is not None:
            axes[0].set_title(name)
        self.ax_ = axes[0] if len(panels) == 1 else axes
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the training history of a fitted detector.

        Parameters
        ----------
        estimator : estimator instance
            A fitted Keras-backed detector, or a pipeline, threshold
            meta-estimator or :class:`~sklearn_recon.WindowedDetector`
            around one.

        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on, one per panel. If None, a new figure is
            created.

        %(from_estimator_name)s

        **kwargs : dict
            Passed to :meth:`plot` (``curve_kw``).

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        detector = _history_of(estimator, cls.__name__)
        display = cls(
            history=detector.history_,
            best_epoch=getattr(detector, "best_epoch_", None),
            name=_name_of(detector) if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)


@_fill_method_docs
class SeriesScoreDisplay:
    """Per-time-step anomaly scores of a series, flagged steps and labelled regions.

    The bottom panel draws the score of every time step (of a
    :class:`~sklearn_recon.WindowedDetector`, say) with the threshold and
    the flagged steps marked; the top panel, if the series is given, draws
    its channels. Labelled anomalous regions are shaded in both.

    Parameters
    ----------
    anomaly_score : ndarray of shape (n_timesteps,)
        Anomaly score of each time step, higher is more anomalous.

    threshold : float, default=None
        The threshold: steps whose score is above it are flagged (as
        ``predict`` flags them). None flags nothing.

    series : ndarray of shape (n_timesteps, n_channels), default=None
        The series, drawn in a panel above the scores; None draws the
        scores only.

    time : array-like of shape (n_timesteps,), default=None
        The time of each step (numbers or datetimes); the step positions
        if None.

    is_anomaly : ndarray of bool of shape (n_timesteps,), default=None
        Which steps are labelled anomalies; their runs are shaded.

    channel_names : list of str, default=None
        Names of the channels of ``series``, for the legend.

    score_label : str, default="Anomaly score"
        Axis label of the scores.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The score Axes, or the array ``[series Axes, score Axes]`` when the
        series is drawn.

    figure_ : matplotlib Figure
        Figure containing the panels.

    score_line_ : matplotlib Line2D
        The scores.

    threshold_line_ : matplotlib Line2D or None
        The threshold.

    flagged_ : matplotlib PathCollection or None
        The flagged steps, on the score curve.

    series_lines_ : list of matplotlib Line2D
        One per channel of the series (empty without a series).

    regions_ : list of matplotlib Polygon
        The shaded labelled regions, in every panel.

    See Also
    --------
    sklearn_recon.WindowedDetector : Scores every step of a series.
    ErrorDisplay : The scores of independent samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import SeriesScoreDisplay
    >>> scores = np.array([0.1, 0.2, 0.9, 1.1, 0.2, 0.1])
    >>> display = SeriesScoreDisplay(anomaly_score=scores, threshold=0.5).plot()
    >>> display.flagged_.get_offsets()[:, 0].tolist()
    [2.0, 3.0]
    """

    def __init__(
        self,
        *,
        anomaly_score,
        threshold=None,
        series=None,
        time=None,
        is_anomaly=None,
        channel_names=None,
        score_label="Anomaly score",
        name=None,
    ):
        self.anomaly_score = anomaly_score
        self.threshold = threshold
        self.series = series
        self.time = time
        self.is_anomaly = is_anomaly
        self.channel_names = channel_names
        self.score_label = score_label
        self.name = name

    def plot(self, ax=None, *, name=None):
        """Plot the series, its scores, the flagged steps and the labelled regions.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on: one (scores only) or two (series, then
            scores). If None, a new figure is created.

        %(plot_name)s

        Returns
        -------
        display : SeriesScoreDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        scores = _check_1d_finite(self.anomaly_score, "anomaly_score")
        n = len(scores)
        time = np.arange(n) if self.time is None else np.asarray(self.time)
        for what, values in (
            ("time", time),
            ("series", self.series),
            ("is_anomaly", self.is_anomaly),
        ):
            if values is not None and len(values) != n:
                raise ValueError(
                    f"{what} has {len(values)} time steps but anomaly_score has {n}; "
                    "give one per time step."
                )
        series = self.series
        if series is not None:
            series = np.asarray(series, dtype=np.float64).reshape(n, -1)
        n_panels = 1 if series is None else 2
        axes, self.figure_ = _axes_grid(
            ax, (n_panels, 1), "SeriesScoreDisplay.plot", width=10.0
        )
        axes = axes[:, 0]
        score_ax = axes[-1]
        (self.score_line_,) = score_ax.plot(
            time, scores, color=_NORMAL_COLOR, linewidth=1, label="Score"
        )
        self.threshold_line_ = self.flagged_ = None
        if self.threshold is not None:
            self.threshold_line_ = score_ax.axhline(
                self.threshold, color=_THRESHOLD_COLOR, linestyle="--",
                label=f"Threshold = {self.threshold:.3g}",
            )
            flagged = scores > self.threshold
            self.flagged_ = score_ax.scatter(
                time[flagged], scores[flagged], s=6, color=_ANOMALY_COLOR, zorder=3,
                label=f"Flagged ({flagged.sum()} steps)",
            )
        self.series_lines_ = []
        if series is not None:
            names = self.channel_names
            if names is None:
                names = [f"Channel {c}" for c in range(series.shape[1])]
            for c in range(series.shape[1]):
                self.series_lines_.extend(
                    axes[0].plot(time, series[:, c], linewidth=1, label=str(names[c]))
                )
            axes[0].set_ylabel("Series")
        self.regions_ = []
        if self.is_anomaly is not None:
            runs = _regions(np.asarray(self.is_anomaly, dtype=bool))
            for panel in axes:
                for i, (start, stop) in enumerate(runs):
                    self.regions_.append(
                        panel.axvspan(
                            time[start],
                            time[min(stop, n - 1)],
                            color=_ANOMALY_COLOR,
                            alpha=0.15,
                            linewidth=0,
                            label="Labelled anomaly" if i == 0 else None,
                        )
                    )
        score_ax.set(xlabel="Time", ylabel=self.score_label)
        for panel in axes:
            panel.legend(loc="upper left", fontsize="small")
        name = self.name if name is None else name
        if name is not None:
            axes[0].set_title(name)
        self.ax_ = score_ax if n_panels == 1 else axes
        return self

    @classmethod
    def from_estimator(
        cls, estimator, X, y=None, *, anomaly_label=-1, show_series=True, ax=None,
        name=None,
    ):
        """Plot the per-time-step scores of a fitted detector over a series.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~sklearn_recon.WindowedDetector` (or any
            outlier detector scoring each row of a series), or a
            :class:`~sklearn.pipeline.Pipeline` ending in one.

        X : {array-like, DataFrame} of shape (n_timesteps, n_channels)
            The series, one row per time step in time order. A DataFrame's
            index gives the time axis and its columns the channel names.

        y : array-like of shape (n_timesteps,), default=None
            Labels of the time steps; the runs of ``anomaly_label`` are
            shaded.

        anomaly_label : int, float, str or bool, default=-1
            The label of the anomalies in ``y``.

        show_series : bool, default=True
            Whether to draw the series (as given, before any scaling) in a
            panel above the scores.

        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on: one, or two with ``show_series``. If None, a
            new figure is created.

        %(from_estimator_name)s

        Returns
        -------
        display : SeriesScoreDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        pandas = sys.modules.get("pandas")  # X can be a DataFrame only if loaded
        frame = pandas is not None and isinstance(X, pandas.DataFrame)
        time = X.index if frame else None
        columns = X.columns if frame else None
        detector, _, scaled = _unwrap(estimator)
        scores = get_anomaly_score(estimator, X)
        if y is not None:
            is_anomaly, scores = _check_scores(y, scores, anomaly_label)
        else:
            is_anomaly = None
        series = np.asarray(X, dtype=np.float64) if show_series else None
        display = cls(
            anomaly_score=scores,
            threshold=get_threshold(estimator),
            series=series,
            time=None if time is None else np.asarray(time),
            is_anomaly=is_anomaly,
            channel_names=None if columns is None else [str(c) for c in columns],
            score_label=_score_label(estimator, scaled),
            name=_name_of(detector) if name is None else name,
        )
        return display.plot(ax=ax)
