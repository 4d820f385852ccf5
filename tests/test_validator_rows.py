"""The file checks (stage 1) and the row checks (stage 2) of the validator, each problem as a user reads it: the file,
the physical line, the column, the value found and what was expected (written from a mutation run of
``data/csvfile.py`` and ``data/rows.py``, 2 December 2026)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_hostile_data import ITEMS, _descriptor, deny_reading
from test_validator_edges import _package

from dry_needling import data

HEADER = ITEMS.splitlines()[0] + "\n"          # id,value,unit,count,source_id,locator
FIRST = "first,80,percent,3,src_a,p. 1\n"      # a valid row of items.csv
REQUIRED = "a value (this column is required)"
ASCII_NUMBER = ("a number written with the digits 0-9, at most one sign, one decimal point and an exponent "
                "(e.g. -1.5e3; no other digits, underscores or separators)")

Located = tuple[str, int | None, str | None, str | None, str]


def _problems(folder: Path) -> list[Located]:
    """Every problem of the package in ``folder``: (file name, line, column, value found, what was expected)."""
    return [(p.file.removeprefix(folder.as_posix() + "/"), p.line, p.column, p.value, p.expected)
            for p in data.validate(folder)]


def _descriptor_with(change=None) -> dict:
    """The tiny package's descriptor, the schema of items.csv changed by ``change``."""
    descriptor = _descriptor()
    if change is not None:
        change(descriptor["resources"][1]["schema"])
    return descriptor


def _items(tmp_path: Path, text: str | bytes, change=None) -> list[Located]:
    """The problems of the tiny package with ``text`` as items.csv, its descriptor first changed by ``change``."""
    folder = _package(tmp_path, _descriptor_with(change))
    if isinstance(text, bytes):
        (folder / "items.csv").write_bytes(text)
    else:
        (folder / "items.csv").write_text(text, encoding="utf-8", newline="")
    return _problems(folder)


# --- stage 2: blank rows ---------------------------------------------------------------------------------------

def test_a_row_of_empty_cells_is_one_blank_line_not_a_problem_per_cell(tmp_path):
    # frictionless names a blank row once; its required cells are not listed one by one (its empty key still is)
    assert _items(tmp_path, HEADER + FIRST + ",,,,,\n") == [
        ("items.csv", 3, None, None, "no blank lines"),
        ("items.csv", 3, "id", "", "a key not used on any other line")]


@pytest.mark.parametrize("cell, expected", [
    ("abc", "a number"),   # a cell frictionless cannot read is not missing
    # a signalling NaN is no usable number: named by the digits rule, and the row is not blank
    ("sNaN", ASCII_NUMBER),
])
def test_a_row_whose_only_cell_is_unreadable_is_not_blank(tmp_path, cell, expected):
    problems = _items(tmp_path, HEADER + FIRST + f",{cell},,,,\n")
    assert sorted(problems) == sorted([
        ("items.csv", 3, "value", cell, expected),
        ("items.csv", 3, "id", "", REQUIRED), ("items.csv", 3, "unit", "", REQUIRED),
        ("items.csv", 3, "source_id", "", REQUIRED), ("items.csv", 3, "locator", "", REQUIRED),
        ("items.csv", 3, "id", "", "a key not used on any other line")])


# --- stage 2: frictionless's cell readers -----------------------------------------------------------------------

def test_a_signalling_nan_under_a_bound_is_a_located_problem_not_an_internal_error(tmp_path):
    # frictionless's minimum check raises on Decimal("sNaN"); the cell is still named once, at its place
    def bounded(schema):
        schema["fields"][1]["constraints"]["minimum"] = 0

    assert _items(tmp_path, HEADER + "first,sNaN,percent,3,src_a,p. 1\n", bounded) == [
        ("items.csv", 2, "value", "sNaN", ASCII_NUMBER)]


def test_a_field_without_a_type_is_text_and_keeps_its_format(tmp_path):
    def untyped_email(schema):
        schema["fields"][5] = {"name": "locator", "format": "email"}

    text = HEADER + FIRST + "second,54,hours,4,src_b,someone@example.org\n"
    assert _items(tmp_path, text, untyped_email) == [("items.csv", 2, "locator", "p. 1", "text")]


