r"""The stall detector: a network that stops learning says so.

The divergence guard (:mod:`~mnist_scratch.training.stopping`) catches a cost
that becomes NaN or explodes. A network can also fail quietly: its cost stops
falling while it answers no better than chance. Three ways, all met in the lessons:

* the **signal fades**: weights that start too small (``init="small"``) give
  every image the same outputs, the cost sits at :math:`\ln K` (a uniform guess
  over :math:`K` classes costs that), and the gradients are too small to get out;
* a **step too large** pushes the units where their gradient vanishes: ReLUs
  that output 0 for every image, or sigmoid outputs saturated near 0, where squared
  error sits at :math:`J_\text{dead} = \tfrac12\big(\text{on}^2 + (K-1)\,\text{off}^2\big)`
  (0.5 for targets (0, 1));
* a **learning rate too small** to move the weights at all.

**The rule.** Each step's cost and hits (right answers) are summed in blocks of
at least :data:`BLOCK_SAMPLES` samples (a block is one step at least: in full-batch
training every iteration is a block). After every block, the detector judges the
latest stretch of blocks that spans :data:`WINDOW_STEPS` steps and
:data:`WINDOW_SAMPLES` samples (and :data:`MIN_BLOCKS` blocks) at least. The
stretch has stalled when

1. its training accuracy is near chance: at most :math:`c + m\,(1 - c)`, with
   :math:`c` the share of the most common class in the training labels and
   :math:`m` = :data:`ACCURACY_MARGIN` (19.8% for MNIST's digits);
2. its cost is not falling: the mean cost of its second half is not below its
   first half's by more than :data:`COST_DROP` of it *and* by more than
   :data:`SIGNIFICANT` standard errors of the difference (measured from the
   blocks' own spread, so that a noisy cost is not taken for a falling one); and
3. its accuracy is not rising: the second half's is not above the first half's by
   more than :data:`SIGNIFICANT` standard errors (of a binomial share).

A slow start looks like a stall for a while, so a stall is reported only once every
stretch judged over :data:`PATIENCE` more steps has stalled too; and once more when
training ends, when a run too short for the window is judged on its second half
(:data:`FINAL_STEPS` steps and :data:`FINAL_SAMPLES` samples at least), so that a
short run that sat at chance is reported as well. :mod:`~mnist_scratch.training.stall_causes`
then reads the likely cause from the whole run.

The thresholds were tuned on recorded runs, healthy and failed: every recipe, every
lesson's training, the playground's sliders across their range and the failures of
issue 21. ``benchmarks/bench_stall.py`` records them again and prints the detector's
confusion matrix; ``tests/package/training/test_stall.py`` replays the rule over all of
them (``tests/fixtures/stall_runs.jsonl.gz``).
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np

from .history import History, TrainingDiverged
from .stall_causes import diagnose
from .stopping import copy_state, restore_state

__all__ = ["StallDetector", "TrainingStalled", "TrainingStalledWarning", "stalled_at", "stall_stretch", "ON_STALL",
           "BLOCK_SAMPLES", "MIN_BLOCKS", "WINDOW_STEPS", "WINDOW_SAMPLES", "FINAL_STEPS", "FINAL_SAMPLES",
           "ACCURACY_MARGIN", "COST_DROP",
           "SIGNIFICANT", "PATIENCE", "StallRule"]

#: What ``train(on_stall=…)`` may be: raise :class:`TrainingStalled`, warn and train on, or not check.
ON_STALL = ("raise", "warn", "off")
#: Steps are summed into blocks of at least this many samples (and at least one step); a stretch
#: judged has MIN_BLOCKS blocks at least, so that each half's noise can be measured.
BLOCK_SAMPLES, MIN_BLOCKS = 256, 8
#: A stretch judged for a stall spans at least this many steps and this many samples (once training has
#: ended, a shorter run is judged on its second half, FINAL_STEPS steps and FINAL_SAMPLES samples at
#: least: a short run that sat at chance is reported too).
WINDOW_STEPS, WINDOW_SAMPLES, FINAL_STEPS, FINAL_SAMPLES = 120, 4096, 16, 1024
#: "Near chance": training accuracy at most chance + this share of the way from chance to 100%.
ACCURACY_MARGIN = 0.1
#: "Falling": the stretch's second half costs less than its first by more than this share, and by more
#: than SIGNIFICANT standard errors of the difference (the blocks' own noise); "rising": the accuracy
#: of the second half beats the first's by more than SIGNIFICANT standard errors.
COST_DROP, SIGNIFICANT = 0.01, 2.0
#: A stall is reported when the stretches judged have all stalled for this many steps more.
PATIENCE = 120


class TrainingStalled(TrainingDiverged):
    """Training stopped learning: the cost stopped falling while accuracy sat at chance.

    A kind of :class:`~mnist_scratch.training.history.TrainingDiverged` (a run that
    failed), so code that catches that catches this too. ``.history`` holds what was recorded.
    """


class TrainingStalledWarning(UserWarning):
    """``train(…, on_stall="warn")`` found a stall, reported it and trained on."""


def stall_stretch(blocks: list, chance: float, final: bool = False):
    """The latest stretch of ``blocks`` long enough to judge, and whether it has stalled.

    ``blocks`` are ``(steps, samples, cost, accuracy)`` tuples (cost and accuracy
    averaged over the block's samples). ``final``: training has ended, and a run shorter
    than two windows is judged on its second half (from :data:`FINAL_STEPS` steps and
    :data:`FINAL_SAMPLES` samples). Returns ``None`` while there is too little to judge,
    else a dict: ``stalled``, and over the stretch its ``steps``, ``samples``, ``cost``
    and ``accuracy``, the cost of its second half (``now``), the ``drop`` of the cost from
    its first half to its second and the ``rise`` of the accuracy, and the chance ``limit``.
    """
    need_steps, need_samples = WINDOW_STEPS, WINDOW_SAMPLES
    if final:
        total_steps, total_samples = sum(b[0] for b in blocks), sum(b[1] for b in blocks)
        need_steps = min(need_steps, max(FINAL_STEPS, total_steps // 2))
        need_samples = min(need_samples, max(FINAL_SAMPLES, total_samples // 2))
    steps = samples = 0
    start = len(blocks)
    while start > 0 and (steps < need_steps or samples < need_samples or len(blocks) - start < MIN_BLOCKS):
        start -= 1
        steps, samples = steps + blocks[start][0], samples + blocks[start][1]
    if steps < need_steps or samples < need_samples or len(blocks) - start < MIN_BLOCKS:
        return None
    stretch = blocks[start:]
    first, second = stretch[:len(stretch) // 2], stretch[len(stretch) // 2:]
    (cost1, noise1, n1), (cost2, noise2, n2) = _cost(first), _cost(second)
    (acc1, m1), (acc2, m2) = _accuracy(first), _accuracy(second)
    cost, accuracy = (cost1 * m1 + cost2 * m2) / (m1 + m2), (acc1 * m1 + acc2 * m2) / (m1 + m2)
    drop, rise = cost1 - cost2, acc2 - acc1
    # falling: by more than the blocks' own noise allows (two standard errors), and by a share that matters
    falling = drop > max(SIGNIFICANT * math.sqrt(noise1 / n1 + noise2 / n2), COST_DROP * abs(cost1))
    # rising: more right answers than chance fluctuations give (two standard errors of a binomial share)
    rising = rise > SIGNIFICANT * math.sqrt(max(accuracy * (1 - accuracy), 1e-12) * (1 / m1 + 1 / m2))
    limit = chance + ACCURACY_MARGIN * (1 - chance)
    return {"stalled": bool(accuracy <= limit and not falling and not rising), "steps": steps, "samples": samples,
            "cost": cost, "now": cost2, "accuracy": accuracy, "drop": drop, "rise": rise, "limit": limit}


class StallRule:
    """The rule over time: a stall is reported once every stretch judged over the last
    :data:`PATIENCE` steps has stalled (a slow start gets that long to show it learns), or
    when training ends in a stalled stretch."""

    def __init__(self, chance: float):
        self.chance, self.since = chance, None

    def judge(self, blocks: list, final: bool = False):
        """The stalled stretch's verdict if the rule fires after the last of ``blocks``, else None."""
        verdict = stall_stretch(blocks, self.chance, final)
        if verdict is None:
            return None
        if not verdict["stalled"]:
            self.since = None
            return None
        step = sum(b[0] for b in blocks)
        self.since = step if self.since is None else self.since
        return verdict if final or step - self.since >= PATIENCE else None


def stalled_at(blocks: list, chance: float):
    """Replay the rule over a recorded run's blocks: the index of the block after which it fires, or None."""
    rule = StallRule(chance)
    for end in range(1, len(blocks) + 1):
        if rule.judge(blocks[:end], final=end == len(blocks)) is not None:
            return end - 1
    return None


def _cost(blocks) -> tuple[float, float, int]:
    """The mean cost over ``blocks`` (by samples), the variance of the blocks' costs, and their number."""
    samples = sum(b[1] for b in blocks)
    mean = sum(b[1] * b[2] for b in blocks) / samples
    variance = sum((b[2] - mean) ** 2 for b in blocks) / max(len(blocks) - 1, 1)
    return mean, variance, len(blocks)


def _accuracy(blocks) -> tuple[float, int]:
    """The accuracy over ``blocks`` and the samples it counts."""
    samples = sum(b[1] for b in blocks)
    return sum(b[1] * b[3] for b in blocks) / samples, samples


def _outside_the_package() -> int:
    """The ``stacklevel`` of the first caller outside mnist_scratch: a warning names the learner's line."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("mnist_scratch"):
        frame, level = frame.f_back, level + 1
    return level


class StallDetector:
    """Watches one run: sums the steps into blocks, judges every stretch, and on a stall
    raises :class:`TrainingStalled` (restoring the parameters that the block with the best
    training accuracy started from, or the starting parameters if no block beat chance, and
    batch norm's ``state`` with them) or warns once, as ``on_stall`` says.

    ``history.blocks`` receives every block, ``(steps, samples, cost, accuracy)``: the
    record the rule judges, which ``benchmarks/bench_stall.py`` replays.
    """

    def __init__(self, theta, history: History, *, y, classes: int, lr: float, loss: str = "cross_entropy",
                 targets=(0.0, 1.0), state: dict | None = None, on_stall: str = "raise"):
        self.theta, self.history, self.lr, self.loss, self.on_stall = theta, history, lr, loss, on_stall
        self.classes, self.targets = classes, targets
        self.chance = float(np.bincount(np.asarray(y), minlength=classes).max() / max(len(y), 1))
        self.rule = StallRule(self.chance)
        self.state = state or {}
        self.best, self.best_state, self.best_step = theta.copy(), copy_state(self.state), 0
        self.limit = self.chance + ACCURACY_MARGIN * (1 - self.chance)
        self.best_accuracy = self.limit  # a block must beat chance to be better than the start
        self.candidate, self.candidate_state = theta.copy(), copy_state(self.state)
        self.steps = self.samples = self.step = 0
        self.cost_sum = self.hits = 0.0
        self.start = time.perf_counter()
        history.blocks = []

    def add(self, J: float, hits: int, n: int) -> None:
        """One step's mean cost ``J`` and its ``hits`` out of ``n`` samples, before the step updates θ."""
        if self.step == 0:
            self.first_cost = J  # the cost of the very first step: where the run started
        if self.steps == 0 and self.on_stall == "raise":  # a block starts: remember its parameters
            np.copyto(self.candidate, self.theta)
            restore_state(self.candidate_state, self.state)
        self.steps += 1
        self.step += 1
        self.samples += n
        self.cost_sum += J * n
        self.hits += hits
        if self.samples >= BLOCK_SAMPLES:
            self._close()

    def finish(self) -> None:
        """Training has ended: judge the last (perhaps shorter) block, and a shorter stretch, too."""
        if self.steps:
            self._close(final=True)
        elif self.history.blocks and self.on_stall != "off" and self.history.stall is None:
            self._judge(final=True)

    def _close(self, final: bool = False) -> None:
        cost = self.cost_sum / self.samples
        self.history.blocks.append((self.steps, self.samples, cost, self.hits / self.samples))
        accuracy = self.hits / self.samples
        if accuracy > self.best_accuracy and self.on_stall == "raise":  # the best block: keep what it started from
            self.best, self.candidate = self.candidate, self.best
            self.best_state, self.candidate_state = self.candidate_state, self.best_state
            self.best_accuracy, self.best_step = accuracy, self.step - self.steps
        self.steps = self.samples = 0
        self.cost_sum = self.hits = 0.0
        if self.on_stall != "off" and self.history.stall is None:
            self._judge(final)

    def _judge(self, final: bool) -> None:
        verdict = self.rule.judge(self.history.blocks, final)
        if verdict is not None:
            self._stalled(verdict)

    def _stalled(self, v: dict) -> None:
        cause, fix = diagnose(self.history.blocks, v, classes=self.classes, lr=self.lr, loss=self.loss,
                              targets=self.targets, first=self.first_cost)
        what = (f"Training has stalled: in the last {v['steps']:,} steps the cost has not moved from "
                f"{v['now']:.3f} and training accuracy is {v['accuracy']:.1%}, chance for {self.classes} "
                f"classes. {cause}; {fix}.")
        self.history.stall = what
        if self.on_stall == "warn":
            warnings.warn(what + " (on_stall='warn': training goes on.)", TrainingStalledWarning,
                          stacklevel=_outside_the_package())
            return
        np.copyto(self.theta, self.best)
        restore_state(self.state, self.best_state)
        self.history.stopped = "stalled"
        self.history.train_seconds = time.perf_counter() - self.start
        kept = ("its starting parameters: it never beat chance" if self.best_step == 0 else
                f"the parameters it had after step {self.best_step}, where training accuracy was highest "
                f"({self.best_accuracy:.1%})")
        raise TrainingStalled(f"{what} The model keeps {kept}. (on_stall='warn' reports a stall and trains on.)",
                              self.history)

