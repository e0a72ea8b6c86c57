"""The learner's own network: parts saved when their checks pass, rebuilt in a later lesson, falling back
part by part to the package's reference, never crashing on a broken file; graded mode; the work folder."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.interface import check_network
from mnist_scratch.lab import check, my_network, reference, saving, work_folder
from mnist_scratch.lab.parts import PARTS, parts_up_to
from mnist_scratch.lab.validate import check_model

import _network_answers as answers

LESSON_2 = ["one_hot", "relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward", "numerical_gradient"]


def _solve(*names):
    """Pass the checks of these parts with the learner's answers, as the exercise cells do."""
    for name in names:
        check.CHECKS[name](getattr(answers, name))


def _restart():
    """What a kernel restart does to the parts: only the files remain."""
    saving.forget()


def test_every_part_has_a_reference_and_a_check_and_the_reference_is_right():
    for name, part in PARTS.items():
        assert name in check.CHECKS, name
        assert check.CHECKS[name].diagnose(getattr(reference, name)), name      # the check's own verdict, no refusal
        assert part.lesson >= 1 and part.where.startswith(f"lesson {part.lesson}, exercise ")


def test_a_passing_check_saves_its_part_with_its_helpers(work_folder, capsys):
    check.cross_entropy(answers.cross_entropy)
    out = capsys.readouterr().out
    assert out.startswith("✅ cross_entropy: ") and f"Saved as {work_folder / 'cross_entropy.py'}" in out
    text = (work_folder / "cross_entropy.py").read_text()
    assert text.startswith("# Your cross_entropy (lesson 2, exercise 3), saved when check.cross_entropy passed on ")
    assert "def logsumexp(Z):" in text and "def cross_entropy(Z, y):" in text
    assert (work_folder / "README.md").read_text().startswith("# Your own network")


def test_a_failing_check_saves_nothing(work_folder):
    with pytest.raises(check.CheckFailed):
        check.relu(np.abs)
    assert not work_folder.exists()
    assert saving.kept("relu") is None


def test_after_a_restart_the_parts_come_back_from_the_files(work_folder, capsys):
    _solve("relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward")
    _restart()
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
    _solve("one_hot", "relu", "relu_prime", "cross_entropy", "forward", "numerical_gradient")
    mine = my_network.load(upto=2, quiet=True)
    assert mine.summary() == "Your network, lessons 1-2: 6 of 8 parts are yours; softmax and backward are the package's."
    _solve("softmax", "backward")
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
    _solve("relu_prime")
    work_folder.mkdir(parents=True, exist_ok=True)
    (work_folder / "relu.py").write_text(text)
    _restart()
    mine = my_network.load(upto=2)
    problem = problem.format(file=f"{work_folder}/relu.py")
    assert mine.problems["relu"] == problem
    assert f" · relu: {problem}." in capsys.readouterr().out
    assert "relu" in mine.packages and "relu_prime" in mine.yours
    np.testing.assert_array_equal(mine.relu(np.array([-1.0, 2.0])), [0.0, 2.0])


SCALE = np.ones(1, np.float32)


def one_hot_reading_an_array(y):
    return np.eye(10, dtype=np.float32)[y] * SCALE[0]


def test_a_part_that_cannot_be_saved_is_kept_for_the_session(capsys):
    check.one_hot(one_hot_reading_an_array)
    out = capsys.readouterr().out
    assert "Kept for this notebook only, not saved for later lessons: it uses SCALE, an array of shape (1,)" in out
    mine = my_network.load(upto=1, quiet=True)
    assert mine.yours == ["one_hot"] and mine.one_hot is one_hot_reading_an_array
    _restart()
    assert my_network.load(upto=1, quiet=True).yours == []


def test_graded_mode_reads_and_writes_nothing(work_folder, capsys):
    _solve(*LESSON_2)                                     # an earlier session's work, in the folder
    before = {p.name: p.read_text() for p in work_folder.iterdir()}
    _restart()
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


def test_graded_mode_takes_a_lesson_number():
    with pytest.raises(ValueError, match="lesson must be a lesson's number"):
        my_network.graded("3")


def test_on_colab_without_drive_the_parts_last_the_session(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(work_folder.ENV_VAR)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(work_folder, "DRIVE", tmp_path / "drive" / "MyDrive")
    monkeypatch.chdir(tmp_path)
    _solve("relu")
    assert "Kept for this session only: on Colab, your parts are kept only in your Google Drive" in capsys.readouterr().out
    assert my_network.load(upto=2, quiet=True).yours == ["relu"]
    assert "Your parts are not kept between sessions: on Colab" in my_network.load(upto=2, quiet=True).report()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "drive" / "MyDrive").mkdir(parents=True)           # Drive mounted
    _solve("relu")
    assert (tmp_path / "drive" / "MyDrive" / "mnist_scratch" / "my_network" / "relu.py").is_file()


def test_by_default_the_folder_is_beside_the_lessons(monkeypatch, tmp_path):
    monkeypatch.delenv(work_folder.ENV_VAR)
    monkeypatch.chdir(tmp_path)
    _solve("softmax")
    assert (tmp_path / "my_network" / "softmax.py").is_file()


def test_a_folder_that_cannot_be_written_is_said_once_and_nothing_breaks(monkeypatch, tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    monkeypatch.setenv(work_folder.ENV_VAR, str(tmp_path / "a_file" / "my_network"))
    _solve("relu")
    assert f"Kept for this session only: {tmp_path / 'a_file' / 'my_network'} cannot be written" in capsys.readouterr().out
    assert my_network.load(upto=2, quiet=True).yours == ["relu"]


def test_the_learner_s_network_is_on_the_model_interface_and_trains_with_ms_train(mnist):
    _solve(*LESSON_2)
    _restart()
    mine = my_network.load(upto=2, quiet=True)
    net = mine.network([784, 16, 10], seed=0)
    check_network(net)
    assert check_model(net) is net                              # the prediction browser and the canvas take it
    X, y = mnist[0][:2000], mnist[1][:2000]
    calls = []
    original = mine._chosen["backward"]
    mine._chosen["backward"] = lambda *a: calls.append(1) or original(*a)     # prove the learner's backward runs
    history = ms.train(net, X, y, epochs=3, batch_size=200, optimizer="sgd", lr=0.5, progress=False)
    assert len(calls) == 30 and history.records[-1]["cost"] < history.records[0]["cost"]
    probabilities = net.predict_proba(X[:5])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="dropout needs a forward pass"):
        net.forward_train(X[:5], dropout=0.5)


def test_a_trained_own_network_saves_as_a_model_file(tmp_path, mnist):
    net = my_network.load(upto=3, quiet=True).network([784, 8, 10], seed=3)
    path = ms.save_model(net, tmp_path / "mine.npz")
    model = ms.load_model(path)
    np.testing.assert_allclose(model.predict_proba(mnist[2][:20]), net.predict_proba(mnist[2][:20]), rtol=1e-5)


def test_planting_a_part_past_its_check_is_for_tests_only():
    """saving.keep keeps a function without checking it: how the lesson tests plant a bug."""
    saving.keep("softmax", lambda Z: np.ones_like(Z))
    mine = my_network.load(upto=2, quiet=True)
    assert "softmax" in mine.yours
    assert np.all(mine.softmax(np.zeros((2, 3))) == 1)
