"""Self-checks for lesson 2's network: the L-layer forward and backward passes, and the numerical gradient.

``forward`` and ``backward`` are tried on three networks in a row: one, two and three
hidden layers (widths that differ everywhere, 10 outputs, more samples than units),
so that a loop fixed at two layers, or a function that remembers the last network,
shows. The first network's input has a zero row and zero biases, which make some
weighted inputs exactly 0, where ReLU's slope is a convention. ``numerical_gradient``
is tried on two functions whose exact gradients are known, with 2-D and 1-D arrays.
"""

from __future__ import annotations

import numpy as np

from ..activations import relu as _relu
from ..activations import softmax as _softmax
from ..network import backward as _backward
from ..network import forward as _forward
from ._checking import Wrong, call, checker, differs_by, same

__all__ = ["forward", "backward", "numerical_gradient"]

_rng = np.random.default_rng

#: (layer sizes, seed, samples): one, two and three hidden layers.
NETS = [([3, 4, 10], 41, 7), ([5, 4, 3, 10], 42, 6), ([4, 6, 5, 3, 10], 43, 8)]


def small_network(sizes, seed, n):
    rng = _rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.normal(0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))
        params[f"b{l}"] = rng.normal(0, 0.3, size=fan_out)
    X = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    if len(sizes) == 3:                   # a zero row and zero biases: some Z1 are exactly 0
        X[2] = 0.0
        params["b1"][::2] = 0.0
    return params, X, y


def _array(value, what: str) -> np.ndarray:
    try:
        return call(lambda v: v, value)
    except Wrong as wrong:
        raise Wrong(f"{what}: {wrong}") from None


