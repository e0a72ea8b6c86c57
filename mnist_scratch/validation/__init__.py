"""Arguments checked against declared constraints, before any work or allocation.

Each public function or class declares, beside its definition, what every
argument may be, as data (:mod:`~mnist_scratch.validation.constraints`)::

    @validate({"epochs": Number(low=0, low_open=True), "batch_size": OrNone(Whole(1)), …})
    def train(model, X, y, *, epochs=10, batch_size=128, …): …

:func:`validate` records the declaration in :data:`TABLE`, the one table of
the public API's arguments, and checks every call against it in one place,
with one message shape. A test walks :data:`TABLE` and tries nonsense values
for every argument. Registries (optimizers, schedules, initialisers) carry the
constraints of their own options and check them with :func:`check_arguments`.
"""

from __future__ import annotations

import functools
import inspect

from .arrays import MAX_ARRAY_BYTES, Array, FloatType, check_memory, format_bytes
from .constraints import (ArgumentError, Constraint, IsBool, IsCallable, IsPath, ListOf, Number, OneOf, OrNone, Whole,
                          check_arguments, check_value, show, whole_from_text)

__all__ = ["TABLE", "validate", "ArgumentError", "Constraint", "Number", "Whole", "OneOf", "IsCallable",
           "IsBool", "IsPath", "OrNone", "ListOf", "Array", "FloatType", "check_arguments", "check_value", "whole_from_text",
           "show", "check_memory", "format_bytes", "MAX_ARRAY_BYTES"]

#: Every declared public function and class, by its public name: ``{"train": {"epochs": Number(…), …}}``.
TABLE: dict[str, dict] = {}


def validate(constraints: dict, name: str | None = None):
    """Decorate a function (or a class's ``__init__``) so that its arguments are checked first.

    The arguments named in ``constraints`` are checked, and converted (a whole
    number becomes an ``int``), before the body runs; the others pass as they are.
    ``name`` is the public name in messages and in :data:`TABLE` (default: the function's).
    """

    def decorate(func):
        public = name or (func.__qualname__.split(".")[0] if func.__name__ == "__init__" else func.__name__)
        signature = inspect.signature(func)
        missing = [arg for arg in constraints if arg not in signature.parameters]
        if missing:
            raise TypeError(f"{public}: constraints declared for arguments it does not have: {missing}")
        TABLE[public] = constraints
        where = f"{public}()"

        @functools.wraps(func)
        def checked(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as err:
                raise ArgumentError(f"{where}: {err}") from None
            for arg, constraint in constraints.items():
                if arg in bound.arguments:
                    bound.arguments[arg] = check_value(where, arg, bound.arguments[arg], constraint)
            return func(*bound.args, **bound.kwargs)

        checked.constraints = constraints
        return checked

    return decorate
