"""The convolutional network's training speed against PyTorch's, on the same CPU, in one process.

    python benchmarks/bench_cnn.py                 # about 3 minutes on a quiet 2-core machine
    python benchmarks/bench_cnn.py --rounds 5      # more rounds, for a noisy machine
    python benchmarks/bench_cnn.py --profile       # where one epoch's time goes, function by function (cProfile)

The network is the ``cnn`` recipe's (conv 5x5x16, relu, max-pool 2; conv 5x5x32, relu,
max-pool 2; dense 128, relu; dense 10), trained on the 60,000 MNIST training images in
mini-batches of 64 with Adam at the recipe's learning rate, on **one thread**: ours on one
BLAS thread, PyTorch's ``Conv2d``/``MaxPool2d``/``Linear`` network with
``torch.set_num_threads(1)``. A round times one epoch of each, interleaved in tenths (a tenth
of ours, a tenth of PyTorch's, and so on), so that both see the same load even on a shared
machine whose load comes and goes; ours trains through the package's training loop
(``ms.train``), called once per tenth (the loop's set-up, counted ten times, is included).
The ratio is the median round's ``ours / PyTorch``. Each round also prints the CPU seconds of
each, which a busy machine inflates less than the clock (the waiting for a core is not counted).

It also reports

* a one-thread float32 matrix-product peak (2048 x 2048 by 2048 x 2048), measured in the same run,
  and the GFLOP/s our epoch reaches: the network's matrix products are 6.24 MFLOP per image
  (forward, weight gradients, and input gradients except the first convolution's);
* one epoch of the network written with the public layer functions that lesson 10 shows
  (``conv_forward``, ``maxpool_forward``, ``relu``, ``flatten_forward``, and their backward
  functions, with :class:`mnist_scratch.optim.Adam`): the speed a learner's own network gets;
* one epoch of ours with the ``cnn`` recipe's thread setting, quiet and with another process
  keeping one core busy, interleaved in tenths too (the shared-machine rule: at most 1.2 x the
  quiet epoch). This part needs POSIX signals (Linux, macOS).

Without torch, PyTorch's half is skipped with a printed reason. The last line is one JSON
object; the exit status is 1 if a goal is missed (ours <= 1.0 x PyTorch's epoch; under load
<= 1.2 x quiet). Note the load average (printed): on a busy shared machine only the ratios
measured in one run mean anything.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import os
import pstats
import signal
import subprocess
import sys
import time

import numpy as np

from mnist_scratch.activations import relu, relu_prime, softmax
from mnist_scratch.cnn import CNN
from mnist_scratch.conv import (conv_backward, conv_forward, flatten_backward, flatten_forward,
                                maxpool_backward, maxpool_forward)
from mnist_scratch.data import load_mnist
from mnist_scratch.optim import Adam
from mnist_scratch.recipes import get_recipe
from mnist_scratch.training.flat_params import FlatGradient, pack
from mnist_scratch.training.threads import blas_threads
from mnist_scratch.train import train

RECIPE = get_recipe("cnn")
BATCH = 64


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def flops_per_image(model: CNN) -> int:
    """Multiply-adds x 2 of one image's training step: every matrix product, none of the element-wise work."""
    C, H, W = model.image_shape
    k, total = model.kernel, 0
    for layer, F in enumerate(model.channels):
        Ho, Wo = (H - k + 1, W - k + 1) if model.padding == "valid" else (H, W)
        product = 2 * Ho * Wo * F * C * k * k
        total += product * (2 if layer == 0 else 3)     # forward, dW, and dX except for the first layer
        C, H, W = F, Ho // 2, Wo // 2
    sizes = [C * H * W, model.hidden, model.classes]
    return total + sum(3 * 2 * i * o for i, o in zip(sizes[:-1], sizes[1:]))


def matmul_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """The best of ``repeats`` float32 ``n x n`` products, on one BLAS thread."""
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    with blas_threads(1):
        A @ B
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            A @ B
            best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


