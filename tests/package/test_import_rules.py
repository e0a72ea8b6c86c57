"""The import rules of docs/contributing.md: imports flow one way, through declared tiers, with no cycle.

Every ``import`` of the package's own modules, at the top of a file or inside a
function, is read with ``ast`` (nothing is imported to find them). A module may
import from its own tier and the tiers below it, never from a tier above; and
the graph of modules importing modules has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mnist_scratch"

#: The tiers, lowest first. A module's tier is that of the longest prefix listed here.
TIERS = [
    ("foundation", ["_version", "validation"]),
    ("data", ["data"]),
    ("math", ["activations", "init", "losses", "network", "batchnorm", "bn_network", "conv", "conv_batch_last",
              "interface", "model", "cnn", "gradient_check", "optim", "schedules", "evaluate"]),
    ("training machinery", ["training"]),
    ("the loop", ["train"]),
    ("model files", ["files"]),
    ("recipes", ["recipes"]),
    ("classroom tools", ["lab"]),
    ("command line", ["cli"]),
    ("the package's front door", ["__init__", "__main__"]),
]
RANK = {prefix: rank for rank, (_, prefixes) in enumerate(TIERS) for prefix in prefixes}
NAMES = [name for name, _ in TIERS]


def module_name(path: Path) -> str:
    """``mnist_scratch/training/checks.py`` -> ``training.checks``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def tier(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANK:
            return RANK[".".join(parts[:n])]
    raise AssertionError(f"mnist_scratch.{module} belongs to no tier: add it to TIERS (and to docs/contributing.md)")


def imports_of(path: Path) -> set[str]:
    """The package's own modules that ``path`` imports (relative or absolute), as dotted names."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if module in ("__init__", "__main__"):
        package = []
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "mnist_scratch":
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:      # `from . import check` imports the module lab.check
                candidate = target + [alias.name]
                found.add(".".join(candidate) if _exists(candidate) else ".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "mnist_scratch":
                    found.add(".".join(alias.name.split(".")[1:]))
    return {name for name in found if name and name != module}


def _exists(parts) -> bool:
    return (PACKAGE.joinpath(*parts).with_suffix(".py").is_file()
            or (PACKAGE.joinpath(*parts) / "__init__.py").is_file())


GRAPH = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_flow_down_the_tiers(module):
    upward = [f"mnist_scratch.{target} ({NAMES[tier(target)]})" for target in sorted(GRAPH[module])
              if tier(target) > tier(module)]
    assert not upward, (f"mnist_scratch.{module} ({NAMES[tier(module)]}) imports from a higher tier: "
                        f"{', '.join(upward)}; see the import rules in docs/contributing.md")


def test_no_import_cycle():
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module):
        state[module] = "open"
        path.append(module)
        for target in sorted(GRAPH.get(module, ())):
            target = target if target in GRAPH else next((m for m in GRAPH if target.startswith(m + ".")), target)
            if state.get(target) == "open":
                cycle = path[path.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(f"mnist_scratch.{m}" for m in cycle))
            if target in GRAPH and target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_the_rules_can_fail():
    """The checker itself: an upward import and a cycle in a made-up graph are found."""
    assert tier("lab.playground") > tier("train") > tier("training.history") > tier("network")
    assert imports_of(PACKAGE / "model.py") >= {"interface", "network", "validation"}
    assert "training.threads" in imports_of(PACKAGE / "lab" / "__init__.py")
    global GRAPH
    saved = GRAPH
    GRAPH = {"a": {"b"}, "b": {"a"}}
    try:
        with pytest.raises(AssertionError, match="import cycle: mnist_scratch.a -> mnist_scratch.b -> mnist_scratch.a"):
            test_no_import_cycle()
    finally:
        GRAPH = saved
