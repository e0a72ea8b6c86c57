"""A learner's function as the Python source that defines it again: the function, and what it needs.

A notebook function depends on the notebook around it: ``np``, a helper the
learner wrote two cells up, a constant ``EPS = 1e-8``, another part of their
network. :func:`capture` gathers what a file needs to define the function again
in a fresh kernel:

* the **imports** of the modules and library functions it uses (``import numpy as np``,
  ``from scipy.special import logsumexp``);
* **simple constants** (numbers, strings, tuples of them), written out;
* the source of the **helpers** it calls that were defined in the same notebook, and
  what those need in turn;
* then the function itself (a ``def``, a ``class``, or ``name = lambda ...``), and
  ``name = its_own_name`` when the learner called it differently from the part.

Other **parts** of the learner's network (``relu`` inside ``forward``) are left as
names: whoever loads the file binds them to the parts in use then
(:mod:`._rebuild`). Anything else, such as an array of data or a model object,
cannot be written to a file: :class:`CannotSave` says which name, in one sentence.

The globals a function reads are found in its bytecode (``LOAD_GLOBAL``, also in
nested functions and comprehensions), not guessed from its text.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import linecache
import sys
import textwrap
import types

import numpy as np

__all__ = ["capture", "CannotSave"]

_SIMPLE = (type(None), bool, int, float, complex, str, bytes)


class CannotSave(Exception):
    """The function cannot be written to a file; the message says why, in one sentence."""


def _global_names(code) -> list[str]:
    """The global names ``code`` (and the functions nested in it) reads, in order of first use."""
    names = []
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and instruction.argval not in names:
            names.append(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += [n for n in _global_names(const) if n not in names]
    return names


def _dedented_source(lines: list[str]) -> str:
    return textwrap.dedent("".join(lines)).rstrip() + "\n"


def _function_source(fn, name: str) -> tuple[str, str]:
    """``(source, the name it defines)`` of a function or a lambda."""
    try:
        source = _dedented_source(inspect.getsourcelines(fn)[0])
    except (OSError, TypeError):
        raise CannotSave(f"the source code of {fn.__name__} cannot be found, so it cannot be saved") from None
    if fn.__name__ != "<lambda>":
        return source, fn.__name__
    try:                                              # a lambda: pick it out of its line(s)
        tree = ast.parse(source)
    except SyntaxError:
        raise CannotSave("it is a lambda inside a longer statement; write it as a def to save it") from None
    arguments = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)
             and [a.arg for a in node.args.args] == arguments]
    if len(found) != 1:
        raise CannotSave("it is one of several lambdas on its line; write it as a def to save it")
    return f"{name} = {ast.get_source_segment(source, found[0])}\n", name


def _class_source(cls) -> tuple[str, list, dict]:
    """``(source, its methods' code objects, their globals)`` of a class defined in a notebook cell or a file."""
    methods = [getattr(m, "__func__", m) for m in vars(cls).values()]
    functions = [m for m in methods if isinstance(m, types.FunctionType)]
    codes = [m.__code__ for m in functions]
    if not codes:
        raise CannotSave(f"class {cls.__name__} has no methods whose source could be found")
    lines = linecache.getlines(codes[0].co_filename)
    try:
        tree = ast.parse("".join(lines))
    except SyntaxError:
        tree = None
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and \
                node.lineno <= codes[0].co_firstlineno <= node.end_lineno:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return _dedented_source(lines[first - 1:node.end_lineno]), codes, functions[0].__globals__
    raise CannotSave(f"the source code of class {cls.__name__} cannot be found, so it cannot be saved")


def _class_level_names(source: str, name: str) -> list[str]:
    """Names a class statement reads outside its methods: bases, decorators, class attributes."""
    tree = ast.parse(source)
    names = []

    def visit(node, in_method=False):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for d in getattr(node, "decorator_list", []):
                visit(d)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in names:
            names.append(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [n for n in names if n != name]


def _importable(value) -> str | None:
    """``from module import name`` for a library function or class, if that import gives it back."""
    name = getattr(value, "__name__", None)
    module = getattr(value, "__module__", None) or ("numpy" if isinstance(value, np.ufunc) else None)
    if not name or not module or module == "__main__" or "." in getattr(value, "__qualname__", name):
        return None
    try:
        if getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name) is value:
            return module
    except Exception:
        return None
    return None


def _simple(value) -> bool:
    if isinstance(value, (tuple, frozenset)):
        return all(_simple(v) for v in value)
    return isinstance(value, _SIMPLE)


class _Gatherer:
    """Walks a function's globals, collecting imports, constants and helpers; see :func:`capture`."""

    def __init__(self, name: str, part_names):
        self.name, self.part_names = name, set(part_names)
        self.imports, self.constants, self.helpers, self.links = [], [], [], []
        self.seen = set()

    def definition(self, obj, as_name: str | None = None) -> tuple[str, str, dict, list[str]]:
        """``(source, defined name, globals, global names read)`` of a function or a class."""
        if isinstance(obj, type):
            source, codes, module_globals = _class_source(obj)
            names = _class_level_names(source, obj.__name__)
            for code in codes:
                names += [n for n in _global_names(code) if n not in names]
            return source, obj.__name__, module_globals, names
        if not isinstance(obj, types.FunctionType):
            raise CannotSave(f"it is a {type(obj).__name__}, not a function defined with def")
        if obj.__closure__:
            raise CannotSave(f"{obj.__name__} is defined inside another function; define it at the top level "
                             f"of a cell to save it")
        source, defined = _function_source(obj, as_name or obj.__name__)
        return source, defined, obj.__globals__, _global_names(obj.__code__)

    def gather(self, obj, as_name: str | None = None) -> str:
        source, defined, module_globals, names = self.definition(obj, as_name)
        self.seen.add(id(obj))
        for g in names:
            if g in (self.name, defined):
                continue
            if g in self.part_names:
                _append_new(self.links, g)
            elif g in module_globals:
                self.add(g, module_globals[g], module_globals)
            # a name neither in the notebook nor built in: the function never reached it; nothing to save
        return source

    def add(self, g: str, value, module_globals: dict) -> None:
        if isinstance(value, types.ModuleType):
            _append_new(self.imports, f"import {value.__name__}" + ("" if value.__name__ == g else f" as {g}"))
        elif _simple(value) or isinstance(value, np.generic):
            value = value.item() if isinstance(value, np.generic) else value
            _append_new(self.constants, f"{g} = {value!r}")
        elif _defined_beside(value, module_globals):
            if id(value) not in self.seen:
                helper = self.gather(value)
                if getattr(value, "__name__", g) != g:
                    helper += f"{g} = {value.__name__}\n"
                self.helpers.append(helper)
        elif (module := _importable(value)) is not None:
            _append_new(self.imports, f"from {module} import {value.__name__}" + ("" if value.__name__ == g else f" as {g}"))
        elif getattr(builtins, g, None) is value:
            pass
        else:
            kind = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"
            raise CannotSave(f"it uses {g}, {kind} from the notebook, which cannot be written to a file: pass it "
                             f"as an argument, or define it inside the function")


def _append_new(items: list, item) -> None:
    if item not in items:
        items.append(item)


def _defined_beside(value, module_globals: dict) -> bool:
    """A function or class defined in the same notebook (or module) as the captured function."""
    if isinstance(value, types.FunctionType):
        return value.__globals__ is module_globals
    if isinstance(value, type):
        return value.__module__ == module_globals.get("__name__")
    return False


def capture(name: str, obj, part_names=()) -> tuple[str, list[str]]:
    """``(source, links)``: Python source that defines ``name`` as ``obj`` does, and the parts it uses.

    ``part_names``: names the file leaves unbound, for the loader to bind (the other parts).
    Raises :class:`CannotSave` with a one-sentence reason when ``obj`` cannot be written out.
    """
    gatherer = _Gatherer(name, part_names)
    main = gatherer.gather(obj, as_name=name)
    defined = name if getattr(obj, "__name__", name) == "<lambda>" else obj.__name__
    blocks = ["\n".join(gatherer.imports), "\n".join(gatherer.constants), *gatherer.helpers, main]
    if defined != name:
        blocks.append(f"{name} = {defined}\n")
    source = "\n\n".join(block.rstrip("\n") for block in blocks if block.strip()) + "\n"
    try:
        compile(source, f"<{name}>", "exec")
    except SyntaxError as err:                       # pragma: no cover - the pieces came from running code
        raise CannotSave(f"its saved form does not compile ({err.msg}, line {err.lineno})") from None
    return source, gatherer.links
