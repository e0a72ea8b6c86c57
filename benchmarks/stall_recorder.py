"""Record what the stall detector sees in every call of ``train``: its blocks, and how the run ended.

``install(path, source)`` wraps :func:`mnist_scratch.train.train` (everywhere the package
has bound it: ``ms.train``, the recipes, the playground) so that each call trains exactly as
it would, with ``on_stall="off"`` (so that the run goes on to its end, which gives its true
outcome), and appends one JSON line to ``path``: where the call came from, its settings, the
blocks ``(steps, samples, cost, accuracy)`` that :mod:`mnist_scratch.training.stall` judges,
the share of the most common label (chance), and the last record. ``bench_stall.py`` uses it
in its own process and, through an IPython startup file (``install_from_env``), in every
lesson's kernel.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys

import numpy as np

__all__ = ["install", "install_from_env", "TRACE_ENV", "SOURCE_ENV"]

TRACE_ENV, SOURCE_ENV = "MNIST_SCRATCH_STALL_TRACE", "MNIST_SCRATCH_STALL_SOURCE"
_where: dict = {}  # where the calls are recorded now: the path, and the source they are from


def _settings(model, X, kwargs: dict) -> dict:
    described = model.describe()
    keep = ("epochs", "batch_size", "optimizer", "lr", "momentum", "schedule", "l2", "dropout", "early_stopping",
            "targets")
    return {"model": {k: described[k] for k in described if k in ("kind", "sizes", "activation", "loss", "init",
                                                                   "batch_norm")},
            "rows": int(len(X)), **{k: (v if isinstance(v, (int, float, str, type(None))) else
                                        list(v) if k == "targets" else repr(v))
                                    for k, v in kwargs.items() if k in keep}}


def _cell() -> int | None:
    try:
        return get_ipython().execution_count  # noqa: F821 (inside a kernel)
    except NameError:
        return None


def install(path, source: str) -> None:
    """Wrap ``train`` wherever the package holds it; every call appends one line to ``path``."""
    import mnist_scratch  # noqa: F401 (the package first: its modules bind train as they load)

    module = sys.modules["mnist_scratch.train"]
    original = module.train
    _where.update(path=path, source=source)
    if getattr(original, "recording", False):  # installed already: the calls from now on go to this path and source
        return
    from mnist_scratch.training.history import TrainingDiverged

    signature = inspect.signature(original)

    @functools.wraps(original)
    def recording(model, X, y, *args, **kwargs):
        kwargs["on_stall"] = "off"
        bound = signature.bind(model, X, y, *args, **kwargs)
        bound.apply_defaults()
        entry = {"source": _where["source"], "cell": _cell(), "settings": _settings(model, X, bound.arguments),
                 "chance": float(np.bincount(np.asarray(y)).max() / len(y))}
        try:
            history = original(model, X, y, *args, **kwargs)
        except TrainingDiverged as err:
            _write(_where["path"], entry, err.history, "diverged")
            raise
        _write(_where["path"], entry, history, history.stopped or "completed")
        return history

    recording.recording = True
    for name, loaded in list(sys.modules.items()):
        if name.startswith("mnist_scratch") and getattr(loaded, "train", None) is original:
            loaded.train = recording


def _write(path, entry: dict, history, ended: str) -> None:
    last = history.last
    entry.update(ended=ended, last={k: float(last[k]) for k in ("cost", "train_acc", "dev_acc") if k in last},
                 blocks=[[int(s), int(n), float(f"{c:.6g}"), float(f"{a:.6g}")] for s, n, c, a in history.blocks])
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def install_from_env() -> None:
    """``install`` with the path and source named by :data:`TRACE_ENV` and :data:`SOURCE_ENV`, if set."""
    if os.environ.get(TRACE_ENV):
        install(os.environ[TRACE_ENV], os.environ.get(SOURCE_ENV, "?"))
