"""Lessons 1-3's wrong answers from a learner's walkthrough (findings of walk123): each gets its own hint.

Gathered into the wrong-answer table of test_check_hints.py (``companion_tables``), like the other
lessons' tables: a fixed slice of X and a float32 network turned float64 in gradient_descent, lists
where arrays are asked for, theta restored with rounding drift, eps or lr ignored, and the slips that
got a generic "values differ" before.
"""

from __future__ import annotations

import numpy as np
from _network_answers import backward, cross_entropy, forward, numerical_gradient_flat, one_hot, relu, softmax


def gd(params, X, y, lr, iterations, *, rows=None, lr_fixed=None, upcast=False):
    costs = []
    for _ in range(iterations):
        Xs, ys = (X, y) if rows is None else (X[:rows], y[:rows])
        Z, A = forward(params, Xs)
        costs.append(cross_entropy(Z[-1], ys))
        grads = backward(params, Z, A, ys)
        for k in params:
            if upcast:
                params[k] = params[k] - np.float64(lr) * grads[k].astype(np.float64)
            else:
                params[k] -= (lr if lr_fixed is None else lr_fixed) * grads[k]
    return costs

def ng(J, theta, eps=1e-5, *, use=None, drift=False, as_list=False):
    e = eps if use is None else use
    g = []
    for i in np.ndindex(theta.shape):
        if drift:
            theta[i] += e; up = J(); theta[i] -= 2 * e; down = J(); theta[i] += e
        else:
            old = theta[i]; theta[i] = old + e; up = J(); theta[i] = old - e; down = J(); theta[i] = old
        g.append((up - down) / (2 * e))
    return g if as_list else np.array(g).reshape(theta.shape)

def forward_X_everywhere(params, X):
    L = len(params) // 2; Z, A = [None], [X]
    for l in range(1, L + 1):
        z = X @ params[f"W{l}"] + params[f"b{l}"]; Z.append(z); A.append(softmax(z) if l == L else relu(z))
    return Z, A

def forward_inplace_relu(params, X):
    L = len(params) // 2; Z, A = [None], [X]
    for l in range(1, L + 1):
        z = A[-1] @ params[f"W{l}"] + params[f"b{l}"]; Z.append(z)
        A.append(softmax(z) if l == L else np.maximum(z, 0, out=z))
    return Z, A

def ce_no_m(Z, y):
    m = Z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(Z - m).sum(axis=1)) - Z[np.arange(len(y)), y]))

def ce_columns(Z, y):
    m = Z.max(axis=1, keepdims=True)
    return float(np.mean(m[:, 0] + np.log(np.exp(Z - m).sum(axis=1)) - Z[:, y]))


