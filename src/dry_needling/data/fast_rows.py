"""Stage 2, fast path: the row checks frictionless makes, done here column by column.

Each function below mirrors frictionless 5's reading of a cell (``fields/*.py``,
``schema/field.py: create_cell_reader``) and its integrity checks (``resources/table.py``:
unique, primary and foreign keys), so the problems are the same ones, but each distinct cell
of a column is read once and no Row objects are built. A schema that uses one of
frictionless's parsing options (missing values, true/false values, number formatting) is
checked by frictionless itself (``_frictionless_row_problems``). Pattern constraints are matched by RE2, in
linear time, among the own checks (``own_checks.py``), for both paths.
``tests/test_validation_equivalence.py`` compares the two on random tables.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .csvfile import _Table
from .descriptor import _names
from .problems import _TYPE_WORDS, Problem, _constraint_expected, _display

_FRICTIONLESS_OPTIONS = {"missingValues", "trueValues", "falseValues", "bareNumber", "floatNumber", "groupChar",
                         "decimalChar"}
_SUPPORTED = {  # frictionless's supported_constraints per type (others are ignored); patterns: see own_checks
    "string": ("required", "minLength", "maxLength", "enum"),
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
