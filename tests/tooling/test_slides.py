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
    assert kinds == [("markdown", "slide"), ("markdown", "slide"), ("code", "subslide"),
                     ("markdown", "slide"), ("markdown", "slide")]
    title, relu, figure, softmax, questions = deck.cells
    assert title.source.startswith("# Fixture lesson") and "A tiny lesson" in title.source
    assert relu.source.startswith("## ReLU") and r"\max(0, z)" in relu.source
    assert figure.source == "" and "hide-input" in figure.metadata["tags"]
    assert figure.outputs[0]["data"]["image/png"] == PNG
    assert r"\frac{e^{z_k}}" in softmax.source
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
    assert texts == ["# Title\n\nIntro.", "## One\n\nFirst.\n\n$$a = b$$", "## Two\n\nSecond.", "## Summary\n\n- a\n- b"]


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
    assert page.evaluate(f"require('{REVEAL}').getTotalSlides()") == 5      # 4 sections + 1 figure below one
    _go_to_math_slide(page)
    page.keyboard.press("ArrowDown")              # the figure under the ReLU slide
    page.wait_for_function(f"() => require('{REVEAL}').getIndices().v === 1")
    image = page.locator(".reveal section.present img").first
    assert image.is_visible() and image.evaluate("img => img.complete && img.naturalWidth") == 2
    page.close()
    assert refused == [], f"the deck asked the network for {refused}"
    assert errors == [], f"JavaScript errors: {errors}"
