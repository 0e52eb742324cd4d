"""The drift check behind ``sklearn-recon score``'s warning, as a library function."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_recon import ThresholdSelector
from sklearn_recon.monitoring import DriftReport, check_drift, drift_reference


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    columns = ["temperature", "pressure", "flow"]
    X = pd.DataFrame(rng.normal(size=(600, 3)) * [1.0, 100.0, 0.01], columns=columns)
    model = make_pipeline(
        StandardScaler(), IsolationForest(contamination=0.05, random_state=0)
    ).fit(X)
    return model, X, drift_reference(model, X), rng


def test_reference_records_the_training_share_and_ranges(fitted):
    model, X, reference, _ = fitted
    flagged = np.mean(model.predict(X) == -1)
    assert reference.expected_share == pytest.approx(flagged)
    assert reference.expected_from == "training rows"
    assert reference.n_samples == 600
    assert list(reference.feature_names) == list(X.columns)
    np.testing.assert_allclose(reference.minimum, X.min())
    np.testing.assert_allclose(reference.maximum, X.max())
    np.testing.assert_allclose(reference.std, X.std(ddof=0))


def test_no_drift_on_new_rows_of_the_same_distribution(fitted):
    model, X, reference, rng = fitted
    new = pd.DataFrame(rng.normal(size=(400, 3)) * [1.0, 100.0, 0.01], columns=X.columns)
    report = check_drift(model, new, reference=reference)
    assert isinstance(report, DriftReport)
    assert not report.drifted and report.p_value > 0.001
    assert report.test == "Fisher's exact test"
    assert report.n_samples == report.n_effective == 400
    assert report.furthest() == []
    assert "within sampling noise" in str(report)


def test_drift_names_the_feature_furthest_outside_in_training_units(fitted):
    model, X, reference, rng = fitted
    new = pd.DataFrame(rng.normal(size=(400, 3)) * [1.0, 100.0, 0.01], columns=X.columns)
    # pressure moves by 2 of its standard deviations (200 units), flow by 6 of
    # its own (0.06 units): in raw units pressure moved most, in training
    # standard deviations flow did
    new["pressure"] += 200.0
    new["flow"] += 0.06
    # other columns, in another order, are fine: features are taken by name
    new = new[["flow", "pressure", "temperature"]].assign(batch="b7")
    report = check_drift(model, new, reference=reference)
    assert report.drifted and report.p_value < 1e-10
    assert report.observed_share > 0.5 > report.expected_share
    assert report.furthest() == ["flow", "pressure"]
    sentence = str(report)
    assert sentence.count(".") >= 1 and "\n" not in sentence
    assert "far beyond sampling noise (two-sided Fisher's exact test" in sentence
    assert "furthest outside the training range: flow (" in sentence
    # the scores can be passed instead of recomputed
    anomaly = -model.score_samples(new[list(X.columns)])
    again = check_drift(model, new, reference=reference, anomaly_score=anomaly)
    assert again.n_flagged == report.n_flagged and again.p_value == report.p_value


def test_a_training_share_of_zero_is_a_count_not_a_certainty(fitted):
    model, X, reference, _ = fitted
    # no training row flagged, out of 20: 1 flag in 20 new rows is no evidence
    few = dict(reference, expected_share=0.0, n_samples=20)
    threshold = -model[-1].offset_  # IsolationForest flags -score_samples above it
    anomaly = np.full(20, threshold - 0.5)
    anomaly[0] = threshold + 0.5
    report = check_drift(model, X[:20], reference=few, anomaly_score=anomaly)
    assert report.n_flagged == 1 and not report.drifted
    # with 2000 training rows behind the 0, 5 flags in 20 are
    many = dict(few, n_samples=2000)
    anomaly[:5] = anomaly[0]
    assert check_drift(model, X[:20], reference=many, anomaly_score=anomaly).drifted


def test_conformal_threshold_expects_alpha_and_uses_the_binomial_test():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(400, 2))
    selector = ThresholdSelector(
        IsolationForest(random_state=0), method="conformal", alpha=0.1, random_state=0
    ).fit(X)
    reference = drift_reference(selector, X)
    assert reference.expected_share == 0.1
    assert reference.expected_from == "conformal alpha"
    report = check_drift(selector, rng.normal(size=(300, 2)) + 4, reference=reference)
    assert report.test == "binomial test" and report.drifted
    assert report.furthest() == ["x0", "x1"] or report.furthest() == ["x1", "x0"]


def test_stored_reference_and_bad_input(fitted):
    model, X, reference, _ = fitted
    with pytest.raises(ValueError, match="carries no drift reference"):
        check_drift(model, X)
    with pytest.raises(ValueError, match="reference must be what drift_reference"):
        check_drift(model, X, reference={"expected_share": 0.1})
    with pytest.raises(ValueError, match="level must be a number in"):
        check_drift(model, X, reference=reference, level=1.5)
    with pytest.raises(ValueError, match="lacks 1 of the reference's features"):
        check_drift(model, X.drop(columns="flow"), reference=reference)
    with pytest.raises(TypeError, match="StandardScaler has no threshold"):
        drift_reference(StandardScaler().fit(X), X)
    try:
        model.drift_reference_ = reference  # a reference stored on the estimator
        assert check_drift(model, X).p_value == pytest.approx(1.0)
    finally:
        del model.drift_reference_
