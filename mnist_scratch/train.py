"""Training: the one loop that turns gradients into a better network, for every network.

Read it top-down, the way Nielsen's ``network.py`` reads: :func:`train` runs
epochs; :func:`run_epoch` shuffles the rows and walks through them in batches;
for each batch it does the five things that matter,

1. forward pass,  2. cost,  3. backward pass,  4. L2 penalty,  5. optimizer step,

and everything else (recording, early stopping, the divergence guard, the
stall detector, the progress bar) is a small named helper below or in
:mod:`mnist_scratch.training`.

* ``batch_size=None`` is **full-batch gradient descent**, as the classic
  lessons do it: one epoch is then one iteration over all rows.
* ``batch_size=1`` is per-example SGD; anything between is mini-batch SGD.
* ``epochs`` may be fractional: ``epochs=1.5`` is one and a half passes.
* The forward and backward passes are the model's own (``model.forward_train``,
  ``model.backward``): any network with the members of
  :mod:`mnist_scratch.interface` trains here, the fully connected
  :class:`~mnist_scratch.model.Model` (with or without batch norm, whose
  running statistics ``model.state`` the divergence guard and early stopping
  save and restore with the parameters), the :class:`~mnist_scratch.cnn.CNN`,
  and a learner's own network.

The function returns a :class:`~mnist_scratch.training.history.History`;
``history.to_frame()`` makes it a pandas DataFrame.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .interface import check_network
from .losses import get_loss
from .optim import WITH_MOMENTUM, make_optimizer
from .schedules import make_schedule
from .training.checks import check_batches, check_data, steps_per_epoch
from .training.flat_params import FlatGradient, pack
from .training.history import History, StopTraining, TrainingDiverged
from .training.stall import ON_STALL, StallDetector, TrainingStalled
from .training.stopping import DIVERGENCE_FACTOR, DivergenceGuard, EarlyStopping
from .training.threads import blas_threads, choose_threads
from .validation import IsBool, IsCallable, Number, OneOf, OrNone, Whole, validate

__all__ = ["train", "run_epoch", "History", "TrainingDiverged", "TrainingStalled", "StopTraining",
           "DIVERGENCE_FACTOR", "train_cnn"]


@validate({"epochs": Number(0, low_open=True, note="1.5 is one and a half passes over the data"),
           "batch_size": OrNone(Whole(1), "full batch"), "lr": Number(0, low_open=True),
           "momentum": Number(0, 1, high_open=True), "l2": Number(0), "dropout": Number(0, 1, high_open=True),
           "early_stopping": OrNone(Whole(1), "no early stopping"), "log_every": Whole(1),
           "seed": OrNone(Whole(0), "fresh randomness"), "callback": OrNone(IsCallable()),
           "should_stop": OrNone(IsCallable()), "progress": IsBool(), "threads": OrNone(Whole(1, 1024)),
           "max_seconds": OrNone(Number(0, low_open=True), "no time limit"), "on_stall": OneOf(ON_STALL)})
def train(model, X, y, *, X_dev=None, y_dev=None, epochs: float = 10, batch_size: int | None = 128,
          optimizer="adam", lr: float = 1e-3, momentum: float = 0.9, schedule=None, l2: float = 0.0,
          dropout: float = 0.0, early_stopping: int | None = None, targets=(0.0, 1.0), log_every: int = 1,
          seed: int = 0, callback=None, should_stop=None, progress: bool = True, threads: int | None = None,
          max_seconds: float | None = None, on_stall: str = "raise") -> History:
    """Train ``model`` in place on samples ``X`` with integer labels ``y``; return a :class:`History`.

    Parameters
    ----------
    model : any network (see :mod:`mnist_scratch.interface`): a ``Model``, a ``CNN``, your own.
    X : rows ``(n, 784)``, or images ``(n, 1, 28, 28)`` for a CNN (rows are reshaped for it).
    epochs : passes over the data, fractional allowed (with ``batch_size=None``: iterations of full-batch GD).
    batch_size : rows per step; ``None`` for full batch, 1 for per-example SGD.
    optimizer, lr : ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``, ``"adagrad"`` or
        ``"rmsprop"`` (see :mod:`mnist_scratch.optim`), or any object with a
        ``step(theta, grad, lr)`` method; and the learning rate.
    momentum : μ for ``"momentum"`` and ``"nesterov"`` (the others ignore it).
    schedule : learning-rate schedule: ``None``, ``"cosine"``, ``("step", {"step_size": 5, "gamma": 0.5})``…
    l2 : L2 penalty λ: adds (λ/2)·Σ‖W‖² to the cost and λ·W to each weight gradient (not biases).
    dropout : probability of dropping each hidden unit during training.
    early_stopping : stop when dev accuracy has not improved for this many logged
        epochs, and restore the best parameters (needs ``X_dev``, ``y_dev``).
    targets : ``(off, on)`` values of the one-hot targets for ``loss="mse"``
        ("Make Your Own Neural Network" uses ``(0.01, 0.99)``).
    log_every : record (and call ``callback``) every this many epochs.
    seed : seeds shuffling and dropout: the same seed gives the same numbers.
    callback : ``callback(history)`` after every record; raise :class:`StopTraining` to stop.
    should_stop : a function polled before every step; when it returns True training stops.
    progress : show a tqdm progress bar.
    threads : BLAS threads for the matrix products; by default one for mini-batches and the
        library's default for full batches (see :mod:`mnist_scratch.training.threads`).
    max_seconds : stop after the step during which training has taken this long.
    on_stall : what to do when training stops learning, its cost flat and its accuracy at chance
        (see :mod:`mnist_scratch.training.stall`): ``"raise"`` :class:`TrainingStalled`, ``"warn"``
        (a :class:`~mnist_scratch.training.stall.TrainingStalledWarning`, ``history.stall`` holds
        the sentence, and training goes on), or ``"off"``.

    Raises :class:`TrainingDiverged` if the cost becomes NaN or infinite, or
    explodes (see :data:`mnist_scratch.training.stopping.DIVERGENCE_FACTOR`); the
    model then keeps the parameters it had at the start of that epoch, the last good ones.
    Raises :class:`TrainingStalled` (a kind of :class:`TrainingDiverged`) if training
    stalls, with ``on_stall="raise"``; the model then keeps the parameters of its best stretch.
    """
    check_network(model)
    data = check_data(model, X, y, X_dev, y_dev, targets)
    if early_stopping and data["X_dev"] is None:
        raise ValueError("early_stopping needs a dev set: pass X_dev and y_dev")
    check_batches(model, len(data["X"]), batch_size)
    optimizer_name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__
    history = History(training_config(model, epochs, batch_size, optimizer_name, lr, momentum, schedule, l2,
                                      dropout, early_stopping, seed, targets))
    run = Run.start(model, history, data, optimizer=optimizer, momentum=momentum, lr=lr, schedule=schedule,
                    epochs=epochs, batch_size=batch_size, l2=l2, dropout=dropout, seed=seed,
                    should_stop=should_stop, targets=targets, max_seconds=max_seconds, on_stall=on_stall)
    stopper = EarlyStopping(early_stopping, run.theta, history, model.state) if early_stopping else None
    bar = _progress_bar(run.total_steps, progress)
    try:
        with blas_threads(choose_threads(run.batch_size or len(data["X"]), threads)), \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # the guard reports them
            for epoch in range(1, math.ceil(run.total_steps / run.steps_per_epoch) + 1):
                totals = run_epoch(run, data, epoch, bar)
                last = run.step == run.total_steps or history.stopped == "time_limit"
                if epoch % log_every == 0 or last:
                    record = make_record(run, data, totals, epoch)
                    history.records.append(record)
                    bar.set_postfix({k: f"{record[k]:.4f}" for k in ("cost", "train_acc", "dev_acc") if k in record})
                    _call_back(callback, history)
                    if stopper is not None and stopper.should_stop(record):
                        break
                if last:
                    break
    except StopTraining:
        pass
    finally:
        bar.close()
        history.train_seconds = time.perf_counter() - run.start_time
    run.stall.finish()  # (a run that sat at chance to its last step is judged too)
    if stopper is not None:
        stopper.restore_best()
    model.recipe = {**model.recipe, "train": history.config}
    return history


def run_epoch(run: Run, data: dict, epoch: int, bar=None) -> dict:
    """One pass over the training rows in shuffled batches; returns the epoch's cost and accuracy."""
    model, params, loss = run.model, run.model.params, run.loss
    cost_sum = correct = seen = 0.0
    for i, (Xb, Tb, yb) in enumerate(batches(data, run.batch_size, run.rng)):
        run.poll_stop()
        cache = model.forward_train(Xb, dropout=run.dropout, rng=run.rng)    # 1. forward
        J = loss.cost(cache.Z_out, cache.A_out, Tb)                           # 2. cost
        hits = np.count_nonzero(cache.A_out.argmax(axis=1) == yb)
        run.guard.check(J, epoch, first_batch_of_epoch=i == 0)
        run.stall.add(J, hits, len(Xb))
        grads = model.backward(cache, Tb)                                     # 3. backward
        if run.l2:
            add_l2_gradient(grads, params, run.l2)                           # 4. L2
        run.optimizer.step(run.theta, run.grad.fill(grads), run.current_lr())  # 5. step
        run.step += 1
        cost_sum += J * len(Xb)
        seen += len(Xb)
        correct += hits
        if bar is not None:
            bar.update(1)
        if run.step == run.total_steps or run.out_of_time():
            break
    return {"cost": cost_sum / seen, "train_acc": correct / seen}


