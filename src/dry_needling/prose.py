"""Numbers in prose, bound to their own source.

Strict nbval guards the notebooks' *outputs*; this module guards their *prose*. Every number written in a
markdown cell, and in the alt text of a figure a code cell saves, must be either

* **bound**: the cell's metadata names where the number comes from, and the number as written (with its sign,
  at the decimals written) rounds from that value::

      "metadata": {"dry_needling": {"bind": {
          "72 %": "article_figures[psychological_distress].value",
          "11 % to 84 %": ["burden_context[walker2000_lifetime].low", "burden_context[walker2000_lifetime].high"],
          "36.2 %": "output[c14: Rise 2020]"}}}

  A key is an exact piece of the cell's text; each number inside it is bound to the reference at its place in
  the list (one reference for one number). Where keys overlap, the longest wins, so ``"80"`` can bind every 80
  of a cell and ``"80 % would fall"`` the one 80 that means something else. The references
  (:data:`REFERENCE_FORMS`) name one cell of a table in ``data/`` or of a figure's data in ``figures/``, a count
  or sum over such a table, the stored output of a named cell, or a number written in a named code cell; a
  leading minus binds a number written as the value's opposite ("lowered pain by 1.2" for -1.2), or
* **not data**: matched by one of the few generic patterns in :data:`NOT_DATA_PATTERNS` (exercise and notebook
  numbers, scale ranges such as "0–10", "95 %" in "95 % CI", list markers, years, code in backticks, headings,
  math), or listed in the cell's ``"not_data"`` (an exercise's hypothetical, worked arithmetic).

A date written as day, month and year ("19 April 2021") is one number: it binds to a date cell or output.

:func:`unbound_numbers` and :func:`unbound_alt_numbers` name every number that is neither, every binding whose
value no longer matches the text (the data changed, or the prose did), and every reference that resolves
nowhere. :func:`suggest` lists the candidate references for each unbound number (``python -m dry_needling.prose
suggest NOTEBOOK``). How to bind a number and why: ``docs/maintenance.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Number", "Quantity", "NOT_DATA_PATTERNS", "REFERENCE_FORMS", "BindingError", "numbers_in",
           "quantities_in", "bound", "Sources", "resolve", "unbound_numbers", "unbound_alt_numbers", "suggest",
           "Suggestion", "SUMMARY_TAG", "VERDICT_WORDS", "summary_cells", "unbound_certainty", "main"]

_MINUS = "\u2212"
# A number: optional sign, digits with optional thousands separators, optional decimals.
_NUMBER = re.compile(r"(?<![\w.])([-\u2212+]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")

_MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                           "august", "september", "october", "november", "december"])}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?:" + "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True)) + r")\.?"
# A date with its day: "19 April 2021", "19 Apr 2021", "April 19, 2021", "2021-04-19".
_DATE = re.compile(rf"(?<![\w.])(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTH})\s+(?P<y1>\d{{4}})"
                   rf"|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}}),\s+(?P<y2>\d{{4}})"
                   r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))(?![\w])")

#: Generic places where a number is not a data value. Each pattern is applied to the text with the
#: number's position; a match that covers the number marks it as not data.
NOT_DATA_PATTERNS = [
    r"`[^`]*`",                                              # code and ids: `braithwaite2019`, `0.26` in code
    r"\[[^\]]*\]\([^)]*\)",                                  # markdown links
    r"https?://\S+",                                         # URLs
    r"(?:Exercise|exercise|Notebooks|Notebook|notebooks|notebook|Tables|tables|Table|table|Analysis|analysis|analyses|Figure|figure|"
    r"Section|section|Step|step|Question|row|rows|line|lines|page|pages|version|Level|level|cell)"
    r"\s*\d+(?:\.\d+)?(?:\s*(?:,|and|to|or|–|-)\s*\d+(?:\.\d+)?)*",
    r"\b[QS]\d+\b",                                         # question and supplement numbers: Q3, S1 (not "Q 2.43")
    r"\b0\s*(?:–|-|to)\s*(?:10|100)\b(?:\s*(?:mm|points?|scale|pain scale))?",  # scale ranges 0-10, 0 to 100
    r"\b(?:90|95|99)\s*(?:%|percent)\s*(?:CI|confidence|uncertainty|prediction|interval|Wilson|Wald)",
    r"(?:^|\n)\s*\d+[.)]\s",                                # numbered list markers
    r"\bk\s*[−-]\s*2\b",                                    # k − 2 degrees of freedom
    r"\b\d{1,2}\s*(?:×|by)\s*\d{1,2}\b",                     # 10×10 grid, 10 by 10
    r"#+ [^\n]*",                                           # headings
    r"\$\$[\s\S]*?\$\$|\$[^$\n]*\$",                         # display and inline math
    r"\b(?:19|20)\d{2}[a-z]?\b(?=[^%]|$)",                  # years (of sources, studies and events): checked by the
                                                             # source ids and dated tables, not as quantities
    r"\b\d+\s*(?:minutes|min)\b",                           # reading times
    r"\b(?:per|in|of)(?:\s+every)?\s+(?:100|1,000|10,000)\b",  # the unit of a rate: "per 100 treatments"
    r"\b(?:one|two|three)\s+\w+\s+\d\b",
]
_NOT_DATA = re.compile("|".join(f"(?:{p})" for p in NOT_DATA_PATTERNS))

#: The forms a reference may take (``docs/maintenance.md`` shows each with an example). TABLE is a table of
#: ``data/`` (``pooled_estimates``) or a figure's data (``figures/forest_smd``); KEY is a row's primary key
#: (a composite key's values joined by `` | ``; a figure's data: its first column), or conditions
#: ``COLUMN=VALUE`` / ``COLUMN!=VALUE`` joined by `` & `` that select one row; CELL is a cell id, of this
#: notebook or of another (``06_reanalysing_the_trials.ipynb#c30``); ``: TEXT`` keeps only the lines holding TEXT.
#: Any form may start with a minus (the number is written as the value's opposite) and end with ``×N`` (the
#: number is written in a unit N times smaller: 0.04 per 100 quoted as 4 per 10,000 is ``... ×100``).
REFERENCE_FORMS = (
    "TABLE[KEY].COLUMN",
    "count(TABLE)", "count(TABLE[CONDITIONS])",
    "sum(TABLE.COLUMN)", "sum(TABLE[CONDITIONS].COLUMN)",
    "output[CELL]", "output[CELL: TEXT]",
    "code[CELL]", "code[CELL: TEXT]",
)
_NAME = r"(?:figures/)?[A-Za-z_][\w-]*"
_REFERENCE = re.compile(
    rf"^(?P<neg>[-\u2212])?\s*(?:"
    rf"(?P<fn>count|sum)\((?P<ftable>{_NAME})(?:\[(?P<fsel>[^\]]*)\])?(?:\.(?P<fcol>\w+))?\)"
    rf"|(?P<kind>output|code)\[(?:(?P<nb>[\w.-]+\.ipynb)#)?(?P<cell>[\w-]+)(?::\s*(?P<text>[^\]]+?))?\s*\]"
    rf"|(?P<table>{_NAME})\[(?P<sel>[^\]]+)\]\.(?P<col>\w+)"
    rf")(?:\s*[×*]\s*(?P<times>\d+(?:\.\d+)?))?$")
_CONDITION = re.compile(r"^\s*(?P<col>\w+)\s*(?P<op>!?=)\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class Number:
    """A number as written: its text, value, decimals and position in the text. A date ("19 April 2021") is one
    number whose value is its proleptic Gregorian ordinal (``datetime.date.toordinal``)."""

    text: str
    value: float
    decimals: int
    start: int
    is_date: bool = False


@dataclass(frozen=True)
class Quantity:
    """A value a reference stands for: a number, or a date as its ordinal."""

    value: float
    is_date: bool = False


class BindingError(ValueError):
    """A reference that does not parse or resolves nowhere (no such table, row, column or cell)."""


def _date_value(match: re.Match[str]) -> float | None:
    if match.group("y3"):
        year, month, day = int(match.group("y3")), int(match.group("m3")), int(match.group("d3"))
    else:
        day = int(match.group("d1") or match.group("d2"))
        month = _MONTHS[(match.group("m1") or match.group("m2")).rstrip(".").lower()]
        year = int(match.group("y1") or match.group("y2"))
    try:
        return float(dt.date(year, month, day).toordinal())
    except ValueError:
        return None


def _parse(m: re.Match[str]) -> tuple[float, int]:
    sign = -1 if m.group(1) in ("-", _MINUS) else 1
    whole, frac = m.group(2).replace(",", ""), m.group(3) or ""
    return sign * float(whole + frac), len(frac) - 1 if frac else 0


def _all_numbers(text: str) -> Iterator[Number]:
    """Every date and number in ``text``, in order; the parts of a date are not numbers of their own."""
    dates = [(m, _date_value(m)) for m in _DATE.finditer(text)]
    spans = [(m.start(), m.end()) for m, v in dates if v is not None]
    found = [Number(m.group(0), v, 0, m.start(), True) for m, v in dates if v is not None]
    for m in _NUMBER.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):
            value, decimals = _parse(m)
            found.append(Number(m.group(0), value, decimals, m.start()))
    return iter(sorted(found, key=lambda n: n.start))


def numbers_in(text: str, not_data: Sequence[str] = ()) -> list[Number]:
    """The numbers in ``text`` that claim to be data: every number and dated day except those inside a generic
    not-data pattern or inside one of the ``not_data`` strings (marked in the cell's metadata)."""
    covered = [(m.start(), m.end()) for m in _NOT_DATA.finditer(text)]
    for marked in not_data:  # exact text, a space matching any white space (line breaks included)
        if marked.strip():
            pattern = r"\s+".join(re.escape(part) for part in marked.split())
            covered += [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    return [n for n in _all_numbers(text)
            if not any(a <= n.start and n.start + len(n.text) <= b for a, b in covered)]


def quantities_in(text: str) -> list[Quantity]:
    """Every number and date in ``text`` (a table's note, a printed output), with its sign."""
    return [Quantity(n.value, n.is_date) for n in _all_numbers(text)]


def bound(number: Number, values: Iterable[float]) -> bool:
    """True if some value rounds to the number as written, sign included: at the decimals written, within half a
    unit (0.42 stands for 0.415 to 0.425; -0.42 never for 0.42)."""
    tolerance = 0.5 * 10 ** -number.decimals + 1e-9
    return any(math.isclose(v, number.value, abs_tol=tolerance) for v in values)


# --- where references point -------------------------------------------------------------------------------------

def _read_notebook(path: Path) -> dict[str, Any]:
    from .notebooks import read_json

    return read_json(path)


_NOT_VALUES = {"id", "url", "read_at", "doi", "citation", "locator", "accessed", "source_id"}


def _cell_quantities(cell: str) -> list[Quantity]:
    cell = cell.strip()
    if not cell:
        return []
    try:
        value = float(cell)
    except ValueError:
        return quantities_in(cell)
    return [Quantity(value)] if math.isfinite(value) else []


@dataclass
class _Table:
    path: Path
    columns: list[str]
    key: list[str]
    rows: list[dict[str, str]]


@dataclass
class Sources:
    """Where references point: the data folder (its tables and their primary keys), the figures folder (each
    figure's plotted data) and the notebooks' folder (other notebooks' outputs). Tables and notebooks are read
    once."""

    data_dir: Path
    figures_dir: Path
    notebooks_dir: Path
    _tables: dict[str, _Table] = field(default_factory=dict, repr=False)
    _notebooks: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _catalogue: list[tuple[list[Quantity], str, str, str, set[str], str]] | None = field(default=None, repr=False)

    def table(self, name: str) -> _Table:
        if name not in self._tables:
            if name.startswith("figures/"):
                path, key = self.figures_dir / f"{name.split('/', 1)[1]}.csv", None
            else:
                path, key = self.data_dir / f"{name}.csv", self._primary_key(name)
            if not path.is_file():
                raise BindingError(f"no table {name!r} ({path.name} not found)")
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                rows = list(reader)
                columns = list(reader.fieldnames or [])
            self._tables[name] = _Table(path, columns, key or columns[:1], rows)
        return self._tables[name]

    def _primary_key(self, name: str) -> list[str] | None:
        descriptor = self.data_dir / "datapackage.json"
        if not descriptor.is_file():
            return None
        for resource in json.loads(descriptor.read_text(encoding="utf-8")).get("resources", []):
            if resource.get("name") == name:
                key = resource.get("schema", {}).get("primaryKey")
                return [key] if isinstance(key, str) else key
        return None

    def notebook(self, name: str) -> dict[str, Any]:
        if name not in self._notebooks:
            path = self.notebooks_dir / name
            if not path.is_file():
                raise BindingError(f"no notebook {name!r}")
            self._notebooks[name] = _read_notebook(path)
        return self._notebooks[name]

    def catalogue(self) -> list[tuple[list[Quantity], str, str, str, set[str], str]]:
        """Every cell that holds a number, as (its quantities, table, row key, column, the words of its row and
        column, the row's source id), for
        :func:`suggest`: identifiers, citations and locators are left out, and so is a figure's data whose first
        column does not name its rows."""
        if self._catalogue is None:
            self._catalogue = []
            for name in self.tables():
                table = self.table(name)
                keys = [" | ".join((r.get(k) or "").strip() for k in table.key) for r in table.rows]
                if len(set(keys)) != len(keys):
                    continue
                for key, row in zip(keys, table.rows, strict=True):
                    words = _words(" ".join([name, *(v or "" for v in row.values())]))
                    for column in table.columns:
                        if column in _NOT_VALUES or column.endswith("_id") or column in table.key:
                            continue
                        quantities = _cell_quantities(row.get(column) or "")
                        if quantities:
                            self._catalogue.append((quantities, name, key, column, words | _words(column),
                                                    row.get("source_id") or ""))
        return self._catalogue

    def tables(self) -> list[str]:
        """The data tables (by name), then the figures' data tables (``figures/NAME``)."""
        names = sorted(p.stem for p in self.data_dir.glob("*.csv"))
        names += sorted(f"figures/{p.stem}" for p in self.figures_dir.glob("*.csv") if p.stem != "index")
        return names


def _conditions(text: str, table: _Table, name: str) -> list[tuple[str, bool, str]]:
    out = []
    for part in text.split(" & "):
        m = _CONDITION.match(part)
        if not m:
            raise BindingError(f"{part!r} is not a condition COLUMN=VALUE or COLUMN!=VALUE")
        if m.group("col") not in table.columns:
            raise BindingError(f"no column {m.group('col')!r} in {name}")
        out.append((m.group("col"), m.group("op") == "=", m.group("value")))
    return out


def _same(cell: str, value: str) -> bool:
    """A cell equals a condition's value as text, or as numbers (``0`` selects ``-2.77556e-17``, ``0.0``)."""
    if cell == value:
        return True
    try:
        return math.isclose(float(cell), float(value), abs_tol=1e-9)
    except ValueError:
        return False


def _select(table: _Table, name: str, selector: str | None) -> list[dict[str, str]]:
    if selector is None:
        return table.rows
    if re.match(r"^\s*\w+\s*!?=", selector):  # conditions COLUMN=VALUE & ...; otherwise a key
        conds = _conditions(selector, table, name)
        return [r for r in table.rows if all(_same((r.get(c) or "").strip(), v) is equal for c, equal, v in conds)]
    values = [v.strip() for v in selector.split(" | ")]
    if len(values) != len(table.key):
        raise BindingError(f"{name} is keyed by {' | '.join(table.key)}: {selector!r} gives {len(values)} "
                              f"value(s) for {len(table.key)}")
    return [r for r in table.rows if [(r.get(k) or "").strip() for k in table.key] == values]


def _lines(texts: Iterable[str], only: str | None) -> str:
    lines = [line for text in texts for line in text.splitlines()]
    return "\n".join(line for line in lines if only is None or only in line)


def _output_texts(cell: dict[str, Any]) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        for text in (output.get("text"), output.get("data", {}).get("text/plain")):
            if text:
                texts.append("".join(text))
    return texts


def resolve(reference: str, sources: Sources, notebook: str | None = None) -> list[Quantity]:
    """The values ``reference`` stands for (one for a table cell, a count or a sum; every number on the selected
    lines for an output or a code cell), negated when it starts with a minus. ``notebook`` is the name of the
    notebook whose cells ``output[CELL]`` and ``code[CELL]`` mean. Raises :class:`BindingError` naming what
    is missing."""
    m = _REFERENCE.match(reference.strip())
    if not m:
        raise BindingError(f"not a reference (forms: {', '.join(REFERENCE_FORMS)})")
    sign = (-1.0 if m.group("neg") else 1.0) * (float(m.group("times")) if m.group("times") else 1.0)
    if m.group("kind"):
        nb_name = m.group("nb") or notebook
        if nb_name is None:
            raise BindingError("which notebook? write NOTEBOOK.ipynb#CELL")
        cells = [c for c in sources.notebook(nb_name)["cells"] if c.get("id") == m.group("cell")]
        if not cells or cells[0]["cell_type"] != "code":
            raise BindingError(f"no code cell with id {m.group('cell')!r} in {nb_name}")
        texts = _output_texts(cells[0]) if m.group("kind") == "output" else ["".join(cells[0]["source"])]
        text = _lines(texts, m.group("text"))
        if not text.strip():
            what = "no output" if m.group("kind") == "output" else "no source"
            where = f" on a line holding {m.group('text')!r}" if m.group("text") else ""
            raise BindingError(f"cell {m.group('cell')} of {nb_name} has {what}{where}")
        found = quantities_in(text)
    elif m.group("fn"):
        name = m.group("ftable")
        table = sources.table(name)
        rows = _select(table, name, m.group("fsel") if m.group("fsel") is not None else None)
        if m.group("fn") == "count":
            if m.group("fcol"):
                raise BindingError("count() takes a table, not a column")
            found = [Quantity(float(len(rows)))]
        else:
            column = m.group("fcol")
            if not column or column not in table.columns:
                raise BindingError(f"sum() needs a column of {name}")
            try:
                found = [Quantity(math.fsum(float(r[column]) for r in rows if (r.get(column) or "").strip()))]
            except ValueError as err:
                raise BindingError(f"column {column!r} of {name} is not all numbers") from err
    else:
        name, column = m.group("table"), m.group("col")
        table = sources.table(name)
        if column not in table.columns:
            raise BindingError(f"no column {column!r} in {name} (columns: {', '.join(table.columns)})")
        rows = _select(table, name, m.group("sel"))
        if len(rows) != 1:
            raise BindingError(f"{m.group('sel')!r} selects {len(rows)} rows of {name}, not one")
        found = _cell_quantities(rows[0].get(column) or "")
        if not found:
            raise BindingError(f"{name}[{m.group('sel')}].{column} holds no number")
    return [q if q.is_date else Quantity(sign * q.value) for q in found]


# --- checking a cell --------------------------------------------------------------------------------------------

def _marks(cell: dict[str, Any]) -> dict[str, Any]:
    marks = cell.get("metadata", {}).get("dry_needling", {})
    return marks if isinstance(marks, dict) else {}


def _context(text: str, start: int) -> str:
    return text[max(0, start - 40): start + 40].replace("\n", " ")


def _occurrences(key: str, text: str) -> list[tuple[int, int]]:
    """Where ``key`` occurs in ``text``, never starting or ending inside a number or word ("80" is not in "0.80",
    "180", "80.5" or "1980"); a space in the key matches any run of white space, line breaks included."""
    if not key.strip():
        return []
    pattern = r"\s+".join(re.escape(part) for part in key.split())  # a space matches a line break too
    if key[0].isalnum():
        pattern = r"(?<![\w.])(?<!\d,)" + pattern
    if key[-1].isalnum():
        pattern += r"(?!\w)(?![.,]\d)"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _template(key: str) -> str | None:
    """``key`` as a pattern in which its numbers match any number (or date): how a binding whose number was edited
    is still found. None when the key holds no number."""
    numbers = numbers_in(key)
    if not numbers:
        return None
    date = re.sub(r"\(\?P<\w+>", "(?:", _DATE.pattern)  # unnamed groups: a key may hold two dates
    any_number = rf"(?:{date}|{_NUMBER.pattern})"
    parts, at = [], 0
    for n in numbers:
        parts += [r"\s+".join(re.escape(p) for p in key[at:n.start].split(" ")), any_number]
        at = n.start + len(n.text)
    parts.append(r"\s+".join(re.escape(p) for p in key[at:].split(" ")))
    return "".join(parts)


def _check_text(text: str, marks: dict[str, Any], sources: Sources, notebook: str, where: str) -> list[str]:
    """Problems with the numbers of one text (a markdown cell, or a figure's alt text) under its cell's marks."""
    problems: list[str] = []
    numbers = numbers_in(text, marks.get("not_data", []))
    bindings = marks.get("bind", {})
    if not isinstance(bindings, dict):
        return [f"{where}: dry_needling.bind must map a piece of the text to a reference or a list of them"]
    # Each number takes the longest key occurrence that covers it; each occurrence maps its numbers to references.
    chosen: dict[int, tuple[int, str, str]] = {}  # number start -> (key length, key, reference)
    stale: list[tuple[str, list[str]]] = []
    for key, refs in bindings.items():
        refs = [refs] if isinstance(refs, str) else list(refs)
        used = False
        for a, b in _occurrences(key, text):
            inside = [n for n in numbers if a <= n.start and n.start + len(n.text) <= b]
            if not inside:
                continue  # e.g. inside code or a heading: nothing to bind there
            used = True
            if len(inside) != len(refs):
                problems.append(f"{where}: the binding {key!r} covers {len(inside)} number(s) "
                                f"({', '.join(n.text for n in inside)}) but gives {len(refs)} reference(s)")
                break
            for number, ref in zip(inside, refs, strict=True):
                if number.start not in chosen or chosen[number.start][0] < len(key):
                    chosen[number.start] = (len(key), key, ref)
        if not used:
            stale.append((key, refs))
    # A key whose text is gone is still found if, with its numbers read as any number, it occurs exactly once
    # around numbers nothing else binds: the edited number is then checked against the reference (a sentence changed
    # to quote the wrong value fails with what the source holds); a number that still matches asks for the key to be
    # updated, so bindings never rot.
    renamed: dict[int, tuple[str, str]] = {}  # number start -> (old key, the text now)
    for key, refs in stale:
        template = _template(key)
        spots = []
        if template is not None:
            for m in re.finditer(rf"(?<![\w.]){template}(?![\w])", text):
                inside = [n for n in numbers if m.start() <= n.start and n.start + len(n.text) <= m.end()]
                if len(inside) == len(refs) and all(n.start not in chosen for n in inside):
                    spots.append((m.group(0), inside))
        if len(spots) != 1:
            problems.append(f"{where}: the binding {key!r} binds no number of the text (reword it or remove it)")
            continue
        now, inside = spots[0]
        for number, ref in zip(inside, refs, strict=True):
            chosen[number.start] = (len(key), key, ref)
            renamed[number.start] = (key, " ".join(now.split()))
    out_of_date: set[int] = set()  # the start offsets of numbers whose binding key no longer names their text
    for number in numbers:
        context = _context(text, number.start)
        if number.start not in chosen:
            problems.append(f"{where}: {number.text} in '…{context}…' is bound to nothing (name its source in "
                            f"dry_needling.bind; python -m dry_needling.prose suggest {notebook} lists candidates)")
            continue
        _, key, ref = chosen[number.start]
        try:
            values = [q.value for q in resolve(ref, sources, notebook) if q.is_date == number.is_date]
        except BindingError as err:
            problems.append(f"{where}: {number.text} in '…{context}…': {ref}: {err}")
            continue
        if not bound(number, values):
            shown = ", ".join(_show(v, number.is_date) for v in values[:6]) or "no " + (
                "date" if number.is_date else "number")
            problems.append(f"{where}: {number.text} in '…{context}…' does not match {ref} ({shown})")
        elif number.start in renamed:
            out_of_date.add(number.start)
    for key, now in {renamed[start] for start in out_of_date}:
        if all(start in out_of_date for start, (k, _) in renamed.items() if k == key):
            problems.append(f"{where}: the binding {key!r} is out of date: the text now reads {now!r} (rename the key)")
    return problems


def _show(value: float, is_date: bool) -> str:
    if is_date:
        return dt.date.fromordinal(int(value)).isoformat()
    return f"{value:g}"


def _sources(notebook: Path, data_dir: Path, figures_dir: Path | None) -> Sources:
    if figures_dir is None:
        from . import paths

        figures_dir = paths.figures_dir()
    return Sources(data_dir, figures_dir, notebook.parent)


def unbound_numbers(notebook: Path, data_dir: Path, figures_dir: Path | None = None) -> list[str]:
    """Every problem with the numbers in the notebook's markdown, one line each, starting
    ``"<notebook>, cell <i>: "``: a number bound to nothing, a number that no longer matches its reference, a
    reference that resolves nowhere, a binding whose text is gone."""
    nb = _read_notebook(notebook)
    sources = _sources(notebook, data_dir, figures_dir)
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            problems += _check_text("".join(cell["source"]), _marks(cell), sources, notebook.name,
                                    f"{notebook.name}, cell {i}")
    return problems


def _figure_cells(nb: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], str]]:
    from .notebooks import figure_names

    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            for name in figure_names("".join(cell["source"])):
                yield i, cell, name


