"""The parts of the learner's own network: what each lesson's exercises add to it.

Every exercise whose function the later lessons build on is a **part**: it has
a name (the function's name in the exercise, the name of its self-check and of
the file it is saved in), the lesson and exercise that ask for it, and a
reference, the package's own version with the same signature
(:mod:`mnist_scratch.lab.reference`), which stands in wherever the learner has
not written the part yet.

When ``check.<name>(fn)`` passes, :mod:`.saving` keeps ``fn`` as the learner's
part; :func:`.my_network.load` builds the network from the parts again, the
learner's where they have them, the reference's elsewhere.

A lesson that adds a part adds one line to :data:`PARTS` (in its lesson's
order: a part may use the parts above it), a function with the same name and
signature to :mod:`.reference`, and a check named like the part
(``docs/contributing.md``, "The learner's own network", says how).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Part", "PARTS", "parts_up_to", "part"]


@dataclass(frozen=True)
class Part:
    name: str            # the function's (or class's) name, its check's (check.<name>) and its file's (<name>.py)
    lesson: int          # the lesson whose exercise asks for it
    exercise: int        # the exercise's number in that lesson
    signature: str       # as the stub defines it: what the learner writes

    @property
    def where(self) -> str:
        return f"lesson {self.lesson}, exercise {self.exercise}"


#: Every part, in the order the lessons ask for them (a part may use any part above it).
PARTS = {p.name: p for p in [
    Part("one_hot", 1, 3, "one_hot(y) -> (n, 10)"),
    Part("relu", 2, 1, "relu(Z) -> Z's shape"),
    Part("relu_prime", 2, 1, "relu_prime(Z) -> Z's shape"),
    Part("softmax", 2, 2, "softmax(Z) -> (n, K)"),
    Part("cross_entropy", 2, 3, "cross_entropy(Z, y) -> float"),
    Part("forward", 2, 4, "forward(params, X) -> (Z, A), two lists of L + 1 arrays"),
    Part("backward", 2, 5, "backward(params, Z, A, y) -> {'W1': dW1, 'b1': db1, ...}"),
    Part("numerical_gradient", 2, 6, "numerical_gradient(J, theta, eps=1e-5) -> theta's shape"),
    Part("gradient_descent", 3, 1, "gradient_descent(params, X, y, lr, iterations) -> list of costs"),
    Part("predict", 3, 2, "predict(params, X) -> (n,) labels"),
    Part("accuracy", 3, 3, "accuracy(y_true, y_pred) -> float"),
    Part("he_init", 4, 1, "he_init(fan_in, fan_out, rng) -> (fan_in, fan_out)"),
    Part("sgd_epoch", 4, 2, "sgd_epoch(params, X, y, lr, batch_size, rng): one epoch, params changed in place"),
    Part("l2_penalty", 5, 1, "l2_penalty(params, lam) -> float"),
    Part("l2_gradient", 5, 1, "l2_gradient(params, lam) -> {'W1': lam * W1, 'b1': 0, ...}"),
    Part("dropout", 5, 2, "dropout(A, p, rng) -> (A_dropped, mask)"),
    Part("forward_dropout", 5, 3, "forward_dropout(params, X, p, rng) -> (Z, A, masks), three lists of L + 1"),
    Part("backward_dropout", 5, 4, "backward_dropout(params, Z, A, masks, y) -> {'W1': dW1, 'b1': db1, ...}"),
    Part("confusion_matrix", 6, 1, "confusion_matrix(y_true, y_pred) -> (10, 10) counts"),
    Part("per_class_accuracy", 6, 2, "per_class_accuracy(C) -> (10,), the recall of each digit"),
    Part("precision", 6, 3, "precision(C) -> (10,)"),
    Part("momentum_step", 7, 1, "momentum_step(theta, v, g, lr, mu) -> (theta, v)"),
    Part("Adam", 7, 2, "Adam(beta1=0.9, beta2=0.999, eps=1e-8), with .step(theta, grad, lr) updating theta in place"),
    Part("cosine", 7, 3, "cosine(t, T) -> float"),
    Part("batchnorm_forward", 9, 1, "batchnorm_forward(Z, gamma, beta, eps) -> (Y, Z_hat, s)"),
    Part("batchnorm_backward_staged", 9, 2, "batchnorm_backward_staged(dY, Z, gamma, eps) -> (dZ, dgamma, dbeta)"),
    Part("batchnorm_backward", 9, 3, "batchnorm_backward(dY, Z_hat, gamma, s) -> (dZ, dgamma, dbeta)"),
    Part("batchnorm_layer", 9, 4, "batchnorm_layer(Z, gamma, beta, running_mean, running_var, train, eps=1e-5, "
                                  "momentum=0.9) -> (Y, Z_hat, s)"),
    # lesson 10: the layers of a convolutional network, on one image or feature map (the CNN sums them over channels)
    Part("conv2d", 10, 1, "conv2d(image, kernel) -> (H - kh + 1, W - kw + 1)"),
    Part("conv2d_backward", 10, 2, "conv2d_backward(dZ, image, kernel) -> (d_image, d_kernel)"),
    Part("maxpool", 10, 3, "maxpool(A) -> (H // 2, W // 2)"),
    Part("maxpool_backward", 10, 4, "maxpool_backward(dP, A) -> A's shape"),
    # lesson 11
    Part("compare", 11, 3, "compare(mine, theirs) -> (largest difference, matches)"),
]}


def part(name: str) -> Part:
    """The part called ``name``, or a ``KeyError`` that lists them all."""
    try:
        return PARTS[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a part of the learner's network; the parts are "
                       f"{', '.join(PARTS)}") from None


def parts_up_to(lesson: int) -> list[Part]:
    """The parts that lessons 1 to ``lesson`` ask for, in order."""
    return [p for p in PARTS.values() if p.lesson <= lesson]
