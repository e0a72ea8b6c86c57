"""mnist_scratch.lab.check, the exercise self-checks: they pass every right answer and never crash on
a strange one. (The wrong-answer tables, the specification of the hints, are test_check_hints.py and
test_check_hints_<topic>.py.)"""

from __future__ import annotations


import numpy as np
import pytest

from mnist_scratch.lab import check


def test_every_check_has_right_answers_listed():
    """Every right way of writing each function must pass: each lesson lists them in its own table and runs them,
    tests/package/lab/test_check_hints_<topic>.py (lessons 1-6: _network.py, _minibatch.py, _regularization.py,
    _evaluation.py; 7-9: _optim.py, _adam.py, _batchnorm.py; 10-11: _cnn.py, _frameworks.py, _autograd.py)."""
    from test_check_hints import companion_tables     # lesson tables of their own: tests/package/lab/test_check_hints_*.py

    listed = set()
    for table in companion_tables("RIGHT_ANSWERS", {}):    # {check: [fn, ...]} or [(check, description, fn)]
        listed |= set(table) if isinstance(table, dict) else {row[0] for row in table}
    for rows in companion_tables("RIGHT", []):         # lesson 8's rows: (check, description, fn)
        listed |= {row[0] for row in rows}
    assert listed == set(check.CHECKS)


def _raises_type_error(*args):
    raise TypeError("unsupported operand")


STRANGE_ANSWERS = {
    "returns None": lambda *args: None,
    "returns a string": lambda *args: "hello",
    "raises TypeError": _raises_type_error,
    "returns a wrong shape": lambda *args: np.zeros((2, 3, 4)),
    "returns an empty array": lambda *args: np.array([]),
    "returns NaN": lambda *args: np.nan,
    "returns an object array": lambda *args: np.array([object()]),
    "returns a dict": lambda *args: {"a": 1},
    "returns complex numbers": lambda *args: np.ones((3, 4)) * 1j,
    "returns a tuple": lambda *args: (np.zeros(3), np.ones(3)),
    "returns a generator": lambda *args: (x for x in range(3)),
    "returns text with numbers": lambda *args: "0.5",
}


@pytest.mark.parametrize("strange", STRANGE_ANSWERS)
@pytest.mark.parametrize("name", sorted(check.CHECKS))
def test_no_answer_crashes_a_check(capsys, name, strange):
    """Whatever the learner returns, the check answers with a hint, never a traceback of its own."""
    with pytest.raises(check.CheckFailed) as failure:
        check.CHECKS[name](STRANGE_ANSWERS[strange])
    hint = str(failure.value)
    assert hint.startswith(f"{name}: ") and "could not make sense" not in hint and "stumbled" not in hint, hint
    assert capsys.readouterr().out.startswith("❌")


@pytest.mark.parametrize("name", sorted(check.CHECKS))
def test_an_unwritten_stub_is_not_judged(name):
    def stub(*args):
        raise NotImplementedError("write the function body")

    with pytest.raises(NotImplementedError, match="write the function body"):
        check.CHECKS[name](stub)
