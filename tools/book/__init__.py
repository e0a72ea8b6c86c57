"""The reading edition (``make book``, ``python -m tools.book``): the executed lessons as a website.

    build        finds or makes the executed copies, stages, runs Sphinx, writes book-report.json
    stage        the staging: alt-text check, widget and exercise notes, link rewriting
    meta         version (mnist_scratch/_version.py), address (pyproject's Homepage), links, MathJax
    sphinx_conf  Sphinx's settings; docs/book/conf.py imports them (docs/book/_static/ holds the site's files)
"""
