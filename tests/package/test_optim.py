"""The optimizers (mnist_scratch.optim) against their update rules written out again here: SGD,
momentum and Adam (as Algorithm 1 of Kingma & Ba writes it) in float64 arrays; Nesterov, AdaGrad and
RMSprop one number at a time with plain floats; and through train()'s ``optimizer=`` names."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_scratch.model import Model
from mnist_scratch.optim import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop, make_optimizer
from mnist_scratch.train import train


def _reference_adam(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Adam exactly as Algorithm 1 of Kingma & Ba writes it, in float64."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def test_optimisers_match_their_update_rules(rng):
    theta0 = rng.normal(size=50)
    grads = [rng.normal(size=50) for _ in range(5)]
    for opt, reference in [
        (SGD(), lambda: theta0 - 0.1 * sum(grads)),
        (Momentum(0.9), lambda: _momentum_reference(theta0, grads)),
        (Adam(), lambda: _reference_adam(theta0, grads, 0.1)),
    ]:
        theta = theta0.copy()
        for g in grads:
            opt.step(theta, g.copy(), 0.1)
        np.testing.assert_allclose(theta, reference(), rtol=1e-10, atol=1e-12)


def _momentum_reference(theta, grads, lr=0.1, mu=0.9):
    v = np.zeros_like(theta)
    for g in grads:
        v = mu * v + g
        theta = theta - lr * v
    return theta


GRADS = [[0.5, -1.0, 2.0], [0.3, 0.2, -1.5], [-0.4, 0.0, 1.0], [1.0, -2.0, 0.1], [0.2, 0.2, 0.2]]
LRS = [0.1, 0.1, 0.05, 0.05, 0.02]
THETA0 = [1.0, -2.0, 0.5]


def _run(optimizer, theta0=THETA0, grads=GRADS, lrs=LRS):
    theta = np.array(theta0, dtype=np.float64)
    for g, lr in zip(grads, lrs):
        optimizer.step(theta, np.array(g, dtype=np.float64), lr)   # a copy: a step may overwrite grad
    return theta


def test_nesterov_matches_its_update_rule():
    mu = 0.9
    expected = []
    for i in range(3):                        # each coordinate on its own, with plain floats
        theta, v = THETA0[i], 0.0
        for g, lr in zip(GRADS, LRS):
            v = mu * v + g[i]
            theta = theta - lr * (g[i] + mu * v)
        expected.append(theta)
    np.testing.assert_allclose(_run(Nesterov(mu)), expected, rtol=1e-12)


def test_nesterov_visits_sutskevers_look_ahead_points():
    """PyTorch's form tracks theta - lr*mu*v of Sutskever's form, which takes the gradient there."""
    A = np.array([1.0, 10.0])                              # J = 0.5 * sum(A * theta^2), gradient A * theta
    lr, mu = 0.05, 0.9
    theta, v = np.array([2.0, -1.0]), np.zeros(2)          # Sutskever's form
    phi, optimizer = theta.copy(), Nesterov(mu)            # PyTorch's form, from the same start
    for _ in range(20):
        v = mu * v + A * (theta - lr * mu * v)
        theta = theta - lr * v
        optimizer.step(phi, A * phi, lr)
        np.testing.assert_allclose(phi, theta - lr * mu * v, rtol=1e-12, atol=1e-14)


def test_adagrad_matches_its_update_rule():
    eps = 1e-10
    expected = []
    for i in range(3):
        theta, G = THETA0[i], 0.0
        for g, lr in zip(GRADS, LRS):
            G = G + g[i] ** 2
            theta = theta - lr * g[i] / (math.sqrt(G) + eps)
        expected.append(theta)
    np.testing.assert_allclose(_run(AdaGrad(eps=eps)), expected, rtol=1e-13)


def test_rmsprop_matches_its_update_rule():
    rho, eps = 0.99, 1e-8
    expected = []
    for i in range(3):
        theta, s = THETA0[i], 0.0
        for g, lr in zip(GRADS, LRS):
            s = rho * s + (1 - rho) * g[i] ** 2
            theta = theta - lr * g[i] / (math.sqrt(s) + eps)
        expected.append(theta)
    np.testing.assert_allclose(_run(RMSprop(rho=rho, eps=eps)), expected, rtol=1e-13)


def test_defaults_are_pytorchs():
    assert Nesterov().momentum == 0.9
    assert AdaGrad().eps == 1e-10
    assert (RMSprop().rho, RMSprop().eps) == (0.99, 1e-8)


def test_nesterov_with_zero_momentum_is_sgd_and_differs_from_heavy_ball():
    plain = np.array(THETA0) - sum(lr * np.array(g) for g, lr in zip(GRADS, LRS))
    np.testing.assert_allclose(_run(Nesterov(0.0)), plain, rtol=1e-13)
    theta, v = np.array(THETA0), np.zeros(3)
    for g, lr in zip(GRADS, LRS):                         # heavy ball: theta -= lr * v
        v = 0.9 * v + np.array(g)
        theta = theta - lr * v
    assert not np.allclose(_run(Nesterov(0.9)), theta)


@pytest.mark.parametrize("name,lr", [("nesterov", 0.01), ("adagrad", 0.5), ("rmsprop", 0.1)])
def test_each_minimizes_an_elongated_bowl_in_float32(name, lr):
    A = np.array([1.0, 20.0], np.float32)                  # J = 0.5 * sum(A * theta^2)
    theta = np.array([3.0, 1.0], np.float32)
    optimizer = make_optimizer(name)
    for _ in range(500):
        optimizer.step(theta, A * theta, lr)
    assert theta.dtype == np.float32
    assert np.abs(theta).max() < 0.05


def test_registered_by_name_with_their_options():
    assert {"sgd", "momentum", "nesterov", "adam", "adagrad", "rmsprop"} <= set(OPTIMIZERS)
    assert make_optimizer("nesterov", momentum=0.5).momentum == 0.5
    assert make_optimizer("rmsprop", rho=0.9).rho == 0.9
    with pytest.raises(ValueError, match=r"make_optimizer\('adagrad'\): no argument called 'momentum'; the arguments are eps"):
        make_optimizer("adagrad", momentum=0.9)                # AdaGrad has no momentum
    with pytest.raises(ValueError, match=r"no argument called 'mu'; the arguments are momentum"):
        make_optimizer("momentum", mu=0.9)
    with pytest.raises(ValueError, match=r"beta1=2.0 is not allowed: beta1 must be a number in \[0, 1\)"):
        make_optimizer("adam", beta1=2.0)
    with pytest.raises(ValueError, match=r"rho=-1 is not allowed: rho must be a number in \[0, 1\)"):
        make_optimizer("rmsprop", rho=-1)
    with pytest.raises(ValueError, match=r"eps=0 is not allowed: eps must be a number > 0"):
        make_optimizer("adam", eps=0)
    with pytest.raises(ValueError, match=r"optimizer=object\(\) is not allowed|optimizer=<object object"):
        make_optimizer(object())
    plain = SGD()
    assert make_optimizer(plain) is plain                      # an optimizer object is used as it is


def test_train_passes_momentum_to_nesterov():
    """Nesterov with momentum 0 through train() is exactly plain SGD; with 0.9 it is not."""
    rng = np.random.default_rng(0)
    X, y = rng.random((64, 20), dtype=np.float32), rng.integers(0, 3, 64)
    final = {}
    for name, mu in [("sgd", 0.9), ("nesterov", 0.0), ("nesterov", 0.9)]:
        model = Model([20, 8, 3], seed=1)
        history = train(model, X, y, epochs=2, batch_size=16, optimizer=name, momentum=mu, lr=0.1, progress=False)
        final[name, mu] = np.concatenate([p.ravel() for p in model.params.values()])
        assert history.config.get("momentum") == (mu if name == "nesterov" else None)
    np.testing.assert_allclose(final["nesterov", 0.0], final["sgd", 0.9], rtol=1e-6)
    assert not np.allclose(final["nesterov", 0.9], final["sgd", 0.9], rtol=1e-3)


# --------------------------------------------------------------------------- the subnormal flush (speed trick)
TINY32 = np.finfo(np.float32).tiny       # the smallest normal float32, about 1.2e-38


@pytest.mark.parametrize("name", ["momentum", "nesterov", "adam", "rmsprop"])
def test_decaying_state_never_sinks_into_subnormal_floats(name):
    # Parameter 0 gets one gradient, then none: without the flush its average decays through the
    # subnormal range (float32 below 1.2e-38); parameter 1 keeps getting gradients.
    opt = make_optimizer(name)
    theta = np.zeros(2, dtype=np.float32)
    for step in range(10_000):        # RMSprop decays by 0.99 a step: subnormal after ~8,000
        opt.step(theta, np.array([1.0 if step == 0 else 0.0, 1e-3], dtype=np.float32), 1e-3)
        for state in (getattr(opt, key, None) for key in ("v", "m", "s")):
            if state is not None:
                tiny = state[(state != 0) & (np.abs(state) < TINY32)]
                assert tiny.size == 0, f"{name}: subnormal state {tiny} after step {step + 1}"
    assert np.all(np.isfinite(theta)) and theta[1] < 0


@pytest.mark.parametrize("name", ["momentum", "nesterov", "adam", "rmsprop"])
def test_the_flush_changes_no_step_measurably(name):
    # float64 never reaches subnormals here, so the same run without the flush is the reference.
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(600, 50)) * (rng.random((600, 50)) < 0.05)   # mostly zero gradients
    flushed, plain = make_optimizer(name), make_optimizer(name)
    a, b = np.ones(50), np.ones(50)
    import mnist_scratch.optim as optim
    for g in grads:
        flushed.step(a, g.copy(), 1e-2)
    real_flush = optim.inplace_flush_tiny
    try:
        optim.inplace_flush_tiny = lambda step, *states: None
        for g in grads:
            plain.step(b, g.copy(), 1e-2)
    finally:
        optim.inplace_flush_tiny = real_flush
    assert np.any(a != 1)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)
