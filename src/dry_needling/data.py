"""Load and validate the data package in ``data/``.

``data/datapackage.json`` (a Frictionless Data Package) is the machine-readable truth: field
types, required fields, constraints, primary and foreign keys. Validation runs in two stages:

1. File checks done here, so that one broken file gives one clear message rather than a
   cascade: the file exists, is not empty, is UTF-8 text, and its header has exactly the
   columns the schema lists.
2. Row checks by frictionless on the files that passed stage 1 (types, constraints, unique
   ids, foreign keys), plus the package's cross-field rules (``x-rules`` in a schema, e.g.
   "when unit is percent, value lies in 0-100"), which the Table Schema spec cannot express.

Every problem becomes a :class:`Problem` naming the file, the line of the CSV file (the
header is line 1), the column, the bad value and what was expected. :func:`load` raises
:class:`DataValidationError` carrying all of them and writes nothing. Only after a folder validates
is its content hash remembered (``build/cache/validated.json``), so unchanged data is not validated
again by every notebook.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import paths

__all__ = [
    "DataValidationError",
    "Problem",
    "validate",
    "load",
    "load_all",
    "resource_names",
]

PACKAGE_FILE = "datapackage.json"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as possible."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        found = "" if self.value is None else f"found {self.value!r}; "
        return f"{where}: {found}expected {self.expected}"


class DataValidationError(ValueError):
    """Raised when the data package does not validate; ``problems`` lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the data:\n{lines}")


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


def _read_descriptor(data_dir: Path) -> tuple[dict | None, list[Problem]]:
    path = data_dir / PACKAGE_FILE
    shown = _display(data_dir, PACKAGE_FILE)
    if not data_dir.is_dir():
        return None, [Problem(_display(data_dir, ""), None, None, None, "a data folder (it does not exist)")]
    if not path.is_file():
        return None, [Problem(shown, None, None, None, "a Frictionless datapackage.json (file is missing)")]
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return None, [Problem(shown, line, None, None, f"valid UTF-8 JSON ({exc.__class__.__name__}: {exc})")]
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return None, [Problem(shown, None, None, None, "a JSON object with a 'resources' list")]
    return descriptor, []


def resource_names(data_dir: str | Path | None = None) -> list[str]:
    """Names of the tables described in the data package, in package order."""
    descriptor, problems = _read_descriptor(_data_dir(data_dir))
    if problems:
        raise DataValidationError(problems)
    return [r["name"] for r in descriptor["resources"]]


# ---------------------------------------------------------------------------------------
# Stage 1: file checks