# --------------------------------------------------------------------------- ours
def our_training(X, y, model, epochs: float, seed: int, threads=1) -> float:
    """Seconds that the package's training loop takes for ``epochs`` of the recipe's settings, batch 64."""
    history = train(model, X, y, epochs=epochs, batch_size=BATCH, optimizer="adam", lr=RECIPE.train["lr"],
                    seed=seed, threads=threads, progress=False)
    return history.train_seconds


def our_epoch(X, y, seed: int, threads=1) -> float:
    """Seconds of one training epoch of the recipe's network, through the package's training loop."""
    return our_training(X, y, CNN(**RECIPE.cnn, seed=seed), 1, seed, threads)


def public_functions_epoch(X, y, seed: int) -> float:
    """One epoch of the same network written with lesson 10's public layer functions, on one thread."""
    P = CNN(**RECIPE.cnn, seed=seed).params
    theta = pack(P)
    grad, adam = FlatGradient(P, theta), Adam()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with blas_threads(1):
        order = rng.permutation(len(X))
        for first in range(0, len(X), BATCH):
            rows = order[first:first + BATCH]
            Xb, yb = X[rows], y[rows]
            Z1, conv1 = conv_forward(Xb, P["W1"], P["b1"])
            A1, pool1 = maxpool_forward(relu(Z1))
            Z2, conv2 = conv_forward(A1, P["W2"], P["b2"])
            A2, pool2 = maxpool_forward(relu(Z2))
            F, shape = flatten_forward(A2)
            Z3 = F @ P["W3"] + P["b3"]
            A3 = relu(Z3)
            dZ4 = softmax(A3 @ P["W4"] + P["b4"])
            dZ4[np.arange(len(yb)), yb] -= 1
            dZ4 /= len(yb)
            g = {"W4": A3.T @ dZ4, "b4": dZ4.sum(axis=0)}
            dZ3 = (dZ4 @ P["W4"].T) * relu_prime(Z3)
            g["W3"], g["b3"] = F.T @ dZ3, dZ3.sum(axis=0)
            dZ2 = maxpool_backward(flatten_backward(dZ3 @ P["W3"].T, shape), pool2) * relu_prime(Z2)
            dA1, g["W2"], g["b2"] = conv_backward(dZ2, conv2)
            dZ1 = maxpool_backward(dA1, pool1) * relu_prime(Z1)
            _, g["W1"], g["b1"] = conv_backward(dZ1, conv1, need_dX=False)
            adam.step(theta, grad.fill(g), RECIPE.train["lr"])
    return time.perf_counter() - start


# --------------------------------------------------------------------------- PyTorch
def torch_or_reason():
    """``(torch, None)``, or ``(None, why PyTorch's half is skipped)``."""
    try:
        import torch
    except ImportError as error:
        return None, f"PyTorch is not installed ({error}); pip install -e \".[frameworks]\" to compare"
    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):      # allowed only before PyTorch's first parallel work
        torch.set_num_interop_threads(1)
    return torch, None


class TorchTraining:
    """The same network in PyTorch (CPU, float32, Adam, batch 64), trained a part of an epoch at a time."""

    def __init__(self, torch, X, y, seed: int):
        torch.manual_seed(seed)
        nn = torch.nn
        channels, k, hidden = RECIPE.cnn["channels"], RECIPE.cnn["kernel"], RECIPE.cnn["hidden"]
        self.net = nn.Sequential(nn.Conv2d(1, channels[0], k), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(channels[0], channels[1], k), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(channels[1] * 4 * 4, hidden), nn.ReLU(), nn.Linear(hidden, 10))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=RECIPE.train["lr"])
        self.loss_fn = nn.CrossEntropyLoss()
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        self.order = torch.randperm(len(self.X))

    def train(self, first: int, last: int) -> float:
        """Seconds to train on the shuffled images ``first:last``, in batches of 64."""
        start = time.perf_counter()
        for i in range(first, last, BATCH):
            rows = self.order[i:min(i + BATCH, last)]
            self.optimizer.zero_grad(set_to_none=True)
            self.loss_fn(self.net(self.X[rows]), self.y[rows]).backward()
            self.optimizer.step()
        return time.perf_counter() - start


