"""The errors the data layer raises, each naming the file and what is wrong with it."""

from __future__ import annotations

__all__ = ["DataFileError", "DataNotFoundError"]


class DataFileError(ValueError):
    """A data file is malformed, inconsistent, or not a known version."""


class DataNotFoundError(FileNotFoundError):
    """The data files are not where they were looked for (and were not downloaded)."""
