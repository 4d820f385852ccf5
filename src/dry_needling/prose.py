"""Numbers in prose, bound to the data.

Strict nbval guards the notebooks' *outputs*; this module guards their *prose*. Every number written in
a markdown cell must be either

* **bound**: its value, at the decimals written, is a value of a table the notebook loads
  (``data.load("...")``) or appears in the notebook's own stored outputs (which nbval ties to the data), or
* **bound to another notebook** whose result the sentence quotes
  (``"dry_needling": {"bound_in": ["06_reanalysing_the_trials.ipynb"]}``), or
* **marked as not data** in the cell's metadata (``"dry_needling": {"not_data": ["10×10", "Exercise 2"]}``),
  or matched by one of the few generic patterns in :data:`NOT_DATA_PATTERNS` (exercise and notebook numbers,
  scale ranges such as "0–10", "95 %" in "95 % CI", list markers, the numbers inside source ids and code).

A number that is neither is reported with the notebook, the cell and the number
(:func:`unbound_numbers`). The same check applies to figure alt text against the figure's data CSV
(:func:`unbound_alt_numbers`). How to mark a number and why: ``docs/maintenance.md``.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Number", "NOT_DATA_PATTERNS", "numbers_in", "known_values", "unbound_numbers", "unbound_alt_numbers",
           "bound"]

_MINUS = "\u2212"
# A number: optional sign, digits with optional thousands separators, optional decimals.
_NUMBER = re.compile(r"(?<![\w.])([-\u2212+]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")

#: Generic places where a number is not a data value. Each pattern is applied to the text with the
#: number's position; a match that covers the number marks it as not data.
NOT_DATA_PATTERNS = [
    r"`[^`]*`",                                              # code and ids: `braithwaite2019`, `0.26` in code
    r"\[[^\]]*\]\([^)]*\)",                                  # markdown links
    r"https?://\S+",                                         # URLs
    r"(?:Exercise|exercise|Notebook|notebook|notebooks|Table|table|Analysis|analysis|analyses|Figure|figure|"
    r"Section|section|Step|step|Question|Q|row|rows|line|lines|page|pages|version|Level|level|cell|S)"
    r"\s*\d+(?:\.\d+)?(?:\s*(?:,|and|to|or|–|-)\s*\d+(?:\.\d+)?)*",
    r"\b0\s*(?:–|-|to)\s*(?:10|100)\b(?:\s*(?:mm|points?|scale|pain scale))?",  # scale ranges 0-10, 0 to 100
    r"\b(?:90|95|99)\s*(?:%|percent)\s*(?:CI|confidence|uncertainty|prediction|interval|Wilson|Wald)",
    r"(?:^|\n)\s*\d+[.)]\s",                                # numbered list markers
    r"\bk\s*[−-]\s*2\b",                                    # k − 2 degrees of freedom
    r"\b\d{1,2}\s*(?:×|by)\s*\d{1,2}\b",                     # 10×10 grid, 10 by 10
    r"#+ [^\n]*",                                           # headings
    r"\$[^$]*\$",                                           # inline and display math
    r"\b(?:19|20)\d{2}[a-z]?\b(?=[^%]|$)",                  # years (of sources, studies and events): checked by the
                                                             # source ids and dated tables, not as quantities
    r"\b\d+\s*(?:minutes|min)\b",                           # reading times
    r"\b(?:per|in|of every|of)\s+(?:100|1,000|10,000)\b",      # the unit of a rate: "per 100 treatments"
    r"\b(?:one|two|three)\s+\w+\s+\d\b",
]
_NOT_DATA = re.compile("|".join(f"(?:{p})" for p in NOT_DATA_PATTERNS))


@dataclass(frozen=True)
class Number:
    """A number as written: its text, value, decimals and position in the text."""

    text: str
    value: float
    decimals: int
    start: int


def numbers_in(text: str, not_data: list[str] | tuple[str, ...] = ()) -> list[Number]:
    """The numbers in ``text`` that claim to be data: every number except those inside a generic
    not-data pattern or inside one of the ``not_data`` strings (marked in the cell's metadata)."""
    covered = [(m.start(), m.end()) for m in _NOT_DATA.finditer(text)]
    for marked in not_data:
        covered += [(m.start(), m.end()) for m in re.finditer(re.escape(marked), text)]
    out = []
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() and m.end() <= b for a, b in covered):
            continue
        sign = -1 if m.group(1) in ("-", _MINUS) else 1
        whole, frac = m.group(2).replace(",", ""), m.group(3) or ""
        value = sign * float(whole + frac)
        out.append(Number(m.group(0), value, len(frac) - 1 if frac else 0, m.start()))
    return out


