"""Self-checks for lesson 5's L2 regularisation: the penalty and its gradient.

Both are tried on a network with one hidden layer and then on one with two (three
weight matrices), with values that are not round and a lambda that is not either, so
that a sum fixed at ``W1`` and ``W2``, or a lambda of one's own, shows. The usual
slips are named: the biases penalised, the 1/2 forgotten (or kept in the gradient),
|w| summed instead of w², norms instead of their squares, the sign of the gradient.
"""

from __future__ import annotations

import numpy as np

from ._checking import Wrong, as_number, call, checker, same, rng as _rng
from ._checks_network import _array

__all__ = ["l2_penalty", "l2_gradient"]

#: (layer sizes, seed, lambda): one hidden layer, then two.
NETS = [([3, 2, 4], 10, 0.1), ([4, 3, 5, 2], 11, 0.037)]


def _params(sizes, seed, dtype=np.float64) -> dict:
    rng = _rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.normal(0, 0.7, size=(fan_in, fan_out)).astype(dtype)
        params[f"b{l}"] = rng.normal(0, 0.7, size=fan_out).astype(dtype)
    return params


def _weights(params) -> list:
    return [W for name, W in params.items() if name.startswith("W")]


@checker
def l2_penalty(fn):
    """``fn(params, lam)``: (lam / 2) times the sum of the squared weights (not the biases)."""
    for index, (sizes, seed, lam) in enumerate(NETS):
        params = _params(sizes, seed)
        value = as_number(call(fn, params, lam))
        weights = _weights(params)
        squares = sum(float(np.sum(W ** 2)) for W in weights)
        if np.isclose(value, lam / 2 * squares, rtol=1e-6):
            continue
        for wrong_value, hint in [
            (lam / 2 * sum(float(np.sum(p ** 2)) for p in params.values()),
             "the biases are not penalised: sum over the weight matrices W1, W2, ... only."),
            (lam * squares, "twice too large: the penalty is (lambda / 2) * sum of w^2; the 1/2 makes its gradient "
                            "simply lambda * W."),
            (lam / 2 * sum(float(np.sum(np.abs(W))) for W in weights), "that sums |w| (L1); L2 sums the squares, w^2."),
            (lam / 2 * sum(float(np.linalg.norm(W)) for W in weights),
             "you summed the norms ||W||; L2 sums their squares, ||W||^2 = the sum of w^2."),
            (lam / 2 * sum(float(np.mean(W ** 2)) for W in weights),
             "you averaged the squares of each matrix; the penalty SUMS them, over every weight of every layer."),
            (squares / 2, "the penalty must grow with lambda: multiply by lam."),
            (squares, "that is the sum of the squared weights alone: multiply it by lambda / 2."),
            (NETS[0][2] / 2 * squares, f"right for lambda = {NETS[0][2]}, but not for lambda = {lam}: use the lam "
                                       "you are given, not a number of your own."),
            (lam / 2 * sum(float(np.sum(W ** 2)) for W in weights[:2]),
             "right for two weight matrices, but this network has three: sum over every key of params that starts "
             "with W, however many layers there are."),
            (lam // 2 * squares, f"the penalty came out 0: lam // 2 is floor division, and {lam} // 2 = 0.0; write "
                                 "lam / 2 (or 0.5 * lam)."),
            (lam / 2 * float(np.sum(weights[0] ** 2)), "only W1 was penalised: sum the squares of every weight matrix, "
                                                        "W1, W2, ..., one term per layer."),
        ]:
            if np.isclose(value, wrong_value, rtol=1e-6):
                if index > 0 and not hint.startswith("right"):
                    hint = f"right for the first network, but not for a second one with lambda = {lam}: {hint}"
                raise Wrong(hint)
        where = "" if index == 0 else " (right for the first network: is a number fixed somewhere?)"
        raise Wrong(f"expected {lam / 2 * squares:.6f} for these weights and lambda = {lam}, got {value:.6f}{where}.")
    return "(lambda / 2) * the sum of the squared weights, biases left alone. Correct!"


@checker(refuses=("mnist_scratch.train.add_l2_gradient",))
def l2_gradient(fn):
    """``fn(params, lam)``: the penalty's gradient, {name: lam * W for weights, 0 for biases}."""
    for index, (sizes, seed, lam) in enumerate(NETS):
        params = _params(sizes, seed)
        result = call(fn, params, lam, numeric=False)
        if not isinstance(result, dict):
            raise Wrong(f"return a dict with the gradient for each parameter, {{'W1': ..., 'b1': ..., ...}}, like "
                        f"your backward pass's, not {type(result).__name__}.")
        missing = [k for k in params if k.startswith("W") and k not in result]
        if missing:
            raise Wrong(f"the result needs the gradient of every weight matrix; missing: {', '.join(missing)} "
                        f"(loop over every key of params, however many layers there are).")
        got = {k: _array(result[k], f"the gradient of {k}") if k in result else np.zeros_like(v)
               for k, v in params.items()}
        for k, v in params.items():
            if got[k].shape != v.shape:
                raise Wrong(f"the gradient of {k} has shape {got[k].shape}, but {k} has shape {v.shape}: every "
                            f"gradient has the shape of its parameter.")
        weights, biases = [k for k in params if k[0] == "W"], [k for k in params if k[0] == "b"]
        if all(same(got[k], lam * params[k]) for k in weights) and all(same(got[k], 0 * params[k]) for k in biases):
            continue
        for factor, hint in [(2 * lam, "twice too large: the derivative of (lambda / 2) w^2 is lambda w; the 1/2 "
                                       "of the penalty is there to cancel the 2."),
                             (lam / 2, "half too small: the derivative of (lambda / 2) w^2 is lambda w, not "
                                       "(lambda / 2) w."),
                             (-lam, "the sign is flipped: the penalty grows with every |w|, so its gradient is "
                                    "+lambda w (the step then shrinks each weight)."),
                             (1.0, "the gradient must grow with lambda: multiply each W by lam.")]:
            if all(same(got[k], factor * params[k]) for k in weights):
                raise Wrong(hint)
        if all(same(got[k], lam * params[k]) for k in params):
            raise Wrong("the biases are not penalised, so their L2 gradient is 0 (an array of zeros of their shape).")
        if all(same(got[k], lam * params[k] ** 2) for k in weights):
            raise Wrong("that is lambda w^2, a term of the penalty; its derivative with respect to w is lambda w.")
        wrong = [k for k in params if not same(got[k], lam * params[k] if k[0] == "W" else 0 * params[k])]
        raise Wrong(f"the gradients of {', '.join(wrong)} differ from lambda * W (and 0 for a bias), for "
                    f"lambda = {lam}{'' if index == 0 else ' (right for the first network)'}.")
    params = _params(NETS[1][0], NETS[1][1], np.float32)
    result = call(fn, params, 0.037, numeric=False)
    kinds = sorted({str(np.asarray(result[k]).dtype) for k in params if k in result} - {"float32"})
    if kinds:
        raise Wrong(f"right values, but a float32 network gets {', '.join(kinds)} gradients: a float64 array turns "
                    "every product it meets into float64, twice the memory and the time on 59,000 images. Multiply by "
                    "lam as the plain number it is, and make zeros with the parameter's dtype.")
    return "lambda W for every weight, 0 for every bias: the penalty's gradient. Correct!"
