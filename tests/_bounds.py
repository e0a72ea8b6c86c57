"""Helpers for the hostile-input tests: run a call and measure its time and peak memory."""

from __future__ import annotations

import time
import tracemalloc

MB = 1 << 20


def bounded(call, *, max_seconds: float = 5.0, max_mb: float = 64.0):
    """Run ``call()``; return ``(result_or_exception, seconds, peak_mb)`` and assert both bounds.

    Peak memory is what tracemalloc sees: every NumPy array and every Python object
    (the buffers gzip and zipfile inflate into included).
    """
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = call()
    except Exception as err:  # the caller checks which exceptions are allowed
        outcome = err
    finally:
        seconds = time.perf_counter() - start
        peak_mb = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    assert seconds < max_seconds, f"took {seconds:.1f} s"
    assert peak_mb < max_mb, f"peaked at {peak_mb:.0f} MB"
    return outcome, seconds, peak_mb
