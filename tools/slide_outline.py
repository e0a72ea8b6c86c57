"""A slide deck outline for a lesson that carries no slide metadata: one slide per ``##`` section.

Each section (everything from a ``##`` heading to the next ``#``/``##`` heading, headings in the
middle of a markdown cell included) becomes one slide holding:

* the heading and the section's first paragraph;
* its display equations (``$$ ... $$``), at most ``MAX_EQUATIONS``, unless the paragraph shows them;
* its figures: every PNG a code cell of the section drew (so give it an executed notebook), each on a
  sub-slide of its own below the section's slide (at most ``MAX_FIGURES``);

and the ``Summary`` and ``Exercises`` sections are shown whole: they are the recap and the questions.
The ``#`` title cell gives the title slide (its heading and "What you will learn"). Code is never
shown, and solution, answer-key and hint cells are left out, so a deck made from the instructor copy
gives no answer away. Standard library and nbformat only.
"""

from __future__ import annotations

import copy
import re

import nbformat

from tools.lesson_format import HIDDEN, HINT, new_cell, tags

MAX_EQUATIONS = 3
MAX_FIGURES = 6
WHOLE = ("summary", "exercises", "questions")
HEADING = re.compile(r"^(#{1,2}) +(.*\S)\s*$")
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.DOTALL)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _sections(nb) -> list[dict]:
    """The lesson cut at # and ## headings: [{"level", "title", "text", "figures"}]."""
    sections = [{"level": 0, "title": "", "text": "", "figures": []}]
    for cell in nb.cells:
        if (HIDDEN | {HINT}) & set(tags(cell)):
            continue
        if cell.cell_type == "markdown":
            fenced = False
            for line in cell.source.split("\n"):
                fenced ^= line.lstrip().startswith("```")
                match = None if fenced else HEADING.match(line)
                if match:
                    sections.append({"level": len(match.group(1)), "title": match.group(2), "text": "",
                                     "figures": []})
                else:
                    sections[-1]["text"] += line + "\n"
            sections[-1]["text"] += "\n"
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    sections[-1]["figures"].append(output)
    return [s for s in sections if s["title"]]


def _first_paragraph(text: str) -> str:
    for paragraph in _paragraphs(text):
        if not paragraph.startswith(("$$", "|", "<", "```", ">")):
            return paragraph
    return ""


def _whole(text: str) -> str:
    keep = [p for p in _paragraphs(text) if not p.startswith(("**Next:**", "<", "```"))]
    return "\n\n".join(keep)


def slide_text(section: dict) -> str:
    """The markdown of one section's slide."""
    marks = "#" * section["level"]
    head = f"{marks} {section['title']}"
    if section["title"].strip().lower() in WHOLE:
        return f"{head}\n\n{_whole(section['text'])}".strip()
    paragraph = _first_paragraph(section["text"])
    equations = [m.group(0) for m in DISPLAY_MATH.finditer(section["text"]) if m.group(0) not in paragraph]
    parts = [head, paragraph, *equations[:MAX_EQUATIONS]]
    return "\n\n".join(p for p in parts if p)


def _figure_cell(nb, output):
    cell = new_cell(nb, "code", "", tags=["hide-input"], slideshow={"slide_type": "subslide"})
    data = {k: v for k, v in output["data"].items() if k in ("image/png", "text/plain")}
    cell.outputs = [nbformat.v4.new_output("display_data", data=data,
                                           metadata=copy.deepcopy(output.get("metadata", {})))]
    return cell


def outline(nb):
    """A new notebook that is the deck: markdown slides and output-only figure sub-slides."""
    deck = copy.deepcopy(nb)
    deck.cells = []
    for section in _sections(nb):
        deck.cells.append(new_cell(nb, "markdown", slide_text(section), slideshow={"slide_type": "slide"}))
        for output in section["figures"][:MAX_FIGURES]:
            deck.cells.append(_figure_cell(nb, output))
    return deck
