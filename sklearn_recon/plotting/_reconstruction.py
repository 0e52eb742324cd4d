"""ReconstructionDisplay: rows against their reconstruction, the error shaded."""

from numbers import Integral

import numpy as np

from ..utils._docstring import fill_doc
from ..utils._sklearn_compat import _safe_indexing
from ._base import (
    _ANOMALY_COLOR,
    _DOC,
    _NORMAL_COLOR,
    _AnomalyDisplayMixin,
    _check_matplotlib_support,
    _name_of,
    _squeeze,
    _style,
)


def _check_index(index, n_samples):
    """Row positions to plot: an int or a sequence of ints within range."""
    positions = np.atleast_1d(np.asarray(index))
    if (
        positions.ndim != 1
        or positions.size == 0
        or not all(isinstance(i, Integral) and not isinstance(i, bool) for i in positions.tolist())
    ):
        raise ValueError(f"index must be an int or a non-empty sequence of ints; got {index!r}.")
    bad = positions[(positions < -n_samples) | (positions >= n_samples)]
    if bad.size:
        raise ValueError(f"index {bad.tolist()} is out of range for X with {n_samples} rows.")
    return positions % n_samples


_PANELS_AX = """
    ax : matplotlib Axes or array-like of Axes, default=None
        Axes to draw on, one per panel (``n_channels * n_rows``, in
        channel-major order). If None, a new figure is created.
"""

_STYLE_KW = """
    input_kw : dict, default=None
        Keyword arguments of matplotlib's ``plot`` for the input rows.

    reconstruction_kw : dict, default=None
        Keyword arguments of ``plot`` for the reconstructions.

    error_kw : dict, default=None
        Keyword arguments of ``fill_between`` for the shaded errors.
"""


@fill_doc(**_DOC, panels_ax=_PANELS_AX, style_kw=_STYLE_KW)
class ReconstructionDisplay(_AnomalyDisplayMixin):
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

    def __init__(self, *, X, X_reconstructed, n_channels=1, titles=None, scaled=False, name=None):
        self.X = X
        self.X_reconstructed = X_reconstructed
        self.n_channels = n_channels
        self.titles = titles
        self.scaled = scaled
        self.name = name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        input_kw=None,
        reconstruction_kw=None,
        error_kw=None,
    ):
        """Plot the rows, their reconstruction and the error between them.

        Parameters
        ----------
        %(panels_ax)s

        %(plot_name)s

        %(style_kw)s

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

        axes, self.figure_, name = self._validate_plot_params(ax, (n_channels, n_rows), name=name)
        input_kw = _style({"color": _NORMAL_COLOR, "label": "Input"}, input_kw)
        reconstruction_kw = _style(
            {"color": _ANOMALY_COLOR, "label": "Reconstruction"}, reconstruction_kw
        )
        error_kw = _style(
            {"color": "lightcoral", "alpha": 0.5, "linewidth": 0, "label": "Error"},
            error_kw,
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
                    panel.set_ylabel(f"Channel {c}: {value.lower()}" if n_channels > 1 else value)
                if c == n_channels - 1:
                    panel.set_xlabel("Time step" if n_channels > 1 else "Feature")
        axes[0, 0].legend(loc="best", fontsize="small")
        if name is not None and axes.size > 1:
            self.figure_.suptitle(name)
        elif name is not None and titles is None:
            axes[0, 0].set_title(name)
        self.ax_ = _squeeze(axes)
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        index=0,
        y=None,
        anomaly_label=-1,
        ax=None,
        name=None,
        input_kw=None,
        reconstruction_kw=None,
        error_kw=None,
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

        %(anomaly_label)s

        %(panels_ax)s

        %(from_estimator_name)s

        %(style_kw)s

        Returns
        -------
        display : ReconstructionDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        detector, X, scaled = cls._detector_of(estimator, X)
        if not hasattr(detector, "reconstruct"):
            raise TypeError(
                f"{cls.__name__} needs a detector with a reconstruct method, such "
                f"as AutoencoderDetector; got {type(detector).__name__}."
            )
        n_channels = getattr(detector, "n_channels", 1)
        rows = _check_index(index, len(X))
        if y is not None:
            is_anomaly = cls._anomaly_mask(y, anomaly_label, len(X))[rows]
        X = _safe_indexing(X, rows)  # a DataFrame keeps its feature names
        X_rec = detector.reconstruct(X)
        errors = cls._anomaly_score(detector, X)
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
        return display.plot(
            ax=ax,
            input_kw=input_kw,
            reconstruction_kw=reconstruction_kw,
            error_kw=error_kw,
        )