def _alt_texts(figures_dir: Path) -> dict[str, str]:
    index = figures_dir / "index.csv"
    if not index.is_file():
        return {}
    with index.open(encoding="utf-8", newline="") as fh:
        return {row["name"]: row["alt"] for row in csv.DictReader(fh)}


def unbound_alt_numbers(notebook: Path, data_dir: Path, figures_dir: Path | None = None) -> list[str]:
    """The same check for the alt text of every figure the notebook saves (read from ``figures/index.csv``),
    bound by the metadata of the code cell that saves it; lines start ``"<notebook>, cell <i>, figure <name>: "``.
    A figure the notebook saves that the index does not hold is a problem too."""
    nb = _read_notebook(notebook)
    sources = _sources(notebook, data_dir, figures_dir)
    alts = _alt_texts(sources.figures_dir)
    problems = []
    for i, cell, name in _figure_cells(nb):
        where = f"{notebook.name}, cell {i}, figure {name}"
        if name not in alts:
            problems.append(f"{where}: not in {sources.figures_dir.name}/index.csv (run make report)")
            continue
        problems += _check_text(alts[name], _marks(cell), sources, notebook.name, where)
    return problems


# --- certainty words, bound to the evidence ----------------------------------------------------------------------

#: The tag of a notebook's plain-language summary cell (right after the title).
SUMMARY_TAG = "plain-language-summary"

