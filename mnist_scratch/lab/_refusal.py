"""A self-check judges the learner's code, never the package's: two ways of handing in mnist_scratch's work.

1. **The package's own function object**, ``check.softmax(ms.softmax)``, a bound method such as
   ``check.predict(model.predict)``, or a part of the learner's network that fell back to the
   package's reference (``mnist_scratch.lab.reference``). :func:`package_origin` recognises them
   by the file their code lives in.
2. **A function of one's own that calls the package's implementation of the same thing**,
   ``def softmax(Z): return ms.softmax(Z)``. Each check names what "the same thing" is
   (``@checker(refuses=("mnist_scratch.activations.softmax",))``); while the check runs,
   :class:`Watch` traces every Python call with :func:`sys.setprofile` and records a call into
   one of those functions made, directly or through other code, by the learner's function.
   Calls the check itself makes (to compute the expected answer) are not the learner's and
   do not count: a call counts only when a frame outside the package sits between it and the check.

Calling *other* parts of the package is allowed: a learner's ``backward`` may use
``ms.one_hot``, their training loop the package's ``forward``.
"""

from __future__ import annotations

import functools
import importlib
import sys
from pathlib import Path

__all__ = ["package_origin", "Watch", "lookup", "resolve", "refusal_hint"]

PACKAGE_DIR = Path(__file__).resolve().parents[1]       # mnist_scratch/


def _in_package(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(PACKAGE_DIR)
    except (OSError, ValueError):
        return False


def _unwrap(fn):
    """The plain function behind a bound method, a partial, a static or class method, or a wrapper."""
    for _ in range(10):
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, (staticmethod, classmethod)) or hasattr(fn, "__func__"):
            fn = fn.__func__
        elif hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            break
    return fn


def package_origin(fn) -> str | None:
    """``"mnist_scratch.activations.softmax"`` if ``fn`` is the package's own code, else None.

    A class counts by its ``__call__`` or any method, an instance of a package class by its class.
    """
    fn = _unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None and callable(fn) and not isinstance(fn, type):
        code = getattr(_unwrap(getattr(type(fn), "__call__", None)), "__code__", None)
        fn = type(fn) if code is not None and _in_package(code.co_filename) else fn
    if code is None:
        module = getattr(fn, "__module__", None) or ""
        return f"{module}.{getattr(fn, '__qualname__', '')}" if module.split(".")[0] == "mnist_scratch" else None
    if not _in_package(code.co_filename):
        return None
    module = getattr(fn, "__module__", None) or "mnist_scratch"
    if not module.startswith("mnist_scratch"):
        module = "mnist_scratch." + Path(code.co_filename).stem
    return f"{module}.{getattr(fn, '__qualname__', code.co_name)}"


def lookup(path: str):
    """The object a dotted path such as ``"mnist_scratch.model.Model.forward"`` names, or ``LookupError``."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):        # the longest importable module prefix
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            raise LookupError(f"{path} names nothing in the package") from None
        return obj
    raise LookupError(f"{path}: no module of it can be imported")


@functools.lru_cache(maxsize=None)
def resolve(paths: tuple) -> dict:
    """``{code object: dotted name}`` for dotted paths such as ``"mnist_scratch.model.Model.forward"``.

    A path that names nothing raises ``LookupError`` (a test resolves every check's paths).
    """
    found = {}
    for path in paths:
        code = getattr(_unwrap(lookup(path)), "__code__", None)
        if code is None:
            raise LookupError(f"{path} is not a Python function")
        found[code] = path
    return found


class Watch:
    """While active, records calls made by the learner's code into the functions of ``codes``.

    ``with Watch(codes) as watch: ...``; afterwards ``watch.hits`` lists the dotted names called.
    The frame that enters the watch (the check) bounds the search for the learner's frames.
    """

    def __init__(self, codes: dict):
        self.codes, self.hits = codes, []
        self._previous = None
        self._top = None

    def __enter__(self):
        if self.codes:
            self._top = sys._getframe(1)
            self._previous = sys.getprofile()
            sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        if self.codes:
            sys.setprofile(self._previous)
        return False

    def _profile(self, frame, event, arg):
        if event == "call" and frame.f_code in self.codes and self._called_by_learner(frame.f_back):
            name = self.codes[frame.f_code]
            if name not in self.hits:
                self.hits.append(name)
        if self._previous is not None:
            self._previous(frame, event, arg)

    def _called_by_learner(self, frame) -> bool:
        while frame is not None and frame is not self._top:
            if not _in_package(frame.f_code.co_filename):
                return True
            frame = frame.f_back
        return False


def refusal_hint(what: str, origin: str, *, called: bool) -> str:
    """The hint for handing in the package's work, object or call."""
    short = origin.replace("mnist_scratch.", "")
    if called:
        return (f"your {what} calls the package's own {short} while the check runs: that is the package's "
                f"answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
                f"afterwards.")
    return (f"that is the package's own {short}, not a function you wrote: write {what} yourself in the cell "
            f"above (the check compares it with the package's).")
