"""Leave an estimator unfitted when its ``fit`` fails.

The one mechanism every estimator of the package uses (the detectors, the
threshold meta-estimators, :class:`~sklearn_recon.WindowedDetector`):
whatever interrupts ``fit`` (an error, ``KeyboardInterrupt``), the
exception propagates and the estimator holds no fitted attribute, not even
those of an earlier successful fit: never a half-fitted mix.
"""

import functools

__all__ = ["forget_fitted", "unfitted_on_failure"]


def forget_fitted(estimator):
    """Remove the fitted state of ``estimator``, leaving it unfitted.

    That is every attribute whose name ends in ``_`` and the private fitted
    attributes its class lists in ``_private_fitted``.
    """
    private = getattr(type(estimator), "_private_fitted", ())
    for name in list(vars(estimator)):
        fitted = name.endswith("_") and not name.startswith("__")
        if fitted or name in private:
            delattr(estimator, name)


def unfitted_on_failure(fit):
    """Decorate ``fit`` so that an estimator whose fit fails is left unfitted."""

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            forget_fitted(self)
            raise

    return wrapper
