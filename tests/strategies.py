"""Shared Hypothesis strategies: labelled scores, costs, hostile input arrays."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@st.composite
def labelled_scores(draw, *, min_size=2, max_size=60, min_each=1, anomaly_label=-1):
    """``(y, scores)``: labels with ``min_each`` anomalies and normals at least.

    Scores are integers cast to float, drawn from a small range so that ties
    (several samples with one score) are frequent.
    """
    n = draw(st.integers(max(min_size, 2 * min_each), max_size))
    n_anomalies = draw(st.integers(min_each, n - min_each))
    normal_label = 1 if anomaly_label != 1 else 0
    y = np.full(n, normal_label)
    order = draw(st.permutations(range(n)))
    y[np.asarray(order[:n_anomalies])] = anomaly_label
    scores = np.asarray(draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n)), dtype=float)
    return y, scores


@st.composite
def labelled_series(draw, *, min_size=2, max_size=120, max_regions=4):
    """``(y, scores)`` of a series: 0/1 labels in runs (both present), tied scores.

    The anomalous regions may touch each other or the ends of the series;
    scores are small integers cast to float, so ties are frequent.
    """
    n = draw(st.integers(min_size, max_size))
    y = np.zeros(n, dtype=int)
    for _ in range(draw(st.integers(1, max_regions))):
        start = draw(st.integers(0, n - 1))
        y[start : start + draw(st.integers(1, max(1, n // 4)))] = 1
    if y.all():
        y[draw(st.integers(0, n - 1))] = 0
    scores = np.asarray(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype=float)
    return y, scores


def costs():
    """The four costs of the cost matrix, as non-negative integers."""
    value = st.integers(0, 100).map(float)
    return st.fixed_dictionaries(
        {"fp_cost": value, "fn_cost": value, "tp_cost": value, "tn_cost": value}
    )


#: Strictly increasing maps that keep distinct integer scores distinct in float.
MONOTONE_TRANSFORMS = {
    "affine": lambda s: 3.0 * s + 7.0,
    "cube": lambda s: s**3,
    "exp": lambda s: np.exp(s / 4.0),
}


def monotone_transforms():
    return st.sampled_from(sorted(MONOTONE_TRANSFORMS)).map(MONOTONE_TRANSFORMS.__getitem__)


@st.composite
def hostile_arrays(draw, dtypes, *, n_features, min_rows=1, max_rows=12):
    """2-D arrays of one of ``dtypes``: tame values, or anything the dtype holds.

    Half the arrays hold small values; the others any value of their dtype:
    for floats NaN, infinities, the largest and the subnormal numbers.
    """
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    n_rows = draw(st.integers(min_rows, max_rows))
    if dtype.kind == "f" and draw(st.booleans()):
        elements = hnp.from_dtype(
            dtype, min_value=-10, max_value=10, allow_nan=False, allow_infinity=False
        )
    elif dtype.kind in "iu" and draw(st.booleans()):
        elements = st.integers(max(-10, int(np.iinfo(dtype).min)), 10)
    else:
        elements = hnp.from_dtype(dtype)
    return draw(hnp.arrays(dtype, (n_rows, n_features), elements=elements))
