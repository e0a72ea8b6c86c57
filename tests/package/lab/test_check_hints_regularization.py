"""Lesson 5's self-checks (the L2 penalty and its gradient, dropout, the forward and backward passes with dropout):
every right way passes, every planted wrong answer gets its exact hint.

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py; RIGHT_ANSWERS join those of
tests/package/lab/test_check.py. The answers are written as a learner writes them (_network_answers.py):
the forward pass with dropout calls the learner's relu, softmax and dropout by name.

Besides the usual slips, the table holds the answers that fooled the checks before or that the issue
names: a mask drawn from np.random or a seed of one's own (the rng ignored), one mask per sample, the
kept units scaled by p or not at all, dropout applied at prediction time (p = 0), L2 on the biases, and
a penalty fixed at two weight matrices.
"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check
from mnist_scratch.train import add_l2_gradient

from _network_answers import (backward_dropout, dropout, forward_dropout, l2_gradient, l2_penalty, one_hot, relu,
                              relu_prime, softmax)


def penalty(terms, *, biases=False, first_two=False):
    """lambda / 2 times the sum of ``terms(W)`` over the weights (with one planted mistake)."""
    def l2(params, lam):
        names = [k for k in params if biases or k.startswith("W")][:2 if first_two else None]
        return lam / 2 * sum(np.sum(terms(params[k])) for k in names)
    return l2


def gradient(factor, *, biases=False, skip_biases=False):
    """factor(lam) * W for the weights (with one planted mistake)."""
    def l2(params, lam):
        grads = {}
        for name, W in params.items():
            if name.startswith("W") or biases:
                grads[name] = factor(lam) * W
            elif not skip_biases:
                grads[name] = np.zeros_like(W)
        return grads
    return l2


def mask_of(draw, *, scale=lambda p: 1 / (1 - p), keep_below=False, return_mask=True, swap=False, bool_mask=False):
    """A learner's dropout with one planted mistake: ``draw(A, rng)`` gives the random numbers."""
    def drop(A, p, rng):
        u = draw(A, rng)
        keep = (u < p) if keep_below else (u >= p)
        mask = keep.astype(A.dtype) * A.dtype.type(scale(p)) if p else np.ones_like(A)
        if not return_mask:
            return A * mask
        if bool_mask:
            return A * mask, keep
        return (mask, A * mask) if swap else (A * mask, mask)
    return drop


def forward_variant(*, feed_undropped=False, drop_output=False, drop_input=False, two=False, unscaled=False,
                    store_undropped=False, p_fixed=None, no_dropout=False):
    """A learner's forward_dropout with one planted mistake."""
    def forward(params, X, p, rng):
        p = p_fixed if p_fixed is not None else p
        L = len(params) // 2
        if drop_input:
            X, first = dropout(X, p, rng)
        else:
            first = None
        Z, A, masks = [None], [X], [first]
        fed = X
        for l in range(1, L + 1):
            Z.append(fed @ params[f"W{l}"] + params[f"b{l}"])
            if l < L or drop_output:
                a = relu(Z[l]) if l < L else softmax(Z[l])
                if no_dropout:
                    dropped, mask = a, None
                elif unscaled:
                    mask = (rng.random(a.shape) >= p).astype(a.dtype)
                    dropped = a * mask
                else:
                    dropped, mask = dropout(a, p, rng)
                A.append(a if store_undropped else dropped)
                fed = a if feed_undropped else dropped
            else:
                dropped, mask = softmax(Z[l]), None
                A.append(dropped)
            masks.append(mask)
        return (Z, A) if two else (Z, A, masks)
    return forward


def backward_variant(*, use=lambda m: m, layer=lambda l: l - 1, n_div=True):
    """A learner's backward_dropout with one planted mistake: ``use(mask)`` instead of the mask."""
    def backward(params, Z, A, masks, y):
        L, n = len(params) // 2, len(y)
        dZ = (A[L] - one_hot(y).astype(A[L].dtype)) / (n if n_div else 1)
        grads = {}
        for l in range(L, 0, -1):
            grads[f"W{l}"] = A[l - 1].T @ dZ
            grads[f"b{l}"] = dZ.sum(axis=0)
            if l > 1:
                dA = dZ @ params[f"W{l}"].T
                mask = masks[layer(l)]
                dZ = dA * use(mask) * relu_prime(Z[l - 1])
        return grads
    return backward


