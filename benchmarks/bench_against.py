"""Is this checkout's training loop as fast as an earlier commit's? Both timed in one process, interleaved.

    python benchmarks/bench_against.py REV [--runs 5] [--cnn-fraction 0.25]

The package as it was at ``REV`` (any git revision: ``HEAD~3``, a tag, a
commit) is exported with ``git archive`` into a temporary folder and imported
under another name beside this checkout's ``mnist_scratch`` (the package
imports itself relatively, so the copy is self-contained). Then, ``--runs``
times in turn, the same two trainings run with each version:

* the MLP: one epoch of the ``best`` recipe (784-128-64-10, Adam, batches of 128,
  the cosine schedule) on the 60,000 training images;
* the CNN: a fraction of an epoch (``--cnn-fraction``) of the ``cnn`` recipe's network
  (Adam, batches of 64), with each version's own loop (``train``, or ``train_cnn`` where
  the older version has it).

It prints every time, each version's median, and the ratio of the medians
(this checkout / ``REV``): a ratio of 1.05 is 5% slower. Same seeds, same data,
one BLAS thread, so each pair of runs also computes the same numbers, which
the script checks.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import mnist_scratch as current

REPO = Path(__file__).resolve().parents[1]


def import_revision(rev: str, folder: Path):
    """``mnist_scratch`` as it was at ``rev``, imported as ``mnist_scratch_at_rev``."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev, "mnist_scratch"], cwd=REPO,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "mnist_scratch_at_rev"
    (folder / "mnist_scratch").rename(package)
    spec = importlib.util.spec_from_file_location(package.name, package / "__init__.py",      # no sys.path edit:
                                                  submodule_search_locations=[str(package)])   # the folder is the package
    module = importlib.util.module_from_spec(spec)
    sys.modules[package.name] = module
    spec.loader.exec_module(module)
    return module


def mlp_epoch(ms, data) -> tuple[float, float]:
    X, y = data
    model = ms.Model([784, 128, 64, 10], seed=0)
    start = time.perf_counter()
    history = ms.train(model, X, y, epochs=1, batch_size=128, optimizer="adam", lr=2e-3, schedule="cosine",
                       seed=0, progress=False)
    return time.perf_counter() - start, history.last["cost"]


def cnn_part(ms, data, fraction: float) -> tuple[float, float]:
    X, y = data
    model = ms.CNN(seed=0)
    loop = ms.train if hasattr(ms, "Network") else ms.train_cnn      # before 0.2.0, the CNN had a loop of its own
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        history = loop(model, X, y, epochs=fraction, batch_size=64, optimizer="adam", lr=2e-3, schedule="cosine",
                       seed=0, progress=False)
    return time.perf_counter() - start, history.last["cost"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the git revision to compare with")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cnn-fraction", type=float, default=0.25)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, "blas")
    with tempfile.TemporaryDirectory() as folder:
        before = import_revision(args.rev, Path(folder))
        X, y, _, _ = current.load_mnist()
        data = (X, y)
        times = {(job, who): [] for job in ("mlp", "cnn") for who in ("this checkout", args.rev)}
        for run in range(args.runs):
            for job in ("mlp", "cnn"):
                costs = {}
                for who, ms in (("this checkout", current), (args.rev, before)) if run % 2 == 0 else \
                        ((args.rev, before), ("this checkout", current)):
                    seconds, cost = (mlp_epoch(ms, data) if job == "mlp" else cnn_part(ms, data, args.cnn_fraction))
                    times[job, who].append(seconds)
                    costs[who] = cost
                same = np.isclose(*costs.values(), rtol=0, atol=0)
                print(f"run {run + 1} {job}: " + ", ".join(f"{w} {times[job, w][-1]:.3f} s" for w in costs)
                      + ("" if same else f"  (costs differ: {costs})"), flush=True)
    print(f"\nmedians of {args.runs} interleaved runs, one BLAS thread:")
    for job, what in (("mlp", "MLP, one epoch of the best recipe"),
                      ("cnn", f"CNN, {args.cnn_fraction:g} of an epoch of the cnn recipe")):
        now, then = (statistics.median(times[job, w]) for w in ("this checkout", args.rev))
        print(f"  {what}: this checkout {now:.3f} s, {args.rev} {then:.3f} s, ratio {now / then:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
