"""The paper-mill study's labels: a warning before each sheet break."""

import numpy as np

from ..utils._validation import check_positive_int


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
    >>> from sklearn_recon.datasets import lead_labels
    >>> y_lead, keep = lead_labels([0, 0, 0, 1, 0, 0, 1], lead=2)
    >>> y_lead.tolist(), keep.tolist()
    ([0, 1, 1, 1, 1], [0, 1, 2, 4, 5])
    """
    lead = check_positive_int(lead, "lead")
    if not isinstance(drop_event, (bool, np.bool_)):
        raise TypeError(f"drop_event must be a bool; got {drop_event!r}.")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y.shape}.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold 0 (no event) and 1 (event) only.")
    event = y.astype(bool)
    # Step i is positive when an event falls in steps i+1 .. i+lead: a
    # difference of cumulative event counts, linear in len(y) whatever lead.
    n_events = np.r_[0, np.cumsum(event)]
    steps = np.arange(len(y))
    ahead = n_events[np.minimum(steps + lead, len(y) - 1) + 1] - n_events[steps + 1]
    y_lead = (ahead > 0).astype(int)
    keep = np.flatnonzero(~event) if drop_event else np.arange(len(y))
    return y_lead[keep], keep
