"""The course layer of the teaching guide (docs/teaching/): calendar, homework, capstone, TA guide, troubleshooting.

* The troubleshooting page quotes the package's own messages: every ``text`` block on it is what a
  call below really prints or raises (``…`` in a block stands for a part that varies: a number, a
  path), and every message below is on the page. A message that changes fails this test until the
  page is updated; a block the package never says fails it too.
* The calendar puts every lesson in a session of an 8-week term and links each lesson's page; the
  guide's index and the book's table of contents link every course page.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import mnist_scratch as ms

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "teaching"
COURSE_PAGES = ["course_calendar.md", "homework.md", "capstone.md", "ta_guide.md", "troubleshooting.md"]
FOLDER = "/path/to/folder"          # how the page writes the temporary folders below


# ----------------------------------------------------------------------------- the messages

def _raised(call) -> str:
    """What a learner sees of an error: its type and message, as IPython's last line shows them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except Exception as err:  # noqa: BLE001 (any error: that is what is quoted)
        return f"{type(err).__name__}: {err}"
    raise AssertionError(f"{call} raised nothing")


def _printed_and_raised(call) -> str:
    """A self-check: the line it prints (❌ ...); it also raises, which the page explains."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(Exception):
        call()
    return out.getvalue().strip()


def _tiny(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def _diverge():
    X, y = _tiny()
    ms.train(ms.Model([784, 32, 10], seed=0), X * 50, y, epochs=5, optimizer="sgd", lr=1e3, batch_size=None,
             progress=False)


def _nan_input():
    X, y = _tiny()
    X[17, 300] = np.nan
    ms.train(ms.Model([784, 10]), X, y, epochs=1, progress=False)


def _label_out_of_range():
    X, y = _tiny()
    y[3] = 10
    ms.train(ms.Model([784, 10]), X, y, epochs=1, progress=False)


def _small_batch_norm_batch():
    X, y = _tiny(129)
    ms.train(ms.Model([784, 16, 10], batch_norm=True), X, y, epochs=1, batch_size=64, progress=False)


def _bad_learning_rate():
    X, y = _tiny()
    ms.train(ms.Model([784, 10]), X, y, lr=-0.1, epochs=1, progress=False)


def _cli(*args, cwd) -> str:
    done = subprocess.run([sys.executable, "-m", "mnist_scratch", *args], capture_output=True, text=True, cwd=cwd)
    assert done.returncode != 0
    return done.stderr.strip()


def messages(folder: Path) -> dict[str, str]:
    """{what happened: the text the package shows}, each produced here and now."""
    from mnist_scratch.lab import check

    empty = folder / "empty"
    empty.mkdir()
    not_a_model = folder / "notes.npz"
    not_a_model.write_text("my notes", encoding="utf-8")
    found = {
        "the data is not there": _raised(lambda: ms.load_mnist(empty, download=False)),
        "training diverged": _raised(_diverge),
        "NaN in the inputs": _raised(_nan_input),
        "a label the model has no output for": _raised(_label_out_of_range),
        "batch norm with a batch of one": _raised(_small_batch_norm_batch),
        "a negative learning rate": _raised(_bad_learning_rate),
        "inputs of the wrong shape": _raised(lambda: ms.Model([784, 10]).predict(np.zeros((3, 783)))),
        "no such model file": _raised(lambda: ms.load_model(folder / "model.npz")),
        "not a model file": _raised(lambda: ms.load_model(not_a_model)),
        "a softmax over the whole array": _printed_and_raised(
            lambda: check.softmax(lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum())),
        "the package's own softmax handed in": _printed_and_raised(lambda: check.softmax(ms.softmax)),
        "a softmax that calls the package's": _printed_and_raised(lambda: check.softmax(lambda Z: ms.softmax(Z))),
        "the command line, a model file that is not there": _cli("evaluate", str(folder / "model.npz"), cwd=folder),
    }
    return {what: text.replace(str(folder), FOLDER) for what, text in found.items()}


def _quoted(page: str) -> list[str]:
    return [block.strip("\n") for block in re.findall(r"^```text\n(.*?)^```", page, re.M | re.S)]


def _matches(block: str, message: str) -> bool:
    """The block is the message, ``…`` standing for any text on one line."""
    pattern = ".*?".join(re.escape(part) for part in block.split("…"))
    return re.fullmatch(pattern, message) is not None


def test_the_troubleshooting_page_quotes_what_the_package_says(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_SCRATCH_WORK_DIR", str(tmp_path / "work"))     # no check saves a part anywhere else
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "")
    found = messages(tmp_path)
    page = (GUIDE / "troubleshooting.md").read_text(encoding="utf-8")
    blocks = _quoted(page)
    missing = [f"{what}:\n{text}" for what, text in found.items() if not any(_matches(b, text) for b in blocks)]
    invented = [b for b in blocks if not any(_matches(b, text) for text in found.values())]
    with capsys.disabled():
        print(f"\ntroubleshooting.md: {len(blocks)} quoted messages, {len(found)} produced by the package here, "
              f"{len(missing)} not on the page, {len(invented)} the package did not say")
    assert not missing, "the package says these, and the page does not quote them:\n\n" + "\n\n".join(missing)
    assert not invented, "the page quotes these, and no call here produced them:\n\n" + "\n\n".join(invented)


# ----------------------------------------------------------------------------- the pages and their links

def test_the_calendar_gives_every_lesson_a_session_in_eight_weeks():
    text = (GUIDE / "course_calendar.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if re.match(r"\| *\d+ *\| *\d+ *\|", line)]
    weeks = {int(r[0]) for r in rows}
    assert weeks == set(range(1, 9)), f"the calendar's weeks are {sorted(weeks)}"
    assert [int(r[1]) for r in rows] == list(range(1, len(rows) + 1)), "sessions are numbered in order"
    taught = {int(m) for r in rows for m in re.findall(r"^(\d+) ·", r[2])}
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert taught == set(range(1, len(lessons) + 1)), f"lessons in no session: {set(range(1, len(lessons) + 1)) - taught}"
    for lesson in lessons:
        assert f"]({lesson}.md)" in text, f"the calendar does not link {lesson}'s page"
    for anchor in re.findall(r"homework\.md#([\w-]+)", text):
        homework = (GUIDE / "homework.md").read_text(encoding="utf-8")
        headings = [re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                    for h in re.findall(r"^## (.+)$", homework, re.M)]
        assert anchor in headings, f"the calendar links homework.md#{anchor}, which is no heading"


def test_the_guide_and_the_book_link_every_course_page(tmp_path):
    from tools.book import stage

    index = (GUIDE / "index.md").read_text(encoding="utf-8")
    for page in COURSE_PAGES:
        assert (GUIDE / page).is_file(), page
        assert f"]({page})" in index, f"the guide's index does not link {page}"
    toc = stage.course_toctree([f"docs/teaching/{p}" for p in sorted(COURSE_PAGES)] + ["docs/teaching/index.md",
                                                                                         "docs/teaching/01_a.md"])
    assert toc.startswith("```{toctree}") and ":caption: Course" in toc
    assert [line for line in toc.splitlines() if line.startswith("docs/")] == [
        "docs/teaching/course_calendar", "docs/teaching/homework", "docs/teaching/capstone",
        "docs/teaching/ta_guide", "docs/teaching/troubleshooting"]