def _layers(result, expected, L: int) -> tuple[list, list]:
    """The learner's ``(Z, A)``, with a hint for every way the structure can be off."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        if isinstance(result, np.ndarray) and same(result, expected.A[-1]):
            raise Wrong("it returned only the output A[L]; return both lists, Z and A: the backward pass needs "
                        "every layer's.")
        raise Wrong("return two lists, Z and A, each with one entry per layer (return Z, A).")
    Z, A = result
    for name, value in (("Z", Z), ("A", A)):
        if not isinstance(value, (list, tuple)):
            raise Wrong(f"{name} must be a list of arrays, one per layer, not {type(value).__name__}.")
    if len(A) == L and same(np.asarray(A[-1], float), expected.A[-1]):
        raise Wrong(f"A has {L} entries; it needs the input first, A[0] = X, then A[1] … A[L]: L + 1 = {L + 1}.")
    if len(A) != L + 1:
        raise Wrong(f"A has {len(A)} entries, but this network has L = {L} layers (len(params) // 2), so A needs "
                    f"L + 1 = {L + 1}: the input, then one per layer. Does your loop visit every layer?")
    if len(Z) != L + 1:
        raise Wrong(f"Z has {len(Z)} entries; it needs L + 1 = {L + 1} too, with Z[0] = None for the input layer "
                    "(it has no weighted input), so that Z[l] and A[l] belong to the same layer l.")
    return list(Z), list(A)


@checker(refuses=("mnist_scratch.network.forward", "mnist_scratch.model.Model.forward",
                  "mnist_scratch.model.Model.forward_train", "mnist_scratch.bn_network.bn_forward"))
def forward(fn):
    """``fn(params, X) -> (Z, A)``: the forward pass of an L-layer ReLU network with a softmax output."""
    for index, (sizes, seed, n) in enumerate(NETS):
        params, X, _ = small_network(sizes, seed, n)
        L = len(sizes) - 1
        expected = _forward(params, X)
        try:
            result = call(fn, params, X, numeric=False)
        except Wrong as wrong:
            if "KeyError" in str(wrong):
                raise Wrong(f"{str(wrong).rstrip('.')}: params holds two arrays per layer, W and b, so a network "
                            "of L layers has 2L entries and L = len(params) // 2.") from None
            if "matmul" in str(wrong) and f"is different from {sizes[0]})" in str(wrong):
                raise Wrong(f"{str(wrong).split(' (size')[0]}: a layer above the first was given {sizes[0]} "
                            f"columns, the width of X. Each layer l takes the output of the layer before it, "
                            f"A[l-1], not X.") from None
            raise
        Z, A = _layers(result, expected, L)
        if not same(_array(A[0], "A[0]"), X):
            raise Wrong("A[0] must be the input X itself.")
        deeper = "" if index == 0 else (f" (right for one hidden layer, wrong with {L - 1}: is the number of "
                                        "layers fixed somewhere in your code?)")
        for l in range(1, L + 1):
            z, a = _array(Z[l], f"Z[{l}]"), _array(A[l], f"A[{l}]")
            for name, value in ((f"Z[{l}]", z), (f"A[{l}]", a)):
                if value.shape != (n, sizes[l]):
                    raise Wrong(f"{name} has shape {value.shape}, but layer {l} has {sizes[l]} units: expected "
                                f"({n}, {sizes[l]}), one row per sample.{deeper}")
            W, b = params[f"W{l}"], params[f"b{l}"]
            if not same(z, expected.Z[l]):
                if l < L and same(z, _relu(expected.Z[l])):
                    raise Wrong(f"Z[{l}] holds relu(Z[{l}]): ReLU was applied in place and overwrote it. Keep Z[l] "
                                "as computed (the backward pass needs it) and make A[l] = relu(Z[l]) a new array.")
                if same(z, expected.A[l - 1] @ W):
                    raise Wrong(f"Z[{l}] is missing the bias: Z[l] = A[l-1] W[l] + b[l].")
                if l > 1 and same(z, expected.Z[l - 1] @ W + b):
                    raise Wrong(f"layer {l} was fed Z[{l - 1}], not A[{l - 1}]: each hidden layer's output is "
                                f"its activation, A[l] = relu(Z[l]), and that is what the next layer takes.")
                raise Wrong(f"Z[{l}] differs from A[{l - 1}] W[{l}] + b[{l}] {differs_by(z, expected.Z[l])}.{deeper}")
            if not same(a, expected.A[l]):
                if l == L and same(a, _relu(z)):
                    raise Wrong("the output layer uses softmax, not ReLU: A[L] = softmax(Z[L]), probabilities.")
                if l == L and same(a, z):
                    raise Wrong("the output layer needs softmax: A[L] = softmax(Z[L]), probabilities.")
                if l < L and same(a, _softmax(z)):
                    raise Wrong("hidden layers use ReLU; only the output layer L uses softmax.")
                if l < L and same(a, z):
                    raise Wrong(f"hidden layer {l} has no activation: A[l] = relu(Z[l]).")
                raise Wrong(f"A[{l}] differs from {'softmax' if l == L else 'relu'}(Z[{l}]) "
                            f"{differs_by(a, expected.A[l])}.{deeper}")
    params, X, _ = small_network(*NETS[1])
    Z, A = _layers(call(fn, _float32(params), X.astype(np.float32), numeric=False), _forward(params, X), len(params) // 2)
    kinds = sorted({str(np.asarray(a).dtype) for a in A[1:]} - {"float32"})
    if kinds:
        raise Wrong(f"right values, but a float32 network and input give {', '.join(kinds)} layers: a float64 "
                    "array turns every product it meets into float64, twice the memory and the time on 59,000 "
                    "images. Keep the input's dtype in every step (your relu and softmax included).")
    return "Z and A for every layer, for networks of 2, 3 and 4 layers. Forward, for any depth!"


def _float32(params: dict) -> dict:
    return {k: v.astype(np.float32) for k, v in params.items()}


def _float32_gradients(fn) -> None:
    """:class:`Wrong` unless a float32 network's gradients come out float32."""
    params, X, y = small_network(*NETS[1])
    params = _float32(params)
    cache = _forward(params, X.astype(np.float32))
    result = call(fn, params, list(cache.Z), list(cache.A), y, numeric=False)
    kinds = sorted({str(np.asarray(result[k]).dtype) for k in params} - {"float32"})
    if kinds:
        raise Wrong(f"right values, but a float32 network gets {', '.join(kinds)} gradients: a float64 array "
                    "turns every product it meets into float64, twice the memory and the time on 59,000 images. "
                    "A float64 one-hot Y does it in A[L] - Y: give Y the dtype of A[L] (or make your one_hot "
                    "float32).")


