"""The plan: what the exported graph computes, read off a fitted estimator."""

import numpy as np

from ._supported import _supported
from ._transformers import _transform


def _is_exportable_detector(estimator):
    """Whether ``estimator`` is one of the registry's detectors (or a subclass)."""
    from ..utils._registry import entries, get_class

    return any(isinstance(estimator, get_class(entry)) for entry in entries(kind="detector"))


class _Plan:
    """What the exported graph computes, read off a fitted estimator.

    ``transforms`` are functions of a float32 tensor (the preprocessing, in
    order, named in ``steps``); ``detector`` is the Keras detector whose
    ``_network_error`` gives the anomaly error; ``meta`` is the threshold
    meta-estimator around it, or None: its ``best_threshold_`` and classes,
    else the detector's own ``offset_``, turn the error into ``decision``
    and ``flag`` (see :func:`_head`).
    """

    def __init__(self, estimator):
        self.transforms = []
        self.steps = []
        self.meta = None
        self.detector = None
        self._walk(estimator, type(estimator).__name__)
        self.n_features = _n_features_in(estimator)
        self.feature_names = getattr(estimator, "feature_names_in_", None)
        self.row_shape = _row_shape(self.detector, self.n_width)

    def _walk(self, estimator, where):
        from ..utils._response import THRESHOLD, WRAPPERS, walk

        found = walk(estimator, enter=WRAPPERS, where=where)
        for step_where, kind, step in found.hops:
            if kind == "transform":
                self.transforms.append(_transform(step, step_where))
                self.steps.append(type(step).__name__)
            elif kind == THRESHOLD:
                if self.meta is not None:
                    raise TypeError(
                        f"{step_where} is a {type(step).__name__} inside a "
                        f"{type(self.meta).__name__}: export supports one threshold "
                        f"meta-estimator, around a detector. {_supported()}."
                    )
                self.meta = step
            else:
                raise TypeError(
                    f"{step_where} is a WindowedDetector, which export does not support: "
                    "the score of a time step aggregates the windows around it, so "
                    "it depends on the whole series, not on one input row. Export "
                    "its window detector instead, export(windowed.detector_, path), "
                    "feed the graph the rows of sliding_windows(series, "
                    "window_size, stride=stride).reshape(n_windows, -1) and map "
                    "the window errors (-score) back to time steps with "
                    "sklearn_recon.windows.aggregate_window_scores (see the "
                    f"Deploying guide). {_supported()}."
                )
        node, where = found.final, found.where
        if node is None or (isinstance(node, str) and node == "passthrough"):
            raise TypeError(f"{where} is 'passthrough', not a detector. {_supported()}.")
        if not _is_exportable_detector(node):
            raise TypeError(
                f"{where} is a {type(node).__module__}.{type(node).__qualname__}, "
                f"which cannot be exported. {_supported()}."
            )
        self.detector = node

    @property
    def n_width(self):
        """Width of the rows reaching the detector (after the preprocessing)."""
        return int(self.detector.n_features_in_)

    def describe(self):
        """The chain of estimators, outermost first, e.g. ``MinMaxScaler > ...``."""
        names = [*self.steps, type(self.detector).__name__]
        if self.meta is not None:
            names.append(f"in {type(self.meta).__name__}")
        return " > ".join(names)


def _n_features_in(estimator):
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is None:
        raise TypeError(
            f"{type(estimator).__name__} has no n_features_in_, so the width of "
            f"the graph's input is unknown. {_supported()}."
        )
    return int(n_features)


def _row_shape(detector, n_features):
    """The network's input shape of one row, checked to be a plain reshape."""
    probe = np.arange(n_features, dtype=np.float32).reshape(1, n_features)
    network_input = np.asarray(detector._model_input(probe))
    if network_input.size != n_features or not np.array_equal(
        network_input.reshape(-1), probe.reshape(-1)
    ):
        raise TypeError(
            f"{type(detector).__name__} turns rows into network input by more than "
            f"a reshape, which export cannot reproduce. {_supported()}."
        )
    return tuple(int(d) for d in network_input.shape[1:])
