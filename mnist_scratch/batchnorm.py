r"""Batch normalization for a fully connected layer (Ioffe & Szegedy, 2015).

Placed between a layer's weighted input :math:`Z = A_\text{prev} W + b` and
its activation, batch norm rescales every column (feature) of ``Z`` to mean 0
and variance 1 over the batch, then lets the network choose the scale and
shift it wants with two learnable vectors :math:`\gamma` and :math:`\beta`.
(With batch norm the bias ``b`` is redundant: :math:`\beta` does its job.)

Forward, train mode
-------------------
For a batch of :math:`n` rows, column by column:

.. math::
    \mu = \frac1n\sum_{i=1}^n z_i, \qquad
    \sigma^2 = \frac1n\sum_{i=1}^n (z_i - \mu)^2, \qquad
    \hat z_i = \frac{z_i - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
    y_i = \gamma\,\hat z_i + \beta .

Training also keeps running averages for later use (``momentum`` 0.9 keeps
90% of the old value; PyTorch writes the same rule with ``momentum=0.1``):

.. math::
    \mu_\text{run} \leftarrow m\,\mu_\text{run} + (1-m)\,\mu, \qquad
    \sigma^2_\text{run} \leftarrow m\,\sigma^2_\text{run} + (1-m)\,\sigma^2 .

We record the same (biased, divide-by-n) :math:`\sigma^2` that normalizes the
batch; PyTorch records the unbiased :math:`\tfrac{n}{n-1}\sigma^2` instead.

Forward, inference mode
-----------------------
One test image has no batch to average over, and a prediction should not
depend on which other images share its batch. So inference uses the running
averages: :math:`\hat z = (z - \mu_\text{run}) / \sqrt{\sigma^2_\text{run} + \varepsilon}`,
a fixed affine map of :math:`z`, and leaves them unchanged.

Backward
--------
Given :math:`dy_i = \partial J/\partial y_i` (one column; :math:`s = \sqrt{\sigma^2+\varepsilon}`):

.. math::
    d\beta = \sum_i dy_i, \qquad d\gamma = \sum_i dy_i\,\hat z_i, \qquad
    d\hat z_i = \gamma\,dy_i .

Each :math:`\hat z_j` depends on :math:`z_i` directly, through :math:`\mu` and
through :math:`s`. With :math:`\partial\mu/\partial z_i = 1/n` and
:math:`\partial\sigma^2/\partial z_i = \tfrac2n (z_i-\mu)` (the term
:math:`-\tfrac2n\sum_j (z_j-\mu)` is zero), :math:`\partial s/\partial z_i = \hat z_i / n`, so

.. math::
    \frac{\partial \hat z_j}{\partial z_i}
    = \frac1s\Big(\delta_{ij} - \frac1n\Big) - \frac{z_j-\mu}{s^2}\,\frac{\hat z_i}{n}
    = \frac1s\Big(\delta_{ij} - \frac1n - \frac{\hat z_i\,\hat z_j}{n}\Big).

Summing :math:`dz_i = \sum_j d\hat z_j\,\partial\hat z_j/\partial z_i` gives the compact form

.. math::
    dz_i = \frac{1}{n\,s}\Big(n\,d\hat z_i - \sum_j d\hat z_j - \hat z_i \sum_j d\hat z_j\,\hat z_j\Big).

In words: the gradient that reaches :math:`Z` has the part that would only
shift the batch mean, and the part along :math:`\hat z` that would only change
its spread, projected out; both are undone by the normalization anyway.
In inference mode the map is affine and simply :math:`dz = \gamma\,dy / s_\text{run}`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["init_batchnorm", "batchnorm_forward", "batchnorm_backward"]


def init_batchnorm(num_features: int, dtype=np.float32) -> dict:
    """Fresh batch-norm state for ``num_features`` columns.

    ``gamma`` (ones) and ``beta`` (zeros) are learned by gradient descent;
    ``running_mean`` (zeros) and ``running_var`` (ones) are not: training
    updates them in place, and a saved model must keep them.
    """
    return {"gamma": np.ones(num_features, dtype), "beta": np.zeros(num_features, dtype),
            "running_mean": np.zeros(num_features, dtype), "running_var": np.ones(num_features, dtype)}


def _check_shapes(Z, gamma, beta, running_mean, running_var):
    Z = np.asarray(Z)
    if Z.ndim != 2:
        raise ValueError(f"batchnorm_forward: Z must have shape (n, features), not {Z.shape}")
    d = Z.shape[1]
    for name, v in (("gamma", gamma), ("beta", beta),
                    ("running_mean", running_mean), ("running_var", running_var)):
        if np.shape(v) != (d,):
            raise ValueError(f"batchnorm_forward: {name} must have shape ({d},) to match Z's "
                             f"{d} columns, not {np.shape(v)}")
    return Z


def batchnorm_forward(Z, gamma, beta, running_mean, running_var, *, train: bool,
                      momentum: float = 0.9, eps: float = 1e-5):
    """Normalize the columns of ``Z`` (shape ``(n, d)``), then scale by ``gamma`` and shift by ``beta``.

    ``train=True`` uses the batch's mean and variance and updates
    ``running_mean`` and ``running_var`` **in place** (so they must be
    arrays); ``train=False`` uses them and leaves them alone.

    Returns ``(out, cache)``; ``cache`` is what :func:`batchnorm_backward` needs.
    """
    Z = _check_shapes(Z, gamma, beta, running_mean, running_var)
    if train:
        if len(Z) < 2:
            raise ValueError("batchnorm_forward: train mode needs a batch of at least 2 rows "
                             f"to measure a variance; got {len(Z)}")
        mu = Z.mean(axis=0)
        var = Z.var(axis=0)
        running_mean *= momentum
        running_mean += (1 - momentum) * mu
        running_var *= momentum
        running_var += (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    inv_std = 1 / np.sqrt(var + eps)          # 1/s
    Z_hat = (Z - mu) * inv_std
    out = gamma * Z_hat + beta
    cache = {"Z_hat": Z_hat, "gamma": gamma, "inv_std": inv_std, "train": train}
    return out, cache


def batchnorm_backward(dout, cache):
    """Gradients ``(dZ, dgamma, dbeta)`` from ``dout`` = dJ/d(out), by the compact formula above."""
    Z_hat, gamma, inv_std = cache["Z_hat"], cache["gamma"], cache["inv_std"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * Z_hat).sum(axis=0)
    dZ_hat = dout * gamma
    if not cache["train"]:                    # a fixed affine map: dz = gamma dy / s_run
        return dZ_hat * inv_std, dgamma, dbeta
    n = len(dout)
    dZ = (inv_std / n) * (n * dZ_hat - dZ_hat.sum(axis=0) - Z_hat * (dZ_hat * Z_hat).sum(axis=0))
    return dZ, dgamma, dbeta
