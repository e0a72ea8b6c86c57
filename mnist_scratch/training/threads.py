"""How many BLAS threads training uses: chosen on purpose, not left to chance.

NumPy hands every matrix product to a BLAS library (OpenBLAS here), which by
default starts one thread per core. For the small products of mini-batch
training (a 128 x 784 batch times a 784 x 128 weight matrix) a second thread
buys nothing, and as soon as anything else runs on the machine (a browser,
the test suite, another student's kernel on a shared hub) the threads fight
for the cores and wait for each other: an epoch can get 2-3 times slower.

So :func:`mnist_scratch.train.train` runs its steps with **one** BLAS thread
when a step multiplies at most :data:`SMALL_BATCH` rows, and leaves the
library's default for the large products of full-batch gradient descent,
where ``benchmarks/bench_threads.py`` measures what more threads gain.

Override the choice with ``train(..., threads=N)`` or, for a whole session,
the environment variable ``MNIST_SCRATCH_THREADS=N`` (a whole number >= 1).

**Lessons and widgets** follow the same reasoning for everything else they
compute (a forward pass over the dev set, a widget's prediction):
importing :mod:`mnist_scratch.lab`, which every lesson does in its setup cell,
calls :func:`limit_this_process`, so the kernel uses one BLAS thread from then
on, or ``$MNIST_SCRATCH_THREADS``. On a class's server every kernel is one of
many (``benchmarks/bench_classroom.py``); on a quiet laptop a lesson's large
products lose a little (``benchmarks/bench_threads.py`` measures how much),
and ``MNIST_SCRATCH_THREADS=2`` gives the second thread back.
"""

from __future__ import annotations

import contextlib
import os

from ..validation import Whole, check_value, whole_from_text

__all__ = ["ENV_VAR", "SMALL_BATCH", "choose_threads", "blas_threads", "limit_this_process"]

ENV_VAR = "MNIST_SCRATCH_THREADS"

#: The BLAS libraries' own variables, which :func:`limit_this_process` sets (where unset) for child processes.
CHILD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: What a thread count may be.
THREADS = Whole(1, 1024, note="BLAS threads")

#: Steps of at most this many rows run on one BLAS thread.
SMALL_BATCH = 2048


def choose_threads(batch_rows: int, threads=None) -> int | None:
    """The BLAS thread count for steps of ``batch_rows`` rows, or None for the library's default.

    ``threads`` (an argument) wins over ``$MNIST_SCRATCH_THREADS``, which wins
    over the rule: one thread for small batches, the default for large ones.
    """
    if threads is not None:
        return check_value("", "threads", threads, THREADS)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return whole_from_text("the environment variable", ENV_VAR, env, THREADS)
    return 1 if batch_rows <= SMALL_BATCH else None


@contextlib.contextmanager
def blas_threads(count: int | None):
    """Limit BLAS to ``count`` threads inside the ``with`` block (None: change nothing)."""
    if count is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=count, user_api="blas"):
        yield


def limit_this_process(threads=None) -> int:
    """Limit BLAS to one thread (or ``threads``, or ``$MNIST_SCRATCH_THREADS``) from now on; return the count.

    The lessons' and widgets' rule (see the module's docstring). Unlike
    :func:`blas_threads` it is not undone at the end of a block. Processes started
    from here on inherit the count through ``OPENBLAS_NUM_THREADS`` (and OpenMP's
    and MKL's variables), unless those are already set.
    """
    from threadpoolctl import threadpool_limits

    count = choose_threads(1, threads)
    threadpool_limits(limits=count, user_api="blas")
    for name in CHILD_VARIABLES:   # and what the process starts (a lesson's `!python -m mnist_scratch …`)
        os.environ.setdefault(name, str(count))
    return count
