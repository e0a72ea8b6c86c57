"""Where do more BLAS threads pay? One training step, by batch size and thread count, quiet and loaded.

Times forward + backward + an Adam step of 784-128-64-10 for batches of 128, 2,048
and 59,000 rows (full batch) with 1 and 2 BLAS threads, first on a quiet machine,
then with another process keeping one core busy. ``mnist_scratch.training.threads`` uses
one thread up to ``SMALL_BATCH`` rows and the library's default above it; this
benchmark is what that rule rests on.

    python benchmarks/bench_threads.py        # a table, then one JSON line
"""

from __future__ import annotations

import contextlib
import json
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bench_train import one_core_busy
from mnist_scratch.data import load_mnist
from mnist_scratch.training.flat_params import FlatGradient, pack
from mnist_scratch.model import Model
from mnist_scratch.network import backward, forward
from mnist_scratch.optim import Adam
from mnist_scratch.training.threads import SMALL_BATCH

BATCHES = (128, SMALL_BATCH, 59000)


def seconds_per_step(X, y, rows: int, threads: int, repeats: int) -> float:
    model = Model([784, 128, 64, 10], seed=0)
    theta = pack(model.params)
    grad, opt = FlatGradient(model.params, theta), Adam()
    Xb, yb = X[:rows], y[:rows]
    times = []
    with threadpool_limits(limits=threads, user_api="blas"):
        for _ in range(repeats + 1):
            start = time.perf_counter()
            cache = forward(model.params, Xb)
            opt.step(theta, grad.fill(backward(model.params, cache, yb)), 1e-3)
            times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def main() -> int:
    X, y, _, _ = load_mnist()
    results = {}
    for load in ("quiet", "one core busy"):
        with one_core_busy() if load != "quiet" else contextlib.nullcontext():
            for rows in BATCHES:
                repeats = 5 if rows > SMALL_BATCH else 200 if rows <= 128 else 40
                for threads in (1, 2):
                    results[(load, rows, threads)] = seconds_per_step(X, y, rows, threads, repeats)
    print(f"{'machine':14} {'rows':>6} {'1 thread ms':>12} {'2 threads ms':>13} {'2 / 1':>6}")
    table = []
    for load in ("quiet", "one core busy"):
        for rows in BATCHES:
            one, two = results[(load, rows, 1)], results[(load, rows, 2)]
            table.append({"machine": load, "rows": rows, "one_thread_ms": round(one * 1e3, 3),
                          "two_threads_ms": round(two * 1e3, 3), "ratio": round(two / one, 3)})
            print(f"{load:14} {rows:>6} {one * 1e3:>12.2f} {two * 1e3:>13.2f} {two / one:>6.2f}")
    print(json.dumps(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
