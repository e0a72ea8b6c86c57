"""make slides: decks built by tools/slides.py, and one rendered in headless Chromium, network cut off.

The outline tests need only nbformat. The deck tests need the classroom extra (nbconvert) and
build/slides/vendor, filled by `make slides-vendor` (npm ci). The browser tests also need playwright
and /usr/bin/chromium; a deck is opened from file:// and from a loopback web server, and any
request elsewhere is refused and makes the test fail.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

from tools import slide_outline, slides  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

FIXTURE = ROOT / "tests" / "fixtures" / "classroom_lesson.ipynb"
VENDOR = ROOT / "build" / "slides" / "vendor"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
REVEAL = "vendor/node_modules/reveal.js/dist/reveal.js"       # the AMD module id the deck loads
# A 2 x 2 PNG, standing in for a figure an executed lesson drew.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001649444154789c633c2127"
    "c7c0c0c0c4c0c0c0c0c000000d0401087d71ca660000000049454e44ae426082")).decode()


def unmarked_fixture():
    """The fixture lesson without slide metadata, with a figure drawn in its ReLU section."""
    nb = nbformat.read(FIXTURE, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)
    relu = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## ReLU"))
    figure = nbformat.v4.new_code_cell("plot_relu()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure>"})])
    nb.cells.insert(relu + 1, figure)
    return nb


# ----------------------------------------------------------------------------- outlines (no browser)

def test_an_unmarked_lesson_gets_a_slide_per_section_with_its_equation_and_figures():
    deck = slides.prepare(unmarked_fixture(), "fixture")
    kinds = [(c.cell_type, c.metadata["slideshow"]["slide_type"]) for c in deck.cells]
    assert kinds == [("markdown", "slide"), ("markdown", "slide"), ("markdown", "subslide"), ("code", "-"),
                     ("markdown", "subslide"), ("markdown", "slide"), ("markdown", "notes"), ("markdown", "slide")]
    title, relu, figure_slide, figure, relu_more, softmax, notes, questions = deck.cells
    assert title.source.startswith("# Fixture lesson") and "A tiny lesson" in title.source
    assert relu.source.startswith("## ReLU") and r"\max(0, z)" in relu.source
    assert figure_slide.source == "## ReLU (continued)"               # the figure, below its section's slide
    assert figure.source == "" and "hide-input" in figure.metadata["tags"]
    assert figure.outputs[0]["data"]["image/png"] == PNG
    assert relu_more.source == "## ReLU (continued)\n\n**Exercise 1.** Write `relu`."   # after the figure, as drawn
    assert r"\frac{e^{z_k}}" in softmax.source
    assert notes.source == "**From the lesson:**\n\nLater cells never use the learner's answer:"   # left off the slide
    assert "What is ReLU'(0)" in questions.source
    everything = nbformat.writes(deck)
    for hidden in ("np.maximum", "subgradient", "Solution", "_check_relu", "relu_prime_at_0", "Hint 1",
                   "element-wise maximum"):
        assert hidden not in everything        # no code, no solution, no answer key, no hint


def test_headings_inside_cells_and_code_fences_are_handled():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\nIntro.\n\n## One\n\nFirst.\n\n$$a = b$$"),
                nbformat.v4.new_markdown_cell("More about one.\n\n```python\n# not a heading\n```\n\n## Two\n\nSecond."),
                nbformat.v4.new_markdown_cell("## Summary\n- a\n- b\n\n**Next:** [x](x.ipynb)")]
    texts = [c.source for c in slide_outline.outline(nb).cells]
    assert texts == ["# Title\n\nIntro.", "## One\n\nFirst.\n\n$$a = b$$", "**From the lesson:**\n\nMore about one.",
                     "## Two\n\nSecond.", "## Summary\n\n- a\n- b"]


def test_a_lead_in_keeps_its_list_and_a_long_section_continues_below():
    """"Two standard cures:" never ends a slide without its list; what does not fit goes on a slide below."""
    nb = nbformat.v4.new_notebook()
    cures = "Two standard cures:\n- **L2** shrinks the weights.\n- **Dropout** zeroes units."
    long = "\n\n".join(f"Paragraph {i}, which leads into an equation:\n\n$$x_{i} = {i}$$" for i in range(12))
    nb.cells = [nbformat.v4.new_markdown_cell(f"## Overfitting\n\nWith 500 images a network memorises them.\n\n{cures}"),
                nbformat.v4.new_markdown_cell(f"## Long\n\nFirst.\n\n{long}\n\nA closing remark."),
                nbformat.v4.new_markdown_cell(r"## TeX" "\n\n" r"$$W \sim \mathcal{N}(0, 2/\text{fan\_in})$$")]
    cells = slide_outline.outline(nb, {"overfitting": ["**Session plan, 0:10:** ask first"]}, "**Quiz** 1. Why?").cells
    first = cells[0].source
    assert first.endswith(cures.replace(":\n", ":\n\n")) and cells[1].metadata["slideshow"]["slide_type"] == "notes"
    assert cells[1].source == "**Session plan, 0:10:** ask first"
    long_slides = [c.source for c in cells if c.source.startswith("## Long")]
    assert len(long_slides) >= 2 and long_slides[1].startswith("## Long (continued)")
    for i in range(12):                                                  # every equation, with its lead-in
        assert sum(f"Paragraph {i}, which leads into an equation:\n\n$$x_{i} = {i}$$" in s for s in long_slides) == 1
    assert "A closing remark." in next(c.source for c in cells if c.source.startswith("**From the lesson:**\n\nA closing"))
    assert r"\text{fan_in}" in cells[-2].source and cells[-1].source == "**Quiz** 1. Why?"


def test_marked_cells_are_the_deck_and_answers_never_are():
    nb = nbformat.read(FIXTURE, as_version=4)
    for cell in nb.cells:
        if "answer-key" in cell.metadata.get("tags", []):
            cell.metadata["slideshow"] = {"slide_type": "slide"}      # marked, but still an answer key
    deck = slides.prepare(nb, "fixture")
    shown = [c for c in deck.cells if c.metadata["slideshow"]["slide_type"] != "skip"]
    assert len(shown) == 6 and not [c for c in deck.cells if "answer-key" in c.metadata.get("tags", [])]
    assert not [c for c in shown if "hint" in c.metadata.get("tags", [])]        # unmarked hints are skipped
    hint = next(c for c in nb.cells if "hint" in c.metadata.get("tags", []))
    hint.metadata["slideshow"] = {"slide_type": "fragment"}                      # a marked one is shown
    deck = slides.prepare(nb, "fixture")
    assert [c.source for c in deck.cells if c.metadata["slideshow"]["slide_type"] == "fragment"
            and "hint" in c.metadata.get("tags", [])] == [hint.source]


# ----------------------------------------------------------------------------- decks

@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    pytest.importorskip("nbconvert", reason="the decks need the classroom extra (nbconvert)")
    if not (VENDOR / "node_modules" / "reveal.js").is_dir():
        message = f"{VENDOR} is not installed: run `make slides-vendor` (npm ci from tools/reveal/; needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("slides")
    (out / "vendor").symlink_to(VENDOR, target_is_directory=True)
    unmarked = out / "unmarked_lesson.ipynb"
    nbformat.write(unmarked_fixture(), unmarked)
    marked, derived = slides.build([FIXTURE, unmarked], out)
    return {"marked": marked, "derived": derived}


def test_the_decks_name_no_remote_script_or_style(decks):
    for deck in decks.values():
        html = deck.read_text(encoding="utf-8")
        for attribute in ('src="http', "src='http", 'href="http', "import mermaid"):
            assert attribute not in html.replace('href="https://github.com', "")   # links in comments are fine
        assert 'src="vendor/node_modules/mathjax/MathJax.js?config=' in html
        assert "_check_relu" not in html            # the set-up cell carries no slide metadata
    assert "Later cells never use" in decks["marked"].read_text(encoding="utf-8")     # a fragment does


def test_make_slides_says_what_is_missing(tmp_path, capsys):
    pytest.importorskip("nbconvert", reason="the decks need the classroom extra (nbconvert)")
    assert slides.main(["--out", str(tmp_path), str(FIXTURE)]) == 1
    assert "make slides" in capsys.readouterr().err


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(decks):
    handler = functools.partial(_QuietHandler, directory=str(decks["marked"].parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _open(browser, url, server):
    refused, errors = [], []
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    def only_local(route):
        if route.request.url.startswith(("file://", "data:", server)):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    page.wait_for_function(f"() => window.require && require.defined('{REVEAL}') && require('{REVEAL}').isReady()",
                           timeout=60_000)
    return page, refused, errors


def _go_to_math_slide(page):
    page.keyboard.press("ArrowRight")             # to the ReLU slide, with its display equation
    page.wait_for_function(f"() => require('{REVEAL}').getIndices().h === 1")
    page.wait_for_function("() => document.querySelectorAll('.reveal section.present .MathJax_CHTML').length > 0",
                           timeout=60_000)
    assert "relu" in page.locator(".reveal .slides section.present").first.inner_text().lower()


@pytest.mark.browser
@pytest.mark.parametrize("how", ["file", "loopback"])
def test_a_marked_deck_renders_offline(decks, server, browser, how):
    deck = decks["marked"]
    url = deck.as_uri() if how == "file" else f"{server}/{deck.name}"
    page, refused, errors = _open(browser, url, server)
    assert page.locator(".reveal.ready .slides section.present").first.is_visible()
    assert "fixture lesson" in page.locator(".reveal .slides section.present").first.inner_text().lower()
    assert page.evaluate(f"require('{REVEAL}').getTotalSlides()") == 4
    _go_to_math_slide(page)
    page.close()
    assert refused == [], f"the deck asked the network for {refused}"
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.mark.browser
def test_a_derived_deck_renders_its_figure(decks, server, browser):
    page, refused, errors = _open(browser, f"{server}/{decks['derived'].name}", server)
    # 4 sections, the figure below ReLU's, and the paragraph drawn after it below that
    assert page.evaluate(f"require('{REVEAL}').getTotalSlides()") == 6
    _go_to_math_slide(page)
    page.keyboard.press("ArrowDown")              # the figure under the ReLU slide
    page.wait_for_function(f"() => require('{REVEAL}').getIndices().v === 1")
    image = page.locator(".reveal section.present img").first
    assert image.is_visible() and image.evaluate("img => img.complete && img.naturalWidth") == 2
    page.close()
    assert refused == [], f"the deck asked the network for {refused}"
    assert errors == [], f"JavaScript errors: {errors}"


# ----------------------------------------------------------------------------- the lessons' own decks

def _instructor_copies() -> list[Path]:
    """Every lesson's executed instructor copy, if all are up to date (make test runs the lessons first)."""
    from tools.executed import executed_copies, lessons, stale_because

    found = lessons()
    stale = {lesson.name: stale_because(lesson) for lesson in found}
    if not found or any(stale.values()):
        message = ("the lessons have no up-to-date executed copies in build/executed/ (make test runs the lessons "
                   "first): " + "; ".join(f"{n}: {why}" for n, why in stale.items() if why))
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return [executed_copies(lesson, log=lambda text: None).instructor for lesson in found]


