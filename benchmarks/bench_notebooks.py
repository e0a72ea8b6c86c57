"""How long each lesson takes, and how much memory its kernel needs: ``python benchmarks/bench_notebooks.py``.

Every lesson runs top to bottom in a fresh kernel, as a learner's "Restart
Kernel and Run All Cells" would (its exercise cells, tagged
``raises-exception``, fail as shipped and are allowed to). While it runs, a
thread samples the resident memory (RSS) of the kernel process and of any
process it starts (such as a ``!python -m mnist_scratch`` step) every 20 ms.

For each lesson it reports:

* ``seconds``: the wall-clock time to run all cells (the kernel's start-up not included);
* ``cpu_seconds``: the CPU time the kernel and its child processes used meanwhile.
  On a busy shared machine the wall clock mostly measures the other users;
  CPU time is much steadier, and on a quiet machine roughly what the clock shows;
* ``peak_mb``: the highest RSS sampled, in MB (10^6 bytes): what a hub's
  per-user memory limit has to allow.

It prints a table, then one JSON line, and exits with 1 if any lesson takes
longer than its budget (40 s; 90 s for the convolutional network's lesson, see
``BUDGETS``; ``--max-seconds`` sets one budget for all; judged on wall-clock
seconds, or on CPU seconds with ``--judge cpu``) or peaks above ``--max-mb`` (700). The load
average is printed too, because it says how far to trust the seconds.

    python benchmarks/bench_notebooks.py                              # every lesson
    python benchmarks/bench_notebooks.py notebooks/04_*.ipynb --judge cpu
    python benchmarks/bench_notebooks.py --judge cpu                  # on a busy machine

A lesson's kernel computes on one BLAS thread from its setup cell on
(mnist_scratch/training/threads.py), and so its CPU seconds measure the lessons' own
work even on a busy machine. ``--threads N`` gives every kernel N threads
instead (``MNIST_SCRATCH_THREADS`` and the BLAS libraries' own variables).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

from mnist_scratch.training.threads import CHILD_VARIABLES, ENV_VAR

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Seconds a lesson may take: 40, except for a lesson that trains a convolutional network.
DEFAULT_BUDGET = 40.0
BUDGETS = {"10_convolutional_network": 90.0}


class MemorySampler(threading.Thread):
    """Samples the RSS of a process and its descendants until stopped; keeps the peak."""

    def __init__(self, process, every: float = 0.02):
        super().__init__(daemon=True)
        self.process, self.every = process, every
        self.peak = 0
        self._stop_event = threading.Event()

    def rss(self) -> int:
        import psutil

        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:   # a child that ended between listing and reading
                pass
        return total

    def run(self):
        while not self._stop_event.is_set():
            self.peak = max(self.peak, self.rss())
            self._stop_event.wait(self.every)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, self.rss())
        return self.peak


def _cpu_seconds(process) -> float:
    """CPU time of a process plus that of its finished children."""
    t = process.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def _kernel_pid(kernel_manager) -> int:
    provisioner = getattr(kernel_manager, "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    if pid is None:
        raise RuntimeError("cannot find the kernel's process id (nbclient's kernel manager changed?)")
    return pid


def run_lesson(path: Path) -> dict:
    """Run one notebook in a fresh kernel; return its seconds, CPU seconds and peak RSS."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        kernel = psutil.Process(_kernel_pid(client.km))
        sampler = MemorySampler(kernel)
        sampler.start()
        cpu_before, start = _cpu_seconds(kernel), time.perf_counter()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        finally:
            seconds = time.perf_counter() - start
            cpu = _cpu_seconds(kernel) - cpu_before
            peak = sampler.stop()
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "peak_mb": round(peak / 1e6)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to run (default: all in notebooks/)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="one time budget for every lesson (default: 40 s, 90 s for the CNN lesson)")
    parser.add_argument("--max-mb", type=float, default=700.0)
    parser.add_argument("--judge", choices=("wall", "cpu"), default="wall",
                        help="judge --max-seconds on wall-clock seconds (default) or on CPU seconds")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for the kernels (default: the lessons' own rule, one)")
    args = parser.parse_args(argv)
    if args.threads is not None:   # the kernels inherit this process's environment
        for name in (ENV_VAR, *CHILD_VARIABLES):
            os.environ[name] = str(args.threads)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

    load_before = os.getloadavg()
    print(f"{len(paths)} lessons; {os.cpu_count()} CPUs; BLAS threads: {args.threads or 'default'}; "
          f"load average {load_before[0]:.1f} (1 min), {load_before[1]:.1f} (5 min)", flush=True)
    print(f"{'lesson':40} {'seconds':>8} {'CPU s':>7} {'peak MB':>8}", flush=True)
    results, too_slow, too_big = {}, [], []
    for path in paths:
        r = results[path.stem] = run_lesson(path)
        budget = r["budget_seconds"] = args.max_seconds or BUDGETS.get(path.stem, DEFAULT_BUDGET)
        slow = (r["seconds"] if args.judge == "wall" else r["cpu_seconds"]) > budget
        big = r["peak_mb"] > args.max_mb
        flag = "  too slow" * slow + "  too much memory" * big
        print(f"{path.stem:40} {r['seconds']:8.1f} {r['cpu_seconds']:7.1f} {r['peak_mb']:8d}{flag}", flush=True)
        too_slow += [path.stem] * slow
        too_big += [path.stem] * big
    load_after = os.getloadavg()
    print(f"load average at the end: {load_after[0]:.1f} (1 min), {load_after[1]:.1f} (5 min)")
    ok = not too_slow and not too_big
    print(json.dumps({"lessons": results, "cpus": os.cpu_count(), "threads": args.threads,
                      "load_average": {"start": [round(x, 1) for x in load_before],
                                       "end": [round(x, 1) for x in load_after]},
                      "judge": args.judge, "max_mb": args.max_mb,
                      "too_slow": too_slow, "too_much_memory": too_big, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
