"""Window scores back to time steps: :func:`aggregate_window_scores`."""

import numpy as np

from ..utils._validation import check_positive_int, check_real_values

_AGGREGATES = ("mean", "max")


def _n_windows(n_timesteps, window_size, stride):
    return (n_timesteps - window_size) // stride + 1


def aggregate_window_scores(window_scores, n_timesteps, window_size, *, stride=1, aggregate="mean"):
    """Spread one score per window back to one score per time step.

    The inverse of :func:`sliding_windows`: each time step gets the mean or
    the maximum of the scores of the windows that cover it.

    Parameters
    ----------
    window_scores : array-like of shape (n_windows,)
        One score per window, in the order :func:`sliding_windows` returns
        the windows of a series of ``n_timesteps`` steps.

    n_timesteps : int
        Length of the series the windows were cut from.

    window_size : int
        Number of consecutive steps per window.

    stride : int, default=1
        Steps between the starts of two consecutive windows.

    aggregate : {"mean", "max"}, default="mean"
        How the scores of the windows covering a step are combined. Give
        anomaly scores (higher is more anomalous) with ``"max"``: a step is
        then as anomalous as the most anomalous window that contains it.

    Returns
    -------
    scores : ndarray of shape (n_timesteps,)
        One score per time step. Steps that no window covers (the last
        ``(n_timesteps - window_size) % stride`` steps, and the gaps between
        windows when ``stride > window_size``) take the score of the
        nearest window, so every step gets a finite score.

    Raises
    ------
    ValueError
        If the number of scores does not match the number of windows of such
        a series, or a score is not finite.

    Examples
    --------
    >>> from sklearn_recon.windows import aggregate_window_scores
    >>> aggregate_window_scores([1.0, 3.0], 5, 3, stride=2)
    array([1., 1., 2., 3., 3.])
    >>> aggregate_window_scores([1.0, 3.0], 5, 3, stride=2, aggregate="max")
    array([1., 1., 3., 3., 3.])
    """
    n_timesteps = check_positive_int(n_timesteps, "n_timesteps")
    window_size = check_positive_int(window_size, "window_size")
    stride = check_positive_int(stride, "stride")
    if aggregate not in _AGGREGATES:
        raise ValueError(f"aggregate must be one of {_AGGREGATES}; got {aggregate!r}.")
    scores = check_real_values(window_scores, "window_scores")
    if scores.ndim != 1:
        raise ValueError(f"window_scores must be 1-D; got shape {scores.shape}.")
    if n_timesteps < window_size:
        raise ValueError(
            f"A series of n_timesteps={n_timesteps} is shorter than one window of "
            f"window_size={window_size}."
        )
    n_windows = _n_windows(n_timesteps, window_size, stride)
    if len(scores) != n_windows:
        raise ValueError(
            f"A series of {n_timesteps} steps has {n_windows} windows of "
            f"window_size={window_size} with stride={stride}, but "
            f"{len(scores)} window scores were given."
        )
    if not np.isfinite(scores).all():
        raise ValueError("window_scores must be finite; got NaN or infinite values.")
    largest = np.max(np.abs(scores), initial=0.0)
    if aggregate == "mean" and largest > np.finfo(np.float64).max / window_size:
        # Sums of window_size such scores overflow: average the scores
        # divided by a power of two (exact), then scale the means back.
        scale = np.ldexp(1.0, int(np.frexp(largest)[1]) - 1)
        return scale * aggregate_window_scores(
            scores / scale, n_timesteps, window_size, stride=stride, aggregate=aggregate
        )
    starts = np.arange(n_windows) * stride
    counts = np.zeros(n_timesteps)
    if aggregate == "mean":
        out = np.zeros(n_timesteps)
    else:
        out = np.full(n_timesteps, -np.inf)
    # For a fixed offset, the steps starts + offset are distinct, so plain
    # fancy-index updates are exact (no np.add.at needed).
    for offset in range(window_size):
        steps = starts + offset
        counts[steps] += 1
        if aggregate == "mean":
            out[steps] += scores
        else:
            out[steps] = np.maximum(out[steps], scores)
    covered = counts > 0
    if aggregate == "mean":
        out[covered] /= counts[covered]
    if not covered.all():
        # Windows have equal length, so the nearest one is the one whose
        # centre is nearest; ties go to the earlier window.
        uncovered = np.flatnonzero(~covered)
        centre = (uncovered - (window_size - 1) / 2) / stride
        nearest = np.clip(np.ceil(centre - 0.5), 0, n_windows - 1).astype(int)
        out[uncovered] = scores[nearest]
    return out
