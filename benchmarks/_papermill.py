"""The paper-mill data preparation shared by papermill_rnn.py and papermill_cost.py.

One place for what both paper-mill benchmarks must do alike:

- the data: ``papermill.csv.gz`` in ``_common.DATA_DIR`` (61 sensors, 2-minute
  steps, 124 sheet breaks), read with :func:`sklearn_recon.datasets.load_papermill`;
- the labels: ``lead_labels(y, lead=2)``, the study's early warning: the two
  steps before a break are positive and the break rows themselves are
  dropped (once the sheet has broken it is too late to warn);
- the split by time, in rows of the series: the first half is the
  *training* part, the next sixth the *validation* part (every choice of
  features, window, epochs and threshold is made there), the last third
  the *test* part, used once per final configuration. The benchmarks
  train on the training part only, so that the validation part stays
  unseen when it chooses thresholds (``fit_on="period"``, the training
  and validation parts together, is there for a refit);
- the features, all causal (a row only uses readings up to its own time):
  ``raw`` readings, ``diff`` (change since the previous step), ``devK``
  (deviation from the mean of the previous ``K`` steps) or ``robK``
  (robust deviation from the previous ``K`` steps' median, in MADs), of the
  59 numeric sensors; ``x28`` and ``x61``, integer-coded categories, are
  left out. With an ``s`` before the kind (``sdiff``, ``sdevK``) a row
  only looks back within its *run*, the steps since the last break or
  time gap, so that a restart is not measured against the readings from
  before the break. The recency inputs ``since_break`` and ``since_gap``
  (log of the steps since the last break / gap in the ``time`` column,
  capped at a day) are known at prediction time: the operator knows when
  the sheet last broke and when the machine was down;
- ``StandardScaler`` fitted on the rows a model is trained on, only;
- optionally, windows of the past ``window`` steps (all channels) ending
  at each kept row, for the recurrent classifier.

The restart rule: after a break the machine restarts (the time column
shows the downtime as a gap), and the readings of the next steps are
transients. ``PaperMill.after_break`` holds, for every row, how many steps
ago the last break was, so that a benchmark can leave the rows of a restart out of
*training* (``skip_after_break``). On the validation part this did not
help (``papermill_rnn.py --variants``): breaks cluster, so 10 steps
after each break hold 25 of the 123 training warnings. The benchmarks keep
every row. A model may also learn from wider warning labels
than it is judged on (``fit_lead``). Validation and test figures are always
computed on every kept row of their part, with the study's 2-step labels.
"""

import numpy as np
from _common import DATA_DIR, parser
from sklearn.preprocessing import StandardScaler

from sklearn_recon.datasets import lead_labels, load_papermill
from sklearn_recon.windows import sliding_windows

DATA = DATA_DIR / "papermill.csv.gz"
LEAD = 2
CATEGORICAL = ("x28", "x61")
#: Boundaries of the parts, as shares of the series' rows (time order).
VALIDATION_START, TEST_START = 1 / 2, 2 / 3
#: Recency inputs (:meth:`PaperMill.recency`), capped at one day of steps.
RECENCY = ("since_break", "since_gap")
RECENCY_CAP = 720
#: Costs of the business study: a warning costs 5 whether or not a break
#: follows; a missed break costs 100.
COSTS = dict(fp_cost=5, fn_cost=100, tp_cost=5, tn_cost=0)