# --------------------------------------------------------------------------- the helpers
@dataclass
class Run:
    """Everything one call of :func:`train` carries from step to step."""

    model: object
    history: History
    theta: np.ndarray            # the flat vector behind model.params (speed trick)
    grad: FlatGradient           # the flat gradient the optimizer reads
    optimizer: object
    loss: object                 # the model's loss (mnist_scratch.losses.Loss)
    lr: float
    lr_factor: object            # the schedule
    epochs: float
    batch_size: int | None
    steps_per_epoch: int
    total_steps: int
    l2: float
    dropout: float
    rng: np.random.Generator
    should_stop: object
    guard: DivergenceGuard
    stall: StallDetector
    max_seconds: float | None
    start_time: float
    step: int = 0

    @classmethod
    def start(cls, model, history, data, *, optimizer, momentum, lr, schedule, epochs, batch_size,
              l2, dropout, seed, should_stop, targets, max_seconds, on_stall) -> Run:
        B, steps = steps_per_epoch(len(data["X"]), batch_size)
        optimizer = make_optimizer(optimizer, **({"momentum": momentum} if optimizer in WITH_MOMENTUM else {}))
        lr_factor = make_schedule(schedule)
        theta = pack(model.params)
        guard = DivergenceGuard(theta, model.classes, history, lr, model.state)
        stall = StallDetector(theta, history, y=data["y"], classes=model.classes, lr=lr, loss=model.loss,
                              targets=targets, state=model.state, on_stall=on_stall)
        return cls(model, history, theta, FlatGradient(model.params, theta), optimizer, get_loss(model.loss), lr,
                   lr_factor, epochs, B, steps, max(1, round(epochs * steps)), l2, dropout,
                   np.random.default_rng(seed), should_stop, guard, stall, max_seconds, time.perf_counter())

    def current_lr(self) -> float:
        """The learning rate after the schedule, at the current step."""
        return self.lr * self.lr_factor(self.step / self.steps_per_epoch, self.epochs)

    def poll_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            self.history.stopped = "requested"
            raise StopTraining

    def out_of_time(self) -> bool:
        if self.max_seconds is not None and time.perf_counter() - self.start_time > self.max_seconds:
            self.history.stopped = "time_limit"
            return True
        return False


