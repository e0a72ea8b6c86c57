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

__all__ = ["Constant", "Step", "Exponential", "Cosine", "make_schedule", "SCHEDULES"]


@dataclass(frozen=True)
class Constant:
    def __call__(self, t: float, epochs: float) -> float:
        return 1.0


@dataclass(frozen=True)
class Step:
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    step_size: float = 5
    gamma: float = 0.1

    def __call__(self, t, epochs):
        return self.gamma ** math.floor(t / self.step_size)


@dataclass(frozen=True)
class Exponential:
    """Multiply the rate by ``gamma`` per epoch, smoothly."""

    gamma: float = 0.9

    def __call__(self, t, epochs):
        return self.gamma ** t


@dataclass(frozen=True)
class Cosine:
    """Half a cosine wave from the full rate down to ``floor`` times it."""

    floor: float = 0.0

    def __call__(self, t, epochs):
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * min(t / epochs, 1.0)))


SCHEDULES = {"constant": Constant, "step": Step, "exponential": Exponential, "cosine": Cosine}


def make_schedule(schedule) -> object:
    """A schedule from ``None``, a name (``"cosine"``), a ``(name, {options})`` pair, or a callable."""
    if schedule is None:
        return Constant()
    if isinstance(schedule, str):
        schedule = (schedule, {})
    if isinstance(schedule, (tuple, list)) and len(schedule) == 2 and isinstance(schedule[0], str):
        name, options = schedule
        if name not in SCHEDULES:
            raise ValueError(f"schedule={name!r} is not known; choose one of {', '.join(map(repr, SCHEDULES))}")
        return SCHEDULES[name](**dict(options))
    if callable(schedule):
        return schedule
    raise ValueError(f"schedule must be None, a name, a (name, options) pair or a callable, not {schedule!r}")
