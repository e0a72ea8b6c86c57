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
training every iteration is a block). After every block, the detector looks at the
latest stretch of blocks that spans at least :data:`WINDOW_STEPS` steps and
:data:`WINDOW_SAMPLES` samples. Training has stalled when, over that stretch,

1. the training accuracy is near chance: at most
   :math:`c + m\,(1 - c)`, with :math:`c` the share of the most common class in
   the training labels and :math:`m` = :data:`ACCURACY_MARGIN`; and
2. the cost is not falling: the mean cost of the stretch's second half is not
   lower than its first half's by more than :data:`COST_DROP` (relative).

Both must hold: a network that learns slowly lowers its cost, and a network
whose cost is noisy but whose answers beat chance is learning something. Each
stretch is judged when its last block ends and once more when training ends, so
a short run that sat at chance throughout is reported too.

The thresholds were tuned on recorded runs: every recipe, every lesson's
training, the playground's sliders and the failures of issue 21.
``benchmarks/bench_stall.py`` records them again and prints the detector's
confusion matrix.
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np

from .history import History, TrainingDiverged
from .stopping import copy_state, restore_state

__all__ = ["StallDetector", "TrainingStalled", "TrainingStalledWarning", "stalled_at", "stall_stretch", "ON_STALL",
           "BLOCK_SAMPLES", "WINDOW_STEPS", "WINDOW_SAMPLES", "ACCURACY_MARGIN", "COST_DROP"]

#: What ``train(on_stall=…)`` may be: raise :class:`TrainingStalled`, warn and train on, or not check.
ON_STALL = ("raise", "warn", "off")
#: Steps are summed into blocks of at least this many samples (and at least one step).
BLOCK_SAMPLES = 256
#: A stretch judged for a stall spans at least this many steps and this many samples.
WINDOW_STEPS, WINDOW_SAMPLES = 60, 4096
#: "Near chance": training accuracy at most chance + this share of the way from chance to 100%.
ACCURACY_MARGIN = 0.05
#: "Not falling": the stretch's second half costs less than its first by at most this share.
COST_DROP = 0.01


class TrainingStalled(TrainingDiverged):
    """Training stopped learning: the cost stopped falling while accuracy sat at chance.

    A kind of :class:`~mnist_scratch.training.history.TrainingDiverged` (a run that
    failed), so code that catches that catches this too. ``.history`` holds what was recorded.
    """


class TrainingStalledWarning(UserWarning):
    """``train(…, on_stall="warn")`` found a stall, reported it and trained on."""


def stall_stretch(blocks: list, chance: float):
    """The latest stretch of ``blocks`` long enough to judge, and whether it has stalled.

    ``blocks`` are ``(steps, samples, cost, accuracy)`` tuples (cost and accuracy
    averaged over the block's samples). Returns ``None`` while there are too few
    steps, else a dict: ``stalled``, ``steps``, ``samples``, ``cost`` and
    ``accuracy`` over the stretch, ``first``/``second`` (its halves' mean costs).
    """
    steps = samples = 0
    start = len(blocks)
    while start > 0 and (steps < WINDOW_STEPS or samples < WINDOW_SAMPLES):
        start -= 1
        steps, samples = steps + blocks[start][0], samples + blocks[start][1]
    if steps < WINDOW_STEPS or samples < WINDOW_SAMPLES:
        return None
    stretch = blocks[start:]
    middle = max(1, len(stretch) // 2)
    halves = [_mean(stretch[:middle], 2), _mean(stretch[middle:] or stretch, 2)]
    cost, accuracy = _mean(stretch, 2), _mean(stretch, 3)
    limit = chance + ACCURACY_MARGIN * (1 - chance)
    falling = halves[0] - halves[1] > COST_DROP * abs(halves[0])
    return {"stalled": bool(accuracy <= limit and not falling), "steps": steps, "samples": samples, "cost": cost,
            "accuracy": accuracy, "first": halves[0], "second": halves[1], "limit": limit}


def stalled_at(blocks: list, chance: float):
    """Replay the rule over a recorded run's blocks: the index of the block after which it fires, or None."""
    for end in range(1, len(blocks) + 1):
        verdict = stall_stretch(blocks[:end], chance)
        if verdict is not None and verdict["stalled"]:
            return end - 1
    return None


def _outside_the_package() -> int:
    """The ``stacklevel`` of the first caller outside mnist_scratch: a warning names the learner's line."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("mnist_scratch"):
        frame, level = frame.f_back, level + 1
    return level


def _mean(blocks, column: int) -> float:
    total = sum(b[1] for b in blocks)
    return sum(b[1] * b[column] for b in blocks) / total


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
        """Training has ended: judge the last (perhaps shorter) block too."""
        if self.steps:
            self._close()

    def _close(self) -> None:
        cost = self.cost_sum / self.samples
        self.history.blocks.append((self.steps, self.samples, cost, self.hits / self.samples))
        accuracy = self.hits / self.samples
        if accuracy > self.best_accuracy and self.on_stall == "raise":  # the best block: keep what it started from
            self.best, self.candidate = self.candidate, self.best
            self.best_state, self.candidate_state = self.candidate_state, self.best_state
            self.best_accuracy, self.best_step = accuracy, self.step - self.steps
        self.steps = self.samples = 0
        self.cost_sum = self.hits = 0.0
        if self.on_stall == "off" or self.history.stall is not None:
            return
        verdict = stall_stretch(self.history.blocks, self.chance)
        if verdict is not None and verdict["stalled"]:
            self._stalled(verdict)

    def _stalled(self, v: dict) -> None:
        cause, fix = self.diagnose(v)
        what = (f"Training has stalled: in the last {v['steps']:,} steps the cost has not moved from "
                f"{v['cost']:.3f} and training accuracy is {v['accuracy']:.1%}, chance for {self.classes} "
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

    def diagnose(self, v: dict) -> tuple[str, str]:
        """The likely cause of the stall ``v`` and a fix, in words, from the whole run's blocks."""
        blocks, K, lr = self.history.blocks, self.classes, self.lr
        costs = [b[2] for b in blocks]
        learned = max(b[3] for b in blocks) > v["limit"] + 0.1 or min(costs) < 0.8 * v["cost"]
        if self.loss == "mse":
            off, on = map(float, self.targets)
            dead = 0.5 * (on ** 2 + (K - 1) * off ** 2)
            if abs(v["cost"] - dead) <= 0.02 * dead:
                return (f"The sigmoid outputs are saturated near 0 for every image, where their gradient vanishes "
                        f"(outputs of 0 everywhere cost {dead:.3f})",
                        f"try a learning rate 100 times smaller (lr={lr / 100:g})")
        if learned or max(costs) > 1.5 * costs[0]:
            return (f"The network learned, then stopped: a step too large (lr={lr:g}) pushed its units where their "
                    f"gradient vanishes, such as ReLUs that output 0 for every image",
                    f"try a learning rate 10 times smaller (lr={lr / 10:g})")
        if self.loss != "mse" and abs(v["cost"] - math.log(K)) <= 0.01 * math.log(K):
            return (f"Its outputs are the same for every image (their cost, ln {K} = {math.log(K):.3f}, is a uniform "
                    f"guess's): the signal fades on its way through the layers, as with weights that start too "
                    f"small, and the gradients are too small to get out",
                    "try He initialisation (init='he'), or Adam, whose steps do not shrink with the gradient")
        return (f"The weights hardly move: the learning rate (lr={lr:g}) may be too small",
                f"try a learning rate 10 times larger (lr={lr * 10:g})")