def interleaved_round(X, y, torch, seed: int, parts: int = 10):
    """One epoch of ours and one of PyTorch's (None without torch), interleaved in ``parts`` parts."""
    model = CNN(**RECIPE.cnn, seed=seed)
    theirs = None if torch is None else TorchTraining(torch, X, y, seed)
    seconds = {"ours": 0.0, "torch": 0.0, "ours_cpu": 0.0, "torch_cpu": 0.0}
    bounds = np.linspace(0, len(X), parts + 1).astype(int) // BATCH * BATCH
    bounds[-1] = len(X)
    for part, (first, last) in enumerate(zip(bounds[:-1], bounds[1:])):
        cpu = time.process_time()
        seconds["ours"] += our_training(X[first:last], y[first:last], model, 1, seed + part)
        seconds["ours_cpu"] += time.process_time() - cpu
        if theirs is not None:
            cpu = time.process_time()
            seconds["torch"] += theirs.train(first, last)
            seconds["torch_cpu"] += time.process_time() - cpu
    return seconds


# --------------------------------------------------------------------------- load, profile
def quiet_and_loaded(X, y, threads, parts: int = 10):
    """One epoch of ours as it is and one with another process spinning on one core, interleaved in parts.

    The spinner starts once and is paused (SIGSTOP) during the quiet parts, so that both
    epochs see the same background load from everything else on the machine. It runs in a
    session of its own, as another user's process would: Linux's scheduler shares the CPU
    between sessions first (autogroups), so a spinner in this session would take half of
    this session's share on a busy machine, whatever the number of cores.
    """
    model = CNN(**RECIPE.cnn, seed=0)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
    quiet = loaded = 0.0
    try:
        time.sleep(0.5)
        bounds = np.linspace(0, len(X), parts + 1).astype(int)
        for part, (first, last) in enumerate(zip(bounds[:-1], bounds[1:])):
            os.kill(spinner.pid, signal.SIGSTOP)
            quiet += our_training(X[first:last], y[first:last], model, 1, part, threads)
            os.kill(spinner.pid, signal.SIGCONT)
            time.sleep(0.05)
            loaded += our_training(X[first:last], y[first:last], model, 1, part, threads)
    finally:
        spinner.kill()
        spinner.wait()
    return quiet, loaded


