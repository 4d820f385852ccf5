"""Stage 1: file checks and parsing of one CSV file, with each row's physical line."""

from __future__ import annotations

import csv
import re
import stat
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from .problems import _CELL_LIMIT, Problem, _display

_TOO_LARGE = "field larger than field limit"  # the csv module's words for a cell over its limit, and ours


@dataclass
class _Table:
    """A parsed CSV file: the header, the well-formed rows, and each row's first physical line."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    _columns: list[tuple[str, ...]] | None = dataclass_field(default=None, repr=False, compare=False)

    def column(self, j: int) -> tuple[str, ...]:
        """Cell ``j`` of every row (only a table with rows reaches the row checks)."""
        if self._columns is None:
            self._columns = list(zip(*self.rows, strict=True))
        return self._columns[j]

    def cell_line(self, k: int, j: int) -> int:
        """The physical line on which cell ``j`` of row ``k`` starts (quoted cells may span lines)."""
        return self.lines[k] + sum(cell.count("\n") for cell in self.rows[k][:j])


def _lines(text: str):
    """The lines of ``text``, each with its line ending, as ``io.StringIO(text, newline="")`` gives
    them once a bare CR is refused, but without StringIO's copy of the text (4 bytes a character)."""
    start, find = 0, text.find
    while True:
        end = find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _read_table(data_dir: Path, resource: dict) -> tuple[_Table | None, list[Problem]]:
    name = resource["path"]
    shown = _display(data_dir, name)
    path = data_dir / name
    fields = [f["name"] for f in resource["schema"]["fields"]]
    columns = ", ".join(fields)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, [Problem(shown, None, None, None, f"a CSV file with columns {columns} (this is not a "
                                                           "regular file)")]
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(shown, None, None, None, f"a CSV file with columns {columns} (file is missing)")]
    except OSError as exc:
        return None, [Problem(shown, None, None, None, f"a readable CSV file (cannot read it: {exc.strerror})")]
    if not raw.strip():
        return None, [Problem(shown, 1, None, None, f"a header line with columns {columns} (file is empty)")]
    try:
        text = raw.decode()  # UTF-8, bytes.decode's only default
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1]
        expected = "UTF-8 text (the file has bytes that are not UTF-8)"
        return None, [Problem(shown, line, None, f"byte 0x{bad.hex()}", expected)]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(shown, line, None, "a NUL byte", "plain CSV text (the file looks binary)")]
    bare_cr = re.search(r"\r(?!\n)", text)
    if bare_cr:
        line = text[: bare_cr.start()].count("\n") + 1
        return None, [Problem(shown, line, None, None, "lines ending in LF or CRLF (this file has a line ending in CR "
                                                       "alone, an old Mac format: save it again as UTF-8 CSV)")]
    text = text.removeprefix("\ufeff")
    del raw
    reader = csv.reader(_lines(text), strict=True)
    records, starts = [], []
    previous_end = 0
    try:
        for record in reader:
            # The csv module refuses a longer cell itself, unless its (process-wide) limit was raised, as frictionless
            # does when it is first used.
            if record and max(map(len, record)) > _CELL_LIMIT:
                raise csv.Error(_TOO_LARGE)
            records.append(record)
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        start = previous_end + 1
        message = str(exc)
        if _TOO_LARGE in message:
            expected = f"cells of at most {_CELL_LIMIT:,} characters (a longer cell was found: the file may be corrupt)"
        elif "unexpected end of data" in message:
            expected = "a closing quote for the quoted cell that starts on this line (the row is malformed: the " \
                       "quote is never closed, so the rest of the file would be read as one cell)"
        else:
            expected = f"a well-formed CSV row (the row is malformed: {message})"
        return None, [Problem(shown, start, None, None, expected)]

    header = records[0] if records else []
    problems = []
    for column in fields:
        if column not in header:
            problems.append(Problem(shown, 1, column, None, f"a column named '{column}' in the header (it is missing)"))
    for column in header:
        if column not in fields:
            expected = f"only the columns {columns} (this one is not in the schema)"
            problems.append(Problem(shown, 1, column, column, expected))
    if not problems and header != fields:
        problems.append(Problem(shown, 1, None, ",".join(header), f"the columns in the order {','.join(fields)}"))
    while len(records) > 1 and not records[-1]:  # blank lines at the very end of a file are harmless: ignore them
        records.pop()
        starts.pop()
    if not problems and len(records) < 2:  # (blank lines after the header are no data row either)
        problems.append(Problem(shown, 2, None, None, "at least one data row after the header"))
    if problems:
        return None, problems
    table = _Table(header, [], [])
    for record, start in zip(records[1:], starts[1:], strict=True):
        if not record:
            problems.append(Problem(shown, start, None, None, "no blank lines"))
        elif len(record) != len(fields):
            problems.append(Problem(shown, start, None, f"{len(record)} cells",
                                    f"{len(fields)} cells, one per column (the row is malformed: a missing or extra "
                                    "comma, or a quote in the wrong place)"))
        else:
            table.rows.append(record)
            table.lines.append(start)
    return table, problems
