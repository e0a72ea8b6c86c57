"""The playground, rendered for real: JupyterLab on a loopback port, driven by headless
Chromium through Playwright. Runs notebook 05 in the browser, checks the widgets are
rendered as widgets (not text), drags the learning-rate slider, clicks Train, and sees
the cost curves change. Then, at laptop widths (1024, 1366 and 1440 px) with JupyterLab's
file browser open, measures that no readout, label or dropdown of the playground is cut
off and that it works by keyboard alone; and runs lesson 1 with Run All, as a learner
would, to see that its answer keys show no output. Screenshots go to artifacts/.

Needs Debian's /usr/bin/chromium (.ci/run installs it); no browser is downloaded.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "05_cost_curves_and_hyperparameters.ipynb"
LESSON_1 = "01_data_exploration.ipynb"
LAYOUT = "playground_layout.ipynb"
# The playground on 1,100 random images: the layout does not depend on the data, and training is quick.
LAYOUT_CELL = """import numpy as np
from mnist_scratch.lab import playground

rng = np.random.default_rng(0)
X, y = rng.random((1100, 784), dtype=np.float32), np.arange(1100) % 10
panel = playground(data=(X, y, X[:10], y[:10]))
panel"""
WIDTHS = [(1024, 768), (1366, 768), (1440, 900)]
CHROMIUM = os.environ.get("MNIST_SCRATCH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the browser test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("lab")
    state = tmp_path_factory.mktemp("jupyter-state")
    for name in (NOTEBOOK, LESSON_1):           # copies: autosave must never touch the repo's
        shutil.copy(REPO / "notebooks" / name, root / name)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LAYOUT_CELL)],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                                                     "language": "python"}}), root / LAYOUT)
    # Every cell attached to the page, so that the tests can find cell i by its position (JupyterLab's
    # default windowing attaches a long notebook's cells progressively, the last ones possibly never).
    tracker = state / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"))
    log = open(state / "jupyter.log", "w")
    server = subprocess.Popen(
        # python -m jupyterlab: JupyterLab in this very interpreter, whose kernel then imports this checkout
        # (`-m jupyter lab` runs the jupyter-lab script, whose #! line may name another environment's Python)
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            server.kill()
            pytest.fail(f"JupyterLab did not start:\n{(state / 'jupyter.log').read_text()[-3000:]}")
        time.sleep(0.5)
    try:
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_playground_renders_and_trains_in_a_real_browser(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", timeout=90_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=90_000)
            news = page.get_by_role("button", name="No", exact=True)         # "get Jupyter news?" toast
            if news.count():
                news.first.click()

            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

            # the notebook's own cells build the playground and train it once from code
            status = page.locator(".widget-html-content", has_text="Dev accuracy")
            status.first.wait_for(timeout=240_000)

            # rendered as real widgets, not as their text fallback
            sliders = page.locator(".widget-hslider")
            assert sliders.count() >= 6
            assert page.locator(".jp-OutputArea-output", has_text="VBox(children=").count() == 0
            train = page.locator(".widget-button", has_text="Train")
            assert train.count() == 1 and train.is_enabled()
            panel = page.locator(".jp-OutputArea-output").filter(has=train)
            panel.scroll_into_view_if_needed()
            curves = panel.locator("img.widget-image").first
            before_src, before_png = curves.get_attribute("src"), curves.screenshot()

            # move the learning-rate slider: drag its handle with the mouse, as a learner does
            lr_slider = page.locator(".widget-hslider", has=page.locator("label", has_text="learning rate"))
            readout = lr_slider.locator(".widget-readout")
            before_lr = float(readout.inner_text())
            handle = lr_slider.locator(".noUi-handle")
            box = handle.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 + 12, box["y"] + box["height"] / 2, steps=5)
            page.mouse.up()
            page.wait_for_timeout(500)
            new_lr = float(readout.inner_text())
            assert new_lr > before_lr, (before_lr, new_lr)

            train.click()
            page.locator(".widget-html-content", has_text=f"lr {new_lr:.2g}").first.wait_for(timeout=60_000)
            page.locator(".widget-html-content", has_text="Dev accuracy").first.wait_for(timeout=120_000)
            page.wait_for_timeout(500)
            after_src, after_png = curves.get_attribute("src"), curves.screenshot()
            assert after_src != before_src and after_png != before_png        # the cost curves were redrawn
            assert train.is_enabled()

            panel.screenshot(path=str(ARTIFACTS / "playground.png"))
        finally:
            page.screenshot(path=str(ARTIFACTS / "notebook05.png"), full_page=False)
            browser.close()


# ----------------------------------------------------------------------------- laptop widths, keyboard, Run All

def _open_notebook(page, base: str, token: str, name: str):
    # reset: a workspace of its own, with only this notebook open (not the previous test's too)
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset", timeout=90_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=90_000)
    news = page.get_by_role("button", name="No", exact=True)              # "get Jupyter news?", if asked
    if news.count():
        news.first.click()


def _run_all(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _show_file_browser(page):
    """JupyterLab's default: the file browser open in the left sidebar (a new workspace has it open)."""
    browser = page.locator("#filebrowser")
    if not browser.is_visible():
        page.locator(".jp-SideBar.jp-mod-left [data-id='filebrowser']").first.click()
    browser.wait_for(state="visible", timeout=10_000)