def sensor_features(readings, kind, runs=None):
    """Causal features of the readings, one row per time step.

    Parameters
    ----------
    readings : DataFrame of shape (n_timesteps, n_sensors)
        The numeric sensors, in time order.

    kind : {"raw", "diff"} or "devK" with K an int
        ``raw`` readings; ``diff`` their change since the previous step;
        ``devK`` their deviation from the mean of the ``K`` previous steps
        (the first rows use the steps there are; the very first row is 0);
        ``robK`` their robust deviation from the ``K`` previous steps:
        (reading - median) / MAD, the MAD being the median absolute
        deviation of those steps from their running median, clipped to
        +-10 (removes slow drift and level shifts between periods).

    runs : ndarray of shape (n_timesteps,), default=None
        Run number of every step (:attr:`PaperMill.runs`): with ``s``
        before the kind (``sdiff``, ``sdevK``, ``srobK``) the features only
        look back within the step's own run, so that a restart is not
        compared with the readings before the break (the first step of a
        run is 0).

    Returns
    -------
    features : ndarray of shape (n_timesteps, n_sensors)
    """
    if kind.startswith("s") and kind != "s":
        if runs is None:
            raise ValueError(f"{kind!r} needs the runs of the series.")
        return np.vstack(
            [sensor_features(part, kind[1:]) for _, part in readings.groupby(runs, sort=False)]
        )
    if kind == "raw":
        out = readings
    elif kind == "diff":
        out = readings.diff()
    elif kind.startswith("dev") and kind[3:].isdigit():
        previous = readings.shift(1).rolling(int(kind[3:]), min_periods=1).mean()
        out = readings - previous
    elif kind.startswith("rob") and kind[3:].isdigit():
        past = readings.shift(1).rolling(int(kind[3:]), min_periods=1)
        median = past.median()
        mad = (readings.shift(1) - median).abs().rolling(int(kind[3:]), min_periods=1).median()
        # A sensor flat over the past K steps has MAD 0: its scale is then
        # the median of its past MADs (causal too), or 1 if it never moved.
        mad = mad.where(mad > 0)
        scale = mad.fillna(mad.expanding().median()).fillna(1.0)
        out = ((readings - median) / scale).clip(-10, 10)
    else:
        raise ValueError(f"unknown features {kind!r}; use raw, diff, devK or robK.")
    return out.fillna(0.0).to_numpy(dtype=np.float64)


