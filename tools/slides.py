"""Build one reveal.js deck per lesson, to be opened offline.

    python -m tools.slides --out build/slides notebooks/*.ipynb         (what `make slides` runs)

Each deck is made from the lesson's executed instructor copy (tools/executed.py: reused from
build/executed/ while up to date, made by running the lesson otherwise), so the figures are
there. ``--as-is`` makes decks from the notebooks given, as they are (executed already).

Which cells make the slides:

* **Marked lessons.** If any cell carries Jupyter's slide metadata (View > Cell Toolbar > Slideshow
  in Notebook 7, or the property inspector in JupyterLab: ``"slideshow": {"slide_type": ...}`` with
  ``slide``, ``subslide``, ``fragment``, ``-`` (continue) or ``notes``), the deck holds exactly the
  marked cells, in order; every other cell is skipped. A cell tagged ``hide-input`` shows its output
  only (use it for figures).
* **Unmarked lessons** get a deck derived from their ``##`` sections: see tools/slide_outline.py
  (every list, equation and figure on a slide, continuation slides below, the other prose in the notes),
  with speaker notes from the lesson's page of the teaching guide (tools/slide_notes.py).

Every deck numbers its slides ("3.2 / 40" style: the section, then the slide below it) and shows
figures across the slide's full width (tools/reveal/template/mnist_reveal/index.html.j2).

Solution and answer-key cells never reach a deck; hint cells only if they are marked. Each deck loads reveal.js, require.js, jQuery and
MathJax from ``vendor/node_modules`` beside it, which ``make slides`` fills with ``npm ci`` from
tools/reveal/package-lock.json: nothing comes from a CDN, so build/slides/ works from file:// or any
local web server, with no network. It is nbconvert's SlidesExporter with ``exporter_config()``.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from tools.executed import EXECUTED, executed_all
from tools.lesson_format import HIDDEN, read_notebook, tags, write_atomic
from tools.slide_notes import lesson_notes
from tools.slide_outline import outline

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "reveal" / "template"
VENDOR = "vendor/node_modules"          # relative to the decks, so the folder can be moved or served
NEEDED = ["reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css", "reveal.js/plugin/notes/notes.js",
          "requirejs/require.js", "jquery/dist/jquery.min.js", "mathjax/MathJax.js"]


def exporter_config(vendor: str = VENDOR, theme: str = "white"):
    """nbconvert configuration: every script and style sheet from ``vendor``, none from the network."""
    from traitlets.config import Config

    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.SlidesExporter.template_name = "mnist_reveal"
    c.SlidesExporter.reveal_url_prefix = f"{vendor}/reveal.js"
    c.SlidesExporter.reveal_theme = theme
    c.SlidesExporter.reveal_scroll = True
    c.SlidesExporter.reveal_number = "h.v"          # slide numbers: section.slide below it
    # 16:10, as most projectors and laptops: a figure across the width is then as large as the height allows
    c.SlidesExporter.reveal_width, c.SlidesExporter.reveal_height = "1120", "700"
    c.SlidesExporter.require_js_url = f"{vendor}/requirejs/require.js"
    c.SlidesExporter.jquery_url = f"{vendor}/jquery/dist/jquery.min.js"
    # MathJax.js itself, never its latest.js, which fetches the newest MathJax from a CDN.
    c.SlidesExporter.mathjax_url = f"{vendor}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {"hide-input"}
    return c


def slide_type(cell) -> str | None:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def prepare(nb, name: str):
    """The notebook the exporter turns into the deck (see the module docstring)."""
    marked = any(slide_type(c) for c in nb.cells if not HIDDEN & set(tags(c)))
    if marked:
        out = copy.deepcopy(nb)
        out.cells = [c for c in out.cells if not HIDDEN & set(tags(c))]
        for cell in out.cells:
            if not slide_type(cell):
                cell.metadata["slideshow"] = {"slide_type": "skip"}
    else:
        print(f"slides: {name} has no slide metadata; one slide per ## section", file=sys.stderr)
        notes, quiz = lesson_notes(name)
        out = outline(nb, notes, quiz)
    out.metadata.pop("widgets", None)    # widget state would make the deck load widget code from a CDN
    for cell in out.cells:               # and so would a widget view among the outputs
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return out


def missing_vendor_files(out: Path) -> list[str]:
    return [f for f in NEEDED if not (out / VENDOR / f).is_file()]


def build(notebooks: list[Path], out: Path) -> list[Path]:
    from nbconvert import SlidesExporter

    missing = missing_vendor_files(out)
    if missing:
        raise FileNotFoundError(f"{out / VENDOR} lacks {', '.join(missing)}: run `make slides`, which installs "
                                "reveal.js and friends there with npm ci")
    exporter = SlidesExporter(config=exporter_config())
    written = []
    for path in notebooks:
        nb = read_notebook(path)
        body, _ = exporter.from_notebook_node(prepare(nb, path.name), resources={"metadata": {"name": path.stem}})
        target = out / f"{path.stem}.slides.html"
        write_atomic(target, body)
        written.append(target)
        print(f"slides: wrote {target}")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.slides", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="lessons (notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=Path("build/slides"), help="output folder (holds vendor/)")
    parser.add_argument("--as-is", action="store_true", help="make decks from these notebooks as they are")
    parser.add_argument("--executed-dir", type=Path, default=EXECUTED,
                        help="the lessons' executed copies, reused or made there (default build/executed)")
    parser.add_argument("--jobs", type=int, default=1, help="lessons run at once where they must run (default 1)")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if not path.is_file():
            print(f"slides: notebook not found: {path}", file=sys.stderr)
            return 1
    missing = missing_vendor_files(args.out)
    if missing:                                  # before running any lesson
        print(f"slides: {args.out / VENDOR} lacks {', '.join(missing)}: run `make slides`, which installs "
              "reveal.js and friends there with npm ci", file=sys.stderr)
        return 1
    try:
        notebooks = args.notebooks if args.as_is else [
            c.instructor for c in executed_all(args.notebooks, folder=args.executed_dir, jobs=args.jobs)]
        build(notebooks, args.out)
    except (FileNotFoundError, RuntimeError) as err:
        print(f"slides: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