def test_a_pattern_only_re2_can_read_is_matched_by_re2_alone(tmp_path):
    # \p{Lu} (an upper-case letter) is RE2 syntax that Python's re cannot compile: frictionless never sees the pattern
    def capitalised(schema):
        schema["fields"][5]["constraints"]["pattern"] = r"\p{Lu}[\p{L} .0-9]*"

    text = HEADER + "first,80,percent,3,src_a,Ép. 1\nsecond,54,hours,4,src_b,p. 2\n"
    assert _items(tmp_path, text, capitalised) == [
        ("items.csv", 3, "locator", "p. 2", r"text matching the pattern \p{Lu}[\p{L} .0-9]*")]


def test_a_bad_cell_before_a_multiline_cell_is_on_the_row_s_first_line(tmp_path):
    text = HEADER + 'first,eighty,percent,3,src_a,"p. 1\nand p. 2"\n'
    assert _items(tmp_path, text) == [("items.csv", 2, "value", "eighty", "a number")]


# --- stage 2: unique values, primary and foreign keys, compared as frictionless read them ----------------------

def test_a_unique_column_names_the_latest_earlier_line_and_skips_empty_cells(tmp_path):
    def unique_count(schema):
        schema["fields"][3]["constraints"] = {"unique": True}

    rows = ["first,80,percent,3,src_a,p. 1", "second,54,hours,,src_b,p. 2", "third,1,hours,,src_b,p. 3",
            'fourth,2,hours,3,src_b,"p. 4\nand 5"', "fifth,3,hours,03,src_b,p. 5"]   # 03 is the whole number 3
    assert _items(tmp_path, HEADER + "".join(r + "\n" for r in rows), unique_count) == [
        ("items.csv", 5, "count", "3", "a value not used on any other line (the same value is on line 2)"),
        ("items.csv", 7, "count", "03", "a value not used on any other line (the same value is on line 5)")]


def test_a_composite_primary_key_is_compared_as_typed_values(tmp_path):
    def unit_and_count(schema):
        schema["primaryKey"] = ["unit", "count"]
        schema["fields"][2]["constraints"].pop("required")

    rows = ["first,80,percent,3,src_a,p. 1", "second,54,hours,3,src_b,p. 2", "third,50,percent,03,src_a,p. 3",
            "fourth,50,,,src_a,p. 4", "fifth,40,percent,3,src_a,p. 5", "sixth,40,,3,src_a,p. 6"]
    assert _items(tmp_path, HEADER + "".join(r + "\n" for r in rows), unit_and_count) == [
        ("items.csv", 4, "unit, count", "percent, 03",
         "a key not used on any other line (the same value is on line 2)"),
        ("items.csv", 5, "unit, count", ", ", "a key not used on any other line"),   # every cell of the key missing
        ("items.csv", 6, "unit, count", "percent, 3",
         "a key not used on any other line (the same value is on line 4)")]


def test_a_composite_foreign_key_is_named_by_its_columns_on_the_row_s_line(tmp_path):
    def source_and_url(schema):
        schema["foreignKeys"] = [{"fields": ["source_id", "locator"],
                                  "reference": {"resource": "sources", "fields": ["id", "url"]}}]

    text = HEADER + ("first,80,percent,3,src_a,https://example.org/a\n"
                     'second,54,hours,4,"src\nb",https://example.org/b\n'   # a cell over two lines: the row's line
                     "third,54,hours,4,src_b,https://example.org/a\n")
    problems = _items(tmp_path, text, source_and_url)
    assert [p for p in problems if p[2] == "source_id, locator"] == [
        ("items.csv", 3, "source_id, locator", None, "an id, url listed in sources.csv"),
        ("items.csv", 5, "source_id, locator", None, "an id, url listed in sources.csv")]


def test_two_foreign_keys_into_one_table_each_look_in_their_own_columns(tmp_path):
    def two_keys(schema):
        schema["foreignKeys"].append({"fields": "locator", "reference": {"resource": "sources", "fields": "url"}})

    text = HEADER + "first,80,percent,3,src_a,https://example.org/b\nsecond,54,hours,4,src_b,src_a\n"
    assert _items(tmp_path, text, two_keys) == [
        ("items.csv", 3, "locator", "src_a", "an url listed in sources.csv")]


def test_an_unknown_reference_before_a_multiline_cell_is_on_the_row_s_first_line(tmp_path):
    text = HEADER + FIRST + 'second,54,hours,4,src_zz,"p. 2\nand p. 3"\nthird,54,hours,4,src_b,p. 4\n'
    assert _items(tmp_path, text) == [("items.csv", 3, "source_id", "src_zz", "an id listed in sources.csv")]


