"""mnist_scratch.lab.drawing, the drawing canvas, driven headlessly from Python: strokes drawn,
buttons clicked through their handlers, predictions checked."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab import draw_digit


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


# --------------------------------------------------------------------------- any network
@pytest.mark.parametrize("network", ["trained_cnn", "trained_from_scratch"])
def test_draw_digit_takes_any_network(network, request, mnist):
    """A CNN and a network written from scratch, as a fully connected Model: what is drawn is
    preprocessed to 784 pixels and classified by the network's own predict_proba."""
    model = request.getfixturevalue(network)
    pad = draw_digit(model, images=mnist.X_test[:4])
    pad.stroke([(140, 40), (140, 240)])                                 # a "1": one vertical stroke
    pad.predict_button.click()
    assert pad.preprocessed.shape == (784,) and pad.probs.shape == (10,)
    np.testing.assert_allclose(pad.probs, model.predict_proba(pad.preprocessed.reshape(1, 784))[0], rtol=1e-5)
    assert f"The network says <b>{pad.probs.argmax()}</b>" in pad.result.value
    for index in range(4):                                              # the keyboard route
        pad.digit_number.value = index
        pad.load_button.click()
        np.testing.assert_allclose(pad.probs, model.predict_proba(pad.preprocessed.reshape(1, 784))[0], rtol=1e-5)
    assert bytes(pad.image.value).startswith(b"\x89PNG")
