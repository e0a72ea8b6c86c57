"""Self-checks for the exercises: ``check.softmax(my_softmax)`` and friends.

Every check is called the same way, at the end of an exercise cell::

    check.softmax(my_softmax)                 # right: prints ✅ (and returns nothing)
                                              # wrong: prints ❌ and a hint, then raises CheckFailed
    check.softmax(my_softmax, raises=False)   # the same, but returns True or False instead

``CheckFailed`` is an ``AssertionError`` whose message is the hint, so a wrong
answer stops the cell (and a test) with a red error that says what to fix. A
function that still raises ``NotImplementedError`` is not judged: its own
message says what is left to write. Neither error's traceback shows a line of
the checks (their source holds the answers).

Each check feeds several inputs chosen to tell the common wrong answers apart
(zeros for ReLU', rows whose scores span 2,000 for softmax, networks of one, two
and three hidden layers, non-round fractions, non-square shapes everywhere), one
after another, so that an answer that fits one input or keeps state between
calls shows. It accepts every right way of writing the function, refuses the
package's own (``check.softmax(ms.softmax)``, or a function that calls it), and
never crashes on a strange answer: an exception, a wrong shape, ``None``, a
string, complex numbers or a tuple becomes a hint too. ``hint_of(check.softmax,
fn)`` returns the hint as text (None when ``fn`` is right), for tests and tools.

A check that passes a part of the learner's own network (``forward``,
``backward``, …: :data:`mnist_scratch.lab.parts.PARTS`) also saves it, for the
lessons that follow (:mod:`mnist_scratch.lab.my_network`).

=======================  =====  =====================================================
check                    lesson the learner writes
=======================  =====  =====================================================
``scale_pixels``         1      ``fn(raw)``: uint8 0-255 to float32 in [0, 1]
``mean_digit``           1      ``fn(X, y, k)``: the average image of class k
``one_hot``              1      ``fn(y)``: one-hot rows, shape (n, 10)
``relu``, ``relu_prime`` 2      ``fn(Z)``: ReLU and its slope
``softmax``              2      ``fn(Z)``: row-wise, stable softmax
``cross_entropy``        2      ``fn(Z, y)``: mean cross-entropy from logits, stable
``forward``              2      ``fn(params, X) -> (Z, A)``: the L-layer forward pass
``backward``             2      ``fn(params, Z, A, y) -> grads``: the L-layer backward pass
``numerical_gradient``   2      ``fn(J, theta, eps)``: central differences of J() for every entry
``gradient_descent``     3      ``fn(params, X, y, lr, iterations)``: full-batch gradient descent
``predict``              3      ``fn(params, X)``: the predicted class of every row
``accuracy``             3      ``fn(y_true, y_pred)``: the fraction right
``he_init``              4      ``fn(fan_in, fan_out, rng)``: He-initialised weights
``sgd_epoch``            4      ``fn(params, X, y, lr, batch_size, rng)``: one epoch of mini-batch SGD
``l2_penalty``           5      ``fn(params, lam)``: (lam / 2) * sum of squared weights
``l2_gradient``          5      ``fn(params, lam)``: its gradient, lam W (0 for the biases)
``dropout``              5      ``fn(A, p, rng) -> (A * mask, mask)``: inverted dropout
``forward_dropout``      5      ``fn(params, X, p, rng) -> (Z, A, masks)``: the forward pass with dropout
``backward_dropout``     5      ``fn(params, Z, A, masks, y)``: its gradients
``confusion_matrix``     6      ``fn(y_true, y_pred)``: the 10 x 10 counts
``per_class_accuracy``   6      ``fn(C)``: accuracy per true class (recall)
``precision``            6      ``fn(C)``: precision per class
``momentum_step``        7      ``fn(theta, v, g, lr, mu)``: one momentum step
``Adam``                 7      ``cls``: an optimizer class, ``cls(beta1, beta2, eps).step(theta, grad, lr)``
``cosine``               7      ``fn(t, T)``: the cosine schedule's factor
``rmsprop_step``         8      ``fn(theta, s, g, lr, rho, eps)``: one RMSprop step
``xavier_init``          8      ``fn(fan_in, fan_out, rng)``: Xavier-initialised weights
``batchnorm_forward``    9      ``fn(Z, gamma, beta, eps)``: batch norm in train mode, ``(Y, Z_hat, s)``
``batchnorm_backward_    9      ``fn(dY, Z, gamma, eps)``: its gradients, node by node along the graph
staged``
``batchnorm_backward``   9      ``fn(dY, Z_hat, gamma, s)``: its gradients by the compact formula
``batchnorm_layer``      9      ``fn(Z, gamma, beta, running_mean, running_var, train)``: both modes, running
                                averages
``conv2d``               10     ``fn(image, kernel)``: a 'valid' cross-correlation
``maxpool``              10     ``fn(A)``: 2x2 max-pooling of one feature map
``conv2d_backward``      10     ``fn(dZ, image, kernel)``: its gradients (d_image, d_kernel)
``maxpool_backward``     10     ``fn(dP, A)``: max-pooling's gradient, to each block's maximum
``to_torch_layout``      11     ``fn(params)``: our parameters as a PyTorch Sequential's state_dict
``train_step``           11     ``fn(model, loss_fn, optimizer, xb, yb)``: one PyTorch training step
``compare``              11     ``fn(mine, theirs)``: largest difference and match, array against tensor
=======================  =====  =====================================================
"""

from __future__ import annotations

from ._checking import CheckFailed, hint_of
from ._checks_data import mean_digit, one_hot, scale_pixels
from ._checks_descent import accuracy, gradient_descent, predict
from ._checks_math import cross_entropy, relu, relu_prime, softmax
from ._checks_network import backward, forward, numerical_gradient
from ._checks_adam import Adam
from ._checks_batchnorm import batchnorm_forward, batchnorm_layer
from ._checks_bn_backward import batchnorm_backward, batchnorm_backward_staged
from ._checks_cnn import conv2d, maxpool
from ._checks_cnn_backward import conv2d_backward, maxpool_backward
from ._checks_frameworks import to_torch_layout, train_step
from ._checks_autograd import compare
from ._checks_minibatch import he_init, sgd_epoch
from ._checks_l2 import l2_gradient, l2_penalty
from ._checks_dropout import backward_dropout, dropout, forward_dropout
from ._checks_evaluation import confusion_matrix, per_class_accuracy, precision
from ._checks_optim import cosine, momentum_step, rmsprop_step, xavier_init

_LESSONS = ["scale_pixels", "mean_digit", "one_hot",
            "relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward", "numerical_gradient",
            "gradient_descent", "predict", "accuracy",
            "he_init", "sgd_epoch", "l2_penalty", "l2_gradient", "dropout", "forward_dropout", "backward_dropout",
            "confusion_matrix", "per_class_accuracy", "precision",
            "momentum_step", "Adam", "cosine", "rmsprop_step", "xavier_init",
            "batchnorm_forward", "batchnorm_backward_staged", "batchnorm_backward", "batchnorm_layer",
            "conv2d", "maxpool", "conv2d_backward", "maxpool_backward", "to_torch_layout", "train_step",
            "compare"]

__all__ = ["CheckFailed", "hint_of", "CHECKS", *_LESSONS]

#: Every check, by name, in the lessons' order.
CHECKS = {name: globals()[name] for name in _LESSONS}
