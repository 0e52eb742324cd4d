import pytest

from sklearn_recon._studies._protocol import (
    DEEP_DETECTORS,
    DETECTORS,
    EPOCHS,
    markdown_table,
    protocol_detectors,
)


def test_protocol_detectors_full_size_keeps_the_defaults():
    detectors = protocol_detectors(size="full", random_state=3)
    assert list(detectors) == list(DETECTORS)
    for name in DEEP_DETECTORS:
        label, estimator = detectors[name]
        default = type(estimator)().get_params()
        assert estimator.get_params()["epochs"] == default["epochs"]
        assert estimator.random_state == 3
        assert label.startswith(type(estimator).__name__)
    # the RNN classifier's benchmark configuration: 35 steps of 4 values
    assert detectors["rnn"][1].n_channels == 4
    assert detectors["iforest"][1].random_state == 3


@pytest.mark.parametrize("size", ["demo", "quick"])
def test_protocol_detectors_smaller_sizes_cap_the_epochs(size):
    full = protocol_detectors(DEEP_DETECTORS, size="full")
    small = protocol_detectors(DEEP_DETECTORS, size=size)
    for name in DEEP_DETECTORS:
        assert small[name][1].epochs == EPOCHS[size][name] < full[name][1].epochs
    assert all(e.epochs == 7 for _, e in protocol_detectors(DEEP_DETECTORS, epochs=7).values())


def test_protocol_detectors_refuses_unknown_names_and_sizes():
    with pytest.raises(ValueError, match=r"Unknown detectors \['svm'\]"):
        protocol_detectors(["lof", "svm"])
    with pytest.raises(ValueError, match="size must be one of"):
        protocol_detectors(["lof"], size="huge")


def test_markdown_table_formats_and_leaves_missing_cells_empty():
    rows = [("A", {"roc_auc": 0.91234, "fit_seconds": 1.26}), ("Bee", {"roc_auc": 1.0})]
    columns = [("roc_auc", "ROC-AUC", "{:.4f}"), ("fit_seconds", "fit s", "{:.1f}")]
    lines = markdown_table(rows, columns).splitlines()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert cells[0] == ["detector", "ROC-AUC", "fit s"]
    assert set(cells[1][0]) == {"-"}
    assert cells[2] == ["A", "0.9123", "1.3"]
    assert cells[3] == ["Bee", "1.0000", ""]
    assert len({len(line) for line in lines}) == 1  # aligned columns