def backward_ignores_masks(params, Z, A, masks, y):
    return backward_variant(use=lambda m: 1)(params, Z, A, masks, y)


def backward_undropped_dW(params, Z, A, masks, y):
    L, n = len(params) // 2, len(y)
    dZ = (A[L] - one_hot(y).astype(A[L].dtype)) / n
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = (relu(Z[l - 1]) if l > 1 else A[0]).T @ dZ     # relu(Z), before dropout
        grads[f"b{l}"] = dZ.sum(axis=0)
        if l > 1:
            dZ = (dZ @ params[f"W{l}"].T) * masks[l - 1] * relu_prime(Z[l - 1])
    return grads


def backward_one_hot_two_args(params, Z, A, masks, y):
    L, n = len(params) // 2, len(y)
    dZ = (A[L] - one_hot(y, 10)) / n                                    # this one_hot takes y alone
    return {"dZ": dZ}


def dropout_in_place(A, p, rng):
    mask = ((rng.random(A.shape) >= p) / (1 - p)).astype(A.dtype)
    A *= mask
    return A, mask


def dropout_exact_count(A, p, rng):
    flat = np.ones(A.size)
    flat[rng.permutation(A.size)[:round(p * A.size)]] = 0
    mask = (flat.reshape(A.shape) / (1 - p)).astype(A.dtype)
    return A * mask, mask


def package_l2_gradient(params, lam):
    grads = {k: np.zeros_like(W) for k, W in params.items()}
    add_l2_gradient(grads, params, lam)
    return grads


def package_dropout(A, p, rng):
    mask = ms.network.dropout_mask(A.shape, p, rng).astype(A.dtype)
    return A * mask, mask