class PaperMill:
    """The paper-mill series, its lead labels and its split by time.

    Attributes
    ----------
    readings : DataFrame of the 59 numeric sensors, indexed by time.
    y_lead, keep : the output of ``lead_labels(breaks, lead=2)``.
    after_break : ndarray, for every row of the series, the number of steps
        since the last break before it (a large number before the first).
    gap : ndarray of bool, for every row, whether more than 2 minutes passed
        since the previous row (downtime, mostly after a break).
    runs : ndarray of int, for every row, its run: runs start at the row after
        a break and at a time gap (restarts).
    parts : dict part name -> boolean mask over the kept rows.
    """

    def __init__(self, path=DATA):
        data, breaks = load_papermill(path, return_X_y=True)
        self.readings = data.drop(columns=list(CATEGORICAL))
        self.breaks = breaks.to_numpy()
        self.n_breaks = int(self.breaks.sum())
        self.y_lead, self.keep = lead_labels(self.breaks, lead=LEAD)
        n = len(self.breaks)
        last = np.maximum.accumulate(np.where(self.breaks == 1, np.arange(n), -n))
        since = np.arange(n) - np.concatenate([[-n], last[:-1]])
        self.after_break = since
        minutes = np.diff(self.readings.index.to_numpy()) / np.timedelta64(1, "m")
        self.gap = np.concatenate([[False], minutes > 2])
        # A run starts after a break and at a time gap (a restart).
        self.runs = np.cumsum(np.concatenate([[0], self.breaks[:-1]]) | self.gap)
        self.validation_start = int(VALIDATION_START * n)
        self.test_start = int(TEST_START * n)
        self.parts = {
            "train": self.keep < self.validation_start,
            "validation": (self.keep >= self.validation_start) & (self.keep < self.test_start),
            "test": self.keep >= self.test_start,
        }
        self.parts["period"] = self.parts["train"] | self.parts["validation"]

    def describe(self):
        """One line per part: its rows of the series, kept rows, positives, breaks."""
        bounds = {
            "train": (0, self.validation_start),
            "validation": (self.validation_start, self.test_start),
            "test": (self.test_start, len(self.breaks)),
        }
        lines = []
        for name, (lo, hi) in bounds.items():
            lines.append(
                f"{name:>10}: rows {lo}..{hi - 1}, {int(self.parts[name].sum())} kept, "
                f"{int(self.y_lead[self.parts[name]].sum())} positive, "
                f"{int(self.breaks[lo:hi].sum())} breaks"
            )
        return "\n".join(lines)

    def rows(self, features, fit_on, *, skip_after_break=0, fit_lead=LEAD):
        """Scaled feature rows of the kept steps, and their labels.

        Parameters
        ----------
        features : str or tuple of str
            Kinds of :func:`sensor_features`, side by side.
        fit_on : {"train", "period"}
            Part whose rows fit the ``StandardScaler`` (and the model).
        skip_after_break : int, default=0
            Leave out of the *fitting* rows the steps at most this many
            steps after a break (restart transients); 0 keeps them all.
        fit_lead : int, default=2
            Lead of the labels of the *fitting* rows: a model may learn
            from a wider warning (``lead_labels(y, lead=fit_lead)``); every
            other part keeps the study's labels (lead 2).

        Returns
        -------
        X : dict part name -> ndarray of shape (n_rows, n_features)
            ``"fit"`` (the fitting rows, after the restart rule) and every
            part of ``parts``.
        y : dict part name -> ndarray of 0/1 labels, aligned with ``X``.
        """
        series = self._series(features, fit_on)[self.keep]
        return self._split(series, fit_on, skip_after_break, fit_lead)

    def windows(self, features, window, fit_on, *, skip_after_break=0, fit_lead=LEAD):
        """As :meth:`rows`, with windows of the past ``window`` steps as samples.

        Each sample, of shape ``(window, n_channels)``, holds the scaled
        features of the steps ``t - window + 1`` to ``t`` of the full series
        for a kept step ``t`` (break rows included: they are past readings).
        Kept steps with fewer than ``window - 1`` steps before them are
        left out.
        """
        series = self._series(features, fit_on).astype(np.float32)
        windows = sliding_windows(series, window)  # window i ends at row i + window - 1
        ok = self.keep >= window - 1
        X = np.zeros((len(self.keep), window, series.shape[1]), dtype=np.float32)
        X[ok] = windows[self.keep[ok] - (window - 1)]
        return self._split(X, fit_on, skip_after_break, fit_lead, valid=ok)

    def recency(self, kind):
        """Steps since the last break or time gap, known at prediction time.

        ``since_break``: ``log1p`` of the steps since the last break before
        each row; ``since_gap``: of the steps since the last gap of more
        than 2 minutes in the ``time`` column (mostly the downtime after a
        break, sometimes a pause without one), the gap's row counting as 0.
        Both are capped at :data:`RECENCY_CAP` steps (the same value before
        the first event). Past breaks and the clock are known to the
        operator when a row is scored, so these are causal inputs.
        """
        if kind == "since_break":
            since = self.after_break
        elif kind == "since_gap":
            n = len(self.gap)
            since = np.arange(n) - np.maximum.accumulate(
                np.where(self.gap, np.arange(n), -RECENCY_CAP)
            )
        else:
            raise ValueError(f"unknown recency {kind!r}; use since_break or since_gap.")
        return np.log1p(np.minimum(since, RECENCY_CAP)).astype(np.float64)[:, None]

    def _series(self, features, fit_on):
        """The full series of features, scaled on the kept rows of ``fit_on``."""
        if isinstance(features, str):
            features = (features,)
        series = np.hstack(
            [
                self.recency(kind)
                if kind in RECENCY
                else sensor_features(self.readings, kind, self.runs)
                for kind in features
            ]
        )
        scaler = StandardScaler().fit(series[self.keep[self.parts[fit_on]]])
        return scaler.transform(series)

    def _split(self, X, fit_on, skip_after_break, fit_lead, valid=None):
        valid = np.ones(len(X), dtype=bool) if valid is None else valid
        masks = {name: mask & valid for name, mask in self.parts.items()}
        masks["fit"] = masks[fit_on] & (self.after_break[self.keep] > skip_after_break)
        X = {name: X[mask] for name, mask in masks.items()}
        y = {name: self.y_lead[mask] for name, mask in masks.items()}
        # The break rows are dropped whatever the lead, so ``keep`` is the same.
        y["fit"] = lead_labels(self.breaks, lead=fit_lead)[0][masks["fit"]]
        return X, y


def candidate_parser(doc):
    """The paper-mill studies' parser: which candidate inputs to train, how long."""
    candidates = parser(doc)
    candidates.add_argument("--variants", action="store_true", help="every candidate")
    candidates.add_argument("--only", help="candidates separated by ';'")
    candidates.add_argument(
        "--validation-only", action="store_true", help="leave the test part unseen"
    )
    candidates.add_argument("--epochs", type=int, default=30)
    return candidates


def candidate_names(args, candidates, chosen):
    """The names of the candidates ``args`` asks for: ``[chosen]`` unless told."""
    if args.only:  # e.g. --only "rob30 + diff, fit_lead 5;raw"
        return args.only.split(";")
    return list(candidates) if args.variants else [chosen]