def _backward_error(message: str, sizes, n: int, index: int) -> str:
    """The exception hint of a backward pass that raised, with what probably caused it."""
    squashed = message.replace(" ", "")
    if "broadcast" in message and f"({n},)" in squashed:
        return (f"{message} A[L] holds one row of 10 probabilities per sample, but y holds integer labels, shape "
                "(n,): turn them into one-hot rows first (lesson 1's one_hot(y)).")
    if index > 0:
        return (f"{message} It worked for one hidden layer but not for {len(sizes) - 2}: does your code assume "
                "two layers somewhere? L = len(params) // 2, and the loop runs l = L, …, 1.")
    if "broadcast" in message and any(f"({n},{a})" in squashed and f"({n},{b})" in squashed
                                      for a, b in zip(sizes[1:-1], sizes[2:])):
        return (f"{message} ReLU's slope goes with the layer the error is passed into: dZ[l-1] = dA[l-1] * "
                "relu_prime(Z[l-1]), both of shape (n, n_{l-1}).")
    if "matmul" in message:
        return (f"{message} Passing the error down is dA[l-1] = dZ[l] W[l]^T: W[l] has shape (n_{{l-1}}, n_l), so "
                "only its transpose fits after dZ[l], of shape (n, n_l).").replace("{{", "{").replace("}}", "}")
    return message


def _backward_variant(params, Z, A, y, *, relu_ge=False, no_slope=False):
    """The backward pass with one classic mistake."""
    L = len(params) // 2
    n = len(y)
    dZ = (A[L] - np.eye(A[L].shape[1])[y]) / n
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = A[l - 1].T @ dZ, dZ.sum(axis=0)
        if l > 1:
            dA = dZ @ params[f"W{l}"].T
            slope = 1 if no_slope else (Z[l - 1] >= 0 if relu_ge else Z[l - 1] > 0)
            dZ = dA * slope
    return grads


#: The gradients of the three networks, by parameter name: an item of partial credit each (grading).
GRADIENTS = tuple(f"{p}{l}" for l in range(1, len(NETS[-1][0])) for p in "Wb")


def _gradients_right(fn) -> dict:
    """For grading: ``{"W1": True, ...}``, whether each gradient is right on every network that has it."""
    right = dict.fromkeys(GRADIENTS, True)
    for sizes, seed, n in NETS:
        params, X, y = small_network(sizes, seed, n)
        cache = _forward(params, X)
        expected = _backward(params, cache, y)
        try:
            result = call(fn, params, list(cache.Z), list(cache.A), y, numeric=False)
        except Wrong:
            result = None
        for k in params:
            try:
                ok = isinstance(result, dict) and same(np.asarray(result[k], dtype=float), expected[k])
            except (KeyError, TypeError, ValueError):
                ok = False
            right[k] = right[k] and ok
    return right


@checker(refuses=("mnist_scratch.network.backward", "mnist_scratch.network.output_delta",
                  "mnist_scratch.losses._cross_entropy_delta",
                  "mnist_scratch.model.Model.backward", "mnist_scratch.bn_network.bn_backward",
                  "mnist_scratch.gradient_check.numerical_gradient", "mnist_scratch.gradient_check.gradient_check"),
         items=GRADIENTS, score_items=_gradients_right)
