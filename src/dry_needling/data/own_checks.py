"""Stage 2: the checks frictionless does not make, and the cross-field rules (``x-rules``)."""

from __future__ import annotations

import math
import re

from .csvfile import _Table
from .problems import _CONSTRAINT_WORDS, _INT64, _TYPE_WORDS, Problem, linear_pattern
from .spreadsheet import FORMULA_EXPECTED, formula_like

# What the loader (pandas) reads, and nothing more: ASCII digits only (Python's int() and Decimal() also take
# full-width and Arabic-Indic digits and underscores, which pandas refuses), spaces around allowed.
_NUMBER = re.compile(r" *[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *")
_INTEGER = re.compile(r" *[+-]?[0-9]+ *")
_YEAR = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ASCII_NUMBER = ("a number written with the digits 0-9, at most one sign, one decimal point and an exponent "
                 "(e.g. -1.5e3; no other digits, underscores or separators)")


def _reads_as(ftype: str, cell: str) -> bool:
    """Whether frictionless's reader (Python's int, Decimal, strptime) takes ``cell`` as a value of ``ftype``."""
    from datetime import datetime
    from decimal import Decimal, InvalidOperation

    try:
        if ftype == "number":
            Decimal(cell.strip())
        elif ftype == "integer":
            int(cell.strip())
        elif ftype == "year":
            return len(cell) == 4 and int(cell) >= 0  # four characters cannot exceed 9999
        elif ftype == "date":
            datetime.strptime(cell, "%Y-%m-%d")
        return True
    except (ValueError, InvalidOperation, ArithmeticError):
        return False


def _own_check(field: dict):
    """A function cell -> what was expected (None when the cell passes) for one column."""
    ftype = field.get("type", "string")
    constraints = field.get("constraints", {})
    required = constraints.get("required") is True
    pattern = constraints.get("pattern")
    full = linear_pattern(pattern) if ftype == "string" and isinstance(pattern, str) else None

    def check(cell: str) -> str | None:
        if cell == "":
            return None
        if required and not cell.strip():
            return "a value (this column is required; the cell holds only spaces)"
        if ftype == "number":
            try:
                if not math.isfinite(float(cell)):  # NaN, infinity, or too large for a float (1e400)
                    return "a finite number (not NaN or infinity)"
            except ValueError:
                pass
            if _NUMBER.fullmatch(cell):
                return None
            return _ASCII_NUMBER if _reads_as("number", cell) else None  # else frictionless's type error
        if ftype == "integer":
            if _INTEGER.fullmatch(cell):
                digits = cell.strip().lstrip("+-")
                if len(digits) > 19 or not _INT64[0] <= int(cell) <= _INT64[1]:
                    return f"a whole number from {_INT64[0]} to {_INT64[1]} (a larger one cannot be loaded)"
                return None
            return "a whole number written with the digits 0-9 and at most one sign" \
                if _reads_as("integer", cell) else None
        if ftype in ("year", "date"):
            ok = (_YEAR if ftype == "year" else _DATE).fullmatch(cell)
            if ok or not _reads_as(ftype, cell):
                return None
            # Read by frictionless, refused here: other digits ("２０２６"), or too few of them ("2020-1-5").
            why = "with the digits 0-9 only" if not cell.isascii() else \
                "four digits" if ftype == "year" else "four digits for the year, two each for the month and the day"
            return f"{_TYPE_WORDS[ftype]} ({why})"
        if ftype != "string":
            return None
        if full is not None and full.fullmatch(cell) is None:
            note = " (a line break at the end does not match)" if full.fullmatch(cell.rstrip("\r\n")) else ""
            return _CONSTRAINT_WORDS["pattern"].format(pattern) + note
        if formula_like(cell):
            return FORMULA_EXPECTED
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
