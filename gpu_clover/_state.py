"""Fitted state per call: one estimator instance may be fitted from several threads at once."""

import functools


def publishes_fitted_state(method):
    """Run a fitting method on a per-call copy of the estimator, then publish its fitted attributes.

    The copy holds the estimator's attributes except the fitted ones (names ending
    in ``_``), so concurrent calls on one instance never see each other's
    intermediate state. At the end the fitted attributes of the call, all of them,
    replace the estimator's in one dictionary update: the last call to finish
    wins, with attributes that all come from it. A fitted attribute that is the
    copy itself (``oversampler_`` of SMOTE) becomes the estimator.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        call = object.__new__(type(self))
        vars(call).update({name: value for name, value in vars(self).items() if not _is_fitted(name)})
        result = method(call, *args, **kwargs)
        fitted = {name: self if value is call else value for name, value in vars(call).items() if _is_fitted(name)}
        replaced = dict(vars(self))  # the old values outlive the update: no finalizer runs inside it
        vars(self).update(fitted)
        del replaced
        return self if result is call else result

    return wrapper


def _is_fitted(name):
    return name.endswith("_") and not name.startswith("_")
