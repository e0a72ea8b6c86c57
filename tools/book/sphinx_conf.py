"""Sphinx configuration of the reading edition (the executed lessons as a website).

docs/book/conf.py imports everything from here. Do not run sphinx-build on docs/book directly:
`make book` (tools/book/build.py) first stages the executed lessons, the README and the
instructor guide into build/book-src/, laid out as in the repository, and then builds with
`-c docs/book`. Nothing here reaches the network: the
notebooks come already executed, MathJax is served from the site itself, and the theme's own
files are all local.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes

from tools.book import meta as book_meta

LINKS = book_meta.links()

# ---- project ------------------------------------------------------------------------------
project = "mnist_scratch"
author = "mnist_scratch maintainers"
copyright = "mnist_scratch maintainers, MIT licence"
release = version = book_meta.version()

extensions = ["myst_nb"]
exclude_patterns = ["README.md", "**/.ipynb_checkpoints"]   # README.md is included by index.md

# ---- notebooks: already executed, rendered as they are -------------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}              # the default loads require.js and the widget manager from a CDN
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
myst_dmath_double_inline = True    # $$...$$ inside a paragraph is display math, as in Jupyter

# ---- math: MathJax 3 served from _static/mathjax/ ------------------------------------------
MATHJAX_DIR = book_meta.find_mathjax()      # raises with the install command if it is missing
mathjax_path = "mathjax/tex-chtml.js"       # relative to _static/
# Setting the v3 configuration (not v4, Sphinx 9's CDN default) also tells myst which one to extend.
# textmacros: \text{fan\_in} reads "fan_in", as the Markdown's authors meant.
mathjax3_config = {"loader": {"load": ["[tex]/textmacros"]},
                   "tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                           "packages": {"[+]": ["textmacros"]}},
                   "options": {"enableMenu": True}}

# ---- HTML ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = f"mnist_scratch {release}"
html_static_path = ["_static"]
templates_path = ["_templates"]    # docs/book/_templates: the theme's templates we fix for accessibility
html_css_files = ["book.css"]
html_favicon = "_static/favicon.svg"
html_sourcelink_suffix = ""        # _sources/notebooks/NN.ipynb downloads as a notebook
html_context = {"default_mode": "auto"}   # unset, the theme logs a console error on a first visit
html_theme_options = {
    "repository_url": LINKS.url,
    "repository_branch": LINKS.ref,
    "path_to_docs": "",            # the staging folder mirrors the repository's layout
    "use_repository_button": True,
    "use_download_button": True,
    "use_source_button": False,    # index.md exists only in the staging folder
    "use_edit_page_button": False,
    "use_issues_button": False,
    "launch_buttons": {"binderhub_url": "https://mybinder.org",
                       "colab_url": "https://colab.research.google.com",
                       "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    "navbar_persistent": [],       # one search field (the sidebar's) instead of two
    "home_page_in_toc": True,
}


# ---- under each lesson's title: its notebook, Colab and Binder --------------------------------
def lesson_links_html(docname: str) -> str:
    path = f"{docname}.ipynb"
    up = "../" * docname.count("/")
    badges = [
        (LINKS.source(path), "notebook-source.svg", f"{path} on GitHub (without outputs)"),
        (LINKS.colab(path), "open-in-colab.svg", "Open this lesson in Colab"),
        (LINKS.binder(path), "launch-binder.svg", "Run this lesson on Binder"),
    ]
    items = "".join(f'<a class="lesson-link" href="{href}"><img src="{up}_static/badges/{svg}" alt="{alt}" '
                    f'height="20"></a>' for href, svg, alt in badges)
    download = f'<a href="{up}_sources/{path}" download>download it with its outputs</a>'
    return (f'<p class="lesson-links">{items}<span class="lesson-links-note">This page is the lesson '
            f'run once, top to bottom; {download}, or run it yourself.</span></p>')


def add_lesson_links(app, doctree):
    docname = app.env.docname
    if not docname.startswith("notebooks/"):   # every page made from a notebook
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not isinstance(section[0], nodes.title):
        return
    section.insert(1, nodes.raw("", lesson_links_html(docname), format="html"))


def name_toctree_toggles(app, pagename, templatename, context, doctree):
    """The sidebar's fold buttons (a ``<summary>`` holding only a chevron) get a name: "Pages under
    <section>". Without one a screen reader says just "disclosure triangle" (WCAG 4.1.2; axe's
    summary-name). Wraps the theme's generate_toctree_html, which builds the sidebar."""
    make = context.get("generate_toctree_html")
    if make is None or getattr(make, "names_toggles", False):
        return

    def named(kind, *args, **kwargs):
        tree = make(kind, *args, **kwargs)
        for summary in getattr(tree, "select", lambda _: [])("li > details > summary"):
            if not summary.get("aria-label") and not summary.get_text(strip=True):
                link = summary.parent.find_previous_sibling("a")
                title = link.get_text(" ", strip=True) if link else "this section"
                summary["aria-label"] = f"Pages under {title}"
        return tree

    named.names_toggles = True
    context["generate_toctree_html"] = named


def copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        # latest.js would look the newest MathJax up on a CDN: the site has no use for it
        shutil.copytree(MATHJAX_DIR, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("latest.js"))


def setup(app):
    app.connect("doctree-read", add_lesson_links)
    app.connect("html-page-context", name_toctree_toggles, priority=900)   # after the theme's own
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
