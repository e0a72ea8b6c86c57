"""Self-checks for lesson 5's inverted dropout: the mask, and dropout inside the forward and backward passes.

``dropout`` is tried on two arrays (float64 and float32, one with ReLU's zeros in it) with
two drop probabilities, generators of two seeds, and twice with the same seed: a mask drawn
from np.random, one mask per sample or per column, the keep and drop probabilities mixed up,
and the scale (none, p, 1 - p) are named. ``forward_dropout`` runs on networks of one, two
and three hidden layers, wide enough to count the dropped units; ``backward_dropout`` on
the same networks with masks drawn by the package, where it must equal the package's
gradients and name a mask left out, unscaled, applied twice or taken from the wrong layer.
"""

from __future__ import annotations

import numpy as np

from ..activations import relu as _relu
from ..activations import softmax as _softmax
from ..network import Cache
from ..network import backward as _backward
from ..network import forward as _forward
from ._checking import Wrong, call, checker, same
from ._checks_network import _array, _backward_error, _layers, small_network

__all__ = ["dropout", "forward_dropout", "backward_dropout"]

_rng = np.random.default_rng

#: Wide enough to count dropped units: (layer sizes, seed, samples), one, two and three hidden layers.
NETS = [([6, 30, 10], 44, 40), ([5, 20, 16, 10], 45, 30), ([4, 12, 10, 8, 10], 46, 25)]


# --------------------------------------------------------------------------- dropout
def _only(values, scale: float) -> bool:
    """Whether every entry is 0 or ``scale`` (to float32's rounding)."""
    values = np.asarray(values, float)
    return bool(np.all(np.isclose(values, 0, atol=1e-12) | np.isclose(values, scale, rtol=1e-6)))


def _pair(out, A, p) -> tuple:
    """The learner's ``(dropped, mask)``, with a hint for every way the pair can be off."""
    if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Wrong("return two arrays: the activations after dropout, and the mask (0 where a unit is dropped, "
                    "1 / (1 - p) where it is kept), which the backward pass needs.")
    dropped, mask = (_array(part, what) for part, what in zip(out, ("the dropped activations", "the mask")))
    if mask.shape != A.shape and mask.size and mask.shape in ((A.shape[1],), (1, A.shape[1])):
        raise Wrong("every row (sample) got the same mask: draw one random number per entry, a mask of A's shape.")
    if mask.shape in ((A.shape[0],), (A.shape[0], 1)):
        raise Wrong("each row (sample) was kept or dropped whole: dropout drops single units, so draw one random "
                    "number per entry, a mask of A's shape, not one per sample.")
    if dropped.shape != A.shape or mask.shape != A.shape:
        raise Wrong(f"both arrays must have A's shape {A.shape}; got {dropped.shape} and {mask.shape}.")
    scale = 1 / (1 - p)
    if _only(dropped, scale) and not _only(mask, scale):
        raise Wrong("the two arrays are swapped: return the dropped activations first, then the mask.")
    return dropped, mask


def _dropped(fn, A, p, seed) -> tuple:
    return _pair(call(fn, A, p, _rng(seed), numeric=False), A, p)


