r"""Learning-rate schedules.

A schedule multiplies the learning rate by a factor that depends on how far
training has got: :math:`t` epochs (fractional within an epoch) out of
:math:`E`.

=================  ==============================================
``constant``       :math:`1`
``step``           :math:`\gamma^{\lfloor t/s \rfloor}`
``exponential``    :math:`\gamma^{t}`
``cosine``         :math:`f + (1-f)\,\tfrac12(1 + \cos \pi t/E)`
=================  ==============================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .validation import ArgumentError, Number, OneOf, check_arguments, check_value, show

__all__ = ["Constant", "Step", "Exponential", "Cosine", "make_schedule", "SCHEDULES"]


@dataclass(frozen=True)
class Constant:
    """The full rate all along."""

    constraints = {}

    def __call__(self, t: float, epochs: float) -> float:
        return 1.0


@dataclass(frozen=True)
class Step:
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    step_size: float = 5
    gamma: float = 0.1
    constraints = {"step_size": Number(0, low_open=True, note="epochs"), "gamma": Number(0, low_open=True)}

    def __call__(self, t, epochs):
        return self.gamma ** math.floor(t / self.step_size)


@dataclass(frozen=True)
class Exponential:
    """Multiply the rate by ``gamma`` per epoch, smoothly."""

    gamma: float = 0.9
    constraints = {"gamma": Number(0, low_open=True)}

    def __call__(self, t, epochs):
        return self.gamma ** t


@dataclass(frozen=True)
class Cosine:
    """Half a cosine wave from the full rate down to ``floor`` times it."""

    floor: float = 0.0
    constraints = {"floor": Number(0, 1, note="a fraction of the full rate")}

    def __call__(self, t, epochs):
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * min(t / epochs, 1.0)))


SCHEDULES = {"constant": Constant, "step": Step, "exponential": Exponential, "cosine": Cosine}


def make_schedule(schedule) -> object:
    """A schedule from ``None``, a name (``"cosine"``), a ``(name, {options})`` pair, or a callable
    ``factor(t, epochs)``; the options are checked against the schedule's ``constraints``."""
    if schedule is None:
        return Constant()
    if isinstance(schedule, str):
        schedule = (schedule, {})
    if isinstance(schedule, (tuple, list)) and len(schedule) == 2 and isinstance(schedule[0], str):
        name, options = schedule
        check_value("", "schedule", name, OneOf(tuple(SCHEDULES)))
        if not isinstance(options, dict):
            raise ArgumentError(f"schedule=({name!r}, {show(options)}) is not allowed: the options must be a dict, "
                                f"like ({name!r}, {{{', '.join(f'{k!r}: …' for k in SCHEDULES[name].constraints)}}})")
        cls = SCHEDULES[name]
        return cls(**check_arguments(f"schedule {name!r}", options, cls.constraints))
    if callable(schedule):
        return schedule
    raise ArgumentError(f"schedule={show(schedule)} is not allowed: schedule must be None, one of "
                        f"{', '.join(map(repr, SCHEDULES))}, a (name, {{options}}) pair or a function factor(t, epochs)")
