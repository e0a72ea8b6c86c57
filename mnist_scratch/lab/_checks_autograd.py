"""Self-check for lesson 11's comparison with autograd: ``compare(mine, theirs) -> (max difference, matches)``.

Andrej Karpathy's "become a backprop ninja" compares each hand-written gradient with
PyTorch's, tensor by tensor, with a small ``cmp``; lesson 11 has the learner write theirs.
``mine`` is a NumPy array (the learner's), ``theirs`` a PyTorch tensor, which may require
grad: a real tensor where PyTorch is installed, a faithful stand-in elsewhere
(:mod:`._torch_standin`). The answer is the largest absolute difference, entry by entry,
and whether the two match: the same shape, and every entry within NumPy's ``allclose``
tolerance of theirs (relative 1e-5, absolute 1e-8). Different shapes never match, and their
difference is infinite: no entry-by-entry difference exists (broadcasting would invent one).

The cases, one after another, tell apart the usual slips: a signed difference (its max
misses an entry that is too small), a mean instead of the max, shapes that broadcast, exact
equality (float32 rounding is not a mistake), a tolerance too loose (a relative error of
1e-3 is a mistake), an absolute tolerance only (large values round by more), a NaN that
matches, and ``.numpy()`` on a tensor that requires grad.
"""

from __future__ import annotations

import math

import numpy as np

from ._checking import Wrong, call, checker, rng as _rng
from ._torch_standin import NUMPY_NEEDS_DETACH, tensor

__all__ = ["compare"]

_RTOL, _ATOL = 1e-5, 1e-8


def _expected(mine, theirs) -> tuple[float, bool]:
    if mine.shape != theirs.shape:
        return math.inf, False
    difference = float(np.max(np.abs(mine.astype(float) - theirs.astype(float)), initial=0.0))
    return difference, bool(np.allclose(mine, theirs, rtol=_RTOL, atol=_ATOL))


#: The case that tells allclose(mine, theirs) from allclose(theirs, mine): the tolerance is relative to the second.
OUTSIDE = "one entry just beyond 1e-5 of theirs (but within 1e-5 of yours)"


def _cases():
    """``(what, mine, theirs, requires_grad)``: the learner's array and the numbers of PyTorch's tensor."""
    rng = _rng(11)
    theirs = rng.normal(size=(5, 4))
    below = theirs + rng.uniform(1e-10, 1e-9, size=theirs.shape)   # every entry a little off, by different amounts,
    below[2, 1] = theirs[2, 1] - 0.25                     # and one far too small: a signed max misses it
    one_off = rng.normal(size=(8, 5))
    above = one_off.copy()
    above[6, 3] += 0.5                                    # one entry of 40 off: the mean hides it
    row = rng.normal(size=10)
    column = rng.normal(size=(6, 1))
    rounded = rng.normal(size=(7, 3))
    slightly = rounded * (1 + 1e-3 * rng.choice([-1.0, 1.0], size=rounded.shape))
    large = rng.normal(scale=3e4, size=(4, 6))
    nan = rng.normal(size=(3, 3))
    with_nan = nan.copy()
    with_nan[1, 2] = np.nan
    near = rng.uniform(999.0, 1001.0, size=(2, 3))
    outside = near.copy()
    outside[1, 2] += 1e-5 * near[1, 2] + 1e-7         # just beyond 1e-5 of theirs (within 1e-5 of yours)
    return [
        ("the same numbers, from a tensor that requires grad", theirs.copy(), theirs, True),
        ("one entry smaller by 0.25", below, theirs, False),
        ("one entry of 40 larger by 0.5", above, one_off, True),
        ("a (1, 10) row against a tensor of shape (10,)", row[None, :].copy(), row, False),
        ("a (6, 1) column against a tensor of shape (6,)", column.copy(), column[:, 0] + 0.1, True),
        ("float32 against float64: rounding only", rounded.astype(np.float32), rounded, False),
        ("a relative difference of 1e-3 in every entry", slightly, rounded, True),
        ("values near 30,000 rounded to float32", large.astype(np.float32), large, False),
        ("a NaN in yours", with_nan, nan, False),
        (OUTSIDE, outside, near, False),
    ]