@checker(refuses=("mnist_scratch.network.dropout_mask",))
def dropout(fn):
    """``fn(A, p, rng) -> (A * mask, mask)``: inverted dropout, the mask 0 with probability p, else 1/(1-p)."""
    rng = _rng(11)
    arrays = [(rng.random((1000, 40)) + 0.5, 0.2),
              (_relu(rng.normal(size=(800, 30))).astype(np.float32), 0.5)]
    for index, (A, p) in enumerate(arrays):
        dropped, mask = _dropped(fn, A, p, 12)
        if not np.array_equal(mask, _dropped(fn, A, p, 12)[1]):
            raise Wrong("two calls with generators seeded alike dropped different units: draw from the rng you are "
                        "given (its random numbers, of A's shape), not from np.random.")
        if np.array_equal(mask, _dropped(fn, A, p, 13)[1]):
            raise Wrong("generators with different seeds dropped the same units: the mask ignores the rng it is given "
                        "(a seed or a generator of its own?). Draw its random numbers from rng itself.")
        if not same(dropped, A * mask):
            if _only(mask, 1.0) and same(dropped, A * mask / (1 - p)):
                raise Wrong("return the mask with its scale in it, 0 where a unit is dropped and 1 / (1 - p) where it "
                            "is kept (not True/False): the backward pass multiplies the gradients by it, as the "
                            "forward pass multiplied the activations.")
            raise Wrong("the dropped activations must be A times the mask, entry by entry.")
        kept = mask != 0
        share = 1 - kept.mean()
        if 0 < share < 1 and (kept == kept[0]).all():
            raise Wrong("every row (sample) got the same mask: draw one random number per entry, a mask of A's "
                        "shape.")
        if 0 < share < 1 and (kept.all(axis=1) | (~kept).all(axis=1)).all():
            raise Wrong("each row (sample) was kept or dropped whole: dropout drops single units, so draw one random "
                        "number per entry, a mask of A's shape, not one per sample.")
        if p != 0.5 and abs(share - (1 - p)) < 0.03:
            raise Wrong(f"you dropped {share:.0%} of the units: p = {p} is the probability of DROPPING one, so a "
                        "unit is kept where its random number is at least p.")
        if abs(share - p) > 0.03:
            raise Wrong(f"about {p:.0%} of the entries should be dropped (p = {p}); {share:.1%} are.")
        counts = [np.count_nonzero(m == 0) for m in (mask, _dropped(fn, A, p, 13)[1])]
        if all(abs(count - p * A.size) <= 1 for count in counts):
            raise Wrong(f"exactly p of the units were dropped at every call ({counts[0]} of {A.size}, p = {p}): "
                        "dropout drops each unit independently, with probability p, so how many are dropped varies "
                        "from call to call. Draw one random number per entry, rng.random(A.shape), and keep a unit "
                        "where its number is at least p.")
        values = mask[kept]
        for scale, hint in [
            (1.0, "the kept units must be scaled up by 1 / (1 - p) (inverted dropout), so that each unit's expected "
                  "value is unchanged and nothing needs to change at test time."),
            (1 - p, "divide the kept units by (1 - p), don't multiply: their expected value must stay the same."),
            (1 / p, "you divided by p, the probability of dropping; divide by the probability of KEEPING a unit, "
                    "1 - p, so that its expected value stays the same."),
        ] if p != 0.5 else []:
            if np.allclose(values, scale):
                raise Wrong(hint)
        if not np.allclose(values, 1 / (1 - p)):
            raise Wrong(f"every kept entry of the mask should be 1 / (1 - p) = {1 / (1 - p):g} (p = {p}), and every "
                        "dropped one 0.")
        if A.dtype == np.float32 and (dropped.dtype != np.float32 or mask.dtype != np.float32):
            raise Wrong(f"right values, but float32 activations give {dropped.dtype} and {mask.dtype} out: a float64 "
                        "array turns every product it meets into float64, twice the memory and the time on 59,000 "
                        "images. Give the mask A's dtype (for example .astype(A.dtype)).")
        dropped, mask = _dropped(fn, A, 0.0, 12)
        if not (same(dropped, A) and same(mask, np.ones_like(A))):
            raise Wrong("with p = 0 nothing may be dropped or scaled (the mask is all ones): that is the network at "
                        "prediction time.")
    return "about p of the units dropped, one draw per entry from your rng, the rest scaled by 1 / (1 - p). Correct!"


# --------------------------------------------------------------------------- forward_dropout
def _triple(result, expected, L: int) -> tuple:
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        if isinstance(result, (tuple, list)) and len(result) == 2:
            raise Wrong("return three lists, Z, A and masks: the backward pass needs the masks to send the gradient "
                        "only through the units that were kept.")
        raise Wrong("return three lists, Z, A and masks, each with one entry per layer (return Z, A, masks).")
    Z, A = _layers(result[:2], expected, L)
    masks = result[2]
    if not isinstance(masks, (list, tuple)) or len(masks) != L + 1:
        raise Wrong(f"masks must be a list of L + 1 = {L + 1} entries like Z and A: None for the input layer 0 and "
                    "the output layer L, and each hidden layer's mask in between.")
    return Z, A, list(masks)


