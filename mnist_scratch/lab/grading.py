"""Grading an exercise in an nbgrader copy of a lesson: a score with partial credit, and hidden cases.

The nbgrader edition of a lesson (``tools/nbgrader_release.py``) follows each exercise's answer cell
with a locked test cell such as::

    from mnist_scratch.lab import grading
    ### BEGIN HIDDEN TESTS
    grading.hidden_cases()
    ### END HIDDEN TESTS
    grading.grade([(check.relu, relu), (check.relu_prime, relu_prime)], points=2, lesson=2)

nbgrader removes the hidden block from the copy students get and puts it back when it grades.
:func:`grade` runs each check as the exercise cell did, and scores it:

* **the package's own work earns nothing**: the package's function object, or a function that calls the
  package's implementation of the same thing while the check runs (traced, :mod:`._refusal`), scores 0
  with the hint that says why;
* **hidden cases**: after :func:`hidden_cases`, each check runs again on random inputs it never shows
  (:func:`._checking.other_cases`), drawn from a seed of the student's own
  (``$MNIST_SCRATCH_GRADING_SEED``, which the grader's kernel gets from
  :class:`mnist_scratch.lab.nbgrader_plugins.GradingExecute`): an answer fitted to the visible cases fails;
* **partial credit**: an exercise of several checks scores each; a check whose answer has items that can
  be right one by one (``backward``: one per gradient) scores the items that are right on every case.
  A check that fails earns at most all its items but one.

It prints one line per check and the score. It returns nothing when every point is earned, raises
:class:`GradeFailed` when none is (nbgrader then gives 0), and returns the points earned, a float,
otherwise: nbgrader reads a number a test cell shows as its partial credit. It never writes to
standard error, which nbgrader would count as a failure. Before it grades, the notebook is in graded
mode for ``lesson`` (:func:`.my_network.graded`): only this notebook's functions count.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import warnings
from dataclasses import dataclass

from ._checking import Wrong, other_cases
from ._refusal import Watch, package_origin, refusal_hint, resolve
from ._tracebacks import hide_checks
from .work_folder import graded_lesson, set_graded

__all__ = ["grade", "hidden_cases", "GradeFailed", "SEED_VARIABLE", "items_of", "HIDDEN_CASES"]

SEED_VARIABLE = "MNIST_SCRATCH_GRADING_SEED"
HIDDEN_CASES = 2            # hidden runs of each check, each on inputs of its own
_pending: list = [0]        # hidden runs asked for the next grade()


class GradeFailed(AssertionError):
    """No point of a graded exercise was earned; the message says why, check by check."""


def hidden_cases(count: int = HIDDEN_CASES) -> None:
    """The next :func:`grade` also runs each check ``count`` times on inputs it never shows."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a non-negative integer, not {count!r}")
    _pending[0] = count


def items_of(check) -> int:
    """How many points of partial credit a check can give: its items (``backward``: 8 gradients), else 1."""
    return len(getattr(check, "items", ())) or 1


def salt(name: str, case: int, seed: str | None = None) -> int:
    """The salt of hidden case ``case`` of check ``name`` for the student whose seed is ``seed``."""
    seed = os.environ.get(SEED_VARIABLE, "") if seed is None else seed
    return int.from_bytes(hashlib.sha256(f"{seed}\0{name}\0{case}".encode()).digest()[:8], "big")


@dataclass
class Verdict:
    name: str
    fraction: float          # of the check's items
    weight: int              # its items
    lines: list


def _judged(check, fn) -> str | None:
    """None if ``check`` passes ``fn`` here, else the hint (a refusal's included)."""
    with Watch(resolve(check.refuses)) as watch:
        try:
            check.diagnose(fn)
            hint = None
        except NotImplementedError:
            raise
        except Wrong as wrong:
            hint = str(wrong)
        except Exception as err:  # a bug in the check must not look like the learner's fault
            hint = f"the check stumbled over your answer ({type(err).__name__}: {err})."
    if watch.hits:
        raise _Refused(refusal_hint(check.diagnose.__name__, watch.hits[0], called=True))
    return hint


class _Refused(Exception):
    pass


