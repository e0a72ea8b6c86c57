"""The reading edition (make book), checked in a real browser.

The site is built into a temporary folder, served from a loopback port, and every page is
opened in headless Chromium through Playwright. Every page must load with no console error
and no failed request, ask nothing of any other host, typeset its math, load every image, give
every image real alt text (not empty, not a file name), and have working navigation; each
lesson page must link to its notebook, Colab and Binder; and axe-core must find no violation of
the WCAG 2.0, 2.1 and 2.2 A and AA rules on any page (tests/tooling/_axe.py; axe-core from npm,
make node-tools). Screenshots go to artifacts/book/.

Which lessons: the executed copies in build/executed/, which the notebook tests write (`make test`
runs them first); this test never runs a lesson. A figure without alt text fails the build, as it
fails `make book`. Where there are no copies yet (this file run alone on a fresh clone), the site
is built from tests/fixtures/book_lesson.ipynb instead, with a warning that says so.
MNIST_SCRATCH_BOOK_PREBUILT=1 tests build/book/ as `make book` left it.

Needs Debian's /usr/bin/chromium (.ci/run installs it) and the `book` extra; without them the
test is skipped with a message, except under CI=true, where it fails.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import pytest
from _axe import AXE, describe, require_axe, violations

pytestmark = [pytest.mark.browser,   # the toolchain's own notices about Sphinx 11, not ours:
              pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API")]

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "book_lesson.ipynb"
ARTIFACTS = REPO / "artifacts" / "book"
CHROMIUM = os.environ.get("MNIST_SCRATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MATH_TIMEOUT_MS = 30_000

# Runs in each page once it has loaded: waits for MathJax and the images, then reports.
INSPECT = """async (timeoutMs) => {
  const timeout = new Promise(resolve => setTimeout(() => resolve('timeout'), timeoutMs));
  let mathjax = 'absent';
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    mathjax = await Promise.race([MathJax.startup.promise.then(() => 'done'), timeout]);
  }
  const images = [...document.images];
  await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
  const text = (document.querySelector('article') || document.body).cloneNode(true);
  text.querySelectorAll('pre, code, script, style, mjx-container').forEach(e => e.remove());
  const math = [...document.querySelectorAll('.math')];
  return {
    mathjax,
    math: math.length,
    typeset: math.filter(e => e.querySelector('mjx-container')).length,
    mathErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent),
    rawTex: (text.textContent.match(/\\$\\$|\\\\\\(|\\\\\\[/g) || []).length,
    images: images.map(img => ({src: img.currentSrc || img.src, alt: img.getAttribute('alt'), width: img.naturalWidth})),
    prevNext: [...document.querySelectorAll('.prev-next-area a')].map(a => a.href),
    toc: [...document.querySelectorAll('nav.bd-docs-nav a')].map(a => a.href),
    lessonLinks: [...document.querySelectorAll('.lesson-links a')].map(a => a.href),
  };
}"""


def _unavailable(message: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _build_site(out: Path) -> dict:
    """Builds the site from the lessons' executed copies, if every lesson has an up-to-date one,
    or else from the fixture lesson (with a warning). A figure without alt text fails, as it fails make book."""
    from tools.book import build as build_book
    from tools.executed import executed_copies, lessons, stale_because

    found = lessons()
    stale = {lesson.name: stale_because(lesson) for lesson in found}
    if found and not any(stale.values()):
        source, copies = "lessons", [executed_copies(lesson, log=lambda text: None).shipped for lesson in found]
    else:
        source, copies = "fixture", [FIXTURE]
        why = "; ".join(f"{name}: {reason}" for name, reason in stale.items() if reason) or "no lessons"
        warnings.warn(f"site test built from {FIXTURE.relative_to(REPO)}, not the lessons, which have no up-to-date "
                      f"executed copies in build/executed/ (make test runs the lessons first): {why}", stacklevel=1)
    try:
        return dict(build_book.build(out=out, copies=copies), source=source)
    except build_book.BookError as error:
        pytest.fail(f"the site did not build from the {source} ({', '.join(c.name for c in copies)}):\n{error}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):   # a browser leaving a page early is fine
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site on a loopback port: (base URL, page paths, build report)."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the site test")
    if importlib.util.find_spec("playwright") is None:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    if os.environ.get("MNIST_SCRATCH_BOOK_PREBUILT") == "1":
        out = REPO / "build" / "book"
        if not (out / "book-report.json").is_file():
            pytest.fail(f"MNIST_SCRATCH_BOOK_PREBUILT=1 but {out} has no book-report.json: run make book")
        report = dict(json.loads((out / "book-report.json").read_text(encoding="utf-8")), source="prebuilt")
    else:
        missing = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme", "mathjax")
                   if importlib.util.find_spec(name) is None]
        if missing:
            _unavailable(f"the book toolchain is not installed ({', '.join(missing)} missing): pip install -e '.[book]'")
        out = tmp_path_factory.mktemp("site") / "book"
        report = _build_site(out)
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", report["html_pages"], report
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def visits(site):
    """Opens every page once in one browser; returns {page: what was seen there}."""
    from playwright.sync_api import sync_playwright

    base, pages, _ = site
    shutil.rmtree(ARTIFACTS, ignore_errors=True)         # no screenshot left from an earlier site
    ARTIFACTS.mkdir(parents=True)
    seen, current = {}, {}

    def guard(route):
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            current["local"].append(route.request.url)
            route.continue_()
        else:
            current["outside"].append(route.request.url)
            route.abort()

    def watch(tab):
        tab.on("console", lambda m: m.type == "error" and current["console"].append(f"{m.text} ({m.location})"))
        tab.on("pageerror", lambda e: current["console"].append(f"uncaught: {e}"))
        tab.on("requestfailed", lambda r: "127.0.0.1" in r.url and current["failed"].append(f"{r.url}: {r.failure}"))
        tab.on("response", lambda r: r.status >= 400 and current["failed"].append(f"{r.url}: HTTP {r.status}"))
        return tab

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", guard)
            page = watch(context.new_page())       # one tab at a time: a tab in the background renders slowly
            for name in pages:
                current.update(console=[], outside=[], failed=[], local=[])
                page.goto(base + name, wait_until="load", timeout=60_000)
                report = page.evaluate(INSPECT, MATH_TIMEOUT_MS)
                report["axe"] = violations(page) if AXE.is_file() else None
                slug = name.removesuffix(".html").replace("/", "__")
                page.screenshot(path=str(ARTIFACTS / f"{slug}.png"))      # the top of every page
                shots = [("figure", "article .cell_output img")]                # and on lessons, a figure,
                if not any(n.endswith("__math.png") for n in os.listdir(ARTIFACTS)):
                    shots.append(("math", "div.math"))                         # and once, an equation
                for what, selector in shots if name.startswith("notebooks/") else []:
                    if page.locator(selector).count():
                        page.locator(selector).first.scroll_into_view_if_needed()
                        page.screenshot(path=str(ARTIFACTS / f"{slug}__{what}.png"))
                seen[name] = dict(report, **current)
            # the front page's "next" link, reached and followed with the keyboard
            current.update(console=[], outside=[], failed=[], local=[])
            page.goto(base + "index.html", wait_until="load")
            page.locator(".prev-next-area a.right-next").first.focus()
            with page.expect_navigation(wait_until="load", timeout=30_000):
                page.keyboard.press("Enter")
            seen["keyboard"] = dict(current, page=page.url)
            # a screen-reader user who switches on MathJax's speech gets it from the site's own copy
            current.update(console=[], outside=[], failed=[], local=[])
            page.close()
            speech = watch(context.new_page())
            speech.add_init_script("localStorage.setItem('MathJax-Menu-Settings', "
                                   "JSON.stringify({explorer: true, speech: true, assistiveMml: true}))")
            with_math = next((n for n, v in seen.items() if v["typeset"]), None)
            if with_math:
                speech.goto(base + with_math, wait_until="load")
                speech.wait_for_function("() => document.querySelector('mjx-container[aria-label], "
                                         "mjx-container [data-semantic-speech]')", timeout=MATH_TIMEOUT_MS)
            seen["speech"] = dict(current, page=with_math)
        finally:
            browser.close()
    return seen


def _pages(visits):
    return {name: v for name, v in visits.items() if name.endswith(".html")}


def _fail_if(problems: list[str], what: str):
    assert not problems, f"{what}:\n" + "\n".join(problems)


def test_site_has_the_front_page_and_every_lesson(site):
    _, pages, report = site
    assert "index.html" in pages
    if report["source"] == "fixture":
        assert pages.count("notebooks/book_lesson.html") == 1, pages
        return
    lessons = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    _fail_if([name for name in lessons if f"notebooks/{name}.html" not in pages], "lessons without a page")
    guide = sorted((REPO / "docs" / "teaching").glob("*.md"))
    _fail_if([str(p) for p in guide if f"docs/teaching/{p.stem}.html" not in pages], "guide pages missing")


def test_no_console_errors_and_no_failed_requests(visits):
    _fail_if([f"{page}: {m}" for page, v in visits.items() for m in v["console"] + v["failed"]],
             "console errors or failed requests")


def test_no_request_leaves_the_site(visits):
    _fail_if([f"{page}: {url}" for page, v in visits.items() for url in v["outside"]],
             "requests to other hosts (blocked)")


def test_math_is_typeset(visits):
    problems = []
    for page, v in _pages(visits).items():
        if v["math"] and v["mathjax"] != "done":
            problems.append(f"{page}: {v['math']} math elements but MathJax is {v['mathjax']}")
        if v["typeset"] < v["math"]:
            problems.append(f"{page}: only {v['typeset']} of {v['math']} math elements typeset")
        problems += [f"{page}: TeX error {e!r}" for e in v["mathErrors"]]
        if v["rawTex"]:
            problems.append(f"{page}: {v['rawTex']} TeX delimiters left in the text (math not recognised)")
    _fail_if(problems, "math")
    assert any(v["typeset"] for v in _pages(visits).values()), "no page typeset any math: is MathJax wired up?"


def test_math_speech_comes_from_the_site(visits):
    speech = visits["speech"]
    assert speech["page"], "no page has math"
    assert not speech["outside"], f"MathJax's speech asked other hosts: {speech['outside']}"
    assert any("/sre/" in url for url in speech["local"]), "the speech rules did not come from the site"


def test_every_image_loads(visits):
    _fail_if([f"{page}: {img['src']}" for page, v in _pages(visits).items() for img in v["images"]
              if img["width"] <= 0], "images that did not load")


def test_every_image_has_alt_text(visits):
    problems = []
    for page, v in _pages(visits).items():
        for img in v["images"]:
            alt, name = (img["alt"] or "").strip(), img["src"].rsplit("/", 1)[-1]
            # docutils falls back to the file's path when an image has no alt text
            if not alt or name in alt or re.search(r"\.(png|jpe?g|gif|svg)$", alt, re.I):
                problems.append(f"{page}: {name} has alt {img['alt']!r}")
    _fail_if(problems, "images without alt text")
    assert any("/_images/" in img["src"] for page, v in _pages(visits).items() if page.startswith("notebooks/")
               for img in v["images"]), "no lesson page shows a figure: the check above checked nothing"


def test_lesson_pages_link_to_notebook_colab_and_binder(site, visits):
    from tools.book import meta as book_meta

    links, problems = book_meta.links(), []
    for page, v in _pages(visits).items():
        if page.startswith("notebooks/"):
            path = page.removesuffix(".html") + ".ipynb"
            expected = [links.source(path), links.colab(path), links.binder(path)]
            if v["lessonLinks"][:3] != expected:
                problems.append(f"{page}: links {v['lessonLinks']}, expected {expected}")
            if not any(h.endswith(f"_sources/{path}") for h in v["lessonLinks"]):
                problems.append(f"{page}: no link to download {path} with its outputs")
    _fail_if(problems, "lesson links")
    assert links.ref == os.environ.get(book_meta.REF_ENV, f"v{book_meta.version()}")


def test_navigation_works(site, visits):
    base, pages, _ = site
    problems, status = [], {}
    for page, v in _pages(visits).items():
        if page not in ("genindex.html", "search.html") and not v["prevNext"]:
            problems.append(f"{page}: no previous/next links")
        if not v["toc"]:
            problems.append(f"{page}: no table of contents")
        for href in v["prevNext"] + v["toc"] + [h for h in v["lessonLinks"] if h.startswith(base)]:
            url = href.split("#", 1)[0]
            if url not in status:
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        status[url] = response.status
                except urllib.error.HTTPError as error:
                    status[url] = error.code
            if status[url] != 200:
                problems.append(f"{page}: link {href} answers {status[url]}")
    in_toc = {urllib.parse.urlsplit(h).path.lstrip("/") for h in visits["index.html"]["toc"]}
    problems += [f"index.html: the table of contents lacks {p}" for p in pages if p.startswith("notebooks/")
                 and p not in in_toc]
    after = visits["keyboard"]["page"]
    if "/notebooks/" not in after:
        problems.append(f"index.html: Enter on the 'next' link went to {after}, not to the first lesson")
    _fail_if(problems, "navigation")


def test_every_page_passes_axe(visits, capsys):
    """No violation of the WCAG 2.0/2.1/2.2 A and AA rules that axe-core checks, on any page."""
    require_axe()
    pages = _pages(visits)
    counts = {page: sum(v["count"] for v in seen["axe"]) for page, seen in pages.items()}
    with capsys.disabled():
        print(f"\naxe-core (WCAG 2.0/2.1/2.2 A and AA) on {len(pages)} pages of the reading edition: "
              f"{sum(counts.values())} violations" + "".join(f"\n  {p}: {n}" for p, n in counts.items() if n))
    _fail_if([f"{page}: {line}" for page, seen in pages.items() for line in describe(seen["axe"])],
             "accessibility violations (axe-core)")
