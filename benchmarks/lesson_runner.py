"""Run one lesson in a fresh kernel and measure it: seconds, CPU seconds, the kernel's peak memory, success.

Shared by ``bench_notebooks.py`` (every lesson, one at a time) and ``bench_classroom.py`` (a class
of kernels at once). The lesson runs through the project's one lesson runner, tools/runner.py,
as shipped (its exercise stubs fail as they should; ``solutions=True`` also runs each solution
right after its stub, as the lesson tests do). While its cells run, ``KernelWatch`` samples the
resident memory (RSS) of the kernel and of every process it starts (such as a
``!python -m mnist_scratch`` step), and counts the CPU time they use (psutil, which ipykernel
already depends on).

    python -m benchmarks.lesson_runner notebooks/01_*.ipynb    # one JSON line: run_lesson() of each

Run it, as every benchmark that runs lessons, from the repository's root.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import psutil

try:
    from tools.runner import run_lesson as run_with_checks
except ModuleNotFoundError as err:              # started as a script, so the repository is not on the path
    if err.name != "tools":
        raise
    raise SystemExit("run it from the repository's root: python -m benchmarks.lesson_runner ...") from None

__all__ = ["KernelWatch", "measure_lesson", "run_lesson"]


class KernelWatch:
    """``watch`` for tools.runner.run_lesson: while the cells run, samples the RSS of the kernel and
    its descendants every ``every`` seconds (``peak_bytes``, the largest total seen, the last
    moment included) and counts their CPU time (``cpu_seconds``, finished children included)."""

    def __init__(self, every: float = 0.02):
        self.every, self.peak_bytes, self.cpu_seconds = every, 0, 0.0
        self.process: psutil.Process | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __call__(self, pid: int) -> KernelWatch:
        self.process = psutil.Process(pid)
        return self

    def rss(self) -> int:
        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:          # a child that ended between listing and reading
                pass
        return total

    def _cpu(self) -> float:
        t = self.process.cpu_times()
        return t.user + t.system + t.children_user + t.children_system

    def _sample(self):
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.rss())
            self._stop.wait(self.every)

    def __enter__(self) -> KernelWatch:
        self._cpu_before = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self.rss())
        self.cpu_seconds = self._cpu() - self._cpu_before


def measure_lesson(path, *, every: float = 0.02, solutions: bool = False, env: dict | None = None,
                   timeout: int = 900) -> dict:
    """Run a lesson in a fresh kernel; ``seconds`` (its cells, the kernel's start-up aside), ``cpu_seconds``,
    ``peak_bytes``, ``ok`` (it ran as intended) and ``error`` (what went wrong first, or None)."""
    watch = KernelWatch(every)
    run = run_with_checks(path, solutions=solutions, env=env, watch=watch, timeout=timeout)
    wrong = [p for p in run.problems if p.rule != "alt-text"]
    return {"lesson": Path(path).stem, "ok": not wrong, "seconds": run.seconds, "cpu_seconds": watch.cpu_seconds,
            "peak_bytes": watch.peak_bytes, "error": str(wrong[0]).splitlines()[0][:300] if wrong else None}


def run_lesson(path, *, timeout: int = 600, env: dict | None = None) -> dict:
    """One student's run of a lesson, for bench_classroom.py: ``{"lesson", "ok", "seconds", "peak_mb",
    "error"}``; seconds include the kernel's start, peak_mb is in MiB, sampled every 50 ms."""
    start = time.perf_counter()
    try:
        measured = measure_lesson(path, every=0.05, env=env, timeout=timeout)
    except Exception as err:  # a kernel that did not start: a failed run, reported
        measured = {"lesson": Path(path).stem, "ok": False, "peak_bytes": 0, "error": f"{type(err).__name__}: {err}"[:300]}
    return {"lesson": measured["lesson"], "ok": measured["ok"], "seconds": round(time.perf_counter() - start, 2),
            "peak_mb": round(measured["peak_bytes"] / 2**20, 1), "error": measured["error"]}


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    print(json.dumps([run_lesson(p) for p in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
