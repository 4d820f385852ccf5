"""Load and validate the data package in ``data/``.

``data/datapackage.json`` (a Frictionless Data Package) is the machine-readable truth: field
types, required fields, constraints, primary and foreign keys. Validation runs in three stages,
so that one broken thing gives one clear message rather than a cascade or a traceback:

0. The descriptor itself: a JSON object with a non-empty ``resources`` list, each resource with a
   name, a ``path`` and an inline ``schema`` whose fields, keys and rules make sense, every foreign
   key naming a resource that exists; then frictionless's Data Package profile. Every resource
   path is resolved and refused, before anything is opened, if it is absolute, a URL, or leads
   outside the data folder (``..`` or a symbolic link). Problems read ``datapackage.json:
   resources[3]: ...``.
1. File checks done here: the file exists, is readable, is not empty, is UTF-8 text with LF or
   CRLF line endings, parses as CSV (no unclosed quote, no giant cell), its header has exactly the
   columns the schema lists, and every row has one cell per column (a malformed row is one
   problem, not one per missing cell).
2. Row checks on the parsed rows: the ones frictionless makes (types, constraints, unique ids,
   primary and foreign keys, blank rows), done here column by column with frictionless's own
   reading of each type, each distinct cell read once (frictionless itself does them, row by row
   and about 30 times slower, only for a schema that uses its parsing options such as
   ``missingValues``; ``tests/test_validation_equivalence.py`` checks that both give the same
   problems); plus checks frictionless does not make (a required cell holding only spaces, NaN or
   infinite numbers, integers too large to load, a pattern matched only before a trailing newline)
   and the package's cross-field rules (``x-rules`` in a schema, e.g. "when unit is percent, value
   lies in 0-100"), which the Table Schema spec cannot express.

Every problem becomes a :class:`Problem` naming the file, the physical line of the CSV file as a
text editor shows it (the header is line 1), the column, the bad value (a short, escaped excerpt)
and what was expected. At most 1,000 problems are listed per file; a last line says how many more
there are. :func:`load` raises :class:`DataValidationError` carrying all of them and writes
nothing. Only after a folder validates is its content hash remembered
(``build/cache/validated.json``), so unchanged data is not validated again by every notebook.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import math
import os
import re
import stat
import sys
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from . import paths

if TYPE_CHECKING:
    import pandas as pd  # imported where tables are loaded: validation does not need it

__all__ = [
    "DataValidationError",
    "Problem",
    "MAX_PROBLEMS_PER_FILE",
    "validate",
    "count",
    "load",
    "load_all",
    "resource_names",
]

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
    line that says a file's list was cut, to the number of problems it stands for.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    where: str | None = None
    hidden: int = 0

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


# ---------------------------------------------------------------------------------------
# Package descriptor


def _data_dir(data_dir: str | Path | None) -> Path:
    return paths.DATA_DIR if data_dir is None else Path(data_dir)


def _display(data_dir: Path, name: str) -> str:
    """How a file is named in messages: relative to the repository for the shipped data,
    otherwise as the user gave the folder (never an absolute machine path we invented)."""
    if data_dir == paths.DATA_DIR:
        return f"data/{name}"
    return (data_dir / name).as_posix()


def _inside(folder: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link resolved, lies inside ``folder``."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(folder)))
    except (OSError, ValueError):
        return False


def _read_descriptor(data_dir: Path) -> tuple[dict | None, list[Problem]]:
    path = data_dir / PACKAGE_FILE
    shown = _display(data_dir, PACKAGE_FILE)
    try:
        if not data_dir.is_dir():
            return None, [Problem(_display(data_dir, ""), None, None, None, "a data folder (it does not exist)")]
        if not path.is_file():
            return None, [Problem(shown, None, None, None, "a Frictionless datapackage.json (file is missing)")]
        if not _inside(data_dir, path):
            return None, [Problem(shown, None, None, None, "a file inside the data folder (it is a link to a file "
                                                           "outside it, which is not read)")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, None, None, None, f"a readable file and folder (cannot read: {exc.strerror})")]
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return None, [Problem(shown, raw[: exc.start].count(b"\n") + 1, None, None, "UTF-8 JSON text")]
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, exc.lineno, None, None, f"valid JSON ({exc.msg}, column {exc.colno})")]
    except (ValueError, RecursionError) as exc:
        return None, [Problem(shown, None, None, None, f"valid JSON ({_excerpt(str(exc))})")]
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return None, [Problem(shown, None, None, None, "a JSON object with a 'resources' list")]
    return descriptor, []


def resource_names(data_dir: str | Path | None = None) -> list[str]:
    """Names of the tables described in the data package, in package order."""
    folder = _data_dir(data_dir)
    descriptor, problems = _read_descriptor(folder)
    if not problems:
        problems = _check_descriptor(descriptor, folder)
    if problems:
        raise DataValidationError(problems)
    return [r["name"] for r in descriptor["resources"]]


# What the descriptor may say. Only types the loader knows how to type are accepted.
_TYPES = {"string", "number", "integer", "boolean", "date", "year"}
_NUMERIC = {"number", "integer", "year"}
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_STRING_FORMATS = {"default", "email", "uri", "uuid"}


def _kind(value) -> str:
    """A short word for a JSON value's type, for messages."""
    for kind, word in ((bool, "true/false"), (str, "text"), (int, "a number"), (float, "a number"),
                       (list, "a list"), (dict, "an object")):
        if isinstance(value, kind):
            return word
    return "null"


