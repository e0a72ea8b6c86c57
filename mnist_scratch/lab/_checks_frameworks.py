"""Self-checks for lesson 11 (the same network in PyTorch and Keras). None of them needs PyTorch.

* ``to_torch_layout``: our parameters ``{"W1", "b1", …}`` in the layout of a PyTorch
  ``nn.Sequential(Linear, ReLU, Linear, ReLU, …, Linear)``'s ``state_dict``.
* ``train_step``: one PyTorch training step, checked against stand-ins for the model, the
  loss and the optimizer that keep PyTorch's one rule worth learning here: ``backward()``
  *adds* to each parameter's ``.grad``, and only ``zero_grad()`` empties it. The batch
  ``xb``, ``yb`` is made of real tensors where PyTorch is installed and of faithful stand-ins
  elsewhere (:mod:`._torch_standin`), so ``xb.float()``, ``yb.long()`` and ``.to("cpu")`` run; the
  loss, like PyTorch's, refuses ``backward()`` once it is detached (``.detach()``, ``.data``).
"""

from __future__ import annotations

import sys

import numpy as np

from ..network import init_params
from ._checking import Wrong, call, checker, exception_hint, rng as _rng
from ._torch_standin import tensor, values
from .frameworks import to_torch_layout as _layout

__all__ = ["to_torch_layout", "train_step"]


