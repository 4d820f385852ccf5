"""A problem in the data, the exception that carries them, and how files and values are named in messages."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import paths

PACKAGE_FILE = "datapackage.json"
MAX_PROBLEMS_PER_FILE = 1000
_EXCERPT = 60  # characters of a bad value shown in a message
_CELL_LIMIT = 131_072  # characters in one cell (the csv module's default limit; others may raise it)
_INT64 = (-(2**63), 2**63 - 1)


def _clean(text: str) -> str:
    """``text`` on one line: control and other unprintable characters written as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _excerpt(text: str, limit: int = _EXCERPT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as possible.

    ``where`` locates a problem inside a JSON file (``resources[3]``); ``hidden`` is set on the
    line that says a file's list was cut, to the number of problems it stands for; ``internal`` marks the
    one line of the validator's last-resort guard (an internal error, not a problem found in the data).
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    where: str | None = None
    hidden: int = 0
    internal: bool = False

    def __str__(self) -> str:
        where = self.file
        if self.where is not None:
            where += f": {self.where}"
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{_excerpt(self.column)}'"
        found = "" if self.value is None else f"found {_excerpt(self.value)!r}; "
        return _clean(f"{where}: {found}expected {self.expected}")


class DataValidationError(ValueError):
    """Raised when the data package does not validate; ``problems`` lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count(self.problems)} problem(s) in the data:\n{lines}")


def count(problems: list[Problem]) -> int:
    """How many problems ``problems`` stands for (a 'list cut' line counts the ones it hides)."""
    return sum(p.hidden or 1 for p in problems)


def _data_dir(data_dir: str | Path | None) -> Path:
    return paths.data_dir() if data_dir is None else Path(data_dir)


def _display(data_dir: Path, name: str) -> str:
    """How a file is named in messages: relative to the repository for the shipped data,
    otherwise as the user gave the folder (never an absolute machine path we invented)."""
    if data_dir == paths.data_dir():
        return f"data/{name}"
    return (data_dir / name).as_posix()


def _inside(folder: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link resolved, lies inside ``folder``."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(folder)))
    except (OSError, ValueError):
        return False


def _cut(problems: list[Problem], shown: str) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_FILE problems for one file, and a line saying how many more there are."""
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    more = len(problems) - MAX_PROBLEMS_PER_FILE
    note = Problem(shown, None, None, None, f"fewer problems: the list for this file is cut at "
                                            f"{MAX_PROBLEMS_PER_FILE:,}; {more:,} more are not shown", hidden=more)
    return problems[:MAX_PROBLEMS_PER_FILE] + [note]


# What a broken constraint or type expected, in words.

_CONSTRAINT_WORDS = {
    "minimum": "a value of at least {0}",
    "maximum": "a value of at most {0}",
    "pattern": "text matching the pattern {0}",
    "minLength": "text of at least {0} characters",
    "maxLength": "text of at most {0} characters",
    "required": "a value (this column is required)",
}

_TYPE_WORDS = {
    "number": "a number",
    "integer": "a whole number",
    "date": "a date written YYYY-MM-DD",
    "boolean": "true or false",
    "string": "text",
    "year": "a four-digit year",
}


def _field(resource: dict, name: str | None) -> dict:
    for f in resource["schema"]["fields"]:
        if f["name"] == name:
            return f
    return {}


def _constraint_expected(resource: dict, field_name: str, note: str) -> str:
    """What a cell breaking a constraint of ``field_name`` should have been, from frictionless's ``note`` on it
    (such as ``constraint "minimum" is "0"``); the note itself for a constraint without words of its own."""
    match = re.search(r'constraint "(\w+)"', note)
    if match is None or (match.group(1) != "enum" and match.group(1) not in _CONSTRAINT_WORDS):
        return note
    kind = match.group(1)
    constraints = _field(resource, field_name)["constraints"]  # a note on a constraint: the field has it
    if kind == "enum":
        return "one of: " + ", ".join(map(str, constraints["enum"]))
    return _CONSTRAINT_WORDS[kind].format(constraints[kind])


# Schema patterns run on RE2, a linear-time engine: no pattern from a data package can make validation hang
# (Python's re backtracks: "(a+)+b" against 32 a's runs for hours). RE2 has no look-around or back-references;
# a pattern that needs them is a located problem in the descriptor.

_PATTERNS: dict[str, object] = {}


def linear_pattern(pattern: str) -> Any:  # an re2 pattern (re2 has no type information)
    """``pattern`` compiled by RE2 (its ``fullmatch`` runs in time linear in the text); raises ``ValueError``
    saying why RE2 cannot check it."""
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        import re2

        options = re2.Options()
        options.log_errors = False  # no lines on stderr: the reason is in the located problem
        try:
            compiled = re2.compile(pattern, options)
        except Exception as exc:  # noqa: BLE001  (re2 raises its own error type, or TypeError, ValueError)
            reason = exc.args[0] if exc.args else exc
            reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
            raise ValueError(reason) from None
        if len(_PATTERNS) < 1000:
            _PATTERNS[pattern] = compiled
    return compiled
