"""The constraints an argument may carry, declared as data and checked in one place.

A constraint says in words what is allowed (``description``) and decides
whether a value is (``accepts``); :func:`check_arguments` checks a dict of
values against a dict of constraints and raises one kind of error, with one
message shape, naming the function, the argument, the value and what is allowed::

    train(): epochs=0 is not allowed: epochs must be a number > 0 (1.5 is one and a half passes)

scikit-learn declares its estimators' parameters the same way
(``_parameter_constraints``). The declarations themselves live beside what they
constrain: :data:`mnist_scratch.validation.table.TABLE` for the public
functions and classes, and each registry entry (optimizers, schedules,
initialisers) for its own options.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["ArgumentError", "Constraint", "Number", "Whole", "OneOf", "IsCallable", "IsBool", "IsPath", "OrNone",
           "ListOf", "check_arguments", "check_value", "whole_from_text", "show"]


class ArgumentError(ValueError):
    """An argument of a public function is not allowed; the message says which, and what is."""


def show(value, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters; an array as its dtype and shape.

    ``show(np.zeros((5, 5, 2)))`` is ``'<float64 array of shape (5, 5, 2)>'``.
    """
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if isinstance(shape, tuple) and shape and dtype is not None:
        return f"<{dtype} array of shape {shape}>"
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{key!r}: {show(item, limit)}" for key, item in list(value.items())[:4]) + "}"
    else:
        text = repr(value)
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[:limit - 1] + "…"


class Constraint:
    """What one argument may be: ``accepts(value)`` decides, ``description`` says it in words."""

    description = "a valid value"

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def convert(self, value):
        """The value as the function uses it (a whole number as ``int``); only called once accepted."""
        return value


def _real(value) -> float | None:
    """``value`` as a finite float if it is a real number (not a bool, not NaN or infinite), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Number(Constraint):
    """A finite real number in a range: ``Number(low=0, low_open=True)`` is "a number > 0"."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    note: str = ""

    def accepts(self, value) -> bool:
        number = _real(value)
        if number is None:
            return False
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            return False
        return not (self.high is not None and (number > self.high or (self.high_open and number == self.high)))

    def convert(self, value):
        return float(value) if not isinstance(value, numbers.Integral) else int(value)

    @property
    def description(self) -> str:
        if self.low is not None and self.high is not None:
            text = (f"a number in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}"
                    f"{')' if self.high_open else ']'}")
        elif self.low is not None:
            text = f"a number {'>' if self.low_open else '>='} {self.low:g}"
        elif self.high is not None:
            text = f"a number {'<' if self.high_open else '<='} {self.high:g}"
        else:
            text = "a finite number"
        return text + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Whole(Constraint):
    """A whole number (``3``, ``np.int64(3)``; not ``3.5``, ``True`` or ``"3"``) in a range."""

    low: int | None = None
    high: int | None = None
    note: str = ""

    def accepts(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            return False
        value = int(value)
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def convert(self, value):
        return int(value)

    @property
    def description(self) -> str:
        if self.low is not None and self.high is not None:
            text = f"a whole number from {self.low:,} to {self.high:,}"
        elif self.low is not None:
            text = f"a whole number >= {self.low:,}"
        else:
            text = "a whole number"
        return text + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of a few values, usually names: ``OneOf(("valid", "same"))``."""

    choices: tuple

    def accepts(self, value) -> bool:
        if isinstance(value, bool) and not any(isinstance(c, bool) for c in self.choices):
            return False  # (True == 1, but True is not the choice 1)
        try:
            return any(value == c and type(value) is not object for c in self.choices)
        except (TypeError, ValueError):  # an array compared with names
            return False

    @property
    def description(self) -> str:
        return "one of " + ", ".join(map(repr, self.choices))


@dataclass(frozen=True)
class IsCallable(Constraint):
    """A function (anything callable)."""

    note: str = ""

    def accepts(self, value) -> bool:
        return callable(value)

    @property
    def description(self) -> str:
        return "a function" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class IsBool(Constraint):
    """``True`` or ``False``."""

    def accepts(self, value) -> bool:
        return isinstance(value, bool) or (type(value).__name__ == "bool_")   # NumPy's bool too

    def convert(self, value):
        return bool(value)

    description = "True or False"


@dataclass(frozen=True)
class IsPath(Constraint):
    """A file's path: text that is not empty (nor only spaces), or a ``pathlib.Path``."""

    example: str = "'model.npz'"

    def accepts(self, value) -> bool:
        import os

        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        return isinstance(value, str) and value.strip() != "" and "\0" not in value

    @property
    def description(self) -> str:
        return f"a file's path (text, not empty, or a pathlib.Path), like {self.example}"


@dataclass(frozen=True)
class OrNone(Constraint):
    """``None``, or a value that ``inner`` accepts."""

    inner: Constraint
    none_means: str = ""

    def accepts(self, value) -> bool:
        return value is None or self.inner.accepts(value)

    def convert(self, value):
        return None if value is None else self.inner.convert(value)

    @property
    def description(self) -> str:
        return f"{self.inner.description}, or None" + (f" ({self.none_means})" if self.none_means else "")


@dataclass(frozen=True)
class ListOf(Constraint):
    """A list or tuple of values that ``inner`` accepts, ``min_length`` of them at least; becomes a list."""

    inner: Constraint
    min_length: int = 1
    max_length: int | None = None
    example: str = ""

    def accepts(self, value) -> bool:
        if not isinstance(value, (list, tuple)) and type(value).__name__ != "ndarray":
            return False
        if len(value) < self.min_length or (self.max_length is not None and len(value) > self.max_length):
            return False
        return all(self.inner.accepts(v) for v in value)

    def convert(self, value):
        return [self.inner.convert(v) for v in value]

    @property
    def description(self) -> str:
        if self.max_length == self.min_length:
            count = f"{self.min_length}"
        else:
            count = (f"{self.min_length:,} or more" if self.max_length is None
                     else f"{self.min_length:,} to {self.max_length:,}")
        text = f"a list of {count} values, each {self.inner.description}"
        return text + (f", like {self.example}" if self.example else "")


def check_value(where: str, name: str, value, constraint: Constraint):
    """``value`` converted, if ``constraint`` accepts it; else :class:`ArgumentError`."""
    if not constraint.accepts(value):
        prefix = f"{where}: " if where else ""
        raise ArgumentError(f"{prefix}{name}={show(value)} is not allowed: {name} must be {constraint.description}")
    return constraint.convert(value)


def check_arguments(where: str, values: dict, constraints: dict) -> dict:
    """Check every value against its constraint (in the table's order); return them converted.

    Values whose name is not in ``constraints`` are refused by name, so a
    misspelt option (``mu=0.9`` for ``momentum``) is an error, not ignored.
    """
    unknown = [name for name in values if name not in constraints]
    if unknown:
        raise ArgumentError(f"{where}: no argument called {', '.join(map(repr, unknown))}; "
                            f"the arguments are {', '.join(constraints)}")
    return {name: check_value(where, name, values[name], constraints[name])
            for name in constraints if name in values}


def whole_from_text(where: str, name: str, text, constraint: Whole) -> int:
    """A whole number written as text (a command-line option, an environment variable), checked.

    ``" 12 "`` gives 12; ``"1.5"``, ``"two"`` and ``""`` are refused in the one message shape.
    """
    stripped = str(text).strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if not digits.isdigit() or not digits.isascii():
        prefix = f"{where}: " if where else ""
        raise ArgumentError(f"{prefix}{name}={show(text)} is not allowed: {name} must be {constraint.description}")
    return check_value(where, name, int(stripped), constraint)
