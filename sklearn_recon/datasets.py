"""Data sets of the studies sklearn_recon grew from.

ECG5000 and SECOM are bundled with the package (compressed); the paper-mill
series has no licence to redistribute, so :func:`load_papermill` reads it
from a path the user gives. :func:`make_synthetic_series` generates series
with anomalies at known positions, for tests and examples. Nothing here
downloads anything. :func:`lead_labels` gives the paper-mill study's
early-warning labels (it lives with the studies' code, in
``sklearn_recon._studies``).
"""

from importlib import resources
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._studies._papermill import lead_labels

__all__ = [
    "lead_labels",
    "load_ecg5000",
    "load_papermill",
    "load_secom",
    "make_synthetic_series",
]


def _read_bundled(name):
    import pandas as pd

    with resources.files(__package__).joinpath(f"data/{name}").open("rb") as f:
        return pd.read_csv(f, compression="gzip")


def _as_bunch(frame, feature_names, extra, *, as_frame, return_X_y, **info):
    """Split a loaded table into data, target and the column ``extra``."""
    if as_frame:
        data, target, extra_values = frame[feature_names], frame["target"], frame[extra]
    else:
        data = frame[feature_names].to_numpy(dtype=np.float64)
        target = frame["target"].to_numpy(dtype=np.int64)
        extra_values = frame[extra].to_numpy()
        frame = None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        **{extra: extra_values},
        **info,
    )


_ECG5000_DESCR = """\
ECG5000 heartbeats (UCR time series archive)
--------------------------------------------

5000 heartbeats of one 20-hour ECG (BIDMC Congestive Heart Failure Database,
record chf07), each interpolated to 140 samples and z-normalised on its own.

Classes (``target``): 1 normal (2919 beats), 2 R-on-T premature ventricular
contraction (1767), 3 premature ventricular contraction (96), 4
supraventricular premature or ectopic beat (194), 5 unclassified beat (24).
For anomaly detection, class 1 is normal and classes 2-5 are anomalies.

``split`` is the UCR archive's split: "train" (the first 500 rows) or
"test" (4500 rows).

Source: Dau, H. A. et al. (2019) "The UCR Time Series Archive", IEEE/CAA J.
Autom. Sinica 6(6); Chen, Y. et al. (2015) "A general framework for
never-ending learning from time series streams", DMKD 29(6); Goldberger et
al. (2000) PhysioNet. Free for research use with citation.
"""


def load_ecg5000(*, return_X_y=False, as_frame=False):
    """Load the ECG5000 heartbeats bundled with the package.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with columns ``t0`` ...
        ``t139``, ``target`` and ``split`` are pandas Series, and ``frame``
        holds all of them in one DataFrame.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (5000, 140) or DataFrame
            One heartbeat per row.
        target : ndarray of shape (5000,) or Series
            Original UCR class, 1 (normal) to 5.
        split : ndarray of shape (5000,) or Series
            "train" or "test", the UCR archive's split.
        frame : DataFrame or None
            All columns together when ``as_frame=True``.
        feature_names : list of str
            ``["t0", ..., "t139"]``.
        target_names : list of str
            Names of the classes 1 to 5.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        The data and the class labels.

    Examples
    --------
    >>> from sklearn_recon.datasets import load_ecg5000
    >>> ecg = load_ecg5000()
    >>> ecg.data.shape, ecg.target.shape
    ((5000, 140), (5000,))
    >>> sorted(set(ecg.target.tolist()))
    [1, 2, 3, 4, 5]
    """
    frame = _read_bundled("ecg5000.csv.gz")
    feature_names = [f"t{i}" for i in range(140)]
    target_names = [
        "normal",
        "R-on-T premature ventricular contraction",
        "premature ventricular contraction",
        "supraventricular premature or ectopic beat",
        "unclassified beat",
    ]
    return _as_bunch(
        frame.rename(columns={"label": "target"}),
        feature_names,
        "split",
        as_frame=as_frame,
        return_X_y=return_X_y,
        target_names=target_names,
        DESCR=_ECG5000_DESCR,
    )


