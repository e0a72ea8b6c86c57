"""mnist_scratch/lab/own_bn_network.py: the learner's batch-normalized network (lesson 9) on the one model
interface, computed with their batch-norm parts, checked against the package's ``Model(batch_norm=True)``
(mnist_scratch/bn_network.py, a separate layer loop) and against central differences.

(Named with its subpackage first, like test_lab_own_network.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.bn_network import init_bn_params
from mnist_scratch.interface import check_network
from mnist_scratch.lab import check, my_network, saving
from mnist_scratch.lab.validate import check_model


# --------------------------------------------------------------------------- a learner's lesson-9 answers
def batchnorm_forward(Z, gamma, beta, eps):
    mu = Z.mean(axis=0)
    s = np.sqrt(((Z - mu) ** 2).mean(axis=0) + eps)
    Z_hat = (Z - mu) / s
    return gamma * Z_hat + beta, Z_hat, s


def batchnorm_backward(dY, Z_hat, gamma, s):
    n = len(dY)
    dZ = gamma / (n * s) * (n * dY - dY.sum(axis=0) - Z_hat * (dY * Z_hat).sum(axis=0))
    return dZ, (dY * Z_hat).sum(axis=0), dY.sum(axis=0)


def batchnorm_layer(Z, gamma, beta, running_mean, running_var, train, eps=1e-5, momentum=0.9):
    if train:
        Y, Z_hat, s = batchnorm_forward(Z, gamma, beta, eps)
        running_mean[:] = momentum * running_mean + (1 - momentum) * Z.mean(axis=0)
        running_var[:] = momentum * running_var + (1 - momentum) * Z.var(axis=0)
        return Y, Z_hat, s
    s = np.sqrt(running_var + eps)
    Z_hat = (Z - running_mean) / s
    return gamma * Z_hat + beta, Z_hat, s


LESSON_9 = {"batchnorm_forward": batchnorm_forward, "batchnorm_backward": batchnorm_backward,
            "batchnorm_layer": batchnorm_layer}


@pytest.fixture(params=["package's", "learner's"])
def parts(request):
    """Lesson 9's parts: the package's stand-ins, or a learner's answers passed, saved and read back after a
    restart (as in a later session)."""
    if request.param == "learner's":
        for name, fn in LESSON_9.items():
            check.CHECKS[name](fn)
        saving.forget()
        mine = my_network.load(upto=9, quiet=True)
        assert set(LESSON_9) <= set(mine.yours), mine.report()
        return mine
    mine = my_network.load(upto=9, quiet=True)
    assert not set(LESSON_9) & set(mine.yours)
    return mine


def _pair(parts, sizes, dtype=np.float64, seed=0):
    """The learner's network and the package's Model, with the same (copied) parameters and running averages."""
    params = init_bn_params(sizes, "he", seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for key in params:                                  # gamma and beta away from 1 and 0
        if key.startswith(("gamma", "beta")):
            params[key] += rng.normal(0, 0.3, params[key].shape).astype(dtype)
    mine = parts.network(params={k: v.copy() for k, v in params.items()}, batch_norm=True)
    model = ms.Model(sizes, batch_norm=True, params={k: v.copy() for k, v in params.items()}, dtype=dtype)
    return mine, model


def test_the_learner_s_network_computes_what_the_package_s_batch_norm_model_computes(parts):
    rng = np.random.default_rng(3)
    X, y = rng.random((24, 20)), rng.integers(0, 10, 24)      # ten classes: the learner's one_hot makes ten columns
    mine, model = _pair(parts, [20, 9, 7, 10])
    for step in range(3):                               # train mode: batch statistics, running averages updated
        Xb, yb = X[8 * step:8 * step + 8], y[8 * step:8 * step + 8]
        a, b = mine.forward_train(Xb), model.forward_train(Xb)
        np.testing.assert_allclose(a.A_out, b.A_out, rtol=1e-10, atol=1e-12)
        ga, gb = mine.backward(a, yb), model.backward(b, yb)
        assert list(ga) == list(mine.params)
        for key in gb:
            np.testing.assert_allclose(ga[key], gb[key], rtol=1e-9, atol=1e-12, err_msg=key)
        for key in model.state:
            np.testing.assert_allclose(mine.state[key], model.state[key], rtol=1e-12, err_msg=key)
    before = {k: v.copy() for k, v in mine.state.items()}
    np.testing.assert_allclose(mine.predict_proba(X), model.predict_proba(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine.predict_proba(X[:1]), mine.predict_proba(X)[:1], rtol=1e-10)  # one row alone
    assert all(np.array_equal(before[k], mine.state[k]) for k in before), "inference left the running averages"


def test_its_gradients_agree_with_central_differences(parts):
    rng = np.random.default_rng(4)
    X, y = rng.random((16, 12)), rng.integers(0, 10, 16)
    mine, _ = _pair(parts, [12, 7, 6, 10], seed=2)

    def J():
        return float(ms.cross_entropy(mine.forward_train(X).Z_out, y))

    grads = mine.backward(mine.forward_train(X), y)
    for key, value in mine.params.items():
        numeric = ms.numerical_gradient(J, value, np.arange(value.size)).reshape(value.shape)
        assert ms.relative_error(grads[key], numeric) < 1e-6, key


def test_it_trains_with_ms_train_and_saves_as_the_model_it_computes_the_same_as(parts, mnist, tmp_path):
    X, y = mnist[0][:3000], mnist[1][:3000]
    net = parts.network([784, 32, 16, 10], batch_norm=True, seed=0)
    check_network(net)
    assert check_model(net) is net                     # the prediction browser and the canvas take it
    history = ms.train(net, X, y, X_dev=mnist[2][:500], y_dev=mnist[3][:500], epochs=2, batch_size=100,
                       optimizer="sgd", lr=0.1, progress=False)
    assert history.records[-1]["cost"] < 0.6 * history.records[0]["cost"] and history.last["dev_acc"] > 0.8
    assert not np.allclose(net.state["running_mean1"], 0), "training moved the running averages"
    model = ms.load_model(ms.save_model(net, tmp_path / "mine_bn.npz"))
    assert model.batch_norm
    np.testing.assert_allclose(model.predict_proba(mnist[2][:20]), net.predict_proba(mnist[2][:20]), rtol=1e-4,
                               atol=1e-6)


def test_it_refuses_dropout_and_parts_without_lesson_9(parts):
    net = parts.network([10, 4, 3], batch_norm=True)
    with pytest.raises(ValueError, match="drops no units"):
        net.forward_train(np.ones((4, 10), np.float32), dropout=0.5)
    with pytest.raises(ValueError, match="lesson 9"):
        my_network.load(upto=8, quiet=True).network([10, 4, 3], batch_norm=True)
    with pytest.raises(ValueError, match="batch-normalized network's dict"):
        parts.network(params=ms.init_params([10, 4, 3]), batch_norm=True)
    with pytest.raises(ValueError, match=r"l2=0.1 is not allowed with batch_norm=True"):   # lesson 5's L2 is OwnNetwork's
        parts.network([10, 4, 3], batch_norm=True, l2=0.1)
