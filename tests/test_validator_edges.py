"""The validator's own type checks at their edges (written when mutation testing showed the year and date
branches, and their boundaries, changed with no test noticing): a cell frictionless would read but the collection
refuses is named with the reason a person can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_hostile_data import SOURCES, _descriptor

from dry_needling import data


def _with_column(tmp_path: Path, ftype: str, cell: str) -> list[tuple[int | None, str | None, str]]:
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["fields"].append({"name": "extra", "type": ftype})
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (folder / "items.csv").write_text("id,value,unit,count,source_id,locator,extra\n"
                                      f"first,80,percent,3,src_a,p. 1,{cell}\n", encoding="utf-8")
    return [(p.line, p.column, p.expected) for p in data.validate(folder)]


@pytest.mark.parametrize("ftype, cell, expected", [
    ("year", "٢٠٢٠", "a four-digit year (with the digits 0-9 only)"),   # Arabic-Indic digits: 2020
    ("year", "٠٠٠٠", "a four-digit year (with the digits 0-9 only)"),   # 0000, the first year a reader takes
    ("year", "٩٩٩٩", "a four-digit year (with the digits 0-9 only)"),   # 9999, the last
    ("date", "2020-1-5", "a date written YYYY-MM-DD (four digits for the year, two each for the month and the day)"),
    ("integer", "١٢", "a whole number written with the digits 0-9 and at most one sign"),
])
def test_a_cell_frictionless_reads_but_the_collection_refuses_says_why(tmp_path, ftype, cell, expected):
    assert _with_column(tmp_path, ftype, cell) == [(2, "extra", expected)]


@pytest.mark.parametrize("ftype, cell", [("year", "0000"), ("year", "9999"), ("date", "2020-01-05"),
                                         ("integer", "-12"), ("number", "1.5e3")])
def test_plain_values_pass(tmp_path, ftype, cell):
    assert _with_column(tmp_path, ftype, cell) == []


@pytest.mark.parametrize("ftype, cell, expected", [
    ("year", "12345", "a four-digit year"),               # five digits: no reader takes it as a year
    ("date", "٢٠٢٠-٠١-٠١", "a date written YYYY-MM-DD"),  # Arabic-Indic digits: no reader takes it as a date
])
def test_a_cell_no_reader_takes_gets_the_type_s_own_message(tmp_path, ftype, cell, expected):
    assert _with_column(tmp_path, ftype, cell) == [(2, "extra", expected)]