_SECOM_DESCR = """\
SECOM semiconductor manufacturing data (UCI)
--------------------------------------------

1567 production runs, each with 590 anonymised sensor and process
measurements (``f0`` ... ``f589``), a timestamp, and the result of in-house
line testing: -1 pass (1463 runs), 1 fail (104 runs). About 4.5 % of the
values are missing (NaN); several columns are constant or almost empty. The
data is not cleaned: put an imputer and a scaler in the Pipeline.

A fail is coded 1, so pass ``anomaly_label=1`` wherever labels are given.

Source: McCann, M. & Johnston, A. (2008) SECOM, UCI Machine Learning
Repository, https://doi.org/10.24432/C54305. Licence: CC BY 4.0.
"""


def load_secom(*, return_X_y=False, as_frame=False):
    """Load the UCI SECOM semiconductor data bundled with the package.

    Labels keep the published coding: -1 pass, 1 fail. A fail is the
    anomaly, so pass ``anomaly_label=1`` to anything that takes labels.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` and ``timestamp`` are
        Series, and ``frame`` holds them all.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (1567, 590) or DataFrame
            Sensor readings, NaN where missing.
        target : ndarray of shape (1567,) or Series
            -1 pass, 1 fail.
        timestamp : ndarray of shape (1567,) or Series
            Time of each run (numpy datetime64, or pandas Timestamps).
        frame : DataFrame or None
            All columns together when ``as_frame=True``.
        feature_names : list of str
            ``["f0", ..., "f589"]``.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        The readings and the labels.

    Examples
    --------
    >>> from sklearn_recon.datasets import load_secom
    >>> X, y = load_secom(return_X_y=True)
    >>> X.shape, sorted(set(y.tolist()))
    ((1567, 590), [-1, 1])
    """
    import pandas as pd

    frame = _read_bundled("secom.csv.gz").rename(columns={"label": "target"})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return _as_bunch(
        frame,
        [f"f{i}" for i in range(590)],
        "timestamp",
        as_frame=as_frame,
        return_X_y=return_X_y,
        DESCR=_SECOM_DESCR,
    )


def load_papermill(path, *, return_X_y=False):
    """Read the paper-mill sheet-break series from ``path``.

    The data (Ranjan et al., 2018, arXiv:1809.10717; ProcessMiner) has no
    licence to redistribute, so it is not bundled: pass the path of its CSV
    file (``time, y, x1 ... x61``; gzip-compressed works too).

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : DataFrame of shape (n_timesteps, 61)
            Sensor readings ``x1`` ... ``x61`` indexed by time, one row per
            2-minute step. ``x28`` and ``x61`` are integer-coded categories.
        target : Series of shape (n_timesteps,)
            1 at a sheet break, 0 elsewhere. Use
            :func:`lead_labels` for the study's early
            warning labels.
        feature_names : list of str
            ``["x1", ..., "x61"]``.
        categorical_features : list of str
            ``["x28", "x61"]``.

    (data, target) : tuple if ``return_X_y`` is True
        The readings and the break labels.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is a directory or not a readable CSV file, or the file
        lacks the expected columns, has times not in the month/day/year
        hour:minute format, a ``y`` other than 0 and 1, or sensor values
        that are not numbers.
    """
    import os

    import pandas as pd

    if isinstance(path, (str, os.PathLike)) and os.path.isdir(path):
        raise ValueError(f"{path} is a directory; pass the path of the CSV file.")
    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors
        raise ValueError(f"{path} is not a readable CSV file: {exc}") from exc
    expected = ["time", "y", *[f"x{i}" for i in range(1, 62)]]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{path} is not the paper-mill data: it lacks the columns {missing[:5]}"
            + (" ..." if len(missing) > 5 else "")
        )
    try:
        frame.index = pd.to_datetime(frame.pop("time"), format="%m/%d/%y %H:%M")
    except ValueError as exc:
        raise ValueError(
            f"{path}: the time column is not in the paper-mill format "
            f"month/day/year hour:minute: {exc}"
        ) from exc
    target = frame.pop("y")
    if not target.isin([0, 1]).all():
        raise ValueError(
            f"{path}: the column y must hold 0 (no break) and 1 (break) only; got "
            f"{sorted(map(str, set(target[~target.isin([0, 1])])))[:5]}."
        )
    target = target.astype(int)
    data = frame[expected[2:]]
    not_numeric = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
    if not_numeric:
        raise ValueError(
            f"{path}: the sensor columns {not_numeric[:5]} hold values that are not numbers."
        )
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        feature_names=expected[2:],
        categorical_features=["x28", "x61"],
    )