def _right_items(check, fn, salts: list) -> list:
    """The items of ``fn`` that are right on the visible inputs and every hidden case."""
    right = set(check.items)
    for case in [None, *salts]:
        with other_cases(case) if case is not None else contextlib.nullcontext():
            try:
                scored = check.score_items(fn)
            except Exception:
                scored = {}
        right &= {item for item, ok in scored.items() if ok is True}
    return [item for item in check.items if item in right]


def _verdict_of_check(check, fn, hidden: int) -> Verdict:
    name, weight = check.diagnose.__name__, items_of(check)
    origin = package_origin(fn)
    if origin is not None:
        return Verdict(name, 0.0, weight, [f"❌ {name}: {refusal_hint(name, origin, called=False)}"])
    salts = [salt(name, case) for case in range(hidden)]
    try:
        hint = _judged(check, fn)
        lines = [f"✅ {name}: right on the check's cases." if hint is None else f"❌ {name}: {hint}"]
        for case in salts:
            if hint is not None:
                break
            with other_cases(case):
                hint = _judged(check, fn)
            if hint is not None:
                lines.append(f"❌ {name}, on inputs the check does not show: {hint}")
        if hidden and hint is None:
            lines.append(f"✅ {name}: right on {hidden} more cases, drawn for you, that the check does not show.")
    except _Refused as refused:
        return Verdict(name, 0.0, weight, [f"❌ {name}: {refused}"])
    except NotImplementedError as err:
        return Verdict(name, 0.0, weight, [f"❌ {name}: not written yet ({err})."])
    if hint is None:
        return Verdict(name, 1.0, weight, lines)
    if not check.items:
        return Verdict(name, 0.0, weight, lines)
    right = _right_items(check, fn, salts)
    earned = min(len(right), weight - 1)
    wrong = [item for item in check.items if item not in right]
    lines.append(f"   partial credit: {len(right)} of {weight} right ({', '.join(right) or 'none'}); "
                 f"not right: {', '.join(wrong) or 'none, but the check fails'}: {earned} of {weight}.")
    return Verdict(name, earned / weight, weight, lines)


def _verdict_of_callable(check, fn) -> Verdict:
    """A check that is not the package's (a plain function that raises when wrong): all or nothing."""
    name = getattr(check, "__name__", "check").lstrip("_").removeprefix("check_")
    try:
        ok = check(fn) is not False
        problem = None if ok else "the check returned False"
    except NotImplementedError as err:
        problem = f"not written yet ({err})"
    except Exception as err:
        problem = f"{type(err).__name__}: {err}"
    return Verdict(name, 1.0 if problem is None else 0.0, 1, [f"❌ {name}: {problem}."] if problem else [])


def _number(value: float) -> str:
    return f"{value:g}"


def grade(checks, *, points: float, lesson: int | None = None):
    """Score an exercise: ``checks`` are ``(check, answer)`` pairs; see the module's docstring.

    Returns None (every point earned), or the points earned as a float (some); raises
    :class:`GradeFailed` (none).
    """
    hidden, _pending[0] = _pending[0], 0
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise ValueError(f"points must be a positive number, not {points!r}")
    pairs = list(checks)
    if not pairs or not all(isinstance(p, tuple) and len(p) == 2 and callable(p[0]) for p in pairs):
        raise ValueError("checks must be a list of (check, answer) pairs, such as [(check.relu, relu)]")
    if lesson is not None and graded_lesson() != lesson:
        set_graded(lesson)              # only this notebook's functions count, whatever ran before
    verdicts = []
    with contextlib.redirect_stderr(sys.stdout), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for check, fn in pairs:
            if callable(getattr(check, "diagnose", None)):
                verdicts.append(_verdict_of_check(check, fn, hidden))
            else:
                verdicts.append(_verdict_of_callable(check, fn))
        total = sum(v.weight for v in verdicts)
        earned = round(points * sum(v.fraction * v.weight for v in verdicts) / total, 4)
        for verdict in verdicts:
            for line in verdict.lines:
                print(line)
        print(f"Score: {_number(earned)} of {_number(points)} point{'s' * (points != 1)}.")
    if earned >= points:
        return None
    if earned <= 0:
        reasons = "; ".join(line.lstrip("❌ ") for v in verdicts for line in v.lines if line.startswith("❌"))
        raise hide_checks(GradeFailed(f"0 of {_number(points)}: {reasons or 'no check passed'}"))
    return float(earned)
