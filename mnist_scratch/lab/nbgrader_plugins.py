"""nbgrader plugins for grading the lessons: what the course's ``nbgrader_config.py`` names.

Imported by nbgrader alone (``nbgrader autograde``, ``nbgrader export``), never by a lesson: it needs
nbgrader (the ``classroom`` extra). The configuration that ``make classroom`` writes
(``tools/nbgrader_release.py``) puts them in place of nbgrader's own:

``GradingExecute``  nbgrader's ``Execute``, which runs a submission cell by cell, plus four things:

                    * the kernel gets ``$MNIST_SCRATCH_GRADING_SEED``, the course's secret, the assignment
                      and the student, from which :mod:`.grading` draws the student's hidden cases (the
                      secret: ``secret``, else the file ``secret_file``, made with a random one if missing);
                    * a **kernel that dies** (out of memory, or killed) is reported: the cell gets an
                      error that says so, every later test cell an error "not run", so that it earns
                      nothing (nbgrader would give a test cell without output its points), and the
                      notebook a note at the top and a record in its metadata;
                    * **two timeouts**: a cell of the student's (an answer cell or a graded test) may run
                      ``Execute.timeout`` seconds, tens of seconds, where an endless loop is found; the
                      lesson's own cells, which train networks, ``lesson_cell_timeout`` (120 s). Then the
                      kernel is interrupted and grading goes on; the cell is recorded and noted the same way;
                    * every figure a cell draws gets its alt text (the lesson's
                      ``mystnb.image.alt``), so the feedback's HTML describes its images.

``GradesExport``    ``nbgrader export``'s CSV with one more column, ``status``: ``graded``,
                    ``needs manual grading``, ``kernel died in cell N``, ``timed out in cell N``,
                    ``no answers written``, ``not submitted``, ``not autograded``: a submission whose
                    kernel died is not a silent 0 beside an untouched one.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient.exceptions import DeadKernelError
from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import Execute
from traitlets import Integer, Unicode, default

from .grading import SEED_VARIABLE

__all__ = ["GradingExecute", "GradesExport", "REPORT_KEY", "report_of"]

REPORT_KEY = "mnist_scratch_grading"     # notebook metadata: what happened while the submission ran
FIGURE = "a figure drawn by this cell (the lesson gives it no description)"
NO_RESPONSE = "No response."             # nbgrader's comment on an answer cell left as released


@contextmanager
def _variable(name: str, value: str):
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _first_line(cell) -> str:
    line = next((line for line in cell.source.splitlines() if line.strip()), "")
    return line.strip()[:60]


def _error(ename: str, text: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"{ename}: {text}"])


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def _students(cell) -> bool:
    """An answer cell or a graded test: where the student's code runs first."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