# Every readout, label, dropdown and button of the panel: its text, and whether it is cut off (its text wider
# than its box) or lies outside the notebook's visible width.
MEASURE = """(panel) => {
  const view = panel.closest('.jp-WindowedPanel-outer, .jp-Notebook').getBoundingClientRect();
  const ctx = document.createElement('canvas').getContext('2d');
  const found = [];
  for (const el of panel.querySelectorAll('.widget-readout, .widget-dropdown select, .widget-label, button')) {
    if (!el.offsetParent) continue;                                  // a hidden control (a layer not chosen)
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    const row = el.closest('.widget-inline-hbox');
    const name = (row && row.querySelector('.widget-label') ? row.querySelector('.widget-label').textContent
                  : el.textContent).trim();
    let text = el.textContent.trim(), needed = el.scrollWidth, room = el.clientWidth;
    if (el.tagName === 'SELECT') {                                    // the chosen option, and the arrow's room
      text = el.options[el.selectedIndex].text;
      ctx.font = style.font;
      needed = Math.ceil(ctx.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight));
    }
    // what a person sees at the control's right end (a readout's last digits): the control, not a figure over it
    el.scrollIntoView({block: 'nearest'});
    const at = el.getBoundingClientRect(), hit = document.elementFromPoint(at.right - 3, at.top + at.height / 2);
    found.push({kind: el.tagName === 'SELECT' ? 'dropdown' : el.classList.contains('widget-readout') ? 'readout'
                      : el.tagName === 'BUTTON' ? 'button' : 'label',
                name, text, needed, room, left: box.left, right: box.right, view_left: view.left, view_right: view.right,
                covered: !(hit && (hit === el || el.contains(hit)))});
  }
  const images = [...panel.querySelectorAll('img')].filter(img => img.offsetParent);
  const controls = panel.querySelector('.widget-hslider').closest('.widget-vbox').getBoundingClientRect();
  const curves = images.length ? images[0].getBoundingClientRect() : null;
  return {found, view_width: view.width, controls_width: controls.width,
          figure: curves && {width: curves.width, natural: images[0].naturalWidth, below: curves.top >= controls.bottom - 1,
                             right: curves.right},
          broken: images.filter(img => !(img.complete && img.naturalWidth > 0)).length, images: images.length,
          image_list: images.map(img => ({cls: img.className, src: (img.getAttribute('src') || '').slice(0, 40),
                                          width: img.getBoundingClientRect().width, natural: img.naturalWidth}))};
}"""


def _problems(measured: dict, width: int) -> list[str]:
    problems = []
    for item in measured["found"]:
        if item["needed"] > item["room"] + 1:
            problems.append(f"{width} px: the {item['kind']} of {item['name']!r} shows {item['text']!r} cut off "
                            f"({item['needed']} px of text in {item['room']} px)")
        if item["covered"]:
            problems.append(f"{width} px: the {item['kind']} of {item['name']!r} is hidden under something else")
        if item["right"] > item["view_right"] + 1 or item["left"] < item["view_left"] - 1:
            problems.append(f"{width} px: the {item['kind']} of {item['name']!r} is outside the notebook's width")
    figure = measured["figure"]
    if figure is None or figure["right"] > measured["found"][0]["view_right"] + 1:
        problems.append(f"{width} px: the curves are missing or wider than the notebook: {figure}")
    if measured["broken"]:
        problems.append(f"{width} px: {measured['broken']} broken image(s): {measured['image_list']}")
    return problems


def _focused_control(page) -> str:
    return page.evaluate("""() => {
      const el = document.activeElement;
      const row = el && el.closest('.widget-inline-hbox, .widget-button');
      if (!row) return '';
      const label = row.querySelector('.widget-label');
      return (label ? label.textContent : row.textContent).trim();
    }""")


