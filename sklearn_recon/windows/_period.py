"""The dominant period of a series: :func:`estimate_period`."""

import numpy as np

from ..utils._validation import check_positive_int, check_real_values

#: Bounds and fallback of :func:`estimate_period`. TSB-AD's ``find_length``
#: looks for the peak among lags 3 to 400, accepts 6 to 303 and otherwise
#: returns 125; here the search reaches 4/3 of ``max_period`` (400 at the
#: default 300).
_MIN_PERIOD, _MAX_PERIOD, _DEFAULT_PERIOD = 8, 300, 125
#: A peak of the autocorrelation counts as a period only if it is above this
#: value (and above four standard errors of a white-noise autocorrelation)
#: and at least this much above the lowest autocorrelation at shorter lags.
_MIN_AUTOCORRELATION = 0.2


def _autocorrelation(series):
    """Mean autocorrelation of the standardised non-constant channels.

    Returns, for lags ``0 .. n - 1`` and averaged over the channels, the
    correlation of the series with itself shifted by ``k`` steps (the
    cosine of ``z[:-k]`` and ``z[k:]``, exactly 1 at the period of a
    periodic series) and the same weighed by ``(n - k) / n``, as the
    standard (biased) estimate weighs its lags; ``None`` when every channel
    is constant.
    """
    n = len(series)
    centred = series - series.mean(axis=0)
    scale = np.sqrt(np.mean(centred**2, axis=0))
    keep = scale > 1e-12 * np.max(np.abs(series), axis=0, initial=1.0)
    if not keep.any():
        return None
    z = centred[:, keep] / scale[keep]
    size = 1 << int(2 * n - 1).bit_length()  # zero-padded: no circular overlap
    spectrum = np.fft.rfft(z, n=size, axis=0)
    acov = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=0)[:n]
    energy = np.cumsum(z**2, axis=0)
    head = energy[::-1]  # sum of z[t]**2 for t < n - k
    tail = energy[-1] - np.r_[np.zeros((1, z.shape[1])), energy[:-1]]  # for t >= k
    norm = np.sqrt(head * tail)
    correlation = np.divide(acov, norm, out=np.zeros_like(acov), where=norm > 0)
    correlation = correlation.mean(axis=1)
    return correlation, correlation * np.arange(n, 0, -1) / n


def estimate_period(
    series, *, min_period=_MIN_PERIOD, max_period=_MAX_PERIOD, default=_DEFAULT_PERIOD
):
    """Estimate the dominant period of a series from its autocorrelation.

    The rule of TSB-AD's ``find_length`` (Liu and Paparrizos, 2024), made
    multichannel and bounded. Each channel is standardised and the
    autocorrelations of the channels are averaged (constant channels are
    left out). The period is the lag of the highest peak (local maximum)
    of that autocorrelation among lags 2 to ``4 * max_period // 3`` and at
    most a third of the series, so that it repeats at least three times. A
    peak counts only if its autocorrelation is above 0.2 and above ``4 /
    sqrt(n_timesteps)`` (four standard errors of the autocorrelation of
    white noise), and at least 0.2 above the lowest autocorrelation at
    shorter lags (the ripples of a smooth series are not periods). The
    autocorrelation at lag ``k`` is the correlation of the series with
    itself shifted by ``k`` steps, exactly 1 at the period of a periodic
    series; peaks are ranked by it times ``(n_timesteps - k) /
    n_timesteps``, as in the standard (biased) estimate, which prefers the
    fundamental period to its multiples.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The series, oldest step first, without NaN or infinite values.

    min_period : int, default=8
        Smallest period returned: a shorter estimate is raised to it.

    max_period : int, default=300
        Largest period returned: a longer estimate (up to ``4 * max_period
        // 3``) is lowered to it.

    default : int, default=125
        The period returned when the series has no clear period (no peak
        counts), as for noise, a trend or a constant series. 125 is TSB-AD's
        fallback.

    Returns
    -------
    period : int
        The estimate (or ``default``), clipped to ``[min_period,
        max_period]`` and then to at most ``max(1, n_timesteps // 3)``, so
        that three periods fit in the series.

    Raises
    ------
    ValueError
        If the series is empty, not 1-D or 2-D, or holds NaN or infinite
        values, or if the bounds are not positive ints with ``min_period
        <= max_period``.

    See Also
    --------
    WindowedDetector : Uses the estimate as its window with
        ``window_size="auto"``.

    Notes
    -----
    TSB-AD's ``find_length`` reads the first channel of at most 20,000
    steps, takes the highest peak of the biased autocorrelation among lags
    3 to 400 whatever its height, and returns 125 when that peak lies
    outside 6 to 303 steps. Here every channel and every step count, a
    peak must stand out, and an estimate outside the bounds is clipped to
    them rather than replaced.

    References
    ----------
    .. [1] Q. Liu and J. Paparrizos, "The Elephant in the Room: Towards A
       Reliable Time-Series Anomaly Detection Benchmark", NeurIPS 2024
       Datasets and Benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recon.windows import estimate_period
    >>> t = np.arange(2000)
    >>> estimate_period(np.sin(2 * np.pi * t / 50))
    50
    >>> estimate_period(np.c_[np.sin(2 * np.pi * t / 40), np.cos(2 * np.pi * t / 40)])
    40
    >>> estimate_period(np.random.RandomState(0).normal(size=2000))
    125
    """
    min_period = check_positive_int(min_period, "min_period")
    max_period = check_positive_int(max_period, "max_period")
    default = check_positive_int(default, "default")
    if min_period > max_period:
        raise ValueError(f"min_period={min_period} is larger than max_period={max_period}.")
    series = check_real_values(series, "series")
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2 or len(series) == 0:
        raise ValueError(
            "series must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_channels) "
            f"with at least one time step; got shape {series.shape}."
        )
    if not np.isfinite(series).all():
        raise ValueError("series holds NaN or infinite values.")
    n = len(series)
    longest = max(1, n // 3)
    period = default
    acf = _autocorrelation(series) if n >= 6 else None
    if acf is not None:
        last = min(longest, 4 * max_period // 3)
        correlation, weighed = (r[: last + 2] for r in acf)
        lags = np.arange(2, last + 1)
        peaks = lags[
            (correlation[lags] > correlation[lags - 1])
            & (correlation[lags] > correlation[lags + 1])
        ]
        floor = max(_MIN_AUTOCORRELATION, 4 / np.sqrt(n))
        lowest_before = np.minimum.accumulate(correlation)[peaks - 1]
        peaks = peaks[
            (correlation[peaks] > floor)
            & (correlation[peaks] - lowest_before >= _MIN_AUTOCORRELATION)
        ]
        if len(peaks):
            period = int(peaks[np.argmax(weighed[peaks])])
    return min(max(period, min_period), max_period, longest)
