"""Training a recipe from scratch: the data, the model, the one training loop, the result."""

from __future__ import annotations

from ..cnn import CNN
from ..data.mnist import load_mnist
from ..data.split import train_dev_split
from ..evaluate import accuracy
from ..data.sources import DATASETS
from ..model import Model
from ..network import SIZES
from ..train import train
from ..validation import IsBool, IsCallable, OneOf, OrNone, Whole, validate
from .table import RecipeName, get_recipe

__all__ = ["run_recipe"]


@validate({"recipe": RecipeName(), "dataset": OneOf(tuple(DATASETS)), "seed": Whole(0),
           "sizes": OrNone(SIZES, "the recipe's"), "epochs": OrNone(Whole(1), "the recipe's"), "progress": IsBool(),
           "callback": OrNone(IsCallable()), "batch_norm": IsBool()}, name="run_recipe")
def run_recipe(recipe, *, data_dir=None, dataset: str = "mnist", seed: int = 0, sizes=None,
               epochs=None, progress: bool = True, data=None, callback=None, batch_norm: bool = False):
    """Train a recipe from scratch. Returns ``(model, history, result)``.

    ``result`` holds ``test_accuracy`` (and ``dev_accuracy`` with a dev split),
    ``train_seconds``, ``layers`` and ``epochs``. ``sizes`` (not for a CNN) and
    ``epochs`` override the recipe's; ``data`` may pass already loaded arrays
    (scaled as the recipe wants). ``batch_norm=True`` (not for a CNN) adds batch
    normalization to every hidden layer (see :mod:`mnist_scratch.bn_network`).
    """
    recipe = get_recipe(recipe)
    if recipe.kind == "cnn" and sizes is not None:
        raise ValueError(f"the {recipe.name!r} recipe is a convolutional network: layer sizes "
                         f"(--layers) apply only to the fully connected recipes")
    if recipe.kind == "cnn" and batch_norm:
        raise ValueError(f"the {recipe.name!r} recipe is a convolutional network: batch norm "
                         f"(--batch-norm) applies only to the fully connected recipes")
    X, y, X_test, y_test = data if data is not None else load_mnist(data_dir, dataset=dataset, scale=recipe.scale)
    X_dev = y_dev = None
    if recipe.dev_size:
        X, y, X_dev, y_dev = train_dev_split(X, y, recipe.dev_size, seed=seed)
    sizes = tuple(sizes) if sizes is not None else recipe.sizes
    settings = dict(recipe.train)
    if epochs is not None:
        settings["epochs"] = int(epochs)
    if recipe.kind == "cnn":
        model = CNN(**recipe.cnn, seed=seed)
    else:
        model = Model(sizes, recipe.activation, recipe.loss, recipe.init, seed=seed, batch_norm=batch_norm)
    history = train(model, X, y, X_dev=X_dev, y_dev=y_dev, seed=seed, progress=progress, callback=callback,
                    **settings)
    result = {
        "recipe": recipe.name,
        "layers": list(sizes),
        "epochs": settings["epochs"],
        "test_accuracy": accuracy(y_test, model.predict(X_test)),
        "train_seconds": round(history.train_seconds, 3),
        "dataset": dataset,
        "seed": seed,
        "batch_norm": bool(batch_norm),
    }
    if X_dev is not None:
        result["dev_accuracy"] = accuracy(y_dev, model.predict(X_dev))
    model.recipe = {"name": recipe.name, "dataset": dataset, "scale": recipe.scale,
                    "dev_size": recipe.dev_size, "seed": seed, "train": history.config}
    return model, history, result
