"""Interactive classroom tools (ipywidgets 8 + matplotlib).

* :func:`playground` — sliders for the hyperparameters, Train and Stop buttons,
  and cost/accuracy curves that redraw after every epoch.
* :func:`prediction_browser` — a slider over test images with the predicted
  probabilities, filtered to mistakes or to one digit.
* :func:`draw_digit` — draw a digit with the mouse (ipycanvas), preprocessed
  the way MNIST was made, and see the network's probabilities.
* :func:`check_environment` — says in plain words what is missing when widgets
  cannot render, and what to install.

Design choices that keep these robust in a classroom:

* Training runs in a background thread, so the Stop button is heard at once
  (a busy kernel cannot process a click) and the notebook stays responsive.
* Curves are drawn with matplotlib's object-oriented API into one Figure that
  is re-rendered to PNG inside a single ``ipywidgets.Image``: no flicker, no
  new figure per update, and nothing beyond ipywidgets needed in the browser.
* Sliders never retrain by themselves (``continuous_update=False``; training
  starts with the button).
* Every tool has a non-interactive fallback (``Playground.run(...)``), so a
  lesson still teaches where widgets cannot render.
"""

from __future__ import annotations

import io
import threading
import time

import numpy as np

from .data import load_mnist
from .evaluate import accuracy
from .network import Model
from .train import TrainingDiverged, train

__all__ = ["playground", "Playground", "prediction_browser", "PredictionBrowser", "draw_digit", "DrawDigit",
           "check_environment", "figure_png"]


