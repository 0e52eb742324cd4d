"""CostThreshold: the threshold of least total cost, if it reliably saves money."""

import warnings
from numbers import Real

import numpy as np

from ..metrics import cost_curve
from ..metrics._cost import COST_NAMES, check_costs
from ..utils._docstring import fill_doc
from ..utils._fitting import unfitted_on_failure
from ..utils._sklearn_compat import Interval, _fit_context, _num_samples
from ._base import (
    _DETECTOR_PARAMETER,
    _FIT_PARAMS,
    _SHARED_ATTRIBUTES,
    _SHARED_NOTES,
    _SHARED_PARAMETERS,
    _BaseThreshold,
)
from ._rules import best_index, block_saving, cross_fitted_savings, lower_bound, threshold_between


@fill_doc(
    detector=_DETECTOR_PARAMETER,
    shared_parameters=_SHARED_PARAMETERS,
    shared_attributes=_SHARED_ATTRIBUTES,
    shared_notes=_SHARED_NOTES,
    fit_params=_FIT_PARAMS,
)
class CostThreshold(_BaseThreshold):
    """Choose the threshold of least total cost, if it reliably saves money.

    Wraps an outlier detector (or a probabilistic classifier) and makes it a
    binary classifier of ``y``'s own coding whose threshold on the anomaly
    score minimises ``fp_cost * FP + fn_cost * FN + tp_cost * TP + tn_cost *
    TN`` on held-out labelled data, among the thresholds whose saving over
    flagging nothing at all is reliable (``confidence``). When none is, it
    flags nothing, and says so: a warning system that costs more than no
    warning system is worse than none.

    Parameters
    ----------
    %(detector)s

    fp_cost : float
        Cost of a false alarm (a normal sample flagged), >= 0.

    fn_cost : float
        Cost of a missed anomaly, >= 0.

    tp_cost : float, default=0
        Cost of a true alarm (e.g. acting on it), >= 0.

    tn_cost : float, default=0
        Cost of a normal sample left alone, >= 0.

    confidence : float or None, default=0.9
        How sure the saving over flagging nothing (the base cost) must be.
        The held-out rows fall into blocks: the test folds of ``cv``, or, when
        there is one held-out part (a single split, a
        :class:`~sklearn.frozen.FrozenEstimator`), 5 consecutive blocks of
        it. At each threshold the saving of each block gives a one-sided
        lower confidence bound of the total saving (Student's t over the
        blocks: total minus ``t_{confidence, n_blocks - 1} * sqrt(n_blocks)
        * std``). The threshold of greatest lower bound is chosen when that
        bound is positive and the rule passes the same test out of sample:
        leaving each block out, choosing on the others and scoring the
        choice on the block left out (``cross_fitted_savings_``), since a
        threshold judged on the rows it was chosen on looks better than it
        is. Otherwise nothing is flagged, with a warning. With
        a time-ordered ``cv`` (:class:`~sklearn.model_selection.TimeSeriesSplit`)
        a saving that shrinks or turns into a loss over time widens the
        bound. None chooses the threshold of least total held-out cost, as
        if every saving were certain.

    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s

    best_cost_ : float
        The total held-out cost at ``best_threshold_``.

    best_score_ : float
        ``-best_cost_`` (greater is better, as for scorers).

    base_cost_ : float
        The total held-out cost of flagging nothing.

    saving_ : float
        ``base_cost_ - best_cost_``: the held-out saving of the chosen
        threshold (0 when it flags nothing).

    saving_lower_bound_ : float
        The lower confidence bound of that saving at ``confidence`` (0 when
        nothing is flagged). Only with a ``confidence``: ``confidence=None``
        computes no bound.

    cross_fitted_savings_ : ndarray of shape (n_blocks,)
        The saving on each held-out block of the threshold chosen on the
        other blocks (see ``confidence``); its lower confidence bound must
        be positive for anything to be flagged. Only with a ``confidence``.

    cv_results_ : dict of ndarray
        The curve behind the choice: ``"thresholds"`` (increasing, the last
        ``inf`` flags nothing, so its cost is the base cost), ``"costs"``
        (total held-out cost at each), ``"scores"`` (``-costs``),
        ``"savings"`` (``base cost - costs``), ``"block_savings"`` (the
        saving of each block at each threshold, shape ``(n_blocks,
        n_thresholds)``) and, with a ``confidence``,
        ``"saving_lower_bounds"``.

    See Also
    --------
    ThresholdSelector : Thresholds by rule, F1 or any scorer.
    make_cost_scorer : The matching scorer for ``GridSearchCV``.

    Notes
    -----
    %(shared_notes)s

    With ``confidence=None``, ties between thresholds of equal cost go to
    the lowest threshold, so raising ``fn_cost`` never raises the chosen
    threshold.

    Per-sample costs (a missed fraud costs its amount) are given to
    :meth:`fit` as ``fn_cost=amount`` (or any of the four costs); they
    replace the constant for those samples. With metadata routing enabled,
    a grid search passes them on after ``set_fit_request(fn_cost=True)``,
    and :func:`make_cost_scorer`'s scorer takes them after
    ``set_score_request(fn_cost=True)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_recon import CostThreshold
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(190, 2)), rng.normal(4, 1, size=(10, 2))]
    >>> y = np.r_[np.zeros(190, dtype=int), np.ones(10, dtype=int)]
    >>> model = CostThreshold(IsolationForest(random_state=0), fp_cost=5,
    ...                       fn_cost=100, anomaly_label=1).fit(X, y)
    >>> model.predict(X[:3])
    array([0, 0, 0])
    >>> bool(model.best_cost_ <= model.base_cost_)
    True
    >>> bool(model.saving_lower_bound_ > 0)
    True
    """

    _parameter_constraints: dict = {
        **_BaseThreshold._parameter_constraints,
        "fp_cost": [Interval(Real, 0, None, closed="left")],
        "fn_cost": [Interval(Real, 0, None, closed="left")],
        "tp_cost": [Interval(Real, 0, None, closed="left")],
        "tn_cost": [Interval(Real, 0, None, closed="left")],
        "confidence": [Interval(Real, 0, 1, closed="left"), None],
    }

    def __init__(
        self,
        detector,
        *,
        fp_cost,
        fn_cost,
        tp_cost=0,
        tn_cost=0,
        confidence=0.9,
        cv=5,
        refit=True,
        anomaly_label=-1,
        train_on="auto",
        n_jobs=None,
        random_state=None,
    ):
        super().__init__(
            detector,
            cv=cv,
            refit=refit,
            anomaly_label=anomaly_label,
            train_on=train_on,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        self.fp_cost = fp_cost
        self.fn_cost = fn_cost
        self.tp_cost = tp_cost
        self.tn_cost = tn_cost
        self.confidence = confidence

    def _fit(self, data):
        estimator, held = self._held_out_scores(data)
        costs = {name: held.row_costs.get(name, getattr(self, name)) for name in COST_NAMES}
        total, thresholds = cost_curve(
            held.y, held.scores, **costs, anomaly_label=self.anomaly_label
        )
        is_anomaly = held.y == self.anomaly_label
        block_savings = np.array(
            [
                block_saving(thresholds, is_anomaly, held.scores, costs, block)
                for block in held.blocks
            ]
        )
        savings = total[-1] - total
        results = {
            "thresholds": thresholds,
            "scores": -total,
            "costs": total,
            "savings": savings,
            "block_savings": block_savings,
        }
        if self.confidence is None:
            index = best_index(-total)
        else:
            bounds = lower_bound(block_savings, self.confidence)
            cross = cross_fitted_savings(block_savings, self.confidence)
            index = self._reliable_index(-total, savings, bounds, cross)
            results["saving_lower_bounds"] = bounds
            self.saving_lower_bound_ = float(bounds[index])
            self.cross_fitted_savings_ = cross
        self._set_fitted(
            data,
            estimator,
            threshold=threshold_between(thresholds[index], held.scores),
            score=-total[index],
            cv_results=results,
        )
        self.best_cost_ = float(total[index])
        self.base_cost_ = float(total[-1])
        self.saving_ = float(savings[index])
        return self

    def _reliable_index(self, values, savings, bounds, cross):
        """The threshold of greatest lower bound if its saving is reliable.

        Reliable: its lower bound is positive, and so is the lower bound of
        the cross-fitted savings. Otherwise the last threshold (``inf``,
        which flags nothing), with a warning.
        """
        index = best_index(bounds)
        cross_bound = lower_bound(cross[:, np.newaxis], self.confidence)[0]
        if bounds[index] > 0 and cross_bound > 0:
            return index
        if bounds[index] > 0:
            reason = (
                f"a threshold chosen without each held-out block does not save "
                f"reliably on it (cross-fitted saving {cross.sum():.6g}, its lower "
                f"bound at confidence={self.confidence} {cross_bound:.6g}), although "
                f"the best threshold saves {savings[index]:.6g} on the "
                "blocks it was chosen on"
            )
        else:
            best = best_index(values)
            reason = (
                f"no threshold saves reliably over flagging nothing on the held-out "
                f"data (best saving {savings[best]:.6g}, its lower bound at "
                f"confidence={self.confidence} {bounds[best]:.6g})"
            )
        warnings.warn(
            f"{type(self).__name__} flags nothing: {reason}; lower confidence, or "
            "give more labelled data or a better detector.",
            UserWarning,
        )
        return len(bounds) - 1  # +inf flags nothing

    @_fit_context(
        # the wrapped detector is not validated yet
        prefer_skip_nested_validation=False
    )
    @unfitted_on_failure
    def fit(self, X, y, *, fp_cost=None, fn_cost=None, tp_cost=None, tn_cost=None, **params):
        """Train the detector and choose the threshold of least cost.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training samples, normal and anomalous.

        y : array-like of shape (n_samples,)
            Labels: ``anomaly_label`` marks the anomalies, the other class is
            normal.

        fp_cost, fn_cost, tp_cost, tn_cost : array-like of shape (n_samples,), default=None
            Per-sample costs of each outcome, which replace the constant of
            the same name for these samples (e.g. ``fn_cost=amount``: a
            missed fraud costs its amount). None keeps the constant.

        %(fit_params)s

        Returns
        -------
        self : object
            Fitted meta-estimator.
        """
        given = {"fp_cost": fp_cost, "fn_cost": fn_cost, "tp_cost": tp_cost, "tn_cost": tn_cost}
        row_costs = check_costs(
            _num_samples(X),
            **{name: value for name, value in given.items() if value is not None},
        )
        return self._fit(self._validate_fit_data(X, y, params, row_costs))

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        See scikit-learn's `metadata routing user guide
        <https://scikit-learn.org/stable/metadata_routing.html>`_ for how the
        routing mechanism works.

        Returns
        -------
        routing : MetadataRouter
            Its own per-sample costs, and the routing of
            :meth:`ThresholdSelector.get_metadata_routing`.
        """
        return super().get_metadata_routing().add_self_request(self)
