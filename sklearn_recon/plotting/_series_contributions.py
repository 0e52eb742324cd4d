"""SeriesContributionsDisplay: the contributions of every step, under the series."""

import sys

import numpy as np

from ..utils._docstring import fill_doc
from ._base import _DOC, _AnomalyDisplayMixin, _check_matplotlib_support, _name_of
from ._contributions import (
    _MAX_FEATURES,
    CONTRIBUTION_LABEL,
    _check_feature_names,
    _check_max_features,
)
from ._series_score import _check_time_steps, _shade_regions


@fill_doc(**_DOC, max_features=_MAX_FEATURES)
class SeriesContributionsDisplay(_AnomalyDisplayMixin):
    """Contributions of each feature at every time step, under the series.

    The bottom panel is a heatmap of the contributions, one line per
    feature and one column per time step: where it is dark, that feature
    made that step anomalous. The top panel, if the series is given, draws
    the same features over the same time axis. Labelled anomalous regions
    are shaded on the series. With many features, only those of the largest
    total contribution are drawn (``max_features``). The colour scale ends at
    the 99.5th percentile of the contributions drawn, so that a few extreme
    steps do not wash out the others.

    Parameters
    ----------
    contributions : array-like of shape (n_timesteps, n_features)
        Contribution of each feature at each time step to the step's anomaly
        score; higher is more responsible.

    series : array-like of shape (n_timesteps, n_features), default=None
        The series, drawn in a panel above the contributions; None draws
        the contributions only.

    time : array-like of shape (n_timesteps,), default=None
        The time of each step (numbers or datetimes); the step positions
        if None.

    feature_names : list of str, default=None
        Name of each feature; ``x0, x1, ...`` if None.

    is_anomaly : array-like of bool of shape (n_timesteps,), default=None
        Which steps are labelled anomalies; their runs are shaded on the
        series.

    name : str, default=None
        Name of the detector, for the title.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The heatmap Axes, or the array ``[series Axes, heatmap Axes]`` when
        the series is drawn.

    figure_ : matplotlib Figure
        Figure containing the panels.

    mesh_ : matplotlib QuadMesh
        The heatmap; its array holds the drawn contributions, one row per
        feature drawn.

    colorbar_ : matplotlib Colorbar
        The colour scale of the heatmap.

    features_ : list of str
        Names of the features drawn, the largest total contribution first:
        the rows of the heatmap from the top, and the series' lines.

    series_lines_ : list of matplotlib Line2D
        One per feature drawn (empty without a series).

    regions_ : list of matplotlib Polygon
        The shaded labelled regions.

    See Also
    --------
    ContributionsDisplay : The contributions of one row (or step), as bars.
    SeriesScoreDisplay : The anomaly score of every step of a series.
    sklearn_recon.inspection.feature_contributions : The numbers drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.plotting import SeriesContributionsDisplay
    >>> contributions = np.zeros((50, 3))
    >>> contributions[20:25, 2] = 1.0  # the third feature, at steps 20 to 24
    >>> display = SeriesContributionsDisplay(contributions=contributions).plot(max_features=2)
    >>> display.features_
    ['x2', 'x0']
    """

    def __init__(
        self,
        *,
        contributions,
        series=None,
        time=None,
        feature_names=None,
        is_anomaly=None,
        name=None,
    ):
        self.contributions = contributions
        self.series = series
        self.time = time
        self.feature_names = feature_names
        self.is_anomaly = is_anomaly
        self.name = name

    def plot(self, ax=None, *, name=None, max_features=10, cmap="Reds"):
        """Plot the series and the heatmap of its contributions.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Axes to draw on: one (contributions only) or two (series, then
            contributions). If None, a new figure is created.

        %(plot_name)s

        %(max_features)s

        cmap : str or matplotlib Colormap, default="Reds"
            Colour map of the heatmap.

        Returns
        -------
        display : SeriesContributionsDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        contributions = np.asarray(self.contributions, dtype=np.float64)
        if contributions.ndim != 2:
            raise ValueError(
                "contributions must be 2-D, (n_timesteps, n_features); got shape "
                f"{contributions.shape}."
            )
        if not np.isfinite(contributions).all():
            raise ValueError("contributions holds NaN or infinite values.")
        n_steps, n_features = contributions.shape
        names = _check_feature_names(self.feature_names, n_features)
        time = np.arange(n_steps) if self.time is None else np.asarray(self.time)
        _check_time_steps(
            n_steps, "contributions", time=time, series=self.series, is_anomaly=self.is_anomaly
        )
        n_shown = _check_max_features(max_features, n_features)
        order = np.argsort(-contributions.sum(axis=0), kind="stable")[:n_shown]
        self.features_ = [names[i] for i in order]

        series = self.series
        n_panels = 1 if series is None else 2
        axes, self.figure_, name = self._validate_plot_params(
            ax, (n_panels, 1), name=name, width=10.0
        )
        axes = axes[:, 0]
        heat_ax = axes[-1]
        shown = contributions[:, order]
        # a few extreme steps would leave every other step white: the colour
        # scale ends at the 99.5th percentile, and the bar says it is cut
        vmax = np.quantile(shown, 0.995)
        extend = "max" if vmax < shown.max() else "neither"
        self.mesh_ = heat_ax.pcolormesh(
            time,
            np.arange(n_shown),
            shown.T,
            shading="nearest",
            cmap=cmap,
            vmin=min(0.0, shown.min()),
            vmax=vmax if vmax > min(0.0, shown.min()) else None,
        )
        heat_ax.set_yticks(np.arange(n_shown), self.features_)
        heat_ax.invert_yaxis()  # the largest total at the top
        heat_ax.set(xlabel="Time")
        # beside both panels, so that they keep one width and one time axis
        self.colorbar_ = self.figure_.colorbar(
            self.mesh_, ax=list(axes), label="Contribution", location="right", extend=extend
        )
        heat_ax.set_ylabel(
            f"Top {n_shown} of {n_features} features" if n_shown < n_features else "Feature"
        )

        self.series_lines_ = []
        self.regions_ = []
        if series is not None:
            series = np.asarray(series, dtype=np.float64).reshape(n_steps, -1)
            if series.shape[1] != n_features:
                raise ValueError(
                    f"series has {series.shape[1]} features but contributions has "
                    f"{n_features}; give the series that was explained."
                )
            for i in order:
                self.series_lines_.extend(
                    axes[0].plot(time, series[:, i], linewidth=1, label=names[i])
                )
            self.regions_ = _shade_regions(axes[:1], time, self.is_anomaly)
            axes[0].set_ylabel("Series")
            axes[0].legend(loc="upper left", fontsize="small", ncols=min(n_shown, 5))
        title = CONTRIBUTION_LABEL if name is None else f"{name}: {CONTRIBUTION_LABEL.lower()}"
        axes[0].set_title(title)
        self.ax_ = heat_ax if n_panels == 1 else axes
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        anomaly_label=-1,
        max_features=10,
        show_series=True,
        ax=None,
        name=None,
        cmap="Reds",
    ):
        """Plot the per-step contributions of a fitted detector over a series.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~sklearn_recon.WindowedDetector` (or any
            detector scoring each row of a series on its own), or a
            :class:`~sklearn.pipeline.Pipeline` ending in one: anything
            :func:`~sklearn_recon.inspection.feature_contributions` takes.

        X : {array-like, DataFrame} of shape (n_timesteps, n_features)
            The series, one row per time step in time order. A DataFrame's
            index gives the time axis and its columns the feature names
            (unless the estimator has ``feature_names_in_``).

        %(series_y)s

        %(anomaly_label)s

        %(max_features)s

        show_series : bool, default=True
            Whether to draw the series (as given, before any scaling) in a
            panel above the contributions.

        %(series_ax)s

        %(from_estimator_name)s

        cmap : str or matplotlib Colormap, default="Reds"
            Colour map of the heatmap.

        Returns
        -------
        display : SeriesContributionsDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        cls._detector_of(estimator)  # checks that it is fitted
        contributions = cls._contributions(estimator, X)
        is_anomaly = None if y is None else cls._anomaly_mask(y, anomaly_label, len(X))
        pandas = sys.modules.get("pandas")  # X can be a DataFrame only if loaded
        time = X.index if pandas is not None and isinstance(X, pandas.DataFrame) else None
        display = cls(
            contributions=contributions,
            series=np.asarray(X, dtype=np.float64) if show_series else None,
            time=None if time is None else np.asarray(time),
            feature_names=cls._feature_names(estimator, X, contributions.shape[1]),
            is_anomaly=is_anomaly,
            name=_name_of(estimator) if name is None else name,
        )
        return display.plot(ax=ax, max_features=max_features, cmap=cmap)
