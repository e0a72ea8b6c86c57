"""mnist_scratch.lab.browser, the prediction browser, driven headlessly from Python. (The file is
not test_browser.py: tests/tooling/ has one, and pytest needs every test file's name unique.)"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab import prediction_browser


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


# --------------------------------------------------------------------------- any network
@pytest.mark.parametrize("network", ["trained_cnn", "trained_from_scratch"])
def test_browser_takes_any_network(network, request, mnist):
    """A CNN and a network written from scratch, as a fully connected Model: their own predictions."""
    model = request.getfixturevalue(network)
    X_test, y_test = mnist.X_test[:500], mnist.y_test[:500]
    browser = prediction_browser(model, X_test, y_test)
    predicted = model.predict(X_test)
    np.testing.assert_array_equal(browser.predicted, predicted)
    browser.only_mistakes.value = True
    mistakes = np.flatnonzero(predicted != y_test)
    np.testing.assert_array_equal(browser.selection(), mistakes)
    assert 0 < len(mistakes) < 100                                    # trained: it gets most of them right
    shown = browser.current()
    probs = model.predict_proba(X_test[shown:shown + 1])[0]
    assert shown == mistakes[0] and f"image #{shown}" in browser.caption.value
    assert f"predicted <b>{probs.argmax()}</b> ({probs.max():.1%})" in browser.caption.value
    assert bytes(browser.image.value).startswith(b"\x89PNG")
