"""Lessons 1-3's self-checks: every right way passes, every planted wrong answer gets its exact hint.

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py (which collects the
WRONG_ANSWERS of every tests/package/lab/test_check_hints_*.py); RIGHT_ANSWERS join those of
tests/package/lab/test_check.py the same way. The answers, right and wrong, are written
as a learner writes them: notebook functions that call each other (tests/package/lab/_network_answers.py).

Besides the learners' usual slips, the table holds the answers that fooled the checks before:
a softmax shifted by the row mean, a cross-entropy shifted by the global maximum, a forward and
a backward pass fixed at two layers, a function that keeps its first answer, a fixed k, lr or
number of iterations, a rounded fraction; and the package's own functions, handed in as they are
or called from a function of one's own.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check

from _network_answers import (accuracy, backward, cross_entropy, forward, forward_two_layers, forward_variant,
                              gd_variant, gradient_descent, logsumexp, numerical_gradient,
                              numerical_gradient_flat, numerical_with_package, one_hot, package_backward,
                              package_cross_entropy, package_loop, package_relu, predict, relu, relu_prime,
                              relu_remembers, softmax)


def naive_softmax(Z):
    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


def shifted(shift):
    """A softmax that subtracts ``shift(Z)`` before exponentiating."""
    def softmax_shifted(Z):
        E = np.exp(Z - shift(Z))
        return E / E.sum(axis=1, keepdims=True)
    return softmax_shifted


def set_columns(y):
    Y = np.zeros((len(y), 10), np.float32)
    Y[:, y] = 1
    return Y


def relu_in_place(Z):
    Z[Z < 0] = 0
    return Z


def lse_global(Z):
    m = Z.max()
    return m + np.log(np.exp(Z - m).sum(axis=1))


def ng_variant(kind):
    """A numerical gradient with one planted mistake."""
    def numerical(J, theta, eps=1e-5):
        grad = np.zeros_like(theta)
        if kind == "copy":
            theta = theta.copy()
        if kind == "all":
            theta += eps
            plus = J()
            theta -= 2 * eps
            minus = J()
            theta += eps
            return np.full(theta.shape, (plus - minus) / (2 * eps))
        if kind == "rows":
            for i in range(len(theta)):
                old = theta[i].copy()
                theta[i] = old + eps
                plus = J()
                theta[i] = old - eps
                minus = J()
                theta[i] = old
                grad[i] = (plus - minus) / (2 * eps)
            return grad
        for i in np.ndindex(theta.shape):
            old = theta[i]
            if kind == "args":
                grad[i] = J(theta)
                continue
            theta[i] = old + eps
            plus = J()
            theta[i] = old if kind == "onesided" else old - eps
            minus = J()
            if kind != "norestore":
                theta[i] = old
            grad[i] = (plus - minus) / (eps if kind in ("onesided", "eps") else 2 * eps)
        return grad.reshape(-1) if kind == "flat" else grad
    return numerical


def model_predict(p, X):
    sizes = [len(p["W1"])] + [p[f"W{l}"].shape[1] for l in range(1, len(p) // 2 + 1)]
    return ms.Model(sizes, params=p, dtype=p["W1"].dtype).predict(X)


WRONG_ANSWERS = [
    ('scale_pixels', 'raw // 255 (integer division)', lambda r: r // 255,
     'the result holds whole numbers (uint8): pixels in [0, 1] need a float type. Divide with / (true '
     'division), not // (which rounds down), after converting to float32.'),
    ('scale_pixels', 'raw / raw.max()', lambda r: r.astype(np.float32) / r.max(),
     "you divided by this batch's brightest pixel; divide by 255, the largest value a pixel can have, "
     'so that every batch is scaled the same way.'),
    ('scale_pixels', 'raw / 256', lambda r: r.astype(np.float32) / 256,
     'divide by 255, not 256: a white pixel (255) must become exactly 1.'),
    ('scale_pixels', 'raw / 255 in float64', lambda r: r / 255,
     'right values, but in float64, which takes twice the memory of float32 (376 MB instead of 188 MB '
     'for the 60,000 training images). Convert the pixels to float32 first, then divide.'),
    ('scale_pixels', '1 - raw / 255', lambda r: 1 - r.astype(np.float32) / 255,
     'black and white are swapped: 0 (background) must stay 0 and 255 must become 1.'),
    ('scale_pixels', 'fits the first batch only', lambda r: r.astype(np.float32) / (255 if len(r) == 3 else 250),
     'the values differ from raw / 255 by up to 0.02 on a second batch of 5 images (the first was '
     'right): does your function remember something from the first call?'),
    ('mean_digit', 'X[y == k].mean() (one number)', lambda X,y,k: X[y==k].mean(),
     'expected one mean per pixel, shape (784,), got a single number: average over the images '
     '(axis=0), not over everything.'),
    ('mean_digit', 'X[y == k].mean(axis=1)', lambda X,y,k: X[y==k].mean(axis=1),
     "you averaged each image's pixels (axis=1); average over the images instead, axis=0, to get one "
     'value per pixel.'),
    ('mean_digit', 'X.mean(axis=0) (all classes)', lambda X,y,k: X.mean(axis=0),
     'that is the average of ALL images; keep only the rows whose label is k (a boolean mask on y '
     'selects them).'),
    ('mean_digit', 'X[k] (image number k)', lambda X,y,k: X[k],
     'that is image number k; select the images whose LABEL is k (a boolean mask on y selects them).'),
    ('mean_digit', 'X[y == k].sum(axis=0)', lambda X,y,k: X[y==k].sum(axis=0),
     'that is the sum over the images; divide by how many there are (or use .mean(axis=0)).'),
    ('mean_digit', 'a fixed k = 1', lambda X,y,k: X[y==1].mean(axis=0),
     'right for k = 1, but not for k = 3: use the k you are given, for any class, and nothing '
     'remembered from an earlier call.'),
    ('one_hot', 'np.eye(10)[y].T (transposed)', lambda y: np.eye(10, dtype=np.float32)[y].T,
     'shape (10, 5) has one COLUMN per sample; in this series samples are rows: (n, 10).'),
    ('one_hot', 'y.max() + 1 columns', lambda y: np.eye(y.max()+1, dtype=np.float32)[y],
     'expected 10 columns, one per digit, even when some digits are missing from y; got 8.'),
    ('one_hot', 'Y[:, y] = 1', set_columns,
     'each row must hold exactly one 1: row i gets its 1 in column y[i] only, one entry per row (setting '
     'column y for every row at once, Y[:, y], fills whole columns).'),
    ('one_hot', '1 in column y[i] - 1', lambda y: np.eye(10, dtype=np.float32)[y-1],
     'the 1s are in the wrong columns: row i needs its 1 in column y[i].'),
    ('one_hot', 'float64 (np.eye(10)[y])', lambda y: np.eye(10)[y],
     "right values, but in float64: the targets meet the network's float32 probabilities in the "
     'backward pass, and float64 would turn that pass into float64, twice the memory and the time. '
     'Make the array float32 (dtype=np.float32).'),
    ('one_hot', "the package's ms.one_hot", ms.one_hot,
     "that is the package's own losses.one_hot, not a function you wrote: write one_hot yourself in "
     "the cell above (the check compares it with the package's)."),
    ('relu', 'np.abs(Z)', np.abs,
     'negative inputs should become 0, not their absolute value.'),
    ('relu', 'np.max(Z, 0)', lambda Z: np.max(Z, 0),
     'np.max(Z, 0) takes the largest value down each column; the element-wise maximum of two things '
     'is np.maximum.'),
    ('relu', "max(0, Z) (Python's max)", lambda Z: max(0, Z),
     'calling it raised ValueError: The truth value of an array with more than one element is '
     "ambiguous. Use a.any() or a.all(). Python's max, min and `if` look at one number at a time; on "
     'arrays use np.maximum or a comparison such as Z > 0.'),
    ('relu', '(Z > 0) (the slope)', lambda Z: (Z > 0).astype(float),
     "that is ReLU's slope (0 or 1); ReLU itself passes positive values through unchanged."),
    ('relu', 'Z[Z < 0] = 0 in place', relu_in_place,
     'it changed its input array in place; leave the input alone and return a new array (the network '
     'still needs the input for the backward pass).'),
    ('relu', 'keeps its first answer', relu_remembers,
     'right for the first input, but not for a second of shape (5, 3): does your function depend on '
     "the input's size, or remember something from an earlier call?"),
    ('relu', 'float64 out (Z * (Z > 0).astype(float))', lambda Z: Z * (Z > 0).astype(float),
     'right values, but float32 inputs give float64 out: relu of a float32 array should be float32. '
     'The networks here are float32, and a float64 array turns every product it meets into float64, '
     "twice the memory and the time on 59,000 images. Keep the input's dtype (for example "
     '.astype(Z.dtype)).'),
    ('relu', "the package's ms.relu", ms.relu,
     "that is the package's own activations.relu, not a function you wrote: write relu yourself in "
     "the cell above (the check compares it with the package's)."),
    ('relu', 'calls ms.relu', package_relu,
     "your relu calls the package's own activations.relu while the check runs: that is the package's "
     "answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
     'afterwards.'),
    ('relu_prime', 'Z >= 0', lambda Z: (Z >= 0).astype(Z.dtype),
     'at z = 0 the slope must be 0: ReLU has a corner there, and this series takes 0 (as PyTorch '
     'does). The slope is 1 only where z is strictly positive.'),
    ('relu_prime', 'np.maximum(Z, 0) (ReLU itself)', lambda Z: np.maximum(Z, 0),
     'that is ReLU itself; its slope is 1 for z > 0 and 0 otherwise.'),
    ('relu_prime', 'np.sign(Z)', np.sign,
     'negative inputs must give slope 0, not -1 (that is np.sign).'),
    ('relu_prime', 'np.heaviside(Z, 1)', lambda Z: np.heaviside(Z, 1),
     'at z = 0 the slope must be 0: ReLU has a corner there, and this series takes 0 (as PyTorch '
     'does). The slope is 1 only where z is strictly positive.'),
    ('relu_prime', '(Z > 0).astype(float) (float64)', lambda Z: (Z > 0).astype(float),
     'right values, but float32 inputs give float64 out: the slope of a float32 array should be '
     'float32 (or bool). The networks here are float32, and a float64 array turns every product it '
     "meets into float64, twice the memory and the time on 59,000 images. Keep the input's dtype (for "
     'example .astype(Z.dtype)).'),
    ('relu_prime', "the package's relu_prime, via a partial", partial(ms.relu_prime),
     "that is the package's own activations.relu_prime, not a function you wrote: write relu_prime "
     "yourself in the cell above (the check compares it with the package's)."),
    ('softmax', 'sum over axis 0', lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True),
     'each column sums to 1, but in this series each ROW is a sample: sum with axis=1, keepdims=True.'),
    ('softmax', 'sum over the whole array', lambda Z: np.exp(Z) / np.exp(Z).sum(),
     'you divided by the sum over the whole array; divide each row by its own sum (axis=1, '
     'keepdims=True).'),
    ('softmax', "subtracts each column's max", shifted(lambda Z: Z.max(axis=0)),
     "you subtracted each COLUMN's maximum (axis=0), which changes the answer; subtract each ROW's "
     'maximum: Z.max(axis=1, keepdims=True).'),
    ('softmax', 'subtracts the global max', shifted(lambda Z: Z.max()),
     'you subtracted the maximum of the whole array: a row whose scores all lie far below it '
     "underflows to 0 / 0 = NaN. Subtract each ROW's own maximum (axis=1, keepdims=True)."),
    ('softmax', "subtracts each row's mean", shifted(lambda Z: Z.mean(axis=1, keepdims=True)),
     "you subtracted each row's MEAN: for the row [1000, -1000, 0] the mean is 0, and e^1000 still "
     "overflows. Subtract each row's MAXIMUM: then every exponent is at most 0."),
    ('softmax', "subtracts each row's min", shifted(lambda Z: Z.min(axis=1, keepdims=True)),
     "you subtracted each row's MINIMUM, which makes the exponents larger, not smaller: subtract each "
     "row's maximum."),
    ('softmax', 'naive, no max subtracted', naive_softmax,
     'right for small scores, but a score of 1000 overflows exp() (inf / inf = NaN). Subtract each '
     "row's maximum before exponentiating: it changes nothing else."),
    ('softmax', 'max without keepdims', lambda Z: naive_softmax(Z - Z.max(axis=1)),
     'calling it raised ValueError: operands could not be broadcast together with shapes (3,4) (3,) : a row '
     'maximum or sum taken without keepdims has shape (n,), which lines up with the COLUMNS of the (n, K) '
     'scores, not the rows. Keep the axis (keepdims=True), so that it has shape (n, 1).'),
    ('softmax', 'returns complex numbers', lambda Z: softmax(Z) + 0j,
     'it returned complex numbers: a square root (or a power such as ** 0.5) of a negative number '
     'makes them. Real inputs need real outputs here.'),
    ('softmax', 'returns (probabilities, sums)', lambda Z: (softmax(Z), np.exp(Z).sum(axis=1)),
     'it returned a tuple of 2 values; return one array (is there a stray comma after `return`, or a '
     '`return a, b`?).'),
    ('softmax', "the package's ms.softmax", ms.softmax,
     "that is the package's own activations.softmax, not a function you wrote: write softmax yourself "
     "in the cell above (the check compares it with the package's)."),
    ('cross_entropy', 'sum over samples', lambda Z,y: np.sum(logsumexp(Z) - Z[np.arange(len(y)), y]),
     'that is the sum over samples; take the mean (divide by n).'),
    ('cross_entropy', 'sign flipped', lambda Z,y: -cross_entropy(Z, y),
     'the sign is flipped: the loss is MINUS the log-probability of the true class.'),
    ('cross_entropy', 'mean over all (n, K) entries', lambda Z,y: np.mean(-np.eye(Z.shape[1])[y]*np.log(softmax(Z))),
     'you averaged over every entry of the (n, K) array, which divides by the number of classes too: '
     'sum over the classes, then average over the n samples.'),
    ('cross_entropy', 'log10', lambda Z,y: -np.mean(np.log10(softmax(Z)[np.arange(len(y)),y])),
     'you used log10; cross-entropy uses the natural log, np.log.'),
    ('cross_entropy', '-log(softmax) (unstable)', lambda Z,y: -np.mean(np.log(softmax(Z)[np.arange(len(y)),y])),
     'right for ordinary scores, but for rows whose scores span 2,000 it gives inf or NaN: a '
     'probability that underflows to 0 has log(0) = -inf. Compute log softmax directly, as z_y - '
     "logsumexp(z), with each row's maximum subtracted inside the log-sum-exp."),
    ('cross_entropy', 'one loss per sample', lambda Z,y: logsumexp(Z) - Z[np.arange(len(y)),y],
     'expected one number, the MEAN over the 4 samples, got one loss per sample, shape (4,).'),
    ('cross_entropy', 'shifted by the global max', lambda Z,y: np.mean(lse_global(Z) - Z[np.arange(len(y)), y]),
     'you subtracted the maximum of the whole array inside the log-sum-exp: a row whose scores all '
     "lie far below it gives log(0). Subtract each ROW's own maximum."),
    ('cross_entropy', 'returns a string', lambda Z,y: f"{cross_entropy(Z, y):.3f}",
     "it returned the text '0.953', not numbers: return the array itself, not a description of it."),
    ('cross_entropy', 'calls ms.cross_entropy', package_cross_entropy,
     "your cross_entropy calls the package's own losses.cross_entropy while the check runs: that is "
     "the package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the "
     "package's afterwards."),
    ('forward', 'fixed at two layers', forward_two_layers,
     'A has 3 entries, but this network has L = 3 layers (len(params) // 2), so A needs L + 1 = 4: '
     'the input, then one per layer. Does your loop visit every layer?'),
    ('forward', 'ReLU on the output layer', partial(forward_variant, output=relu),
     'the output layer uses softmax, not ReLU: A[L] = softmax(Z[L]), probabilities.'),
    ('forward', 'softmax on the hidden layers', partial(forward_variant, hidden=softmax),
     'hidden layers use ReLU; only the output layer L uses softmax.'),
    ('forward', 'no bias', partial(forward_variant, bias=False),
     'Z[1] is missing the bias: Z[l] = A[l-1] W[l] + b[l].'),
    ('forward', 'feeds Z, not A, to the next layer', partial(forward_variant, feed_Z=True),
     "layer 2 was fed Z[1], not A[1]: each hidden layer's output is its activation, A[l] = "
     'relu(Z[l]), and that is what the next layer takes.'),
    ('forward', 'L = len(params)', partial(forward_variant, len_L=True),
     "calling it raised KeyError: 'W3': params holds two arrays per layer, W and b, so a network of L "
     'layers has 2L entries and L = len(params) // 2.'),
    ('forward', 'A without the input X', partial(forward_variant, start_X=False),
     'A has 2 entries; it needs the input first, A[0] = X, then A[1] … A[L]: L + 1 = 3.'),
    ('forward', 'Z without its None', partial(forward_variant, Z_none=False),
     'Z has 2 entries; it needs L + 1 = 3 too, with Z[0] = None for the input layer (it has no '
     'weighted input), so that Z[l] and A[l] belong to the same layer l.'),
    ('forward', 'returns only A[L]', partial(forward_variant, last_only=True),
     'it returned only the output A[L]; return both lists, Z and A: the backward pass needs every '
     "layer's."),
    ('forward', 'no activation on the hidden layers', partial(forward_variant, hidden=lambda z: z),
     'hidden layer 1 has no activation: A[l] = relu(Z[l]).'),
    ('forward', "the package's ms.forward", ms.forward,
     "that is the package's own network.forward, not a function you wrote: write forward yourself in "
     "the cell above (the check compares it with the package's)."),
    ('backward', 'forgets the 1/n', partial(backward, n_div=False),
     'every gradient is n = 7 times too large: the cost is the MEAN over the batch, so dZ[L] = (A[L] '
     '- Y) / n.'),
    ('backward', 'Y - A (sign)', partial(backward, sign=-1.0),
     'every gradient has the wrong sign: dZ[L] = (A[L] - Y) / n, prediction minus target.'),
    ('backward', "ReLU' as Z >= 0", partial(backward, relu_ge=True),
     "only the first layer's gradients are off, through the weighted inputs that are exactly 0: "
     "ReLU'(0) is 0 in this series, so the slope is 1 only where Z > 0."),
    ('backward', "no ReLU' (dZ = dA)", partial(backward, no_slope=True),
     "dW2 and db2 are right, but the layers below are not: on the way down, multiply by ReLU's slope, "
     'dZ[l-1] = dA[l-1] * relu_prime(Z[l-1]).'),
    ('backward', 'dW = dZ.T @ A', partial(backward, dWT=True),
     "grads['W2'] has shape (10, 4) but W2 has shape (4, 10): every gradient has the shape of its "
     'parameter (dW2 = A[1].T @ dZ2).'),
    ('backward', 'db summed over axis 1', partial(backward, db_axis=1),
     "grads['b2'] has shape (7,) but b2 has shape (10,): every gradient has the shape of its "
     'parameter (sum dZ2 over the rows, axis=0: one value per unit).'),
    ('backward', 'db = dZ.mean(axis=0)', partial(backward, db_mean=True),
     "every db is n = 7 times too small: dZ already holds the 1/n, so SUM it over the rows; don't "
     'average again.'),
    ('backward', 'dA = dZ @ W (no transpose)', partial(backward, no_T=True),
     'calling it raised ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, '
     "with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 4 is different from 10). Write each array's "
     'shape beside its line and check that the shapes fit. Passing the error down is dA[l-1] = dZ[l] '
     'W[l]^T: W[l] has shape (n_{l-1}, n_l), so only its transpose fits after dZ[l], of shape (n, '
     'n_l).'),
    ('backward', 'the loop stops at layer 2', partial(backward, stop_at=2),
     'the result needs a gradient for every parameter; missing: W1, b1. The loop must run down to '
     'layer 1: l = L, L-1, …, 1.'),
    ('backward', 'A[L] - y with the labels', partial(backward, labels=True),
     'calling it raised ValueError: operands could not be broadcast together with shapes (7,10) (7,) '
     ". Write each array's shape beside its line and check that the shapes fit. A[L] holds one row of "
     '10 probabilities per sample, but y holds integer labels, shape (n,): turn them into one-hot '
     "rows first (lesson 1's one_hot(y))."),
    ('backward', 'fixed at two layers', partial(backward, two_layers=True),
     'calling it raised ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, '
     "with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 3 is different from 10). Write each array's "
     'shape beside its line and check that the shapes fit. It worked for one hidden layer but not for '
     '2: does your code assume two layers somewhere? L = len(params) // 2, and the loop runs l = L, '
     '…, 1.'),
    ('backward', "ReLU' of Z[l], not Z[l-1]", partial(backward, slope_of=lambda l: l),
     'calling it raised ValueError: operands could not be broadcast together with shapes (7,4) (7,10) '
     ". Write each array's shape beside its line and check that the shapes fit. ReLU's slope goes "
     'with the layer the error is passed into: dZ[l-1] = dA[l-1] * relu_prime(Z[l-1]), both of shape '
     '(n, n_{l-1}).'),
    ('backward', 'returns a tuple', lambda p,Z,A,y: tuple(backward(p,Z,A,y).values()),
     "return a dict of gradients with the keys of params, {'W1': dW1, 'b1': db1, …}, not tuple."),
    ('backward', 'float64 one-hot', lambda p,Z,A,y: backward(p, Z, [*A[:-1], A[-1].astype(np.float64)], y),
     'right values, but a float32 network gets float64 gradients: a float64 array turns every product '
     'it meets into float64, twice the memory and the time on 59,000 images. A float64 one-hot Y does '
     'it in A[L] - Y: give Y the dtype of A[L] (or make your one_hot float32).'),
    ('backward', 'calls ms.backward', package_backward,
     "your backward calls the package's own network.backward while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the "
     "package's afterwards."),
    ('numerical_gradient', 'one-sided difference', ng_variant("onesided"),
     'close, but off by up to 2.11e-05: a one-sided difference, (J(θ + ε) - J(θ)) / ε, is only '
     'accurate to about ε. The central difference, (J(θ + ε) - J(θ - ε)) / 2ε, is accurate to about '
     'ε², which a gradient check needs.'),
    ('numerical_gradient', 'divides by eps, not 2 eps', ng_variant("eps"),
     'twice the gradient: the central difference divides by the distance between the two points, 2 '
     'eps, not eps.'),
    ('numerical_gradient', 'theta not restored', ng_variant("norestore"),
     'theta was left changed (by up to 1e-05): after nudging an entry, put its old value back, so '
     'that J sees the parameters it started with.'),
    ('numerical_gradient', 'nudges a copy of theta', ng_variant("copy"),
     'every derivative is 0: J never saw the nudge. J reads theta itself, so change the entries of '
     'theta in place (not of a copy), one at a time, and call J().'),
    ('numerical_gradient', 'nudges every entry at once', ng_variant("all"),
     'every derivative is the same number: nudge ONE entry at a time, and give each entry its own '
     'derivative.'),
    ('numerical_gradient', 'theta[i] is a whole row', ng_variant("rows"),
     'each row got one value: on a 2-D array, theta[i] is a whole row. Visit every entry, for example '
     'with np.ndindex(theta.shape), or through the flat view theta.reshape(-1).'),
    ('numerical_gradient', 'returns a flat array', ng_variant("flat"),
     "expected an array of theta's shape (3, 4), got the flat (12,): reshape it to theta.shape."),
    ('numerical_gradient', 'calls J(theta)', ng_variant("args"),
     'J takes no arguments: it reads theta itself. Change an entry of theta, then call J() for the '
     'cost.'),
    ('numerical_gradient', "calls the package's numerical_gradient", numerical_with_package,
     "your numerical_gradient calls the package's own gradient_check.numerical_gradient while the "
     "check runs: that is the package's answer, not yours. Write it yourself with NumPy; the lesson "
     "compares it with the package's afterwards."),
    ('gradient_descent', 'params[name] += lr * grads[name]', partial(gd_variant, sign=1.0),
     'the parameters moved UP the gradient: subtract lr times the gradient.'),
    ('gradient_descent', 'the biases never move', partial(gd_variant, biases=False),
     'the biases did not move: update every parameter, for name in params.'),
    ('gradient_descent', 'one iteration too many', partial(gd_variant, extra=1),
     'the parameters took 4 steps, not 3: one update per iteration, exactly `iterations` of them.'),
    ('gradient_descent', 'the cost after each update', partial(gd_variant, after=True),
     'those are the costs after each update; record the cost of the forward pass each iteration '
     'starts with, before the update.'),
    ('gradient_descent', 'returns new parameters', partial(gd_variant, new_dict=True),
     'it returned new parameters but left params as they were: change the arrays inside params itself '
     "(an in-place update, θ ← θ - lr ∇θ), so that the caller's network learns."),
    ('gradient_descent', 'W = W - lr * dW (rebinds a local)', partial(gd_variant, rebind=True),
     'the parameters did not change: update each one in place, θ ← θ - lr ∇θ on the array params '
     'holds (W = W - ... gives a new local array and leaves params as it was).'),
    ('gradient_descent', 'a fixed lr and iteration count', partial(gd_variant, fixed=(0.5, 3)),
     'right for the first call, but not for a second one with lr = 0.1 and 2 iterations, on the '
     'parameters the first left: use the lr and the number of iterations you are given, and nothing '
     'remembered from an earlier call.'),
    ('gradient_descent', 'returns nothing', lambda *args: (gradient_descent(*args), None)[1],
     'it returned None: return the list of costs, one per iteration (the cost of the forward pass the '
     'iteration starts with).'),
    ('gradient_descent', 'calls ms.train', package_loop,
     "your gradient_descent calls the package's own train.train while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the "
     "package's afterwards."),
    ('predict', 'argmax(axis=0)', lambda p,X: forward(p,X)[1][-1].argmax(axis=0),
     'one label per ROW: take the argmax along axis=1 (across the classes), which gives shape (7,).'),
    ('predict', 'argmax() (no axis)', lambda p,X: forward(p,X)[1][-1].argmax(),
     'argmax without an axis gives one index into the flattened array; one label per row needs the '
     'argmax across the classes, axis=1.'),
    ('predict', 'returns the probabilities', lambda p,X: forward(p,X)[1][-1],
     'that is the probabilities, one row of 4 per sample; the prediction is the index of the largest '
     'one in each row.'),
    ('predict', 'argmin(axis=1)', lambda p,X: forward(p,X)[1][-1].argmin(axis=1),
     'argmin picks the LEAST likely class; the prediction is the most likely: argmax.'),
    ('predict', "the hidden layer's argmax", lambda p,X: forward(p,X)[1][1].argmax(axis=1),
     "that is the first hidden layer's output; predict from the last layer's, A[-1]."),
    ('predict', "uses a Model's predict", model_predict,
     "your predict calls the package's own interface.Network.predict while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the "
     "package's afterwards."),
    ('accuracy', 'error rate', lambda t,p: np.mean(t != p),
     'that is the error rate (the fraction WRONG); accuracy is the fraction right.'),
    ('accuracy', 'count', lambda t,p: np.sum(t == p),
     'that is the number of correct predictions; divide by how many there are.'),
    ('accuracy', 'element-wise array', lambda t,p: t == p,
     'expected one number, got an array of shape (7,): turn the matches into one fraction.'),
    ('accuracy', 'percentage', lambda t,p: 100 * np.mean(t == p),
     'that is a percentage; return a fraction between 0 and 1.'),
    ('accuracy', 'rounded to two digits', lambda t,p: round(float(np.mean(t == p)), 2),
     "expected 3/7 = 0.428571, got 0.43: don't round the fraction."),
    ('accuracy', "the package's ms.accuracy", ms.accuracy,
     "that is the package's own evaluate.accuracy, not a function you wrote: write accuracy yourself "
     "in the cell above (the check compares it with the package's)."),

]


RIGHT_ANSWERS = {
    "scale_pixels": [lambda r: r.astype(np.float32) / 255, lambda r: r / np.float32(255),
                     lambda r: (r / 255).astype(np.float32), lambda r: np.divide(r, 255, dtype=np.float32)],
    "mean_digit": [lambda X, y, k: X[y == k].mean(axis=0), lambda X, y, k: X[y == k].sum(axis=0) / np.sum(y == k),
                   lambda X, y, k: np.average(X, axis=0, weights=y == k)],
    "one_hot": [one_hot, lambda y: np.eye(10, dtype=np.float32)[y],
                lambda y: (y[:, None] == np.arange(10)).astype(np.float32), lambda y: y[:, None] == np.arange(10)],
    "relu": [relu, lambda Z: Z * (Z > 0), lambda Z: np.where(Z > 0, Z, 0).astype(Z.dtype),
             lambda Z: np.clip(Z, 0, None), lambda Z: np.array([[max(0, z) for z in row] for row in Z], Z.dtype)],
    "relu_prime": [relu_prime, lambda Z: Z > 0, lambda Z: np.heaviside(Z, 0).astype(Z.dtype),
                   lambda Z: np.where(Z > 0, 1, 0).astype(Z.dtype)],
    "softmax": [softmax, lambda Z: np.exp(Z - logsumexp(Z)[:, None]),
                lambda Z: (lambda E: E / E.sum(axis=1)[:, None])(np.exp(Z - Z.max(axis=1)[:, None])),
                lambda Z: np.apply_along_axis(lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(), 1, Z)],
    "cross_entropy": [cross_entropy, lambda Z, y: -np.mean((Z - logsumexp(Z)[:, None])[np.arange(len(y)), y]),
                      lambda Z, y: float(np.sum(logsumexp(Z) - Z[np.arange(len(y)), y]) / len(y)),
                      lambda Z, y: np.mean([np.log(np.sum(np.exp(z - z.max()))) + z.max() - z[t] for z, t in zip(Z, y)])],
    "forward": [forward, lambda params, X: tuple(map(list, forward(params, X)))],
    "backward": [backward, lambda params, Z, A, y: {k: v for k, v in reversed(backward(params, Z, A, y).items())}],
    "numerical_gradient": [numerical_gradient],
    "gradient_descent": [gradient_descent, lambda *args: tuple(gradient_descent(*args))],
    "predict": [predict, lambda params, X: np.argmax(forward(params, X)[1][-1], 1).astype(np.int32),
                lambda params, X: forward(params, X)[0][-1].argmax(axis=1)],
    "accuracy": [accuracy, lambda t, p: np.count_nonzero(t == p) / len(t), lambda t, p: (t == p).sum() / t.size,
                 lambda t, p: sum(a == b for a, b in zip(t, p)) / len(t)],
}


@pytest.mark.parametrize("name,index", [(n, i) for n, fns in RIGHT_ANSWERS.items() for i in range(len(fns))])
def test_every_right_answer_passes(capsys, name, index):
    assert check.hint_of(check.CHECKS[name], RIGHT_ANSWERS[name][index]) is None
    assert check.CHECKS[name](RIGHT_ANSWERS[name][index]) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def _running_accuracy():
    """An accuracy that keeps a running total between calls: right the first time only."""
    seen = {"right": 0, "total": 0}

    def running(y_true, y_pred):
        seen["right"] += int(np.sum(y_true == y_pred))
        seen["total"] += len(y_true)
        return seen["right"] / seen["total"]
    return running


def _softmax_caching_the_shift():
    """A softmax that keeps its first answer (a memo keyed on nothing): right on the first input only."""
    kept = {}

    def cached(Z):
        return kept.setdefault("P", softmax(Z))
    return cached


def _descent_with_a_step_counter():
    """Gradient descent whose learning rate decays with a global step count: right on the first call only."""
    steps = [0]

    def counted(params, X, y, lr, iterations):
        costs = []
        for _ in range(iterations):
            Z, A = forward(params, X)
            costs.append(cross_entropy(Z[-1], y))
            grads = backward(params, Z, A, y)
            steps[0] += 1
            for name in params:
                params[name] -= lr * (1 if steps[0] <= 3 else 0.5) * grads[name]
        return costs
    return counted


@pytest.mark.parametrize("name,make,hint", [
    ("accuracy", _running_accuracy, "right for the first input, but 3 predictions with 3 right should give 1, not 0.6."),
    ("softmax", _softmax_caching_the_shift, "right for the first input, but not for a second of shape (5, 7): does your "
     "function depend on the input's size, or remember something from an earlier call?"),
    ("gradient_descent", _descent_with_a_step_counter, "right for the first call, but not for a second one with lr = "
     "0.1 and 2 iterations, on the parameters the first left: use the lr and the number of iterations you are given, "
     "and nothing remembered from an earlier call."),
])
def test_state_kept_between_calls_is_caught(name, make, hint):
    """Each check calls the function more than once, so that state kept between calls shows (a fresh one each time)."""
    assert check.hint_of(check.CHECKS[name], make()) == hint


def test_the_planted_wrong_answers_are_wrong_and_the_right_ones_right():
    """Independent of the checks: the planted mistakes really change the numbers, against central differences."""
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(4, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=(5, 3)),
              "b2": rng.normal(size=3), "W3": rng.normal(size=(3, 10)), "b3": rng.normal(size=10)}
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 10, size=6)
    Z, A = forward(params, X)

    def J():
        return cross_entropy(forward(params, X)[0][-1], y)

    right = backward(params, Z, A, y)
    for key in params:
        numeric = numerical_gradient(J, params[key])
        np.testing.assert_allclose(right[key], numeric, rtol=1e-6, atol=1e-8)
        assert np.allclose(numerical_gradient_flat(J, params[key]), numeric, rtol=1e-6, atol=1e-8)
    for mistake in (dict(n_div=False), dict(sign=-1.0), dict(no_slope=True), dict(db_mean=True)):
        wrong = backward(params, Z, A, y, **mistake)
        assert any(not np.allclose(wrong[k], right[k]) for k in params), mistake
    np.testing.assert_allclose(A[-1], ms.forward(params, X).A[-1], rtol=1e-12)
