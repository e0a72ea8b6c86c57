"""mnist_scratch.schedules: each learning-rate schedule's values, and its options checked by name."""

from __future__ import annotations

import pytest

from mnist_scratch.schedules import Cosine, Exponential, Step, make_schedule


def test_schedules():
    assert make_schedule(None)(3, 10) == 1.0
    assert Step(step_size=2, gamma=0.5)(5.5, 10) == 0.25 and Step(2, 0.5)(1.9, 10) == 1.0
    assert Exponential(0.9)(2, 10) == pytest.approx(0.81)
    assert Cosine()(0, 10) == 1.0 and Cosine()(5, 10) == pytest.approx(0.5) and Cosine()(10, 10) == pytest.approx(0)
    assert make_schedule(("step", {"step_size": 1, "gamma": 0.1}))(2, 5) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="schedule='linear' is not allowed: schedule must be one of 'constant', 'step'"):
        make_schedule("linear")


@pytest.mark.parametrize("schedule,message", [
    (("step", {"every": 3}), r"schedule 'step': no argument called 'every'; the arguments are step_size, gamma"),
    (("step", 5), r"schedule=\('step', 5\) is not allowed: the options must be a dict, like \('step', \{'step_size': …"),
    (("step", {"step_size": 0}), r"schedule 'step': step_size=0 is not allowed: step_size must be a number > 0"),
    (("exponential", {"gamma": -1}), r"gamma=-1 is not allowed: gamma must be a number > 0"),
    (("cosine", {"floor": 2}), r"floor=2 is not allowed: floor must be a number in \[0, 1\]"),
    (42, r"schedule=42 is not allowed: schedule must be None, one of 'constant'"),
])
def test_schedule_options_are_checked_by_name(schedule, message):
    with pytest.raises(ValueError, match=message):
        make_schedule(schedule)
