"""mnist_scratch/lab/my_network.py (with _rebuild.py): the parts rebuilt in a later lesson, after a restart, falling
back part by part to the package's reference, never crashing on a broken file; the report; graded mode."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check, my_network, reference
from mnist_scratch.lab.parts import parts_up_to

import _network_answers as answers
from _network_answers import LESSON_2, restart, solve


def test_after_a_restart_the_parts_come_back_from_the_files(work_folder, capsys):
    solve("relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward")
    restart()
    capsys.readouterr()
    mine = my_network.load(upto=2)
    assert capsys.readouterr().out.splitlines() == [
        "Your network, lessons 1-2: 6 of 8 parts are yours; one_hot and numerical_gradient are the package's.",
        " · not written yet, so the package's stand in: one_hot (lesson 1, exercise 3), numerical_gradient "
        "(lesson 2, exercise 6).",
        f"Your parts are kept in {work_folder}/ ($MNIST_SCRATCH_WORK_DIR).",
    ]
    assert mine.yours == ["relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward"]
    assert mine.packages == ["one_hot", "numerical_gradient"]
    # the learner's forward calls the learner's relu; their backward the package's one_hot
    assert mine.forward.__globals__["relu"] is mine.relu and mine.forward.__globals__["softmax"] is mine.softmax
    assert mine.backward.__globals__["one_hot"] is mine.one_hot
    assert mine.one_hot.__code__ is reference.one_hot.__code__
    params = ms.init_params([6, 5, 10], seed=1, dtype=np.float64)
    X, y = np.random.default_rng(2).normal(size=(4, 6)), np.array([1, 2, 3, 9])
    Z, A = mine.forward(params, X)
    grads = mine.backward(params, Z, A, y)
    expected = ms.backward(params, ms.forward(params, X), y)
    assert all(np.allclose(grads[k], expected[k]) for k in params)


def test_the_summary_names_the_package_s_parts_as_the_issue_asks():
    solve("one_hot", "relu", "relu_prime", "cross_entropy", "forward", "numerical_gradient")
    mine = my_network.load(upto=2, quiet=True)
    assert mine.summary() == "Your network, lessons 1-2: 6 of 8 parts are yours; softmax and backward are the package's."
    solve("softmax", "backward")
    assert my_network.load(upto=2, quiet=True).summary() == "Your network, lessons 1-2: all 8 parts are yours."
    assert my_network.load(upto=1, quiet=True).summary() == "Your network, lesson 1: all 1 parts are yours."


@pytest.mark.parametrize("text,problem", [
    ("def relu(Z:\n    return Z\n", "{file} has a syntax error on line 1 ('(' was never closed), so the package's relu "
     "is used"),
    ("import no_such_module\n", "running {file} raised ModuleNotFoundError: No module named 'no_such_module', so the "
     "package's relu is used"),
    ("def rectifier(Z):\n    return Z\n", "{file} does not define relu, so the package's relu is used"),
    ("import numpy as np\n\ndef relu(Z):\n    return np.abs(Z)\n",
     "{file} no longer passes check.relu (negative inputs should become 0, not their absolute value), so the package's "
     "relu is used"),
    ("def relu(Z):\n    raise NotImplementedError('later')\n", "{file} no longer passes check.relu (it raises "
     "NotImplementedError (later)), so the package's relu is used"),
])


def test_a_broken_or_stale_file_is_named_in_one_sentence_and_replaced(work_folder, capsys, text, problem):
    solve("relu_prime")
    work_folder.mkdir(parents=True, exist_ok=True)
    (work_folder / "relu.py").write_text(text)
    restart()
    mine = my_network.load(upto=2)
    problem = problem.format(file=f"{work_folder}/relu.py")
    assert mine.problems["relu"] == problem
    assert f" · relu: {problem}." in capsys.readouterr().out
    assert "relu" in mine.packages and "relu_prime" in mine.yours
    np.testing.assert_array_equal(mine.relu(np.array([-1.0, 2.0])), [0.0, 2.0])


def test_graded_mode_reads_and_writes_nothing(work_folder, capsys):
    solve(*LESSON_2)                                     # an earlier session's work, in the folder
    before = {p.name: p.read_text() for p in work_folder.iterdir()}
    restart()
    my_network.graded(3)
    mine = my_network.load(upto=3)
    assert mine.yours == [] and mine.packages == [p.name for p in parts_up_to(3)]
    assert "Graded mode (lesson 3): nothing is read from or written to your work folder" in capsys.readouterr().out
    check.predict(answers.predict)                          # this lesson's part: kept in memory only
    assert "Saved" not in capsys.readouterr().out
    mine = my_network.load(upto=3, quiet=True)
    assert mine.yours == ["predict"]
    assert mine.predict.__globals__["forward"].__code__ is reference.forward.__code__   # lesson 2's is the package's
    assert {p.name: p.read_text() for p in work_folder.iterdir()} == before
    my_network.graded(None)
    assert my_network.load(upto=3, quiet=True).yours == LESSON_2
