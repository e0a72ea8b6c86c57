"""Named training recipes: the classic tutorials' configurations, and our best.

Each recipe fixes the architecture, the input scaling, the dev split and the
training settings of one well-known lesson, together with the accuracy that
lesson reports. ``benchmarks/recipes.py`` trains them all and checks each
reaches its reference.

A recipe's ``kind`` is ``"mlp"`` (a :class:`~mnist_scratch.model.Model` with
layer ``sizes``) or ``"cnn"`` (a :class:`~mnist_scratch.cnn.CNN` made with the
recipe's ``cnn`` options); :func:`mnist_scratch.train.train` trains both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cnn import layer_names
from ..validation import Constraint, validate

__all__ = ["Recipe", "RECIPES", "BEST", "get_recipe", "RecipeName"]


@dataclass(frozen=True)
class Recipe:
    name: str
    number: int
    title: str
    source: str
    sizes: tuple
    train: dict
    reference: float                 # the accuracy the source reports (a fraction)
    tolerance: float = 0.0           # how far below the reference still meets it: 0.005 for a "~94.0%"
    metric: str = "test"             # which accuracy the reference is about: "test" or "dev"
    activation: str = "relu"
    loss: str = "cross_entropy"
    init: str = "he"
    scale: str = "unit"
    dev_size: int = 0
    notes: str = ""
    kind: str = "mlp"                # "mlp" or "cnn"
    cnn: dict = field(default_factory=dict)   # CNN(...) options of a "cnn" recipe

    def meets_reference(self, accuracy: float) -> bool:
        """Whether ``accuracy`` meets the source's figure (an approximate "~" one within ``tolerance``)."""
        return accuracy >= self.reference - self.tolerance - 1e-12

    def describe(self) -> str:
        t = self.train
        batch = {None: "full batch", 1: "per example"}.get(t.get("batch_size"), f"batch {t.get('batch_size')}")
        return (f"{'-'.join(map(str, self.sizes))}, {self.activation}/{self.loss}, {self.init} init, "
                f"{t['optimizer']} lr {t['lr']:g}, {batch}, {t['epochs']} "
                f"{'iterations' if t.get('batch_size') is None else 'epochs'}"
                + (f", {t['schedule']} schedule" if t.get("schedule") else ""))


_RECIPES = [
    Recipe("kaggle-784-10-10", 1, "The classic Kaggle 'NumPy from scratch' lesson",
           "Samson Zhang's 784-10-10 Kaggle notebook", (784, 10, 10),
           dict(optimizer="sgd", lr=0.10, batch_size=None, epochs=500, log_every=10),
           reference=0.85, tolerance=0.005, metric="dev", dev_size=1000,
           notes="pixels / 255, 1,000-image dev split. The lesson's U(-0.5, 0.5) weights "
                 "(init='uniform') land anywhere from 82% to 85% depending on the seed; He "
                 "initialisation makes the same 500 iterations reliable"),
    Recipe("he-784-10-10", 2, "784-10-10 with He initialisation",
           "the 784-10-10 follow-ups that add He initialisation", (784, 10, 10),
           dict(optimizer="sgd", lr=0.01, batch_size=None, epochs=5000, log_every=100),
           reference=0.9089),
    Recipe("deep-gd-500", 3, "784-128-64-10, full-batch gradient descent, 500 iterations",
           "the two-hidden-layer extension of the Kaggle lesson", (784, 128, 64, 10),
           dict(optimizer="sgd", lr=0.1, batch_size=None, epochs=500, log_every=10),
           reference=0.940, tolerance=0.005,
           notes="reported as '~94.0%' after 5-10 minutes: the '~' is read as within half a point"),
    Recipe("deep-gd-1000", 4, "784-128-64-10, full-batch gradient descent, 1,000 iterations",
           "the two-hidden-layer extension, trained longer", (784, 128, 64, 10),
           dict(optimizer="sgd", lr=0.1, batch_size=None, epochs=1000, log_every=20),
           reference=0.9540),
    Recipe("myonn-784-100-10", 5, "Make Your Own Neural Network (Tariq Rashid)",
           "'Make Your Own Neural Network', sigmoid + squared error", (784, 100, 10),
           dict(optimizer="sgd", lr=0.1, batch_size=1, epochs=10, targets=(0.01, 0.99)),
           reference=0.9687, activation="sigmoid", loss="mse", init="normal", scale="myonn",
           notes="inputs 0.01-1.0, targets 0.01/0.99, weights N(0, 1/fan_in)"),
    Recipe("best", 6, "mnist_scratch's best 784-128-64-10",
           "this project", (784, 128, 64, 10),
           dict(optimizer="adam", lr=2e-3, batch_size=128, epochs=12, schedule="cosine"),
           reference=0.980,
           notes="Adam with a cosine learning-rate decay, mini-batches of 128"),
    Recipe("cnn", 7, "A convolutional network from scratch",
           "this project (the CNN lesson's network, trained longer)", tuple(layer_names()),
           dict(optimizer="adam", lr=2e-3, batch_size=64, epochs=3, schedule="cosine"),
           reference=0.990, kind="cnn", cnn=dict(channels=(16, 32), kernel=5, hidden=128, padding="valid"),
           notes="conv 5x5x16 valid, relu, max-pool 2, conv 5x5x32 valid, relu, max-pool 2, "
                 "dense 128 relu, dense 10 softmax; im2col convolutions with the images last "
                 "(conv_batch_last), one BLAS thread"),
]

RECIPES = {r.name: r for r in _RECIPES}
BEST = RECIPES["best"]


@dataclass(frozen=True)
class RecipeName(Constraint):
    """A recipe: its name (``"best"``), its number (``6`` or ``"6"``), or a :class:`Recipe` itself."""

    def accepts(self, value) -> bool:
        return isinstance(value, Recipe) or (not isinstance(value, bool) and isinstance(value, (str, int)) and
                                             any(str(value) in (r.name, str(r.number)) for r in _RECIPES))

    @property
    def description(self) -> str:
        return "a recipe's name or number: " + ", ".join(f"{r.number} ({r.name})" for r in _RECIPES)


@validate({"name": RecipeName()}, name="get_recipe")
def get_recipe(name) -> Recipe:
    """A recipe by name (``"best"``) or number (``6`` or ``"6"``)."""
    if isinstance(name, Recipe):
        return name
    return next(recipe for recipe in _RECIPES if str(name) in (recipe.name, str(recipe.number)))
