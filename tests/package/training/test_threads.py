"""BLAS threads are chosen on purpose: one for mini-batches, overridable by argument and environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info

from mnist_scratch.model import Model
from mnist_scratch.training.threads import CHILD_VARIABLES, ENV_VAR, SMALL_BATCH, choose_threads
from mnist_scratch.train import train


def blas_threads_now() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_the_rule_and_its_overrides(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert choose_threads(128) == 1 and choose_threads(SMALL_BATCH) == 1
    assert choose_threads(59000) is None                 # full batch: the library's default
    monkeypatch.setenv(ENV_VAR, "3")
    assert choose_threads(128) == 3 and choose_threads(59000) == 3
    assert choose_threads(128, threads=2) == 2           # the argument wins over the environment


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5", ""])
def test_bad_thread_counts_are_clear_errors(monkeypatch, bad):
    if bad:
        monkeypatch.setenv(ENV_VAR, bad)
        with pytest.raises(ValueError, match=f"the environment variable: {ENV_VAR}=.* is not allowed: {ENV_VAR} must be "
                                             r"a whole number from 1 to 1,024 \(BLAS threads\)"):
            choose_threads(128)
    with pytest.raises(ValueError, match=r"threads=.* is not allowed: threads must be a whole number from 1 to 1,024"):
        choose_threads(128, threads=bad or 0)


def test_training_runs_on_the_chosen_thread_count(small, monkeypatch):
    if not blas_threads_now():
        pytest.skip("no BLAS library that threadpoolctl can see")
    monkeypatch.delenv(ENV_VAR, raising=False)
    X, y, _, _ = small
    before = blas_threads_now()
    seen = []
    train(Model([784, 16, 10]), X, y, epochs=2, batch_size=64, progress=False,
          callback=lambda h: seen.append(blas_threads_now()))
    assert seen == [[1] * len(before)] * 2               # one thread while training mini-batches
    assert blas_threads_now() == before                  # and the setting is restored afterwards
    seen.clear()
    train(Model([784, 16, 10]), X, y, epochs=1, batch_size=64, progress=False, threads=2,
          callback=lambda h: seen.append(blas_threads_now()))
    assert seen == [[2] * len(before)]


def _threads_after_importing_the_lab(**env) -> tuple:
    """BLAS thread counts before and after ``import mnist_scratch.lab`` in a fresh process, as a lesson's kernel
    is, and in a process it then starts; and the finished process."""
    code = ("import json, numpy; from threadpoolctl import threadpool_info as info\n"
            "now = lambda: [l['num_threads'] for l in info() if l['user_api'] == 'blas']\n"
            "before = now(); import mnist_scratch.lab, subprocess, sys\n"
            "child = subprocess.run([sys.executable, '-c', 'import json, numpy; from threadpoolctl import "
            "threadpool_info as i; print(json.dumps([l[\\'num_threads\\'] for l in i() if l[\\'user_api\\'] == "
            "\\'blas\\']))'], capture_output=True, text=True).stdout\n"
            "print(json.dumps([before, now(), json.loads(child)]))")
    clean = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, *CHILD_VARIABLES)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**clean, "MPLBACKEND": "Agg", **env})
    before, after, child = json.loads(done.stdout) if done.returncode == 0 else (None, None, None)
    return before, after, child, done


def test_a_lesson_kernel_uses_one_thread_unless_told_otherwise():
    before, after, child, done = _threads_after_importing_the_lab()
    assert done.returncode == 0, done.stderr
    if not before:
        pytest.skip("no BLAS library that threadpoolctl can see")
    assert after == [1] * len(before)                    # every lesson's setup cell imports the lab
    assert child == [1] * len(before)                    # and a `!python -m mnist_scratch …` it starts
    assert list(_threads_after_importing_the_lab(**{ENV_VAR: "2"})[1:3]) == [[2] * len(before)] * 2
    *_, done = _threads_after_importing_the_lab(**{ENV_VAR: "lots"})
    assert done.returncode != 0 and f"{ENV_VAR}='lots' is not allowed: {ENV_VAR} must be a whole number" in done.stderr
