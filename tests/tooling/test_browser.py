"""The playground, rendered for real: JupyterLab on a loopback port, driven by headless
Chromium through Playwright. Runs notebook 05 in the browser, checks the widgets are
rendered as widgets (not text), drags the learning-rate slider, clicks Train, and sees
the cost curves change. Screenshots go to artifacts/.

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

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "05_cost_curves_and_hyperparameters.ipynb"
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
    shutil.copy(REPO / "notebooks" / NOTEBOOK, root / NOTEBOOK)   # autosave must never touch the repo's copy
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(state / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"))
    log = open(state / "jupyter.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
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
