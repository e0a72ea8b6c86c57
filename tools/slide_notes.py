"""Speaker notes for a lesson's deck, from its page of the teaching guide (docs/teaching/NN_name.md).

* Each row of the page's **session plan** whose *what* names sections (``*§ Heading*``) gives those
  sections' slides a note: the row's time and its *how*, pause points included.
* Each **misconception** that names a section (``*§ Heading*``) gives that section's slide a note:
  what to watch for.
* The **quiz**, questions and answers, goes to the notes of the deck's last slide.

The slides are made by tools/slide_outline.py; notes show only in reveal.js's speaker view (``S``).
Standard library only.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.slide_outline import _key

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "teaching"
REFERENCE = re.compile(r"\*§ ([^*]+)\*")


def guide_page(lesson_name: str, guide: Path = GUIDE) -> Path | None:
    """docs/teaching/NN_name.md for notebooks/NN_name.ipynb, if the guide has that page."""
    page = guide / (Path(lesson_name).stem + ".md")
    return page if page.is_file() else None


def _section(text: str, title: str) -> str:
    """The body of the page's ``## title`` section ('' if there is none)."""
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1).strip() if match else ""


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def notes_for(text: str) -> tuple[dict[str, list[str]], str]:
    """({section key: [notes]}, the quiz as one note) from a guide page's text."""
    notes: dict[str, list[str]] = {}
    plan = _section(text, "A two-hour session plan")
    for row in plan.splitlines():
        cells = _cells(row)
        if len(cells) < 3 or not REFERENCE.search(cells[1]) or not cells[2]:
            continue
        for title in REFERENCE.findall(cells[1]):
            notes.setdefault(_key(title), []).append(f"**Session plan, {cells[0]}:** {cells[2]}")
    wrong = _section(text, "Misconceptions this lesson exposes")
    for item in re.split(r"\n(?=- )", wrong):
        item = " ".join(item.split()).removeprefix("- ")
        for title in dict.fromkeys(REFERENCE.findall(item)):
            notes.setdefault(_key(title), []).append(f"**Watch for:** {item}")
    quiz = _section(text, "Quiz")
    closing = f"**Quiz** (answers for you, not the slide):\n\n{quiz}" if quiz else ""
    return notes, closing


def lesson_notes(lesson_name: str, guide: Path = GUIDE) -> tuple[dict[str, list[str]], str]:
    """The notes of a lesson's deck; none where the guide has no page for it."""
    page = guide_page(lesson_name, guide)
    return notes_for(page.read_text(encoding="utf-8")) if page else ({}, "")
