"""The stand-in tensor of lesson 11's checks behaves as a real PyTorch tensor in what the checks let it meet.

Each operation runs on a real tensor and on the stand-in holding the same numbers; the two must give the
same numbers, dtype and shape, or raise the same error with the same message. Needs PyTorch (the
comparison is the point); the last test, which needs none, checks the stand-in on its own.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab._torch_standin import Tensor, real_torch, tensor, values

OPERATIONS = {
    "float()": lambda t: t.float(),
    "double()": lambda t: t.double(),
    "long()": lambda t: t.long(),
    "to('cpu')": lambda t: t.to("cpu"),
    "cpu()": lambda t: t.cpu(),
    "detach()": lambda t: t.detach(),
    "detach().numpy()": lambda t: t.detach().numpy(),
    "numpy()": lambda t: t.numpy(),
    "numpy(force=True)": lambda t: t.numpy(force=True),
    "np.asarray": lambda t: np.asarray(t),
    "item()": lambda t: t.item(),
    "tolist()": lambda t: t.tolist(),
    "len": lambda t: len(t),
    "shape": lambda t: tuple(t.shape),
    "requires_grad": lambda t: t.requires_grad,
    "float().requires_grad": lambda t: t.float().requires_grad,
    "long().requires_grad": lambda t: t.long().requires_grad,
    "detach().requires_grad": lambda t: t.detach().requires_grad,
    "data.requires_grad": lambda t: t.data.requires_grad,
    "float() is itself for float32": lambda t: t.float() is t,
}

INPUTS = {
    "float32 batch": (np.arange(12, dtype=np.float32).reshape(4, 3) / 7, False),
    "int64 labels": (np.array([3, 1, 4, 1]), False),
    "float64, requires grad": (np.linspace(-1, 1, 6).reshape(2, 3), True),
    "one number, requires grad": (np.array([2.5]), True),
    "float32, requires grad": (np.ones(3, dtype=np.float32) / 3, True),
}


def _outcome(operation, t):
    try:
        result = operation(t)
    except Exception as err:
        return ("raises", type(err).__name__, str(err))
    if hasattr(result, "detach") or isinstance(result, (Tensor, np.ndarray)):
        array = values(result) if not isinstance(result, np.ndarray) else result
        dtype = np.dtype(str(array.dtype))
        return ("tensor" if not isinstance(result, np.ndarray) else "array", dtype, array.shape, array.tolist())
    return ("value", result)


@pytest.mark.parametrize("data", INPUTS, ids=list(INPUTS))
@pytest.mark.parametrize("name", OPERATIONS, ids=list(OPERATIONS))
def test_the_stand_in_does_what_pytorch_does(name, data):
    torch = pytest.importorskip("torch")
    array, requires_grad = INPUTS[data]
    real = torch.tensor(array, requires_grad=requires_grad)
    standin = Tensor(np.array(array), requires_grad)
    assert _outcome(OPERATIONS[name], standin) == _outcome(OPERATIONS[name], real)


def test_tensor_is_real_where_pytorch_is_installed_and_a_stand_in_elsewhere(monkeypatch):
    from mnist_scratch.lab import _torch_standin
    made = tensor(np.zeros(3), requires_grad=True)
    assert isinstance(made, Tensor) == (real_torch() is None)
    monkeypatch.setattr(_torch_standin, "real_torch", lambda: None)
    made = _torch_standin.tensor(np.zeros(3), requires_grad=True)
    assert isinstance(made, Tensor) and made.requires_grad
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        made.numpy()
    with pytest.raises(AssertionError, match="CUDA"):
        made.to("cuda")
    assert values(made).tolist() == [0.0, 0.0, 0.0] and "requires_grad=True" in repr(made)