def make_synthetic_series(
    n_timesteps=2000,
    *,
    n_channels=2,
    period=50,
    noise=0.05,
    n_anomalies=3,
    anomaly_length=30,
    kinds=("spike", "level_shift", "frequency"),
    random_state=None,
):
    """Generate a multichannel periodic series with injected anomalies.

    Each channel is a sine wave with its own phase plus Gaussian noise.
    Anomalies of the given ``kinds`` are injected, in turn, at random
    non-overlapping places: a ``"spike"`` adds a few large values, a
    ``"level_shift"`` adds a constant offset, a ``"frequency"`` change
    doubles the frequency of the wave.

    Parameters
    ----------
    n_timesteps : int, default=2000
        Length of the series.

    n_channels : int, default=2
        Number of channels.

    period : int, default=50
        Period of the normal wave, in steps.

    noise : float, default=0.05
        Standard deviation of the Gaussian noise.

    n_anomalies : int, default=3
        Number of anomalous segments.

    anomaly_length : int, default=30
        Length of each anomalous segment.

    kinds : tuple of str, default=("spike", "level_shift", "frequency")
        The kinds of anomaly, used in turn.

    random_state : int, RandomState instance or None, default=None
        Seeds the phases, the noise and the anomaly positions.

    Returns
    -------
    X : ndarray of shape (n_timesteps, n_channels)
        The series.

    y : ndarray of shape (n_timesteps,)
        1 inside an anomalous segment, 0 elsewhere.

    Examples
    --------
    >>> from sklearn_recon.datasets import make_synthetic_series
    >>> X, y = make_synthetic_series(500, n_anomalies=2, random_state=0)
    >>> X.shape, int(y.sum())
    ((500, 2), 60)
    """
    for name, value in [
        ("n_timesteps", n_timesteps),
        ("n_channels", n_channels),
        ("period", period),
        ("anomaly_length", anomaly_length),
    ]:
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    if not isinstance(n_anomalies, Integral) or isinstance(n_anomalies, bool) or n_anomalies < 0:
        raise ValueError(f"n_anomalies must be an int >= 0; got {n_anomalies!r}.")
    if not isinstance(noise, Real) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}.")
    known = ("spike", "level_shift", "frequency")
    if (
        not isinstance(kinds, (tuple, list))
        or not kinds
        or not all(isinstance(kind, str) and kind in known for kind in kinds)
    ):
        raise ValueError(
            "kinds must be a non-empty tuple of 'spike', 'level_shift' and "
            f"'frequency'; got {kinds!r}."
        )
    if "spike" in kinds and anomaly_length < 3:
        raise ValueError(
            "A 'spike' anomaly puts 3 spikes in its segment, so anomaly_length "
            f"must be at least 3; got {anomaly_length}."
        )
    n_slots = n_timesteps // (2 * anomaly_length)
    if n_anomalies > n_slots:
        raise ValueError(
            f"{n_anomalies} anomalies of anomaly_length={anomaly_length} do not "
            f"fit apart in n_timesteps={n_timesteps} (at most {n_slots})."
        )
    rng = check_random_state(random_state)
    t = np.arange(n_timesteps)
    phases = rng.uniform(0, 2 * np.pi, size=n_channels)
    X = np.sin(2 * np.pi * t[:, None] / period + phases)
    y = np.zeros(n_timesteps, dtype=int)
    # one slot of 2 * anomaly_length steps per anomaly, so segments never touch
    slots = np.sort(rng.choice(n_slots, size=n_anomalies, replace=False))
    for i, slot in enumerate(slots):
        start = slot * 2 * anomaly_length + rng.randint(anomaly_length + 1)
        segment = slice(start, start + anomaly_length)
        kind = kinds[i % len(kinds)]
        if kind == "spike":
            spikes = start + rng.choice(anomaly_length, size=3, replace=False)
            X[spikes] += rng.choice([-3.0, 3.0], size=(3, n_channels))
        elif kind == "level_shift":
            X[segment] += 1.5
        else:
            X[segment] = np.sin(4 * np.pi * t[segment, None] / period + phases)
        y[segment] = 1
    X += noise * rng.normal(size=X.shape)
    return X, y
