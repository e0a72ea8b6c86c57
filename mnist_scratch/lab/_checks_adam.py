"""Self-check for lesson 7's whole optimizer: the learner's ``Adam`` class.

The learner writes a class, ``Adam(beta1=0.9, beta2=0.999, eps=1e-8)``, whose
``step(theta, grad, lr)`` updates the flat parameter vector ``theta`` in place, as
every optimizer of :mod:`mnist_scratch.optim` does, so that ``ms.train`` can use it.
The check drives it the way ``ms.train`` does and tries, one after another:

1. the defaults, four steps on a float64 vector with a learning rate that changes
   from step to step (a schedule does that), one coordinate whose gradient is
   always 0 (0 / 0 without eps) and one whose gradient is tiny (where eps shows);
2. other hyperparameters, ``Adam(beta1=0.8, beta2=0.95, eps=1e-3)``, on float32;
3. a fresh ``Adam()`` (it must start from scratch: state kept in globals or class
   attributes carries over), and two optimizers stepping in turn;
4. one gradient array refilled in place before every step, as ``ms.train`` does
   (an optimizer that keeps a reference to it sees its moments overwritten).

Each wrong path is compared with the usual mistakes (bias correction missing or
on the wrong moment, a step counter that starts at 0 or never moves, eps inside
the root, the betas swapped, ...), so that the hint names the one it sees.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._checking import Wrong, checker, exception_hint, same

__all__ = ["Adam"]

#: Four steps of the first run: the coordinates are ordinary, zero (always), tiny, large, negative, mixed.
_THETA = np.array([0.5, -1.2, 2.0, 0.3, -0.7, 1.1])
_GRADS = [np.array([0.4, 0.0, 1e-9, -3.0, 0.25, 0.6]),
          np.array([0.1, 0.0, 1e-9, -2.0, -0.5, 0.3]),
          np.array([-0.3, 0.0, 1e-9, -2.5, 0.75, 0.05]),
          np.array([0.2, 0.0, 1e-9, -1.0, 0.1, -0.4])]
_LRS = [0.1, 0.1, 0.05, 0.02]                     # a learning rate that changes, as under a schedule
#: The second run: other hyperparameters, float32 (as ms.train's parameters are).
_OPTIONS = {"beta1": 0.8, "beta2": 0.95, "eps": 1e-3}
_THETA2 = np.array([1.0, -0.5, 0.25], dtype=np.float32)
_GRADS2 = [np.array([0.02, -0.3, 0.05]), np.array([0.01, 0.4, -0.05]), np.array([-0.04, 0.1, 0.02])]
_LRS2 = [0.01, 0.01, 0.01]
_DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
_CALL = "__init__(self, beta1=0.9, beta2=0.999, eps=1e-8)"
_RULE = ("m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g ** 2, t = t + 1, then theta -= lr * m_hat / "
         "(sqrt(v_hat) + eps) with m_hat = m / (1 - beta1 ** t) and v_hat = v / (1 - beta2 ** t)")


def _path(theta, grads, lrs, beta1, beta2, eps, mistake=None) -> list:
    """Adam's parameters after each step, right (``mistake=None``) or with one planted mistake."""
    with np.errstate(all="ignore"):
        return _steps(theta, grads, lrs, beta1, beta2, eps, mistake)


def _steps(theta, grads, lrs, beta1, beta2, eps, mistake) -> list:
    theta, m, v = np.asarray(theta, float).copy(), 0.0, 0.0
    b1, b2 = (beta2, beta1) if mistake == "betas swapped" else (beta1, beta2)
    thetas = []
    for step, (g, lr) in enumerate(zip(grads, lrs), start=1):
        t = {"t frozen": 1, "t from 2": step + 1}.get(mistake, step)
        a1, a2 = (b2, b1) if mistake == "averages swapped" else (b1, b2)
        if mistake == "no 1 - beta":
            m, v = a1 * m + g, a2 * v + g ** 2
        else:
            m = a1 * m + (1 - a1) * g
            v = a2 * v + (1 - a2) * (g if mistake == "no square" else g ** 2)
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        if mistake == "corrections swapped":
            c1, c2 = c2, c1
        m_hat = m if mistake in ("no correction", "only v corrected") else m / c1
        v_hat = v if mistake in ("no correction", "only m corrected") else v / c2
        root = np.sqrt(v_hat)
        if mistake == "eps inside":
            root = np.sqrt(v_hat + eps)
        elif mistake == "no root":
            root = v_hat
        denominator = root + (0.0 if mistake == "eps inside" else    # the paper's 'efficient' form: eps / sqrt(c2)
                              eps * (1 / np.sqrt(c2) if mistake == "eps not corrected" else 1))
        numerator = g if mistake == "g for m_hat" else m_hat
        direction = numerator if mistake == "no division" else numerator / denominator
        rate = {"lr fixed": 1e-3}.get(mistake, lr)
        theta = theta + rate * direction if mistake == "uphill" else theta - rate * direction
        thetas.append(theta)
    return thetas


