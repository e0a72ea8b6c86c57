"""Rebuilding the learner's parts from their saved text, linked to each other, checked again.

Each part's text runs in a namespace of its own (so that two parts' helpers never
clash). A name of another part that the text uses but does not define is then
bound to that part **as chosen for this network**: the learner's, or the
package's reference where the learner's is missing or broken. The references of
:mod:`.reference` are linked the same way, so the package's training loop calls
the learner's ``forward``.

Whatever goes wrong with a saved part (a syntax error from a hand edit, an
exception while it runs, a file that does not define the function, an answer
its check no longer accepts) becomes one sentence in ``problems``, and the
reference takes its place. Nothing here raises.
"""

from __future__ import annotations

import builtins
import linecache
import types

from . import reference

__all__ = ["Source", "assemble"]


class Source:
    """Where a learner's part comes from: ``text`` (``filename`` names it in tracebacks) or a ready ``function``."""

    def __init__(self, *, text: str | None = None, filename: str = "", function=None, recheck: bool = True):
        self.text, self.filename, self.function, self.recheck = text, filename, function, recheck


class _Broken(Exception):
    pass


def _build(name: str, source: Source) -> tuple[object, dict]:
    """The part's function and the namespace its text ran in, or :class:`_Broken` with one sentence."""
    if source.text is None:
        return source.function, {}
    where = source.filename
    try:
        code = compile(source.text, where, "exec")
    except SyntaxError as err:
        raise _Broken(f"{where} has a syntax error on line {err.lineno} ({err.msg})") from None
    if where.startswith("<"):           # text kept in memory: let tracebacks and inspect find its lines
        lines = source.text.splitlines(keepends=True)
        linecache.cache[where] = (len(source.text), None, lines, where)
    namespace = {"__name__": f"my_network.{name}", "__builtins__": builtins}
    try:
        exec(code, namespace)
    except Exception as err:
        raise _Broken(f"running {where} raised {type(err).__name__}: {err}") from None
    function = namespace.get(name)
    if not callable(function):
        raise _Broken(f"{where} does not define {name}")
    return function, namespace


def _reference(name: str, namespace: dict):
    """The package's part ``name``, running with ``namespace`` as its globals (a class, such as lesson 7's
    ``Adam``, uses no other part and is the reference's own)."""
    original = getattr(reference, name)
    if isinstance(original, type):
        return original
    return types.FunctionType(original.__code__, namespace, original.__name__, original.__defaults__,
                              original.__closure__)


def _link(namespaces: dict, chosen: dict, defined: dict) -> None:
    for name, namespace in namespaces.items():
        for other, function in chosen.items():
            if other != name and other not in defined[name]:
                namespace[other] = function


def assemble(names: list, sources: dict) -> tuple[dict, dict, set]:
    """Build the parts ``names``: the learner's from ``sources`` (name -> :class:`Source`), the rest the package's.

    Returns ``(chosen, problems, yours)``: every part by name, a sentence for each of the
    learner's parts that could not be used, and the names of those that are the learner's.
    """
    from .check import CHECKS, hint_of     # late: the checks import the lab, and the lab this

    chosen, namespaces, defined, problems, yours = {}, {}, {}, {}, set()
    reference_globals = dict(vars(reference), __name__=reference.__name__)
    for name in names:
        if name in sources:
            try:
                chosen[name], namespaces[name] = _build(name, sources[name])
                defined[name] = set(namespaces[name]) - {"__builtins__"}
                yours.add(name)
                continue
            except _Broken as why:
                problems[name] = f"{why}, so the package's {name} is used"
        namespaces[name] = dict(reference_globals)
        defined[name] = set()
        chosen[name] = _reference(name, namespaces[name])
    _link(namespaces, chosen, defined)
    for name in names:                      # check again, in the lessons' order: a part may use those above
        source = sources.get(name)
        if name not in yours or not source.recheck or name not in CHECKS:
            continue
        try:
            hint = hint_of(CHECKS[name], chosen[name])
        except NotImplementedError as err:
            hint = f"it raises NotImplementedError ({err})"
        except Exception as err:            # pragma: no cover - hint_of turns the learner's errors into hints
            hint = f"{type(err).__name__}: {err}"
        if hint is not None:
            problems[name] = (f"{source.filename} no longer passes check.{name} ({hint.rstrip('.')}), "
                              f"so the package's {name} is used")
            yours.discard(name)
            namespaces[name], defined[name] = dict(reference_globals), set()
            chosen[name] = _reference(name, namespaces[name])
            _link(namespaces, chosen, defined)
    return chosen, problems, yours
