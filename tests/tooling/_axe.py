"""axe-core in a Playwright page: the WCAG 2.0, 2.1 and 2.2 A and AA rules, for the site and deck tests.

axe-core comes from npm, pinned by tools/node/package-lock.json and installed by ``make node-tools``
into build/node/ (the page gets the file's text, so nothing is fetched). ``violations(page)`` runs it on
what the page shows now and returns one line per rule broken: its impact, id, help text and where.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "build" / "node" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}));
}"""


def require_axe():
    """Skips (fails under CI) when axe-core is not installed."""
    if not AXE.is_file():
        message = f"{AXE} is missing: run make node-tools (npm ci from tools/node/; needs npm)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def violations(page) -> list[dict]:
    """axe-core's violations of the WCAG A and AA rules on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN, TAGS)


def describe(found: list[dict]) -> list[str]:
    return [f"{v['impact']} {v['id']} ({v['count']}x): {v['help']}; e.g. {', '.join(v['nodes'][:3])}" for v in found]
