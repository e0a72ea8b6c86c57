"""Sphinx's configuration of the reading edition: the settings live in tools/book/sphinx_conf.py.

Sphinx looks for a conf.py beside the site's static files (_static/ here); `make book`
(``python -m tools.book``) builds with ``-c docs/book``. Run it from the repository's root.
"""

from tools.book.sphinx_conf import *  # noqa: F401,F403  (every setting, and setup())
