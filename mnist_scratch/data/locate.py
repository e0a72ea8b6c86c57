"""Where the data files are: the folder to look in, and the files found there.

The folder, in order of preference:

1. the ``data_dir`` argument;
2. the environment variable ``MNIST_SCRATCH_DATA_DIR``;
3. the repository's ``data/`` folder (or, for a non-editable install, a cache
   folder in your home directory). Downloads land there too.

Fashion-MNIST uses the same file names, so unless you pass ``data_dir`` it is
kept in a ``fashion-mnist/`` sub-folder of (2) or (3).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .access import unreadable_folder
from .errors import DataFileError
from .sources import PARTS, get_dataset

__all__ = ["ENV_VAR", "resolve_data_dir", "find_files"]

ENV_VAR = "MNIST_SCRATCH_DATA_DIR"


def _default_root() -> Path:
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file():  # a clone, installed with `pip install -e .`
        return repo / "data"
    return user_cache_folder()


def user_cache_folder() -> Path:
    """This user's cache folder for mnist_scratch, where the operating system expects one."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "mnist_scratch" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "mnist_scratch"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "mnist_scratch"


def resolve_data_dir(data_dir=None, dataset: str = "mnist") -> Path:
    """The folder that holds (or will hold) ``dataset``'s four files.

    ``data_dir`` if given; else ``$MNIST_SCRATCH_DATA_DIR``; else the repo's
    ``data/``. For Fashion-MNIST the latter two get a ``fashion-mnist/``
    sub-folder, since its files have the same names as MNIST's.
    """
    get_dataset(dataset)
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    root = Path(env).expanduser() if env else _default_root()
    return root if dataset == "mnist" else root / dataset


def _kind(path: Path, folder: Path) -> str | None:
    """``"file"``, ``"other"`` (a FIFO, a device, a socket) or None (absent, or a folder)."""
    try:
        mode = os.stat(path).st_mode
    except PermissionError:
        raise DataFileError(unreadable_folder(folder, "the data folder") +
                            f", or point {ENV_VAR} at a folder you can read") from None
    except OSError:  # (absent, a dangling link, a file where a folder should be)
        return None
    return "file" if stat.S_ISREG(mode) else None if stat.S_ISDIR(mode) else "other"


def find_files(folder, dataset: str = "mnist") -> dict:
    """Map each part (``"train_images"``…) to the file found for it in ``folder``, or None.

    A folder may hold the official ``.gz`` archives or their decompressed files,
    under the official names (``train-images-idx3-ubyte``) or the common
    ``train-images.idx3-ubyte`` spelling. A spelling that is a FIFO or a device counts
    as found when no regular file is, so that loading it refuses it by name. A folder
    this process may not enter is a :class:`DataFileError` saying whose it is.
    """
    folder = Path(folder)
    ds = get_dataset(dataset)
    found = {}
    for part in PARTS:
        kinds = {path: _kind(path, folder) for path in (folder / name for name in ds.files[part].spellings)}
        regular = [path for path, kind in kinds.items() if kind == "file"]
        other = [path for path, kind in kinds.items() if kind == "other"]
        found[part] = (regular + other + [None])[0]
    return found
