"""The classroom widgets, driven headlessly from Python: sliders set, buttons clicked
through their handlers, results checked. (tests/tooling/test_browser.py renders them for real.)"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from mnist_scratch.model import Model
from mnist_scratch.lab.preprocess import center_of_mass, preprocess_drawing
from mnist_scratch.train import train
from mnist_scratch.lab import check_environment, draw_digit, playground, prediction_browser


@pytest.fixture(scope="module")
def trained(mnist):
    X, y, X_test, y_test = mnist
    model = Model([784, 64, 10], seed=0)
    train(model, X[:20000], y[:20000], epochs=3, progress=False)
    return model


@pytest.fixture
def panel(mnist):
    return playground(data=mnist)


# --------------------------------------------------------------------------- playground
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


# --------------------------------------------------------------------------- prediction browser
def test_browser_filters(trained, mnist):
    X_test, y_test = mnist.X_test[:2000], mnist.y_test[:2000]
    browser = prediction_browser(trained, X_test, y_test)
    predicted = trained.predict(X_test)
    assert browser.selection().tolist() == list(range(2000)) and browser.index.max == 1999
    browser.only_mistakes.value = True
    np.testing.assert_array_equal(browser.selection(), np.flatnonzero(predicted != y_test))
    browser.digit.value = 4
    np.testing.assert_array_equal(browser.selection(), np.flatnonzero((predicted != y_test) & (y_test == 4)))
    browser.only_mistakes.value = False
    np.testing.assert_array_equal(browser.selection(), np.flatnonzero(y_test == 4))
    browser.index.value = 3
    shown = browser.current()
    assert shown == np.flatnonzero(y_test == 4)[3]
    assert f"image #{shown}" in browser.caption.value and "true <b>4</b>" in browser.caption.value
    assert bytes(browser.image.value).startswith(b"\x89PNG")


def test_browser_defaults_to_the_test_set(trained, mnist):
    browser = prediction_browser(trained)
    assert len(browser.y) == 10000 and np.array_equal(browser.y, mnist.y_test)


def test_browser_with_nothing_to_show(trained, mnist):
    browser = prediction_browser(trained, mnist.X_test[:3], mnist.y_test[:3])
    browser.digit.value = 5 if 5 not in mnist.y_test[:3] else 6
    browser.only_mistakes.value = True
    assert browser.current() is None and "No image matches" in browser.caption.value


# --------------------------------------------------------------------------- drawing
def _upscaled(image28, scale=8, at=(0, 0), size=280):
    """A 28 x 28 digit drawn big on a 280 x 280 canvas, its corner at `at`."""
    big = np.kron(image28.reshape(28, 28), np.ones((scale, scale)))
    canvas = np.zeros((size, size))
    canvas[at[0]:at[0] + big.shape[0], at[1]:at[1] + big.shape[1]] = big[: size - at[0], : size - at[1]]
    return canvas


def test_preprocessing_centres_a_shifted_digit(mnist):
    digit = mnist.X_test[0]
    for at in [(0, 0), (50, 3), (56, 56)]:
        out = preprocess_drawing(_upscaled(digit, scale=8, at=at)).reshape(28, 28)
        r, c = center_of_mass(out)
        assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5, (at, r, c)
        ink = np.argwhere(out > 0.1)
        assert (ink.max(axis=0) - ink.min(axis=0) + 1).max() <= 21     # fits the 20 x 20 box (+ anti-aliasing)
        assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1


def test_preprocessing_reproduces_mnist_closely_enough_to_classify(mnist, trained):
    X_test, y_test = mnist.X_test[:300], mnist.y_test[:300]
    redone = np.stack([preprocess_drawing(_upscaled(x, scale=5, at=(40, 90))) for x in X_test])
    original = (trained.predict(X_test) == y_test).mean()
    again = (trained.predict(redone) == y_test).mean()
    assert again > original - 0.05, (original, again)


def test_preprocessing_inputs():
    rgba = np.zeros((50, 40, 4), dtype=np.uint8)
    rgba[10:30, 18:22, 3] = 255                                         # a vertical bar of opaque ink
    out = preprocess_drawing(rgba).reshape(28, 28)
    assert out.sum() > 0 and abs(center_of_mass(out)[1] - 14) <= 0.5
    paper = np.full((50, 50), 255.0)
    paper[10:40, 24:27] = 0                                             # dark ink on white paper
    assert preprocess_drawing(paper, invert=True).sum() > 0
    with pytest.raises(ValueError, match="nothing is drawn"):
        preprocess_drawing(np.zeros((30, 30)))
    with pytest.raises(ValueError, match=r"^preprocess_drawing\(\): image=<float64 array of shape \(30,\)> is not "
                                         r"allowed: image must be a 2-D grey image \(height, width\) or an RGB"):
        preprocess_drawing(np.zeros(30))


def test_draw_digit_buttons(trained, mnist):
    pad = draw_digit(trained)
    pad.predict_button.click()
    assert "Nothing drawn" in pad.result.value and pad.probs is None
    pad.stroke([(140, 40), (140, 240)])                                 # a "1": one vertical stroke
    pad.predict_button.click()
    assert pad.probs is not None and np.isclose(pad.probs.sum(), 1, atol=1e-5)
    assert int(pad.probs.argmax()) == 1 and "The network says <b>1</b>" in pad.result.value
    assert pad.preprocessed.shape == (784,) and bytes(pad.image.value).startswith(b"\x89PNG")
    pad.clear_button.click()
    assert pad.raster.sum() == 0 and pad.probs is None


def test_draw_digit_without_a_mouse(trained, mnist):
    """The keyboard route: a test digit's number and Load; and load_image for any picture."""
    X_test, y_test = mnist[2], mnist[3]
    pad = draw_digit(trained, images=X_test[:8])
    agree = 0
    for index in range(8):
        pad.digit_number.value = index
        pad.load_button.click()
        assert pad.probs is not None and pad.raster.max() > 0.5
        agree += int(pad.probs.argmax()) == int(trained.predict(X_test[index])[0])
    assert agree >= 7        # the canvas round trip (scale to 280, crop, re-centre) keeps the prediction
    pad.digit_number.value = 8
    assert pad.load_test_digit(8) is None and "There is no test digit 8: choose 0 to 7" in pad.result.value
    assert pad.load_image(X_test[0].reshape(28, 28) * 255) == pad.load_image(X_test[0])   # 0-255 or 0-1 alike
    with pytest.raises(ValueError, match="image must be a row of 784 pixels or a 2-D grey image"):
        pad.load_image(np.zeros((3, 4, 5, 6)))
    pad.clear_button.click()
    assert pad.raster.sum() == 0


def test_check_environment_reports_in_plain_words(capsys):
    findings = check_environment()
    out = capsys.readouterr().out
    assert findings and all(isinstance(ok, bool) for ok, _ in findings)
    assert all(ok for ok, _ in findings), out                           # this environment has everything
    assert "ipywidgets 8" in out and "ipycanvas" in out


def test_check_environment_names_what_is_missing(monkeypatch, capsys):
    import mnist_scratch.lab.environment as widgets

    monkeypatch.setattr(widgets, "_version", lambda name: {"ipywidgets": "7.6.5"}.get(name))
    findings = check_environment()
    out = capsys.readouterr().out
    assert not any(ok for ok, _ in findings)
    assert "pip install -U 'ipywidgets>=8'" in out and "jupyterlab_widgets" in out and "pip install ipycanvas" in out