#: How plain words say each verdict of the claims ledger (``data/claims.csv``). A piece of text bound to a claim
#: must say its verdict and no other: "not found" is never worded as "wrong", nor "partly supported" as "supported".
VERDICT_WORDS = {
    "supported": r"\bsupported\b|\bconfirmed\b",
    "partly supported": r"\bpartly\b|\bin part\b",
    "contradicted": r"\bcontradict|\bwrong\b|\bfalse\b|\bdisproved?\b",
    "outdated": r"\bout of date\b|\boutdated\b|\bno longer\b",
    "not found": r"\bnot (?:be )?found\b|\bfound (?:no|nothing)\b|\bcould not find\b|\bdid not find\b",
    "not checked": r"\bnot checked\b|\bdid not check\b",
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[-*] )")


def summary_cells(nb: dict[str, Any]) -> list[int]:
    """The indexes of the cells tagged :data:`SUMMARY_TAG`."""
    return [i for i, c in enumerate(nb["cells"]) if SUMMARY_TAG in c.get("metadata", {}).get("tags", [])]


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _SENTENCE_END.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


def _expected_wording(refs: list[str], sof: Any) -> str:
    """The GRADE level the words for ``refs`` (Summary-of-Findings rows) must claim: the lowest wording level among
    them; an ungraded row, or one whose interval includes no effect, is worded as very low."""
    from . import evidence

    levels = []
    for ref in refs:
        m = re.fullmatch(r"summary_of_findings\[([^\]]+)\]", ref)
        if not m or m.group(1) not in sof.index:
            raise BindingError(f"{ref}: no such row of summary_of_findings (write summary_of_findings[SOF_ID])")
        row = sof.loc[m.group(1)]
        level = evidence.wording_level(row["certainty"])
        levels.append("very low" if level is None or evidence.finding(row) == "uncertain" else level)
    return max(levels, key=evidence.CERTAINTY_LEVELS.index)