def backward(fn):
    """``fn(params, Z, A, y) -> grads``: the gradients of the mean cross-entropy, by parameter name."""
    for index, (sizes, seed, n) in enumerate(NETS):
        params, X, y = small_network(sizes, seed, n)
        cache = _forward(params, X)
        try:
            result = call(fn, params, list(cache.Z), list(cache.A), y, numeric=False)
        except Wrong as wrong:
            raise Wrong(_backward_error(str(wrong), sizes, n, index)) from None
        if not isinstance(result, dict):
            raise Wrong(f"return a dict of gradients with the keys of params, {{'W1': dW1, 'b1': db1, …}}, "
                        f"not {type(result).__name__}.")
        missing = [k for k in params if k not in result]
        if missing:
            low = " The loop must run down to layer 1: l = L, L-1, …, 1." if "W1" in missing else ""
            raise Wrong(f"the result needs a gradient for every parameter; missing: {', '.join(missing)}.{low}")
        got = {k: _array(result[k], f"grads['{k}']") for k in params}
        for k in reversed(list(params)):
            if got[k].shape != params[k].shape:
                l = k[1:]
                fix = (f"dW{l} = A[{int(l) - 1}].T @ dZ{l}" if k[0] == "W" else
                       f"sum dZ{l} over the rows, axis=0: one value per unit")
                raise Wrong(f"grads['{k}'] has shape {got[k].shape} but {k} has shape {params[k].shape}: every "
                            f"gradient has the shape of its parameter ({fix}).")
        expected = _backward(params, cache, y)
        wrong = [k for k in params if not same(got[k], expected[k])]
        if not wrong:
            continue
        L = len(sizes) - 1
        if all(same(got[k], n * expected[k]) for k in params):
            raise Wrong(f"every gradient is n = {n} times too large: the cost is the MEAN over the batch, so "
                        "dZ[L] = (A[L] - Y) / n.")
        if all(same(got[k], -expected[k]) for k in params):
            raise Wrong("every gradient has the wrong sign: dZ[L] = (A[L] - Y) / n, prediction minus target.")
        biases = [k for k in params if k[0] == "b"]
        if set(wrong) == set(biases) and all(same(got[k], expected[k] / n) for k in wrong):
            raise Wrong(f"every db is n = {n} times too small: dZ already holds the 1/n, so SUM it over the rows; "
                        "don't average again.")
        variant = _backward_variant(params, cache.Z, cache.A, y, relu_ge=True)
        if index == 0 and all(same(got[k], variant[k]) for k in params):
            raise Wrong("only the first layer's gradients are off, through the weighted inputs that are exactly 0: "
                        "ReLU'(0) is 0 in this series, so the slope is 1 only where Z > 0.")
        variant = _backward_variant(params, cache.Z, cache.A, y, no_slope=True)
        if all(same(got[k], variant[k]) for k in params):
            raise Wrong(f"dW{L} and db{L} are right, but the layers below are not: on the way down, multiply by "
                        "ReLU's slope, dZ[l-1] = dA[l-1] * relu_prime(Z[l-1]).")
        if f"W{L}" not in wrong and f"b{L}" not in wrong:
            raise Wrong(f"dW{L} and db{L} are right, but {', '.join(wrong)} are not: between the layers come "
                        "dA[l-1] = dZ[l] W[l]^T and the ReLU's slope, dZ[l-1] = dA[l-1] * relu_prime(Z[l-1])."
                        + ("" if index == 0 else " (It was right with one hidden layer: does the loop carry dZ "
                                                 "down through every layer?)"))
        raise Wrong(f"{', '.join(f'grads[{k!r}]' for k in wrong)} differ from the gradients of the mean "
                    "cross-entropy: start from dZ[L] = (A[L] - Y) / n and follow the table line by line.")
    _float32_gradients(fn)
    return "every gradient, for networks of 2, 3 and 4 layers. Backpropagation, by hand, for any depth!"


def _cubic_sine():
    rng = _rng(51)
    theta, C = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    return theta, (lambda: float(np.sum(np.sin(theta) * C) + np.sum(theta ** 3) / 3)), np.cos(theta) * C + theta ** 2


def _exponential():
    theta = _rng(52).normal(size=5)
    J = lambda: float(np.sum(np.exp(0.5 * theta)) + theta[0] * theta[1])        # noqa: E731
    exact = 0.5 * np.exp(0.5 * theta)
    exact[0] += theta[1]
    exact[1] += theta[0]
    return theta, J, exact


