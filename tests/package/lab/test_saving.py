"""mnist_scratch/lab/saving.py: a check that passes keeps its part, in memory and in the work folder."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab import check, my_network, saving

import _network_answers as answers
from _network_answers import restart


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


SCALE = np.ones(1, np.float32)


def one_hot_reading_an_array(y):
    return np.eye(10, dtype=np.float32)[y] * SCALE[0]


def test_a_part_that_cannot_be_saved_is_kept_for_the_session(capsys):
    check.one_hot(one_hot_reading_an_array)
    out = capsys.readouterr().out
    assert "Kept for this notebook only, not saved for later lessons: it uses SCALE, an array of shape (1,)" in out
    mine = my_network.load(upto=1, quiet=True)
    assert mine.yours == ["one_hot"] and mine.one_hot is one_hot_reading_an_array
    restart()
    assert my_network.load(upto=1, quiet=True).yours == []


def test_planting_a_part_past_its_check_is_for_tests_only():
    """saving.keep keeps a function without checking it: how the lesson tests plant a bug."""
    saving.keep("softmax", lambda Z: np.ones_like(Z))
    mine = my_network.load(upto=2, quiet=True)
    assert "softmax" in mine.yours
    assert np.all(mine.softmax(np.zeros((2, 3))) == 1)
