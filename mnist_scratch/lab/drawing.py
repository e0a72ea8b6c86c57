"""Draw a digit with the mouse, preprocessed the way MNIST was made, and see the prediction."""

from __future__ import annotations

import numpy as np

from ..data.sources import DATASETS
from ..validation import Array, ArgumentError, ListOf, Number, OrNone, Whole, show, validate
from .render import figure_png, new_figure
from .validate import CLASS_NAMES, IMAGE, IMAGES, check_model

__all__ = ["draw_digit", "DrawDigit"]

_SIZE = 280  # the canvas, in pixels
#: What ``draw_digit`` and ``DrawDigit`` take besides the model.
_ARGUMENTS = {"classes": CLASS_NAMES, "images": OrNone(IMAGES, "the MNIST test set, loaded when first needed")}
#: A stroke's points, in canvas pixels; a little beyond the canvas is allowed (the brush is clipped there).
_POINTS = ListOf(ListOf(Number(-_SIZE, 2 * _SIZE), 2, 2), 1, 1 << 16,
                 f"[(60, 40), (200, 240)] (canvas pixels, 0 to {_SIZE})")
_PICTURE = Array("a row of 784 pixels or a 2-D grey image (height, width)", ndims=(1, 2), max_size=IMAGE.max_size)


class DrawDigit:
    """Draw a digit with the mouse and see what the model thinks. Build it with :func:`draw_digit`.

    The strokes go to an ipycanvas ``Canvas`` (what you see) and, in Python,
    into a NumPy raster of the same size (what is classified), so prediction
    needs no round trip to the browser. ``stroke(points)`` draws from code,
    which is how the tests (and the non-interactive fallback) use it.

    Without a mouse: type a test digit's number in the box and press **Load**
    (Tab reaches every control, Space or Enter presses a button), then draw over
    it or press **Predict**; or call ``load_image(image)`` with any picture (a
    28 x 28 digit, a row of 784 pixels, or a larger grey image, ink bright).
    """

    SIZE = _SIZE
    BRUSH = 11  # radius in canvas pixels: about 2 MNIST pixels wide once the digit is scaled to 20 x 20

    @validate(_ARGUMENTS, name="DrawDigit")
    def __init__(self, model, classes=None, images=None):
        import ipywidgets as w
        from ipycanvas import Canvas

        self.classes = list(classes or DATASETS["mnist"].classes)
        self.model = check_model(model, classes=self.classes)
        self.raster = np.zeros((self.SIZE, self.SIZE))
        self.probs = None
        self.preprocessed = None
        self._last = None
        self.canvas = Canvas(width=self.SIZE, height=self.SIZE,
                             layout=w.Layout(border="2px solid #888", width=f"{self.SIZE}px", height=f"{self.SIZE}px"))
        self.canvas.stroke_style = "black"
        self.canvas.line_width = 2 * self.BRUSH
        self.canvas.line_cap = "round"
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(self._up)
        self.canvas.on_mouse_out(self._up)
        self.clear_button = w.Button(description="Clear", icon="eraser")
        self.predict_button = w.Button(description="Predict", button_style="primary", icon="magic")
        self.clear_button.on_click(lambda _: self.clear())
        self.predict_button.on_click(lambda _: self.predict())
        self._images = images                      # where "Load" takes digits from (the test set by default)
        self.digit_number = w.BoundedIntText(value=0, min=0, max=9999, description="test digit",
                                             layout=w.Layout(width="170px"))
        self.load_button = w.Button(description="Load", icon="upload",
                                    tooltip="put this test digit on the canvas, to predict or draw over")
        self.load_button.on_click(lambda _: self.load_test_digit(self.digit_number.value))
        self.result = w.HTML("Draw a digit (big, in the middle or anywhere), then press <b>Predict</b>.")
        self.image = w.Image(format="png")
        self.figure = new_figure(width=6.5, height=2.6)
        buttons = w.HBox([self.clear_button, self.predict_button])
        keyboard = w.HBox([self.digit_number, self.load_button])
        self.widget = w.VBox([w.HBox([w.VBox([self.canvas, buttons, keyboard]), self.image]), self.result])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # ---------------------------------------------------------------- drawing
    def _stamp(self, x, y):
        r = self.BRUSH
        top, left = min(self.SIZE, max(0, int(y) - r)), min(self.SIZE, max(0, int(x) - r))
        bottom, right = max(top, min(self.SIZE, int(y) + r + 1)), max(left, min(self.SIZE, int(x) + r + 1))
        rows, cols = np.ogrid[top:bottom, left:right]
        self.raster[top:bottom, left:right][(rows - y) ** 2 + (cols - x) ** 2 <= r * r] = 1.0

    def _line(self, x0, y0, x1, y1):
        steps = max(1, int(np.hypot(x1 - x0, y1 - y0) / 2))
        for t in np.linspace(0, 1, steps + 1):
            self._stamp(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        self.canvas.stroke_line(x0, y0, x1, y1)

    def _down(self, x, y):
        self._last = (x, y)
        self._line(x, y, x, y)

    def _move(self, x, y):
        if self._last is not None:
            self._line(*self._last, x, y)
            self._last = (x, y)

    def _up(self, x, y):
        self._last = None

    @validate({"points": _POINTS}, name="DrawDigit.stroke")
    def stroke(self, points):
        """Draw a stroke through ``points`` [(x, y), …] in canvas pixels (0-280), as the mouse would."""
        self._down(*points[0])
        for p in points[1:]:
            self._move(*p)
        self._up(*points[-1])

    def clear(self):
        """What the Clear button does."""
        self.raster[:] = 0
        self.canvas.clear()
        self.probs = self.preprocessed = None
        self.result.value = "Cleared. Draw a digit, then press <b>Predict</b>."

    # ---------------------------------------------------------------- without a mouse
    @validate({"image": _PICTURE}, name="DrawDigit.load_image")
    def load_image(self, image):
        """Put a picture on the canvas (replacing the drawing) and predict it.

        ``image``: a row of 784 pixels, a 28 x 28 digit, or any 2-D grey image,
        values 0-1 or 0-255, ink bright on a dark background, as MNIST's are.
        """
        a = np.asarray(image, dtype=np.float64)
        if a.ndim == 1:
            if a.size != 784:
                raise ArgumentError(f"DrawDigit.load_image(): image={show(image)} is not allowed: image must be "
                                 f"{_PICTURE.description}; a row of {a.size} pixels is not a 28 x 28 digit")
            a = a.reshape(28, 28)
        if a.max() > 1:
            a = a / 255
        rows = np.minimum(np.arange(self.SIZE) * a.shape[0] // self.SIZE, a.shape[0] - 1)
        cols = np.minimum(np.arange(self.SIZE) * a.shape[1] // self.SIZE, a.shape[1] - 1)
        self.raster[:] = np.clip(a[np.ix_(rows, cols)], 0, 1)      # nearest-neighbour scaling to the canvas
        grey = (255 * (1 - self.raster)).astype(np.uint8)            # black ink on white, as drawn
        self.canvas.clear()
        self.canvas.put_image_data(np.stack([grey, grey, grey], axis=-1), 0, 0)
        return self.predict()

    @validate({"index": Whole(0)}, name="DrawDigit.load_test_digit")
    def load_test_digit(self, index: int):
        """What the Load button does: put test digit ``index`` on the canvas and predict it."""
        if self._images is None:
            from ..data.mnist import load_mnist

            self._images = load_mnist().X_test
        if not 0 <= int(index) < len(self._images):
            self.result.value = f"There is no test digit {index}: choose 0 to {len(self._images) - 1}."
            return None
        return self.load_image(self._images[int(index)])

    # ---------------------------------------------------------------- predicting
    def predict(self):
        """What the Predict button does: preprocess like MNIST, classify, show both."""
        from .plots import probability_bars, show_digit
        from .preprocess import preprocess_drawing

        try:
            self.preprocessed = preprocess_drawing(self.raster)
        except ValueError:
            self.result.value = "Nothing drawn yet: draw a digit first."
            return None
        self.probs = self.model.predict_proba(self.preprocessed)[0]
        best = int(self.probs.argmax())
        image_ax, bars_ax = self.figure.axes
        image_ax.clear()
        bars_ax.clear()
        show_digit(self.preprocessed, ax=image_ax, title="what the network sees (28 x 28)")
        probability_bars(self.probs, ax=bars_ax, classes=self.classes)
        self.figure.tight_layout()
        self.image.value = figure_png(self.figure)
        self.result.value = f"The network says <b>{self.classes[best]}</b> ({self.probs[best]:.1%} sure)."
        return best


@validate(_ARGUMENTS, name="draw_digit")
def draw_digit(model, classes=None, images=None) -> DrawDigit:
    """A canvas to draw on with the mouse, with Clear and Predict buttons, and a
    keyboard route: a test digit's number and a Load button (digits from ``images``,
    by default the MNIST test set, loaded when first needed).

    The drawing is preprocessed the way MNIST was made (see
    :mod:`mnist_scratch.lab.preprocess`) and shown next to the predicted probabilities.
    Without widgets, use ``preprocess_drawing(image)`` and ``model.predict_proba``
    on an image you load yourself (for example with ``matplotlib.image.imread``).
    """
    return DrawDigit(model, classes, images)
