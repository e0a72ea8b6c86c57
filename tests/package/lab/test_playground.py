"""mnist_scratch.lab.playground, driven headlessly from Python: sliders set, buttons clicked through
their handlers, results checked. (tests/tooling/test_browser.py renders the widgets for real.)"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mnist_scratch.lab import playground


@pytest.fixture
def panel(mnist):
    return playground(data=mnist)


def test_train_button_trains_with_the_sliders_values(panel):
    panel.lr.value = 0.01
    panel.layers.value = 2
    panel.hidden[0].value = 48
    panel.hidden[1].value = 24
    panel.epochs.value = 3
    panel.batch_size.value = 32
    panel.subset.value = 1000
    panel.optimizer.value = "momentum"
    panel.l2.value = 1e-4
    first_image = panel.curves.value
    panel.train_button.click()
    assert panel.train_button.disabled and not panel.stop_button.disabled
    assert panel.wait(60)
    config = panel.history.config
    assert (config["lr"], config["epochs"], config["batch_size"], config["optimizer"], config["l2"]) == \
           (0.01, 3, 32, "momentum", 1e-4)
    assert panel.model.sizes == [784, 48, 24, 10]
    assert panel.history.last["iteration"] == 3 * -(-1000 // 32)      # trained on the chosen 1,000 images
    assert "Dev accuracy" in panel.status.value and "Test" not in panel.status.value   # no tuning on test
    assert not panel.train_button.disabled and panel.stop_button.disabled
    assert panel.curves.value != first_image and panel.samples.value


def test_playground_uses_the_lessons_dev_split_and_shows_test_only_on_request(panel, mnist):
    from mnist_scratch.data import train_dev_split

    X, y = mnist[0], mnist[1]
    _, _, X_dev, y_dev = train_dev_split(X, y, 1000, seed=0)
    np.testing.assert_array_equal(X[panel.dev_rows], X_dev)
    np.testing.assert_array_equal(y[panel.dev_rows], y_dev)
    assert not set(panel.dev_rows) & set(panel.train_rows)
    with pytest.raises(ValueError, match="nothing is trained yet"):
        panel.test_accuracy()
    panel.run(epochs=1, subset=1000)
    assert 0.5 < panel.test_accuracy() <= 1.0


def test_curves_are_redrawn_in_place_after_every_epoch(panel):
    figure, image = panel.figure, panel.curves
    renders = panel.renders
    panel.run(epochs=4, subset=1000)
    assert panel.figure is figure and panel.curves is image            # the same figure and widget
    assert panel.renders == renders + 4                                # one redraw per epoch
    assert len(figure.axes) == 2 and len(figure.axes[0].lines) == 2    # train and dev, not piled up


def test_l2_slider_far_left_means_off(panel):
    assert panel.settings()["l2"] == 0.0                      # the default: the slider's minimum
    panel.l2.value = 1e-3
    assert panel.settings()["l2"] == pytest.approx(1e-3)


def test_sliders_do_not_retrain_by_themselves(panel):
    assert not panel.lr.continuous_update and not panel.epochs.continuous_update
    panel.lr.value = 0.05
    panel.epochs.value = 2
    assert panel.history is None and not panel.running


def test_stop_ends_training_at_the_next_step_and_keeps_the_model(panel):
    """Stop is heard before the very next step: the loop polls it before every batch and
    leaves at the first "yes", so at most the step already under way finishes (a few ms
    for a batch of 16). Counted, not timed, so it holds however busy the machine is."""

    class CountingEvent(threading.Event):
        def __init__(self):
            super().__init__()
            self.polls_after_stop = 0

        def is_set(self):
            answer = super().is_set()
            self.polls_after_stop += answer
            return answer

    panel._stop = CountingEvent()
    panel.epochs.value = 40
    panel.subset.value = 59000
    panel.batch_size.value = 16
    panel.train_button.click()
    deadline = time.perf_counter() + 120
    while (panel.history is None or len(panel.history) < 1) and time.perf_counter() < deadline:
        time.sleep(0.05)
    panel.stop_button.click()
    assert panel.wait(120), "training did not stop"
    assert panel._stop.polls_after_stop == 1            # left the loop at the first poll after Stop
    assert panel.history.stopped == "requested"
    assert 1 <= len(panel.history) < 40 and panel.model is not None
    assert "stopped early" in panel.status.value and "Dev accuracy" in panel.status.value


def test_divergence_shows_the_message_not_a_traceback(panel):
    panel.optimizer.value = "momentum"
    panel.lr.value = 3.0
    panel.layers.value = 2
    panel.subset.value = 5000
    panel.epochs.value = 3
    panel.train_button.click()
    assert panel.wait(60)
    assert panel.error and "diverged" in panel.error and "smaller learning rate" in panel.status.value
    assert "Traceback" not in panel.status.value


def test_layer_selector_shows_the_right_sliders(panel):
    panel.layers.value = 1
    assert [s.layout.display for s in panel.hidden] == [None, "none", "none"]
    panel.layers.value = 3
    assert [s.layout.display for s in panel.hidden] == [None, None, None]


def test_no_empty_image_shows_before_the_first_run_and_the_status_prints_as_text(panel):
    """An ipywidgets Image with no picture shows the browser's broken-image icon: the sample predictions
    stay hidden until a run drew them. ``status_text`` is the status without its HTML, for print()."""
    assert panel.curves.value and panel.curves.layout.display is None       # the empty axes, "press Train"
    assert not panel.samples.value and panel.samples.layout.display == "none"
    assert panel.status_text == "Set the sliders, then press Train."
    panel.run(epochs=1, subset=1000)
    assert panel.samples.value and panel.samples.layout.display is None
    assert "<b>" in panel.status.value and "Dev accuracy:" in panel.status_text
    assert "<" not in panel.status_text and ">" not in panel.status_text


def test_the_controls_keep_their_width_and_the_figures_wrap_below_them(panel):
    """The layout the browser test measures (tests/tooling/test_browser.py): a row that wraps, controls
    that never shrink, figures that scale down to their column."""
    row = panel.widget.children[0]
    controls, figures = row.children
    assert row.layout.flex_flow == "row wrap"
    assert controls.layout.flex == "0 0 auto"
    assert all(image.layout.max_width == "100%" for image in figures.children)
