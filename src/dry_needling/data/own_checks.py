"""Stage 2: the checks frictionless does not make, and the cross-field rules (``x-rules``)."""

from __future__ import annotations

import math
import re

from .csvfile import _Table
from .problems import _CONSTRAINT_WORDS, _INT64, Problem


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
