"""The registry is the one list of estimators, and every reader follows it."""

import importlib
import inspect

from _instances import TINY_DETECTORS

import sklearn_recon
from sklearn_recon import _persistence, cli
from sklearn_recon._studies import _protocol
from sklearn_recon.utils._registry import ESTIMATORS, by_cli_name, entries, get_class


def test_every_entry_names_its_class_in_its_module():
    for entry in ESTIMATORS:
        cls = get_class(entry)
        assert inspect.isclass(cls) and cls.__name__ == entry.name
        assert importlib.import_module(entry.module) is inspect.getmodule(cls) or (
            entry.kind == "baseline"  # scikit-learn re-exports its classes
        )


def test_public_names_are_the_registry_estimators_and_the_functions():
    classes = {entry.name for entry in entries(public=True)}
    exported = {
        name for name in sklearn_recon.__all__ if inspect.isclass(getattr(sklearn_recon, name))
    }
    assert exported == classes
    for name in classes:
        assert getattr(sklearn_recon, name) is get_class(
            next(e for e in ESTIMATORS if e.name == name)
        )


def test_command_line_names_are_unique_and_found():
    names = [entry.cli_name for entry in entries(cli=True)]
    assert len(names) == len(set(names))
    for name in names:
        assert by_cli_name(name).cli_name == name


def test_readers_follow_the_registry():
    cli_names = tuple(entry.cli_name for entry in entries(cli=True))
    assert cli.DEMO_DETECTORS == _protocol.DETECTORS == cli_names
    assert set(cli.FIT_DETECTORS) == set(_protocol.DEEP_DETECTORS)
    assert set(_protocol.SUPERVISED) == {
        entry.cli_name for entry in entries(cli=True) if entry.supervised
    }
    saveable = {f"sklearn_recon.{entry.name}" for entry in entries(public=True, saveable=True)}
    ours = {name for name in _persistence.SUPPORTED_ESTIMATORS if name.startswith("sklearn_recon.")}
    assert ours == saveable
    for name, (label, estimator) in _protocol.protocol_detectors().items():
        entry = by_cli_name(name)
        assert isinstance(estimator, get_class(entry)) and label == entry.table_label


def test_the_tests_have_a_tiny_configuration_of_every_detector():
    assert set(TINY_DETECTORS) == {entry.name for entry in entries(kind="detector")}


def test_every_protocol_detector_has_its_epochs_per_run_size():
    for entry in entries(kind="detector", cli=True):
        assert set(entry.protocol_epochs) == {"demo", "quick"}, entry.name
        default = get_class(entry)().get_params()["epochs"]
        assert entry.protocol_epochs["quick"] <= entry.protocol_epochs["demo"] < default


def test_protocol_params_are_parameters_of_their_class():
    for entry in ESTIMATORS:
        params = inspect.signature(get_class(entry)).parameters
        assert set(entry.protocol_params) <= set(params), entry.name
