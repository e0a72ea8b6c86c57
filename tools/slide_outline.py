"""A slide deck outline for a lesson that carries no slide metadata: one slide per ``##`` section.

Each section (everything from a ``##`` heading to the next ``#``/``##`` heading, headings in the
middle of a markdown cell included) is cut into blocks: paragraphs, lists, display equations
(``$$ ... $$``), tables, quotes, and the figures its code cells drew. Its slide holds

* the heading and the section's first paragraph;
* **every** list, equation, table and quote, each with the paragraph that leads into it when that
  paragraph ends with a colon ("Two standard cures:" comes with its list, never without it);
* **every** figure (so give it an executed notebook), in the order the lesson draws them;

and what does not fit on one slide goes on continuation slides below it (the down arrow), each
titled "(continued)", figures one to a slide. The ``Summary`` and ``Exercises`` sections are shown
whole: they are the recap and the questions. Nothing the lesson's prose leaves out reaches the
audience: the other paragraphs become the section's speaker notes (the ``S`` view), after the
teaching guide's notes for it (tools/slide_notes.py: the session plan's pause points and what to
watch for; the quiz on the last slide).

Code is never shown, and solution, answer-key and hint cells are left out, so a deck made from the
instructor copy gives no answer away. ``\\text{fan\\_in}`` becomes ``\\text{fan_in}``: the decks'
MathJax 2 shows text-mode escapes as they are. Standard library and nbformat only.
"""

from __future__ import annotations

import copy
import math
import re

import nbformat

from tools.lesson_format import HIDDEN, HINT, new_cell, tags

WHOLE = ("summary", "exercises", "questions")
HEADING = re.compile(r"^(#{1,2}) +(.*\S)\s*$")
LIST_ITEM = re.compile(r"^\s{0,3}([-*+]|\d+[.)])\s+")
SUBHEADING = re.compile(r"^#{3,6} +(.*\S)\s*$")
SHOWN = ("list", "math", "table", "quote")      # the blocks every slide keeps
BUDGET = 15                                     # lines of text on one slide, roughly (1120 x 700 px)
LINE_CHARS = 88
TEXT_ESCAPE = re.compile(r"\\text\{([^{}]*)\}")


def _blocks(text: str) -> list[tuple[str, str]]:
    """Markdown cut into ("paragraph" | "list" | "math" | "table" | "quote" | "code" | "html", text)."""
    blocks: list[tuple[str, list[str]]] = []
    kind = None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if kind in ("code", "math"):                      # until the closing fence or $$
            blocks[-1][1].append(line)
            if (kind == "code" and stripped.startswith("```")) or (kind == "math" and stripped.endswith("$$")):
                kind = None
            i += 1
            continue
        if not stripped:
            if kind == "list":                            # a blank line inside a list: the list goes on
                following = next((l for l in lines[i + 1:] if l.strip()), "")
                if LIST_ITEM.match(following) or following.startswith((" ", "\t")):
                    blocks[-1][1].append(line)
                    i += 1
                    continue
            kind = None
            i += 1
            continue
        if SUBHEADING.match(line) and kind != "list":
            blocks.append(("subheading", [line]))
            kind = None
        elif stripped.startswith("```"):
            blocks.append(("code", [line]))
            kind = "code"
        elif stripped.startswith("$$"):
            blocks.append(("math", [line]))
            kind = None if (len(stripped) > 2 and stripped.endswith("$$")) else "math"
        elif LIST_ITEM.match(line) and kind != "list":
            blocks.append(("list", [line]))
            kind = "list"
        elif stripped.startswith("|") and kind != "table":
            blocks.append(("table", [line]))
            kind = "table"
        elif stripped.startswith(">") and kind != "quote":
            blocks.append(("quote", [line]))
            kind = "quote"
        elif stripped.startswith("<") and kind is None:
            blocks.append(("html", [line]))
            kind = "html"
        elif kind is None:
            blocks.append(("paragraph", [line]))
            kind = "paragraph"
        else:
            blocks[-1][1].append(line)
        i += 1
    return [(k, "\n".join(ls).strip("\n")) for k, ls in blocks]