def _slides(deck) -> list[dict]:
    """A deck notebook as its slides: {"text", "figures", "notes"}."""
    slides = []
    for cell in deck.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind in ("slide", "subslide"):
            slides.append({"text": "", "figures": 0, "notes": ""})
        if kind == "notes":
            slides[-1]["notes"] += cell.source
        elif kind in ("slide", "subslide", "-"):
            slides[-1]["text"] += cell.source if cell.cell_type == "markdown" else ""
            slides[-1]["figures"] += sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
    return slides


@pytest.fixture(scope="module")
def lesson_outlines():
    """{lesson: (its executed instructor copy, its deck notebook)} for every lesson."""
    return {path.name: (nb := nbformat.read(path, as_version=4), slides.prepare(nb, path.name))
            for path in _instructor_copies()}


def test_lesson_decks_drop_nothing_and_carry_the_guides_notes(lesson_outlines, capsys):
    """Every list, equation, table and figure of a lesson reaches a slide; no slide ends on a colon
    with nothing after it; the sections the guide's session plan names carry its notes; the quiz is
    in the last slide's notes; no text-mode escape is left for MathJax 2 to show."""
    from tools.slide_notes import lesson_notes

    problems, total, with_notes, colons = [], 0, 0, 0
    for name, (nb, deck) in lesson_outlines.items():
        shown = _slides(deck)
        text = "\n".join(s["text"] for s in shown)
        total += len(shown)
        with_notes += sum(bool(s["notes"]) for s in shown)
        for s in shown:
            if s["text"].rstrip().endswith(":") and not s["figures"]:
                colons += 1
                problems.append(f"{name}: a slide ends on a colon with nothing after it: {s['text'][-80:]!r}")
        for section in slide_outline._sections(nb):
            for kind, item in section["items"]:
                blocks = [(k, b) for k, b in slide_outline._blocks(item)] if kind == "md" else []
                for block_kind, block in blocks:
                    if block_kind in slide_outline.SHOWN and slide_outline.mathjax2_tex(block) not in text:
                        problems.append(f"{name}: § {section['title']}: a {block_kind} is on no slide: {block[:80]!r}")
        drawn = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                    and not slides.HIDDEN & set(c.metadata.get("tags", [])) for o in c.get("outputs", []))
        if sum(s["figures"] for s in shown) != drawn:
            problems.append(f"{name}: {drawn} figures drawn, {sum(s['figures'] for s in shown)} on slides")
        if "\\text{" in text and re.search(r"\\text\{[^}]*\\_", text):
            problems.append(f"{name}: a \\text{{...\\_...}} that MathJax 2 shows with its backslash")
        planned, quiz = lesson_notes(name)
        first_slides = {s["text"].split("\n", 1)[0]: s["notes"] for s in shown}
        notes = {key: first_slides.get(f"{'#' * section['level']} {section['title']}", "")
                 for section in slide_outline._sections(nb) for key in slide_outline.section_keys(section)}
        for key, said in planned.items():
            if key not in notes:
                problems.append(f"{name}: the guide's notes name § {key!r}, which is no section of the lesson")
            elif not all(slide_outline.mathjax2_tex(note)[:60] in notes[key] for note in said):
                problems.append(f"{name}: § {key!r}: the guide's notes are not all in the speaker notes")
        if quiz and "**Quiz**" not in shown[-1]["notes"]:
            problems.append(f"{name}: the quiz is not in the last slide's notes")
    with capsys.disabled():
        print(f"\nthe lessons' decks: {total} slides, {with_notes} with speaker notes, {colons} ending on a colon "
              f"with nothing after it")
    assert not problems, "\n".join(problems)
    assert with_notes >= len(lesson_outlines) * 5, f"only {with_notes} slides carry notes"


