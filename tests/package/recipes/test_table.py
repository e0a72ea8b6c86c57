"""mnist_scratch.recipes.table: the recipes, found by number or name."""

from __future__ import annotations

import pytest

from mnist_scratch.recipes import BEST, RECIPES, get_recipe


def test_recipe_lookup():
    assert get_recipe(6) is BEST and get_recipe("6") is BEST and get_recipe("best") is BEST
    assert [r.number for r in RECIPES.values()] == [1, 2, 3, 4, 5, 6, 7]
    with pytest.raises(ValueError, match=r"get_recipe\(\): name='fastest' is not allowed: name must be a recipe's "
                                         r"name or number: 1 \(kaggle-784-10-10\)"):
        get_recipe("fastest")