def profile_epoch(X, y, top: int) -> None:
    """cProfile one epoch of ours; print the functions by their own time, in seconds per epoch."""
    profiler = cProfile.Profile()
    profiler.enable()
    seconds = our_epoch(X, y, seed=0)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = sorted(((tottime, cumtime, calls, func)
                   for func, (_, calls, tottime, cumtime, _) in stats.stats.items()), reverse=True)[:top]
    print(f"one epoch under cProfile: {seconds:.2f} s (load {load_average()}); seconds per function, "
          f"its own time and with what it calls:")
    for tottime, cumtime, calls, (file, line, name) in rows:
        where = f"{os.path.basename(file)}:{line}({name})" if line else name
        print(f"  {tottime:7.2f} s {cumtime:7.2f} s  {calls:7d} calls  {where}")


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (our epoch, PyTorch's epoch); default 3")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch's half")
    parser.add_argument("--profile", action="store_true", help="only profile one epoch of ours, per function")
    parser.add_argument("--top", type=int, default=25, help="functions the profile lists")
    parser.add_argument("--images", type=int, default=60_000,
                        help="images per 'epoch' (default all 60,000; fewer for a quick look)")
    args = parser.parse_args(argv)
    if not 640 <= args.images <= 60_000 or args.rounds < 1:
        parser.error(f"--images must be 640..60000 and --rounds >= 1, not {args.images} and {args.rounds}")

    data = load_mnist()
    X = np.ascontiguousarray(data.X_train[:args.images].reshape(-1, 1, 28, 28), dtype=np.float32)
    y = np.asarray(data.y_train[:args.images])
    if args.profile:
        profile_epoch(X, y, args.top)
        return 0
    model = CNN(**RECIPE.cnn)
    flops = flops_per_image(model) * len(X)
    print(f"{'-'.join(map(str, model.layers))}, batch {BATCH}, Adam lr {RECIPE.train['lr']:g}, "
          f"{len(X):,} images per epoch; load average at the start {load_average()}")
    peak = matmul_peak_gflops()
    print(f"float32 matrix-product peak, one thread: {peak:.1f} GFLOP/s")

    torch, reason = (None, "--no-torch") if args.no_torch else torch_or_reason()
    ours, theirs, cpu_ours, cpu_theirs = [], [], [], []
    for r in range(args.rounds):
        seconds = interleaved_round(X, y, torch, seed=r)
        ours.append(seconds["ours"])
        cpu_ours.append(seconds["ours_cpu"])
        line = f"round {r + 1}: ours {ours[-1]:6.2f} s"
        if torch is not None:
            theirs.append(seconds["torch"])
            cpu_theirs.append(seconds["torch_cpu"])
            line += (f", PyTorch ({torch.get_num_threads()} thread) {theirs[-1]:6.2f} s, "
                     f"ratio {ours[-1] / theirs[-1]:.2f} (CPU seconds {cpu_ours[-1]:.2f} and "
                     f"{cpu_theirs[-1]:.2f}: {cpu_ours[-1] / cpu_theirs[-1]:.2f})")
        print(line + f"   (load {load_average()})", flush=True)
    public = public_functions_epoch(X, y, seed=0)
    print(f"lesson 10's public functions (conv_forward, maxpool_forward, ...): {public:.2f} s per epoch", flush=True)
    recipe_threads = RECIPE.train.get("threads", 1)
    quiet, loaded = quiet_and_loaded(X, y, recipe_threads)
    print(f"the recipe's threads ({recipe_threads}), interleaved: {quiet:.2f} s per epoch as the machine is, "
          f"{loaded:.2f} s with one more core busy ({loaded / quiet:.2f} x)   (load {load_average()})")

    epoch = float(np.median(ours))
    figures = {
        "epoch_seconds": [round(s, 3) for s in ours],
        "torch_epoch_seconds": [round(s, 3) for s in theirs] or None,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "ratios": [round(a / b, 3) for a, b in zip(ours, theirs)] or None,
        "ratio": round(float(np.median([a / b for a, b in zip(ours, theirs)])), 3) if theirs else None,
        "cpu_ratios": [round(a / b, 3) for a, b in zip(cpu_ours, cpu_theirs)] or None,
        "gflops": round(flops / epoch / 1e9, 1),
        "matmul_peak_gflops": round(peak, 1),
        "flops_per_image": flops_per_image(model),
        "public_functions_epoch_seconds": round(public, 3),
        "recipe_threads": recipe_threads,
        "recipe_threads_quiet_seconds": round(quiet, 3),
        "recipe_threads_loaded_seconds": round(loaded, 3),
        "loaded_over_quiet": round(loaded / quiet, 3),
        "load_average": load_average(),
    }
    print(f"ours: {epoch:.2f} s per epoch (median of {len(ours)}), {figures['gflops']:.1f} GFLOP/s "
          f"= {figures['gflops'] / peak:.0%} of the one-thread peak")
    checks = {"loaded_vs_quiet": (figures["loaded_over_quiet"] <= 1.2, f"with one core busy our epoch is "
                                  f"{figures['loaded_over_quiet']:.2f} x the quiet one (<= 1.2)")}
    if theirs:
        print(f"PyTorch: {np.median(theirs):.2f} s per epoch on {torch.get_num_threads()} thread; "
              f"ours / PyTorch = {figures['ratio']:.2f} (median of the rounds)")
        checks["vs_torch"] = (figures["ratio"] <= 1.0, f"ours / PyTorch = {figures['ratio']:.2f} (<= 1.0)")
    else:
        print(f"PyTorch: skipped: {reason}")
    for holds, text in checks.values():
        print(f"  {'ok  ' if holds else 'MISS'} {text}")
    figures["goals"] = {name: holds for name, (holds, _) in checks.items()}
    print(json.dumps(figures))
    return 0 if all(holds for holds, _ in checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