WRONG_ANSWERS = [
    ('l2_penalty', 'biases included', penalty(lambda W: W ** 2, biases=True),
     'the biases are not penalised: sum over the weight matrices W1, W2, ... only.'),
    ('l2_penalty', 'no 1/2', lambda p,l: l*sum(np.sum(p[k]**2) for k in p if k[0] == 'W'),
     'twice too large: the penalty is (lambda / 2) * sum of w^2; the 1/2 makes its gradient simply lambda * W.'),
    ('l2_penalty', 'sum of |w| (L1)', penalty(np.abs),
     'that sums |w| (L1); L2 sums the squares, w^2.'),
    ('l2_penalty', 'norms, not squared', penalty(np.linalg.norm),
     'you summed the norms ||W||; L2 sums their squares, ||W||^2 = the sum of w^2.'),
    ('l2_penalty', 'mean of the squares', penalty(lambda W: np.mean(W ** 2)),
     'you averaged the squares of each matrix; the penalty SUMS them, over every weight of every layer.'),
    ('l2_penalty', 'forgets lambda', lambda p,l: 0.5*sum(np.sum(p[k]**2) for k in p if k[0] == 'W'),
     'the penalty must grow with lambda: multiply by lam.'),
    ('l2_penalty', 'the squares alone', lambda p,l: sum(np.sum(p[k]**2) for k in p if k[0] == 'W'),
     'that is the sum of the squared weights alone: multiply it by lambda / 2.'),
    ('l2_penalty', 'fixed at W1 and W2', penalty(lambda W: W ** 2, first_two=True),
     'right for two weight matrices, but this network has three: sum over every key of params that starts with '
     'W, however many layers there are.'),
    ('l2_penalty', 'only W1', lambda p,l: l / 2 * np.sum(p['W1'] ** 2),
     'only W1 was penalised: sum the squares of every weight matrix, W1, W2, ..., one term per layer.'),
    ('l2_penalty', 'lambda fixed at 0.1', lambda p,l: 0.05*sum(np.sum(p[k]**2) for k in p if k[0] == 'W'),
     'right for lambda = 0.1, but not for lambda = 0.037: use the lam you are given, not a number of your own.'),
    ('l2_gradient', 'biases penalised too', gradient(lambda lam: lam, biases=True),
     'the biases are not penalised, so their L2 gradient is 0 (an array of zeros of their shape).'),
    ('l2_gradient', '2 lambda W', gradient(lambda lam: 2 * lam),
     'twice too large: the derivative of (lambda / 2) w^2 is lambda w; the 1/2 of the penalty is there to '
     'cancel the 2.'),
    ('l2_gradient', '(lambda / 2) W', gradient(lambda lam: lam / 2),
     'half too small: the derivative of (lambda / 2) w^2 is lambda w, not (lambda / 2) w.'),
    ('l2_gradient', '-lambda W', gradient(lambda lam: -lam),
     'the sign is flipped: the penalty grows with every |w|, so its gradient is +lambda w (the step then '
     'shrinks each weight).'),
    ('l2_gradient', 'W without lambda', gradient(lambda lam: 1),
     'the gradient must grow with lambda: multiply each W by lam.'),
    ('l2_gradient', 'lambda W ** 2', lambda p,lam: {k: lam * W ** 2 if k[0] == 'W' else 0 * W for k, W in p.items()},
     'that is lambda w^2, a term of the penalty; its derivative with respect to w is lambda w.'),
    ('l2_gradient', 'the penalty, a number', l2_penalty,
     "return a dict with the gradient for each parameter, {'W1': ..., 'b1': ..., ...}, like your backward "
     "pass's, not float64."),
    ('l2_gradient', 'only W1 and W2', lambda p,lam: {k: lam * p[k] for k in ('W1', 'W2')},
     'the result needs the gradient of every weight matrix; missing: W3 (loop over every key of params, however '
     'many layers there are).'),
    ('l2_gradient', 'np.float64(lam) * W', lambda p,lam: {k: np.float64(lam) * W if k[0] == 'W' else np.zeros_like(W) for k, W in p.items()},
     'right values, but a float32 network gets float64 gradients: a float64 array turns every product it meets '
     'into float64, twice the memory and the time on 59,000 images. Multiply by lam as the plain number it is, '
     "and make zeros with the parameter's dtype."),
    ('l2_gradient', "the package's add_l2_gradient", package_l2_gradient,
     "your l2_gradient calls the package's own train.add_l2_gradient while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
     'afterwards.'),
    ('dropout', 'no 1/(1 - p) scaling', mask_of(lambda A, rng: rng.random(A.shape), scale=lambda p: 1),
     "the kept units must be scaled up by 1 / (1 - p) (inverted dropout), so that each unit's expected value is "
     'unchanged and nothing needs to change at test time.'),
    ('dropout', 'keeps with probability p', mask_of(lambda A, rng: rng.random(A.shape), keep_below=True),
     'you dropped 80% of the units: p = 0.2 is the probability of DROPPING one, so a unit is kept where its '
     'random number is at least p.'),
    ('dropout', 'multiplies by (1 - p)', mask_of(lambda A, rng: rng.random(A.shape), scale=lambda p: 1 - p),
     "divide the kept units by (1 - p), don't multiply: their expected value must stay the same."),
    ('dropout', 'divides by p', mask_of(lambda A, rng: rng.random(A.shape), scale=lambda p: 1 / p),
     'you divided by p, the probability of dropping; divide by the probability of KEEPING a unit, 1 - p, so '
     'that its expected value stays the same.'),
    ('dropout', 'one mask for all rows', lambda A,p,rng: (lambda m: (A * m, m))((rng.random(A.shape[1]) >= p).astype(A.dtype) / (1 - p)),
     "every row (sample) got the same mask: draw one random number per entry, a mask of A's shape."),
    ('dropout', 'one mask per sample', mask_of(lambda A, rng: np.broadcast_to(rng.random((len(A), 1)), A.shape)),
     'each row (sample) was kept or dropped whole: dropout drops single units, so draw one random number per '
     "entry, a mask of A's shape, not one per sample."),
    ('dropout', 'np.random instead of rng', mask_of(lambda A, rng: np.random.random(A.shape)),
     'two calls with generators seeded alike dropped different units: draw from the rng you are given (its '
     "random numbers, of A's shape), not from np.random."),
    ('dropout', 'a generator of its own, seed 0', mask_of(lambda A, rng: np.random.default_rng(0).random(A.shape)),
     'generators with different seeds dropped the same units: the mask ignores the rng it is given (a seed or a '
     'generator of its own?). Draw its random numbers from rng itself.'),
    ('dropout', 'returns only A * mask', mask_of(lambda A, rng: rng.random(A.shape), return_mask=False),
     'return two arrays: the activations after dropout, and the mask (0 where a unit is dropped, 1 / (1 - p) '
     'where it is kept), which the backward pass needs.'),
    ('dropout', 'returns (mask, A * mask)', mask_of(lambda A, rng: rng.random(A.shape), swap=True),
     'the two arrays are swapped: return the dropped activations first, then the mask.'),
    ('dropout', 'returns the True/False keep mask', mask_of(lambda A, rng: rng.random(A.shape), bool_mask=True),
     'return the mask with its scale in it, 0 where a unit is dropped and 1 / (1 - p) where it is kept (not '
     'True/False): the backward pass multiplies the gradients by it, as the forward pass multiplied the '
     'activations.'),
    ('dropout', 'a float64 mask for float32 A', lambda A,p,rng: (lambda m: (A * m, m))((rng.random(A.shape) >= p) / (1 - p)),
     'right values, but float32 activations give float64 and float64 out: a float64 array turns every product '
     "it meets into float64, twice the memory and the time on 59,000 images. Give the mask A's dtype (for "
     'example .astype(A.dtype)).'),
    ('dropout', 'drops even with p = 0', lambda A,p,rng: (lambda m: (A * m, m))((rng.random(A.shape) >= max(p, 0.2)).astype(A.dtype) / (1 - max(p, 0.2))),
     'with p = 0 nothing may be dropped or scaled (the mask is all ones): that is the network at prediction '
     'time.'),
    ('dropout', "the package's dropout_mask inside", package_dropout,
     "your dropout calls the package's own network.dropout_mask while the check runs: that is the package's "
     "answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's afterwards."),
    ('forward_dropout', 'next layer fed the activations before dropout', forward_variant(feed_undropped=True),
     'layer 2 was fed the activations before dropout: the next layer must see the dropped ones, and A[1] must '
     'hold them (the backward pass takes dW[2] from A[1]).'),
    ('forward_dropout', 'A keeps the activations before dropout', forward_variant(store_undropped=True),
     'A[1] must hold the dropped activations, the ones layer 2 saw: the backward pass takes dW[2] = A[1]^T '
     'dZ[2] from them.'),
    ('forward_dropout', 'the output layer dropped too', forward_variant(drop_output=True),
     'the output layer is never dropped (its probabilities must add up to 1): masks[L] is None.'),
    ('forward_dropout', 'the input dropped too', forward_variant(drop_input=True),
     "A[0] must be the input X itself: dropout here acts on the hidden layers' outputs, not on the pixels."),
    ('forward_dropout', 'returns only Z and A', forward_variant(two=True),
     'return three lists, Z, A and masks: the backward pass needs the masks to send the gradient only through '
     'the units that were kept.'),
    ('forward_dropout', 'the mask unscaled', forward_variant(unscaled=True),
     "the kept units of masks[1] are 1: scale them by 1 / (1 - p), as your dropout's mask does, so that each "
     "unit's expected value stays the same."),
    ('forward_dropout', 'p fixed at 0.5', forward_variant(p_fixed=0.5),
     'the kept units of masks[1] were scaled by 2, not 1 / (1 - p) = 1.333: use the p you are given (is a '
     'number fixed somewhere?).'),
    ('forward_dropout', 'nothing dropped', forward_variant(no_dropout=True),
     'masks[1] is None, but hidden layer 1 must be dropped with p = 0.25: keep its mask.'),
    ('forward_dropout', 'keeps with probability p', lambda params, X, p, rng: forward_dropout(params, X, 1 - p, rng),
     'the units were dropped with probability 1 - p: p = 0.25 is the probability of DROPPING a unit.'),
    ('forward_dropout', 'np.random masks', lambda params, X, p, rng: forward_dropout(params, X, p, np.random.default_rng()),
     'two calls with generators seeded alike dropped different units: draw the masks from the rng you are '
     'given, not from np.random.'),
    ('forward_dropout', 'a generator of its own, seed 0', lambda params, X, p, rng: forward_dropout(params, X, p, np.random.default_rng(0)),
     'generators with different seeds dropped the same units: draw the masks from the rng you are given, not '
     'from a seed or a generator of your own.'),
    ('forward_dropout', "a Model's forward_train", lambda params, X, p, rng: (lambda c: (c.Z, c.A, [c.masks.get(l) for l in range(len(c.Z))]))(ms.forward(params, X, dropout=p, rng=rng)),
     "your forward_dropout calls the package's own network.forward while the check runs: that is the package's "
     "answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's afterwards."),
    ('backward_dropout', 'the masks ignored', backward_ignores_masks,
     "the dropped units passed gradient back: multiply dA[l-1] by masks[l-1] before ReLU's slope, so that a "
     'unit the forward pass dropped gets no gradient, and a kept one is scaled as its output was.'),
    ('backward_dropout', 'the mask as True/False', backward_variant(use=lambda m: m > 0),
     "the kept units' gradients must be scaled by 1 / (1 - p) as well, as their outputs were: multiply by the "
     'mask itself, not by where it is non-zero.'),
    ('backward_dropout', 'the mask applied twice', backward_variant(use=lambda m: m * m),
     'the mask was applied twice on the way down: once per layer, dA[l-1] * masks[l-1].'),
    ('backward_dropout', 'masks[l], not masks[l-1]', backward_variant(layer=lambda l: l),
     "calling it raised TypeError: unsupported operand type(s) for *: 'float' and 'NoneType'. masks[0] and "
     'masks[L] are None (the input and the output layer have no mask): the mask that goes with dA[l-1] is '
     'masks[l-1], for l - 1 = L - 1, ..., 1.'),
    ('backward_dropout', 'masks[l] where it is not None', backward_variant(layer=lambda l: l, use=lambda m: 1 if m is None else m),
     'the mask that goes with dA[l-1] is masks[l-1], the mask of the layer the error is passed into, not '
     'masks[l]: with one hidden layer masks[L] is None (so nothing was masked), and with two the shapes do'
     ' not fit. dZ[l-1] = dA[l-1] * masks[l-1] * relu_prime(Z[l-1]).'),
    ('backward_dropout', 'dW from relu(Z), not the dropped A', backward_undropped_dW,
     'dW[l] = A[l-1]^T dZ[l] takes A[l-1] as the forward pass stored it, the DROPPED activations '
     '(relu(Z[l-1]) times its mask), which are what layer l saw; you used relu(Z[l-1]) before dropout.'),
    ('backward_dropout', 'one_hot(y, 10), one_hot taking one argument', backward_one_hot_two_args,
     'calling it raised TypeError: one_hot() takes 1 positional argument but 2 were given. The TypeError '
     "came from a call inside your function, not from the check's call of it: look at the line that calls "
     'another function and give it the arguments that function is defined with (run the cell that defines '
     'it, if it changed).'),
    ('dropout', 'A *= mask, in place', dropout_in_place,
     'it changed its input array in place; leave the input alone and return a new array (the network still'
     ' needs the input for the backward pass).'),
    ('dropout', 'exactly p of the units dropped', dropout_exact_count,
     'exactly p of the units were dropped at every call (8000 of 40000, p = 0.2): dropout drops each unit '
     'independently, with probability p, so how many are dropped varies from call to call. Draw one random'
     ' number per entry, rng.random(A.shape), and keep a unit where its number is at least p.'),
    ('l2_penalty', 'lam // 2', lambda params, lam: lam // 2 * sum(np.sum(W ** 2) for k, W in params.items() if k[0] == 'W'),
     'the penalty came out 0: lam // 2 is floor division, and 0.1 // 2 = 0.0; write lam / 2 (or 0.5 * '
     'lam).'),
    ('backward_dropout', 'forgets the 1/n', backward_variant(n_div=False),
     'every gradient is n = 40 times too large: the cost is the MEAN over the batch, so dZ[L] = (A[L] - Y) / n.'),
    ('backward_dropout', "the package's backward", lambda params, Z, A, masks, y: ms.backward(params, ms.network.Cache(Z=list(Z), A=list(A), masks={l: m for l, m in enumerate(masks) if m is not None}), y),
     "your backward_dropout calls the package's own network.backward while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
     'afterwards.'),
]

