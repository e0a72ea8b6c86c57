"""render.folded_answer: an answer key's printed text and figures reach the page only folded."""

import IPython.display
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mnist_scratch.lab import render  # noqa: E402


@pytest.fixture
def shown(monkeypatch):
    found = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: found.append(obj.data))
    return found


def test_prints_and_figures_go_into_one_folded_block_with_alt_text(shown, capsys):
    plt.close("all")
    with render.folded_answer("a line going up", "a <red> dot"):
        print("the answer is 42")
        plt.plot([0, 1], [0, 1])
        plt.figure()
        plt.plot([0], [0], "ro")
    assert plt.get_fignums() == [], "the figures were left open: the inline backend would show them too"
    assert capsys.readouterr().out == "", "the printed answer reached the output unfolded"
    [page] = shown
    assert page.startswith("<details><summary>Show the answer's figure</summary>") and page.endswith("</details>")
    assert "<pre>the answer is 42\n</pre>" in page
    assert page.count("<img src=\"data:image/png;base64,") == 2
    assert 'alt="a line going up"' in page and 'alt="a &lt;red&gt; dot"' in page


def test_text_only_and_silent_blocks(shown):
    with render.folded_answer():
        print("x < 1")
    with render.folded_answer():
        pass
    assert shown == ["<details><summary>Show the answer's output</summary><pre>x &lt; 1\n</pre></details>"]


def test_refuses_a_figure_without_its_alt_text_and_empty_alts(shown):
    plt.close("all")
    with pytest.raises(ValueError, match="drew 1 figure.*given 0 alt text"):
        with render.folded_answer():
            plt.figure()
    assert plt.get_fignums() == [] and shown == []
    with pytest.raises(ValueError, match="non-empty string"):
        with render.folded_answer(" "):
            pass


def test_a_failing_assert_still_fails_and_shows_what_was_printed(shown, capsys):
    plt.close("all")
    with pytest.raises(AssertionError, match="the key is wrong"):
        with render.folded_answer("a figure"):
            print("measured 3")
            plt.figure()
            assert False, "the key is wrong"
    assert capsys.readouterr().out == "measured 3\n" and plt.get_fignums() == [] and shown == []