def _verdicts_in(text: str) -> set[str]:
    said = {v for v, pattern in VERDICT_WORDS.items() if re.search(pattern, text, re.IGNORECASE)}
    if "partly supported" in said:
        said.discard("supported")
    return said


def unbound_certainty(notebook: Path, data_dir: Path) -> list[str]:
    """Certainty words bound to the evidence, as numbers are to the data. A markdown cell's
    ``"dry_needling": {"certainty": {TEXT: REFS}}`` binds an exact piece of its text to Summary-of-Findings rows
    (``summary_of_findings[SOF_ID]``, one or a list) or to a claim (``claims[CLAIM_ID]``):

    * for SoF rows the words must claim exactly the certainty GRADE allows at the lowest of them
      (``evidence.wording_certainty``: "uncertain" very low, "may" low, "probably" moderate, an unhedged verb high);
    * for a claim they must say its verdict in words (:data:`VERDICT_WORDS`) and no other.

    In a plain-language summary (tag :data:`SUMMARY_TAG`) every sentence that claims an effect (any wording
    ``evidence.wording_certainty`` reads a certainty from) must be bound, or listed in the cell's ``"not_findings"``
    (a hypothesis, or the article's own words). Lines start ``"<notebook>, cell <i>: "``."""
    from . import evidence

    nb = _read_notebook(notebook)
    sof = claims = None
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        where, text, marks = f"{notebook.name}, cell {i}", "".join(cell["source"]), _marks(cell)
        covered: list[tuple[int, int]] = []
        for key, refs in marks.get("certainty", {}).items():
            refs = [refs] if isinstance(refs, str) else list(refs)
            spans = _occurrences(key, text)
            if not spans:
                problems.append(f"{where}: the certainty binding {key!r} is not in the text (reword it or remove it)")
                continue
            covered += spans
            if any(r.startswith("claims[") for r in refs):
                if claims is None:
                    claims = {r["id"]: r for r in Sources(data_dir, data_dir, notebook.parent).table("claims").rows}
                ids = [r[len("claims["):-1] if r.startswith("claims[") and r.endswith("]") else r for r in refs]
                unknown = [r for r, c in zip(refs, ids, strict=True) if c not in claims]
                if unknown:
                    problems.append(f"{where}: {', '.join(unknown)}: no such claim in claims.csv (write claims[ID])")
                    continue
                verdicts, said = {claims[c]["verdict"] for c in ids}, _verdicts_in(key)
                if said != verdicts:
                    problems.append(f"{where}: {key!r} says {' and '.join(sorted(said)) or 'no verdict'}; "
                                    f"{', '.join(refs)}: {' and '.join(sorted(verdicts))} (words for a verdict: "
                                    "prose.VERDICT_WORDS)")
                continue
            if sof is None:
                sof = evidence.summary_of_findings(data_dir).set_index("sof_id", drop=False)
            try:
                expected = _expected_wording(refs, sof)
            except BindingError as err:
                problems.append(f"{where}: {key!r}: {err}")
                continue
            claimed = evidence.wording_certainty(key)
            if claimed != expected:
                problems.append(f"{where}: {key!r} is worded at {claimed or 'no'} certainty; {', '.join(refs)} "
                                f"allow {expected} (GRADE wording at the lowest certainty)")
        if SUMMARY_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        for marked in marks.get("not_findings", []):
            covered += _occurrences(marked, text)
        for a, b in _sentences(text):
            sentence = " ".join(text[a:b].split())
            if sentence and evidence.wording_certainty(sentence) is not None and not any(
                    x < b and a < y for x, y in covered):
                problems.append(f"{where}: {sentence!r} claims an effect ({evidence.wording_certainty(sentence)} "
                                "certainty) but is bound to no Summary-of-Findings row or claim")
    return problems