#: Each mistake's hint; a path that matches it names it.
_MISTAKES = {
    "no correction": "there is no bias correction: m and v start at 0, so in the first steps they are far too "
                     "small. Divide them by 1 - beta1 ** t and 1 - beta2 ** t before the step.",
    "only m corrected": "only m is bias-corrected; v starts at 0 too: use v_hat = v / (1 - beta2 ** t) under the "
                        "root.",
    "only v corrected": "only v is bias-corrected; m starts at 0 too: use m_hat = m / (1 - beta1 ** t) on top.",
    "corrections swapped": "the bias corrections are swapped: m goes with beta1, m_hat = m / (1 - beta1 ** t), "
                           "and v with beta2, v_hat = v / (1 - beta2 ** t).",
    "t frozen": "the first step is right, but the step counter never moves: t stays 1, so every later step is "
                "corrected as if it were the first. Increase t by 1 in every step, and keep it on self.",
    "t from 2": "the first step already uses t = 2: the first step must use t = 1, where the correction "
                "1 - beta1 ** 1 = 1 - beta1 exactly makes up for m starting at 0. Start t at 0 and add 1 before "
                "correcting.",
    "eps inside": "eps is inside the square root, sqrt(v_hat + eps); Adam adds it outside, sqrt(v_hat) + eps (for "
                  "a coordinate with tiny gradients the two differ a lot).",
    "eps not corrected": "that is the paper's 'efficient' form, which folds the corrections into the learning rate "
                         "and adds eps to sqrt(v) itself; this lesson's Adam adds eps to sqrt(v_hat), the corrected "
                         "one: lr * m_hat / (sqrt(v_hat) + eps).",
    "betas swapped": "beta1 and beta2 are swapped: beta1 (0.9) averages the gradients, m, and beta2 (0.999) their "
                     "squares, v.",
    "averages swapped": "the averages use each other's beta: m = beta1 m + (1 - beta1) g, v = beta2 v + "
                        "(1 - beta2) g ** 2.",
    "no 1 - beta": "the new gradient must come in with the weight 1 - beta: m = beta1 m + (1 - beta1) g and "
                   "v = beta2 v + (1 - beta2) g ** 2 are averages, not sums.",
    "no square": "v must average the SQUARED gradients, v = beta2 v + (1 - beta2) g ** 2: without the square, "
                 "negative gradients make v negative and its square root NaN.",
    "uphill": "theta moved uphill: subtract the step, theta -= lr * m_hat / (sqrt(v_hat) + eps).",
    "no root": "you divided by v_hat itself; divide by its square root, sqrt(v_hat) + eps, so that the step has "
               "the size of lr whatever the gradient's scale.",
    "no division": "theta moved by lr * m_hat alone, as momentum would; Adam divides by the root of the second "
                   "moment: lr * m_hat / (sqrt(v_hat) + eps).",
    "g for m_hat": "the step divides the gradient g itself (that is RMSprop); Adam's step uses the first moment, "
                   "lr * m_hat / (sqrt(v_hat) + eps).",
    "lr fixed": "the step ignores the lr it is given: ms.train passes a new lr to every step (a schedule changes "
                "it), so use the argument, not a number of your own.",
}
_STATE = ("keep m, v and t on self (made in __init__, or at the first step), never in globals or class attributes")


def _construct(cls, options: dict):
    shown = ", ".join(f"{k}={v:g}" for k, v in options.items())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cls(**options)
    except NotImplementedError:
        raise
    except TypeError as err:
        raise Wrong(f"Adam({shown}) raised TypeError: {err}. Keep the stub's arguments, {_CALL}.") from None
    except Exception as err:
        raise Wrong(f"Adam({shown}): " + exception_hint(err)) from None