def _names(value) -> list[str] | None:
    """A field-name list from a string or a list of strings; None if it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _path_problem(folder: Path, path) -> tuple[str | None, str]:
    """Why a resource path must be refused (None if it is safe), and the value to show."""
    if not isinstance(path, str):
        return f"'path' as one relative file name in text (found {_kind(path)})", None
    if not path or any(not c.isprintable() for c in path) or len(path) > 255:
        return "'path' as a relative file name of 1-255 printable characters", path
    if _SCHEME.match(path) or path.startswith("//"):
        return "'path' as a file inside the data folder (a URL is not read)", path
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("\\") or path.startswith("~"):
        return "'path' relative to the data folder (an absolute path is not read)", path
    if ".." in pure.parts or "\\" in path:
        return "'path' inside the data folder (a path with '..' is not read)", path
    if not _inside(folder, folder / path):
        return "'path' inside the data folder (it leads outside through a symbolic link, which is not read)", path
    return None, path


def _check_field(i: int, k: int, field, names: list[str], problems: list, shown: str) -> None:
    where = f"resources[{i}]"
    if not isinstance(field, dict):
        problems.append(Problem(shown, None, None, _kind(field), f"schema.fields[{k}] to be an object", where))
        return
    name = field.get("name")
    if not isinstance(name, str) or not name or len(name) > 200 or not name.isprintable():
        value = name if isinstance(name, str) else None
        problems.append(Problem(shown, None, None, value, f"schema.fields[{k}] to have a 'name' "
                                                          "(1-200 printable characters)", where))
        return
    if name in names:
        problems.append(Problem(shown, None, None, name, f"schema.fields[{k}]: a field name used only once", where))
    names.append(name)
    ftype = field.get("type", "string")
    if not isinstance(ftype, str) or ftype not in _TYPES:
        value = ftype if isinstance(ftype, str) else _kind(ftype)
        problems.append(Problem(shown, None, name, value, f"schema.fields[{k}].type: one of "
                                                          f"{', '.join(sorted(_TYPES))}", where))
        return
    fmt = field.get("format", "default")
    if not isinstance(fmt, str) or fmt not in (_STRING_FORMATS if ftype == "string" else {"default"}):
        problems.append(Problem(shown, None, name, str(fmt), f"schema.fields[{k}].format: 'default'"
                                f"{' or email, uri, uuid' if ftype == 'string' else ''}", where))
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        problems.append(Problem(shown, None, name, _kind(constraints), f"schema.fields[{k}].constraints: an object",
                                where))
        return
    for key, value in constraints.items():
        bad = None
        if key in ("required", "unique"):
            bad = None if isinstance(value, bool) else "true or false"
        elif key in ("minimum", "maximum"):
            if ftype in _NUMERIC:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                bad = None if ok else "a finite number"
                if ok and ftype == "integer" and not float(value).is_integer():
                    bad = "a whole number"
                elif ok and ftype == "year" and not (isinstance(value, int) and 0 <= value <= 9999):
                    bad = "a year: a whole number from 0 to 9999"
            elif ftype == "date":
                ok = isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
                try:
                    ok = ok and datetime.strptime(value, "%Y-%m-%d")
                except ValueError:
                    ok = False
                bad = None if ok else "a date written YYYY-MM-DD"
            else:
                bad = f"no minimum or maximum on a {ftype} field"
        elif key in ("minLength", "maxLength"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            bad = None if ok else "a whole number of at least 0"
        elif key == "pattern":
            if not isinstance(value, str):
                bad = "a regular expression as text"
            else:
                try:
                    re.compile(value)
                except (re.error, RecursionError, OverflowError, ValueError):
                    bad = "a valid regular expression"
        elif key == "enum":
            ok = isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value)
            bad = None if ok else "a non-empty list of allowed values"
        else:
            bad = "a known constraint (required, unique, minimum, maximum, minLength, maxLength, pattern, enum)"
        if bad:
            shown_value = value if isinstance(value, str) else json.dumps(value)[:_EXCERPT]
            problems.append(Problem(shown, None, name, shown_value, f"schema.fields[{k}].constraints.{key}: {bad}",
                                    where))


def _check_descriptor(descriptor: dict, folder: Path) -> list[Problem]:
    """The descriptor's own problems, each located as ``resources[i]``; nothing is opened but
    ``realpath`` looks up symbolic links."""
    shown = _display(folder, PACKAGE_FILE)
    resources = descriptor["resources"]
    if not resources:
        return [Problem(shown, None, None, None, "at least one table in 'resources' (the list is empty)")]
    problems: list[Problem] = []
    fields_of: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, resource in enumerate(resources):
        where = f"resources[{i}]"
        if not isinstance(resource, dict):
            problems.append(Problem(shown, None, None, _excerpt(str(resource)) if isinstance(resource, str) else None,
                                    f"an object describing one table (found {_kind(resource)})", where))
            continue
        name = resource.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(Problem(shown, None, None, name if isinstance(name, str) else None,
                                    "a 'name' of lower-case letters, digits, '.', '-' or '_'", where))
        elif name in seen:
            problems.append(Problem(shown, None, None, name, "a 'name' used by one table only", where))
        else:
            seen.add(name)
        if "path" not in resource:
            problems.append(Problem(shown, None, None, None, "a 'path' naming the table's CSV file (it is missing)",
                                    where))
        else:
            why, value = _path_problem(folder, resource["path"])
            if why:
                problems.append(Problem(shown, None, None, value, why, where))
        encoding = resource.get("encoding", "utf-8")
        if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig"):
            problems.append(Problem(shown, None, None, str(encoding), "'encoding' utf-8 (or none)", where))
        if resource.get("format", "csv") != "csv" or "dialect" in resource:
            problems.append(Problem(shown, None, None, None, "a comma-separated CSV file (no other 'format' or "
                                                             "'dialect')", where))
        schema = resource.get("schema")
        if not isinstance(schema, dict):
            found = "it is missing" if schema is None else f"found {_kind(schema)}: a schema file or URL is not read"
            problems.append(Problem(shown, None, None, None, f"an inline 'schema' object ({found})", where))
            continue
        fields = schema.get("fields")
        if not isinstance(fields, list) or not fields:
            problems.append(Problem(shown, None, None, None, "schema.fields: a non-empty list of fields", where))
            continue
        names: list[str] = []
        before = len(problems)
        for k, field in enumerate(fields):
            _check_field(i, k, field, names, problems, shown)
        if len(problems) == before and isinstance(name, str):
            fields_of[name] = names
    # Keys and rules, now that every resource's fields are known.
    for i, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("schema"), dict):
            continue
        name, schema, where = resource.get("name"), resource["schema"], f"resources[{i}]"
        names = fields_of.get(name) if isinstance(name, str) else None
        if names is None:
            continue
        if "primaryKey" in schema:
            key = _names(schema["primaryKey"])
            if key is None or not set(key) <= set(names):
                problems.append(Problem(shown, None, None, None, "schema.primaryKey: the name(s) of fields of this "
                                                                 "table", where))
        foreign = schema.get("foreignKeys", [])
        if not isinstance(foreign, list):
            problems.append(Problem(shown, None, None, None, "schema.foreignKeys: a list", where))
            foreign = []
        for k, fk in enumerate(foreign):
            at = f"schema.foreignKeys[{k}]"
            ref = fk.get("reference") if isinstance(fk, dict) else None
            own = _names(fk.get("fields")) if isinstance(fk, dict) else None
            if not isinstance(ref, dict) or own is None or not set(own) <= set(names):
                problems.append(Problem(shown, None, None, None, f"{at}: 'fields' naming fields of this table and a "
                                                                 "'reference' object", where))
                continue
            target = ref.get("resource", "")
            target = name if target == "" else target
            if not isinstance(target, str) or target not in seen:
                problems.append(Problem(shown, None, None, target if isinstance(target, str) else None,
                                        f"{at}.reference.resource: the name of a table in this package "
                                        "(there is no such table)", where))
                continue
            theirs = _names(ref.get("fields"))
            if target in fields_of and (theirs is None or len(theirs) != len(own)
                                        or not set(theirs) <= set(fields_of[target])):
                problems.append(Problem(shown, None, None, None, f"{at}.reference.fields: as many field names of "
                                                                 f"table '{target}' as 'fields' has", where))
        rules = schema.get("x-rules", [])
        if not isinstance(rules, list):
            problems.append(Problem(shown, None, None, None, "schema.x-rules: a list of rules", where))
            rules = []
        for k, rule in enumerate(rules):
            at = f"schema.x-rules[{k}]"
            if not isinstance(rule, dict):
                problems.append(Problem(shown, None, None, None, f"{at}: an object", where))
                continue
            cols = rule.get("fields")
            if not isinstance(cols, list) or not cols or not all(isinstance(c, str) and c in names for c in cols):
                problems.append(Problem(shown, None, None, None, f"{at}.fields: a list of fields of this table", where))
            when = rule.get("when", {})
            if not isinstance(when, dict) or not all(k2 in names and isinstance(v, str) for k2, v in when.items()):
                problems.append(Problem(shown, None, None, None, f"{at}.when: an object mapping fields of this table "
                                                                 "to text values", where))
            bounds = [rule.get(b) for b in ("minimum", "maximum")]
            if all(b is None for b in bounds) or not all(
                    b is None or (isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b))
                    for b in bounds):
                problems.append(Problem(shown, None, None, None, f"{at}: a numeric 'minimum' and/or 'maximum'", where))
    if problems:
        return problems
    return _profile_problems(descriptor, shown)


def _import_jsonschema() -> None:
    """Import jsonschema (frictionless's profile check needs it) without its optional
    ``rfc3987_syntax``, which compiles 38 grammars when imported (0.75 s, most of a validation run).
    It serves only the "iri" formats, and frictionless checks profiles without a format checker,
    so the profile check is the same either way."""
    if "jsonschema" in sys.modules:
        return
    hide = "rfc3987_syntax" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # makes `import rfc3987_syntax` an ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        if hide and "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]


def _profile_problems(descriptor: dict, shown: str) -> list[Problem]:
    """frictionless's check of the descriptor against the Data Package profile."""
    _import_jsonschema()
    from frictionless import FrictionlessException, Package

    try:
        errors = Package.validate_descriptor(copy.deepcopy(descriptor)).errors
    except FrictionlessException as exc:
        errors = [exc.error]
    problems = []
    for error in errors:
        note = getattr(error, "note", "") or str(error)
        match = re.search(r"at property '([^']*)'", note)
        where = None
        if match:
            parts = match.group(1).split("/")
            where = parts[0] + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
            note = note[: match.start()].strip()
        problems.append(Problem(shown, None, None, None, f"a descriptor that follows the Data Package profile "
                                                         f"({_excerpt(note, 200)})", where))
    return problems


# ---------------------------------------------------------------------------------------
# Stage 1: file checks and parsing


@dataclass
class _Table:
    """A parsed CSV file: the header, the well-formed rows, and each row's first physical line."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    _columns: list[tuple[str, ...]] | None = dataclass_field(default=None, repr=False, compare=False)

    def column(self, j: int) -> tuple[str, ...]:
        """Cell ``j`` of every row."""
        if self._columns is None:
            self._columns = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in self.header]
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
        text = raw.decode("utf-8")
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
    # The csv module refuses a longer cell itself unless its (process-wide) limit was raised.
    check_cells = csv.field_size_limit() > _CELL_LIMIT
    records, starts = [], []
    previous_end = 0
    try:
        for record in reader:
            if check_cells and record and max(map(len, record)) > _CELL_LIMIT:
                raise csv.Error("field larger than field limit")
            records.append(record)
            starts.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        start = previous_end + 1
        message = str(exc)
        if "field larger than field limit" in message:
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
    if not problems and len(records) < 2:
        problems.append(Problem(shown, 2, None, None, "at least one data row after the header"))
    if problems:
        return None, problems

    while len(records) > 1 and not records[-1]:  # blank lines at the very end of a file are harmless: ignore them
        records.pop()
        starts.pop()
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


# ---------------------------------------------------------------------------------------
# Stage 2: row checks (frictionless) and the checks frictionless does not make

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
    match = re.search(r'constraint "(\w+)"', note)
    kind = match.group(1) if match else ""
    constraints = _field(resource, field_name).get("constraints", {})
    if kind == "enum":
        return "one of: " + ", ".join(map(str, constraints.get("enum", [])))
    if kind in _CONSTRAINT_WORDS:
        return _CONSTRAINT_WORDS[kind].format(constraints.get(kind))
    return note


def _translate(error, resource: dict, shown: str, table: _Table) -> Problem | None:
    """One frictionless error as a Problem, with the physical line and the row's own value.
    frictionless numbers rows as records (header = 1); ``table`` maps them to lines."""
    kind = error.type
    record = getattr(error, "row_number", None)
    k = record - 2 if isinstance(record, int) and 2 <= record < len(table.rows) + 2 else None
    field_name = getattr(error, "field_name", None)
    names = table.header
    j = names.index(field_name) if field_name in names else 0
    line = table.cell_line(k, j) if k is not None else (1 if record == 1 else None)
    cell = table.rows[k][j] if k is not None and field_name in names else getattr(error, "cell", None)
    cell = None if cell is None else str(cell)
    note = getattr(error, "note", "") or ""

    def other_line() -> str:
        other = re.search(r"position (\d+)", note)
        if other and 2 <= int(other.group(1)) < len(table.rows) + 2:
            return f" (the same value is on line {table.lines[int(other.group(1)) - 2]})"
        return ""

    if kind == "type-error":
        ftype = _field(resource, field_name).get("type", "")
        return Problem(shown, line, field_name, cell, _TYPE_WORDS.get(ftype, ftype))
    if kind == "constraint-error":
        return Problem(shown, line, field_name, cell, _constraint_expected(resource, field_name, note))
    if kind == "unique-error":
        return Problem(shown, line, field_name, cell, f"a value not used on any other line{other_line()}")
    if kind == "primary-key":
        key = _names(resource["schema"].get("primaryKey")) or []
        value = ", ".join(table.rows[k][names.index(c)] for c in key if c in names) if k is not None else None
        return Problem(shown, line and table.lines[k], ", ".join(key) or None, value,
                       f"a key not used on any other line{other_line()}")
    if kind == "foreign-key":
        match = re.search(r'for "([^"]+)"', note)
        column = match.group(1) if match else None
        ref = re.search(r'lookup table "([^"]*)" as "([^"]+)"', note)
        if column in names and k is not None:
            line, value = table.cell_line(k, names.index(column)), table.rows[k][names.index(column)]
        else:
            line, value = (table.lines[k] if k is not None else None), None
        target = f"an {ref.group(2)} listed in {ref.group(1) or resource['name']}.csv" if ref else note
        return Problem(shown, line, column, value, target)
    if kind == "blank-row":
        return Problem(shown, line, None, None, "no blank lines")
    return Problem(shown, line, field_name, cell, _excerpt(note or error.message, 200))


def _own_check(field: dict):
    """A function cell -> what was expected (None when the cell passes) for one column."""
    ftype = field.get("type", "string")
    constraints = field.get("constraints", {})
    required = constraints.get("required") is True
    pattern = constraints.get("pattern")
    full = re.compile(pattern) if isinstance(pattern, str) else None

    def check(cell: str) -> str | None:
        if cell and not cell.strip():
            if required:
                return "a value (this column is required; the cell holds only spaces)"
        elif ftype == "number" and cell:
            try:
                if not math.isfinite(float(cell)):
                    return "a finite number (not NaN or infinity)"
            except ValueError:
                pass  # frictionless reports the type error
        elif ftype == "integer" and re.fullmatch(r"\s*[+-]?\d+\s*", cell):
            digits = cell.strip().lstrip("+-")
            if len(digits) > 19 or not _INT64[0] <= int(cell) <= _INT64[1]:
                return f"a whole number from {_INT64[0]} to {_INT64[1]} (a larger one cannot be loaded)"
        elif full is not None and cell and re.fullmatch(f"(?:{pattern})", cell) is None \
                and re.match(f"^(?:{pattern})$", cell):
            return _CONSTRAINT_WORDS["pattern"].format(pattern) + " (a line break at the end does not match)"
        return None

    return check


def _own_checks(resource: dict, shown: str, table: _Table) -> tuple[list[Problem], set[tuple[int, int]]]:
    """Checks frictionless does not make; returns the problems and the cells they cover
    (frictionless's own errors on those cells are then not repeated). Each distinct cell of a
    column is checked once."""
    problems, covered = [], set()
    for j, field in enumerate(resource["schema"]["fields"]):
        check = _own_check(field)
        column = table.column(j)
        results = {cell: check(cell) for cell in set(column)}
        if not any(results.values()):
            continue
        for k, cell in enumerate(column):
            expected = results[cell]
            if expected:
                problems.append(Problem(shown, table.cell_line(k, j), field["name"], cell, expected))
                covered.add((k, j))
    return problems, covered


def _cross_field(resource: dict, shown: str, table: _Table, covered: set[tuple[int, int]]) -> list[Problem]:
    """Apply ``x-rules`` such as {"when": {"unit": "percent"}, "fields": [...], "minimum": 0, "maximum": 100}."""
    problems = []
    names = table.header
    for rule in resource["schema"].get("x-rules", []):
        when = rule.get("when", {})
        low, high = rule.get("minimum"), rule.get("maximum")
        cond = " and ".join(f"{c} is '{v}'" for c, v in when.items())
        for k, row in enumerate(table.rows):
            if any(row[names.index(c)] != v for c, v in when.items()):
                continue
            for column in rule["fields"]:
                j = names.index(column)
                raw = row[j].strip()
                if not raw or (k, j) in covered:
                    continue
                try:
                    number = float(raw)
                except ValueError:
                    continue  # already reported as a type error
                # NaN compares false with everything: "not inside" catches it.
                if not ((low is None or number >= low) and (high is None or number <= high)):
                    where = f" when {cond}" if cond else ""
                    problems.append(Problem(shown, table.cell_line(k, j), column, raw,
                                            f"a value from {low} to {high}{where}"))
    return problems


def _frictionless_resource(resource: dict, table: _Table, good_names: set[str]) -> dict:
    """The resource as frictionless validates it: the parsed rows inline (frictionless opens no
    file), patterns anchored at the very end, foreign keys only into tables that parsed."""
    schema = copy.deepcopy(resource["schema"])
    schema.pop("x-rules", None)
    for field in schema["fields"]:
        constraints = field.get("constraints", {})
        if isinstance(constraints.get("pattern"), str):
            constraints["pattern"] = f"(?:{constraints['pattern']})\\Z"
    schema["foreignKeys"] = [fk for fk in schema.get("foreignKeys", [])
                             if (fk["reference"].get("resource") or resource["name"]) in good_names]
    return {"name": resource["name"], "data": [table.header, *table.rows], "schema": schema}


# ---------------------------------------------------------------------------------------
# Stage 2, fast path: the row checks frictionless makes, done here column by column.
#
# Each function below mirrors frictionless 5's reading of a cell (``fields/*.py``,
# ``schema/field.py: create_cell_reader``) and its integrity checks (``resources/table.py``:
# unique, primary and foreign keys), so the problems are the same ones, but each distinct cell
# of a column is read once and no Row objects are built. A schema that uses one of
# frictionless's parsing options (missing values, true/false values, number formatting) is
# checked by frictionless itself (``_frictionless_row_problems``).
# ``tests/test_validation_equivalence.py`` compares the two on random tables.

_FRICTIONLESS_OPTIONS = {"missingValues", "trueValues", "falseValues", "bareNumber", "floatNumber", "groupChar",
                         "decimalChar"}
_SUPPORTED = {  # frictionless's supported_constraints per type (others are ignored); no type is "string"
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "number": ("required", "minimum", "maximum", "enum"),
    "integer": ("required", "minimum", "maximum", "enum"),
    "date": ("required", "minimum", "maximum", "enum"),
    "year": ("required", "minimum", "maximum", "enum"),
    "boolean": ("required", "enum"),
}
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "1": True, "false": False, "False": False, "FALSE": False,
             "0": False}


def _fast_path(resources: list[dict]) -> bool:
    """Whether every schema can be checked here (none uses frictionless's parsing options)."""
    for resource in resources:
        schema = resource["schema"]
        if "missingValues" in schema or any(_FRICTIONLESS_OPTIONS & field.keys() for field in schema["fields"]):
            return False
    return True


def _value_reader(ftype: str, fmt: str):
    """frictionless's value reader for a type: a value (str from a cell, or a JSON value from a
    constraint) -> the typed value, or None when it is not of the type."""
    from decimal import Decimal

    if ftype == "number":
        def read(value):
            if isinstance(value, str):
                try:
                    number = Decimal(value.strip())
                except Exception:  # noqa: BLE001  (frictionless: any failure is a type error)
                    return None
                return None if number.is_snan() else number  # sNaN cannot even be compared or hashed
            if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
                return value
            return Decimal(str(value)) if isinstance(value, float) else None
    elif ftype == "integer":
        def read(value):
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except Exception:  # noqa: BLE001
                    return None
            if isinstance(value, bool):
                return None
            if isinstance(value, int):
                return value
            return int(value) if isinstance(value, float) and value.is_integer() else None
    elif ftype == "boolean":
        def read(value):
            if isinstance(value, bool):
                return value
            return _BOOLEANS.get(value) if isinstance(value, str) else None
    elif ftype == "date":
        def read(value):
            if not isinstance(value, str):
                return None
            try:
                return datetime.strptime(value, "%Y-%m-%d").date()
            except Exception:  # noqa: BLE001
                return None
    elif ftype == "year":
        def read(value):
            if not isinstance(value, int):
                if not isinstance(value, str) or len(value) != 4:
                    return None
                try:
                    value = int(value)
                except Exception:  # noqa: BLE001
                    return None
            return None if value < 0 or value > 9999 else value
    elif ftype == "string" and fmt == "uri":
        import rfc3986

        def read(value):
            if not isinstance(value, str):
                return None
            validator = rfc3986.validators.Validator().require_presence_of("scheme")
            try:
                validator.validate(rfc3986.uri_reference(value))
            except rfc3986.exceptions.ValidationError:
                return None
            return value
    elif ftype == "string" and fmt in ("email", "uuid"):
        import validators

        check = getattr(validators, fmt)

        def read(value):
            return value if isinstance(value, str) and check(value) else None
    else:  # string (the descriptor check allows no other type)
        def read(value):
            return value if isinstance(value, str) else None
    return read


def _cell_reader(resource: dict, field: dict):
    """A function cell -> (typed value or None, the expected-texts of the cell's problems)."""
    ftype = field.get("type", "string")
    read = _value_reader(ftype, field.get("format", "default"))
    constraints = field.get("constraints", {})
    checks = []
    for name in _SUPPORTED.get(ftype, ()):
        constraint = constraints.get(name)
        if constraint is None:
            continue
        expected = _constraint_expected(resource, field["name"], f'constraint "{name}" is "{constraint}"')
        if name == "required":
            if constraint:
                checks.append((lambda v: v is not None, expected))
        elif name == "minimum":
            low = read(constraint)
            checks.append((lambda v, low=low: v is None or (v == v and v >= low), expected))
        elif name == "maximum":
            high = read(constraint)
            checks.append((lambda v, high=high: v is None or (v == v and v <= high), expected))
        elif name == "minLength":
            checks.append((lambda v, n=constraint: v is None or len(v) >= n, expected))
        elif name == "maxLength":
            checks.append((lambda v, n=constraint: v is None or len(v) <= n, expected))
        elif name == "pattern":
            # as frictionless is given it: anchored at the very end (see _frictionless_resource)
            match = re.compile(f"^(?:{constraint})\\Z$").match
            checks.append((lambda v, match=match: v is None or match(v) is not None, expected))
        elif name == "enum":
            allowed = [read(value) for value in constraint]
            checks.append((lambda v, allowed=allowed: v is None or v in allowed, expected))
    type_error = (_TYPE_WORDS.get(ftype, ftype),)

    def reader(cell: str):
        if cell == "":
            value = None
        else:
            value = read(cell)
            if value is None:
                return None, type_error
        return value, tuple(expected for ok, expected in checks if not ok(value))

    return reader


class _Typed:
    """A table's columns read as frictionless types them (each distinct cell read once): the
    typed values of a column (built when a key or unique check asks) and the cells with a type or
    constraint problem, as {(row, column): expected-texts}."""

    def __init__(self, resource: dict, table: _Table):
        self.table = table
        self.read: list[dict[str, tuple]] = []
        self.bad: dict[tuple[int, int], tuple[str, ...]] = {}
        self._values: dict[int, list] = {}
        for j, field_ in enumerate(resource["schema"]["fields"]):
            reader = _cell_reader(resource, field_)
            column = table.column(j)
            results = {cell: reader(cell) for cell in set(column)}
            self.read.append(results)
            failing = {cell for cell, (_, problems) in results.items() if problems}
            if failing:
                for k, cell in enumerate(column):
                    if cell in failing:
                        self.bad[k, j] = results[cell][1]

    def values(self, j: int) -> list:
        if j not in self._values:
            typed = {cell: value for cell, (value, _) in self.read[j].items()}
            self._values[j] = list(map(typed.__getitem__, self.table.column(j)))
        return self._values[j]


def _fast_row_problems(good: list[dict], tables: dict[str, _Table], folder: Path) -> dict[str, list]:
    """For each table, its row problems as (kind, row index, column index or None, Problem), the
    way ``_frictionless_row_problems`` gives them."""
    typed = {r["name"]: _Typed(r, tables[r["name"]]) for r in good}
    lookups: dict[tuple[str, tuple[str, ...]], set] = {}
    found: dict[str, list] = {}
    for resource in good:
        name, schema = resource["name"], resource["schema"]
        table, shown = tables[name], _display(folder, resource["path"])
        names = table.header
        bad = typed[name].bad
        out = found[name] = []
        blank = {k for k, row in enumerate(table.rows) if not any(row)}
        for (k, j), expected_texts in bad.items():
            if k not in blank:
                for expected in expected_texts:
                    out.append(("cell", k, j, Problem(shown, table.cell_line(k, j), names[j], table.rows[k][j],
                                                      expected)))
        for k in blank:
            out.append(("blank", k, None, Problem(shown, table.lines[k], None, None, "no blank lines")))
        # unique: the latest earlier row with the same typed value
        for j, field in enumerate(schema["fields"]):
            if field.get("constraints", {}).get("unique") is not True:
                continue
            seen: dict = {}
            for k, value in enumerate(typed[name].values(j)):
                if value is None:
                    continue
                before = seen.get(value)
                seen[value] = k
                if before is not None:
                    out.append(("unique", k, j, Problem(shown, table.cell_line(k, j), names[j], table.rows[k][j],
                                                        "a value not used on any other line (the same value is on "
                                                        f"line {table.lines[before]})")))
        key = _names(schema.get("primaryKey")) or []
        if key:
            at = [names.index(c) for c in key]
            seen = {}
            for k, cells in enumerate(zip(*(typed[name].values(j) for j in at), strict=True)):
                row = table.rows[k]
                other = ""
                if all(c is None for c in cells):
                    duplicate = True
                else:
                    before = seen.get(cells)
                    seen[cells] = k
                    duplicate = before is not None
                    if duplicate:
                        other = f" (the same value is on line {table.lines[before]})"
                if duplicate:
                    value = ", ".join(row[j] for j in at)
                    out.append(("pk", k, None, Problem(shown, table.lines[k], ", ".join(key), value,
                                                       f"a key not used on any other line{other}")))
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"].get("resource") or name
            if target not in typed:
                continue  # a table that did not parse: its keys are not checked
            own, theirs = _names(fk["fields"]), _names(fk["reference"]["fields"])
            lookup = lookups.get((target, tuple(theirs)))
            if lookup is None:
                at_source = [tables[target].header.index(c) for c in theirs]
                lookup = lookups[target, tuple(theirs)] = {
                    cells for cells in zip(*(typed[target].values(j) for j in at_source), strict=True)
                    if not all(c is None for c in cells)}
            at = [names.index(c) for c in own]
            column = ", ".join(own)
            expected = f"an {', '.join(theirs)} listed in {target}.csv"
            for k, cells in enumerate(zip(*(typed[name].values(j) for j in at), strict=True)):
                if all(c is None for c in cells) or cells in lookup:
                    continue
                if len(at) == 1:
                    problem = Problem(shown, table.cell_line(k, at[0]), column, table.rows[k][at[0]], expected)
                else:
                    problem = Problem(shown, table.lines[k], column, None, expected)
                out.append(("fk", k, None, problem))
    return found


def _frictionless_row_problems(good: list[dict], tables: dict[str, _Table], folder: Path,
                               by_file: dict[str, list[Problem]]) -> dict[str, list]:
    """The same as ``_fast_row_problems``, by frictionless (row by row); problems with the package
    itself go straight into ``by_file``."""
    from frictionless import Package

    checked = {"resources": [_frictionless_resource(r, tables[r["name"]], set(tables)) for r in good]}
    report = Package(checked).validate(limit_errors=10**7)
    by_name = {r["name"]: r for r in good}
    for error in report.errors:
        shown = _display(folder, PACKAGE_FILE)
        by_file.setdefault(shown, []).append(Problem(shown, None, None, None, _excerpt(error.message, 200)))
    found: dict[str, list] = {}
    kinds = {"unique-error": "unique", "primary-key": "pk", "foreign-key": "fk", "blank-row": "blank"}
    for task in report.tasks:
        resource, table = by_name[task.name], tables[task.name]
        shown, names = _display(folder, resource["path"]), table.header
        out = found[task.name] = []
        for error in task.errors:
            record = getattr(error, "row_number", None)
            k = record - 2 if isinstance(record, int) else None
            field_name = getattr(error, "field_name", None)
            j = names.index(field_name) if field_name in names else None
            problem = _translate(error, resource, shown, table)
            if problem is not None:
                out.append((kinds.get(error.type, "cell"), k, j, problem))
    return found


def _row_problems(good: list[dict], tables: dict[str, _Table], folder: Path, by_file: dict[str, list[Problem]],
                  engine: str | None = None) -> None:
    """Stage 2 for every table that parsed: row checks, own checks and cross-field rules, into ``by_file``."""
    if engine is None:
        engine = "fast" if _fast_path(good) else "frictionless"
    if engine == "fast":
        found = _fast_row_problems(good, tables, folder)
    else:
        found = _frictionless_row_problems(good, tables, folder, by_file)
    for resource in good:
        table = tables[resource["name"]]
        shown = _display(folder, resource["path"])
        own, covered = _own_checks(resource, shown, table)
        items = found.get(resource["name"], [])
        unique_rows = {k for kind, k, _, _ in items if kind == "unique"}
        problems = list(own)
        for kind, k, j, problem in items:
            if j is not None and k is not None and (k, j) in covered:
                continue  # our own check on this cell already says it
            if kind == "pk" and k in unique_rows:
                continue  # the unique-error on the same row already says it
            problems.append(problem)
        problems.extend(_cross_field(resource, shown, table, covered))
        by_file[shown].extend(problems)


def _cut(problems: list[Problem], shown: str) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_FILE problems for one file, and a line saying how many more there are."""
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    more = len(problems) - MAX_PROBLEMS_PER_FILE
    note = Problem(shown, None, None, None, f"fewer problems: the list for this file is cut at "
                                            f"{MAX_PROBLEMS_PER_FILE:,}; {more:,} more are not shown", hidden=more)
    return problems[:MAX_PROBLEMS_PER_FILE] + [note]


def validate(data_dir: str | Path | None = None) -> list[Problem]:
    """Validate every table of the data package; return the problems (empty when valid)."""
    folder = _data_dir(data_dir)
    try:
        return _validate(folder)
    except Exception as exc:  # a last guard: a bad package must give a located line, never a traceback
        return [Problem(_display(folder, PACKAGE_FILE), None, None, None,
                        f"a data package the validator can check (it failed unexpectedly: {exc.__class__.__name__}: "
                        f"{_excerpt(str(exc))}; please report this)")]


def _validate(folder: Path, engine: str | None = None) -> list[Problem]:
    descriptor, problems = _read_descriptor(folder)
    if descriptor is None:
        return problems
    problems = _check_descriptor(descriptor, folder)
    if problems:
        return problems

    by_file: dict[str, list[Problem]] = {}
    tables: dict[str, _Table] = {}
    for resource in descriptor["resources"]:
        shown = _display(folder, resource["path"])
        table, file_problems = _read_table(folder, resource)
        by_file.setdefault(shown, []).extend(file_problems)
        if table is not None and table.rows:
            tables[resource["name"]] = table

    if tables:
        good = [r for r in descriptor["resources"] if r["name"] in tables]
        _row_problems(good, tables, folder, by_file, engine)
    for shown, file_problems in by_file.items():
        file_problems.sort(key=lambda p: p.line or 0)
        problems.extend(_cut(file_problems, shown))
    return problems


# ---------------------------------------------------------------------------------------
# Loading typed DataFrames

_DTYPES = {"string": "string", "number": "float64", "integer": "Int64", "boolean": "boolean"}

# Data folders already validated, keyed by a hash of their files' bytes and of this module, kept in
# memory for the process and in build/cache/validated.json across processes: every notebook loads
# tables, and validating the whole package takes seconds. Any change to a data file (or to the
# validator) changes the key, so changed data is always validated again.
_validated: set[str] = set()
_CACHE_KEEP = 20


def _content_key(folder: Path) -> str:
    """Hash of this module, the descriptor and every resource file the descriptor names (safe paths
    only: an unsafe one is hashed as its text, and validation refuses it)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    descriptor, _ = _read_descriptor(folder)
    digest.update(json.dumps(descriptor, sort_keys=True).encode())
    for resource in descriptor.get("resources", []) if descriptor else []:
        path = resource.get("path") if isinstance(resource, dict) else None
        digest.update(repr(path).encode())
        if _path_problem(folder, path)[0] is None:
            try:
                digest.update((folder / path).read_bytes() if (folder / path).is_file() else b"\0missing")
            except OSError:
                digest.update(b"\0unreadable")
    return digest.hexdigest()


def _cache_file() -> Path:
    return paths.BUILD_DIR / "cache" / "validated.json"


def _cached_keys() -> list[str]:
    try:
        keys = json.loads(_cache_file().read_text(encoding="utf-8"))
        return keys if isinstance(keys, list) else []
    except (OSError, ValueError):
        return []


def _remember(key: str) -> None:
    _validated.add(key)
    keys = [k for k in _cached_keys() if k != key][-(_CACHE_KEEP - 1):] + [key]
    try:
        path = _cache_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(keys), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout still works; it just validates every time


def _ensure_valid(folder: Path) -> dict:
    descriptor, problems = _read_descriptor(folder)
    if not problems:
        problems = _check_descriptor(descriptor, folder)
    if problems:
        raise DataValidationError(problems)
    key = _content_key(folder)
    if key not in _validated and key not in _cached_keys():
        problems = validate(folder)
        if problems:
            raise DataValidationError(problems)
    if key not in _validated:
        _remember(key)
    return descriptor


def _typed_frame(folder: Path, resource: dict) -> pd.DataFrame:
    import pandas as pd

    fields = resource["schema"]["fields"]
    dtypes = {f["name"]: _DTYPES.get(f["type"], "string") for f in fields if f["type"] != "date"}
    dates = [f["name"] for f in fields if f["type"] == "date"]
    frame = pd.read_csv(
        folder / resource["path"],
        dtype=dtypes,
        keep_default_na=False,
        na_values={name: [""] for name in dtypes},
        encoding="utf-8",
    )
    for name in dates:
        frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d")
    frame.attrs["source_file"] = _display(folder, resource["path"])
    frame.attrs["title"] = resource.get("title", resource["name"])
    return frame


def load(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Validate the data package, then return table ``name`` as a typed DataFrame.

    Raises :class:`DataValidationError` (a ``ValueError``) listing every problem if the package
    does not validate, and ``KeyError`` naming the known tables if ``name`` is not one of them.
    """
    folder = _data_dir(data_dir)
    descriptor = _ensure_valid(folder)
    for resource in descriptor["resources"]:
        if resource["name"] == name:
            return _typed_frame(folder, resource)
    known = ", ".join(r["name"] for r in descriptor["resources"])
    raise KeyError(f"no table named {name!r} in the data package; known tables: {known}")


def load_all(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the data package, validated and typed, keyed by name."""
    folder = _data_dir(data_dir)
    descriptor = _ensure_valid(folder)
    return {r["name"]: _typed_frame(folder, r) for r in descriptor["resources"]}
