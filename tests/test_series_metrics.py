import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score
from strategies import labelled_series, monotone_transforms

from sklearn_recon.metrics import ucr_top1_hit, vus_pr, vus_roc

SETTINGS = settings(deadline=None, max_examples=50)


def _one_region(n=200, start=100, stop=110):
    y = np.zeros(n, dtype=int)
    y[start:stop] = 1
    return y


def test_vus_without_buffer_is_range_based_ap_and_auc():
    # Score 1 on the region and 2 steps either side: at the top threshold
    # 14 steps are flagged, 10 of them anomalous, and every region is found.
    y = _one_region()
    score = np.zeros(200)
    score[98:112] = 1.0
    assert vus_pr(y, score, sliding_window=0) == pytest.approx(10 / 14)
    # ROC points (0, 0), (4/190, 1), (1, 1): area 1 - 2/190.
    assert vus_roc(y, score, sliding_window=0) == pytest.approx(1 - 2 / 190)


def test_vus_pr_with_buffers_counts_flagged_neighbours_as_fractions():
    y = _one_region()
    score = np.zeros(200)
    score[98:112] = 1.0
    # For a buffer length w, the 4 flagged neighbours (1 and 2 steps from
    # the region) are labelled sqrt(1 - d / w) when d <= w // 2; recall
    # stays 1, so the range-based AP is (10 + their labels) / 14.
    expected = []
    for w in range(21):
        weight = sum(2 * np.sqrt(1 - d / w) for d in (1, 2) if d <= w // 2)
        expected.append((10 + weight) / 14)
    assert vus_pr(y, score, sliding_window=20) == pytest.approx(np.mean(expected))


def test_vus_existence_reward_scales_recall_by_the_regions_found():
    y = np.zeros(100, dtype=int)
    y[10:15] = y[50:55] = 1
    score = np.zeros(100)
    score[10:15] = 1.0  # only the first region
    # Top threshold: recall 5/10 times 1 region of 2 found = 0.25, precision
    # 1; then everything flagged: TPR 1 at precision 10/100.
    assert vus_pr(y, score, sliding_window=0) == pytest.approx(0.25 + 0.75 * 0.1)
    assert average_precision_score(y, score) == pytest.approx(0.5 + 0.5 * 0.1)


@SETTINGS
@given(data=labelled_series(), window=st.integers(0, 40))
def test_labels_as_scores_are_perfect(data, window):
    y, _ = data
    assert vus_pr(y, y, sliding_window=window) == pytest.approx(1.0)
    assert vus_roc(y, y.astype(bool), sliding_window=window) == pytest.approx(1.0)


@SETTINGS
@given(
    data=labelled_series(),
    transform=monotone_transforms(),
    window=st.integers(0, 40),
    n_thresholds=st.integers(1, 300),
)
def test_invariant_under_monotone_transforms(data, transform, window, n_thresholds):
    y, scores = data
    kwargs = dict(sliding_window=window, n_thresholds=n_thresholds)
    for metric in (vus_pr, vus_roc):
        value = metric(y, scores, **kwargs)
        assert 0.0 <= value <= 1.0
        assert metric(y, transform(scores), **kwargs) == value
    assert ucr_top1_hit(y, transform(scores)) == ucr_top1_hit(y, scores)


@SETTINGS
@given(data=labelled_series(min_size=3))
def test_one_region_without_buffer_at_every_rank_is_point_roc_auc_and_ap(data):
    # With one region, TPR is the point recall (the region counts as found
    # as soon as one of its steps is flagged, and recall is 0 before), so
    # with a threshold at every rank the curves are the point-wise ones.
    y, scores = data
    first = np.flatnonzero(y)[0]
    length = np.argmin(np.r_[y[first:], 0])  # the first run of anomalies
    y = np.zeros_like(y)
    y[first : first + length] = 1
    if y.all():
        return
    kwargs = dict(sliding_window=0, n_thresholds=len(y))
    assert vus_roc(y, scores, **kwargs) == pytest.approx(roc_auc_score(y, scores))
    assert vus_pr(y, scores, **kwargs) == pytest.approx(average_precision_score(y, scores))


def _random_case(rng):
    n = rng.randint(5, 250)
    y = np.zeros(n, dtype=int)
    for _ in range(rng.randint(1, 5)):
        start = rng.randint(0, n)
        y[start : start + rng.randint(1, 30)] = 1
    if y.all():
        y[0] = 0
    if rng.rand() < 0.5:
        scores = rng.randint(0, 5, size=n).astype(float)  # many ties
    else:
        scores = rng.normal(size=n) + 2 * rng.rand() * y
    return y, scores, int(rng.randint(0, 60)), int(rng.choice([1, 7, 250]))


def _tsb_ad(y, scores, window, n_thresholds):
    basic_metrics = pytest.importorskip("TSB_AD.evaluation.basic_metrics")
    curves = basic_metrics.generate_curve(y, scores, window, "opt", n_thresholds)
    return curves[6], curves[7]  # VUS_ROC, VUS_PR


def _vus_package(y, scores, window, n_thresholds):
    metrics = pytest.importorskip("vus.metrics")
    result = metrics.get_metrics(scores, y, metric="vus", slidingWindow=window, thre=n_thresholds)
    return result["VUS_ROC"], result["VUS_PR"]


@pytest.mark.parametrize("reference", [_tsb_ad, _vus_package], ids=["tsb-ad", "vus"])
def test_vus_agrees_with_the_reference_implementation(reference):
    rng = np.random.RandomState(0)
    for _ in range(60):
        y, scores, window, n_thresholds = _random_case(rng)
        expected_roc, expected_pr = reference(y, scores, window, n_thresholds)
        kwargs = dict(sliding_window=window, n_thresholds=n_thresholds)
        assert vus_roc(y, scores, **kwargs) == pytest.approx(expected_roc, abs=1e-12)
        assert vus_pr(y, scores, **kwargs) == pytest.approx(expected_pr, abs=1e-12)


def test_vus_scores_a_long_series_quickly():
    rng = np.random.RandomState(0)
    y = _one_region(45_000, 4231, 4430)
    scores = rng.normal(size=45_000)
    scores[4300:4350] += 3
    start = time.perf_counter()
    assert 0.0 < vus_pr(y, scores, sliding_window=300) < 1.0
    # The reference loops in Python over thresholds and steps (about 8 s
    # here); this is linear in the length: well under a second, bounded
    # loosely against a loaded machine.
    assert time.perf_counter() - start < 5


def test_ucr_top1_hit_tolerance():
    y = np.zeros(2000, dtype=int)
    y[500:520] = 1  # 20 steps: widened by 100 each side
    for top, hit in [(510, True), (400, True), (399, False), (619, True), (620, False)]:
        score = np.zeros(2000)
        score[top] = 1.0
        assert ucr_top1_hit(y, score) is hit, top
    score = np.zeros(2000)
    score[430] = 1.0
    assert not ucr_top1_hit(y, score, min_tolerance=50)
    assert ucr_top1_hit(y, score, min_tolerance=70)
    # A long region is widened by its own length.
    y = np.zeros(2000, dtype=int)
    y[500:800] = 1
    score = np.zeros(2000)
    score[200] = 1.0
    assert ucr_top1_hit(y, score) and not ucr_top1_hit(y, np.roll(score, -1))


def test_ucr_top1_hit_several_regions_and_ties():
    y = np.zeros(3000, dtype=int)
    y[500:520] = y[2000:2010] = 1
    score = np.zeros(3000)
    score[2050] = 1.0
    assert ucr_top1_hit(y, score)  # near the second region
    score[1000] = 1.0  # a tie far from both
    assert not ucr_top1_hit(y, score)
    assert not ucr_top1_hit(y, np.ones(3000))  # a constant score
    assert ucr_top1_hit(np.r_[0, 1, 1, 0], np.ones(4))  # unless all is covered
    assert ucr_top1_hit(np.ones(5), np.arange(5.0))  # all anomalous is allowed


@pytest.mark.parametrize("metric", [vus_pr, vus_roc, ucr_top1_hit])
def test_bad_input_is_refused(metric):
    y, scores = _one_region(50, 10, 20), np.arange(50.0)
    with pytest.raises(ValueError, match="0 \\(normal\\) and 1 \\(anomaly\\)"):
        metric(np.where(y == 1, -1, 1), scores)
    with pytest.raises(ValueError, match="no anomalous time step"):
        metric(np.zeros(50), scores)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        metric(y, scores[:-1])
    bad = scores.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        metric(y, bad)
    with pytest.raises(TypeError, match="real numbers"):
        metric(y, np.array(["a"] * 50))


def test_bad_parameters_are_refused():
    y, scores = _one_region(50, 10, 20), np.arange(50.0)
    with pytest.raises(ValueError, match="no normal time step"):
        vus_pr(np.ones(50), scores)
    for bad in (-1, 2.0, True):
        with pytest.raises(ValueError, match="sliding_window must be an int >= 0"):
            vus_roc(y, scores, sliding_window=bad)
        with pytest.raises(ValueError, match="min_tolerance must be an int >= 0"):
            ucr_top1_hit(y, scores, min_tolerance=bad)
    with pytest.raises(ValueError, match="n_thresholds must be an int >= 1"):
        vus_pr(y, scores, n_thresholds=0)


def test_doctests_and_docstrings():
    import doctest

    import sklearn_recon.metrics._series as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    validate = pytest.importorskip("numpydoc.validate").validate
    ignored = {"GL01", "GL02", "ES01", "SA01", "EX01", "RT02", "SS05"}  # test_docstrings.py
    for name in module.__all__:
        errors = validate(f"sklearn_recon.metrics.{name}")["errors"]
        assert not [error for error in errors if error[0] not in ignored], name
