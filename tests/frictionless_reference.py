"""The reference for ``tests/test_validation_equivalence.py``: the row checks made by frictionless's
``Package.validate`` itself (row by row, about 8 times slower than ``dry_needling.data.rows``), its errors turned
into the same located findings ``rows._row_checks`` returns, so the two can be compared problem for problem."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from dry_needling.data.csvfile import _Table
from dry_needling.data.descriptor import _names
from dry_needling.data.problems import _TYPE_WORDS, Problem, _constraint_expected, _excerpt, _field
from dry_needling.data.problems import _display as display

KINDS = {"unique-error": "unique", "primary-key": "pk", "foreign-key": "fk", "blank-row": "blank"}


def _translate(error, resource: dict, shown: str, table: _Table) -> Problem:
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


def _resource(resource: dict, table: _Table, good_names: set[str]) -> dict:
    """The resource as frictionless validates it: the parsed rows inline (frictionless opens no file), no pattern
    (matched by RE2 in own_checks, as in the validator), foreign keys only into tables that parsed."""
    schema = copy.deepcopy(resource["schema"])
    schema.pop("x-rules", None)
    for field in schema["fields"]:
        field.get("constraints", {}).pop("pattern", None)
    schema["foreignKeys"] = [fk for fk in schema.get("foreignKeys", [])
                             if (fk["reference"].get("resource") or resource["name"]) in good_names]
    return {"name": resource["name"], "data": [table.header, *table.rows], "schema": schema}


def row_checks(good: list[dict], tables: dict[str, _Table], folder: Path) -> dict[str, list]:
    """What ``dry_needling.data.rows._row_checks`` returns, found by frictionless's ``Package.validate``."""
    from frictionless import Package

    checked = {"resources": [_resource(r, tables[r["name"]], set(tables)) for r in good]}
    report = Package(checked).validate(limit_errors=10**7)
    assert not report.errors, [error.message for error in report.errors]  # the package itself: checked in stage 0
    by_name = {r["name"]: r for r in good}
    found: dict[str, list] = {}
    for task in report.tasks:
        resource, table = by_name[task.name], tables[task.name]
        shown, names = display(folder, resource["path"]), table.header
        out = found[task.name] = []
        for error in task.errors:
            record = getattr(error, "row_number", None)
            k = record - 2 if isinstance(record, int) else None
            field_name = getattr(error, "field_name", None)
            j = names.index(field_name) if field_name in names else None
            out.append((KINDS.get(error.type, "cell"), k, j, _translate(error, resource, shown, table)))
    return found