def _answer(got, what: str) -> tuple[float, bool]:
    if got is None:
        raise Wrong("it returned None: did you forget the `return`? Return two values, the largest difference "
                    "and whether they match.")
    if isinstance(got, (bool, np.bool_)) or (isinstance(got, (int, float, np.number))):
        raise Wrong(f"it returned the single value {got!r}; return two, the largest difference and whether the "
                    "two match: return difference, matches.")
    if isinstance(got, (str, bytes)):
        raise Wrong(f"it returned the text {got!r:.40}; return the numbers, the largest difference and True or "
                    "False, and print nothing you need later.")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Wrong(f"it returned a {type(got).__name__}; return a pair: the largest difference (a number) and "
                    "whether the two match (True or False).")
    difference, matches = got
    if isinstance(difference, (bool, np.bool_)) and not isinstance(matches, (bool, np.bool_)):
        raise Wrong(f"it returned ({difference!r}, {matches!r:.40}): the two values in the other order. Return the "
                    "largest difference first, then whether they match.")
    try:
        difference = float(difference)
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"its first value, {difference!r:.60}, is not one number: the largest difference is one "
                    "number, the maximum over all the entries.") from None
    if not isinstance(matches, (bool, np.bool_)) and not (hasattr(matches, "item") and
                                                           isinstance(matches.item(), bool)):
        raise Wrong(f"its second value is {matches!r:.60}, not True or False: say whether the two match.")
    return difference, bool(matches)


def _judge(what: str, difference: float, matches: bool, want: tuple[float, bool], mine, theirs) -> None:
    want_difference, want_matches = want
    if math.isinf(want_difference):
        if matches:
            raise Wrong(f"for {what}, it says they match. Arrays of different shapes never match: a (1, 10) "
                        "gradient for a (10,) parameter is a mistake, even if NumPy's broadcasting lines the "
                        "numbers up. Compare the shapes first.")
        if not math.isinf(difference):
            raise Wrong(f"for {what}, it returned the difference {difference:.3g}. When the shapes differ there "
                        "is no entry-by-entry difference (broadcasting would invent one): return float('inf') "
                        "as the difference, with False.")
        return
    if math.isnan(want_difference):
        if matches:
            raise Wrong(f"for {what}, it says they match. A NaN is never close to anything: a NaN in a gradient "
                        "means something overflowed or divided 0 by 0, and must show as a mismatch (NumPy's "
                        "comparisons and allclose say False for it).")
        if not (math.isnan(difference) or math.isinf(difference)):
            raise Wrong(f"for {what}, it returned the difference {difference:.3g}, which hides the NaN; take the "
                        "maximum with np.max (or .max()), which lets a NaN through, not np.nanmax.")
        return
    if not math.isclose(difference, want_difference, rel_tol=1e-6, abs_tol=1e-12):
        signed = float(np.max(mine.astype(float) - theirs))
        mean = float(np.mean(np.abs(mine.astype(float) - theirs)))
        if math.isclose(difference, signed, rel_tol=1e-6, abs_tol=1e-15):
            raise Wrong(f"for {what}, it returned the difference {difference:.3g}, the largest of mine - theirs "
                        f"with its sign; an entry that is too small makes a negative difference, which that "
                        f"maximum misses. Take the absolute value first: the largest difference is "
                        f"{want_difference:.3g}.")
        if math.isclose(difference, float(np.min(np.abs(mine.astype(float) - theirs))), rel_tol=1e-6, abs_tol=1e-15):
            raise Wrong(f"for {what}, it returned {difference:.3g}, the smallest difference; the comparison must "
                        f"report the worst entry, the largest: {want_difference:.3g}.")
        if math.isclose(difference, mean, rel_tol=1e-6, abs_tol=1e-12):
            raise Wrong(f"for {what}, it returned {difference:.3g}, the mean difference; one wrong entry among "
                        f"many hides in a mean. Return the largest, {want_difference:.3g}.")
        gaps = np.abs(mine.astype(float) - theirs)
        if want_difference == 0 and math.isclose(
                difference, float(np.max(np.abs(mine.astype(float) - theirs.astype(np.float32)))), rel_tol=1e-6):
            raise Wrong(f"for {what}, it returned {difference:.3g}, though the numbers are the same: it turned theirs "
                        "into float32 (.float()), which keeps only about 7 digits. Keep theirs in its own dtype, "
                        "theirs.detach().numpy(), and let NumPy compare.")
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = float(np.max(gaps / np.abs(theirs)))
        others = {"the sum of the absolute differences": float(np.sum(gaps)),
                  "the length (norm) of mine - theirs": float(np.linalg.norm(gaps)),
                  "the largest relative difference, |mine - theirs| / |theirs|": relative}
        for name, value in others.items():
            if math.isclose(difference, value, rel_tol=1e-6, abs_tol=1e-12):
                raise Wrong(f"for {what}, it returned {difference:.3g}, {name}. Return the largest absolute "
                            f"difference, entry by entry, {want_difference:.3g}: the one number that says how far "
                            "the worst entry is off, whatever the array's size.")
        raise Wrong(f"for {what}, it returned the difference {difference:.3g}; the largest absolute difference, "
                    f"entry by entry, is {want_difference:.3g}.")
    if matches == want_matches:
        return
    if what == OUTSIDE:
        raise Wrong(f"for {what}, it says they match. np.allclose(a, b) allows a relative 1e-5 of b, its SECOND "
                    "argument: np.allclose(mine, theirs) measures against PyTorch's numbers, as the tolerance of "
                    "theirs should; with the arguments swapped it measures against your own, possibly wrong, ones.")
    if want_matches and mine.dtype == np.float32:
        raise Wrong(f"for {what}, it says they differ, by {difference:.2g}. float32 keeps about 7 digits, so the "
                    "same numbers rounded to float32 differ from float64's in the 8th digit; exact equality, or "
                    "a fixed absolute tolerance, is too strict. Use allclose's rule: within 1e-5 of theirs, "
                    "relative, plus 1e-8.")
    raise Wrong(f"for {what}, it says they match, with a largest difference of {difference:.2g} on values of size "
                "about 1: that is a mistake, not rounding (which stays near 1e-7 in float32 and 1e-16 in "
                "float64). Use allclose's own tolerance, relative 1e-5 plus absolute 1e-8, not a looser one.")


