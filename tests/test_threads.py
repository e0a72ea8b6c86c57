"""BLAS threads are chosen on purpose: one for mini-batches, overridable by argument and environment."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

from mnist_scratch.network import Model
from mnist_scratch.threads import ENV_VAR, SMALL_BATCH, choose_threads
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
        with pytest.raises(ValueError, match=f"{ENV_VAR} must be a whole number of threads >= 1"):
            choose_threads(128)
    with pytest.raises(ValueError, match="threads must be a whole number of threads >= 1"):
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
