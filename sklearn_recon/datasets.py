"""Data sets of the studies sklearn_recon grew from."""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

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
    import pandas as pd

    with resources.files(__package__).joinpath("data/ecg5000.csv.gz").open("rb") as f:
        frame = pd.read_csv(f, compression="gzip")
    feature_names = [f"t{i}" for i in range(140)]
    target_names = [
        "normal",
        "R-on-T premature ventricular contraction",
        "premature ventricular contraction",
        "supraventricular premature or ectopic beat",
        "unclassified beat",
    ]
    frame = frame.rename(columns={"label": "target"})
    if as_frame:
        data, target, split = frame[feature_names], frame["target"], frame["split"]
    else:
        data = frame[feature_names].to_numpy(dtype=np.float64)
        target = frame["target"].to_numpy(dtype=np.int64)
        split = frame["split"].to_numpy(dtype=object)
        frame = None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        split=split,
        frame=frame,
        feature_names=feature_names,
        target_names=target_names,
        DESCR=_ECG5000_DESCR,
    )