@checker(refuses=("mnist_scratch.gradient_check.numerical_gradient", "mnist_scratch.gradient_check.gradient_check"))
def numerical_gradient(fn):
    """``fn(J, theta, eps=1e-5)``: central differences of ``J()`` with respect to every entry of ``theta``."""
    for make in (_cubic_sine, _exponential):
        theta, J, exact = make()
        before = theta.copy()
        try:
            got_raw = call(fn, J, theta, numeric=False, copy=False, may_modify=True)
        except Wrong as wrong:
            if "positional argument" in str(wrong) and "<lambda>()" in str(wrong):
                raise Wrong("J takes no arguments: it reads theta itself. Change an entry of theta, then call "
                            "J() for the cost.") from None
            raise
        if isinstance(got_raw, list):
            raise Wrong("it returned a Python list; return a NumPy array of theta's shape (np.zeros_like(theta) "
                        "is a place to store the derivatives).")
        got = call(lambda: got_raw)
        drift = float(np.max(np.abs(theta - before)))
        if drift >= 1e-6 * max(1.0, float(np.max(np.abs(before)))):
            raise Wrong(f"theta was left changed (by up to {drift:.2g}): after nudging an "
                        "entry, put its old value back, so that J sees the parameters it started with.")
        if got.shape == (theta.size,) and theta.ndim > 1:
            raise Wrong(f"expected an array of theta's shape {theta.shape}, got the flat {got.shape}: reshape it "
                        "to theta.shape.")
        if got.shape != theta.shape:
            raise Wrong(f"expected an array of theta's shape {theta.shape}, one derivative per entry; got {got.shape}.")
        if np.allclose(got, 0):
            raise Wrong("every derivative is 0: J never saw the nudge. J reads theta itself, so change the entries "
                        "of theta in place (not of a copy), one at a time, and call J().")
        if np.allclose(got, got.reshape(-1)[0]):
            raise Wrong("every derivative is the same number: nudge ONE entry at a time, and give each entry its "
                        "own derivative.")
        if np.allclose(got, 2 * exact, rtol=1e-4):
            raise Wrong("twice the gradient: the central difference divides by the distance between the two "
                        "points, 2 eps, not eps.")
        if not np.array_equal(theta, before):        # a drift of rounding errors: compared exactly
            raise Wrong(f"theta came back off by {drift:.2g}: adding and subtracting eps does not undo itself "
                        "exactly in floating point. Keep each entry's old value and put THAT back, so that "
                        "theta ends exactly as it started.")
        if same(got, exact, rtol=1e-6, atol=1e-8):
            continue
        for eps in (1e-2, 1e-3, 1e-4, 1e-6, 1e-7):
            if same(got, _central(J, theta, eps), rtol=1e-9, atol=1e-12):
                raise Wrong(f"those are central differences with eps = {eps:g}, not with the eps you are given "
                            "(1e-5 here): use the argument eps, not a number of your own.")
        if theta.ndim > 1 and np.allclose(got, got[:, :1]):
            raise Wrong("each row got one value: on a 2-D array, theta[i] is a whole row. Visit every entry, "
                        "for example with np.ndindex(theta.shape), or through the flat view theta.reshape(-1).")
        if np.allclose(got, exact, rtol=1e-3, atol=1e-4) and _one_sided(J, theta, 1e-5, got):
            raise Wrong(f"close, but off {differs_by(got, exact)}: a one-sided difference, (J(θ + ε) - J(θ)) / ε, "
                        "is only accurate to about ε. The central difference, (J(θ + ε) - J(θ - ε)) / 2ε, is "
                        "accurate to about ε², which a gradient check needs.")
        raise Wrong(f"the derivatives differ from the exact gradient {differs_by(got, exact)}: for each entry, "
                    "nudge it up by eps and down by eps, and divide the difference of the two costs by 2 eps.")
    theta, J, _ = _exponential()
    eps = 1e-2          # far from the default: a function that ignores its eps shows
    got = call(fn, J, theta, eps, copy=False, may_modify=True)
    if not same(got, _central(J, theta, eps), rtol=1e-8, atol=1e-12):
        raise Wrong("right with the default eps, but called with eps = 0.01 it did not take central differences "
                    "of that size: use the argument eps, not a number of your own.")
    return "central differences for every entry, theta left as it was. Now you can check any gradient!"


def _central(J, theta, eps):
    """Central differences of ``J()`` at ``theta`` (restored exactly), the reference for the eps checks."""
    grad = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + eps
        up = J()
        theta[i] = old - eps
        down = J()
        theta[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def _one_sided(J, theta, eps, got) -> bool:
    """Whether ``got`` is a one-sided difference, forward or backward, of step ``eps``."""
    base, forward, backward = J(), np.zeros_like(theta), np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + eps
        forward[i] = (J() - base) / eps
        theta[i] = old - eps
        backward[i] = (base - J()) / eps
        theta[i] = old
    return same(got, forward, rtol=1e-6, atol=1e-9) or same(got, backward, rtol=1e-6, atol=1e-9)