def test_a_foreign_key_into_its_own_table(tmp_path):
    def parent(schema):
        schema["fields"].append({"name": "parent", "type": "string"})
        schema["foreignKeys"].append({"fields": "parent", "reference": {"resource": "", "fields": "id"}})

    text = ("id,value,unit,count,source_id,locator,parent\n"
            "first,80,percent,3,src_a,p. 1,\nsecond,54,hours,4,src_b,p. 2,first\n"
            'third,54,hours,4,src_b,"p.\n3",nobody\n')
    assert _items(tmp_path, text, parent) == [("items.csv", 5, "parent", "nobody", "an id listed in items.csv")]


def test_a_table_that_did_not_parse_is_not_looked_in_but_the_next_key_still_is(tmp_path):
    def parent(schema):
        schema["fields"].append({"name": "parent", "type": "string"})
        schema["foreignKeys"].append({"fields": "parent", "reference": {"fields": "id"}})   # no resource: this table

    folder = _package(tmp_path, _descriptor_with(parent), "id,value,unit,count,source_id,locator,parent\n"
                      "first,80,percent,3,src_zz,p. 1,\nsecond,54,hours,4,src_b,p. 2,nobody\n")
    (folder / "sources.csv").write_text("id,link\nsrc_a,https://example.org/a\n", encoding="utf-8")
    assert _problems(folder) == [
        ("sources.csv", 1, "url", None, "a column named 'url' in the header (it is missing)"),
        ("sources.csv", 1, "link", "link", "only the columns id, url (this one is not in the schema)"),
        ("items.csv", 3, "parent", "nobody", "an id listed in items.csv")]   # src_zz is not looked for


# --- stage 1: the file checks, each problem exactly as the user reads it ----------------------------------------

COLUMNS = "id, value, unit, count, source_id, locator"
MALFORMED = "6 cells, one per column (the row is malformed: a missing or extra comma, or a quote in the wrong place)"


@pytest.mark.parametrize("text, expected", [
    pytest.param(b"", [(1, None, None, f"a header line with columns {COLUMNS} (file is empty)")], id="empty"),
    pytest.param(b" \r\n\n\t ", [(1, None, None, f"a header line with columns {COLUMNS} (file is empty)")],
                 id="only-spaces"),
    pytest.param(HEADER.encode() + FIRST.encode() + b"sec\xffnd,54,hours,4,src_b,p. 2\n",
                 [(3, None, "byte 0xff", "UTF-8 text (the file has bytes that are not UTF-8)")], id="not-utf8"),
    pytest.param("caf\u00e9,x\n".encode("latin-1"),   # the first bad byte, on the first line
                 [(1, None, "byte 0xe9", "UTF-8 text (the file has bytes that are not UTF-8)")], id="latin-1"),
    pytest.param(HEADER.encode() + FIRST.encode() + b"\nsec\x00nd,54,hours,4,src_b,p. 2\nthi\x00rd\n",
                 [(4, None, "a NUL byte", "plain CSV text (the file looks binary)")], id="nul"),   # the first one
    pytest.param(HEADER + FIRST.replace("\n", "\r\n") + "second,54,hours,4,src_b,p. 2\rthird\n",
                 [(3, None, None, "lines ending in LF or CRLF (this file has a line ending in CR alone, an old Mac "
                                  "format: save it again as UTF-8 CSV)")], id="bare-cr"),
    pytest.param(HEADER + FIRST + 'second,54,hours,4,src_b,"p. 2\n',
                 [(3, None, None, "a closing quote for the quoted cell that starts on this line (the row is "
                                  "malformed: the quote is never closed, so the rest of the file would be read as "
                                  "one cell)")], id="unclosed-quote"),
    pytest.param('id,"value"x,unit,count,source_id,locator\n' + FIRST,   # the header is line 1
                 [(1, None, None, "a well-formed CSV row (the row is malformed: ',' expected after '\"')")],
                 id="text-after-a-closing-quote-in-the-header"),
    pytest.param(HEADER + 'first,"80"x,percent,3,src_a,p. 1\n',
                 [(2, None, None, "a well-formed CSV row (the row is malformed: ',' expected after '\"')")],
                 id="text-after-a-closing-quote"),
    pytest.param(HEADER + FIRST + "second,54,hours\n",
                 [(3, None, "3 cells", MALFORMED)], id="too-few-cells"),
    pytest.param(HEADER + FIRST + "second,54,hours,4,src_b,p. 2,x\n" + 'third,1,hours,4,src_b,"p.\n3",y\n',
                 [(3, None, "7 cells", MALFORMED), (4, None, "7 cells", MALFORMED)], id="too-many-cells"),
    pytest.param(HEADER, [(2, None, None, "at least one data row after the header")], id="header-only"),
    # blank lines after the header are no data row (they passed as a table of no rows before 2 December 2026)
    pytest.param(HEADER + "\n\n", [(2, None, None, "at least one data row after the header")],
                 id="header-and-blank-lines"),
    pytest.param("id,unit,value,count,source_id,locator\n" + FIRST,
                 [(1, None, "id,unit,value,count,source_id,locator",
                   "the columns in the order id,value,unit,count,source_id,locator")], id="columns-reordered"),
    pytest.param("id,value,unit,count,source,locator\n" + FIRST,
                 [(1, "source_id", None, "a column named 'source_id' in the header (it is missing)"),
                  (1, "source", "source", f"only the columns {COLUMNS} (this one is not in the schema)")],
                 id="column-renamed"),
    pytest.param("\n" + HEADER + FIRST,   # a blank first line is an empty header
                 [(1, c, None, f"a column named '{c}' in the header (it is missing)") for c in COLUMNS.split(", ")],
                 id="blank-first-line"),
    pytest.param(HEADER + FIRST + "\n" + "second,54,hours,4,src_b,p. 2\n",
                 [(3, None, None, "no blank lines")], id="blank-line-inside"),
    pytest.param("\ufeff".encode(),   # a byte-order mark and nothing else: a file with no header
                 [(1, c, None, f"a column named '{c}' in the header (it is missing)") for c in COLUMNS.split(", ")],
                 id="byte-order-mark-only"),
])
def test_a_file_that_does_not_parse_gets_one_exact_located_problem(tmp_path, text, expected):
    assert _items(tmp_path, text) == [("items.csv", *problem) for problem in expected]