def _step(opt, theta, grad, lr):
    """``opt.step(theta, grad, lr)`` as ms.train calls it; what it returns, or a hint."""
    step = getattr(opt, "step", None)
    if not callable(step):
        raise Wrong("an Adam object has no step method: define step(self, theta, grad, lr) inside the class.")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return step(theta, grad, lr)
        except NotImplementedError:
            raise
        except Exception as err:
            raise Wrong(exception_hint(err)) from None


def _run(opt, theta0, grads, lrs, *, one_buffer=False) -> tuple[list, list]:
    """Step ``opt`` through ``grads``; the parameters after each step, and what each step returned."""
    theta, thetas, returned = theta0.copy(), [], []
    buffer = np.empty(len(theta0), dtype=theta0.dtype)
    for g, lr in zip(grads, lrs):
        if one_buffer:
            buffer[...] = g                       # ms.train refills one gradient array before every step
            grad = buffer
        else:
            grad = g.astype(theta0.dtype)
        returned.append(_step(opt, theta, grad, lr))
        thetas.append(theta.copy())
    return thetas, returned


_FRESH = (f"right the first time, but a new Adam() did not start from scratch: it went on with the moments or the "
          f"step count of the optimizers before it. {_STATE[0].upper() + _STATE[1:]}.")


def _repeats(a, b) -> bool:
    """Whether two fresh optimizers took exactly the same path (NaN where the other has NaN)."""
    return len(a) == len(b) and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


def _same_path(got, expected, rtol) -> bool:
    return len(got) == len(expected) and all(same(a, b, rtol=rtol, atol=1e-12) or
                                             (np.isnan(a).any() and np.array_equal(np.isnan(a), np.isnan(b))
                                              and same(np.nan_to_num(a), np.nan_to_num(b), rtol=rtol))
                                             for a, b in zip(got, expected))


def _diagnose(got, theta0, grads, lrs, options, rtol, where) -> None:
    """Raise the hint for a path that is not Adam's."""
    right = _path(theta0, grads, lrs, **options)
    for mistake, hint in _MISTAKES.items():
        if _same_path(got, _path(theta0, grads, lrs, **options, mistake=mistake), rtol):
            raise Wrong(hint)
    if not all(np.isfinite(theta).all() for theta in got):
        bad = next(i for i, theta in enumerate(got) if not np.isfinite(theta).all())
        zero = np.flatnonzero(~np.isfinite(got[bad]))
        if bad == 0 and len(zero) == len(theta0):
            raise Wrong("the first step made every parameter NaN or infinite: at the first step t must be 1 "
                        "(1 - beta1 ** 0 is 0, and m / 0 is infinite). Add 1 to t before the correction.")
        if list(zero) == [1] and where == "first":
            raise Wrong("theta is NaN where the gradient is always 0: there m and v are 0 too, and 0 / 0 is NaN. "
                        "Add eps to the root: lr * m_hat / (sqrt(v_hat) + eps).")
        raise Wrong(f"step {bad + 1} made some parameters NaN or infinite. Square the gradient in v "
                    f"(v = beta2 v + (1 - beta2) g ** 2, never negative) and add eps outside the root.")
    if same(got[0], right[0], rtol=rtol, atol=1e-12):
        step = next(i for i, (a, b) in enumerate(zip(got, right)) if not same(a, b, rtol=rtol, atol=1e-12))
        raise Wrong(f"the first step is right, but step {step + 1} is not: carry m, v and t from step to step on "
                    f"self, and take each step with the lr it is given; {_RULE}.")
    raise Wrong(f"after the first step theta differs from Adam's: {_RULE}.")


