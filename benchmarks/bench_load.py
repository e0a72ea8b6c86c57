"""How long loading MNIST takes, and how much memory: the IDX files, and the 60,000-row CSV.

    python benchmarks/bench_load.py            # both; last line: one JSON object
    python benchmarks/bench_load.py --csv      # the CSV part only
    python benchmarks/bench_load.py --idx      # the IDX part only

IDX: ``load_mnist()`` of all 70,000 images from the data folder (hashes verified), median of 7.

CSV: the training set is written as ``mnist_train.csv`` (60,000 rows, 110 MB; never kept)
and gzipped, in a temporary folder. Then, in fresh processes, interleaved, ``--rounds``
times each: ``load_csv`` of the plain and the gzipped file, and ``pandas.read_csv`` of the
plain file alone, the way ``load_csv`` read it before it streamed. For each: the seconds,
and the peak resident memory (``VmHWM``, or ``ru_maxrss`` where there is no /proc) in all and
above what the process held after its imports.

Goals (exit status 1 names each one missed): ``load_csv``'s peak RSS <= 500 MB in all, and
its peak above the imports <= 2 x the 188 MB (179 MiB) float32 result.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnist_scratch.data import find_files, load_mnist, resolve_data_dir, save_csv

GOAL_PEAK_MB = 500
GOAL_OVER_RESULT = 2.0

# Run in a fresh process: print {"seconds", "base_mb", "peak_mb", "result_mb"} as JSON.
_CHILD = """
import json, resource, sys, time
import numpy, pandas
from mnist_scratch.data import load_csv
def rss_mb():  # this process's peak: VmHWM, since ru_maxrss keeps the parent's peak across fork and exec
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 1024 if sys.platform != "darwin" else kb / 2**20
base = rss_mb()
start = time.perf_counter()
if sys.argv[1] == "pandas":
    X = pandas.read_csv(sys.argv[2], header=None).to_numpy()
else:
    X, y = load_csv(sys.argv[2])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "base_mb": base, "peak_mb": rss_mb(), "result_mb": X.nbytes / 2**20}))
"""


def bench_idx() -> dict:
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
    return {"load_seconds_median": round(statistics.median(times), 4), "load_seconds_best": round(min(times), 4),
            "images": len(X_train) + len(X_test)}


def _measure(how: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, how, str(path)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_csv(rounds: int) -> tuple[dict, list]:
    data = load_mnist(scale="raw")
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as tmp:
        plain = Path(tmp) / "mnist_train.csv"
        start = time.perf_counter()
        save_csv(plain, data.X_train, data.y_train)
        print(f"save_csv: {plain.stat().st_size / 1e6:.0f} MB, 60,000 rows in {time.perf_counter() - start:.1f} s")
        gzipped = Path(tmp) / "mnist_train.csv.gz"
        with open(plain, "rb") as src, gzip.open(gzipped, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst)
        runs = {"load_csv": [], "load_csv_gz": [], "pandas_read_csv": []}
        for _ in range(rounds):  # interleaved, so that the machine's load falls on all alike
            runs["load_csv"].append(_measure("load_csv", plain))
            runs["load_csv_gz"].append(_measure("load_csv", gzipped))
            runs["pandas_read_csv"].append(_measure("pandas", plain))
    result = {}
    print(f"\n{'':28} {'seconds (median)':>17} {'peak RSS MB':>12} {'above imports':>14} {'result MB':>10}")
    for name, measured in runs.items():
        row = {key: round(statistics.median(m[key] for m in measured), 2) for key in measured[0]}
        row["over_result"] = round((row["peak_mb"] - row["base_mb"]) / row["result_mb"], 2)
        row["seconds_all"] = [round(m["seconds"], 2) for m in measured]
        result[name] = row
        print(f"{name:28} {row['seconds']:17.2f} {row['peak_mb']:12.0f} {row['peak_mb'] - row['base_mb']:14.0f} "
              f"{row['result_mb']:10.0f}")
    missed = []
    for name in ("load_csv", "load_csv_gz"):
        worst = max(m["peak_mb"] for m in runs[name])
        over = max((m["peak_mb"] - m["base_mb"]) / m["result_mb"] for m in runs[name])
        if worst > GOAL_PEAK_MB:
            missed.append(f"{name}: peak RSS {worst:.0f} MB > {GOAL_PEAK_MB} MB")
        if over > GOAL_OVER_RESULT:
            missed.append(f"{name}: peak above imports {over:.2f} x the result > {GOAL_OVER_RESULT:g} x")
    result["goals"] = {"peak_mb": GOAL_PEAK_MB, "over_result": GOAL_OVER_RESULT, "missed": missed}
    return result, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--csv", action="store_true", help="only the CSV part")
    only.add_argument("--idx", action="store_true", help="only the IDX part")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per way of loading the CSV")
    args = parser.parse_args()
    out, missed = {}, []
    if not args.csv:
        out.update(bench_idx())
    if not args.idx:
        out["csv"], missed = bench_csv(args.rounds)
        for goal in missed:
            print(f"goal missed: {goal}")
    print(json.dumps(out))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
