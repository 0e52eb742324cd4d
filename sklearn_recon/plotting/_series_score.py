"""SeriesScoreDisplay: per-time-step anomaly scores over a series, with its labels."""

import sys

import numpy as np

from ..utils._docstring import fill_doc
from ._base import (
    _ANOMALY_COLOR,
    _DOC,
    _NORMAL_COLOR,
    _AnomalyDisplayMixin,
    _check_1d_finite,
    _threshold_style,
)


def _regions(mask):
    """``(start, stop)`` index pairs of the runs of True in ``mask``."""
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _check_time_steps(n_steps, per_step, **values):
    """Check that each of ``values`` (None or a sequence) has ``n_steps`` entries.

    ``per_step`` names what the steps were counted on, for the message.
    """
    for what, value in values.items():
        if value is not None and len(value) != n_steps:
            raise ValueError(
                f"{what} has {len(value)} time steps but {per_step} has {n_steps}; "
                "give one per time step."
            )


def _shade_regions(panels, time, is_anomaly):
    """Shade the runs of labelled anomalies in every panel; the shaded patches."""
    regions = []
    if is_anomaly is None:
        return regions
    runs = _regions(np.asarray(is_anomaly, dtype=bool))
    for panel in panels:
        for i, (start, stop) in enumerate(runs):
            regions.append(
                panel.axvspan(
                    time[start],
                    time[min(stop, len(time) - 1)],
                    color=_ANOMALY_COLOR,
                    alpha=0.15,
                    linewidth=0,
                    label="Labelled anomaly" if i == 0 else None,
                )
            )
    return regions


@fill_doc(**_DOC)
class SeriesScoreDisplay(_AnomalyDisplayMixin):
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
        _check_time_steps(
            n, "anomaly_score", time=time, series=self.series, is_anomaly=self.is_anomaly
        )
        series = self.series
        if series is not None:
            series = np.asarray(series, dtype=np.float64).reshape(n, -1)
        n_panels = 1 if series is None else 2
        axes, self.figure_, name = self._validate_plot_params(
            ax, (n_panels, 1), name=name, width=10.0
        )
        axes = axes[:, 0]
        score_ax = axes[-1]
        (self.score_line_,) = score_ax.plot(
            time, scores, color=_NORMAL_COLOR, linewidth=1, label="Score"
        )
        self.threshold_line_ = self.flagged_ = None
        if self.threshold is not None:
            self.threshold_line_ = score_ax.axhline(
                self.threshold, **_threshold_style(self.threshold)
            )
            flagged = scores > self.threshold
            self.flagged_ = score_ax.scatter(
                time[flagged],
                scores[flagged],
                s=6,
                color=_ANOMALY_COLOR,
                zorder=3,
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
        self.regions_ = _shade_regions(axes, time, self.is_anomaly)
        score_ax.set(xlabel="Time", ylabel=self.score_label)
        for panel in axes:
            panel.legend(loc="upper left", fontsize="small")
        if name is not None:
            axes[0].set_title(name)
        self.ax_ = score_ax if n_panels == 1 else axes
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        anomaly_label=-1,
        show_series=True,
        ax=None,
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

        %(series_y)s

        %(anomaly_label)s

        show_series : bool, default=True
            Whether to draw the series (as given, before any scaling) in a
            panel above the scores.

        %(series_ax)s

        %(from_estimator_name)s

        Returns
        -------
        display : SeriesScoreDisplay
            The display, drawn.
        """
        pandas = sys.modules.get("pandas")  # X can be a DataFrame only if loaded
        frame = pandas is not None and isinstance(X, pandas.DataFrame)
        time = X.index if frame else None
        columns = X.columns if frame else None
        display = cls(
            **cls._scores_from_estimator(estimator, X, y, anomaly_label=anomaly_label, name=name),
            series=np.asarray(X, dtype=np.float64) if show_series else None,
            time=None if time is None else np.asarray(time),
            channel_names=None if columns is None else [str(c) for c in columns],
        )
        return display.plot(ax=ax)