def _check_layers(params, X, Z, A, masks, p) -> float:
    """Raise :class:`Wrong` unless Z, A and masks are one forward pass with dropout; the share dropped."""
    L = len(params) // 2
    if not same(_array(A[0], "A[0]"), X):
        raise Wrong("A[0] must be the input X itself: dropout here acts on the hidden layers' outputs, not on the "
                    "pixels.")
    if masks[0] is not None and not same(_array(masks[0], "masks[0]"), np.ones_like(X)):
        raise Wrong("the input is not dropped here: masks[0] is None, and dropout acts on the hidden layers only.")
    if masks[L] is not None:
        raise Wrong("the output layer is never dropped (its probabilities must add up to 1): masks[L] is None.")
    dropped = total = 0
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        z, a = _array(Z[l], f"Z[{l}]"), _array(A[l], f"A[{l}]")
        previous = _array(A[l - 1], f"A[{l - 1}]")
        if not same(z, previous @ W + b):
            if l > 1 and same(z, _relu(_array(Z[l - 1], f"Z[{l - 1}]")) @ W + b):
                raise Wrong(f"layer {l} was fed the activations before dropout: the next layer must see the dropped "
                            f"ones, and A[{l - 1}] must hold them (the backward pass takes dW[{l}] from A[{l - 1}]).")
            raise Wrong(f"Z[{l}] differs from A[{l - 1}] W[{l}] + b[{l}]: each layer takes the previous layer's "
                        "output as stored in A, after dropout.")
        if l == L:
            if not same(a, _softmax(z)):
                raise Wrong("the output layer is softmax(Z[L]), with nothing dropped.")
            continue
        if masks[l] is None:
            if p > 0:
                raise Wrong(f"masks[{l}] is None, but hidden layer {l} must be dropped with p = {p}: keep its mask.")
            mask = np.ones_like(z)
        else:
            mask = _array(masks[l], f"masks[{l}]")
        if mask.shape != z.shape:
            raise Wrong(f"masks[{l}] has shape {mask.shape}; hidden layer {l}'s output has shape {z.shape}, one "
                        "entry per unit and sample.")
        if p > 0 and same(a, _relu(z)):
            following = _array(Z[l + 1], f"Z[{l + 1}]")
            if same(following, (_relu(z) * mask) @ params[f"W{l + 1}"] + params[f"b{l + 1}"]):
                raise Wrong(f"A[{l}] must hold the dropped activations, the ones layer {l + 1} saw: the backward pass "
                            f"takes dW[{l + 1}] = A[{l}]^T dZ[{l + 1}] from them.")
            raise Wrong(f"nothing was dropped in hidden layer {l}: its output is relu(Z[{l}]) times its mask.")
        if not same(a, _relu(z) * mask):
            raise Wrong(f"A[{l}] must be relu(Z[{l}]) times masks[{l}], the dropped activations.")
        if not _only(mask, 1 / (1 - p)):
            kept = mask[mask != 0]
            if kept.size and np.allclose(kept, kept[0]):
                if np.isclose(kept[0], 1):
                    raise Wrong(f"the kept units of masks[{l}] are 1: scale them by 1 / (1 - p), as your dropout's "
                                "mask does, so that each unit's expected value stays the same.")
                if np.isclose(kept[0], 1 / p):
                    raise Wrong(f"the units were dropped with probability 1 - p: p = {p} is the probability of "
                                "DROPPING a unit.")
                raise Wrong(f"the kept units of masks[{l}] were scaled by {kept[0]:.4g}, not 1 / (1 - p) = "
                            f"{1 / (1 - p):.4g}: use the p you are given (is a number fixed somewhere?).")
            raise Wrong(f"masks[{l}] must hold 0 for a dropped unit and 1 / (1 - p) for a kept one (use your dropout).")
        dropped, total = dropped + np.count_nonzero(mask == 0), total + mask.size
    return dropped / total


