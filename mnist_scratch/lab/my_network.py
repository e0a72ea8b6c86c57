"""The learner's own network: the parts they wrote, carried from lesson to lesson.

Each exercise that builds the network (:data:`.parts.PARTS`) is saved when its
self-check passes (:mod:`.saving`). A later lesson, even after a kernel restart,
gets the parts back with :func:`load`::

    from mnist_scratch.lab import my_network
    mine = my_network.load(upto=2)      # the parts of lessons 1 and 2
    # Your network, lessons 1-2: 7 of 8 parts are yours; backward is the package's.
    #  · backward: not written yet (lesson 2, exercise 5).
    forward, backward = mine.forward, mine.backward

Each part is the learner's when this session's check passed it, or else when the
work folder (:mod:`.work_folder`) holds it and it passes its check again; any
other part is the package's reference (:mod:`.reference`), so a learner who
skipped an exercise goes on and nothing later crashes. ``mine.network(sizes)``
is a network made of those parts on the one model interface (:mod:`.own_network`),
for ``ms.train``, the prediction browser and the drawing canvas.

**Graded mode.** An nbgrader edition's setup cell calls :func:`graded` with the
lesson's number. From then on, parts of other lessons are the package's, parts
of the graded lesson are the learner's only if they passed in this notebook,
and nothing is read from or written to the work folder.
"""

from __future__ import annotations

from pathlib import Path

from ._rebuild import Source, assemble
from .own_bn_network import OwnBNNetwork
from .own_network import OwnNetwork
from .parts import PARTS, parts_up_to
from .saving import forget, kept
from .work_folder import graded_lesson, locate, path_of, read, set_graded

__all__ = ["load", "Parts", "graded", "OwnNetwork", "OwnBNNetwork"]


def graded(lesson: int | None) -> None:
    """Grade ``lesson``: earlier lessons' parts are the package's, and the work folder is left alone.

    ``graded(None)`` switches graded mode off. Parts kept in this session from before are forgotten.
    """
    set_graded(lesson)
    forget()