# --------------------------------------------------------------------------- exercise 2 (to_torch_layout)
def _keys_hint(got_keys: list, want_keys: list) -> str:
    text = f"expected the keys {want_keys}, got {got_keys}. "
    consecutive = [f"{l}.{p}" for l in range(len(want_keys) // 2) for p in ("weight", "bias")]
    from_one = [f"{2 * l + 1}.{p}" for l in range(len(want_keys) // 2) for p in ("weight", "bias")]
    if sorted(got_keys) == sorted(consecutive):
        return text + ("The ReLUs count too: in nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) they are "
                       "modules 1 and 3, so the Linear layers are 0, 2, 4: layer l is module 2 * (l - 1).")
    if sorted(got_keys) == sorted(from_one):
        return text + ("nn.Sequential numbers its modules from 0, like a Python list: the first Linear is "
                       "module 0, so layer l is module 2 * (l - 1), not 2 * l - 1.")
    return text + ("A Linear module's parameters are called 'weight' and 'bias', after its number in the "
                   "Sequential: '0.weight', '0.bias', '2.weight', ….")


@checker
def to_torch_layout(fn):
    """``fn(params) -> dict``: ``{"0.weight": W1.T, "0.bias": b1, "2.weight": W2.T, …}`` as NumPy arrays."""
    for sizes in ([7, 5, 4, 3], [6, 3, 2], [5, 6, 4, 3, 2]):   # non-square everywhere; 3, 2 and 4 layers
        params = init_params(sizes, seed=len(sizes), dtype=np.float64)
        for key in params:
            if key.startswith("b"):
                params[key] = _rng(len(key)).normal(size=params[key].shape)
        arch = "-".join(map(str, sizes))
        try:
            got = call(fn, params, numeric=False)
        except Wrong as wrong:
            if str(wrong).endswith(("KeyError: 'W0'.", "KeyError: 'b0'.")):
                raise Wrong(f"{wrong} Our layers are numbered from 1: W1, b1, W2, …; layer l goes under "
                            "module number 2 * (l - 1).") from None
            if sizes == [7, 5, 4, 3] and str(wrong).endswith(("KeyError: 'W4'.", "KeyError: 'b4'.")):
                raise Wrong(f"{wrong} params holds a W and a b for each layer, so a network has "
                            "len(params) // 2 layers, not len(params): loop over l = 1 … len(params) // 2.") from None
            if str(wrong).startswith("it changed its input array in place"):
                raise Wrong("it changed params in place (our own model's parameters!); leave them alone and put "
                            "the transposes, W.T, only into the new dictionary.") from None
            if sizes != [7, 5, 4, 3] and "KeyError" in str(wrong):
                raise Wrong(f"it worked for a network of 3 layers, but for a {arch} network ({len(sizes) - 1} "
                            f"layers) {wrong} Loop over the layers, l = 1 … len(params) // 2, rather than "
                            "writing out three.") from None
            raise
        if got is None:
            raise Wrong("it returned None: did you forget the `return`?")
        if not isinstance(got, dict):
            raise Wrong(f"it returned a {type(got).__name__}; return a dict from names such as '0.weight' "
                        "to arrays, as model.state_dict() is.")
        want = _layout(params)
        if set(got) != set(want):
            raise Wrong(f"for a {arch} network, " + _keys_hint(list(got), list(want)))
        for key, expected in want.items():
            try:
                value = np.asarray(got[key], dtype=float)
            except Exception:
                raise Wrong(f"{key!r} holds a {type(got[key]).__name__}, not an array of numbers.") from None
            if value.shape == expected.shape and np.allclose(value, expected):
                continue
            l = int(key.split(".")[0]) // 2 + 1
            if key.endswith("weight"):
                if value.shape == expected.T.shape and np.allclose(value, expected.T):
                    raise Wrong(f"{key!r} has shape {value.shape}, our W{l}'s (in, out). nn.Linear keeps its "
                                f"weight the other way round, (out, in) = {expected.shape}, and computes "
                                f"x @ weight.T: store W{l}.T.")
                if value.shape == expected.shape and np.allclose(value, expected.T.reshape(expected.shape)):
                    raise Wrong(f"{key!r} has the right shape {expected.shape} but its numbers in the wrong places: "
                                f"W{l} was reshaped, which keeps the numbers in their row-by-row order, instead "
                                f"of transposed, which turns rows into columns. Store W{l}.T.")
                raise Wrong(f"{key!r} should be W{l}.T, shape {expected.shape}; got shape {value.shape} "
                            "with other numbers. Check which layer's W goes under which number.")
            if value.shape != expected.shape:
                raise Wrong(f"{key!r} should be b{l} as it is, shape {expected.shape} (one number per output); "
                            f"got shape {value.shape}. Don't reshape or transpose the biases.")
            raise Wrong(f"{key!r} should be b{l}; got other numbers. Check which layer's b goes under which number.")
    return "weights transposed to (out, in), Linear layers at 0, 2, 4, …, for any depth. Well done!"


# --------------------------------------------------------------------------- exercise 1 (train_step)
class _Logits:
    """What the stand-in model returns: remembers its batch and whether softmax was applied."""

    def __init__(self, batch: int):
        self.batch, self.squashed = batch, False

    def _squash(self, *args, **kwargs):
        out = _Logits(self.batch)
        out.squashed = True
        return out

    softmax = log_softmax = sigmoid = _squash


class _Loss:
    def __init__(self, world, batch: int, detached: bool = False):
        self.world, self.batch, self.value, self.detached = world, batch, 2.5 - 0.5 * batch, detached

    def backward(self, *args, **kwargs):
        if self.detached:                           # PyTorch's own error: no record left to go back through
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        world = self.world
        world.log.append("backward")
        world.grad += 10.0 ** self.batch            # batch k's gradient is 10**k: sums stay readable

    def item(self) -> float:
        return self.value

    def __float__(self) -> float:
        return self.value

    def detach(self):
        return _Loss(self.world, self.batch, detached=True)

    def cpu(self, *args, **kwargs):                 # .cpu(), .to("cpu"), .float(): the same loss, still recorded
        return self

    to = float = mean = sum = cpu                   # and the mean or sum of one number is that number
    data = property(detach)


class _Model:
    def __init__(self, world):
        self.world = world

    def __call__(self, xb):
        torch = sys.modules.get("torch")     # the check never imports PyTorch, but looks where it is loaded
        if torch is not None and hasattr(torch, "is_grad_enabled") and not torch.is_grad_enabled():
            raise Wrong("the model ran under torch.no_grad(), so PyTorch records nothing for backward() "
                        "(it raises 'element 0 of tensors does not require grad'). Use no_grad only to "
                        "predict; a training step needs the gradients.")
        k = self.world.which(xb, 0)
        if k is not None:
            self.world.log.append("forward")
            return _Logits(k)
        raise Wrong("the model was called on something other than the batch of images xb: call model(xb).")

    forward = __call__

    def train(self, mode: bool = True):
        return self

    def zero_grad(self, set_to_none: bool = True):      # model.zero_grad() empties the same .grad
        self.world.log.append("zero_grad")
        self.world.grad = 0.0

    def parameters(self):
        return iter(())


class _LossFn:
    def __init__(self, world):
        self.world = world

    def __call__(self, logits, target):
        if isinstance(target, _Logits) and not isinstance(logits, _Logits):
            raise Wrong("the loss was given (labels, logits); nn.CrossEntropyLoss takes the model's output "
                        "first: loss_fn(logits, yb).")
        if not isinstance(logits, _Logits):
            raise Wrong("the loss was not given the model's output: compute logits = model(xb), then "
                        "loss_fn(logits, yb).")
        if logits.squashed:
            raise Wrong("the model's output went through softmax before the loss. nn.CrossEntropyLoss takes "
                        "the raw scores (logits) and applies log-softmax itself, as our cross_entropy(Z, Y) "
                        "does: pass model(xb) straight in.")
        if self.world.which(target, 1) != logits.batch:
            raise Wrong("the loss was not given this batch's labels yb: loss_fn(model(xb), yb).")
        dtype = values(target).dtype
        if dtype not in (np.int64, np.uint8):           # as PyTorch: "expected target dtype to be Long or Byte"
            kind = "floating-point numbers" if np.issubdtype(dtype, np.floating) else f"{dtype} integers"
            raise Wrong(f"the labels became {kind}; nn.CrossEntropyLoss takes the classes as int64 (PyTorch's "
                        "long) and raises 'expected target dtype to be Long or Byte' for others: pass yb as it "
                        "is, or yb.long().")
        self.world.log.append("loss")
        return _Loss(self.world, logits.batch)


class _Optimizer:
    def __init__(self, world):
        self.world = world

    def zero_grad(self, set_to_none: bool = True):
        self.world.log.append("zero_grad")
        self.world.grad = 0.0

    def step(self, closure=None):
        self.world.log.append("step")
        self.world.steps.append(self.world.grad)


class _World:
    """The shared state of the stand-ins: one parameter's .grad, the calls made, the gradients stepped on."""

    def __init__(self, batches: int):
        self.grad, self.log, self.steps = 0.0, [], []
        rng = _rng(0)
        self.arrays = [(rng.random((4, 3), dtype=np.float32), rng.integers(0, 3, 4)) for _ in range(batches)]
        self.batches = [(tensor(x), tensor(y)) for x, y in self.arrays]   # real tensors where PyTorch is here

    def which(self, x, part: int) -> int | None:
        """The batch whose images (part 0) or labels (part 1) ``x`` holds, whatever its type; None if none."""
        got = values(x)
        for k, arrays in enumerate(self.arrays):
            if got is not None and got.shape == arrays[part].shape and np.array_equal(got, arrays[part]):
                return k
        return None


def _one_call(fn, world, k: int) -> list:
    """Run ``fn`` on batch k; return the calls it made."""
    start = len(world.log)
    xb, yb = world.batches[k]
    try:
        result = fn(_Model(world), _LossFn(world), _Optimizer(world), xb, yb)
    except (NotImplementedError, Wrong):
        raise
    except Exception as err:
        hint = exception_hint(err)
        if "must be Tensor" in str(err) and "softmax" not in str(err):
            hint += (" The check hands your function stand-ins for PyTorch's objects, not tensors: use the "
                     "model, loss_fn and optimizer it is given, loss = loss_fn(model(xb), yb).")
        if "softmax" in str(err):
            hint += (" Leave out the softmax: nn.CrossEntropyLoss takes the raw scores (logits) and applies "
                     "log-softmax itself.")
        if "object has no attribute 'backward'" in str(err):
            hint += (" loss.item() (or float(loss)) is a plain number, with nothing to go back through: call "
                     "backward() on the loss tensor, and take .item() only for what you return.")
        if "does not require grad" in str(err):
            hint += (" backward() was called on a loss cut off from the computation that made it (by .detach() "
                     "or .data), so PyTorch has nothing to go back through. Call loss.backward() on the loss "
                     "as loss_fn returned it, and detach only what you keep, such as loss.item().")
        raise Wrong(hint) from None
    calls = world.log[start:]
    if "forward" not in calls:
        raise Wrong("it never called the model: logits = model(xb).")
    if "loss" not in calls:
        raise Wrong("it never called the loss: loss = loss_fn(logits, yb).")
    if "backward" not in calls:
        raise Wrong("it never called loss.backward(): that is what computes the gradients (our backward()).")
    if "step" not in calls:
        raise Wrong("it never called optimizer.step(): without it the parameters never change.")
    if calls.count("step") > 1 or calls.count("backward") > 1 or calls.count("forward") > 1:
        raise Wrong(f"one training step made the calls {calls}: each of forward, backward and step once per batch.")
    if calls.index("step") < calls.index("backward"):
        raise Wrong(f"it called {calls}: optimizer.step() came before loss.backward(), so it moved the "
                    "parameters along the previous batch's gradient (or none). Step after backward.")
    if "zero_grad" in calls and calls.index("backward") < calls.index("zero_grad") < calls.index("step"):
        raise Wrong(f"it called {calls}: zero_grad() between backward() and step() wipes the gradient just "
                    "computed, so the step moves nothing. Empty the gradients before backward().")
    value = 2.5 - 0.5 * k
    if isinstance(result, _Loss):
        raise Wrong("it returned the loss tensor itself; return loss.item(), a plain Python number: a tensor "
                    "carries the record of the whole step, and an epoch's loop that adds tensors up keeps every "
                    "step's record alive (and its memory).")
    try:
        ok = result is not None and float(result) == value
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise Wrong(f"it returned {result!r}; return the batch's loss as a number, loss.item(), so that the "
                    "loop can add it up for the epoch's cost.")
    return calls


@checker
def train_step(fn):
    """``fn(model, loss_fn, optimizer, xb, yb) -> float``: one PyTorch training step, in the right order."""
    world = _World(batches=3)
    for k in range(3):
        _one_call(fn, world, k)
    want = [1.0, 10.0, 100.0]
    if world.steps == [1.0, 11.0, 111.0]:
        raise Wrong("the second step used the sum of the first two batches' gradients, the third of all "
                    "three: PyTorch's backward() ADDS to each parameter's .grad. Call optimizer.zero_grad() "
                    "before loss.backward() in every step.")
    if world.steps != want:
        raise Wrong(f"the steps moved along gradients {world.steps}, expected {want} (one per batch). "
                    "Order: optimizer.zero_grad(), logits = model(xb), loss = loss_fn(logits, yb), "
                    "loss.backward(), optimizer.step().")
    return "each step used its own batch's gradient, and returned the loss. Well done!"