@pytest.fixture(scope="module")
def lesson_decks(tmp_path_factory):
    """Every lesson's deck, as make slides builds it, in a folder beside the installed vendor/."""
    pytest.importorskip("nbconvert", reason="the decks need the classroom extra (nbconvert)")
    copies = _instructor_copies()
    if not (VENDOR / "node_modules" / "reveal.js").is_dir():
        message = f"{VENDOR} is not installed: run `make slides-vendor` (npm ci from tools/reveal/; needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("lesson-slides")
    (out / "vendor").symlink_to(VENDOR, target_is_directory=True)
    return slides.build(copies, out)


# Every slide of a deck at once, in reveal.js's scroll view: each figure's width as a share of its slide's,
# the share of the slide's height it may take, and its scale (shown px per drawn px).
FIGURES = """() => [...document.querySelectorAll('.reveal .slides section img')].map(img => {
  const box = img.getBoundingClientRect(), slide = img.closest('section').getBoundingClientRect();
  const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
  return {width: img.naturalWidth * scale / slide.width, height: img.naturalHeight * scale / box.height,
          scale: scale / (slide.width / Reveal.getConfig().width)};
})"""


@pytest.mark.browser
def test_every_lesson_deck_is_accessible_numbered_and_shows_figures_full_width(lesson_decks, browser, capsys):
    """axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation on any slide of any deck (all slides shown at
    once, in reveal.js's scroll view); every figure takes the slide's width, or its height where it is
    tall, at no less than 0.7 of the size it was drawn; slides are numbered; no TeX error, no stray
    backslash in rendered math."""
    from _axe import describe, require_axe, violations

    require_axe()
    problems, figures, slides_seen, axe_found = [], [], 0, 0
    for deck in lesson_decks:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(deck.as_uri() + "?view=scroll")
        page.wait_for_function(f"() => window.require && require.defined('{REVEAL}') && require('{REVEAL}').isReady()",
                               timeout=60_000)
        page.evaluate(f"window.Reveal = require('{REVEAL}')")
        page.wait_for_function("() => MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0",
                               timeout=120_000)
        slides_seen += page.evaluate("Reveal.getTotalSlides()")
        found = violations(page)
        axe_found += sum(v["count"] for v in found)
        problems += [f"{deck.name}: {line}" for line in describe(found)]
        for figure in page.evaluate(FIGURES):
            figures.append(figure)
            if not (figure["width"] >= 0.9 or figure["height"] >= 0.97) or figure["scale"] < 0.7:
                problems.append(f"{deck.name}: a figure at {figure['width']:.0%} of the slide's width, "
                                f"{figure['scale']:.2f} of its drawn size")
        math = page.evaluate("() => [...document.querySelectorAll('.MathJax_CHTML')].map(e => e.textContent)")
        problems += [f"{deck.name}: math shows a backslash: {m!r}" for m in math if "\\" in m]
        problems += [f"{deck.name}: TeX error {e!r}" for e in page.evaluate(
            "() => [...document.querySelectorAll('.MathJax_CHTML merror, .mjx-merror')].map(e => e.textContent)")]
        if page.evaluate("Reveal.getConfig().slideNumber") in ("", False, None):
            problems.append(f"{deck.name}: slides are not numbered")
        page.close()
    scales = sorted(f["scale"] for f in figures)
    with capsys.disabled():
        print(f"\n{len(lesson_decks)} decks, {slides_seen} slides, {len(figures)} figures: "
              f"{sum(f['width'] >= 0.9 for f in figures)} across the slide's width, the others as tall as it; "
              f"shown at {scales[0]:.2f} to {scales[-1]:.2f} of their drawn size (median {scales[len(scales) // 2]:.2f}); "
              f"axe-core (WCAG 2.0/2.1/2.2 A and AA): {axe_found} violations")
    assert not problems, "\n".join(problems)
