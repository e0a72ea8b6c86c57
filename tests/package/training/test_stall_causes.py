"""mnist_scratch.training.stall_causes: each way to sit at chance is named, with the fix that goes with it.

Made-up runs, one per cause; the real ones (issue 21's, lessons 4, 8 and 9's) are in test_stall.py.
"""

from __future__ import annotations

import math

import pytest

from mnist_scratch.training.stall_causes import diagnose

LIMIT = 0.198  # MNIST's chance limit (see training/stall.py)


def _blocks(costs, accuracies=None):
    accuracies = accuracies or [0.1] * len(costs)
    return [(2, 256, c, a) for c, a in zip(costs, accuracies)]


def _diagnose(costs, accuracies=None, *, lr=0.1, loss="cross_entropy", targets=(0.0, 1.0), first=None):
    blocks = _blocks(costs, accuracies)
    return diagnose(blocks, {"now": costs[-1], "limit": LIMIT}, classes=10, lr=lr, loss=loss, targets=targets,
                    first=first)


@pytest.mark.parametrize("run,cause,fix", [
    (dict(costs=[1.25] + [0.5] * 9, lr=1e9, loss="mse"), "sigmoid outputs are saturated near 0 for every image",
     "100 times smaller (lr=1e+07)"),
    (dict(costs=[0.91] + [0.89] * 9, lr=10, loss="mse", targets=(0.01, 0.99), first=1.39),
     "saturated, pushed near 0 or 1", "100 times smaller (lr=0.1)"),
    (dict(costs=[2.3, 1.0, 0.8] + [2.35] * 7, accuracies=[0.1, 0.6, 0.7] + [0.1] * 7, lr=0.5),
     "learned, then lost it: a step too large (lr=0.5)", "10 times smaller (lr=0.05)"),
    (dict(costs=[2.4, 7.0] + [2.4] * 8, lr=1.0), "cost leapt up, then settled at chance", "10 times smaller (lr=0.1)"),
    (dict(costs=[9.0] + [2.4] * 9, lr=3.0), "started far worse than a uniform guess (cost 9)",
     "10 times smaller (lr=0.3)"),
    (dict(costs=[math.log(10) + 1e-4] * 10, lr=0.05), "outputs are the same for every image",
     "He initialisation (init='he'), or Adam"),
    (dict(costs=[2.45] * 10, lr=1e-5), "weights hardly move: the learning rate (lr=1e-05) is too small",
     "10 times larger (lr=0.0001)"),
    (dict(costs=[2.3, 2.35, 2.4, 2.45], lr=0.3), "cost went the wrong way", "10 times smaller (lr=0.03)"),
    (dict(costs=[2.45, 2.40, 2.38, 2.38], lr=3e-4), "fell a little, then too slowly to leave chance",
     "10 times larger (lr=0.003)"),
])
def test_each_cause_and_its_fix(run, cause, fix):
    found, advice = _diagnose(**run)
    assert cause in found and fix in advice, (found, advice)


def test_the_first_step_decides_between_saturation_and_a_rate_too_small():
    """Squared error that sits where it started is a rate too small; far below where it started, saturation."""
    flat = dict(costs=[1.39] * 10, lr=1e-7, loss="mse", targets=(0.01, 0.99))
    assert "too small" in _diagnose(**flat)[0]
    assert "saturated" in _diagnose(**{**flat, "costs": [0.89] * 10, "lr": 10}, first=1.39)[0]
