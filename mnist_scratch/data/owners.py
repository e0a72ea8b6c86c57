"""Who a file belongs to, its mode, and who this process is: the words an error needs
when a shared folder's permissions stand in the way."""

from __future__ import annotations

import os
import stat

__all__ = ["current_user", "owner_and_mode", "about"]


def _name_of(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):  # (Windows; a user with no name)
        return f"user {uid}"


def current_user() -> str:
    """The name of the user this process runs as."""
    if hasattr(os, "geteuid"):
        return _name_of(os.geteuid())
    try:
        return os.getlogin()
    except OSError:
        return "you"


def owner_and_mode(path) -> str:
    """``"it belongs to root and its mode is -rw-------"``, or ``""`` where that cannot be seen."""
    try:
        info = os.stat(path)
    except OSError:
        return ""
    return f"it belongs to {_name_of(info.st_uid)} and its mode is {stat.filemode(info.st_mode)}"


def about(path) -> str:
    """:func:`owner_and_mode` in brackets, with a space before: ready to follow a name."""
    said = owner_and_mode(path)
    return f" ({said})" if said else ""