def _called(fn, mine, theirs, what: str):
    try:
        return call(fn, mine, theirs, numeric=False, warn=False)
    except Wrong as wrong:
        text = str(wrong)[:-1] if str(wrong).endswith("..") else str(wrong)
        if text.startswith("it changed its input array in place"):
            raise Wrong(f"for {what}, it changed mine in place; leave both inputs as they are and compute the "
                        "difference as a new array: the arrays you compare are your network's own.") from None
        if NUMPY_NEEDS_DETACH in text or "requires grad" in text:
            raise Wrong(f"for {what}, {text} theirs is a PyTorch tensor that records its computation for "
                        "backward(); PyTorch turns it into NumPy only after .detach(), which gives the same "
                        "numbers without the record: theirs.detach().numpy().") from None
        if "has no attribute" in text and "numpy.ndarray" in text:
            raise Wrong(f"for {what}, {text} mine is a NumPy array, theirs PyTorch's tensor: call the tensor's "
                        "methods (.detach(), .numpy()) on theirs only.") from None
        raise Wrong(f"for {what}, {text}") from None


@checker(refuses=("mnist_scratch.lab.reference.compare",))
def compare(fn):
    """``fn(mine, theirs) -> (max difference, matches)``: a NumPy array against a PyTorch tensor."""
    for what, mine, numbers, requires_grad in _cases():
        theirs = tensor(numbers, requires_grad=requires_grad)
        got = _called(fn, mine, theirs, what)
        difference, matches = _answer(got, what)
        _judge(what, difference, matches, _expected(mine, numbers), mine, numbers)
    return ("the largest difference, entry by entry, and a match only for the same shape within allclose's "
            "tolerance, on tensors that require grad too. Well done!")