def _numbers_from_text(text: str) -> set[float]:
    values = set()
    for m in _NUMBER.finditer(text):
        whole, frac = m.group(2).replace(",", ""), m.group(3) or ""
        values.add(abs(float(whole + frac)))
    return values


_NOT_VALUES = {"id", "url", "read_at", "doi", "citation", "locator", "accessed", "source_id"}


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _table_values(path: Path) -> set[float]:
    """Numeric cells of a CSV (a cell that is one number), plus numbers quoted in its descriptive text
    columns (notes, measures, populations); identifiers, citations, addresses and locators are left out."""
    values: set[float] = set()
    for row in _csv_rows(path):
        for column, cell in row.items():
            if not cell or column in _NOT_VALUES or column.endswith("_id"):
                continue  # a short row's missing cell (None), an empty one, or a column of identifiers
            try:
                values.add(abs(float(cell)))
            except ValueError:
                values |= _numbers_from_text(cell)
    return values


def known_values(notebook: Path, data_dir: Path) -> set[float]:
    """Absolute values a notebook's prose may quote: every numeric cell of the tables it loads
    (``data.load("name")``), numbers in their ``note`` column, and every number in its stored text
    outputs (printed text and the plain-text form of tables)."""
    nb = _notebook(notebook)
    loaded = {table for c in nb["cells"] if c["cell_type"] == "code"
              for table in re.findall(r"data\.load\(\s*[\"'](\w+)[\"']", "".join(c["source"]))}
    values: set[float] = set()
    for table in sorted(loaded):
        path = data_dir / f"{table}.csv"
        if path.exists():
            values |= _table_values(path)
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            # printed text (a stream) and the plain-text form of a result; each a string or a list of lines
            for text in (output.get("text"), output.get("data", {}).get("text/plain")):
                if text:
                    values |= _numbers_from_text("".join(text))
    return values


def bound(number: Number, values: set[float]) -> bool:
    """True if some value rounds to the number as written (sign ignored: prose says "lowered by 10")."""
    target = abs(number.value)
    tolerance = 0.5 * 10 ** -number.decimals + 1e-9
    return any(math.isclose(v, target, abs_tol=tolerance) for v in values)


def unbound_numbers(notebook: Path, data_dir: Path) -> list[str]:
    """Every number in the notebook's markdown that is neither bound nor marked, as
    ``"<notebook>, cell <i>: <number> in '…context…'"``."""
    nb = _notebook(notebook)
    values = known_values(notebook, data_dir)
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        marks = cell.get("metadata", {}).get("dry_needling", {})
        cell_values = values
        for other in marks.get("bound_in", []):  # a sentence quoting another notebook's result
            cell_values = cell_values | known_values(notebook.parent / other, data_dir)
        for number in numbers_in(text, marks.get("not_data", [])):
            if not bound(number, cell_values):
                context = text[max(0, number.start - 40): number.start + 40].replace("\n", " ")
                problems.append(f"{notebook.name}, cell {i}: {number.text} in '…{context}…'")
    return problems


def unbound_alt_numbers(alt: str, figure_csv: Path, not_data: tuple[str, ...] = ()) -> list[str]:
    """Numbers in a figure's alt text that its data CSV does not hold, within the rounding written.

    Besides the cells themselves, the counts a reader sees in the chart are allowed: the number of
    rows, the number of filled and of empty cells in each column, and the sum of each whole-number
    column (e.g. 54 trials across the rows of a table of trial counts)."""
    values: set[float] = set()
    rows = _csv_rows(figure_csv)
    values.add(float(len(rows)))
    columns = rows[0].keys() if rows else []
    for column in columns:
        cells = [(r.get(column) or "").strip() for r in rows]
        values |= {float(sum(1 for c in cells if c)), float(sum(1 for c in cells if not c))}
        whole = []
        for cell in cells:
            values |= _numbers_from_text(cell)
            try:
                number = float(cell)
            except ValueError:
                continue
            values.add(abs(number) * 100)  # a value stored as a fraction may be quoted as a percentage
            if number.is_integer():
                whole.append(number)
        if whole and len(whole) == sum(1 for c in cells if c):
            values.add(abs(sum(whole)))
    return [n.text for n in numbers_in(alt, not_data) if not bound(n, values)]
