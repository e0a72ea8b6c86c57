"""What happened during training: one record per logged epoch, and how it ended."""

from __future__ import annotations

__all__ = ["History", "TrainingDiverged", "StopTraining"]


class TrainingDiverged(RuntimeError):
    """The cost became NaN or infinite, or exploded. ``.history`` holds what was recorded."""

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


class StopTraining(Exception):
    """Raise this from a callback to end training early (the model is kept)."""


class History:
    """What happened during training: one record per logged epoch, and totals.

    Each record has ``epoch``, ``iteration`` (optimizer steps so far), ``lr``,
    ``cost`` and ``train_acc`` (averaged over the epoch's batches, as Keras
    reports them, so they describe the parameters *during* the epoch),
    ``dev_cost`` and ``dev_acc`` (when a dev set is given, measured *after*
    the epoch's last step), and ``seconds`` since training started.

    ``stall`` is the stall detector's sentence when training stopped learning
    (see :mod:`mnist_scratch.training.stall`), else None; ``blocks`` the cost and
    accuracy it judged, ``(steps, samples, cost, accuracy)`` per block of steps.
    """

    def __init__(self, config: dict):
        self.config = config
        self.records: list[dict] = []
        self.train_seconds = 0.0
        self.stopped = None          # None, "early_stopping", "callback", "requested", "diverged", "stalled",
        self.best_epoch = None       # or "time_limit"
        self.stall = None            # the stall detector's sentence, if training stalled (see training.stall)
        self.blocks: list[tuple] = []  # (steps, samples, cost, accuracy) in blocks of >= 256 samples

    def __len__(self):
        return len(self.records)

    def __getitem__(self, key):
        """``history["cost"]`` is the list of that column."""
        return [r.get(key) for r in self.records]

    @property
    def last(self) -> dict:
        return self.records[-1] if self.records else {}

    def to_frame(self):
        """The records as a pandas DataFrame indexed by epoch."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records).set_index("epoch") if self.records else pd.DataFrame()

    def __repr__(self):
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items() if isinstance(v, float))
        return f"History({len(self.records)} records, {self.train_seconds:.1f} s; last: {last})"