def _and(names: list) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _shown(folder: Path) -> str:
    try:
        return str(folder.relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(folder) + "/"


class Parts:
    """The parts of the learner's network for lessons 1 to ``upto``: ``mine.forward``, ``mine["softmax"]``.

    ``yours`` and ``packages`` list the part names by origin; ``problems`` says, part by
    part, why one is the package's; ``report()`` says it all in a few lines.
    """

    def __init__(self, upto: int, chosen: dict, yours: set, problems: dict, place):
        self.upto, self._chosen, self.problems, self.place = upto, chosen, problems, place
        self.names = list(chosen)
        self.yours = [n for n in self.names if n in yours]
        self.packages = [n for n in self.names if n not in yours]

    def __getattr__(self, name):
        chosen = self.__dict__.get("_chosen", {})
        if name in chosen:
            return chosen[name]
        raise AttributeError(f"the parts of lessons 1-{self.__dict__.get('upto')} have no {name!r}; "
                             f"they are {', '.join(chosen)}")

    def __getitem__(self, name):
        return getattr(self, name)

    def __dir__(self):
        return [*super().__dir__(), *self._chosen]

    def network(self, sizes=None, *, params: dict | None = None, seed=0, l2: float = 0.0, batch_norm: bool = False):
        """A network computed by these parts (their ``forward`` and ``backward``, and from lesson 5 their dropout
        and L2 penalty ``l2``), on the model interface.

        ``batch_norm=True`` (lesson 9 on): batch norm in every hidden layer, with these parts' ``batchnorm_layer``
        and ``batchnorm_backward`` (:class:`~mnist_scratch.lab.own_bn_network.OwnBNNetwork`).
        """
        if batch_norm:
            if "batchnorm_layer" not in self._chosen:
                raise ValueError(f"batch norm's parts come in lesson 9: load them with my_network.load(upto=9), "
                                 f"not upto={self.upto}")
            if l2:
                raise ValueError(f"l2={l2!r} is not allowed with batch_norm=True: the batch-norm network has no L2 "
                                 "penalty of its own; make it with l2=0")
            return OwnBNNetwork(self, sizes, params=params, seed=seed)
        return OwnNetwork(self, sizes, params=params, seed=seed, l2=l2)

    def cnn(self, X, y, **architecture):
        """Lesson 10: a CNN of these parts' layers, trained on the fast ones once they match on ``X``, ``y`` (:mod:`.own_cnn`).

        ``architecture``: the CNN's ``channels``, ``kernel``, ``hidden``, ``padding``, ``seed`` (and ``dtype``,
        ``tolerance``); any other name is refused by name."""
        from ..validation import check_arguments
        from .own_cnn import ARGUMENTS, OwnCNN      # late: only lesson 10 and later need it
        return OwnCNN(self, X, y, **check_arguments("cnn()", architecture, ARGUMENTS))

    def summary(self) -> str:
        """One sentence: how many parts are the learner's, and which are the package's."""
        total, mine = len(self.names), len(self.yours)
        head = f"Your network, {'lesson 1' if self.upto == 1 else f'lessons 1-{self.upto}'}:"
        if mine == total:
            return f"{head} all {total} parts are yours."
        if len(self.packages) <= 4:
            others = f"{_and(self.packages)} {'is' if len(self.packages) == 1 else 'are'} the package's"
        else:
            others = f"the other {len(self.packages)} are the package's"
        return f"{head} {mine} of {total} parts are yours; {others}."

    def report(self) -> str:
        """The summary, why each package's part is there, and where the learner's parts are kept."""
        lines = [self.summary()]
        lesson = graded_lesson()
        other = [n for n in self.packages if lesson is not None and PARTS[n].lesson != lesson]
        missing = [n for n in self.packages if n not in self.problems and n not in other]
        lines += [f" · {name}: {self.problems[name]}." for name in self.packages if name in self.problems]
        if missing:
            lines.append(" · not written yet, so the package's stand in: "
                         + ", ".join(f"{n} ({PARTS[n].where})" for n in missing) + ".")
        if other:
            lines.append(f" · from other lessons than lesson {lesson}, which is graded here: {', '.join(other)}.")
        if lesson is not None:
            lines.append(f"Graded mode (lesson {lesson}): nothing is read from or written to your work folder, "
                         f"and only this lesson's functions count as yours.")
        elif self.place.folder is None:
            lines.append(f"Your parts are not kept between sessions: {self.place.why}")
        elif self.yours:
            lines.append(f"Your parts are kept in {_shown(self.place.folder)} ({self.place.why}).")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.report()


def _sources(names: list, place) -> dict:
    """Where each of the learner's parts comes from: this session first, then the work folder."""
    lesson = graded_lesson()
    sources = {}
    for name in names:
        if lesson is not None and PARTS[name].lesson != lesson:
            continue
        here = kept(name)
        if here is not None:
            sources[name] = (Source(text=here.source, filename=f"<your {name}>", recheck=False)
                             if here.source is not None else Source(function=here.function, recheck=False))
            continue
        text = read(place.folder, name)
        if text is not None:
            sources[name] = Source(text=text, filename=_shown(path_of(place.folder, name)).rstrip("/"))
    return sources


def load(upto: int, *, quiet: bool = False) -> Parts:
    """The parts of lessons 1 to ``upto``: the learner's where they have them, the package's elsewhere.

    Prints :meth:`Parts.report` unless ``quiet``. Never raises because of a saved part:
    a broken one is reported in one sentence and replaced by the package's.
    """
    if isinstance(upto, bool) or not isinstance(upto, int) or upto < 1:
        raise ValueError(f"upto must be a lesson's number (1, 2, ...), not {upto!r}")
    names = [p.name for p in parts_up_to(upto)]
    place = locate()
    chosen, problems, yours = assemble(names, _sources(names, place))
    parts = Parts(upto, chosen, yours, problems, place)
    if not quiet:
        print(parts.report())
    return parts
