"""LossCurveDisplay: the training history of a Keras-backed detector, per epoch."""

import numpy as np

from ..utils._docstring import fill_doc
from ._base import (
    _DOC,
    _AnomalyDisplayMixin,
    _check_matplotlib_support,
    _name_of,
    _style,
)

_TRAINING_STYLE = {"linestyle": "-", "color": "tab:blue", "label": "training"}
_VALIDATION_STYLE = {"linestyle": "--", "color": "tab:orange", "label": "validation"}

_PANELS_AX = """
    ax : matplotlib Axes or array-like of Axes, default=None
        Axes to draw on, one per panel. If None, a new figure is created.
"""


@fill_doc(**_DOC, panels_ax=_PANELS_AX)
class LossCurveDisplay(_AnomalyDisplayMixin):
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
        %(panels_ax)s

        %(plot_name)s

        %(curve_kw)s

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``ax_``, ``figure_`` and the artists set.
        """
        history = {
            key: np.asarray(values, dtype=np.float64) for key, values in dict(self.history).items()
        }
        keys = [key[4:] if key.startswith("val_") else key for key in history]
        # One panel per quantity, the total loss first.
        panels = sorted(dict.fromkeys(keys), key=lambda key: key != "loss")
        if not panels:
            raise ValueError("history is empty: there is nothing to draw.")
        lengths = {key: values.shape for key, values in history.items()}
        if any(len(shape) != 1 for shape in lengths.values()) or len(set(lengths.values())) != 1:
            raise ValueError(
                "Every entry of history must be a list of one value per epoch, all "
                f"of the same length; got lengths {lengths}."
            )
        axes, self.figure_, name = self._validate_plot_params(ax, (1, len(panels)), name=name)
        from matplotlib.ticker import MaxNLocator

        axes = axes[0]
        self.lines_ = {}
        self.best_epoch_lines_ = []
        for panel, key in zip(axes, panels):
            for prefix, style in (("", _TRAINING_STYLE), ("val_", _VALIDATION_STYLE)):
                if prefix + key in history:
                    values = history[prefix + key]
                    (self.lines_[prefix + key],) = panel.plot(
                        np.arange(1, len(values) + 1),
                        values,
                        **_style(style, curve_kw),
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
        if name is not None and len(panels) > 1:
            self.figure_.suptitle(name)
        elif name is not None:
            axes[0].set_title(name)
        self.ax_ = axes[0] if len(panels) == 1 else axes
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, curve_kw=None):
        """Plot the training history of a fitted detector.

        Parameters
        ----------
        estimator : estimator instance
            A fitted Keras-backed detector, or a pipeline, threshold
            meta-estimator or :class:`~sklearn_recon.WindowedDetector`
            around one.

        %(panels_ax)s

        %(from_estimator_name)s

        %(curve_kw)s

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        detector = cls._detector_of(estimator)[0]
        if not hasattr(detector, "history_"):
            raise TypeError(
                f"{cls.__name__} needs a Keras-backed detector with a history_ of "
                f"training losses; {type(detector).__name__} has none."
            )
        display = cls(
            history=detector.history_,
            best_epoch=getattr(detector, "best_epoch_", None),
            name=_name_of(detector) if name is None else name,
        )
        return display.plot(ax=ax, curve_kw=curve_kw)