RIGHT_ANSWERS = {
    "l2_penalty": [l2_penalty, lambda p, lam: 0.5 * lam * sum(np.linalg.norm(p[k]) ** 2 for k in p if k[0] == "W"),
                   lambda p, lam: lam / 2 * sum(float(W.ravel() @ W.ravel()) for k, W in p.items() if k[0] == "W")],
    "l2_gradient": [l2_gradient, lambda p, lam: {k: lam * W for k, W in p.items() if k.startswith("W")},
                    lambda p, lam: {k: (lam * W if k[0] == "W" else 0 * W) for k, W in p.items()}],
    "dropout": [dropout, mask_of(lambda A, rng: rng.random(A.shape)),
                lambda A, p, rng: (lambda m: (A * m, m))(rng.binomial(1, 1 - p, A.shape).astype(A.dtype) / (1 - p)),
                lambda A, p, rng: (lambda m: (np.where(m > 0, A / (1 - p), 0).astype(A.dtype), m))(
                    np.where(rng.random(A.shape) < p, 0, 1 / (1 - p)).astype(A.dtype))],
    "forward_dropout": [forward_dropout],
    "backward_dropout": [backward_dropout, backward_variant(use=lambda m: m)],
}


def forward_dropout_before_relu(params, X, p, rng):
    """Dropout on Z, then ReLU: the same numbers, since relu(z * m) = relu(z) * m for a mask m >= 0."""
    L = len(params) // 2
    Z, A, masks = [None], [X], [None]
    for l in range(1, L + 1):
        Z.append(A[-1] @ params[f"W{l}"] + params[f"b{l}"])
        if l == L:
            A.append(softmax(Z[l]))
            masks.append(None)
        else:
            z, mask = dropout(Z[l], p, rng)
            A.append(relu(z))
            masks.append(mask)
    return Z, A, masks


