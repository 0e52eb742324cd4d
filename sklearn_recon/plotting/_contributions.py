"""ContributionsDisplay: which features made one row anomalous, as bars."""

from numbers import Integral

import numpy as np

from ..utils import _response
from ..utils._docstring import fill_doc
from ._base import (
    _ANOMALY_COLOR,
    _DOC,
    _AnomalyDisplayMixin,
    _check_1d_finite,
    _check_matplotlib_support,
    _name_of,
    _style,
)
from ._reconstruction import _check_index

_MAX_FEATURES = """
    max_features : int or None, default=10
        Number of features drawn, those of the largest contributions; None
        draws them all.
"""

_BAR_KW = """
    bar_kw : dict, default=None
        Keyword arguments of matplotlib's ``barh``.
"""

#: The axis of the contributions, in every contributions display.
CONTRIBUTION_LABEL = "Contribution to the anomaly score"


def _check_max_features(max_features, n_features):
    """The number of features to draw: ``max_features`` checked, at most all."""
    if max_features is None:
        return n_features
    if not isinstance(max_features, Integral) or isinstance(max_features, bool):
        raise TypeError(f"max_features must be an int or None; got {max_features!r}.")
    if max_features < 1:
        raise ValueError(f"max_features must be at least 1; got {max_features}.")
    return min(int(max_features), n_features)


def _check_feature_names(feature_names, n_features):
    """The names of ``n_features`` features as strings; ``x0``, ... if None."""
    if feature_names is None:
        return [f"x{i}" for i in range(n_features)]
    names = [str(name) for name in feature_names]
    if len(names) != n_features:
        raise ValueError(
            f"feature_names has {len(names)} names for {n_features} features; "
            "give one name per feature."
        )
    return names


@fill_doc(**_DOC, max_features=_MAX_FEATURES, bar_kw=_BAR_KW)
class ContributionsDisplay(_AnomalyDisplayMixin):
    """How much each feature contributes to one row's anomaly score, as bars.

    One horizontal bar per feature, the largest contribution at the top, the
    feature names on the axis: the answer to "why was this row flagged?".
    Make it with :meth:`from_estimator` (which asks
    :func:`sklearn_recon.inspection.feature_contributions`), or with the
    constructor from contributions you already have.

    Parameters
    ----------
    contributions : array-like of shape (n_features,)
        Contribution of each feature to the row's anomaly score; higher is
        more responsible.

    feature_names : list of str, default=None
        Name of each feature; ``x0, x1, ...`` if None.

    anomaly_score : float, default=None
        The row's anomaly score, for the title.

    threshold : float, default=None
        The detector's threshold on the anomaly score, for the title.

    name : str, default=None
        Title of the plot: the detector and the row, say.

    Attributes
    ----------
    %(one_axes_attributes)s

    bars_ : matplotlib BarContainer
        The bars drawn, the largest contribution first (at the top).

    features_ : list of str
        Names of the features drawn, in the order of ``bars_``.

    See Also
    --------
    SeriesContributionsDisplay : The contributions of every time step of a
        series, under the series.
    sklearn_recon.inspection.feature_contributions : The numbers drawn.
    ReconstructionDisplay : A row against its reconstruction.

    Examples
    --------
    >>> from sklearn_recon.plotting import ContributionsDisplay
    >>> display = ContributionsDisplay(
    ...     contributions=[0.1, 2.0, 0.4], feature_names=["flow", "temperature", "pH"]
    ... ).plot()
    >>> display.features_
    ['temperature', 'pH', 'flow']
    """

    def __init__(
        self,
        *,
        contributions,
        feature_names=None,
        anomaly_score=None,
        threshold=None,
        name=None,
    ):
        self.contributions = contributions
        self.feature_names = feature_names
        self.anomaly_score = anomaly_score
        self.threshold = threshold
        self.name = name

    def plot(self, ax=None, *, name=None, max_features=10, bar_kw=None):
        """Plot the largest contributions as horizontal bars.

        Parameters
        ----------
        %(ax)s

        %(plot_name)s

        %(max_features)s

        %(bar_kw)s

        Returns
        -------
        display : ContributionsDisplay
            The display, with ``ax_``, ``figure_``, ``bars_`` and
            ``features_`` set.
        """
        contributions = _check_1d_finite(self.contributions, "contributions")
        n_features = len(contributions)
        names = _check_feature_names(self.feature_names, n_features)
        n_shown = _check_max_features(max_features, n_features)
        order = np.argsort(-contributions, kind="stable")[:n_shown]
        axes, self.figure_, name = self._validate_plot_params(ax, name=name)
        self.ax_ = axes[0, 0]
        self.features_ = [names[i] for i in order]
        self.bars_ = self.ax_.barh(
            np.arange(n_shown),
            contributions[order],
            tick_label=self.features_,
            **_style({"color": _ANOMALY_COLOR}, bar_kw),
        )
        self.ax_.invert_yaxis()  # the largest at the top
        self.ax_.axvline(0, color="black", linewidth=0.8)
        self.ax_.set(
            xlabel=CONTRIBUTION_LABEL,
            ylabel=f"Top {n_shown} of {n_features} features" if n_shown < n_features else "Feature",
        )
        title = [] if name is None else [name]
        if self.anomaly_score is not None:
            score = f"anomaly score {self.anomaly_score:.3g}"
            if self.threshold is not None:
                score += f" (threshold {self.threshold:.3g})"
            title.append(score)
        if title:
            self.ax_.set_title("\n".join(title))
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        row=0,
        max_features=10,
        ax=None,
        name=None,
        bar_kw=None,
    ):
        """Plot which features made a row of ``X`` anomalous to a fitted detector.

        Parameters
        ----------
        estimator : estimator instance
            A fitted outlier detector (ours or scikit-learn's), a
            :class:`~sklearn_recon.ThresholdSelector` or
            :class:`~sklearn_recon.CostThreshold`, a
            :class:`~sklearn_recon.WindowedDetector`, or a
            :class:`~sklearn.pipeline.Pipeline` ending in one: anything
            :func:`~sklearn_recon.inspection.feature_contributions` takes.
            The contributions are in the input's features, before any
            scaling.

        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The rows, all explained as
            ``feature_contributions(estimator, X)``, of which the row
            ``row`` is drawn; for a
            :class:`~sklearn_recon.WindowedDetector`, the series, of which
            the time step ``row`` is drawn. Feature names come from the
            estimator's ``feature_names_in_``, else from a DataFrame's
            columns, else ``x0, x1, ...``.

        row : int, default=0
            Position of the row (or time step) of ``X`` to explain.

        %(max_features)s

        %(ax)s

        name : str, default=None
            Title; the detector's class name and the row if None.

        %(bar_kw)s

        Returns
        -------
        display : ContributionsDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        cls._detector_of(estimator)  # checks that it is fitted
        (row,) = _check_index(row, len(X))
        # all of X, as the user's feature_contributions(estimator, X)[row]: a
        # time step depends on its neighbours, and the model-agnostic route
        # on the other rows of X (its background)
        contributions = cls._contributions(estimator, X)[row]
        anomaly_score = cls._anomaly_score(estimator, X)[row]
        display = cls(
            contributions=contributions,
            feature_names=cls._feature_names(estimator, X, len(contributions)),
            anomaly_score=float(anomaly_score),
            threshold=_response.get_threshold(estimator),
            name=f"{_name_of(estimator)}, row {row}" if name is None else name,
        )
        return display.plot(ax=ax, max_features=max_features, bar_kw=bar_kw)
