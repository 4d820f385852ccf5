"""Stage 2 by frictionless itself (row by row), for schemas that use its parsing options; its errors as
located problems."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from .csvfile import _Table
from .descriptor import _names
from .problems import _TYPE_WORDS, PACKAGE_FILE, Problem, _constraint_expected, _display, _excerpt, _field


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



def _frictionless_resource(resource: dict, table: _Table, good_names: set[str]) -> dict:
    """The resource as frictionless validates it: the parsed rows inline (frictionless opens no
    file), no pattern (own_checks matches them in linear time), foreign keys only into tables that parsed."""
    schema = copy.deepcopy(resource["schema"])
    schema.pop("x-rules", None)
    for field in schema["fields"]:
        field.get("constraints", {}).pop("pattern", None)  # matched by RE2 in own_checks: Python's re can hang
    schema["foreignKeys"] = [fk for fk in schema.get("foreignKeys", [])
                             if (fk["reference"].get("resource") or resource["name"]) in good_names]
    return {"name": resource["name"], "data": [table.header, *table.rows], "schema": schema}



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