@checker(refuses=("mnist_scratch.optim.Adam.step",))
def Adam(cls):
    """``cls``: a class; ``cls(beta1, beta2, eps).step(theta, grad, lr)`` takes one Adam step, in place."""
    if not isinstance(cls, type):
        if callable(getattr(cls, "step", None)):
            raise Wrong("that is an Adam object; hand in the class itself, check.Adam(Adam), so that the check can "
                        "make fresh ones.")
        if callable(cls):
            try:                                  # a stub that is still a function: let its message through
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cls()
            except NotImplementedError:
                raise
            except Exception:
                pass
        raise Wrong(f"check.Adam takes your class (class Adam: ... with a step method), not a "
                    f"{type(cls).__name__}.")
    opt = _construct(cls, {})
    thetas, returned = _run(opt, _THETA, _GRADS, _LRS)
    right = _path(_THETA, _GRADS, _LRS, **_DEFAULTS)
    if all(np.array_equal(theta, _THETA) for theta in thetas):
        gave = [r for r in returned if isinstance(r, np.ndarray) and r.shape == _THETA.shape]
        if len(gave) == len(returned) and same(gave[0], right[0]):
            raise Wrong("step returned the new parameters but left theta as it was. ms.train keeps the network's "
                        "parameters in that very array and ignores what step returns: change it in place, "
                        "theta -= ... (theta = theta - ... makes a new array).")
        raise Wrong("theta never changed: step must change the array it is given in place, theta -= ... "
                    "(theta = theta - ... makes a new array that nobody sees).")
    if np.array_equal(thetas[0], _THETA):
        raise Wrong("theta did not move at the first step: update m and v with the new gradient first, then move "
                    "theta by lr * m_hat / (sqrt(v_hat) + eps).")
    again, _ = _run(_construct(cls, {}), _THETA, _GRADS, _LRS)
    if not _same_path(thetas, right, 1e-6):
        if not _repeats(again, thetas):       # state shared by every Adam(), left by an earlier check or optimizer
            raise Wrong(_FRESH)
        _diagnose(thetas, _THETA, _GRADS, _LRS, _DEFAULTS, 1e-6, "first")
    if not _same_path(again, right, 1e-6):
        raise Wrong(_FRESH)
    first, second = _construct(cls, {}), _construct(cls, {})
    theta_a, theta_b = _THETA.copy(), _THETA[::-1].copy()
    for g, lr in zip(_GRADS, _LRS):
        _step(first, theta_a, g.copy(), lr)
        _step(second, theta_b, -g[::-1].copy(), lr)
    if not (same(theta_a, right[-1]) and same(theta_b, _path(_THETA[::-1], [-g[::-1] for g in _GRADS], _LRS,
                                                             **_DEFAULTS)[-1])):
        raise Wrong(f"two Adam optimizers stepping in turn got in each other's way: each one must keep its own "
                    f"moments and step count; {_STATE}.")
    opt = _construct(cls, _OPTIONS)
    thetas, _ = _run(opt, _THETA2, _GRADS2, _LRS2)
    if thetas[-1].dtype != np.float32:                       # pragma: no cover - in place keeps the dtype
        raise Wrong("theta was float32 and is no longer: change it in place.")
    if not _same_path(thetas, _path(_THETA2, _GRADS2, _LRS2, **_OPTIONS), 2e-5):
        for name in _OPTIONS:
            ignored = {**_OPTIONS, name: _DEFAULTS[name]}
            if _same_path(thetas, _path(_THETA2, _GRADS2, _LRS2, **ignored), 2e-5):
                raise Wrong(f"right with the defaults, but Adam({name}={_OPTIONS[name]:g}) still used "
                            f"{name}={_DEFAULTS[name]:g}: keep the values __init__ is given (self.{name} = "
                            f"{name}) and use them in step.")
        if _same_path(thetas, _path(_THETA2, _GRADS2, _LRS2, **_DEFAULTS), 2e-5):
            raise Wrong("right with the defaults, but Adam(beta1=0.8, beta2=0.95, eps=0.001) still used the "
                        "default values: keep the values __init__ is given on self and use them in step.")
        _diagnose(thetas, _THETA2, _GRADS2, _LRS2, _OPTIONS, 2e-5, "second")
    buffered, _ = _run(_construct(cls, {}), _THETA, _GRADS, _LRS, one_buffer=True)
    if not _same_path(buffered, right, 1e-6):
        raise Wrong("right with a new gradient array every step, but ms.train refills ONE array before every step, "
                    "and your moments changed with it: you kept a reference to grad (such as self.m = grad). Make "
                    "m and v arrays of their own (np.zeros_like(theta)) and update them from grad.")
    return ("bias-corrected moments, a step counter that starts at 1, eps outside the root, theta changed in "
            "place, and a fresh state for every optimizer. That is Adam, ready for ms.train!")
