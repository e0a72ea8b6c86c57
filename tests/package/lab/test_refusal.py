"""A self-check refuses the package's own work: its function objects, and functions that call them.

The refusal is the learner's side of the rule the graded edition applies too: a check scores the
learner's code, never mnist_scratch's (issues 19 and 22).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check, my_network
from mnist_scratch.lab._refusal import lookup, package_origin, resolve

import test_check_hints_adam as adam_table
import test_check_hints_batchnorm as batchnorm_table
import test_check_hints_cnn as cnn_table
import test_check_hints_optim as optim_table
from _network_answers import backward, forward, one_hot, softmax


@pytest.mark.parametrize("name", list(check.CHECKS))
def test_every_refused_path_names_a_function_of_the_package(name):
    codes = resolve(check.CHECKS[name].refuses)
    assert len(codes) == len(check.CHECKS[name].refuses)
    assert all(path.startswith("mnist_scratch.") for path in codes.values())


def test_a_path_that_names_nothing_is_an_error_not_a_silent_pass():
    with pytest.raises(LookupError, match="names nothing"):
        resolve(("mnist_scratch.activations.no_such_function",))


def _package_object(name):
    """The first function the check refuses, or, for a check with none, another of the package's."""
    refuses = check.CHECKS[name].refuses
    return lookup(refuses[0]) if refuses else ms.accuracy


@pytest.mark.parametrize("name", list(check.CHECKS))
def test_the_package_s_own_function_object_is_refused_by_every_check(capsys, name):
    fn = _package_object(name)
    hint = check.hint_of(check.CHECKS[name], fn)
    assert hint is not None and hint.startswith("that is the package's own "), hint
    assert f"write {name} yourself" in hint
    with pytest.raises(check.CheckFailed):
        check.CHECKS[name](fn)
    assert capsys.readouterr().out.startswith("❌")


@pytest.mark.parametrize("fn", [ms.relu, lambda: None, np.maximum, print, ms.Model([3, 2]).predict,
                                ms.optim.Adam(), my_network.OwnNetwork])
def test_package_origin_knows_what_is_the_package_s(fn):
    expected = fn in (ms.relu,) or getattr(fn, "__self__", None).__class__ is ms.Model or \
        isinstance(fn, ms.optim.Adam) or fn is my_network.OwnNetwork
    assert (package_origin(fn) is not None) == expected, package_origin(fn)


PACKAGE_CALLS = [
    *[(name, desc, fn, origin) for table in (optim_table, adam_table, batchnorm_table, cnn_table)
      for name, desc, fn, origin in table.PACKAGE_ANSWERS],
    ("softmax", "a lambda around ms.softmax", lambda Z: ms.softmax(Z), "activations.softmax"),
    ("softmax", "the package's softmax through np.apply_along_axis", lambda Z: np.apply_along_axis(
        lambda z: ms.softmax(z[None])[0], 1, Z), "activations.softmax"),
    ("forward", "a Model's forward", lambda p, X: (lambda c: (c.Z, c.A))(ms.Model(
        [p["W1"].shape[0]] + [p[f"W{l}"].shape[1] for l in range(1, len(p) // 2 + 1)], params=p,
        dtype=p["W1"].dtype).forward(X)), "model.Model.forward"),
    ("backward", "the gradients from the package's gradient_check", lambda p, Z, A, y: {
        k: ms.numerical_gradient(lambda: ms.cross_entropy(ms.forward(p, A[0]).Z[-1], y), p[k],
                                 range(p[k].size)).reshape(p[k].shape) for k in p}, "gradient_check.numerical_gradient"),
    ("accuracy", "ms.accuracy inside", lambda t, p: ms.accuracy(t, p), "evaluate.accuracy"),
    ("he_init", "the package's init_weights inside", lambda i, o, rng: ms.init.init_weights(i, o, "he", rng),
     "init.init_weights"),
    ("confusion_matrix", "ms.confusion_matrix inside", lambda t, p: ms.confusion_matrix(t, p), "evaluate.confusion_matrix"),
]


@pytest.mark.parametrize("name,desc,fn,origin", PACKAGE_CALLS, ids=[f"{r[0]}: {r[1]}" for r in PACKAGE_CALLS])
def test_a_function_that_calls_the_package_s_implementation_is_refused(name, desc, fn, origin):
    hint = check.hint_of(check.CHECKS[name], fn)
    assert hint == (f"your {name} calls the package's own {origin} while the check runs: that is the package's "
                    f"answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
                    f"afterwards."), hint


def test_other_parts_of_the_package_may_be_used():
    """A backward pass may turn labels into one-hot rows with ms.one_hot: that is not the backward pass."""
    def backward_with_the_package_one_hot(params, Z, A, y):
        L, n = len(params) // 2, len(y)
        dZ = (A[L] - ms.one_hot(y, 10, dtype=A[L].dtype)) / n
        grads = {}
        for l in range(L, 0, -1):
            grads[f"W{l}"], grads[f"b{l}"] = A[l - 1].T @ dZ, dZ.sum(axis=0)
            if l > 1:
                dZ = dZ @ params[f"W{l}"].T * (Z[l - 1] > 0)
        return grads

    assert check.hint_of(check.backward, backward_with_the_package_one_hot) is None


def test_the_check_s_own_calls_to_the_package_do_not_count():
    """check.softmax computes its expected answers with activations.softmax; a right answer still passes."""
    assert "mnist_scratch.activations.softmax" in check.softmax.refuses
    assert check.hint_of(check.softmax, softmax) is None


def test_a_part_that_fell_back_to_the_package_s_reference_is_refused():
    """my_network.load gives the package's part where the learner has none; handing it in is refused."""
    mine = my_network.load(upto=2, quiet=True)
    assert "softmax" in mine.packages
    hint = check.hint_of(check.softmax, mine.softmax)
    assert hint.startswith("that is the package's own lab.reference.softmax"), hint


def test_the_trace_leaves_another_profiler_in_place():
    seen = []

    def profiler(frame, event, arg):
        seen.append(event)

    sys.setprofile(profiler)
    try:
        assert check.hint_of(check.forward, forward) is None
        assert sys.getprofile() is profiler
    finally:
        sys.setprofile(None)
    assert seen, "the profiler that was there before kept receiving events while the check ran"


def test_the_learner_s_helpers_are_not_the_package_s():
    assert package_origin(one_hot) is None and package_origin(backward) is None
