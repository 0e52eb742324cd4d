"""Meta-estimators that choose a detector's threshold from labelled data.

:class:`ThresholdSelector` (a rule, F1, any scorer, or a conformal
threshold) and :class:`CostThreshold` (the least total cost, if it reliably
saves money) wrap an outlier detector and make it a binary classifier of
``y``'s own coding; :func:`benjamini_hochberg` flags a batch of conformal
p-values at a false-discovery rate.

The modules: ``_base`` (the shared base class: parameters, validation,
metadata routing, the fitting blocks, prediction), ``_selector`` and
``_cost`` (one estimator each, one ``_fit`` strategy each) and ``_rules``
(the pure threshold rules, which the displays and the benchmarks use too).
"""

from ._cost import CostThreshold
from ._rules import benjamini_hochberg
from ._selector import ThresholdSelector

__all__ = ["CostThreshold", "ThresholdSelector", "benjamini_hochberg"]
