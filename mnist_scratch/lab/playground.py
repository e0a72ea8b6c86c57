"""The hyperparameter playground: sliders, Train and Stop, live cost and accuracy curves.

Design choices that keep it robust in a classroom:

* Training runs in a background thread, so the Stop button is heard at once
  (a busy kernel cannot process a click) and the notebook stays responsive.
* Curves are drawn into one Figure that is re-rendered to PNG inside a single
  ``ipywidgets.Image`` (see :mod:`mnist_scratch.lab.render`).
* Sliders never retrain by themselves (``continuous_update=False``; training
  starts with the button).
* ``Playground.run(...)`` is the non-interactive fallback, so a lesson still
  teaches where widgets cannot render.
* It reports **dev** accuracy only: the test set is for the end of a lesson,
  never for tuning.
* It fits a laptop's JupyterLab with the file browser open: the controls keep
  their width (a squeezed slider hides its readout), and the figures go below
  them, scaled to the notebook's width, when the two do not fit side by side.
  The sample predictions stay hidden until a run has drawn them (an empty
  image would show as a broken one).
"""

from __future__ import annotations

import html
import re
import threading
import time
import warnings
from html import escape as html_escape

from ..data.mnist import load_mnist
from ..data.split import dev_indices
from ..evaluate import accuracy
from ..model import Model
from ..optim import OPTIMIZERS
from ..train import TrainingDiverged, train
from ..training.stall import TrainingStalledWarning
from ..validation import IsBool, ListOf, Number, OneOf, OrNone, Whole, validate
from .render import figure_png, new_figure
from .validate import check_mnist

#: What the playground's builder takes besides the data.
_ARGUMENTS = {"max_layers": OneOf((1, 2, 3)), "seed": Whole(0)}

__all__ = ["playground", "Playground"]


