"""The machinery behind :mod:`mnist_scratch.lab.check`: call a learner's function safely, compare, hint.

A *diagnosis* is a function ``diagnose(fn) -> str`` that tries the learner's
``fn`` on chosen inputs. It returns a short praise when ``fn`` is right and
raises :class:`Wrong` with a hint as soon as something is off. The
:func:`checker` decorator turns it into the public check, which

* refuses the package's own answer: ``check.softmax(ms.softmax)``, or a
  function that calls ``mnist_scratch.activations.softmax`` while the check runs
  (``@checker(refuses=(...))`` names the package's functions that do the same
  job; :mod:`._refusal` explains how the calls are traced);
* prints the verdict and never crashes on a strange answer (``None``, a string,
  complex numbers, a tuple, an exception: each gets a hint);
* raises :class:`CheckFailed` (an ``AssertionError``) when the answer is wrong,
  and lets a stub's ``NotImplementedError`` through unjudged, both with a
  traceback that shows the learner's lines and none of the checks'
  (:mod:`._tracebacks`);
* hands a passing function to :mod:`.saving`, which keeps it as a part of the
  learner's own network when the check is one of :data:`.parts.PARTS`.

Two things only grading uses (:mod:`.grading`), which change nothing a learner sees:

* :func:`rng` is where every check draws its random inputs (a check module's
  ``_rng = np.random.default_rng`` alias counts as the same: :func:`other_cases` swaps it);
  inside :func:`other_cases` the same seeds give other numbers, so a check runs on inputs
  it never shows;
* ``@checker(items=..., score_items=...)`` names the items of an answer that can be
  right one by one (the gradients of ``backward``) and scores them, for partial credit.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from contextlib import contextmanager

import numpy as np

from ._refusal import Watch, lookup, package_origin, refusal_hint, resolve
from ._tracebacks import hide_checks

__all__ = ["CheckFailed", "Wrong", "checker", "hint_of", "call", "clone", "as_number", "same", "differs_by",
           "exception_hint", "keeps_float32", "rng", "other_cases"]


class CheckFailed(AssertionError):
    """A self-check found a mistake; the message is the hint."""


class Wrong(Exception):
    """Raised inside a diagnosis: the learner's answer is wrong; the message is the hint."""


_salt: list = [None]        # while other_cases(salt) runs: the salt mixed into every seed


def rng(seed: int | None = None) -> np.random.Generator:
    """``np.random.default_rng(seed)``, where every check draws its random inputs.

    Inside :func:`other_cases` the same ``seed`` gives another stream, the seed mixed
    with the salt: the check's diagnosis runs unchanged on inputs it never shows.
    """
    salt = _salt[0]
    if salt is None:
        return np.random.default_rng(seed)
    return np.random.default_rng([salt] if seed is None else [seed, salt])


def _aliased_checks() -> list:
    """The loaded check modules whose ``_rng`` is ``np.random.default_rng`` itself."""
    return [module for name, module in list(sys.modules.items())
            if name.startswith(f"{__package__}._checks_") and getattr(module, "_rng", None) is np.random.default_rng]


@contextmanager
def other_cases(salt: int):
    """Run checks on other random inputs than they show (grading's hidden cases): see :func:`rng`."""
    if isinstance(salt, bool) or not isinstance(salt, int) or salt < 0:
        raise ValueError(f"salt must be a non-negative integer, not {salt!r}")
    previous, _salt[0] = _salt[0], salt
    aliased = _aliased_checks()
    for module in aliased:
        module._rng = rng
    try:
        yield
    finally:
        _salt[0] = previous
        for module in aliased:
            module._rng = np.random.default_rng


