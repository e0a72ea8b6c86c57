"""Switch nbgrader's Jupyter extensions off in this environment (make test runs it after installing).

``make test`` installs the ``classroom`` extra (nbgrader) into the same .venv that ``make lab`` opens,
and nbgrader's wheel switches on its JupyterLab menus (Formgrader, Assignment List, ...) and server
extensions there. Learners should not meet them, so this writes two sys-prefix config files:

* ``etc/jupyter/labconfig/page_config.json``: ``@jupyter/nbgrader`` in ``disabledExtensions``;
* ``etc/jupyter/jupyter_server_config.d/zz-mnist-scratch-hide-nbgrader.json``: every nbgrader server
  extension ``false`` (Jupyter reads that folder in name order, so "zz-" comes after nbgrader.json).

The nbgrader command line (``nbgrader generate_assignment``, ``nbgrader autograde``) is not affected.
An instructor who wants the Formgrader in this environment runs ``python -m tools.hide_nbgrader --undo``.
Standard library only; much faster than ``jupyter server extension disable``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LAB_EXTENSION = "@jupyter/nbgrader"
SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.validate_assignment",
                     "nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.course_list"]
SERVER_FILE = "zz-mnist-scratch-hide-nbgrader.json"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as err:
        raise SystemExit(f"hide_nbgrader: {path} is not valid JSON ({err}); fix or delete it") from None


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def hide(prefix: Path, undo: bool = False) -> list[Path]:
    """Write (or, with ``undo``, remove) the two settings under ``prefix``/etc/jupyter."""
    etc = prefix / "etc" / "jupyter"
    page = etc / "labconfig" / "page_config.json"
    config = _read(page)
    disabled = config.setdefault("disabledExtensions", {})
    if undo:
        disabled.pop(LAB_EXTENSION, None)
    else:
        disabled[LAB_EXTENSION] = True
    _write(page, config)
    server = etc / "jupyter_server_config.d" / SERVER_FILE
    if undo:
        server.unlink(missing_ok=True)
    else:
        _write(server, {"ServerApp": {"jpserver_extensions": {name: False for name in SERVER_EXTENSIONS}}})
    return [page, server]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.hide_nbgrader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix), help="environment (default: this one)")
    parser.add_argument("--undo", action="store_true", help="switch the extensions back on")
    args = parser.parse_args(argv)
    hide(args.prefix, args.undo)
    print(f"nbgrader's Jupyter extensions are {'on' if args.undo else 'off'} in {args.prefix} "
          f"(its command line works either way)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
