"""mnist_scratch.recipes.run: recipes run end to end, on the full data and on a few images."""

from __future__ import annotations

import pytest

from mnist_scratch.cnn import CNN
from mnist_scratch.recipes import get_recipe, run_recipe


@pytest.mark.slow
def test_best_recipe_reaches_98_percent(mnist):
    _, _, result = run_recipe("best", data=mnist, progress=False)
    assert result["test_accuracy"] >= 0.98, result


@pytest.mark.slow
def test_default_784_10_10_reaches_92_5_percent(mnist):
    _, _, result = run_recipe("best", data=mnist, sizes=[784, 10, 10], progress=False)
    assert result["test_accuracy"] >= 0.925, result


def test_cnn_recipe_runs_end_to_end_on_a_few_images(mnist):
    X, y, X_test, y_test = mnist
    model, history, result = run_recipe("cnn", data=(X[:256], y[:256], X_test[:200], y_test[:200]),
                                        epochs=1, progress=False)
    assert isinstance(model, CNN) and history.last["iteration"] == 256 // 64
    assert result["layers"] == model.layers and 0 <= result["test_accuracy"] <= 1
    assert model.recipe["name"] == "cnn" and history.config["optimizer"] == "adam"
    recipe = get_recipe(7)
    assert recipe.name == "cnn" and recipe.reference == 0.99 and recipe.train["batch_size"] == 64
    assert recipe.describe().startswith("1x28x28-conv5x5x16-pool2-conv5x5x32-pool2-128-10")
    with pytest.raises(ValueError, match="only to the fully connected recipes"):
        run_recipe("cnn", data=(X[:256], y[:256], X_test[:200], y_test[:200]), sizes=[784, 10])
