"""A CSV file as a stream of numbered lines, the way spreadsheets and scripts save them.

* **Compression.** A gzipped CSV (``mnist_test.csv.gz``) is read as it inflates; gzip is
  recognised by its first two bytes, not its name. Zip, bzip2, xz and 7-Zip archives and
  Excel workbooks are refused by name: unpack them, or save the sheet as CSV.
* **Encoding.** UTF-8, with or without the byte-order mark that Excel's "CSV UTF-8" puts
  first; UTF-16 when it starts with its byte-order mark (Excel's "Unicode Text"). Bytes
  that are not text become U+FFFD and then fail as "not a number" on their own line.
* **Line ends.** ``\\n``, ``\\r\\n`` (Windows) and ``\\r`` (old Macs) alike, and lines are
  numbered as a text editor numbers them, blank lines included.
* **Skipped.** Blank lines and comment lines (first character ``#``), though they count
  in the line numbers.
* **Bounded.** No line may hold more than :data:`MAX_LINE_CHARS` characters, so a line
  or header of millions of cells is refused after 64 Ki characters, not gigabytes; and a
  file may not be mostly blank or comment lines (:data:`MAX_SKIPPED`), so an archive of a
  billion empty lines is refused in a moment rather than read for minutes.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

from .access import open_for_reading
from .errors import DataFileError

__all__ = ["CsvLines", "MAX_LINE_CHARS", "MAX_SKIPPED"]

#: The longest line read: 785 cells of up to 83 characters. MNIST's longest line has 2,236;
#: Kaggle's header line 6,952.
MAX_LINE_CHARS = 1 << 16
#: Blank or comment lines allowed beyond one for every row of data.
MAX_SKIPPED = 1000

_READ_CHARS = 1 << 20
_DATA_START = frozenset('0123456789"')  # a line starting so is neither blank nor a comment
_GZIP = b"\x1f\x8b"
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_REFUSED = {  # first bytes -> what the file is, and what to do
    b"PK\x03\x04": "a zip archive (or an Excel .xlsx workbook), not a CSV file; unzip it, or save the sheet as CSV",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls), not a CSV file; save the sheet as CSV",
    b"BZh": "a bzip2 archive; decompress it first (bunzip2), or gzip it: .csv.gz files are read directly",
    b"\xfd7zXZ\x00": "an xz archive; decompress it first (unxz), or gzip it: .csv.gz files are read directly",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive; extract the CSV file from it first",
}


class CsvLines:
    """``with CsvLines(path) as lines: for number, text in lines: ...``

    Yields ``(line_number, text)`` for every line that is neither blank nor a comment,
    ``text`` without its line end. Raises :class:`DataFileError` naming the file (and
    the line) for anything it cannot read, and :class:`DataNotFoundError` if it is missing.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.compressed = False
        self._files = []

    def __enter__(self) -> CsvLines:
        raw = open_for_reading(self.path, "a CSV file")
        self._files.append(raw)
        try:
            stream = raw
            if raw.peek(2)[:2] == _GZIP:
                stream = gzip.GzipFile(fileobj=raw)
                self._files.append(stream)
                self.compressed = True
            start = self._guarded(lambda: stream.peek(8)[:8])
            if not start:
                raise DataFileError(f"{self.path}: is empty" + (" once decompressed" if self.compressed else ""))
            for magic, what in _REFUSED.items():
                if start.startswith(magic):
                    raise DataFileError(f"{self.path}: is {what}")
            encoding = "utf-16" if start[:2] in _UTF16 else "utf-8-sig"
            self.text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=None)
            self._files.append(self.text)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for f in reversed(self._files):
            try:
                f.close()
            except (OSError, EOFError, zlib.error):
                pass
        self._files.clear()

    def __iter__(self):
        number = skipped = rows = 0
        rest = ""
        while True:  # read 1 Mi characters at a time and split them into lines, the last one carried over
            chunk = self._guarded(lambda: self.text.read(_READ_CHARS))
            if chunk:
                lines = (rest + chunk).split("\n")
                rest = lines.pop()
            else:
                lines, rest = ([rest] if rest else []), ""
            if "\x00" in chunk:
                self._binary(number + next(i for i, line in enumerate(lines + [rest]) if "\x00" in line) + 1)
            if len(rest) > MAX_LINE_CHARS:
                self._too_long(number + len(lines) + 1)
            for text in lines:
                number += 1
                if len(text) > MAX_LINE_CHARS:
                    self._too_long(number)
                if text[:1] not in _DATA_START and (not text.strip() or text.lstrip().startswith("#")):
                    skipped += 1
                    if skipped > rows + MAX_SKIPPED:
                        raise DataFileError(
                            f"{self.path}: has {skipped:,} blank or comment lines by line {number:,} and only "
                            f"{rows:,} lines of data; this is not an MNIST CSV file")
                    continue
                rows += 1
                yield number, text
            if not chunk:
                return

    def _too_long(self, number: int):
        raise DataFileError(
            f"{self.path}: line {number} is longer than {MAX_LINE_CHARS:,} characters; a line of an MNIST CSV "
            f"holds 785 cells (at most about 2,300 characters, a header line about 7,000), so this is not one")

    def _binary(self, number: int):
        raise DataFileError(
            f"{self.path}: line {number} holds NUL bytes: this is a binary file (or UTF-16 text without "
            f"its byte-order mark), not a CSV file")

    def _guarded(self, read):
        """``read()``, with a damaged archive or a failing disk told in one sentence."""
        try:
            return read()
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            raise DataFileError(f"{self.path}: is a damaged or truncated gzip file ({err})") from None
        except OSError as err:
            raise DataFileError(f"{self.path}: cannot be read ({err.strerror or err})") from None
