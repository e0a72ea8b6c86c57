r"""Weight initialisation.

A layer with ``fan_in`` inputs and ``fan_out`` outputs has weights ``W`` of
shape ``(fan_in, fan_out)`` and biases ``b`` of shape ``(fan_out,)``; biases
start at zero. The schemes differ only in the spread of ``W``:

=============  =============================================================  ==================
scheme         distribution                                                   suits
=============  =============================================================  ==================
``he``         :math:`\mathcal N(0,\ 2/\text{fan\_in})`                        ReLU
``xavier``     :math:`\mathcal U(\pm\sqrt{6/(\text{fan\_in}+\text{fan\_out})})`  sigmoid, tanh
``normal``     :math:`\mathcal N(0,\ 1/\text{fan\_in})` ("scaled by 1/√fan_in")  the classic tutorials
``uniform``    :math:`\mathcal U(-0.5,\ 0.5)`, the Kaggle 784-10-10 lesson's  reproducing it
``small``      :math:`\mathcal N(0,\ 0.01^2)`, naive small random weights     showing why He matters
=============  =============================================================  ==================

Every scheme draws from ``numpy.random.default_rng(seed)``: same seed, same weights.
"""

from __future__ import annotations

import numpy as np

from .validation import ListOf, OneOf, OrNone, Whole, check_memory, validate

__all__ = ["init_weights", "INITS"]


def _he(rng, fan_in, fan_out, shape):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def _xavier(rng, fan_in, fan_out, shape):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def _normal(rng, fan_in, fan_out, shape):
    return rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=shape)


def _uniform(rng, fan_in, fan_out, shape):
    return rng.uniform(-0.5, 0.5, size=shape)


def _small(rng, fan_in, fan_out, shape):
    return rng.normal(0.0, 0.01, size=shape)


#: Every scheme by name: ``INITS[name](rng, fan_in, fan_out, shape)`` draws the weights (float64).
INITS = {"he": _he, "xavier": _xavier, "normal": _normal, "uniform": _uniform, "small": _small}


@validate({"fan_in": Whole(1), "fan_out": Whole(1), "scheme": OneOf(tuple(INITS)),
           "shape": OrNone(ListOf(Whole(1), 1, 8), "(fan_in, fan_out)")}, name="init_weights")
def init_weights(fan_in: int, fan_out: int, scheme: str = "he", rng=None, shape=None) -> np.ndarray:
    """Draw a ``(fan_in, fan_out)`` weight matrix (float64) with the named scheme.

    ``shape`` gives the array another shape with the same spread: a convolution's
    filters ``(out_channels, in_channels, k, k)`` have ``fan_in = in_channels * k * k``.
    """
    shape = (fan_in, fan_out) if shape is None else tuple(shape)
    count = 1
    for n in shape:
        count *= n
    check_memory("init_weights()", {"fan_in": fan_in, "fan_out": fan_out} if len(shape) == 2 else {"shape": shape},
                 count * 8, "the weights")
    rng = np.random.default_rng(rng)
    return INITS[scheme](rng, fan_in, fan_out, shape)