def forward_dropout_skipping_p_0(params, X, p, rng):
    """No masks at all when p = 0 (None for every layer): accepted."""
    L = len(params) // 2
    Z, A, masks = [None], [X], [None]
    for l in range(1, L + 1):
        Z.append(A[-1] @ params[f"W{l}"] + params[f"b{l}"])
        a, mask = (softmax(Z[l]), None) if l == L else (relu(Z[l]), None)
        if l < L and p > 0:
            a, mask = dropout(a, p, rng)
        A.append(a)
        masks.append(mask)
    return Z, A, masks


RIGHT_ANSWERS["forward_dropout"] += [forward_dropout_before_relu, forward_dropout_skipping_p_0]


@pytest.mark.parametrize("name,index", [(n, i) for n, fns in RIGHT_ANSWERS.items() for i in range(len(fns))])
def test_every_right_answer_passes(capsys, name, index):
    assert check.hint_of(check.CHECKS[name], RIGHT_ANSWERS[name][index]) is None
    assert check.CHECKS[name](RIGHT_ANSWERS[name][index]) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_the_l2_gradient_is_the_gradient_of_the_penalty():
    """Independent of the checks: central differences of the right penalty give the right gradient."""
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)),
              "b2": rng.normal(size=2)}
    for name in params:
        numeric = ms.numerical_gradient(lambda: l2_penalty(params, 0.3), params[name], range(params[name].size))
        np.testing.assert_allclose(numeric.reshape(params[name].shape), l2_gradient(params, 0.3)[name], atol=1e-8)


def test_the_backward_pass_with_dropout_is_the_gradient_of_the_forward_pass_with_the_same_masks():
    """Independent of the checks: with the rng re-seeded at every call, every call drops the same units, and central
    differences of that cost give the learner-style backward_dropout's gradients."""
    params = ms.init_params([6, 5, 4, 10], seed=3, dtype=np.float64)
    params = {k: v + 0.1 for k, v in params.items()}
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(9, 6)), rng.integers(0, 10, size=9)

    def J():
        Z, A, masks = forward_dropout(params, X, 0.4, np.random.default_rng(5))
        return ms.cross_entropy(Z[-1], y)

    Z, A, masks = forward_dropout(params, X, 0.4, np.random.default_rng(5))
    grads = backward_dropout(params, Z, A, masks, y)
    for name in params:
        numeric = ms.numerical_gradient(J, params[name], range(params[name].size)).reshape(params[name].shape)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8)
