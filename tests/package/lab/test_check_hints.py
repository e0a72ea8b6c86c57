"""The wrong-answer table: every self-check must recognise the common mistakes and say what is off.

Each row is a check, a wrong answer a learner might write, and the exact hint
the check must print for it. The table is the specification of the hints:
change a hint in mnist_scratch/lab/_checks_*.py and this table with it.
"""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path

import pytest

from mnist_scratch.lab import check


WRONG_ANSWERS = [
    # every lesson's rows are in its own table: tests/package/lab/test_check_hints_<topic>.py (lessons 1-6:
    # _network.py, _minibatch.py, _regularization.py, _evaluation.py; 7-9: _optim.py, _adam.py, _batchnorm.py)
]


def companion_tables(name: str, default=()) -> list:
    """``name`` (WRONG_ANSWERS, RIGHT_ANSWERS, …) from every tests/package/lab/test_check_hints_<topic>.py that has it."""
    return [getattr(importlib.import_module(path.stem), name, default)
            for path in sorted(Path(__file__).parent.glob("test_check_hints_*.py"))]


#: This table and the lessons' own (lessons 1-11 keep theirs in tests/package/lab/test_check_hints_<topic>.py).
EVERY_WRONG_ANSWER = WRONG_ANSWERS + [row for table in companion_tables("WRONG_ANSWERS") for row in table]


@pytest.mark.parametrize("name,answer,fn,hint", EVERY_WRONG_ANSWER, ids=[f"{r[0]}: {r[1]}" for r in EVERY_WRONG_ANSWER])
def test_a_wrong_answer_gets_its_hint(capsys, name, answer, fn, hint):
    checker = check.CHECKS[name]
    assert check.hint_of(checker, fn) == hint
    with pytest.raises(check.CheckFailed) as failure:
        checker(fn)
    assert str(failure.value) == f"{name}: {hint}"
    assert isinstance(failure.value, AssertionError)          # so `assert`-style tooling sees a failure
    assert capsys.readouterr().out == f"❌ {name}: {hint}\n"
    assert checker(fn, raises=False) is False


def test_every_check_has_at_least_three_wrong_answers():
    counts = Counter(row[0] for row in EVERY_WRONG_ANSWER)
    assert set(counts) == set(check.CHECKS)
    assert min(counts.values()) >= 3, counts
