"""Training the convolutional network: the loop of :mod:`mnist_scratch.train`, for a :class:`~mnist_scratch.cnn.CNN`.

For each shuffled mini-batch (:func:`mnist_scratch.train.batches`) it does the
same four things as :func:`mnist_scratch.train.train`,

1. forward pass,  2. cost,  3. backward pass,  4. optimizer step,

on the same flat parameter vector (:mod:`mnist_scratch.training.flat_params`), with the
same optimizers, schedules, divergence guard and :class:`~mnist_scratch.training.history.History`.
What differs: no dev set, dropout or L2; ``epochs`` may be fractional (1.5 is
one and a half passes); ``max_seconds`` bounds the training time.

**BLAS threads.** Every step runs on one BLAS thread unless ``threads=`` or
``$MNIST_SCRATCH_THREADS`` says otherwise (:mod:`mnist_scratch.training.threads` counts
the images of a step, not the ``n*24*24`` rows of its im2col matrix). On the
2-core machine at load 8-10, one thread took 192 ms per batch of 128 images
and two threads 735 ms.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .cnn import CNN, backward, forward
from .training.flat_params import FlatGradient, pack
from .training.history import History, StopTraining
from .losses import cross_entropy
from .optim import WITH_MOMENTUM, make_optimizer
from .schedules import make_schedule
from .training.stopping import DivergenceGuard
from .training.threads import blas_threads, choose_threads
from .train import _call_back, batches
from .training.checks import check_labels

__all__ = ["train_cnn"]


def train_cnn(model: CNN, X, y, *, epochs: float = 3, batch_size: int = 64, optimizer="adam",
              lr: float = 1e-3, momentum: float = 0.9, schedule=None, seed: int = 0,
              max_seconds: float | None = None, callback=None, progress: bool = False,
              threads: int | None = None) -> History:
    """Train ``model`` in place on images (or rows of pixels) ``X`` with integer labels ``y``.

    ``optimizer`` is a name from :data:`mnist_scratch.optim.OPTIMIZERS` or any object with
    ``step(theta, grad, lr)``; ``schedule`` as for :func:`~mnist_scratch.train.train`.
    One record per (possibly partial) epoch: ``epoch`` (fractional), ``iteration``, ``lr``,
    ``cost``, ``train_acc`` (averaged over the epoch's batches) and ``seconds``.
    ``callback(history)`` runs after every record; raise :class:`StopTraining` in it to stop.
    Raises :class:`~mnist_scratch.training.history.TrainingDiverged` if the cost becomes NaN or explodes.
    """
    X = model.as_images(X)
    y = check_labels(y, len(X), "y", model.classes)
    if len(X) < 1 or not epochs > 0 or int(batch_size) < 1 or not lr > 0:
        raise ValueError(f"need at least one image, epochs > 0, batch_size >= 1 and lr > 0; got "
                         f"{len(X)} images, epochs={epochs}, batch_size={batch_size}, lr={lr}")
    name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__
    history = History(dict(kind="cnn", layers=model.layers, epochs=epochs, batch_size=int(batch_size),
                           optimizer=name, lr=lr, schedule=schedule if schedule is None or
                           isinstance(schedule, (str, tuple, list)) else repr(schedule), seed=seed))
    if isinstance(optimizer, str):
        optimizer = make_optimizer(optimizer, **({"momentum": momentum} if optimizer in WITH_MOMENTUM else {}))
    theta = pack(model.params)                     # speed trick: model.params become views of theta
    grad = FlatGradient(model.params, theta)
    lr_factor = make_schedule(schedule)
    steps_per_epoch = math.ceil(len(X) / int(batch_size))
    total_steps = max(1, round(epochs * steps_per_epoch))
    rng = np.random.default_rng(seed)
    guard = DivergenceGuard(theta, model.classes, history, lr)
    data = {"X": X, "T": y, "y": y}                # cross-entropy takes the labels as its targets
    step, start = 0, time.perf_counter()
    bar = _progress_bar(total_steps, progress)
    try:
        with blas_threads(choose_threads(int(batch_size), threads)), \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # the guard reports them
            for epoch in range(1, math.ceil(total_steps / steps_per_epoch) + 1):
                cost_sum = correct = seen = 0
                for i, (Xb, _, yb) in enumerate(batches(data, int(batch_size), rng)):
                    scores, cache = forward(model.params, Xb, model.padding)   # 1. forward
                    J = cross_entropy(scores, yb)                              # 2. cost
                    guard.check(J, epoch, first_batch_of_epoch=i == 0)
                    grads = backward(model.params, cache, yb)                  # 3. backward
                    rate = lr * lr_factor(step / steps_per_epoch, epochs)
                    optimizer.step(theta, grad.fill(grads), rate)              # 4. step
                    step += 1
                    cost_sum, seen = cost_sum + J * len(Xb), seen + len(Xb)
                    correct += np.count_nonzero(scores.argmax(axis=1) == yb)
                    bar.update(1)
                    out_of_time = max_seconds is not None and time.perf_counter() - start > max_seconds
                    if step == total_steps or out_of_time:
                        break
                history.records.append({"epoch": step / steps_per_epoch, "iteration": step, "lr": rate,
                                        "cost": cost_sum / seen, "train_acc": correct / seen,
                                        "seconds": time.perf_counter() - start})
                bar.set_postfix(cost=f"{cost_sum / seen:.4f}")
                _call_back(callback, history)
                if out_of_time:
                    history.stopped = "time_limit"
                    break
    except StopTraining:
        pass
    finally:
        bar.close()
        history.train_seconds = time.perf_counter() - start
    return history


def _progress_bar(total_steps: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total_steps, desc="training the CNN", unit="batch", disable=not progress, leave=False)
