"""Where MNIST and Fashion-MNIST come from, and how to recognise a genuine copy.

Each data set is four files. A genuine file is recognised in two ways:

* the hash of the official ``.gz`` archive, byte for byte, and
* the SHA-256 of the decompressed IDX file, so a copy that was unpacked or
  repackaged (another gzip level, another tool) is recognised too.

Mirrors are tried in order. Yann LeCun's own site has refused downloads
(HTTP 403) since 2024, so it comes last. Course mirrors, listed in the
environment variable ``MNIST_SCRATCH_MIRRORS``, are tried before all of them
(see :func:`mirrors_for`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .fetch import public_url

__all__ = ["DataFile", "DataSet", "DATASETS", "PARTS", "MIRRORS_ENV_VAR", "get_dataset", "mirrors_for"]

#: Base URLs of course mirrors, separated by commas or spaces, tried before the public ones.
MIRRORS_ENV_VAR = "MNIST_SCRATCH_MIRRORS"

#: The four parts of every data set, in the order ``load_mnist`` returns them.
PARTS = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class DataFile:
    """One of a data set's four files."""

    name: str  #: official name of the decompressed file, e.g. ``train-images-idx3-ubyte``
    archive_hash: str  #: hash of the official ``.gz``, algorithm first: ``"sha256:…"`` or ``"md5:…"``
    content_sha256: str  #: SHA-256 of the decompressed file

    @property
    def archive_name(self) -> str:
        return self.name + ".gz"

    @property
    def spellings(self) -> tuple[str, ...]:
        """File names accepted in a data folder, best (fastest to read) first.

        Besides the official ``train-images-idx3-ubyte`` many copies on the web
        use ``train-images.idx3-ubyte``; either may also be gzipped.
        """
        dotted = self.name.replace("-idx", ".idx")
        return (self.name, dotted, self.name + ".gz", dotted + ".gz")


@dataclass(frozen=True)
class DataSet:
    name: str
    title: str
    mirrors: tuple[str, ...]
    files: dict  # part -> DataFile
    classes: tuple[str, ...]
    homepage: str
    licence: str


DATASETS = {
    "mnist": DataSet(
        name="mnist",
        title="MNIST handwritten digits",
        mirrors=(
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        files={
            "train_images": DataFile(
                "train-images-idx3-ubyte",
                "sha256:440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            ),
            "train_labels": DataFile(
                "train-labels-idx1-ubyte",
                "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            ),
            "test_images": DataFile(
                "t10k-images-idx3-ubyte",
                "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            ),
            "test_labels": DataFile(
                "t10k-labels-idx1-ubyte",
                "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ),
        },
        classes=tuple(str(d) for d in range(10)),
        homepage="http://yann.lecun.com/exdb/mnist/",
        licence="CC BY-SA 3.0",
    ),
    "fashion-mnist": DataSet(
        name="fashion-mnist",
        title="Fashion-MNIST (Zalando Research)",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        files={
            "train_images": DataFile(
                "train-images-idx3-ubyte",
                "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            "train_labels": DataFile(
                "train-labels-idx1-ubyte",
                "md5:25c81989df183df01b3e8a0aad5dffbe",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            "test_images": DataFile(
                "t10k-images-idx3-ubyte",
                "md5:bef4ecab320f06d8554ea6380940ec79",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            "test_labels": DataFile(
                "t10k-labels-idx1-ubyte",
                "md5:bb300cfdad3c16e7a12a480ee83cd310",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        },
        classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        licence="MIT",
    ),
}


def get_dataset(name: str) -> DataSet:
    """The :class:`DataSet` called ``name``, or a clear ``ValueError``."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"dataset={name!r} is not known; choose one of {', '.join(map(repr, DATASETS))}"
        ) from None


def mirrors_for(name: str) -> tuple[str, ...]:
    """The base URLs to download data set ``name`` from, in the order they are tried.

    First the course mirrors in ``$MNIST_SCRATCH_MIRRORS`` (base URLs separated by
    commas or spaces, e.g. ``https://course.example.org/mnist/``), then the data
    set's public mirrors. A course mirror serves the official ``.gz`` files under
    their official names; Fashion-MNIST's go in a ``fashion-mnist/`` folder of it.
    Every file is checked against the official hash whichever mirror it came from.
    A mirror that wants a password takes it in its URL (``https://user:password@host/mnist/``);
    it is sent to that mirror only, and never shown (see :mod:`.fetch`).
    """
    ds = get_dataset(name)
    course = []
    for base in re.split(r"[\s,]+", os.environ.get(MIRRORS_ENV_VAR, "").strip()):
        if not base:
            continue
        if not re.match(r"^(https?|file)://", base, re.IGNORECASE):
            raise ValueError(f"{MIRRORS_ENV_VAR}: {public_url(base)!r} is not a URL; list base URLs such as "
                             f"https://course.example.org/mnist/, separated by commas or spaces")
        base = base.rstrip("/") + "/"
        course.append(base if name == "mnist" else f"{base}{name}/")
    return (*course, *ds.mirrors)
