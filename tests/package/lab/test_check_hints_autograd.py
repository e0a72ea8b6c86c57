"""Lesson 11's ``check.compare``: right answers pass and each common wrong answer gets its exact hint,
with real PyTorch tensors (where PyTorch is installed) and with the stand-ins (where it is not).
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab import _torch_standin, check, reference


@pytest.fixture(params=["real PyTorch", "stand-ins"])
def tensors(request, monkeypatch):
    """Run the test with the check handing real tensors, then with the stand-ins that replace them."""
    if request.param == "real PyTorch":
        pytest.importorskip("torch")
    else:
        monkeypatch.setattr(_torch_standin, "real_torch", lambda: None)
    return request.param


def _right(mine, theirs):
    theirs = theirs.detach().numpy()
    if mine.shape != theirs.shape:
        return float("inf"), False
    return float(np.abs(mine - theirs).max()), bool(np.allclose(mine, theirs))


def _by_hand(mine, theirs):                 # numpy scalars, a list, the tolerance written out
    theirs = np.asarray(theirs.detach().cpu())
    if np.shape(mine) != np.shape(theirs):
        return [np.inf, np.False_]
    difference = np.abs(mine.astype(np.float64) - theirs)
    return [difference.max(), np.all(difference <= 1e-8 + 1e-5 * np.abs(theirs))]


def _float32_first(mine, theirs):           # both in float32: rounding stays within allclose's tolerance
    theirs = theirs.detach().to("cpu").numpy()
    if mine.shape != theirs.shape:
        return float("inf"), False
    return float(np.max(np.abs(mine.astype(np.float64) - theirs))), bool(np.allclose(mine, theirs))


RIGHT_ANSWERS = [("compare", "the lesson's solution", _right),
                 ("compare", "numpy scalars, a list, the rule by hand", _by_hand),
                 ("compare", "to('cpu') and np.max", _float32_first)]


def _variant(*, detach=True, absolute=True, reduce=np.max, shapes=True, on_shapes=(float("inf"), False),
             matches=lambda m, t, d: np.allclose(m, t)):
    def compare(mine, theirs):
        theirs = theirs.detach().numpy() if detach else theirs.numpy()
        if shapes and mine.shape != theirs.shape:
            return on_shapes
        difference = mine - theirs
        difference = reduce(np.abs(difference) if absolute else difference)
        return difference, bool(matches(mine, theirs, difference))
    return compare


def _in_place(mine, theirs):
    mine -= theirs.detach().numpy()
    return float(np.abs(mine).max()), bool(np.allclose(mine, 0))


def _no_return(mine, theirs):
    difference = np.abs(mine - theirs.detach().numpy()).max()
    matches = difference < 1e-5                     # noqa: F841 - computed, never returned


def _float32_theirs(mine, theirs):
    theirs = theirs.detach().float().numpy()
    if mine.shape != theirs.shape:
        return float("inf"), False
    return float(np.max(np.abs(mine - theirs))), bool(np.allclose(mine, theirs))


def _package(mine, theirs):
    return reference.compare(mine, theirs)


WRONG_ANSWERS = [
    ("compare", "numpy() without detach()", _variant(detach=False),
     "for the same numbers, from a tensor that requires grad, calling it raised RuntimeError: Can't call "
     'numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead. theirs is a PyTorch '
     'tensor that records its computation for backward(); PyTorch turns it into NumPy only after '
     '.detach(), which gives the same numbers without the record: theirs.detach().numpy().'),
    ("compare", "the signed difference", _variant(absolute=False),
     'for one entry smaller by 0.25, it returned the difference 9.83e-10, the largest of mine - theirs with its '
     'sign; an entry that is too small makes a negative difference, which that maximum misses. Take the '
     'absolute value first: the largest difference is 0.25.'),
    ("compare", "the mean difference", _variant(reduce=np.mean),
     'for one entry smaller by 0.25, it returned 0.0125, the mean difference; one wrong entry among many '
     'hides in a mean. Return the largest, 0.25.'),
    ("compare", "no shape check", _variant(shapes=False),
     'for a (1, 10) row against a tensor of shape (10,), it says they match. Arrays of different shapes '
     "never match: a (1, 10) gradient for a (10,) parameter is a mistake, even if NumPy's broadcasting "
     'lines the numbers up. Compare the shapes first.'),
    ("compare", "a finite difference for different shapes", _variant(on_shapes=(0.0, False)),
     'for a (1, 10) row against a tensor of shape (10,), it returned the difference 0. When the shapes '
     "differ there is no entry-by-entry difference (broadcasting would invent one): return float('inf') as"
     ' the difference, with False.'),
    ("compare", "exact equality", _variant(matches=lambda m, t, d: np.array_equal(m, t)),
     'for float32 against float64: rounding only, it says they differ, by 5.1e-08. float32 keeps about 7 '
     "digits, so the same numbers rounded to float32 differ from float64's in the 8th digit; exact "
     "equality, or a fixed absolute tolerance, is too strict. Use allclose's rule: within 1e-5 of theirs, "
     'relative, plus 1e-8.'),
    ("compare", "a tolerance of 1e-2", _variant(matches=lambda m, t, d: np.allclose(m, t, atol=1e-2)),
     'for a relative difference of 1e-3 in every entry, it says they match, with a largest difference of '
     '0.0021 on values of size about 1: that is a mistake, not rounding (which stays near 1e-7 in float32 '
     "and 1e-16 in float64). Use allclose's own tolerance, relative 1e-5 plus absolute 1e-8, not a looser "
     'one.'),
    ("compare", "an absolute tolerance only", _variant(matches=lambda m, t, d: d < 1e-6),
     'for values near 30,000 rounded to float32, it says they differ, by 0.0018. float32 keeps about 7 '
     "digits, so the same numbers rounded to float32 differ from float64's in the 8th digit; exact "
     "equality, or a fixed absolute tolerance, is too strict. Use allclose's rule: within 1e-5 of theirs, "
     'relative, plus 1e-8.'),
    ("compare", "a NaN that matches", _variant(reduce=np.nanmax,
                                    matches=lambda m, t, d: not np.any(np.abs(m - t) > 1e-8 + 1e-5 * np.abs(t))),

     'for a NaN in yours, it says they match. A NaN is never close to anything: a NaN in a gradient means '
     "something overflowed or divided 0 by 0, and must show as a mismatch (NumPy's comparisons and "
     'allclose say False for it).'),
    ("compare", "allclose with the arguments swapped", _variant(matches=lambda m, t, d: np.allclose(t, m)),
     "for one entry just beyond 1e-5 of theirs (but within 1e-5 of yours), it says they match. np.allclose(a, "
     "b) allows a relative 1e-5 of b, its SECOND argument: np.allclose(mine, theirs) measures against "
     "PyTorch's numbers, as the tolerance of theirs should; with the arguments swapped it measures against "
     "your own, possibly wrong, ones."),
    ("compare", "theirs turned into float32", _float32_theirs,
     "for the same numbers, from a tensor that requires grad, it returned 4.96e-08, though the numbers are the "
     "same: it turned theirs into float32 (.float()), which keeps only about 7 digits. Keep theirs in its own "
     "dtype, theirs.detach().numpy(), and let NumPy compare."),
    ("compare", "the max of each column", _variant(reduce=lambda a: a.max(axis=0)),
     'its first value, array([0., 0., 0., 0.]), is not one number: the largest difference is one number, '
     'the maximum over all the entries.'),
    ("compare", "only whether they match", lambda m, t: bool(np.allclose(m, t.detach().numpy())),
     'it returned the single value True; return two, the largest difference and whether the two match: '
     'return difference, matches.'),
    ("compare", "no return", _no_return,
     'it returned None: did you forget the `return`? Return two values, the largest difference and whether'
     ' they match.'),
    ("compare", "mine changed in place", _in_place,
     'for the same numbers, from a tensor that requires grad, it changed mine in place; leave both inputs '
     "as they are and compute the difference as a new array: the arrays you compare are your network's "
     'own.'),
    ("compare", "the package's compare", _package,
     "your compare calls the package's own lab.reference.compare while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's"
     ' afterwards.'),
]


def _swapped(mine, theirs):
    difference, matches = _right(mine, theirs)
    return matches, difference


def _relative(mine, theirs):
    theirs = theirs.detach().numpy()
    if mine.shape != theirs.shape:
        return float("inf"), False
    return float(np.max(np.abs(mine - theirs) / np.abs(theirs))), bool(np.allclose(mine, theirs))


WRONG_ANSWERS += [
    ("compare", "the two values swapped", _swapped,
     'it returned (True, 0.0): the two values in the other order. Return the largest difference first, '
     'then whether they match.'),
    ("compare", "the sum of the differences", _variant(reduce=np.sum),
     'for float32 against float64: rounding only, it returned 3.51e-07, the sum of the absolute '
     'differences. Return the largest absolute difference, entry by entry, 5.12e-08: the one number that '
     "says how far the worst entry is off, whatever the array's size."),
    ("compare", "the norm of the difference", _variant(reduce=np.linalg.norm),
     'for float32 against float64: rounding only, it returned 1.1e-07, the length (norm) of mine - '
     'theirs. Return the largest absolute difference, entry by entry, 5.12e-08: the one number that says '
     "how far the worst entry is off, whatever the array's size."),
    ("compare", "the smallest difference", _variant(reduce=np.min),
     "for one entry smaller by 0.25, it returned 1.75e-10, the smallest difference; the comparison must report "
     "the worst entry, the largest: 0.25."),
    ("compare", "the relative difference", _relative,
     'for one entry smaller by 0.25, it returned 0.135, the largest relative difference, |mine - theirs| /'
     ' |theirs|. Return the largest absolute difference, entry by entry, 0.25: the one number that says '
     "how far the worst entry is off, whatever the array's size."),
]

@pytest.mark.parametrize("name,answer,fn", RIGHT_ANSWERS, ids=[r[1] for r in RIGHT_ANSWERS])
def test_a_right_answer_passes(tensors, capsys, name, answer, fn):
    assert check.hint_of(check.compare, fn) is None
    assert check.compare(fn) is None
    assert capsys.readouterr().out.startswith("✅ compare: ")


@pytest.mark.parametrize("name,answer,fn,hint", WRONG_ANSWERS, ids=[r[1] for r in WRONG_ANSWERS])
def test_a_wrong_answer_gets_the_same_hint_with_real_tensors_and_stand_ins(tensors, name, answer, fn, hint):
    assert check.hint_of(check.compare, fn) == hint


def test_the_package_s_reference_is_right_and_refused(tensors):
    assert check.compare.diagnose(reference.compare)
    assert "package" in check.hint_of(check.compare, reference.compare)


def test_the_stub_is_not_judged():
    def stub(mine, theirs):
        raise NotImplementedError("write compare(mine, theirs): ...")
    with pytest.raises(NotImplementedError):
        check.compare(stub)


@pytest.mark.parametrize("strange", [lambda *a: 42, lambda *a: "text", lambda *a: 1 / 0, lambda *a: {"a": 1},
                                     lambda *a: (1.0, "yes"), lambda *a: ("a", True), lambda *a: 1j, lambda *a: (1, 2, 3)])
def test_a_strange_answer_gets_a_hint_not_a_crash(tensors, strange):
    hint = check.hint_of(check.compare, strange)
    assert isinstance(hint, str) and not hint.startswith("the check stumbled"), hint
