"""Can the interactive tools render here? ``check_environment()`` says, in plain words."""

from __future__ import annotations

from ..validation import IsBool, validate

__all__ = ["check_environment"]


def _version(package: str):
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _labextension_installed(name: str) -> bool:
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return False
    from pathlib import Path

    return any((Path(folder) / name / "package.json").is_file() for folder in jupyter_path("labextensions"))


@validate({"verbose": IsBool()}, name="check_environment")
def check_environment(verbose: bool = True) -> list:
    """Check that the interactive widgets can render here, and say what to install if not.

    Returns a list of ``(ok, message)``; with ``verbose`` prints them. Call it
    in a notebook's first cell. On Colab it also switches on the custom widget
    manager that ipywidgets 8 and ipycanvas need there.
    """
    import sys

    findings = []

    def note(ok, message):
        findings.append((ok, message))

    widgets = _version("ipywidgets")
    if widgets is None:
        note(False, "ipywidgets is not installed: run  pip install 'ipywidgets>=8'  and restart the kernel.")
    elif int(widgets.split(".")[0]) < 8:
        note(False, f"ipywidgets {widgets} is too old: run  pip install -U 'ipywidgets>=8'  and restart the kernel.")
    else:
        note(True, f"ipywidgets {widgets}")

    if "google.colab" in sys.modules:
        try:
            from google.colab import output

            output.enable_custom_widget_manager()
            note(True, "Colab: custom widget manager enabled, so ipywidgets 8 and ipycanvas can render.")
        except Exception as err:  # pragma: no cover - only on Colab
            note(False, f"Colab: could not enable the custom widget manager ({err}); widgets may show as text.")
    else:
        manager = _version("jupyterlab_widgets")
        if manager is None or not _labextension_installed("@jupyter-widgets/jupyterlab-manager"):
            note(False, "The JupyterLab widget front-end (jupyterlab_widgets) is missing: run  "
                        "pip install 'jupyterlab_widgets>=3'  where JupyterLab runs, then restart JupyterLab. "
                        "Until then, widgets appear as plain text such as 'VBox(...)'.")
        elif widgets and int(widgets.split(".")[0]) >= 8 and not manager.startswith("3."):
            note(False, f"jupyterlab_widgets {manager} does not match ipywidgets {widgets} (it needs 3.x): run  "
                        "pip install -U 'jupyterlab_widgets>=3,<4'  and restart JupyterLab.")
        else:
            note(True, f"JupyterLab widget front-end (jupyterlab_widgets {manager})")

    canvas = _version("ipycanvas")
    if canvas is None:
        note(False, "ipycanvas is not installed, so draw_digit() cannot show a canvas: run  pip install ipycanvas.")
    elif "google.colab" not in sys.modules and not _labextension_installed("ipycanvas"):
        note(False, f"ipycanvas {canvas} is installed but its JupyterLab front-end is not: reinstall it where "
                    "JupyterLab runs (pip install --force-reinstall ipycanvas) and restart JupyterLab.")
    else:
        note(True, f"ipycanvas {canvas} (for draw_digit)")

    if verbose:
        for ok, message in findings:
            print(("✅ " if ok else "❌ ") + message)
        if all(ok for ok, _ in findings):
            print("Everything needed for the interactive tools is here.")
        else:
            print("Every tool also works without widgets: see the fallback in each lesson.")
    return findings