def _check_file(data_dir: Path, resource: dict) -> list[Problem]:
    name = resource["path"]
    shown = _display(data_dir, name)
    path = data_dir / name
    fields = [f["name"] for f in resource["schema"]["fields"]]
    if not path.is_file():
        return [Problem(shown, None, None, None, f"a CSV file with columns {', '.join(fields)} (file is missing)")]
    raw = path.read_bytes()
    if not raw.strip():
        return [Problem(shown, 1, None, None, f"a header line with columns {', '.join(fields)} (file is empty)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1]
        expected = "UTF-8 text (the file has bytes that are not UTF-8)"
        return [Problem(shown, line, None, f"byte 0x{bad.hex()}", expected)]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return [Problem(shown, line, None, "a NUL byte", "plain CSV text (the file looks binary)")]
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    problems = []
    for column in fields:
        if column not in header:
            problems.append(Problem(shown, 1, column, None, f"a column named '{column}' in the header (it is missing)"))
    for column in header:
        if column not in fields:
            expected = f"only the columns {', '.join(fields)} (this one is not in the schema)"
            problems.append(Problem(shown, 1, column, column, expected))
    if not problems and header != fields:
        problems.append(Problem(shown, 1, None, ",".join(header), f"the columns in the order {','.join(fields)}"))
    if not problems and len(text.splitlines()) < 2:
        problems.append(Problem(shown, 2, None, None, "at least one data row after the header"))
    return problems


# ---------------------------------------------------------------------------------------
# Stage 2: row checks (frictionless) and cross-field rules

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


def _translate(error, resource: dict, shown: str, rows_by_line: dict[int, dict]) -> Problem | None:
    kind = error.type
    line = getattr(error, "row_number", None)
    field_name = getattr(error, "field_name", None)
    cell = getattr(error, "cell", None)
    note = getattr(error, "note", "") or ""
    if kind == "type-error":
        ftype = _field(resource, field_name).get("type", "")
        return Problem(shown, line, field_name, cell, _TYPE_WORDS.get(ftype, ftype))
    if kind == "constraint-error":
        return Problem(shown, line, field_name, cell, _constraint_expected(resource, field_name, note))
    if kind == "unique-error":
        other = re.search(r"position (\d+)", note)
        where = f" (the same value is on line {other.group(1)})" if other else ""
        return Problem(shown, line, field_name, cell, f"a value not used on any other line{where}")
    if kind == "primary-key":
        return None  # always accompanied by a unique-error on the same line
    if kind == "foreign-key":
        match = re.search(r'for "([^"]+)"', note)
        column = match.group(1) if match else None
        ref = re.search(r'lookup table "([^"]+)" as "([^"]+)"', note)
        value = rows_by_line.get(line, {}).get(column) if column else None
        target = f"an {ref.group(2)} listed in {ref.group(1)}.csv" if ref else note
        return Problem(shown, line, column, value, target)
    if kind == "missing-cell":
        return Problem(shown, line, field_name, None, "a cell here (the line has too few cells)")
    if kind == "extra-cell":
        return Problem(shown, line, None, cell, "no more cells than the header has columns")
    if kind == "blank-row":
        return Problem(shown, line, None, None, "no blank lines")
    return Problem(shown, line, field_name, cell, note or error.message)


def _rows_by_line(path: Path) -> dict[int, dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = {}
        for row in reader:
            rows[reader.line_num] = row  # line of the file this row ends on (header = line 1)
        return rows


def _cross_field(resource: dict, shown: str, rows: dict[int, dict]) -> list[Problem]:
    """Apply ``x-rules`` such as {"when": {"unit": "percent"}, "fields": [...], "minimum": 0, "maximum": 100}."""
    problems = []
    for rule in resource["schema"].get("x-rules", []):
        when = rule.get("when", {})
        for line, row in rows.items():
            if any(row.get(k) != v for k, v in when.items()):
                continue
            for column in rule["fields"]:
                raw = (row.get(column) or "").strip()
                try:
                    number = float(raw)
                except ValueError:
                    continue  # empty, or already reported as a type error
                low, high = rule.get("minimum"), rule.get("maximum")
                if (low is not None and number < low) or (high is not None and number > high):
                    cond = " and ".join(f"{k} is '{v}'" for k, v in when.items())
                    problems.append(Problem(shown, line, column, raw, f"a value from {low} to {high} when {cond}"))
    return problems


def validate(data_dir: str | Path | None = None) -> list[Problem]:
    """Validate every table of the data package; return the problems (empty when valid)."""
    from frictionless import Package  # imported here: costs ~0.5 s and only validation needs it

    folder = _data_dir(data_dir)
    descriptor, problems = _read_descriptor(folder)
    if descriptor is None:
        return problems

    good = []
    for resource in descriptor["resources"]:
        file_problems = _check_file(folder, resource)
        problems.extend(file_problems)
        if not file_problems:
            good.append(resource)
    if not good:
        return problems

    good_names = {r["name"] for r in good}
    checked = copy.deepcopy(descriptor)
    checked["resources"] = []
    for resource in copy.deepcopy(good):
        schema = resource["schema"]
        schema.pop("x-rules", None)
        # A foreign key into a broken file cannot be checked; that file's own problem is reported.
        schema["foreignKeys"] = [
            fk for fk in schema.get("foreignKeys", []) if fk["reference"].get("resource", "") in good_names
        ]
        checked["resources"].append(resource)

    package = Package(checked, basepath=str(folder))
    report = package.validate()
    by_name = {r["name"]: r for r in good}
    for task in report.tasks:
        resource = by_name[task.name]
        shown = _display(folder, resource["path"])
        rows = _rows_by_line(folder / resource["path"])
        for error in task.errors:
            problem = _translate(error, resource, shown, rows)
            if problem is not None:
                problems.append(problem)
        problems.extend(_cross_field(resource, shown, rows))
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
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
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