WRONG_ANSWERS = [
    ('mean_digit', 'sum / len(X), not n_k', lambda X, y, k: X[y == k].sum(axis=0) / len(X),
     'you divided by all 12 images, not by the 3 of class k: the mean of class k is the sum of its images '
     'over HOW MANY there are, n_k.'),
    ('mean_digit', 'float16', lambda X, y, k: X[y == k].mean(axis=0).astype(np.float16),
     'right to about 3 digits, but float16 keeps no more than that (and sums of many images lose more): '
     'keep the float32 of the images.'),
    ('mean_digit', 'returns a list', lambda X, y, k: list(X[y == k].mean(axis=0)),
     'it returned a Python list; return one mean per pixel as a NumPy array (a list has no .shape or '
     '.dtype, and arithmetic on it does not work element by element).'),
    ('scale_pixels', 'raw // 255 in float32', lambda r: (r // 255).astype(np.float32),
     'integer division: raw // 255 rounds every pixel down, to 0 (only 255 becomes 1). Divide with /, '
     'which keeps the fraction.'),
    ('scale_pixels', '0.01 + 0.99 raw / 255', 
     lambda r: np.float32(0.01) + np.float32(0.99) * r.astype(np.float32) / 255,
     "that maps 0 to 0.01 and 255 to 1.0 (the 0.01 offset of 'Make Your Own Neural Network'); here a black"
     ' pixel stays exactly 0: divide by 255 and add nothing.'),
    ('one_hot', '0.01 / 0.99 targets', lambda y: np.where(np.arange(10) == y[:, None], 0.99, 0.01).astype(np.float32),
     "targets of 0.01 and 0.99 (as in 'Make Your Own Neural Network') suit a sigmoid output; with softmax "
     'and cross-entropy the target of the true class is exactly 1, the others 0.'),
    ('one_hot', 'a list of lists', lambda y: [[1.0 if j == v else 0.0 for j in range(10)] for v in y],
     'it returned a Python list; return the one-hot rows as a NumPy array (a list has no .shape or .dtype,'
     ' and arithmetic on it does not work element by element).'),
    ('relu', 'np.clip(Z, 0, 1)', lambda Z: np.clip(Z, 0, 1),
     'values above 1 were cut to 1 (that is clipping to [0, 1]); ReLU has no upper limit: positive inputs '
     'pass through unchanged.'),
    ('relu_prime', '0.5 at the corner', lambda Z: np.where(Z > 0, 1.0, np.where(Z == 0, 0.5, 0.0)).astype(Z.dtype),
     'at z = 0 the slope must be 0, not 0.5 (the average of the two sides): this series takes 0 there, as '
     'PyTorch does. The slope is 1 only where z is strictly positive.'),
    ('cross_entropy', 'row maximum not added back', ce_no_m,
     'the row maximum m is missing: log Σ e^z = m + log Σ e^(z - m). Subtracting m inside the exponentials'
     ' keeps them finite; add it back outside the log.'),
    ('cross_entropy', 'Z[:, y]', ce_columns,
     'Z[:, y] takes whole columns (an n × n array), not one score per row: row i needs only its own true '
     "class's score, the entry in row i, column y[i]."),
    ('cross_entropy', 'squared error against one-hot', lambda Z, y: float(np.mean((softmax(Z) - one_hot(y)) ** 2)),
     'calling it raised ValueError: operands could not be broadcast together with shapes (4,3) (4,10) : an'
     ' array of 10 columns met the 4 × 3 scores. Is it a one-hot of the labels, for a squared error? '
     'Cross-entropy needs no one-hot here: it is the mean of -log softmax(z)_y, the log-probability of '
     "each row's true class."),
    ('forward', 'ReLU in place, overwriting Z', forward_inplace_relu,
     'Z[1] holds relu(Z[1]): ReLU was applied in place and overwrote it. Keep Z[l] as computed (the '
     'backward pass needs it) and make A[l] = relu(Z[l]) a new array.'),
    ('forward', 'X as the input of every layer', forward_X_everywhere,
     'calling it raised ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with '
     'gufunc signature (n?,k),(k,m?)->(n?,m?): a layer above the first was given 3 columns, the width of '
     'X. Each layer l takes the output of the layer before it, A[l-1], not X.'),
    ('numerical_gradient', 'ignores eps (uses 1e-3)', lambda J, t, eps=1e-5: ng(J, t, eps, use=1e-3),
     'those are central differences with eps = 0.001, not with the eps you are given (1e-5 here): use the '
     'argument eps, not a number of your own.'),
    ('numerical_gradient', 'ignores eps (uses 1e-5)', lambda J, t, eps=1e-5: ng(J, t, eps, use=1e-5),
     'right with the default eps, but called with eps = 0.01 it did not take central differences of that '
     'size: use the argument eps, not a number of your own.'),
    ('numerical_gradient', 'restores by += eps (drift)', lambda J, t, eps=1e-5: ng(J, t, eps, drift=True),
     'theta came back off by 2.2e-16: adding and subtracting eps does not undo itself exactly in floating '
     "point. Keep each entry's old value and put THAT back, so that theta ends exactly as it started."),
    ('numerical_gradient', "CS231n's flat view, restored by += eps", numerical_gradient_flat,
     'theta came back off by 2.2e-16: adding and subtracting eps does not undo itself exactly in floating '
     "point. Keep each entry's old value and put THAT back, so that theta ends exactly as it started."),
    ('numerical_gradient', 'returns a list', lambda J, t, eps=1e-5: ng(J, t, eps, as_list=True),
     "it returned a Python list; return a NumPy array of theta's shape (np.zeros_like(theta) is a place to"
     ' store the derivatives).'),
    ('gradient_descent', 'a fixed slice X[:20]', lambda p, X, y, lr, it: gd(p, X, y, lr, it, rows=20),
     'right on 12 rows, but not on a set of 203: every iteration uses ALL of X (full-batch), not a fixed '
     'slice or a number of rows written in the code.'),
    ('gradient_descent', 'a fixed slice X[:100]', lambda p, X, y, lr, it: gd(p, X, y, lr, it, rows=100),
     'right on 12 rows, but not on a set of 203: every iteration uses ALL of X (full-batch), not a fixed '
     'slice or a number of rows written in the code.'),
    ('gradient_descent', 'upcast to float64', lambda p, X, y, lr, it: gd(p, X, y, lr, it, upcast=True),
     'right values, but a float32 network came out float64: the update mixed in a float64 number or array,'
     " and the network silently changed type (twice the memory and the time). Keep every parameter's "
     'dtype: update it in place, with gradients of its own dtype.'),
    ('gradient_descent', 'a hard-coded lr = 0.35', lambda p, X, y, lr, it: gd(p, X, y, lr, it, lr_fixed=0.35),
     'the parameters moved as if lr were 0.35, not the 0.5 it was given: use the argument lr, not a number'
     ' of your own.'),
    ('predict', 'returns a list', lambda p, X: list(forward(p, X)[1][-1].argmax(axis=1)),
     'it returned a Python list; return the labels as a NumPy array, one per row (argmax gives one '
     'already).'),
    ('predict', '.tolist()', lambda p, X: forward(p, X)[1][-1].argmax(axis=1).tolist(),
     'it returned a Python list; return the labels as a NumPy array, one per row (argmax gives one '
     'already).'),
    ('predict', 'max, not argmax', lambda p, X: forward(p, X)[1][-1].max(axis=1),
     'those are the largest probabilities, the confidence of each prediction; the prediction is the CLASS '
     'where that maximum sits: argmax, not max.'),
    ('accuracy', 'divides by 10000', lambda t, p: float(np.sum(t == p) / 10000),
     'that is 3 right divided by 10000, a fixed number; divide by how many predictions there are, '
     'len(y_true).'),
    ('accuracy', 'integer division', lambda t, p: int(np.sum(t == p)) // len(t),
     'it gave 0 for 3 right out of 7: integer division (// or int()) rounds the fraction down. Divide with'
     ' /.'),
    ('accuracy', 'a set intersection', lambda t, p: len(set(t) & set(p)) / len(t),
     'that counts the labels that occur in both, as sets; accuracy compares position by position: '
     'prediction i against true label i.'),
]
