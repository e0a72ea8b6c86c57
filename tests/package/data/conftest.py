"""Fixtures of the data tests: a copy of the genuine files, to break."""

from __future__ import annotations

import pytest
from _package_helpers import _copy_set


@pytest.fixture
def copy_of_mnist(mnist_dir, tmp_path):
    return _copy_set(mnist_dir, tmp_path / "copy")