def training_config(model, epochs, batch_size, optimizer, lr, momentum, schedule, l2, dropout,
                    early_stopping, seed, targets) -> dict:
    """The settings, JSON-able, as the history (and a saved model's recipe) records them."""
    config = dict(epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr,
                  schedule=schedule if schedule is None or isinstance(schedule, (str, tuple, list)) else repr(schedule),
                  l2=l2, dropout=dropout, early_stopping=early_stopping, seed=seed, loss=model.loss)
    if optimizer in WITH_MOMENTUM:
        config["momentum"] = momentum
    if get_loss(model.loss).targets == "one-hot":
        config["targets"] = list(targets)
    return config


def batches(data: dict, batch_size, rng):
    """Yield ``(X_batch, T_batch, y_batch)``: shuffled mini-batches, or the whole set once."""
    X, T, y = data["X"], data["T"], data["y"]
    n = len(X)
    if batch_size is None or batch_size >= n:
        yield X, T, y
        return
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        rows = order[first:first + batch_size]
        yield X[rows], T[rows], y[rows]


def add_l2_gradient(grads: dict, params: dict, l2: float) -> None:
    """dJ/dW += λ W for every weight array (keys starting with ``W``; biases are not penalised)."""
    for key in grads:
        if key.startswith("W"):
            grads[key] = grads[key] + l2 * params[key]