def _sections(nb) -> list[dict]:
    """The lesson cut at # and ## headings: [{"level", "title", "items"}], items being
    ("md", markdown) and ("figure", output) in the lesson's order."""
    sections = [{"level": 0, "title": "", "items": []}]
    for cell in nb.cells:
        if (HIDDEN | {HINT}) & set(tags(cell)):
            continue
        if cell.cell_type == "markdown":
            fenced, text = False, []
            for line in cell.source.split("\n"):
                fenced ^= line.lstrip().startswith("```")
                match = None if fenced else HEADING.match(line)
                if match:
                    sections[-1]["items"].append(("md", "\n".join(text)))
                    sections.append({"level": len(match.group(1)), "title": match.group(2), "items": []})
                    text = []
                else:
                    text.append(line)
            sections[-1]["items"].append(("md", "\n".join(text)))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    sections[-1]["items"].append(("figure", output))
    return [s for s in sections if s["title"]]


def mathjax2_tex(text: str) -> str:
    r"""``\text{fan\_in}`` as MathJax 2 shows it right: ``\text{fan_in}`` (text mode takes no escapes there)."""
    return TEXT_ESCAPE.sub(lambda m: "\\text{" + re.sub(r"\\([_%&#$])", r"\1", m.group(1)) + "}", text)


def _lines(kind: str, text: str) -> int:
    """How many lines of a slide a block takes, roughly."""
    if kind == "subheading":
        return 2
    if kind == "math":
        return 1 + text.count("\\\\") + 1
    if kind == "table":
        return text.count("\n") + 1
    if kind == "list":
        items = re.split(r"\n(?=\s{0,3}(?:[-*+]|\d+[.)])\s)", text)
        return sum(math.ceil(len(item) / LINE_CHARS) for item in items)
    return math.ceil(len(text) / LINE_CHARS)


def plan(section: dict) -> tuple[list[list], list[str]]:
    """A section as slides and notes: ([[("md", text) | ("figure", output), ...] per slide], notes).
    The first slide opens with the heading; every list, equation, table, quote and figure is on one."""
    whole = section["title"].strip().lower() in WHOLE
    groups, notes, first = [], [], True        # a group: blocks that go on a slide together
    blocks = [(kind, text) for item_kind, item in section["items"]
              for kind, text in (_blocks(item) if item_kind == "md" else [("figure", item)])]
    blocks = [(k, t) for k, t in blocks if k == "figure" or (k not in ("code", "html") and not t.startswith("**Next:**"))]
    i = 0
    while i < len(blocks):
        kind, text = blocks[i]
        leads_to = blocks[i + 1][0] if i + 1 < len(blocks) else None
        if kind == "figure" or kind in SHOWN:
            groups.append([(kind, text)])
        elif kind == "subheading":                  # "### Exercise 1: ..." and the paragraph under it
            group = [(kind, text)]
            if leads_to == "paragraph":
                i += 1
                group.append(blocks[i])
            groups.append(group)
        elif text.rstrip().endswith(":") and leads_to == "figure":
            groups.append([(kind, text), blocks[i + 1]])          # "The filters it learned:" above them
            i += 1
        elif whole or first:
            group = [(kind, text)]
            while text.rstrip().endswith(":") and i + 1 < len(blocks) and blocks[i + 1][0] != "figure":
                i += 1                              # a lead-in keeps what it leads into
                kind, text = blocks[i]
                group.append((kind, text))
            groups.append(group)
            first = False
        elif text.rstrip().endswith(":") and leads_to in SHOWN:
            groups.append([(kind, text), blocks[i + 1]])
            i += 1
        else:
            notes.append(text)                      # prose the slide leaves out: the presenter has it
        i += 1
    slides, current, used = [], [], 2               # the heading takes two lines
    for group in groups:
        if any(kind == "figure" for kind, _ in group):
            slides.append(current)
            slides.append(group)
            current, used = [], 2
            continue
        size = sum(_lines(k, t) for k, t in group)
        if current and used + size > BUDGET:
            slides.append(current)
            current, used = [], 2
        current.extend(group)
        used += size
    slides.append(current)
    for slide in slides:                # a lead-in to code, which decks never show, ends as a sentence
        if slide and slide[-1][0] == "paragraph" and slide[-1][1].rstrip().endswith(":"):
            slide[-1] = ("paragraph", slide[-1][1].rstrip()[:-1] + ".")
    slides = [s for s in slides if s] or [[]]
    return slides, notes


