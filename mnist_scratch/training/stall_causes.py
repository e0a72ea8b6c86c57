r"""The likely cause of a stall, and a fix, read from the run that stalled (see :mod:`.stall`).

A network that sits at chance got there one of a few ways, each with its own
sign in the run's costs:

* **saturated sigmoids** (squared error): the cost sits at
  :math:`J_\text{dead} = \tfrac12\big(\text{on}^2 + (K-1)\,\text{off}^2\big)`, outputs
  near 0 for every image (0.5 for targets (0, 1)), or fell far below its start with no
  right answer gained: outputs pushed to 0 or 1. A rate far too large: 100 times smaller.
* **a step too large** for ReLUs: the run learned and lost it, or its cost leapt up
  (or started far above a uniform guess's :math:`\ln K`), or rose: 10 times smaller.
* **a fading signal**: the cost never moved from :math:`\ln K`, every image getting the
  same outputs, as with weights that start too small: He initialisation, or Adam.
* **a learning rate too small**: the cost hardly moved, or fell a little and no more:
  10 times larger.
"""

from __future__ import annotations

import math

__all__ = ["diagnose"]


def diagnose(blocks: list, v: dict, *, classes: int, lr: float, loss: str = "cross_entropy", targets=(0.0, 1.0),
             first: float | None = None):
    """``(cause, fix)`` in words: the likely cause of the stall ``v`` (a verdict of
    :func:`~mnist_scratch.training.stall.stall_stretch`), read from the whole run's ``blocks``
    and the cost of its ``first`` step (by default, of its first block), and what to try."""
    costs, K = [b[2] for b in blocks], classes
    first, now, guess = costs[0] if first is None else first, v["now"], math.log(K)
    too_large = (f"a step too large (lr={lr:g}) pushed the units where their gradient vanishes, such as ReLUs "
                 f"that output 0 for every image", f"try a learning rate 10 times smaller (lr={lr / 10:g})")
    if loss == "mse":
        off, on = map(float, targets)
        dead = 0.5 * (on ** 2 + (K - 1) * off ** 2)
        if abs(now - dead) <= 0.02 * dead:
            return (f"The sigmoid outputs are saturated near 0 for every image, where their gradient vanishes "
                    f"(outputs of 0 everywhere cost {dead:.3f})", f"try a learning rate 100 times smaller (lr={lr / 100:g})")
        if now < 0.8 * first:  # the cost fell a long way with no right answers gained: outputs pushed to 0 or 1
            return ("The sigmoid outputs are saturated, pushed near 0 or 1 whatever the image, where their gradient "
                    "vanishes", f"try a learning rate 100 times smaller (lr={lr / 100:g})")
    learned = max(b[3] for b in blocks) > v["limit"] + 0.1 or min(costs) < 0.8 * now
    if learned:
        return ("The network learned, then lost it: " + too_large[0], too_large[1])
    if max(costs) > 1.5 * first:
        return ("Its cost leapt up, then settled at chance: " + too_large[0], too_large[1])
    if loss != "mse" and first > 1.5 * guess:
        return (f"It started far worse than a uniform guess (cost {first:.3g}) and settled at chance: " + too_large[0],
                too_large[1])
    if abs(now - first) <= 0.02 * first and max(costs) <= 1.1 * first:
        if loss != "mse" and abs(now - guess) <= 0.002 * guess:
            return (f"Its outputs are the same for every image (their cost, ln {K} = {guess:.3f}, is a uniform "
                    f"guess's): the signal fades on its way through the layers, as with weights that start too "
                    f"small, and the gradients are too small to get out",
                    "try He initialisation (init='he'), or Adam, whose steps do not shrink with the gradient")
        return (f"The weights hardly move: the learning rate (lr={lr:g}) is too small",
                f"try a learning rate 10 times larger (lr={lr * 10:g})")
    if now > 1.02 * first:
        return ("Its cost went the wrong way: " + too_large[0], too_large[1])
    return (f"Its cost fell a little, then too slowly to leave chance: the learning rate (lr={lr:g}) may be too "
            f"small", f"try a learning rate 10 times larger (lr={lr * 10:g})")