def make_record(run: Run, data: dict, totals: dict, epoch: int) -> dict:
    """One row of the history: the epoch's training figures, the L2 cost and the dev figures.

    ``epoch`` is the epoch's number once it is complete, and the fraction of
    passes done (such as 1.5) when training ended within it.
    """
    model = run.model
    done = run.step / run.steps_per_epoch
    record = {"epoch": epoch if run.step == epoch * run.steps_per_epoch else done, "iteration": run.step,
              "lr": run.current_lr(), **totals}
    if run.l2:
        record["l2_cost"] = 0.5 * run.l2 * sum(float(np.sum(model.params[k] ** 2))
                                                  for k in model.params if k.startswith("W"))
    if data["X_dev"] is not None:  # the forward pass of prediction: no dropout, batch norm's running stats
        dev = model.forward(data["X_dev"])
        record["dev_cost"] = run.loss.cost(dev.Z_out, dev.A_out, data["T_dev"])
        record["dev_acc"] = float(np.mean(dev.A_out.argmax(axis=1) == data["y_dev"]))
    record["seconds"] = time.perf_counter() - run.start_time
    return record


def _call_back(callback, history: History) -> None:
    if callback is None:
        return
    try:
        callback(history)
    except StopTraining:
        history.stopped = "callback"
        raise


def _progress_bar(steps: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=steps, desc="training", unit="step", disable=not progress, leave=False)


# --------------------------------------------------------------------------- deprecated
_warned = False


def train_cnn(model, X, y, *, epochs: float = 3, batch_size: int = 64, optimizer="adam", lr: float = 1e-3,
              momentum: float = 0.9, schedule=None, seed: int = 0, max_seconds: float | None = None,
              callback=None, progress: bool = False, threads: int | None = None) -> History:
    """Deprecated since 0.2.0, and removed in 0.3.0: :func:`train` trains a CNN like any other network.

    ``train_cnn(model, X, y, …)`` is ``train(model, X, y, …)`` with this function's
    old defaults (3 epochs, batches of 64, no progress bar). It warns once per session.
    """
    global _warned
    if not _warned:
        import warnings

        warnings.warn("ms.train_cnn is deprecated and will be removed in mnist_scratch 0.3.0: use ms.train, which "
                      "trains a CNN like any other network (train_cnn's defaults were epochs=3, batch_size=64, "
                      "progress=False)", FutureWarning, stacklevel=2)
        _warned = True
    return train(model, X, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr, momentum=momentum,
                 schedule=schedule, seed=seed, max_seconds=max_seconds, callback=callback, progress=progress,
                 threads=threads)
