"""Sliding windows over a series: :func:`sliding_windows`."""

import numpy as np

from ..utils._validation import check_positive_int


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
    window_size = check_positive_int(window_size, "window_size")
    stride = check_positive_int(stride, "stride")
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