class GradingExecute(Execute):
    """nbgrader's Execute, with the student's seed, dead kernels, timeouts and alt text (module docstring)."""

    lesson_cell_timeout = Integer(120, help="Seconds a cell of the lesson's own (not an answer cell or a graded "
                                            "test) may run while grading.").tag(config=True)

    secret = Unicode("", help="A secret of the course's own, mixed into the seeds of the students' hidden "
                               "cases (else the one in secret_file).").tag(config=True)
    secret_file = Unicode("", help="A file that holds the course's secret; made, with a random secret, if it is "
                                   "missing.").tag(config=True)

    def course_secret(self) -> str:
        """``secret``, else the one in ``secret_file`` (made first if missing), else ''."""
        if self.secret or not self.secret_file:
            return self.secret
        path = Path(self.secret_file)
        try:
            with open(path, "x", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as handle:
                handle.write(secrets.token_hex(16) + "\n")
        except FileExistsError:
            pass
        except OSError as err:
            raise RuntimeError(f"cannot make the grading secret {path} ({err.strerror}): make that folder "
                               f"writable, or set $MNIST_SCRATCH_GRADING_SECRET") from None
        return path.read_text(encoding="utf-8").strip()

    @default("timeout_func")
    def _default_timeout_func(self):
        return self.timeout_of

    def timeout_of(self, cell) -> int:
        """The seconds ``cell`` may run: ``timeout`` for the student's cells, ``lesson_cell_timeout`` for the rest."""
        return self.timeout if _students(cell) else self.lesson_cell_timeout

    def preprocess(self, nb, resources=None, km=None):
        self._died, self._timed_out = None, []
        info = (resources or {}).get("nbgrader", {})
        seed = f"{self.course_secret()}/{info.get('assignment', '')}/{info.get('student', '')}"
        with _variable(SEED_VARIABLE, seed):
            nb, resources = super().preprocess(nb, resources, km)
        self._report(nb)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if self._died is not None:
            if cell.cell_type == "code":
                cell.execution_count = None
                cell.outputs = [_error("NotRun", f"not run: the kernel died in cell {self._died[0] + 1} "
                                                 f"({self._died[1]!r}), so this test earns no points")] \
                    if _is_test(cell) else []
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died = (index, _first_line(cell))
            cell.setdefault("outputs", []).append(_error(
                "DeadKernelError", "the kernel died while running this cell: it ran out of memory, or something "
                                   "stopped the Python process. Nothing after it ran."))
            return cell, resources
        outputs = cell.get("outputs", [])
        if any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in outputs):
            self._timed_out.append((index, _first_line(cell), self.timeout_of(cell)))
        self._describe_images(cell)
        return cell, resources

    @staticmethod
    def _describe_images(cell) -> None:
        image = cell.metadata.get("mystnb", {}).get("image", {})
        alt = str(image.get("alt", "")).strip() if isinstance(image, dict) else ""
        for output in cell.get("outputs", []):
            for mime in output.get("data", {}):
                if mime.startswith("image/"):
                    meta = output.setdefault("metadata", {}).setdefault(mime, {})
                    meta.setdefault("alt", alt or FIGURE)

    def _report(self, nb) -> None:
        if self._died is None and not self._timed_out:
            return
        record = {"timed_out": [{"cell": i + 1, "starts": s, "limit": t} for i, s, t in self._timed_out]}
        notes = [f"* Cell {i + 1} (`{s}`) ran for more than {t} s, the limit for that cell while grading: it was "
                 f"stopped (an endless loop?), and the rest of the notebook was graded." for i, s, t in self._timed_out]
        if self._died is not None:
            index, starts = self._died
            record["kernel_died"] = {"cell": index + 1, "starts": starts}
            notes.append(f"* **The kernel died** in cell {index + 1} (`{starts}`): it ran out of memory, or something "
                         f"stopped the Python process. Nothing after that cell ran, so the tests after it earn no "
                         f"points; the points earned before it count.")
        nb.metadata[REPORT_KEY] = record
        nb.cells.insert(0, nbformat.v4.new_markdown_cell("**While grading this notebook:**\n\n" + "\n".join(notes)))
        if (nb.nbformat, nb.nbformat_minor) < (4, 5):
            nb.cells[0].pop("id", None)


def report_of(path: Path) -> dict | None:
    """What :class:`GradingExecute` recorded in an autograded notebook ({} if nothing went wrong), or None if
    there is no such notebook."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return None
    return meta.get(REPORT_KEY, {})


class GradesExport(CsvExportPlugin):
    """nbgrader export's grades.csv, with a ``status`` column (module docstring)."""

    KEYS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score",
            "late_submission_penalty", "score", "max_score", "status"]

    def _autograded(self, assignment: str, student: str, notebook: str) -> Path | None:
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None:
            return None
        return Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)) / f"{notebook}.ipynb"

    def status(self, gradebook, assignment, student) -> str:
        try:
            submission = gradebook.find_submission(assignment.name, student.id)
        except MissingEntry:
            return "not submitted"
        notes = []
        for notebook in submission.notebooks:
            path = self._autograded(assignment.name, student.id, notebook.name)
            report = report_of(path) if path is not None else {}
            if report is None:
                notes.append(f"{notebook.name} not autograded")
                continue
            died = report.get("kernel_died")
            if died:
                notes.append(f"kernel died in cell {died['cell']} of {notebook.name}")
            notes += [f"timed out in cell {t['cell']} of {notebook.name} (> {t['limit']} s)"
                      for t in report.get("timed_out", [])]
        comments = [c for notebook in submission.notebooks for c in notebook.comments]
        if comments and all(c.auto_comment == NO_RESPONSE for c in comments):
            notes.append("no answers written")
        elif submission.needs_manual_grade:
            notes.append("needs manual grading")
        return "; ".join(notes) or "graded"

    def export(self, gradebook) -> None:
        dest = self.to or "grades.csv"
        students, assignments = [str(s) for s in self.student], [str(a) for a in self.assignment]
        self.log.info("Exporting grades, with their status, to %s", dest)
        rows = []
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                if students and student.id not in students:
                    continue
                row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student.id,
                       "last_name": student.last_name, "first_name": student.first_name, "email": student.email,
                       "max_score": assignment.max_score, "status": self.status(gradebook, assignment, student)}
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                else:
                    penalty = submission.late_submission_penalty
                    row.update(timestamp=submission.timestamp, raw_score=submission.score,
                               late_submission_penalty=penalty, score=max(0.0, submission.score - penalty))
                rows.append({key: "" if value is None else value for key, value in row.items()})
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.KEYS)
            writer.writeheader()
            writer.writerows(rows)
