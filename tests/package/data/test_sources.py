"""mnist_scratch.data.sources: the data sets and their mirrors, a course's own first."""

from __future__ import annotations

import pytest

from mnist_scratch.data import sources


def test_course_mirrors_come_first(monkeypatch):
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", " https://course.example.org/mnist, http://10.0.0.5/data/\tfile:///srv/m ")
    mirrors = sources.mirrors_for("mnist")
    assert mirrors[:3] == ("https://course.example.org/mnist/", "http://10.0.0.5/data/", "file:///srv/m/")
    assert mirrors[3:] == sources.DATASETS["mnist"].mirrors
    assert sources.mirrors_for("fashion-mnist")[0] == "https://course.example.org/mnist/fashion-mnist/"
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "")
    assert sources.mirrors_for("mnist") == sources.DATASETS["mnist"].mirrors
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "course.example.org/mnist")
    with pytest.raises(ValueError, match="MNIST_SCRATCH_MIRRORS: 'course.example.org/mnist' is not a URL"):
        sources.mirrors_for("mnist")


def test_a_course_mirror_that_is_not_a_url_is_refused_without_its_password(monkeypatch):
    import traceback

    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "student:hunter2-secret@course.example.org/mnist/")  # no scheme
    with pytest.raises(ValueError) as info:
        sources.mirrors_for("mnist")
    assert "MNIST_SCRATCH_MIRRORS: '***@course.example.org/mnist/' is not a URL" in str(info.value)
    assert "hunter2" not in "".join(traceback.format_exception(info.value))
