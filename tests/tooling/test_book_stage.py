"""The reading edition's staging, without Sphinx or a browser (those are in test_book.py):
the alt-text rule, the notes that replace live things, the link rewriting, and the project's
address and version read from their one source."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

pytest.importorskip("tools.book.meta", reason="reading tomllib/tomli (Python 3.10 needs the book extra)")

from tools.book import meta as book_meta  # noqa: E402
from tools.book import stage as book_stage  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "book_lesson.ipynb"

LINKS = book_meta.Links("https://github.com/owner/name", "v9.9.9")


@pytest.fixture
def lesson() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _figure_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "code"
                and any("image/png" in o.get("data", {}) for o in c["outputs"]))


def test_the_fixture_lesson_has_one_of_everything(lesson):
    found = book_stage.prepare_notebook(lesson, "book_lesson.ipynb")
    assert found == {"figures": 1, "figures_with_alt": 1, "missing_alt": [], "shared_alt": [], "failed": []}
    outputs = [o for c in lesson["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"], "the exercise's error was not replaced"
    assert any(book_stage.EXERCISE_NOTE in o.get("data", {}).get("text/html", "")
               and "NotImplementedError: write relu" in o["data"]["text/html"] for o in outputs)
    assert any(o.get("data", {}).get("text/html") == book_stage.WIDGET_NOTE for o in outputs)
    assert not any(book_stage.WIDGET_MIME in o.get("data", {}) for o in outputs)


def test_progress_bars_are_dropped(lesson):
    cell = lesson["cells"][-1]
    bar = {"output_type": "display_data", "metadata": {},
           "data": {book_stage.WIDGET_MIME: {"model_id": "x"}, "text/plain": "training:   0%|          | 0/12"}}
    cell["outputs"] = [bar, *cell["outputs"]]
    book_stage.prepare_notebook(lesson, "x.ipynb")
    assert [o["output_type"] for o in cell["outputs"]] == ["stream"]          # the bar is gone, the print stays


@pytest.mark.parametrize("source, quiet", [("plots.x(a);", True), ("plots.x(a);  # a comment\n", True),
                                           ("plots.x(a)", False), ("x = 1; y = 2\ny", False),
                                           ("%matplotlib inline\nplots.x(a);", True), ("s = 'a;'", False)])
def test_a_semicolon_hides_the_value_as_in_ipython(lesson, source, quiet):
    assert book_stage.ends_with_semicolon(source) is quiet
    cell = _figure_cell(lesson)
    cell["source"] = source
    cell["outputs"].insert(0, dict(cell["outputs"][0], output_type="execute_result", execution_count=2))
    found = book_stage.prepare_notebook(lesson, "x.ipynb")
    assert found["figures"] == (1 if quiet else 2)


def test_a_figure_without_alt_text_stops_the_build_naming_lesson_and_cell(lesson, tmp_path):
    del _figure_cell(lesson)["metadata"]["mystnb"]["image"]
    bad = tmp_path / "03_some_lesson.ipynb"
    bad.write_text(json.dumps(lesson), encoding="utf-8")
    with pytest.raises(book_stage.MissingAltText) as caught:
        book_stage.stage([bad], tmp_path / "src", LINKS)
    message = str(caught.value)
    assert "notebooks/03_some_lesson.ipynb, cell 4 of 10 [2] (starting 'z = np.linspace(-4, 4, 81)')" in message
    assert '{"mystnb": {"image": {"alt": "..."}}}' in message and len(caught.value.problems) == 1


def test_a_copy_of_a_failed_run_stops_the_build(lesson, tmp_path):
    cell = lesson["cells"][-1]                            # print("the end"), not an exercise
    cell["outputs"].append({"output_type": "error", "ename": "AssertionError", "evalue": "dev accuracy\nmore",
                            "traceback": []})
    bad = tmp_path / "05_x.ipynb"
    bad.write_text(json.dumps(lesson), encoding="utf-8")
    with pytest.raises(book_stage.BookError, match=r"05_x.ipynb, cell 10 of 10 \[5\] \(starting 'print\(\"the end\"\)'\) "
                                                   r"stopped with AssertionError: dev accuracy$"):
        book_stage.stage([bad], tmp_path / "src", LINKS)


@pytest.mark.parametrize("alt", ["", "   "])
def test_empty_alt_text_counts_as_none(lesson, alt):
    _figure_cell(lesson)["metadata"]["mystnb"]["image"]["alt"] = alt
    assert len(book_stage.prepare_notebook(lesson, "x.ipynb")["missing_alt"]) == 1


def test_one_alt_text_for_two_figures_is_noted(lesson):
    cell = _figure_cell(lesson)
    cell["outputs"].append(copy.deepcopy(cell["outputs"][0]))
    found = book_stage.prepare_notebook(lesson, "x.ipynb")
    assert found["figures"] == found["figures_with_alt"] == 2 and len(found["shared_alt"]) == 1


def test_staging_writes_the_front_page_and_the_lesson(tmp_path):
    report = book_stage.stage([FIXTURE], tmp_path / "src", LINKS)
    src = tmp_path / "src"
    assert report["lessons"] == ["notebooks/book_lesson"] and report["figures_with_alt"] == 1
    index = (src / "index.md").read_text(encoding="utf-8")
    assert "```{include} README.md" in index and "notebooks/book_lesson" in index
    readme = (src / "README.md").read_text(encoding="utf-8")
    assert "](https://github.com/owner/name/blob/v9.9.9/LICENSE)" in readme     # not on the site
    assert "colab.research.google.com/assets" not in readme                       # badge copied locally
    assert (src / "docs" / "book" / "_static" / "badges" / "open-in-colab.svg").is_file()


def test_links_to_files_not_on_the_site_point_at_the_repository():
    rewriter = book_stage.LinkRewriter({"notebooks/01_a.ipynb", "docs/teaching/02_b.md"}, LINKS)
    text = ("[a](notebooks/01_a.ipynb) [l](LICENSE#mit) [d](data/) [g](nowhere.md) "
            "`x[i](LICENSE)` ![p](docs/img/sample_grid.png)\n```python\nmodels[name](X)\n```")
    out = rewriter.rewrite(text, "README.md")
    assert out.startswith("[a](notebooks/01_a.ipynb) [l](https://github.com/owner/name/blob/v9.9.9/LICENSE#mit)")
    assert "[d](https://github.com/owner/name/tree/v9.9.9/data)" in out and "[g](nowhere.md)" in out
    assert "`x[i](LICENSE)`" in out and "models[name](X)" in out          # code is left alone
    assert rewriter.extra_files == {"docs/img/sample_grid.png"}
    assert rewriter.problems == ["README.md links to nowhere.md, which does not exist"]
    # relative to the page that holds the link
    out = rewriter.rewrite("[b](02_b.md) [m](../../Makefile) [n](../../notebooks/01_a.ipynb)", "docs/teaching/index.md")
    assert out == "[b](02_b.md) [m](https://github.com/owner/name/blob/v9.9.9/Makefile) [n](../../notebooks/01_a.ipynb)"


def test_pictures_from_the_web_and_links_out_of_the_repository_are_refused():
    rewriter = book_stage.LinkRewriter(set(), LINKS)
    rewriter.rewrite('![x](https://example.org/x.png) [up](../../etc/passwd) <img src="nope.png">', "README.md")
    assert len(rewriter.problems) == 3
    assert "https://example.org/x.png from the web" in rewriter.problems[0]
    assert "outside the repository" in rewriter.problems[1] and "nope.png, which does not exist" in rewriter.problems[2]


def test_version_and_address_come_from_their_one_source(monkeypatch):
    text = (REPO / "mnist_scratch" / "_version.py").read_text(encoding="utf-8")
    assert f'"{book_meta.version()}"' in text
    assert book_meta.repo_url() == "https://github.com/mnist-scratch/mnist_scratch"
    monkeypatch.delenv(book_meta.REF_ENV, raising=False)
    links = book_meta.links()
    assert links.ref == f"v{book_meta.version()}"
    path = "notebooks/02_the_math.ipynb"
    assert links.colab(path) == f"https://colab.research.google.com/github/mnist-scratch/mnist_scratch/blob/{links.ref}/{path}"
    assert links.binder(path) == f"https://mybinder.org/v2/gh/mnist-scratch/mnist_scratch/{links.ref}?urlpath=lab/tree/{path}"
    monkeypatch.setenv(book_meta.REF_ENV, "main")
    assert book_meta.links().source(path) == f"https://github.com/mnist-scratch/mnist_scratch/blob/main/{path}"


def test_an_exercise_with_hints_says_so_and_its_hints_stay_folded(lesson, tmp_path):
    exercise = next(i for i, c in enumerate(lesson["cells"]) if "exercise" in c.get("metadata", {}).get("tags", []))
    hint = {"cell_type": "markdown", "metadata": {"tags": ["hint"]},
            "source": "<details><summary>Hint 1</summary>\n\nNumPy has an element-wise maximum.\n</details>"}
    lesson["cells"].insert(exercise + 1, hint)
    path = tmp_path / "07_hinted.ipynb"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    book_stage.stage([path], tmp_path / "src", LINKS)
    staged = json.loads((tmp_path / "src" / "notebooks" / path.name).read_text(encoding="utf-8"))
    note = staged["cells"][exercise]["outputs"][0]["data"]["text/html"]
    assert book_stage.EXERCISE_NOTE_HINTS in note and "NotImplementedError: write relu" in note
    assert staged["cells"][exercise + 1]["source"] == hint["source"]              # shown as written: folded