# --- suggesting references --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    """An unbound number with the references that would bind it, the likeliest first."""

    cell: int
    cell_id: str
    figure: str | None
    number: str
    context: str
    candidates: tuple[str, ...]


_SOURCE_ID = re.compile(r"`([a-z][a-z0-9_]*)`")


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if len(w) > 2 and not w.isdigit()} - _COMMON


_COMMON = {"the", "and", "for", "with", "from", "that", "this", "its", "not", "are", "was", "per", "all", "one"}


def _candidates(number: Number, sources: Sources, nb: dict[str, Any], text: str, loaded: set[str]) -> list[str]:
    """References whose value matches ``number``, best first. A reference ranks higher when its row's source is
    cited in the text (a backticked id), when it is a cell holding just a number (not a number inside a note),
    when its table is one the notebook loads, when it keeps the sign as written, and when the words of its row
    (or output line) are the words around the number."""
    cited = set(_SOURCE_ID.findall(text))
    near = _words(text[max(0, number.start - 80): number.start + len(number.text) + 60])
    ranked: list[tuple[float, str]] = []

    def matches(quantities: list[Quantity]) -> str | None:
        same = [q.value for q in quantities if q.is_date == number.is_date]
        if bound(number, same):
            return ""
        if not number.is_date and bound(number, [-v for v in same]):
            return "-"
        return None

    for quantities, name, key, column, row_words, source_id in sources.catalogue():
        sign = matches(quantities)
        if sign is None:
            continue
        score = 0.0 if source_id in cited else 1.0 if name in loaded else 2.0
        score += (0.0 if len(quantities) == 1 and not quantities[0].is_date or number.is_date else 2.5)
        score += (1.0 if sign else 0.0) + (1.5 if name.startswith("figures/") else 0.0)
        score -= 0.5 * min(4, len(near & row_words))
        ranked.append((score, f"{sign}{name}[{key}].{column}"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or not cell.get("id"):
            continue
        for kind, texts in (("output", _output_texts(cell)), ("code", ["".join(cell["source"])])):
            lines = [line for t in texts for line in t.splitlines()]
            hits = [line for line in lines if matches(quantities_in(line)) is not None]
            if not hits:
                continue
            sign = matches(quantities_in("\n".join(hits))) or ""
            label = _line_label(hits[0]) if len(hits) == 1 else None
            ref = f"{kind}[{cell['id']}: {label}]" if label else f"{kind}[{cell['id']}]"
            score = (2.0 if kind == "output" else 4.0) + (1.0 if sign else 0.0)
            score -= 0.5 * min(4, max(len(near & _words(line)) for line in hits))
            ranked.append((score, f"{sign}{ref}"))
    return [ref for _, ref in sorted(ranked, key=lambda r: r[0])]


def _line_label(line: str) -> str | None:
    """A short piece of an output line that names it (its first words), if it has one without brackets."""
    words = re.match(r"\s*([A-Za-z][\w' ,()/-]{2,40}?)(?=\s*[:=]|\s{2,}|\s+[-\u2212+]?\d)", line)
    if not words or "]" in words.group(1):
        return None
    return words.group(1).strip()


def suggest(notebook: Path, data_dir: Path, figures_dir: Path | None = None) -> list[Suggestion]:
    """For every number of the notebook's markdown and alt text that is bound to nothing, the references whose
    value matches it (sign and decimals included), the likeliest first: rows of the sources its cell cites, then
    tables the notebook loads, then other tables, outputs of its cells and numbers in its code."""
    nb = _read_notebook(notebook)
    sources = _sources(notebook, data_dir, figures_dir)
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    loaded = set(re.findall(r"data\.load\(\s*[\"'](\w+)[\"']", code))
    alts = _alt_texts(sources.figures_dir)
    texts: list[tuple[int, dict[str, Any], str | None, str]] = [
        (i, c, None, "".join(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]
    texts += [(i, c, name, alts[name]) for i, c, name in _figure_cells(nb) if name in alts]
    out = []
    for i, cell, figure, text in sorted(texts, key=lambda t: t[0]):
        marks = _marks(cell)
        bound_keys = [k for k in marks.get("bind", {}) if k]
        covered = [span for k in bound_keys for span in _occurrences(k, text)]
        for number in numbers_in(text, marks.get("not_data", [])):
            if any(a <= number.start and number.start + len(number.text) <= b for a, b in covered):
                continue
            out.append(Suggestion(i, cell.get("id", ""), figure, number.text, _context(text, number.start),
                                  tuple(_candidates(number, sources, nb, text, loaded))))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dry_needling.prose check [NOTEBOOK ...]`` prints every problem of numbers and certainty words
    (exit 1 if any);
    ``python -m dry_needling.prose suggest NOTEBOOK ...`` lists candidate references for each unbound number."""
    from . import paths

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("check", "suggest"):
        print(main.__doc__)
        return 2
    notebooks = [Path(a) for a in args[1:]] or paths.notebook_files()
    if args[0] == "check":
        problems = [p for nb in notebooks for p in (unbound_numbers(nb, paths.data_dir())
                                                    + unbound_alt_numbers(nb, paths.data_dir())
                                                    + unbound_certainty(nb, paths.data_dir()))]
        print("\n".join(problems) or "every number and certainty word is bound")
        return 1 if problems else 0
    for nb in notebooks:
        for s in suggest(nb, paths.data_dir()):
            where = f"{nb.name}, cell {s.cell} ({s.cell_id}{', figure ' + s.figure if s.figure else ''})"
            print(f"{where}: {s.number!r} in '…{s.context}…'")
            for ref in s.candidates[:8] or ["(no candidate: mark it not_data, or print the value in a cell)"]:
                print(f"    {json.dumps(s.number, ensure_ascii=False)}: {json.dumps(ref, ensure_ascii=False)}")
            if len(s.candidates) > 8:
                print(f"    ... and {len(s.candidates) - 8} more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