def checker(diagnose=None, *, refuses: tuple = (), items: tuple = (), score_items=None):
    """Turn ``diagnose(fn) -> praise`` into ``check(fn, *, raises=True)``.

    ``refuses``: dotted paths of the package's functions that do what the
    learner is asked to write (``"mnist_scratch.activations.softmax"``); an
    answer that calls one of them while the check runs is refused.

    ``items`` and ``score_items(fn) -> {item: bool}``, for grading alone: the parts
    of an answer that can be right one by one (``backward``'s gradients, by
    parameter name), each worth a point of partial credit (:mod:`.grading`).

    Right: prints ``✅ name: praise`` and returns None (so that a notebook cell
    shows the verdict and no ``True``; ``raises=False``: returns True). Wrong:
    prints ``❌ name: hint``, then raises :class:`CheckFailed` (``raises=False``:
    returns False). A function that still raises ``NotImplementedError`` is
    not judged: its own message says what is left to write.
    """
    if diagnose is None:
        return lambda function: checker(function, refuses=refuses, items=items, score_items=score_items)
    if bool(items) != (score_items is not None):
        raise ValueError(f"{diagnose.__name__}: items and score_items go together")
    name = diagnose.__name__

    @functools.wraps(diagnose)
    def check(fn, *, raises: bool = True) -> bool | None:
        __tracebackhide__ = True  # pytest and IPython show the learner's lines, not this machinery
        try:
            praise, hint = _judge(check, fn), None
        except NotImplementedError as err:
            raise hide_checks(err)
        except Wrong as wrong:
            hint = str(wrong)
        except Exception as err:  # a bug in the check must not look like the learner's fault
            hint = (f"the check stumbled over your answer ({type(err).__name__}: {err}); make sure it returns "
                    f"what the exercise asks for, in the shape it asks for.")
        if hint is None:
            print(f"✅ {name}: {praise}")
            from . import saving   # late: saving's loader imports the checks

            saving.passed(name, fn)
            return None if raises else True
        print(f"❌ {name}: {hint}")
        if raises:
            raise hide_checks(CheckFailed(f"{name}: {hint}")) from None
        return False

    check.diagnose = diagnose
    check.refuses = tuple(refuses)
    check.items = tuple(items)
    check.score_items = score_items
    return check


def _judge(check, fn) -> str:
    """``check.diagnose(fn)``, refusing the package's own function and calls into the same thing."""
    name = check.diagnose.__name__
    origin = package_origin(fn)
    if origin is not None:
        raise Wrong(refusal_hint(name, origin, called=False))
    if isinstance(fn, type):                # a class that inherits the package's method: no frame of its own calls it
        for path in check.refuses:
            owner, _, attr = path.rpartition(".")
            try:
                target = getattr(lookup(owner), attr)
            except (LookupError, AttributeError, TypeError, ValueError):
                continue
            if getattr(fn, attr, None) is target:
                raise Wrong(refusal_hint(name, path, called=True))
    with Watch(resolve(check.refuses)) as watch:
        try:
            praise, outcome = check.diagnose(fn), None
        except NotImplementedError:
            raise
        except Exception as err:
            praise, outcome = None, err
    if watch.hits:
        raise Wrong(refusal_hint(name, watch.hits[0], called=True))
    if outcome is not None:
        raise outcome
    return praise


def hint_of(check, fn) -> str | None:
    """The hint ``check`` gives for ``fn``, or None if ``fn`` passes (for tests and tools; saves nothing)."""
    try:
        _judge(check, fn)
    except Wrong as wrong:
        return str(wrong)
    return None


def clone(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=True)
    if isinstance(before, dict):
        return all(_unchanged(before[k], after.get(k)) for k in before)
    if isinstance(before, list):
        return len(before) == len(after) and all(_unchanged(b, a) for b, a in zip(before, after))
    return True


def _raised_by_inner_call(err: Exception) -> bool:
    """Whether ``err``'s traceback ends in the learner's code (outside this package): a call it made went wrong.

    A wrong number of arguments in the check's call of the learner's function ends the traceback in the
    check's own frame; one in a call the learner's function makes ends it in the learner's frame.
    """
    tb = err.__traceback__
    if tb is None or tb.tb_next is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(package + os.sep)


