"""Sliding windows over long series, and the paper-mill study's lead labels.

Everything here is NumPy only.
"""

from numbers import Integral

import numpy as np


def _check_positive_int(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}.")
    return int(value)


def sliding_windows(series, window_size, *, stride=1):
    """Cut a series into overlapping windows, as read-only views.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The series, oldest step first.

    window_size : int
        Number of consecutive steps per window.

    stride : int, default=1
        Steps between the starts of two consecutive windows.

    Returns
    -------
    windows : ndarray of shape (n_windows, window_size, n_channels)
        ``windows[i]`` covers steps ``i * stride`` to ``i * stride +
        window_size - 1``; ``n_windows = (n_timesteps - window_size) //
        stride + 1``. A read-only view of ``series`` when it is already a
        NumPy array: no data is copied until the windows are used.

    Raises
    ------
    ValueError
        If the series is shorter than one window, or is not 1-D or 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.windows import sliding_windows
    >>> sliding_windows(np.arange(6), 3, stride=2)[..., 0]
    array([[0, 1, 2],
           [2, 3, 4]])
    """
    window_size = _check_positive_int(window_size, "window_size")
    stride = _check_positive_int(stride, "stride")
    series = np.asarray(series)
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError(
            "series must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_channels); "
            f"got shape {series.shape}."
        )
    if len(series) < window_size:
        raise ValueError(
            f"The series has {len(series)} time steps, fewer than one window of "
            f"window_size={window_size}."
        )
    windows = np.lib.stride_tricks.sliding_window_view(series, window_size, axis=0)
    # sliding_window_view puts the window axis last: (n, n_channels, window).
    return windows[::stride].transpose(0, 2, 1)


def lead_labels(y, lead=2, *, drop_event=True):
    """Early-warning labels: the ``lead`` steps before each event become positive.

    The paper-mill study predicts a sheet break before it happens: the two
    2-minute steps before a break are labelled positive, and the break row
    itself is dropped, since once the break is there it is too late to warn.

    Parameters
    ----------
    y : array-like of shape (n_timesteps,)
        1 (or True) where an event happens, 0 elsewhere, in time order.

    lead : int, default=2
        How many steps before each event are labelled positive.

    drop_event : bool, default=True
        Whether to drop the event rows themselves.

    Returns
    -------
    y_lead : ndarray of shape (n_kept,)
        1 for the steps within ``lead`` steps before an event, else 0.

    keep : ndarray of shape (n_kept,)
        Indices of the rows kept, so that ``X[keep]`` aligns with
        ``y_lead``.

    Examples
    --------
    >>> from sklearn_recon.windows import lead_labels
    >>> y_lead, keep = lead_labels([0, 0, 0, 1, 0, 0, 1], lead=2)
    >>> y_lead.tolist(), keep.tolist()
    ([0, 1, 1, 1, 1], [0, 1, 2, 4, 5])
    """
    lead = _check_positive_int(lead, "lead")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y.shape}.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold 0 (no event) and 1 (event) only.")
    event = y.astype(bool)
    y_lead = np.zeros(len(y), dtype=int)
    for shift in range(1, lead + 1):
        y_lead[:-shift] |= event[shift:]
    keep = np.flatnonzero(~event) if drop_event else np.arange(len(y))
    return y_lead[keep], keep
