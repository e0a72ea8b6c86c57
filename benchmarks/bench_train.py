"""Training speed and memory of mnist_scratch, against PyTorch on the same machine.

Trains 784-128-64-10 with the best recipe's optimiser, batch size and schedule.
When torch is importable it trains the same MLP (same optimiser, batch size,
schedule, float32) on the CPU in the same run and reports the per-epoch ratio.

    python benchmarks/bench_train.py          # last line: one JSON object

The JSON holds epoch_seconds, torch_epoch_seconds (null without torch), ratio,
test_accuracy, peak_rss_mb and more.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time

import numpy as np

from mnist_scratch.data import load_mnist
from mnist_scratch.recipes import BEST, run_recipe


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def matmul_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    A = np.random.default_rng(0).random((n, n), dtype=np.float32)
    B = np.random.default_rng(1).random((n, n), dtype=np.float32)
    A @ B
    best = min(_timed(lambda: A @ B) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def flops_per_epoch(sizes, n: int) -> float:
    """Multiply-adds x 2 of one epoch: forward, weight gradients, and input gradients except layer 1's."""
    products = [i * o for i, o in zip(sizes[:-1], sizes[1:])]
    return 2 * n * (2 * sum(products) + sum(products[1:]))


def torch_epoch_seconds(data, sizes, settings, epochs: int, seed: int = 0):
    try:
        import torch
    except ImportError:
        return None, None
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    X, y, X_test, y_test = (torch.from_numpy(np.ascontiguousarray(a)) for a in data)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=settings["lr"])
    B = settings["batch_size"]
    steps = math.ceil(len(X) / B)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / (steps * epochs), 1.0))))
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(X))
        for first in range(0, len(X), B):
            rows = order[first:first + B]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X[rows]), y[rows])
            loss.backward()
            opt.step()
            schedule.step()
        times.append(time.perf_counter() - start)
    with torch.no_grad():
        accuracy = float((net(X_test).argmax(1) == y_test).float().mean())
    return float(np.median(times)), accuracy


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=BEST.train["epochs"])
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)

    data = load_mnist()
    sizes = list(BEST.sizes)
    n = len(data.X_train)

    # 1. mnist_scratch, the best recipe
    model, history, result = run_recipe(BEST, data=data, epochs=args.epochs, progress=False)
    per_epoch = np.diff([0.0] + history["seconds"])
    epoch_seconds = float(np.median(per_epoch))
    rss = peak_rss_mb()  # before torch is imported: torch alone takes hundreds of MB

    # 2. the default command line run on the classic 784-10-10
    _, _, small = run_recipe(BEST, data=data, sizes=[784, 10, 10], progress=False)

    # 3. hardware: what a large float32 matmul reaches here
    peak = matmul_peak_gflops()
    achieved = flops_per_epoch(sizes, n) / epoch_seconds / 1e9

    # 4. PyTorch, same MLP, optimiser, batch size and schedule
    torch_seconds, torch_accuracy = (None, None) if args.no_torch else torch_epoch_seconds(
        data, sizes, BEST.train, args.epochs)

    ratio = None if torch_seconds is None else epoch_seconds / torch_seconds
    print(f"784-128-64-10, {BEST.describe()}")
    print(f"  mnist_scratch: {epoch_seconds:.3f} s/epoch, {result['train_seconds']:.2f} s in all, "
          f"test accuracy {result['test_accuracy']:.2%}")
    if torch_seconds is not None:
        print(f"  PyTorch (CPU): {torch_seconds:.3f} s/epoch, test accuracy {torch_accuracy:.2%}")
        print(f"  ratio mnist_scratch / PyTorch: {ratio:.2f}")
    else:
        print("  PyTorch: not installed (pip install torch to compare)")
    print(f"  {achieved:.1f} GFLOP/s achieved; float32 matmul peak measured here {peak:.1f} GFLOP/s "
          f"({achieved / peak:.0%})")
    print(f"  peak memory (RSS) {rss:.0f} MB")
    print(f"784-10-10 with the defaults: {small['train_seconds']:.2f} s, test accuracy {small['test_accuracy']:.2%}")
    print(json.dumps({
        "epoch_seconds": round(epoch_seconds, 4),
        "torch_epoch_seconds": None if torch_seconds is None else round(torch_seconds, 4),
        "ratio": None if ratio is None else round(ratio, 3),
        "test_accuracy": result["test_accuracy"],
        "train_seconds": result["train_seconds"],
        "epochs": args.epochs,
        "peak_rss_mb": round(rss, 1),
        "gflops": round(achieved, 2),
        "matmul_peak_gflops": round(peak, 2),
        "torch_test_accuracy": torch_accuracy,
        "small_784_10_10": {"test_accuracy": small["test_accuracy"], "train_seconds": small["train_seconds"]},
    }))


if __name__ == "__main__":
    main()
