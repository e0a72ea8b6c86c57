"""The machinery behind :mod:`mnist_scratch.lab.check`: call a learner's function safely, compare, hint.

A *diagnosis* is a function ``diagnose(fn) -> str`` that tries the learner's
``fn`` on chosen inputs. It returns a short praise when ``fn`` is right and
raises :class:`Wrong` with a hint as soon as something is off. The
:func:`checker` decorator turns it into the public check, which prints the
verdict, never crashes on a strange answer, and raises :class:`CheckFailed`
(an ``AssertionError``) when the answer is wrong.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

__all__ = ["CheckFailed", "Wrong", "checker", "hint_of", "call", "clone", "as_number", "same", "differs_by"]


class CheckFailed(AssertionError):
    """A self-check found a mistake; the message is the hint."""


class Wrong(Exception):
    """Raised inside a diagnosis: the learner's answer is wrong; the message is the hint."""


def checker(diagnose):
    """Turn ``diagnose(fn) -> praise`` into ``check(fn, *, raises=True) -> True``.

    Right: prints ``✅ name: praise`` and returns True. Wrong: prints
    ``❌ name: hint``, then raises :class:`CheckFailed` (``raises=False``:
    returns False). A function that still raises ``NotImplementedError`` is
    not judged: its own message says what is left to write.
    """
    name = diagnose.__name__

    @functools.wraps(diagnose)
    def check(fn, *, raises: bool = True) -> bool:
        __tracebackhide__ = True  # IPython and pytest show the learner's line, not this machinery
        try:
            praise, hint = diagnose(fn), None
        except NotImplementedError:
            raise
        except Wrong as wrong:
            hint = str(wrong)
        except Exception as err:  # a bug in the check must not look like the learner's fault
            hint = f"the check could not make sense of your answer ({type(err).__name__}: {err})."
        if hint is None:
            print(f"✅ {name}: {praise}")
            return True
        print(f"❌ {name}: {hint}")
        if raises:
            raise CheckFailed(f"{name}: {hint}") from None
        return False

    check.diagnose = diagnose
    return check


def hint_of(check, fn) -> str | None:
    """The hint ``check`` gives for ``fn``, or None if ``fn`` passes (for tests and tools)."""
    try:
        check.diagnose(fn)
    except Wrong as wrong:
        return str(wrong)
    return None


def clone(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    return value


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=True)
    if isinstance(before, dict):
        return all(_unchanged(before[k], after.get(k)) for k in before)
    return True


def _exception_hint(err: Exception) -> str:
    text = f"calling it raised {type(err).__name__}: {err}"
    if "truth value of an array" in str(err):
        return text + ". Python's max, min and `if` look at one number at a time; on arrays use np.maximum or a comparison such as Z > 0."
    if "broadcast" in str(err) or "matmul" in str(err) or "shapes" in str(err):
        return text + ". Write each array's shape beside its line and check that the shapes fit."
    return text + "."


def _errstate(warn: bool):
    level = "warn" if warn else "ignore"
    return np.errstate(over=level, divide=level, invalid=level, under="ignore")  # underflow to 0 is fine


def call(fn, *args, shape=None, may_modify: bool = False, numeric: bool = True, warn: bool = True,
         copy: bool = True):
    """Call the learner's ``fn`` on copies of ``args``; raise :class:`Wrong` with a hint if it misbehaves.

    ``shape``: the shape the result must have. ``may_modify``: whether ``fn`` may
    change its arguments in place. ``numeric``: convert the result to a NumPy
    array of numbers. ``warn``: turn NumPy's RuntimeWarnings (overflow, 0/0)
    into a hint; with ``warn=False`` they are silenced and the result returned.
    ``copy=False`` passes the arguments themselves, to see what ``fn`` does to them.
    """
    copies = [clone(a) for a in args] if copy else list(args)
    with warnings.catch_warnings(), _errstate(warn):
        warnings.simplefilter("error" if warn else "ignore", RuntimeWarning)
        try:
            result = fn(*copies)
        except NotImplementedError:
            raise
        except RuntimeWarning as w:
            raise Wrong(f"NumPy warned '{w}': something overflowed or divided by zero.") from None
        except Exception as err:
            raise Wrong(_exception_hint(err)) from None
    if copy and not may_modify and not all(_unchanged(a, c) for a, c in zip(args, copies)):
        raise Wrong("it changed its input array in place; leave the input alone and return a new array "
                    "(the network still needs the input for the backward pass).")
    if not numeric:
        return result
    if result is None:
        raise Wrong("it returned None: did you forget the `return`?")
    try:
        got = np.asarray(result)
    except Exception:
        got = None
    if got is None or not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        raise Wrong(f"it returned {type(result).__name__}, not numbers.")
    if shape is not None and got.shape != tuple(shape):
        raise Wrong(f"expected shape {tuple(shape)}, got {got.shape}.")
    return got


def as_number(got, what: str = "one number") -> float:
    """``got`` as a float, or :class:`Wrong` saying that one number was expected."""
    if got.size != 1:
        raise Wrong(f"expected {what}, got an array of shape {got.shape}.")
    return float(got.reshape(()))


def same(got, expected, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    """Same shape and values (NaN never matches)."""
    got, expected = np.asarray(got), np.asarray(expected)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def differs_by(got, expected) -> str:
    """The largest difference, as text: 'by up to 0.25'."""
    return f"by up to {float(np.max(np.abs(np.asarray(got, float) - np.asarray(expected, float)))):.3g}"
