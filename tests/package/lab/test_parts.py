"""mnist_scratch/lab/parts.py: every part of the learner's network has a reference that passes its own check."""

from __future__ import annotations

import mnist_scratch.lab.reference as reference
from mnist_scratch.lab import check
from mnist_scratch.lab.parts import PARTS


def test_every_part_has_a_reference_and_a_check_and_the_reference_is_right():
    for name, part in PARTS.items():
        assert name in check.CHECKS, name
        assert check.CHECKS[name].diagnose(getattr(reference, name)), name      # the check's own verdict, no refusal
        assert part.lesson >= 1 and part.where.startswith(f"lesson {part.lesson}, exercise ")
