"""Fixtures that test files in more than one folder of tests/package use. (The data set
itself, ``mnist``, ``small`` and the rest, comes from tests/conftest.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import TINY

from mnist_scratch.cnn import CNN


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


@pytest.fixture
def cnn():
    model = CNN(**TINY, seed=3)
    rng = np.random.default_rng(1)
    for p in model.params.values():                 # biases too, so that every array matters
        p += rng.normal(0, 0.05, p.shape).astype(p.dtype)
    model.recipe = {"name": "cnn", "scale": "unit", "dataset": "mnist", "train": {"lr": 0.002}}
    return model
