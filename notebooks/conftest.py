"""What `pytest --nbval-lax notebooks/` checks beyond "no cell fails", cell by cell, in the same single run.

* An exercise cell (tagged ``exercise``, and ``raises-exception`` so that nbval
  tolerates its failure) must fail as shipped, with the stub's
  ``NotImplementedError``: the learner has something to write, and nothing else
  broke first. (The repository's top-level conftest.py proves the
  other side in the same run: each solution runs right after its stub and must pass.)
* Every cell that draws a figure carries alt text in its metadata,
  ``{"mystnb": {"image": {"alt": "..."}}}``, for readers who cannot see it.
"""

from __future__ import annotations

import pytest


def _is_notebook_cell(item) -> bool:
    return hasattr(item, "cell") and hasattr(item, "test_outputs")   # nbval's IPyNbCell


def _problems(item) -> list[str]:
    cell, outputs = item.cell, item.test_outputs or []
    tags = cell.metadata.get("tags", [])
    problems = []
    if "exercise" in tags:
        errors = [o for o in outputs if o.get("output_type") == "error"]
        if not errors:
            problems.append("this exercise cell ran without error: as shipped it must be a stub that raises "
                            "NotImplementedError")
        elif errors[0].get("ename") != "NotImplementedError":
            problems.append(f"this exercise cell failed with {errors[0].get('ename')}: {errors[0].get('evalue')}, "
                            "not with its stub's NotImplementedError")
    draws = any("image/png" in o.get("data", {}) for o in outputs)
    alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "").strip()
    if draws and not alt:
        problems.append('this cell draws a figure but has no alt text: add {"mystnb": {"image": {"alt": '
                        '"<one sentence on what the figure shows>"}}} to its metadata')
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    if _is_notebook_cell(item):
        problems = _problems(item)
        if problems:
            pytest.fail(f"{item.nodeid}: " + "; ".join(problems), pytrace=False)
    return result
