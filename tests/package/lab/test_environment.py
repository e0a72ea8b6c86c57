"""mnist_scratch.lab.environment: the environment check says in plain words what is there and what is
missing."""

from __future__ import annotations

from mnist_scratch.lab import check_environment


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
