"""Lesson 11's self-checks: the right answers pass, and each common wrong answer gets its exact hint.

Neither check needs PyTorch: ``to_torch_layout`` works on NumPy arrays, and ``train_step``
runs the learner's function on stand-ins for PyTorch's model, loss and optimizer, with a batch
of real tensors where PyTorch is installed and of stand-in tensors elsewhere (the last tests
run in both ways).
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab import check, frameworks


# --------------------------------------------------------------------------- to_torch_layout
def _layout(params, *, transpose=True, index=lambda l: 2 * (l - 1), bias=lambda b: b, layers=None):
    """Our params in PyTorch's layout: right by default, or with one planted mistake."""
    state = {}
    for l in range(1, (layers or len(params) // 2) + 1):
        state[f"{index(l)}.weight"] = params[f"W{l}"].T if transpose else params[f"W{l}"]
        state[f"{index(l)}.bias"] = bias(params[f"b{l}"])
    return state


def _biases_first(params):
    state = {}
    for l in range(1, len(params) // 2 + 1):
        state[f"{2 * l - 2}.bias"] = params[f"b{l}"]
    for l in range(1, len(params) // 2 + 1):
        state[f"{2 * l - 2}.weight"] = params[f"W{l}"].T.copy()
    return state


def _transposed_in_place(params):
    for l in range(1, len(params) // 2 + 1):
        params[f"W{l}"] = params[f"W{l}"].T
    return _layout(params, transpose=False)


def _as_lists(params):
    return {k: v.tolist() for k, v in _layout(params).items()}


RIGHT_ANSWERS = [
    ("to_torch_layout", "views, no copies", _layout),
    ("to_torch_layout", "biases first, copies", _biases_first),
    ("to_torch_layout", "nested lists", _as_lists),
]

LAYOUT = "expected the keys ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'], got "
WRONG_ANSWERS = [
    ("to_torch_layout", "no transpose", lambda p: _layout(p, transpose=False),
     "'0.weight' has shape (7, 5), our W1's (in, out). nn.Linear keeps its weight the other way round, "
     "(out, in) = (5, 7), and computes x @ weight.T: store W1.T."),
    ("to_torch_layout", "Linear layers numbered 0, 1, 2", lambda p: _layout(p, index=lambda l: l - 1),
     "for a 7-5-4-3 network, " + LAYOUT + "['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', "
     "'2.bias']. The ReLUs count too: in nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) they are modules "
     "1 and 3, so the Linear layers are 0, 2, 4: layer l is module 2 * (l - 1)."),
    ("to_torch_layout", "Linear layers numbered 1, 3, 5", lambda p: _layout(p, index=lambda l: 2 * l - 1),
     "for a 7-5-4-3 network, " + LAYOUT + "['1.weight', '1.bias', '3.weight', '3.bias', '5.weight', "
     "'5.bias']. nn.Sequential numbers its modules from 0, like a Python list: the first Linear is module 0, "
     "so layer l is module 2 * (l - 1), not 2 * l - 1."),
    ("to_torch_layout", "our names kept", lambda p: dict(p),
     "for a 7-5-4-3 network, " + LAYOUT + "['W1', 'b1', 'W2', 'b2', 'W3', 'b3']. A Linear module's "
     "parameters are called 'weight' and 'bias', after its number in the Sequential: '0.weight', '0.bias', "
     "'2.weight', …."),
    ("to_torch_layout", "biases as rows (1, n)", lambda p: _layout(p, bias=lambda b: b[None, :]),
     "'0.bias' should be b1 as it is, shape (5,) (one number per output); got shape (1, 5). Don't reshape "
     "or transpose the biases."),
    ("to_torch_layout", "three layers written out", lambda p: _layout(p, layers=3),
     "it worked for a network of 3 layers, but for a 6-3-2 network (2 layers) calling it raised KeyError: "
     "'W3'. Loop over the layers, l = 1 … len(params) // 2, rather than writing out three."),
    ("to_torch_layout", "weights of the wrong layer",
     lambda p: {**_layout(p), "0.weight": p["W2"].T, "2.weight": p["W1"].T},
     "'0.weight' should be W1.T, shape (5, 7); got shape (4, 5) with other numbers. Check which layer's W "
     "goes under which number."),
    ("to_torch_layout", "weights reshaped, not transposed",
     lambda p: {**_layout(p), **{f"{2 * (l - 1)}.weight": p[f"W{l}"].reshape(p[f"W{l}"].shape[::-1]) for l in (1, 2, 3)}},
     "'0.weight' has the right shape (5, 7) but its numbers in the wrong places: W1 was reshaped, which keeps the "
     "numbers in their row-by-row order, instead of transposed, which turns rows into columns. Store W1.T."),
    ("to_torch_layout", "len(params) layers", lambda p: _layout(p, layers=len(p)),
     "calling it raised KeyError: 'W4'. params holds a W and a b for each layer, so a network has "
     "len(params) // 2 layers, not len(params): loop over l = 1 … len(params) // 2."),
    ("to_torch_layout", "layers counted from 0",
     lambda p: {f"{2 * l}.{n}": p[f"{k}{l}"].T for l in range(len(p) // 2) for n, k in (("weight", "W"), ("bias", "b"))},
     "calling it raised KeyError: 'W0'. Our layers are numbered from 1: W1, b1, W2, …; layer l goes under "
     "module number 2 * (l - 1)."),
    ("to_torch_layout", "params transposed in place", _transposed_in_place,
     "it changed params in place (our own model's parameters!); leave them alone and put the transposes, W.T, "
     "only into the new dictionary."),
    ("to_torch_layout", "a list, not a dict", lambda p: list(_layout(p).values()),
     "it returned a list; return a dict from names such as '0.weight' to arrays, as model.state_dict() is."),
    ("to_torch_layout", "no return", lambda p: None, "it returned None: did you forget the `return`?"),
]


# --------------------------------------------------------------------------- train_step
def _step(model, loss_fn, optimizer, xb, yb, *, order=("zero", "forward", "backward", "step"), swap=False,
          softmax=False, give=lambda loss: loss.item()):
    """One step: right by default, or with the calls in another order, or one other planted mistake."""
    loss = None
    for call in order:
        if call == "zero":
            optimizer.zero_grad()
        elif call == "forward":
            logits = model(xb)
            if softmax:
                logits = logits.softmax(dim=1)
            loss = loss_fn(yb, logits) if swap else loss_fn(logits, yb)
        elif call == "backward":
            loss.backward()
        elif call == "step":
            optimizer.step()
    return give(loss)


def _model_zero_grad(model, loss_fn, optimizer, xb, yb):
    model.zero_grad()                    # empties the same .grad as optimizer.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward(retain_graph=False)
    optimizer.step()
    return loss.data.item()


def _functional_loss(model, loss_fn, optimizer, xb, yb):
    import torch.nn.functional as F
    optimizer.zero_grad()
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()


def _forward_without_grad(model, loss_fn, optimizer, xb, yb):
    import torch
    optimizer.zero_grad()
    with torch.no_grad():
        loss = loss_fn(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()


RIGHT_ANSWERS += [
    ("train_step", "zero_grad first", _step),
    ("train_step", "zero_grad last, after step", lambda *a: _step(*a, order=("forward", "backward", "step", "zero"))),
    ("train_step", "zero_grad after the loss", lambda *a: _step(*a, order=("forward", "zero", "backward", "step"))),
    ("train_step", "returns float(loss)", lambda *a: _step(*a, give=float)),
    ("train_step", "model.zero_grad(), loss.data.item()", _model_zero_grad),
]

WRONG_ANSWERS += [
    ("train_step", "no zero_grad", lambda *a: _step(*a, order=("forward", "backward", "step")),
     "the second step used the sum of the first two batches' gradients, the third of all three: PyTorch's "
     "backward() ADDS to each parameter's .grad. Call optimizer.zero_grad() before loss.backward() in every "
     "step."),
    ("train_step", "zero_grad between backward and step",
     lambda *a: _step(*a, order=("forward", "backward", "zero", "step")),
     "it called ['forward', 'loss', 'backward', 'zero_grad', 'step']: zero_grad() between backward() and "
     "step() wipes the gradient just computed, so the step moves nothing. Empty the gradients before "
     "backward()."),
    ("train_step", "step before backward", lambda *a: _step(*a, order=("zero", "forward", "step", "backward")),
     "it called ['zero_grad', 'forward', 'loss', 'step', 'backward']: optimizer.step() came before "
     "loss.backward(), so it moved the parameters along the previous batch's gradient (or none). Step after "
     "backward."),
    ("train_step", "no backward", lambda *a: _step(*a, order=("zero", "forward", "step")),
     "it never called loss.backward(): that is what computes the gradients (our backward())."),
    ("train_step", "no step", lambda *a: _step(*a, order=("zero", "forward", "backward")),
     "it never called optimizer.step(): without it the parameters never change."),
    ("train_step", "loss_fn(labels, logits)", lambda *a: _step(*a, swap=True),
     "the loss was given (labels, logits); nn.CrossEntropyLoss takes the model's output first: "
     "loss_fn(logits, yb)."),
    ("train_step", "softmax before the loss", lambda *a: _step(*a, softmax=True),
     "the model's output went through softmax before the loss. nn.CrossEntropyLoss takes the raw scores "
     "(logits) and applies log-softmax itself, as our cross_entropy(Z, Y) does: pass model(xb) straight in."),
    ("train_step", "returns the loss tensor", lambda *a: _step(*a, give=lambda loss: loss),
     "it returned the loss tensor itself; return loss.item(), a plain Python number: a tensor carries the record "
     "of the whole step, and an epoch's loop that adds tensors up keeps every step's record alive (and its "
     "memory)."),
    ("train_step", "no return", lambda *a: _step(*a, give=lambda loss: None),
     "it returned None; return the batch's loss as a number, loss.item(), so that the loop can add it up "
     "for the epoch's cost."),
    ("train_step", "model called on the labels",
     lambda model, loss_fn, optimizer, xb, yb: _step(model, loss_fn, optimizer, yb, yb),
     "the model was called on something other than the batch of images xb: call model(xb)."),
]


TORCH_WRONG_ANSWERS = [   # answers that call PyTorch itself: their hints need it loaded
    ("train_step", "F.cross_entropy instead of loss_fn", _functional_loss,
     "calling it raised TypeError: cross_entropy_loss(): argument 'input' (position 1) must be Tensor, not _Logits. "
     "The check hands your function stand-ins for PyTorch's objects, not tensors: use the model, loss_fn and "
     "optimizer it is given, loss = loss_fn(model(xb), yb)."),
    ("train_step", "forward under torch.no_grad()", _forward_without_grad,
     "the model ran under torch.no_grad(), so PyTorch records nothing for backward() (it raises 'element 0 of "
     "tensors does not require grad'). Use no_grad only to predict; a training step needs the gradients."),
]


@pytest.mark.parametrize("name,answer,fn,hint", TORCH_WRONG_ANSWERS, ids=[f"{r[0]}: {r[1]}" for r in TORCH_WRONG_ANSWERS])
def test_a_wrong_answer_that_uses_pytorch_gets_its_hint(name, answer, fn, hint):
    pytest.importorskip("torch")
    assert check.hint_of(check.CHECKS[name], fn) == hint


@pytest.mark.parametrize("name,answer,fn", RIGHT_ANSWERS, ids=[f"{r[0]}: {r[1]}" for r in RIGHT_ANSWERS])
def test_a_right_answer_passes(capsys, name, answer, fn):
    assert check.hint_of(check.CHECKS[name], fn) is None
    assert check.CHECKS[name](fn) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_the_stubs_message_is_not_judged():
    def stub(*args):
        raise NotImplementedError("write it")
    for name in ("to_torch_layout", "train_step"):
        with pytest.raises(NotImplementedError):
            check.CHECKS[name](stub)


@pytest.mark.parametrize("name", ["to_torch_layout", "train_step"])
@pytest.mark.parametrize("strange", [lambda *a: 42, lambda *a: "text", lambda *a: 1 / 0, lambda *a: {"0.weight": None}])
def test_a_strange_answer_gets_a_hint_not_a_crash(name, strange):
    assert isinstance(check.hint_of(check.CHECKS[name], strange), str)


def test_the_layouts_round_trip_and_keep_our_numbers():
    import mnist_scratch as ms
    params = ms.Model([9, 7, 5, 3], seed=1).params
    state = frameworks.to_torch_layout(params)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert state["2.weight"].shape == (5, 7) and state["2.weight"].flags.c_contiguous
    back = frameworks.from_torch_layout(state)
    assert list(back) == list(params) and all(np.array_equal(back[k], params[k]) for k in params)
    assert [w.shape for w in frameworks.to_keras_weights(params)] == [params[k].shape for k in params]
    with pytest.raises(ValueError, match="params must be"):
        frameworks.to_torch_layout({"W1": np.zeros((2, 2))})


# --------------------------------------------------------------------------- train_step on real tensors and stand-ins
@pytest.fixture(params=["real PyTorch", "stand-ins"])
def tensors(request, monkeypatch):
    """The check's batch as real tensors (where PyTorch is installed), then as the stand-ins that replace them."""
    from mnist_scratch.lab import _torch_standin
    if request.param == "real PyTorch":
        pytest.importorskip("torch")
    else:
        monkeypatch.setattr(_torch_standin, "real_torch", lambda: None)
    return request.param


def _converted(model, loss_fn, optimizer, xb, yb):
    """What PyTorch code often does to a batch: the types made explicit, the device named."""
    optimizer.zero_grad()
    loss = loss_fn(model(xb.float().to("cpu")), yb.long().to("cpu")).mean()
    loss.backward()
    optimizer.step()
    return loss.cpu().item()


def _detached(model, loss_fn, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = loss_fn(model(xb), yb).detach()
    loss.backward()
    optimizer.step()
    return loss.item()


def _float_labels(model, loss_fn, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = loss_fn(model(xb), yb.float())
    loss.backward()
    optimizer.step()
    return loss.item()


def test_the_batch_is_real_tensors_where_pytorch_is_installed(tensors):
    from mnist_scratch.lab._checks_frameworks import _World
    xb, yb = _World(1).batches[0]
    assert (type(xb).__module__.startswith("torch")) == (tensors == "real PyTorch"), type(xb)
    assert tuple(xb.shape) == (4, 3) and tuple(yb.shape) == (4,)


def test_float_long_and_to_cpu_run_as_in_pytorch(tensors):
    assert check.hint_of(check.train_step, _converted) is None


def test_backward_on_a_detached_loss_fails_as_in_pytorch(tensors):
    assert check.hint_of(check.train_step, _detached) == (
        "calling it raised RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn. "
        "backward() was called on a loss cut off from the computation that made it (by .detach() or .data), so "
        "PyTorch has nothing to go back through. Call loss.backward() on the loss as loss_fn returned it, and "
        "detach only what you keep, such as loss.item().")


def test_labels_turned_into_floats_get_a_hint(tensors):
    assert check.hint_of(check.train_step, _float_labels) == (
        "the labels became floating-point numbers; nn.CrossEntropyLoss takes the classes as int64 (PyTorch's "
        "long) and raises 'expected target dtype to be Long or Byte' for others: pass yb as it is, or yb.long().")


def _int32_labels(model, loss_fn, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = loss_fn(model(xb), yb.int())
    loss.backward()
    optimizer.step()
    return loss.item()


def _item_first(model, loss_fn, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = loss_fn(model(xb), yb).item()
    loss.backward()
    optimizer.step()
    return loss


def test_labels_of_another_integer_type_get_pytorch_s_refusal(tensors):
    assert check.hint_of(check.train_step, _int32_labels) == (
        "the labels became int32 integers; nn.CrossEntropyLoss takes the classes as int64 (PyTorch's long) and "
        "raises 'expected target dtype to be Long or Byte' for others: pass yb as it is, or yb.long().")


def test_backward_on_the_loss_s_number_gets_a_hint(tensors):
    assert check.hint_of(check.train_step, _item_first) == (
        "calling it raised AttributeError: 'float' object has no attribute 'backward'. loss.item() (or "
        "float(loss)) is a plain number, with nothing to go back through: call backward() on the loss tensor, "
        "and take .item() only for what you return.")
