"""A class of kernels on one machine: K students run lessons at once, sharing one data folder.

For each K in 1, 2, 4, 8 it starts a loopback HTTP mirror of the official MNIST
archives and a new, empty shared data folder, then K processes that each run
the chosen lessons top to bottom in a fresh kernel, all at the same time, the
way a class on one JupyterHub server does. The data arrives through the
course-mirror variable, downloaded once into the shared folder while every
kernel waits for it.

    python -m benchmarks.bench_classroom                     # K = 1, 2, 4, 8; lessons 01 and 04
    python -m benchmarks.bench_classroom --k 1 2 --lessons 02

Run it from the repository's root: each student is ``python -m benchmarks.lesson_runner``.

It prints a table (K, runs that succeeded, peak memory per kernel, wall time,
lessons per minute, requests per file) and a JSON line, and exits 1 naming
every goal missed: every run succeeds; every kernel peaks at <= 700 MB; the
throughput at K = 4 and K = 8 is >= 0.9 x the throughput at K = 2.

The shared folder of ``$MNIST_SCRATCH_DATA_DIR`` (../shared/mnist in CI) holds
three official archives in ``gz/``; the fourth, ``train-images-idx3-ubyte.gz``,
is not there, so its decompressed file is placed in each class folder first
and the other three are downloaded through the mirror.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MEMORY_GOAL_MB = 700


class _Mirror(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, log, **kwargs):
        self.log = log
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.log.append(self.path.rsplit("/", 1)[-1])
        super().do_GET()

    def log_message(self, *args):
        pass


def _source_folder() -> Path:
    from mnist_scratch.data.locate import resolve_data_dir

    return resolve_data_dir()


def _start_mirror(folder: Path):
    log: list[str] = []
    handler = functools.partial(_Mirror, directory=str(folder), log=log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, log


def _student(lessons: list[str], env: dict) -> subprocess.Popen:
    """One student: a process that runs the lessons one after the other (benchmarks/lesson_runner.py)."""
    paths = [str(next(NOTEBOOKS.glob(f"{lesson}*.ipynb"))) for lesson in lessons]
    return subprocess.Popen([sys.executable, "-m", "benchmarks.lesson_runner", *paths], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def run_class(k: int, lessons: list[str], source: Path) -> dict:
    """K students at once; returns their results, the wall time and the mirror's request log."""
    with tempfile.TemporaryDirectory(prefix=f"class{k}-") as tmp:
        shared = Path(tmp) / "data"
        shared.mkdir()
        shutil.copy(source / "train-images-idx3-ubyte", shared)       # the archive the mirror lacks
        server, log = _start_mirror(source / "gz")
        env = {**os.environ, "MNIST_SCRATCH_DATA_DIR": str(shared), "MPLBACKEND": "Agg",
               "MNIST_SCRATCH_MIRRORS": f"http://127.0.0.1:{server.server_address[1]}/"}
        start = time.perf_counter()
        students = [_student(lessons, env) for _ in range(k)]
        results = []
        for process in students:
            out, _ = process.communicate()
            try:
                results.extend(json.loads(out.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                results.extend({"lesson": lesson, "ok": False, "seconds": 0, "peak_mb": 0,
                                "error": f"student process exited {process.returncode}"} for lesson in lessons)
        wall = time.perf_counter() - start
        server.shutdown()
        server.server_close()
    return {"k": k, "results": results, "wall_seconds": round(wall, 1),
            "lessons_per_minute": round(len(results) / wall * 60, 2),
            "succeeded": sum(r["ok"] for r in results), "runs": len(results),
            "peak_mb": max(r["peak_mb"] for r in results), "requests": dict(Counter(log))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", nargs="+", type=int, default=[1, 2, 4, 8], help="class sizes")
    parser.add_argument("--lessons", nargs="+", default=["01", "04"], help="lesson numbers each student runs")
    args = parser.parse_args(argv)
    source = _source_folder()
    if not (source / "gz").is_dir() or not (source / "train-images-idx3-ubyte").is_file():
        print(f"bench_classroom: {source} needs the decompressed files and a gz/ folder of official archives "
              f"(as ../shared/mnist has); point MNIST_SCRATCH_DATA_DIR at it", file=sys.stderr)
        return 2
    rows = []
    print(f"{'K':>3} {'succeeded':>10} {'peak MB/kernel':>15} {'wall s':>8} {'lessons/min':>12}  requests per file")
    for k in args.k:
        row = run_class(k, args.lessons, source)
        rows.append(row)
        print(f"{k:>3} {row['succeeded']:>4} of {row['runs']:<3} {row['peak_mb']:>15.0f} {row['wall_seconds']:>8.1f} "
              f"{row['lessons_per_minute']:>12.2f}  {row['requests']}", flush=True)
        for r in row["results"]:
            if not r["ok"]:
                print(f"      failed: {r['lesson']}: {r['error']}")

    by_k = {row["k"]: row for row in rows}
    missed = [f"K={row['k']}: {row['runs'] - row['succeeded']} runs failed" for row in rows if row["succeeded"] < row["runs"]]
    missed += [f"K={row['k']}: a kernel peaked at {row['peak_mb']:.0f} MB > {MEMORY_GOAL_MB} MB"
               for row in rows if row["peak_mb"] > MEMORY_GOAL_MB]
    missed += [f"K={row['k']}: a file was requested {n} times (once is the goal)"
               for row in rows for n in row["requests"].values() if n > 1]
    if 2 in by_k:
        for k in (4, 8):
            if k in by_k and by_k[k]["lessons_per_minute"] < 0.9 * by_k[2]["lessons_per_minute"]:
                missed.append(f"K={k}: {by_k[k]['lessons_per_minute']:.2f} lessons/min < 0.9 x K=2's "
                              f"{by_k[2]['lessons_per_minute']:.2f}")
    print(json.dumps({"lessons": args.lessons, "classes": [{k: v for k, v in row.items() if k != "results"}
                                                           for row in rows], "goals_missed": missed}))
    if missed:
        print("goals missed: " + "; ".join(missed), file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
