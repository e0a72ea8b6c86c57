"""The project's build and test machinery (not part of the mnist_scratch package, never shipped).

Run its commands from the repository's root, as ``python -m tools.<name>`` (the Makefile does);
pytest finds the package through ``pythonpath`` in pyproject.toml.

Lessons
    lesson_format   the exercise format (exercise, hint, solution, answer-key cells), the leak check
    runner          runs a lesson in a fresh kernel, each solution right after its stub; checks the rules
    executed        the executed copies in build/executed/, made once and shared by everything below

Editions
    classroom       ``make classroom``: the student, instructor and nbgrader editions
    nbgrader_release  the nbgrader edition of one lesson
    slides, slide_outline  ``make slides``: one reveal.js deck per lesson (reveal/ holds its npm lockfile)
    book            ``make book``: the reading edition (``python -m tools.book``)

Upkeep
    sync_notebooks  the project's address and version, everywhere they are written
    hide_nbgrader   switches nbgrader's Jupyter menus off in the environment ``make lab`` opens
"""
