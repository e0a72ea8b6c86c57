"""The batch-normalized network (``Model(sizes, batch_norm=True)``): gradient-checked in float64 in
train mode, compared with PyTorch's ``BatchNorm1d`` in train and eval mode, trained, stopped and
restored. (Its model files: files/test_kinds.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import SIZES, small_problem, toy

import mnist_scratch as ms
from mnist_scratch.bn_network import bn_backward, bn_forward
from mnist_scratch.training.history import TrainingDiverged


def bn_model(sizes=SIZES, seed=1, dtype=np.float64, **kw):
    model = ms.Model(sizes, batch_norm=True, dtype=dtype, seed=seed, **kw)
    rng = np.random.default_rng(seed + 100)   # gamma, beta away from 1, 0, so that forgetting one shows
    for key in model.params:
        if key.startswith(("gamma", "beta")):
            model.params[key] += rng.normal(0, 0.3, model.params[key].shape)
    return model


# --------------------------------------------------------------------------- structure
def test_parameters_and_state():
    model = ms.Model([784, 128, 64, 10], batch_norm=True)
    assert list(model.params) == ["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert list(model.state) == ["running_mean1", "running_var1", "running_mean2", "running_var2"]
    assert model.params["gamma2"].shape == model.state["running_var2"].shape == (64,)
    plain = ms.Model([784, 128, 64, 10])
    for key in ("W1", "W2", "W3", "b3"):                     # the same seed gives the same weights
        np.testing.assert_array_equal(model.params[key], plain.params[key])
    # no hidden biases (beta does their job): 128 + 64 biases fewer, 2 * (128 + 64) gammas and betas more
    assert model.num_params == plain.num_params + 128 + 64
    assert "batch_norm=True" in repr(model) and plain.state == {}


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_gradient_check_train_mode_float64(activation):
    model = bn_model()
    X, y = toy()
    errors = ms.gradient_check(model.params, X, y, activation, batch_norm=True, max_entries=None)
    print(f"batch-norm network gradient check ({activation}, train mode, float64):",
          {k: f"{v:.1e}" for k, v in errors.items()})
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_wrong_gamma_gradient():
    model = bn_model()
    X, y = toy()
    cache = bn_forward(model.params, model.state, X, train=True)
    grads = bn_backward(model.params, cache, y)
    grads["gamma2"] = grads["gamma2"] * 1.01
    errors = ms.gradient_check(model.params, X, y, batch_norm=True, grads=grads)
    assert errors["gamma2"] > 1e-3 and errors["W1"] < 1e-6


def test_running_statistics_momentum_and_biased_variance():
    """One train-mode step from fresh state keeps 90% of the old value (PyTorch's momentum=0.1),
    and records the batch's biased (divide-by-n) variance."""
    model = bn_model()
    X, _ = toy()
    cache = model.forward_train(X)
    Z1 = X @ model.params["W1"]
    np.testing.assert_allclose(model.state["running_mean1"], 0.1 * Z1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model.state["running_var1"], 0.9 + 0.1 * Z1.var(axis=0, ddof=0), rtol=1e-12)
    assert np.allclose(cache.Z[1].mean(axis=0), model.params["beta1"])   # train mode: batch statistics
    before = {k: v.copy() for k, v in model.state.items()}
    model.forward(X)                                                      # inference leaves them alone
    for key in before:
        np.testing.assert_array_equal(model.state[key], before[key])


def test_train_mode_depends_on_the_batch_inference_does_not():
    model = bn_model()
    X, _ = toy(32)
    for _ in range(5):
        model.forward_train(X)
    alone = model.predict_proba(X[:1])
    np.testing.assert_allclose(model.predict_proba(X)[:1], alone, rtol=1e-12)
    a = model.forward_train(X[:8]).A[-1][0]
    b = model.forward_train(np.vstack([X[:1], X[16:23]])).A[-1][0]
    assert np.abs(a - b).max() > 1e-3


# --------------------------------------------------------------------------- against PyTorch
def torch_twin(model):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    L, layers = len(model.sizes) - 1, []
    for l in range(1, L + 1):
        W = torch.tensor(model.params[f"W{l}"].T.copy())
        linear = nn.Linear(*W.shape[::-1], bias=l == L).double()
        with torch.no_grad():
            linear.weight.copy_(W)
            if l == L:
                linear.bias.copy_(torch.tensor(model.params[f"b{l}"]))
        layers.append(linear)
        if l < L:
            bn = nn.BatchNorm1d(model.sizes[l], eps=1e-5, momentum=0.1).double()
            with torch.no_grad():
                bn.weight.copy_(torch.tensor(model.params[f"gamma{l}"]))
                bn.bias.copy_(torch.tensor(model.params[f"beta{l}"]))
            layers += [bn, nn.ReLU()]
    return torch, nn.Sequential(*layers)


def torch_grads(torch, net, L):
    """The twin's gradients under this package's parameter names."""
    grads, linears, bns = {}, [m for m in net if isinstance(m, torch.nn.Linear)], \
        [m for m in net if isinstance(m, torch.nn.BatchNorm1d)]
    for l, lin in enumerate(linears, start=1):
        grads[f"W{l}"] = lin.weight.grad.numpy().T
        if l == L:
            grads[f"b{l}"] = lin.bias.grad.numpy()
    for l, bn in enumerate(bns, start=1):
        grads[f"gamma{l}"], grads[f"beta{l}"] = bn.weight.grad.numpy(), bn.bias.grad.numpy()
    return grads, bns


def test_against_pytorch_batchnorm1d_train_and_eval():
    model = bn_model()
    torch, net = torch_twin(model)
    F = torch.nn.functional
    L, n, lr = len(SIZES) - 1, 16, 0.1
    net.train()
    for step in range(3):          # three SGD steps on different batches, side by side
        X, y = toy(n, seed=step)
        cache = model.forward_train(X)
        grads = model.backward(cache, y)
        net.zero_grad()
        logits = net(torch.tensor(X))
        loss = F.cross_entropy(logits, torch.tensor(y))
        loss.backward()
        np.testing.assert_allclose(cache.Z_out, logits.detach().numpy(), rtol=1e-9, atol=1e-12)
        assert ms.cost(cache, y) == pytest.approx(loss.item(), rel=1e-12)
        expected, bns = torch_grads(torch, net, L)
        for key in model.params:
            np.testing.assert_allclose(grads[key], expected[key], rtol=1e-8, atol=1e-12, err_msg=key)
        with torch.no_grad():
            for p in net.parameters():
                p -= lr * p.grad
        for key in model.params:
            model.params[key] -= lr * grads[key]
    for l, bn in enumerate(bns, start=1):
        np.testing.assert_allclose(model.state[f"running_mean{l}"], bn.running_mean.numpy(), rtol=1e-10)
        # PyTorch records the unbiased variance n/(n-1) s^2 where we record s^2: after k steps of
        # the same batch size, running = 0.9^k * 1 + (what the batches contributed)
        start = 0.9 ** 3
        ours = model.state[f"running_var{l}"]
        np.testing.assert_allclose(start + n / (n - 1) * (ours - start), bn.running_var.numpy(), rtol=1e-10)
        with torch.no_grad():       # eval mode with the same running statistics: the same outputs
            bn.running_var.copy_(torch.tensor(ours))
    net.eval()
    X, _ = toy(10, seed=9)
    with torch.no_grad():
        eval_logits = net(torch.tensor(X)).numpy()
    np.testing.assert_allclose(model.forward(X).Z_out, eval_logits, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- training
def test_training_learns_and_updates_the_running_statistics():
    X, y = small_problem()
    model = ms.Model(SIZES, batch_norm=True)
    history = ms.train(model, X[:200], y[:200], X_dev=X[200:], y_dev=y[200:], epochs=5, batch_size=20,
                       optimizer="sgd", lr=0.1, l2=1e-3, dropout=0.1, progress=False)
    assert history.records[-1]["dev_acc"] > 0.9
    assert not np.allclose(model.state["running_var1"], 1) and not np.allclose(model.params["gamma1"], 1)
    # L2 only on the weights: the recorded penalty is (l2 / 2) * sum of the W's squares
    W2 = sum(float(np.sum(model.params[k] ** 2)) for k in model.params if k.startswith("W"))
    assert history.records[-1]["l2_cost"] == pytest.approx(0.5e-3 * W2, rel=1e-6)
    # the dev figures use the running statistics (inference mode), as predict does
    assert history.records[-1]["dev_acc"] == ms.accuracy(y[200:], model.predict(X[200:]))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_every_optimizer_updates_gamma_and_beta(optimizer):
    X, y = small_problem(100)
    model = ms.Model(SIZES, batch_norm=True)
    ms.train(model, X, y, epochs=1, batch_size=25, optimizer=optimizer, lr=0.01, progress=False)
    assert not np.allclose(model.params["gamma2"], 1) and not np.allclose(model.params["beta1"], 0)


def test_a_one_row_batch_is_refused_clearly():
    X, y = small_problem(41)
    with pytest.raises(ValueError, match=r"batch_size: this model needs batches of at least 2 rows \(batch norm measures a "
                                         r"variance over each batch\), but with 41 rows and batch_size=20 the last batch has 1 row"):
        ms.train(ms.Model(SIZES, batch_norm=True), X, y, batch_size=20, progress=False)
    with pytest.raises(ValueError, match="every batch has 1 row"):
        ms.train(ms.Model(SIZES, batch_norm=True), X, y, batch_size=1, progress=False)


def test_a_diverged_batch_norm_model_keeps_good_parameters_and_statistics():
    X, y = small_problem()
    model = ms.Model(SIZES, batch_norm=True)
    with pytest.raises(TrainingDiverged):
        ms.train(model, X, y, epochs=5, batch_size=20, optimizer="sgd", lr=1e6, progress=False)
    assert all(np.all(np.isfinite(v)) for v in {**model.params, **model.state}.values())
    assert np.all(np.isfinite(model.predict_proba(X)))


def test_early_stopping_restores_the_running_statistics_of_the_best_epoch():
    X, y = small_problem(400, seed=3)
    model = ms.Model(SIZES, batch_norm=True)
    seen = {}

    def remember(history):
        seen[history.records[-1]["epoch"]] = ({k: v.copy() for k, v in model.params.items()},
                                              {k: v.copy() for k, v in model.state.items()})

    history = ms.train(model, X[:100], y[:100], X_dev=X[100:], y_dev=y[100:], epochs=30, batch_size=10,
                       optimizer="sgd", lr=0.5, early_stopping=2, callback=remember, progress=False)
    assert history.stopped == "early_stopping" and history.best_epoch < history.records[-1]["epoch"]
    params, state = seen[history.best_epoch]
    for key in params:
        np.testing.assert_array_equal(model.params[key], params[key])
    for key in state:
        np.testing.assert_array_equal(model.state[key], state[key])
    last = seen[history.records[-1]["epoch"]][1]
    assert any(not np.array_equal(last[k], state[k]) for k in state)   # so restoring them mattered