class Playground:
    """The hyperparameter playground. Build it with :func:`playground`.

    Its controls are attributes (``lr``, ``layers``, ``hidden``, ``epochs``,
    ``batch_size``, ``subset``, ``optimizer``, ``l2``, ``train_button``,
    ``stop_button``), so a test or an instructor can drive it from Python.
    After a run, ``model`` and ``history`` hold the results.
    """

    BATCH_SIZES = [("16", 16), ("32", 32), ("64", 64), ("128", 128), ("256", 256), ("full batch", None)]

    @validate(_ARGUMENTS, name="Playground")
    def __init__(self, data=None, *, max_layers: int = 3, seed: int = 0):
        import ipywidgets as w

        self.data = check_mnist(data if data is not None else load_mnist(), min_train=1001,
                                reason=" (the playground keeps 1,000 of them as its dev set)")
        # the same seeded dev split as train_dev_split(X, y, 1000, seed=0) in the lessons
        self.train_rows, self.dev_rows = dev_indices(len(self.data[0]), 1000, seed=0)
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
                                    value="adam", description="optimizer", style=style, layout=layout())
        self.l2 = w.FloatLogSlider(value=1e-6, base=10, min=-6, max=-1, step=0.5, description="L2 (left: off)",
                                   readout_format=".0e", continuous_update=False, style=style, layout=layout(),
                                   tooltip="far left (1e-6) means no L2 at all")
        self.train_button = w.Button(description="Train", button_style="success", icon="play")
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.status = w.HTML("Set the sliders, then press <b>Train</b>.")
        # a figure is never wider than the notebook: it scales down with its column
        self.curves = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.samples = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto", display="none"))

        self.figure = new_figure()
        self._draw_empty()
        self.layers.observe(self._show_hidden_sliders, names="value")
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self._show_hidden_sliders()

        # The controls never shrink (flex 0 0 auto): beside a wide figure a flexible column gave its sliders
        # too little room, and their readouts were cut off ("0" for a learning rate of 0.0020). The row wraps
        # instead, putting the figures below the controls when both do not fit.
        controls = w.VBox([self.lr, self.layers, *self.hidden, self.epochs, self.batch_size, self.subset,
                           self.optimizer, self.l2, w.HBox([self.train_button, self.stop_button])],
                          layout=w.Layout(flex="0 0 auto", margin="0 16px 8px 0"))
        figures = w.VBox([self.curves, self.samples], layout=w.Layout(flex="1 1 480px", min_width="0"))
        self.widget = w.VBox([w.HBox([controls, figures], layout=w.Layout(flex_flow="row wrap")), self.status])

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
    @validate({"lr": Number(0, low_open=True), "hidden": ListOf(Whole(1, 4096), 1, 3, "(64, 32)"),
               "epochs": Whole(1, 1000), "batch_size": OrNone(Whole(1), "full batch"),
               "subset": Whole(1, note="training images; all there are, if more"), "optimizer": OneOf(tuple(OPTIMIZERS)),
               "l2": Number(0), "show": IsBool()}, name="Playground.run")
    def run(self, *, lr=2e-3, hidden=(64,), epochs=8, batch_size=64, subset=5000, optimizer="adam",
            l2=0.0, show: bool = False):
        """Train with these settings, redrawing the curves after every epoch (blocking).

        This is also the non-interactive fallback: ``Playground.run(lr=0.01)``
        works, and with ``show=True`` displays the final figure, without widgets.
        A run that stops learning (see :mod:`mnist_scratch.training.stall`) is not an
        error here: the status line shows the stall detector's sentence as a warning.
        """
        X, y = self.data[0], self.data[1]
        subset = min(subset, len(self.train_rows))
        rows = self.train_rows[:subset]
        X_train, y_train = X[rows], y[rows]
        X_dev, y_dev = X[self.dev_rows], y[self.dev_rows]
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
                             f"dev {r['dev_acc']:.1%}" + self._stall_note(history))

        try:
            with warnings.catch_warnings():  # a stall is shown in the status line, not as a Python warning
                warnings.simplefilter("ignore", TrainingStalledWarning)
                self.history = train(self.model, X_train, y_train, X_dev=X_dev, y_dev=y_dev, epochs=epochs,
                                     batch_size=batch_size, optimizer=optimizer, lr=lr, l2=l2, seed=self.seed,
                                     callback=after_epoch, should_stop=self._stop.is_set, progress=False,
                                     on_stall="warn")
        except TrainingDiverged as err:
            self.error = str(err)
            self.history = err.history
            self._set_status(f"<span style='color:#b00'>⚠ {err}</span>")
            return self.history
        dev_acc = accuracy(y_dev, self.model.predict(X_dev))
        stopped = " (stopped early: the model trained so far is kept)" if self.history.stopped == "requested" else ""
        self._set_status(f"Done in {time.perf_counter() - start:.1f} s{stopped}. "
                         f"<b>Dev accuracy: {dev_acc:.2%}</b> on the 1,000 held-out dev images. "
                         f"(The test set stays untouched while you tune.)" + self._stall_note(self.history))
        self.dev_accuracy = dev_acc
        self._draw_samples()
        if show:
            from IPython.display import Image, display

            display(Image(self.curves.value))
        return self.history

    def _draw_samples(self, count: int = 8):
        from .plots import show_digit

        rows = self.dev_rows[:count]
        X_dev, y_dev = self.data[0][rows], self.data[1][rows]
        fig = new_figure(width=9.5, height=1.6, ncols=count)
        predicted = self.model.predict(X_dev)
        for i, ax in enumerate(fig.axes):
            show_digit(X_dev[i], ax=ax, title=f"pred {predicted[i]}")
            ax.title.set_color("tab:green" if predicted[i] == y_dev[i] else "tab:red")
        fig.tight_layout()
        self.samples.value = figure_png(fig)
        self.samples.layout.display = None          # shown from the first run on

    @staticmethod
    def _stall_note(history) -> str:
        """The stall detector's sentence, as a warning for the status line ('' if training did not stall)."""
        if history is None or history.stall is None:
            return ""
        return f"<br><span style='color:#b00'>⚠ {html_escape(history.stall)}</span>"

    def _set_status(self, markup: str):
        self.status.value = markup

    @property
    def status_text(self) -> str:
        """The status line as plain text, for ``print``: the widget's own ``status.value`` is HTML."""
        return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", self.status.value)))

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

    def test_accuracy(self) -> float:
        """Test accuracy of the trained model, on explicit request: look once, at the very end."""
        if self.model is None:
            raise ValueError("nothing is trained yet: press Train (or call run()) first")
        return accuracy(self.data[3], self.model.predict(self.data[2]))

    @validate({"timeout": OrNone(Number(0), "wait as long as it takes")}, name="Playground.wait")
    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ends; True if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


@validate(_ARGUMENTS, name="playground")
def playground(data=None, *, max_layers: int = 3, seed: int = 0) -> Playground:
    """The hyperparameter playground: sliders, Train/Stop, live cost and accuracy curves.

    ``data`` is ``load_mnist()``'s result (loaded if not given). Display the
    returned object (make it the last line of a cell) to see the panel.
    """
    return Playground(data, max_layers=max_layers, seed=seed)
