"""mnist_scratch/lab/work_folder.py: where the parts are kept: the variable, Google Drive on Colab, beside the
lessons; a folder that cannot be written; graded mode's lesson number."""

from __future__ import annotations

import sys
import types

import pytest

from mnist_scratch.lab import my_network, work_folder

from _network_answers import solve


def test_graded_mode_takes_a_lesson_number():
    with pytest.raises(ValueError, match="lesson must be a lesson's number"):
        my_network.graded("3")


def test_on_colab_without_drive_the_parts_last_the_session(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(work_folder.ENV_VAR)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(work_folder, "DRIVE", tmp_path / "drive" / "MyDrive")
    monkeypatch.chdir(tmp_path)
    solve("relu")
    assert "Kept for this session only: on Colab, your parts are kept only in your Google Drive" in capsys.readouterr().out
    assert my_network.load(upto=2, quiet=True).yours == ["relu"]
    assert "Your parts are not kept between sessions: on Colab" in my_network.load(upto=2, quiet=True).report()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "drive" / "MyDrive").mkdir(parents=True)           # Drive mounted
    solve("relu")
    assert (tmp_path / "drive" / "MyDrive" / "mnist_scratch" / "my_network" / "relu.py").is_file()


def test_by_default_the_folder_is_beside_the_lessons(monkeypatch, tmp_path):
    monkeypatch.delenv(work_folder.ENV_VAR)
    monkeypatch.chdir(tmp_path)
    solve("softmax")
    assert (tmp_path / "my_network" / "softmax.py").is_file()


def test_a_folder_that_cannot_be_written_is_said_once_and_nothing_breaks(monkeypatch, tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    monkeypatch.setenv(work_folder.ENV_VAR, str(tmp_path / "a_file" / "my_network"))
    solve("relu")
    assert f"Kept for this session only: {tmp_path / 'a_file' / 'my_network'} cannot be written" in capsys.readouterr().out
    assert my_network.load(upto=2, quiet=True).yours == ["relu"]
