"""Run one lesson in a fresh kernel and measure it: seconds, the kernel's peak memory, success.

Shared by ``bench_notebooks.py`` (every lesson, one at a time) and
``bench_classroom.py`` (a class of kernels at once). The kernel's resident
memory is sampled every 50 ms while the lesson runs (``psutil``, which
ipykernel already depends on), children included.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

__all__ = ["run_lesson"]


class _PeakSampler:
    """Samples a process tree's RSS in a thread; ``peak_mb`` is the largest total seen."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak_mb, self.pid = interval, 0.0, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            if self.pid is not None:
                try:
                    root = psutil.Process(self.pid)
                    rss = root.memory_info().rss + sum(c.memory_info().rss for c in root.children(recursive=True))
                    self.peak_mb = max(self.peak_mb, rss / 2**20)
                except psutil.Error:
                    pass
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_lesson(path, *, timeout: int = 600, allow_errors: bool = False, env: dict | None = None,
               keep_outputs_to=None) -> dict:
    """Execute the notebook at ``path`` top to bottom in a fresh kernel (cwd: its folder).

    Returns ``{"lesson", "ok", "seconds", "peak_mb", "error"}``. With
    ``allow_errors`` a failing cell does not stop the run (its error is in the
    outputs). ``keep_outputs_to`` writes the executed notebook there.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(path.parent)}})
    result = {"lesson": path.stem, "ok": True, "seconds": 0.0, "peak_mb": 0.0, "error": None}
    start = time.perf_counter()
    with _PeakSampler() as sampler:
        try:
            with client.setup_kernel(**({"env": env} if env is not None else {})):
                sampler.pid = client.km.provisioner.process.pid
                _execute_all(client)
        except CellExecutionError as err:
            result.update(ok=False, error=str(err).strip().splitlines()[-1][:300])
        except Exception as err:  # a kernel that died, a timeout: a failed run, reported
            result.update(ok=False, error=f"{type(err).__name__}: {err}"[:300])
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["peak_mb"] = round(sampler.peak_mb, 1)
    if keep_outputs_to is not None:
        nbformat.write(nb, keep_outputs_to)
    return result


def _execute_all(client: NotebookClient) -> None:
    for index, cell in enumerate(client.nb.cells):
        client.execute_cell(cell, index)