@pytest.mark.parametrize("text", [
    pytest.param("\ufeff" + HEADER + FIRST, id="byte-order-mark"),
    pytest.param(HEADER + FIRST.replace("\n", "\r\n") + "second,54,hours,4,src_b,p. 2", id="crlf-no-last-newline"),
    pytest.param(HEADER + FIRST + "\n\n\r\n", id="blank-lines-at-the-end"),
    pytest.param(HEADER + 'first,80,percent,3,src_a,"p. 1, ""quoted""\r\nand more"\n', id="quoted-cell"),
])
def test_a_well_formed_file_passes(tmp_path, text):
    assert _items(tmp_path, text) == []


TOO_LONG = "cells of at most 131,072 characters (a longer cell was found: the file may be corrupt)"


@pytest.mark.parametrize("limit", [131_072, 2**31 - 2], ids=["csv-default-limit", "limit-raised-by-frictionless"])
def test_a_cell_of_131072_characters_is_read_and_one_more_is_refused_on_its_line(tmp_path, limit):
    import csv

    previous = csv.field_size_limit(limit)   # the csv module's limit is process-wide; frictionless raises it
    try:
        longest = HEADER + FIRST + "second,54,hours,4,src_b," + "p" * 131_072 + "\n\n"   # a blank line after it
        assert _items(tmp_path / "longest", longest) == []
        too_long = HEADER + FIRST + '"sec\nond",54,hours,4,src_b,' + "p" * 131_073 + "\n"
        assert _items(tmp_path / "too-long", too_long) == [("items.csv", 3, None, None, TOO_LONG)]
    finally:
        csv.field_size_limit(previous)


def test_a_missing_or_unreadable_file_or_a_folder_names_the_file_and_its_columns(tmp_path, monkeypatch):
    folder = _package(tmp_path, _descriptor())
    (folder / "items.csv").unlink()
    assert _problems(folder) == [("items.csv", None, None, None, f"a CSV file with columns {COLUMNS} (file is "
                                                                 "missing)")]
    (folder / "items.csv").mkdir()
    assert _problems(folder) == [("items.csv", None, None, None, f"a CSV file with columns {COLUMNS} (this is not a "
                                                                 "regular file)")]
    (folder / "items.csv").rmdir()
    (folder / "items.csv").write_text(ITEMS, encoding="utf-8")
    deny_reading(monkeypatch, "items.csv")
    assert _problems(folder) == [("items.csv", None, None, None, "a readable CSV file (cannot read it: Permission "
                                                                 "denied)")]