def figure_png(fig, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _new_figure(width=9.5, height=3.2, ncols=2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots(1, ncols)
    return fig


class Playground:
    """The hyperparameter playground. Build it with :func:`playground`.

    Its controls are attributes (``lr``, ``layers``, ``hidden``, ``epochs``,
    ``batch_size``, ``subset``, ``optimizer``, ``l2``, ``train_button``,
    ``stop_button``), so a test or an instructor can drive it from Python.
    After a run, ``model`` and ``history`` hold the results.
    """

    BATCH_SIZES = [("16", 16), ("32", 32), ("64", 64), ("128", 128), ("256", 256), ("full batch", None)]

    def __init__(self, data=None, *, max_layers: int = 3, seed: int = 0):
        import ipywidgets as w

        self.data = data if data is not None else load_mnist()
        self.seed = seed
        self.model = None
        self.history = None
        self.error = None
        self.renders = 0
        self._thread = None
        self._stop = threading.Event()

        style = {"description_width": "110px"}

        def layout():  # every widget needs its own Layout: a shared one would hide them all together
            return w.Layout(width="340px")

        self.lr = w.FloatLogSlider(value=2e-3, base=10, min=-4, max=0.5, step=0.1, description="learning rate",
                                   readout_format=".4f", continuous_update=False, style=style, layout=layout())
        self.layers = w.Dropdown(options=list(range(1, max_layers + 1)), value=1, description="hidden layers",
                                 style=style, layout=layout())
        self.hidden = [w.IntSlider(value=v, min=4, max=256, step=4, description=f"units, layer {i + 1}",
                                   continuous_update=False, style=style, layout=layout())
                       for i, v in enumerate([64, 32, 16][:max_layers])]
        self.epochs = w.IntSlider(value=8, min=1, max=40, description="epochs", continuous_update=False,
                                  style=style, layout=layout())
        self.batch_size = w.Dropdown(options=self.BATCH_SIZES, value=64, description="batch size",
                                     style=style, layout=layout())
        self.subset = w.Dropdown(options=[("1,000", 1000), ("5,000", 5000), ("10,000", 10000),
                                          ("59,000 (all)", 59000)], value=5000, description="training images",
                                 style=style, layout=layout())
        self.optimizer = w.Dropdown(options=[("SGD", "sgd"), ("momentum", "momentum"), ("Adam", "adam")],
                                    value="adam", description="optimiser", style=style, layout=layout())
        self.l2 = w.FloatLogSlider(value=1e-6, base=10, min=-6, max=-1, step=0.5, description="L2 (left: off)",
                                   readout_format=".0e", continuous_update=False, style=style, layout=layout(),
                                   tooltip="far left (1e-6) means no L2 at all")
        self.train_button = w.Button(description="Train", button_style="success", icon="play")
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.status = w.HTML("Set the sliders, then press <b>Train</b>.")
        self.curves = w.Image(format="png")
        self.samples = w.Image(format="png")

        self.figure = _new_figure()
        self._draw_empty()
        self.layers.observe(self._show_hidden_sliders, names="value")
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self._show_hidden_sliders()

        controls = w.VBox([self.lr, self.layers, *self.hidden, self.epochs, self.batch_size, self.subset,
                           self.optimizer, self.l2, w.HBox([self.train_button, self.stop_button])])
        self.widget = w.VBox([w.HBox([controls, w.VBox([self.curves, self.samples])]), self.status])

    # ------------------------------------------------------------------ display
    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _show_hidden_sliders(self, *_):
        for i, slider in enumerate(self.hidden):
            slider.layout.display = None if i < self.layers.value else "none"

    def _render(self):
        self.curves.value = figure_png(self.figure)
        self.renders += 1

    def _draw_empty(self):
        for ax, title in zip(self.figure.axes, ("cost", "accuracy")):
            ax.clear()
            ax.set_title(title)
            ax.set_xlabel("epoch")
            ax.text(0.5, 0.5, "press Train", ha="center", va="center", transform=ax.transAxes, color="gray")
        self.figure.tight_layout()
        self._render()

    def _draw(self, history):
        from .plots import plot_history

        plot_history(history, fig=self.figure, title=self._describe())
        self._render()

    # ------------------------------------------------------------------ settings
    def settings(self) -> dict:
        """The current control values, as arguments for :meth:`run`."""
        l2 = 0.0 if self.l2.value <= 10 ** self.l2.min * 1.0001 else self.l2.value  # far left: L2 off
        return dict(lr=self.lr.value, hidden=tuple(s.value for s in self.hidden[: self.layers.value]),
                    epochs=self.epochs.value, batch_size=self.batch_size.value, subset=self.subset.value,
                    optimizer=self.optimizer.value, l2=l2)

    def _describe(self, s=None) -> str:
        s = s or self.settings()
        batch = "full batch" if s["batch_size"] is None else f"batch {s['batch_size']}"
        return (f"784-{'-'.join(map(str, s['hidden']))}-10, {s['optimizer']} lr {s['lr']:.2g}, {batch}, "
                f"{s['subset']:,} images")

    # ------------------------------------------------------------------ training
    def run(self, *, lr=2e-3, hidden=(64,), epochs=8, batch_size=64, subset=5000, optimizer="adam",
            l2=0.0, show: bool = False):
        """Train with these settings, redrawing the curves after every epoch (blocking).

        This is also the non-interactive fallback: ``Playground.run(lr=0.01)``
        works, and with ``show=True`` displays the final figure, without widgets.
        """
        X, y, X_test, y_test = self.data
        subset = min(int(subset), len(X) - 1000)
        X_train, y_train = X[:subset], y[:subset]
        X_dev, y_dev = X[-1000:], y[-1000:]
        settings = dict(lr=lr, hidden=tuple(hidden), epochs=epochs, batch_size=batch_size, subset=subset,
                        optimizer=optimizer, l2=l2)
        self._stop.clear()
        self.error = None
        self.model = Model([784, *hidden, 10], seed=self.seed)
        self._set_status(f"Training {self._describe(settings)}…")
        start = time.perf_counter()

        def after_epoch(history):
            self.history = history
            self._draw(history)
            r = history.last
            self._set_status(f"epoch {r['epoch']}/{epochs}: cost {r['cost']:.3f}, train {r['train_acc']:.1%}, "
                             f"dev {r['dev_acc']:.1%}")

        try:
            self.history = train(self.model, X_train, y_train, X_dev=X_dev, y_dev=y_dev, epochs=epochs,
                                 batch_size=batch_size, optimizer=optimizer, lr=lr, l2=l2, seed=self.seed,
                                 callback=after_epoch, should_stop=self._stop.is_set, progress=False)
        except TrainingDiverged as err:
            self.error = str(err)
            self.history = err.history
            self._set_status(f"<span style='color:#b00'>⚠ {err}</span>")
            return self.history
        test_acc = accuracy(y_test, self.model.predict(X_test))
        stopped = " (stopped early: the model trained so far is kept)" if self.history.stopped == "requested" else ""
        self._set_status(f"Done in {time.perf_counter() - start:.1f} s{stopped}. "
                         f"<b>Test accuracy: {test_acc:.2%}</b> on 10,000 unseen digits.")
        self.test_accuracy = test_acc
        self._draw_samples()
        if show:
            from IPython.display import Image, display

            display(Image(self.curves.value))
        return self.history

    def _draw_samples(self, count: int = 8):
        from .plots import show_digit

        _, _, X_test, y_test = self.data
        fig = _new_figure(width=9.5, height=1.6, ncols=count)
        predicted = self.model.predict(X_test[:count])
        for i, ax in enumerate(fig.axes):
            show_digit(X_test[i], ax=ax, title=f"pred {predicted[i]}")
            ax.title.set_color("tab:green" if predicted[i] == y_test[i] else "tab:red")
        fig.tight_layout()
        self.samples.value = figure_png(fig)

    def _set_status(self, html: str):
        self.status.value = html

    def start(self):
        """What the Train button does: train in a background thread."""
        if self.running:
            return
        self.train_button.disabled = True
        self.stop_button.disabled = False

        def work():
            try:
                self.run(**self.settings())
            except Exception as err:  # never let a widget thread die silently
                self.error = f"{type(err).__name__}: {err}"
                self._set_status(f"<span style='color:#b00'>⚠ {self.error}</span>")
            finally:
                self.train_button.disabled = False
                self.stop_button.disabled = True

        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def stop(self):
        """What the Stop button does: ask training to stop after the current step."""
        self._stop.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ends; True if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


def playground(data=None, **kwargs) -> Playground:
    """The hyperparameter playground: sliders, Train/Stop, live cost and accuracy curves.

    ``data`` is ``load_mnist()``'s result (loaded if not given). Display the
    returned object (make it the last line of a cell) to see the panel.
    """
    return Playground(data, **kwargs)


class PredictionBrowser:
    """Browse a model's predictions: a slider over the (filtered) images, with
    the image, the true and predicted labels, and the ten probabilities.

    Build it with :func:`prediction_browser`. ``only_mistakes`` and ``digit``
    filter the images; ``index`` is the slider; ``selection()`` the indices shown.
    """

    def __init__(self, model, X, y, classes=None):
        import ipywidgets as w

        from .sources import DATASETS

        self.model, self.X, self.y = model, X, np.asarray(y)
        self.classes = list(classes or DATASETS["mnist"].classes)
        self.probs = model.predict_proba(X)
        self.predicted = self.probs.argmax(axis=1)
        self.only_mistakes = w.Checkbox(value=False, description="only mistakes")
        self.digit = w.Dropdown(options=[("any", None)] + [(c, k) for k, c in enumerate(self.classes)],
                                value=None, description="true label")
        self.index = w.IntSlider(value=0, min=0, max=len(X) - 1, description="image", continuous_update=True,
                                 layout=w.Layout(width="420px"))
        self.caption = w.HTML()
        self.image = w.Image(format="png")
        self.figure = _new_figure(width=7, height=2.8)
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


def prediction_browser(model, X=None, y=None, classes=None) -> PredictionBrowser:
    """A slider over test images showing the model's prediction and probabilities.

    ``X``, ``y`` default to the MNIST test set (scaled as the model was trained).
    Filters: "only mistakes" and "true label d". Display the returned object.
    """
    if X is None or y is None:
        _, _, X, y = load_mnist(scale=(model.recipe or {}).get("scale", "unit"))
    return PredictionBrowser(model, X, y, classes)


class DrawDigit:
    """Draw a digit with the mouse and see what the model thinks. Build it with :func:`draw_digit`.

    The strokes go to an ipycanvas ``Canvas`` (what you see) and, in Python,
    into a NumPy raster of the same size (what is classified), so prediction
    needs no round trip to the browser. ``stroke(points)`` draws from code,
    which is how the tests (and the non-interactive fallback) use it.
    """

    SIZE = 280
    BRUSH = 11  # radius in canvas pixels: about 2 MNIST pixels wide once the digit is scaled to 20 x 20

    def __init__(self, model, classes=None):
        import ipywidgets as w
        from ipycanvas import Canvas

        from .sources import DATASETS

        self.model = model
        self.classes = list(classes or DATASETS["mnist"].classes)
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
        self.result = w.HTML("Draw a digit (big, in the middle or anywhere), then press <b>Predict</b>.")
        self.image = w.Image(format="png")
        self.figure = _new_figure(width=6.5, height=2.6)
        self.widget = w.VBox([w.HBox([w.VBox([self.canvas, w.HBox([self.clear_button, self.predict_button])]),
                                      self.image]), self.result])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # ---------------------------------------------------------------- drawing
    def _stamp(self, x, y):
        r = self.BRUSH
        top, bottom = max(0, int(y) - r), min(self.SIZE, int(y) + r + 1)
        left, right = max(0, int(x) - r), min(self.SIZE, int(x) + r + 1)
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

    def stroke(self, points):
        """Draw a stroke through ``points`` [(x, y), …] in canvas pixels (0-280), as the mouse would."""
        points = list(points)
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


def draw_digit(model, classes=None) -> DrawDigit:
    """A canvas to draw on with the mouse, with Clear and Predict buttons.

    The drawing is preprocessed the way MNIST was made (see
    :mod:`mnist_scratch.preprocess`) and shown next to the predicted probabilities.
    Without widgets, use ``preprocess_drawing(image)`` and ``model.predict_proba``
    on an image you load yourself (for example with ``matplotlib.image.imread``).
    """
    return DrawDigit(model, classes)


# --------------------------------------------------------------------------- environment
def _version(package: str):
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _labextension_installed(name: str) -> bool:
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return False
    from pathlib import Path

    return any((Path(folder) / name / "package.json").is_file() for folder in jupyter_path("labextensions"))


def check_environment(verbose: bool = True) -> list:
    """Check that the interactive widgets can render here, and say what to install if not.

    Returns a list of ``(ok, message)``; with ``verbose`` prints them. Call it
    in a notebook's first cell. On Colab it also switches on the custom widget
    manager that ipywidgets 8 and ipycanvas need there.
    """
    import sys

    findings = []

    def note(ok, message):
        findings.append((ok, message))

    widgets = _version("ipywidgets")
    if widgets is None:
        note(False, "ipywidgets is not installed: run  pip install 'ipywidgets>=8'  and restart the kernel.")
    elif int(widgets.split(".")[0]) < 8:
        note(False, f"ipywidgets {widgets} is too old: run  pip install -U 'ipywidgets>=8'  and restart the kernel.")
    else:
        note(True, f"ipywidgets {widgets}")

    if "google.colab" in sys.modules:
        try:
            from google.colab import output

            output.enable_custom_widget_manager()
            note(True, "Colab: custom widget manager enabled, so ipywidgets 8 and ipycanvas can render.")
        except Exception as err:  # pragma: no cover - only on Colab
            note(False, f"Colab: could not enable the custom widget manager ({err}); widgets may show as text.")
    else:
        manager = _version("jupyterlab_widgets")
        if manager is None or not _labextension_installed("@jupyter-widgets/jupyterlab-manager"):
            note(False, "The JupyterLab widget front-end (jupyterlab_widgets) is missing: run  "
                        "pip install 'jupyterlab_widgets>=3'  where JupyterLab runs, then restart JupyterLab. "
                        "Until then, widgets appear as plain text such as 'VBox(...)'.")
        elif widgets and int(widgets.split(".")[0]) >= 8 and not manager.startswith("3."):
            note(False, f"jupyterlab_widgets {manager} does not match ipywidgets {widgets} (it needs 3.x): run  "
                        "pip install -U 'jupyterlab_widgets>=3,<4'  and restart JupyterLab.")
        else:
            note(True, f"JupyterLab widget front-end (jupyterlab_widgets {manager})")

    canvas = _version("ipycanvas")
    if canvas is None:
        note(False, "ipycanvas is not installed, so draw_digit() cannot show a canvas: run  pip install ipycanvas.")
    elif "google.colab" not in sys.modules and not _labextension_installed("ipycanvas"):
        note(False, f"ipycanvas {canvas} is installed but its JupyterLab front-end is not: reinstall it where "
                    "JupyterLab runs (pip install --force-reinstall ipycanvas) and restart JupyterLab.")
    else:
        note(True, f"ipycanvas {canvas} (for draw_digit)")

    if verbose:
        for ok, message in findings:
            print(("✅ " if ok else "❌ ") + message)
        if all(ok for ok, _ in findings):
            print("Everything needed for the interactive tools is here.")
        else:
            print("Every tool also works without widgets: see the fallback in each lesson.")
    return findings
