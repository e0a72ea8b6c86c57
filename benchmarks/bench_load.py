"""How long loading all 70,000 MNIST images takes (decompressed files, hashes verified).

    python benchmarks/bench_load.py            # last line: one JSON object
"""

from __future__ import annotations

import json
import statistics
import time

from mnist_scratch.data import find_files, load_mnist, resolve_data_dir


def main() -> None:
    folder = resolve_data_dir()
    load_mnist()  # make sure the files are there (and warm the page cache)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        X_train, y_train, X_test, y_test = load_mnist()
        times.append(time.perf_counter() - start)
    kinds = sorted({p.suffix or "raw" for p in find_files(folder).values()})
    print(f"load_mnist() from {folder} ({', '.join(kinds)} files, SHA-256 verified), "
          f"{len(X_train) + len(X_test):,} images")
    print(f"median {statistics.median(times):.3f} s, best {min(times):.3f} s over {len(times)} runs")
    print(json.dumps({"load_seconds_median": round(statistics.median(times), 4),
                      "load_seconds_best": round(min(times), 4), "images": len(X_train) + len(X_test)}))


if __name__ == "__main__":
    main()