def test_the_playground_fits_laptop_widths_and_works_by_keyboard(lab, capsys):
    """At 1024, 1366 and 1440 px wide, JupyterLab's file browser open: every readout, label and dropdown
    shows its whole text inside the notebook, the curves fit, no image is broken (before the first run
    too); Tab reaches every control (the dropdowns are the browser's own <select>, which it operates by
    keyboard), the arrow keys move a slider, Enter on Train trains."""
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    problems, lines = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTHS[-1][0], "height": WIDTHS[-1][1]})
        try:
            _open_notebook(page, base, token, LAYOUT)
            _run_all(page)
            train = page.locator(".widget-button", has_text="Train")
            train.wait_for(timeout=120_000)
            panel = page.locator(".jp-OutputArea-output").filter(has=train).first
            for width, height in WIDTHS:
                page.set_viewport_size({"width": width, "height": height})
                _show_file_browser(page)
                page.wait_for_timeout(800)                                    # the layout settles
                panel.scroll_into_view_if_needed()
                measured = panel.evaluate(MEASURE)
                problems += _problems(measured, width)
                lr = next(i["text"] for i in measured["found"] if i["kind"] == "readout" and i["name"] == "learning rate")
                if lr != "0.0020":
                    problems.append(f"{width} px: the learning rate reads {lr!r}, not '0.0020'")
                figure = measured["figure"] or {"width": 0, "natural": 0, "below": False}
                tightest = min(i["room"] - i["needed"] for i in measured["found"] if i["kind"] in ("readout", "dropdown"))
                lines.append(f"{width} x {height} px, file browser {page.locator('#filebrowser').bounding_box()['width']:.0f} px: "
                             f"notebook {measured['view_width']:.0f} px, controls {measured['controls_width']:.0f} px, "
                             f"curves {figure['width']:.0f} of {figure['natural']} px "
                             f"({'below' if figure['below'] else 'beside'} the controls); "
                             f"{sum(i['kind'] == 'readout' for i in measured['found'])} readouts and "
                             f"{sum(i['kind'] == 'dropdown' for i in measured['found'])} dropdowns, the tightest with "
                             f"{tightest} px to spare; {measured['images']} image(s), {measured['broken']} broken")
                panel.screenshot(path=str(ARTIFACTS / f"playground-{width}.png"))

            # by keyboard alone, at the narrowest width
            page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
            page.wait_for_timeout(500)
            readout = panel.locator(".widget-hslider", has=page.locator("label", has_text="learning rate")) \
                           .locator(".widget-readout")
            panel.locator(".widget-hslider", has=page.locator("label", has_text="learning rate")) \
                 .locator(".noUi-handle").focus()
            before = readout.inner_text()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(300)
            if readout.inner_text() == before:
                problems.append(f"ArrowRight on the learning-rate slider left it at {before}")
            reached = []
            for _ in range(30):
                reached.append(_focused_control(page))
                if reached[-1] == "Train":
                    break
                page.keyboard.press("Tab")
            wanted = ["learning rate", "hidden layers", "units, layer 1", "epochs", "batch size", "training images",
                      "optimizer", "L2 (left: off)", "Train"]
            missing = [name for name in wanted if name not in reached]
            if missing:
                problems.append(f"Tab from the first slider never reached {missing} (it reached {reached})")
            train.focus()
            page.keyboard.press("Enter")
            page.locator(".widget-html-content", has_text="Dev accuracy").first.wait_for(timeout=120_000)
            page.wait_for_timeout(500)
            after = panel.evaluate(MEASURE)
            problems += _problems(after, WIDTHS[0][0])
            lines.append(f"by keyboard at {WIDTHS[0][0]} px: Tab reached {len([n for n in wanted if n in reached])} of "
                         f"{len(wanted)} controls; Enter on Train trained; then {after['images']} image(s), "
                         f"{after['broken']} broken")
            panel.screenshot(path=str(ARTIFACTS / "playground-keyboard.png"))
        finally:
            browser.close()
    with capsys.disabled():
        print("\nthe playground in JupyterLab:\n  " + "\n  ".join(lines))
    assert not problems, "\n".join(problems)


def test_run_all_shows_no_answer_key_output_in_lesson_1(lab):
    """Run All runs lesson 1's answer-key cell, as it runs everything; its source and its outputs stay
    collapsed, so no figure gives an end-of-lesson answer away. The lesson's other figures do show."""
    from playwright.sync_api import sync_playwright

    base, token = lab
    nb = nbformat.read(REPO / "notebooks" / LESSON_1, as_version=4)
    keys = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "answer-key" in c.metadata.get("tags", [])]
    assert keys
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        try:
            _open_notebook(page, base, token, LESSON_1)
            _run_all(page)
            cells = page.locator(".jp-Notebook .jp-Cell")
            last = cells.nth(len(nb.cells) - 1)
            prompts = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c =>
              c.classList.contains('jp-CodeCell') ? ((c.querySelector('.jp-InputPrompt') || {}).textContent || '?') : '')"""
            # until the answer key has run: its outputs are there (a hidden input has no prompt to read)
            outputs = """(i) => { const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
              return cell ? cell.querySelectorAll('.jp-OutputArea-output').length : 0; }"""
            try:
                page.wait_for_function(f"() => ({outputs})({keys[-1]}) > 0", timeout=240_000)
            except Exception:
                raise AssertionError(f"Run All did not reach lesson 1's answer key; prompts: {page.evaluate(prompts)}")
            page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=60_000)
            last.scroll_into_view_if_needed()
            shown = page.evaluate("""() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c =>
              [...c.querySelectorAll('.jp-OutputArea-output img')].filter(img => img.checkVisibility()).length)""")
            for i in keys:
                key = cells.nth(i)
                key.scroll_into_view_if_needed()
                assert shown[i] == 0, f"Run All shows {shown[i]} figure(s) of lesson 1's answer key (cell {i})"
                assert page.evaluate(outputs, i) > 0, "the answer key did not run"
                assert not key.locator(".jp-Editor").first.is_visible(), "the answer key's source shows"
            assert sum(shown) >= 3, f"the lesson's own figures did not show either ({sum(shown)}): the test sees nothing"
            page.screenshot(path=str(ARTIFACTS / "lesson01-run-all.png"))
        finally:
            browser.close()
