"""The studies' code: the evaluation protocol, its baselines, the paper-mill labels.

Not the library's core: ``_protocol`` (the ECG5000 protocol of
ARCHITECTURE.md, shared by the command line's ``demo``, the tests and the
benchmarks), ``_baselines`` (the scikit-learn baselines it compares with)
and ``_papermill`` (the paper-mill study's early-warning labels, public as
:func:`sklearn_recon.datasets.lead_labels`). This ``__init__`` imports
nothing, so that ``datasets`` can re-export the labels while ``_protocol``
reads ``datasets``.
"""