def _figure_cell(nb, output, slide_type: str):
    cell = new_cell(nb, "code", "", tags=["hide-input"], slideshow={"slide_type": slide_type})
    data = {k: v for k, v in output["data"].items() if k in ("image/png", "text/plain")}
    cell.outputs = [nbformat.v4.new_output("display_data", data=data,
                                           metadata=copy.deepcopy(output.get("metadata", {})))]
    return cell


def slide_cells(nb, section: dict, guide_notes: list[str] = ()) -> list:
    """The cells of one section's slides: its slide, its notes, its continuation and figure slides."""
    marks = "#" * section["level"]
    slides, notes = plan(section)
    cells = []
    for number, blocks in enumerate(slides):
        title = section["title"] if number == 0 else f"{section['title']} (continued)"
        kind = "slide" if number == 0 else "subslide"
        text = "\n\n".join([f"{marks} {title}", *(mathjax2_tex(t) for k, t in blocks if k != "figure")])
        cells.append(new_cell(nb, "markdown", text, slideshow={"slide_type": kind}))
        cells += [_figure_cell(nb, out, "-") for k, out in blocks if k == "figure"]
        if number == 0 and (guide_notes or notes):
            said = [*guide_notes, *([f"**From the lesson:**\n\n" + "\n\n".join(notes)] if notes else [])]
            cells.append(new_cell(nb, "markdown", mathjax2_tex("\n\n".join(said)), slideshow={"slide_type": "notes"}))
    return cells


def outline(nb, notes: dict[str, list[str]] | None = None, closing: str = ""):
    """A new notebook that is the deck: markdown slides, figure slides and speaker notes.

    ``notes`` maps a section's title to the teaching guide's notes for it; ``closing`` (the quiz) goes
    to the notes of the last section's slide."""
    notes = notes or {}
    deck = copy.deepcopy(nb)
    deck.cells = []
    for section in _sections(nb):
        said = [note for key in section_keys(section) for note in notes.get(key, [])]
        deck.cells += slide_cells(nb, section, said)
    if closing and deck.cells:                       # the quiz, in the notes of the very last slide
        last = next(i for i in range(len(deck.cells) - 1, -1, -1)
                    if deck.cells[i].metadata["slideshow"]["slide_type"] in ("slide", "subslide", "notes"))
        if deck.cells[last].metadata["slideshow"]["slide_type"] == "notes":
            deck.cells[last].source += "\n\n" + mathjax2_tex(closing)
        else:
            deck.cells.append(new_cell(nb, "markdown", mathjax2_tex(closing), slideshow={"slide_type": "notes"}))
    return deck


def section_keys(section: dict) -> list[str]:
    """The keys of a section's heading and of the ### headings inside it (the guide may name either)."""
    subheadings = [SUBHEADING.match(line).group(1) for kind, item in section["items"] if kind == "md"
                   for line in item.split("\n") if SUBHEADING.match(line)]
    return list(dict.fromkeys(_key(title) for title in [section["title"], *subheadings]))


def _key(title: str) -> str:
    """A heading as the teaching guide's *§ ...* references name it: case, marks and spaces aside."""
    return re.sub(r"[\s*_`]+", " ", title).strip().lower()