def exception_hint(err: Exception) -> str:
    """What an exception raised by the learner's function probably means."""
    text = f"calling it raised {type(err).__name__}: {err}"
    message = str(err)
    if "truth value of an array" in message:
        return text + ". Python's max, min and `if` look at one number at a time; on arrays use np.maximum or a comparison such as Z > 0."
    if "broadcast" in message or "matmul" in message or "shapes" in message:
        return text + ". Write each array's shape beside its line and check that the shapes fit."
    if isinstance(err, RecursionError):
        return text + ": the function calls itself without end. Did you name a helper like the function itself?"
    if isinstance(err, NameError):
        return text + ". Define every name the function uses (run the cells above it first), or spell it as defined."
    if isinstance(err, TypeError) and "positional argument" in message and _raised_by_inner_call(err):
        return (text + ". The TypeError came from a call inside your function, not from the check's call of it: "
                "look at the line that calls another function and give it the arguments that function is defined "
                "with (run the cell that defines it, if it changed).")
    if isinstance(err, TypeError) and "positional argument" in message:
        return text + ". Keep the arguments of the stub, in its order."
    return text + "."


def _errstate(warn: bool):
    level = "warn" if warn else "ignore"
    return np.errstate(over=level, divide=level, invalid=level, under="ignore")  # underflow to 0 is fine


def _strange(result) -> str | None:
    """A hint for an answer that is not an array of real numbers, or None if it is one."""
    if result is None:
        return "it returned None: did you forget the `return`?"
    if isinstance(result, (str, bytes)):
        return f"it returned the text {result!r:.40}, not numbers: return the array itself, not a description of it."
    if isinstance(result, dict):
        return f"it returned a dict (keys {', '.join(map(repr, list(result)[:4]))}), not an array of numbers."
    if isinstance(result, tuple) and len(result) > 1:
        return (f"it returned a tuple of {len(result)} values; return one array (is there a stray comma after "
                f"`return`, or a `return a, b`?).")
    if hasattr(result, "__next__") or type(result).__name__ in ("generator", "map", "filter", "zip"):
        return (f"it returned a {type(result).__name__}, which holds no numbers until it is run: build the array, "
                f"for example with np.array([...]) around a list comprehension.")
    try:
        got = np.asarray(result)
    except Exception:
        return f"it returned {type(result).__name__}, not numbers (the rows may have different lengths)."
    if np.iscomplexobj(got):
        return ("it returned complex numbers: a square root (or a power such as ** 0.5) of a negative number "
                "makes them. Real inputs need real outputs here.")
    if not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        return f"it returned {type(result).__name__} holding {got.dtype}, not numbers."
    return None


def call(fn, *args, shape=None, may_modify: bool = False, numeric: bool = True, warn: bool = True,
         copy: bool = True):
    """Call the learner's ``fn`` on copies of ``args``; raise :class:`Wrong` with a hint if it misbehaves.

    ``shape``: the shape the result must have. ``may_modify``: whether ``fn`` may
    change its arguments in place. ``numeric``: convert the result to a NumPy
    array of real numbers (anything else gets a hint). ``warn``: turn NumPy's
    RuntimeWarnings (overflow, 0/0) into a hint; with ``warn=False`` they are
    silenced and the result returned. ``copy=False`` passes the arguments
    themselves, to see what ``fn`` does to them.
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
            raise Wrong(exception_hint(err)) from None
    if copy and not may_modify and not all(_unchanged(a, c) for a, c in zip(args, copies)):
        raise Wrong("it changed its input array in place; leave the input alone and return a new array "
                    "(the network still needs the input for the backward pass).")
    if not numeric:
        return result
    problem = _strange(result)
    if problem:
        raise Wrong(problem)
    got = np.asarray(result)
    if shape is not None and got.shape != tuple(shape):
        raise Wrong(f"expected shape {tuple(shape)}, got {got.shape}.")
    return got


def keeps_float32(fn, *args, what: str, allowed=(np.float32,), **options) -> None:
    """:class:`Wrong` unless ``fn`` on float32 ``args`` (values already checked) gives a float32 result.

    A float64 result makes every later product with it float64 too: on 59,000 images, twice
    the memory and the time (NumPy turns float32 into float64 whenever the two meet).
    """
    got = call(fn, *args, **options)
    if got.dtype not in allowed:
        raise Wrong(f"right values, but float32 inputs give {got.dtype} out: {what} The networks here are float32, "
                    f"and a {got.dtype} array turns every product it meets into {got.dtype}, twice the memory and "
                    f"the time on 59,000 images. Keep the input's dtype (for example .astype(Z.dtype)).")


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
