"""Stage 2: the row checks of the Table Schema, with frictionless reading every cell.

Each column's cells are read by frictionless's own cell reader (``Field.create_cell_reader`` of the schema as
frictionless builds it: missing values, the type, the format and every constraint but ``pattern``, exactly as
frictionless reads a row, its parsing options such as ``missingValues`` or ``trueValues`` included), each
distinct cell once. What frictionless checks across rows (unique values, primary and foreign keys, blank rows) is
done here on the typed values it returned, the way its table reader does it (``resources/table.py``), with the
physical line of the other row in the message.

Why not ``Package.validate`` (``docs/maintenance.md``, "Row checks", has the measurements): it raises TypeError on a
signalling NaN ("sNaN") in a unique or key column, where we name the cell; and it is slower (twice the validator
tests' time, about 4.6 times ours on a 200,000-row table), copying and re-validating metadata.
``tests/test_validation_equivalence.py`` compares the problems found here with ``Package.validate``'s on random
tables and schemas.
Patterns are matched by RE2 among the own checks (``own_checks.py``); frictionless never sees them.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .csvfile import _Table
from .descriptor import _names
from .problems import _TYPE_WORDS, Problem, _constraint_expected, _display

#: One row check's finding: (kind, row index, column index or None, the problem). Kinds: "cell" (type or
#: constraint), "blank", "unique", "pk", "fk".
Finding = tuple[str, int, int | None, Problem]


def _readers(resource: dict) -> list[Callable[[str], tuple[Any, dict | None]]]:
    """frictionless's cell reader for each field of the resource's schema (patterns and x-rules left out)."""
    schema = copy.deepcopy(resource["schema"])
    for key in ("x-rules", "primaryKey", "foreignKeys"):  # x-rules: ours; keys: checked below
        schema.pop(key, None)
    for field in schema["fields"]:
        field.get("constraints", {}).pop("pattern", None)  # matched by RE2 in own_checks: Python's re can hang
    return list(_readers_for(json.dumps(schema)))


@functools.lru_cache(maxsize=256)
def _readers_for(schema_json: str) -> tuple[Callable[[str], tuple[Any, dict | None]], ...]:
    """The readers of one schema, built once per process: frictionless validates the schema's metadata while it
    builds them (about 8 ms a table), and a reader depends on its field's descriptor alone, so the same schema
    (a re-validated package, a copied one) reuses them."""
    from frictionless import Schema

    return tuple(field.create_cell_reader() for field in Schema.from_descriptor(json.loads(schema_json)).fields)


class _Typed:
    """A table's columns as frictionless reads them (each distinct cell read once): the typed values of a column
    (built when a key or unique check asks), the cells with a type or constraint problem as
    {(row, column): expected-texts}, and the rows that are blank (every cell missing)."""

    def __init__(self, resource: dict, table: _Table):
        self.table = table
        self.read: list[dict[str, Any]] = []
        self.bad: dict[tuple[int, int], tuple[str, ...]] = {}
        self._values: dict[int, list] = {}
        blank = [True] * len(table.rows)
        fields = resource["schema"]["fields"]
        for j, (field, reader) in enumerate(zip(fields, _readers(resource), strict=True)):
            column = table.column(j)
            values, problems, missing = {}, {}, set()
            for cell in set(column):
                value, expected, is_missing = _read(reader, cell, resource, field)
                values[cell] = value
                if expected:
                    problems[cell] = expected
                if is_missing:
                    missing.add(cell)
            self.read.append(values)
            for k, cell in enumerate(column):
                if cell in problems:
                    self.bad[k, j] = problems[cell]
                if cell not in missing:
                    blank[k] = False
        self.blank = {k for k, is_blank in enumerate(blank) if is_blank}

    def values(self, j: int) -> list:
        if j not in self._values:
            self._values[j] = list(map(self.read[j].__getitem__, self.table.column(j)))
        return self._values[j]


def _read(reader: Callable, cell: str, resource: dict, field: dict) -> tuple[Any, tuple[str, ...], bool]:
    """One cell through frictionless's reader: (typed value or None, what its problems expected, whether it counts
    as missing for a blank row: no value and no type error)."""
    ftype = field.get("type", "string")  # a type _TYPE_WORDS names: stage 0 refuses any other
    try:
        value, notes = reader(cell)
    except ArithmeticError:  # frictionless's constraint checks raise on a signalling NaN ("sNaN")
        value, notes = Decimal("sNaN"), None
    if isinstance(value, Decimal) and value.is_snan():  # cannot be compared or hashed: not a usable number
        return None, (_TYPE_WORDS[ftype],), False
    notes = notes or {}
    expected = tuple(_TYPE_WORDS[ftype] if kind == "type" else
                     _constraint_expected(resource, field["name"], note) for kind, note in notes.items())
    return value, expected, value is None and "type" not in notes


def _row_checks(good: list[dict], tables: dict[str, _Table], folder: Path) -> dict[str, list[Finding]]:
    """For each table, its row problems as (kind, row index, column index or None, Problem)."""
    typed = {r["name"]: _Typed(r, tables[r["name"]]) for r in good}
    lookups: dict[tuple[str, tuple[str, ...]], set] = {}
    found: dict[str, list[Finding]] = {}
    for resource in good:
        name, schema = resource["name"], resource["schema"]
        table, shown = tables[name], _display(folder, resource["path"])
        names = table.header
        blank = typed[name].blank
        out: list[Finding] = []
        found[name] = out
        for (k, j), expected_texts in typed[name].bad.items():
            if k not in blank:  # frictionless reports a blank row once, not its cells
                for expected in expected_texts:
                    out.append(("cell", k, j, Problem(shown, table.cell_line(k, j), names[j], table.rows[k][j],
                                                      expected)))
        for k in sorted(blank):
            out.append(("blank", k, None, Problem(shown, table.lines[k], None, None, "no blank lines")))
        _unique(schema, typed[name], shown, out)
        _primary_key(schema, typed[name], shown, out)
        _foreign_keys(name, schema, typed, tables, lookups, shown, out)
    return found


def _unique(schema: dict, typed: _Typed, shown: str, out: list[Finding]) -> None:
    """A value of a ``unique`` column used before: on the later row, naming the latest earlier line."""
    table = typed.table
    for j, field in enumerate(schema["fields"]):
        if field.get("constraints", {}).get("unique") is not True:
            continue
        seen: dict = {}
        for k, value in enumerate(typed.values(j)):
            if value is None:
                continue
            before = seen.get(value)
            seen[value] = k
            if before is not None:
                out.append(("unique", k, j, Problem(shown, table.cell_line(k, j), table.header[j], table.rows[k][j],
                                                    "a value not used on any other line (the same value is on "
                                                    f"line {table.lines[before]})")))


def _primary_key(schema: dict, typed: _Typed, shown: str, out: list[Finding]) -> None:
    """A key used before, or a key whose cells are all missing."""
    key = _names(schema.get("primaryKey")) or []
    if not key:
        return
    table = typed.table
    at = [table.header.index(c) for c in key]
    seen: dict = {}
    for k, cells in enumerate(zip(*(typed.values(j) for j in at), strict=True)):
        other = ""
        if all(c is None for c in cells):
            duplicate = True
        else:
            before = seen.get(cells)
            seen[cells] = k
            duplicate = before is not None
            if before is not None:
                other = f" (the same value is on line {table.lines[before]})"
        if duplicate:
            value = ", ".join(table.rows[k][j] for j in at)
            out.append(("pk", k, None, Problem(shown, table.lines[k], ", ".join(key), value,
                                               f"a key not used on any other line{other}")))


def _foreign_keys(name: str, schema: dict, typed: dict[str, _Typed], tables: dict[str, _Table],
                  lookups: dict[tuple[str, tuple[str, ...]], set], shown: str, out: list[Finding]) -> None:
    """A reference to a row that is not in the target table (only into tables that parsed)."""
    table = tables[name]
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"].get("resource") or name
        if target not in typed:
            continue  # a table that did not parse: its keys are not checked
        own, theirs = _names(fk["fields"]) or [], _names(fk["reference"]["fields"]) or []
        lookup = lookups.get((target, tuple(theirs)))
        if lookup is None:
            at_source = [tables[target].header.index(c) for c in theirs]
            lookup = lookups[target, tuple(theirs)] = {
                cells for cells in zip(*(typed[target].values(j) for j in at_source), strict=True)
                if not all(c is None for c in cells)}
        at = [table.header.index(c) for c in own]
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
