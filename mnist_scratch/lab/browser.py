"""The prediction browser: every prediction of a model, filtered to mistakes or to one digit."""

from __future__ import annotations

import numpy as np

from ..data.mnist import load_mnist
from ..data.sources import DATASETS
from ..validation import validate
from .render import figure_png, new_figure
from .validate import CLASS_NAMES, check_images_and_labels, check_model

__all__ = ["prediction_browser", "PredictionBrowser"]


class PredictionBrowser:
    """Browse a model's predictions: a slider over the (filtered) images, with
    the image, the true and predicted labels, and the ten probabilities.

    Build it with :func:`prediction_browser`. ``only_mistakes`` and ``digit``
    filter the images; ``index`` is the slider; ``selection()`` the indices shown.
    """

    @validate({"classes": CLASS_NAMES}, name="PredictionBrowser")
    def __init__(self, model, X, y, classes=None):
        import ipywidgets as w

        self.classes = list(classes or DATASETS["mnist"].classes)
        check_model(model, classes=self.classes, inputs=None)
        X, y = check_images_and_labels(X, y, inputs=int(np.prod(model.input_shape)), classes=len(self.classes))
        self.model, self.X, self.y = model, X, y
        self.probs = model.predict_proba(X)
        self.predicted = self.probs.argmax(axis=1)
        self.only_mistakes = w.Checkbox(value=False, description="only mistakes")
        self.digit = w.Dropdown(options=[("any", None)] + [(c, k) for k, c in enumerate(self.classes)],
                                value=None, description="true label")
        self.index = w.IntSlider(value=0, min=0, max=len(X) - 1, description="image", continuous_update=True,
                                 layout=w.Layout(width="420px"))
        self.caption = w.HTML()
        self.image = w.Image(format="png")
        self.figure = new_figure(width=7, height=2.8)
        self.only_mistakes.observe(self._refilter, names="value")
        self.digit.observe(self._refilter, names="value")
        self.index.observe(lambda _: self._draw(), names="value")
        self.widget = w.VBox([w.HBox([self.only_mistakes, self.digit]), self.index, self.caption, self.image])
        self._refilter()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def selection(self) -> np.ndarray:
        """Indices of the images that pass the filters, in order."""
        keep = np.ones(len(self.y), dtype=bool)
        if self.only_mistakes.value:
            keep &= self.predicted != self.y
        if self.digit.value is not None:
            keep &= self.y == self.digit.value
        return np.flatnonzero(keep)

    def _refilter(self, *_):
        self._selected = self.selection()
        self.index.max = max(len(self._selected) - 1, 0)
        self.index.value = 0
        self.index.disabled = len(self._selected) == 0
        self._draw()

    def current(self):
        """The index (into X) of the image shown, or None if nothing matches."""
        return int(self._selected[self.index.value]) if len(self._selected) else None

    def _draw(self):
        from .plots import probability_bars, show_digit

        image_ax, bars_ax = self.figure.axes
        image_ax.clear()
        bars_ax.clear()
        i = self.current()
        if i is None:
            self.caption.value = "No image matches these filters."
            image_ax.axis("off")
            bars_ax.axis("off")
        else:
            p = int(self.predicted[i])
            verdict = "✅" if p == self.y[i] else "❌"
            self.caption.value = (f"{verdict} image #{i} ({self.index.value + 1} of {len(self._selected)}): "
                                  f"true <b>{self.classes[self.y[i]]}</b>, predicted <b>{self.classes[p]}</b> "
                                  f"({self.probs[i, p]:.1%})")
            bars_ax.axis("on")
            show_digit(self.X[i], ax=image_ax)
            probability_bars(self.probs[i], self.y[i], ax=bars_ax, classes=self.classes)
        self.figure.tight_layout()
        self.image.value = figure_png(self.figure)


@validate({"classes": CLASS_NAMES}, name="prediction_browser")
def prediction_browser(model, X=None, y=None, classes=None) -> PredictionBrowser:
    """A slider over test images showing the model's prediction and probabilities.

    ``X``, ``y`` default to the MNIST test set (scaled as the model was trained).
    Filters: "only mistakes" and "true label d". Display the returned object.
    """
    check_model(model, classes=list(classes or DATASETS["mnist"].classes), inputs=None)
    if (X is None) != (y is None):
        raise ValueError("pass both X and y (images and their labels), or neither for the MNIST test set")
    if X is None:
        _, _, X, y = load_mnist(scale=(getattr(model, "recipe", None) or {}).get("scale", "unit"))
    return PredictionBrowser(model, X, y, classes)