def _masks(fn, params, X, p, seed) -> list:
    result = call(fn, params, X, p, _rng(seed), numeric=False)
    return _triple(result, _forward(params, X), len(params) // 2)[2]


@checker(refuses=("mnist_scratch.network.forward", "mnist_scratch.model.Model.forward_train"))
def forward_dropout(fn):
    """``fn(params, X, p, rng) -> (Z, A, masks)``: the forward pass with dropout on every hidden layer."""
    p = 0.25
    for index, (sizes, seed, n) in enumerate(NETS):
        params, X, _ = small_network(sizes, seed, n)
        L = len(sizes) - 1
        expected = _forward(params, X)
        Z, A, masks = _triple(call(fn, params, X, p, _rng(21), numeric=False), expected, L)
        share = _check_layers(params, X, Z, A, masks, p)
        if abs(share - (1 - p)) < 0.1:
            raise Wrong(f"{share:.0%} of the hidden units were dropped: p = {p} is the probability of DROPPING one.")
        if abs(share - p) > 0.1:
            raise Wrong(f"about {p:.0%} of the hidden units should be dropped (p = {p}); {share:.0%} were.")
        again = _masks(fn, params, X, p, 21)
        if not all(np.array_equal(a, b) for a, b in zip(again[1:L], masks[1:L])):
            raise Wrong("two calls with generators seeded alike dropped different units: draw the masks from the rng "
                        "you are given, not from np.random.")
        if all(np.array_equal(a, b) for a, b in zip(_masks(fn, params, X, p, 22)[1:L], masks[1:L])):
            raise Wrong("generators with different seeds dropped the same units: draw the masks from the rng you are "
                        "given, not from a seed or a generator of your own.")
        Z, A, masks = _triple(call(fn, params, X, 0.0, _rng(21), numeric=False), expected, L)
        if not all(same(_array(A[l], f"A[{l}]"), expected.A[l]) for l in range(1, L + 1)):
            raise Wrong("with p = 0 nothing may be dropped, and the forward pass must be the plain one: that is the "
                        "network at prediction time.")
        _check_layers(params, X, Z, A, masks, 0.0)
    params, X, _ = small_network(*NETS[1])
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    Z, A, masks = _triple(call(fn, params32, X.astype(np.float32), p, _rng(21), numeric=False), _forward(params, X), 3)
    kinds = sorted({str(np.asarray(a).dtype) for a in [*A[1:], *masks[1:3]]} - {"float32"})
    if kinds:
        raise Wrong(f"right values, but a float32 network and input give {', '.join(kinds)} layers: a float64 array "
                    "turns every product it meets into float64, twice the memory and the time on 59,000 images. Keep "
                    "the input's dtype in every step (your dropout's mask included).")
    return "ReLU, then dropout, on every hidden layer; the next layer sees the dropped units; the masks kept. Correct!"


# --------------------------------------------------------------------------- backward_dropout
def _with_masks(cache: Cache, masks: dict) -> Cache:
    return Cache(Z=cache.Z, A=cache.A, masks=masks)


def _error(message: str, sizes, n: int, index: int) -> str:
    """The hint for a backward pass with dropout that raised."""
    if "NoneType" in message:
        return (f"{message} masks[0] and masks[L] are None (the input and the output layer have no mask): the mask "
                "that goes with dA[l-1] is masks[l-1], for l - 1 = L - 1, ..., 1.")
    if "broadcast" in message:
        return (f"{message} The mask and ReLU's slope go with the layer the error is passed into: dZ[l-1] = dA[l-1] "
                "* masks[l-1] * relu_prime(Z[l-1]), all of shape (n, n_{l-1}).")
    return _backward_error(message, sizes, n, index)


def _misses_shapes(fn) -> bool:
    """Whether ``fn`` fails with unfitting shapes on two hidden layers (a mask taken from the wrong layer)."""
    params, X, y = small_network(*NETS[1])
    cache = _forward(params, X, dropout=0.5, rng=_rng(32))
    try:
        call(fn, params, list(cache.Z), list(cache.A), [cache.masks.get(l) for l in range(4)], y, numeric=False)
    except Wrong as wrong:
        return "broadcast" in str(wrong)
    return False


@checker(refuses=("mnist_scratch.network.backward", "mnist_scratch.network.output_delta",
                  "mnist_scratch.losses._cross_entropy_delta", "mnist_scratch.model.Model.backward",
                  "mnist_scratch.gradient_check.numerical_gradient", "mnist_scratch.gradient_check.gradient_check"))
def backward_dropout(fn):
    """``fn(params, Z, A, masks, y) -> grads``: the gradients of a forward pass with dropout."""
    for index, (sizes, seed, n) in enumerate(NETS):
        params, X, y = small_network(sizes, seed, n)
        L = len(sizes) - 1
        cache = _forward(params, X, dropout=0.5, rng=_rng(31 + index))
        masks = [cache.masks.get(l) for l in range(L + 1)]
        try:
            result = call(fn, params, list(cache.Z), list(cache.A), masks, y, numeric=False)
        except Wrong as wrong:
            raise Wrong(_error(str(wrong), sizes, n, index)) from None
        if not isinstance(result, dict) or any(k not in result for k in params):
            raise Wrong("return a dict with the gradient of every parameter, {'W1': dW1, 'b1': db1, ...}, like your "
                        "backward pass's.")
        got = {k: _array(result[k], f"grads['{k}']") for k in params}
        for k in params:
            if got[k].shape != params[k].shape:
                raise Wrong(f"grads['{k}'] has shape {got[k].shape} but {k} has shape {params[k].shape}: every "
                            "gradient has the shape of its parameter.")
        if all(same(got[k], v) for k, v in _backward(params, cache, y).items()):
            continue
        if index == 0 and all(same(got[k], v) for k, v in _backward(params, _with_masks(cache, {}), y).items()) \
                and _misses_shapes(fn):
            raise Wrong("the mask that goes with dA[l-1] is masks[l-1], the mask of the layer the error is passed "
                        "into, not masks[l]: with one hidden layer masks[L] is None (so nothing was masked), and with "
                        "two the shapes do not fit. dZ[l-1] = dA[l-1] * masks[l-1] * relu_prime(Z[l-1]).")
        for variant, hint in [
            ({}, "the dropped units passed gradient back: multiply dA[l-1] by masks[l-1] before ReLU's slope, so that "
                 "a unit the forward pass dropped gets no gradient, and a kept one is scaled as its output was."),
            ({l: (m > 0).astype(m.dtype) for l, m in cache.masks.items()},
             "the kept units' gradients must be scaled by 1 / (1 - p) as well, as their outputs were: multiply by the "
             "mask itself, not by where it is non-zero."),
            ({l: m * m for l, m in cache.masks.items()},
             "the mask was applied twice on the way down: once per layer, dA[l-1] * masks[l-1]."),
        ]:
            if all(same(got[k], v) for k, v in _backward(params, _with_masks(cache, variant), y).items()):
                raise Wrong(hint)
        undropped = Cache(Z=cache.Z, A=[cache.A[0], *(_relu(z) for z in cache.Z[1:L]), cache.A[L]], masks=cache.masks)
        if all(same(got[k], v) for k, v in _backward(params, undropped, y).items()):
            raise Wrong("dW[l] = A[l-1]^T dZ[l] takes A[l-1] as the forward pass stored it, the DROPPED activations "
                        "(relu(Z[l-1]) times its mask), which are what layer l saw; you used relu(Z[l-1]) before "
                        "dropout.")
        expected = _backward(params, cache, y)
        if all(same(got[k], n * expected[k]) for k in params):
            raise Wrong(f"every gradient is n = {n} times too large: the cost is the MEAN over the batch, so dZ[L] = "
                        "(A[L] - Y) / n.")
        wrong = [k for k in params if not same(got[k], expected[k])]
        raise Wrong(f"{', '.join(f'grads[{k!r}]' for k in wrong)} differ from the gradients of the mean cross-entropy "
                    "with dropout: your backward pass's steps, with dA[l-1] multiplied by masks[l-1] before ReLU's "
                    f"slope{'' if index == 0 else ' (it was right with one hidden layer)'}.")
    params, X, y = small_network(*NETS[1])
    cache = _forward(params, X)
    ones = [None] + [np.ones_like(a) for a in cache.A[1:-1]] + [None]
    got = call(fn, params, list(cache.Z), list(cache.A), ones, y, numeric=False)
    if not all(same(_array(got[k], f"grads['{k}']"), v) for k, v in _backward(params, cache, y).items()):
        raise Wrong("with masks of ones (nothing dropped, p = 0) the gradients must be the plain backward pass's.")
    return "dropped units pass no gradient back, kept ones are scaled by 1 / (1 - p). Backpropagation with dropout!"
