"""Hostile and broken data packages (issue 12): every case is a small package built here in tmp_path.

Each must give located lines and exit 1 -- never a traceback, never a false pass, and never a file
outside the data folder opened or echoed.
"""

from __future__ import annotations

import builtins
import io
import json
import os
from pathlib import Path

import pytest

from conftest import replace_in
from dry_needling import __main__ as cli
from dry_needling import data

SECRET = "SECRET-LINE-THAT-MUST-NEVER-BE-PRINTED"

SOURCES = "id,url\nsrc_a,https://example.org/a\nsrc_b,https://example.org/b\n"
ITEMS = "id,value,unit,count,source_id,locator\nfirst,80,percent,3,src_a,p. 1\nsecond,54,hours,4,src_b,p. 2\n"


def _descriptor() -> dict:
    return {
        "name": "tiny",
        "resources": [
            {"name": "sources", "path": "sources.csv", "schema": {
                "fields": [
                    {"name": "id", "type": "string", "constraints": {"required": True, "unique": True,
                                                                    "pattern": "[a-z0-9_]+"}},
                    {"name": "url", "type": "string", "constraints": {"required": True,
                                                                     "pattern": "https?://[^\\s<>\"']+"}},
                ],
                "primaryKey": ["id"]}},
            {"name": "items", "path": "items.csv", "schema": {
                "fields": [
                    {"name": "id", "type": "string", "constraints": {"required": True, "unique": True,
                                                                    "pattern": "[a-z0-9_]+"}},
                    {"name": "value", "type": "number", "constraints": {"required": True}},
                    {"name": "unit", "type": "string", "constraints": {"required": True,
                                                                      "enum": ["percent", "hours"]}},
                    {"name": "count", "type": "integer"},
                    {"name": "source_id", "type": "string", "constraints": {"required": True}},
                    {"name": "locator", "type": "string", "constraints": {"required": True}},
                ],
                "primaryKey": ["id"],
                "foreignKeys": [{"fields": "source_id", "reference": {"resource": "sources", "fields": "id"}}],
                "x-rules": [{"when": {"unit": "percent"}, "fields": ["value"], "minimum": 0, "maximum": 100}]}},
        ],
    }


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    """A valid two-table package in tmp_path/data, and a secret file beside it in tmp_path/outside."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps(_descriptor(), indent=1), encoding="utf-8")
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (folder / "items.csv").write_text(ITEMS, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"{SECRET},x\n1,2\n", encoding="utf-8")
    (outside / "datapackage.json").write_text(SECRET, encoding="utf-8")
    return folder


def _edit(folder: Path, change) -> None:
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")


@pytest.fixture
def no_outside_reads(pkg, monkeypatch):
    """Fails the test if anything opens a file in tmp_path/outside (the 'secret')."""
    outside = str((pkg.parent / "outside").resolve())
    opened = []

    def guard(original):
        def wrapper(file, *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)):
                real = os.path.realpath(os.fsdecode(file))
                if real.startswith(outside):
                    opened.append(real)
                    raise AssertionError(f"opened a file outside the data folder: {real}")
            return original(file, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(builtins, "open", guard(builtins.open))
    monkeypatch.setattr(io, "open", guard(io.open))
    monkeypatch.setattr(os, "open", guard(os.open))
    yield opened
    assert not opened, opened


def _run(folder: Path, capsys) -> tuple[int, list[str], str]:
    code = cli.main(["validate", str(folder)])
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), out + err


def _refused(folder: Path, capsys, file: str, line: int | None, column: str | None, kind: str,
             where: str | None = None) -> list[str]:
    """``validate`` refuses the package (exit 1, located lines only, no traceback, no secret) and one of its
    problems is exactly the expected one: in ``file`` at ``line``, ``column`` and JSON location ``where``, saying
    ``kind``. An internal error (the catch-all: exit 2) or any other problem does not pass for the refusal."""
    code, lines, everything = _run(folder, capsys)
    assert code == 1, everything
    assert "Traceback" not in everything and SECRET not in everything and "internal error" not in everything
    assert lines and all(line.startswith(folder.as_posix()) for line in lines), lines
    want = (f"{folder.as_posix()}/{file}", line, column, where)
    problems = data.validate(folder)
    hits = [p for p in problems if (p.file, p.line, p.column, p.where) == want and kind in p.expected]
    assert hits, (want, kind, [str(p) for p in problems])
    assert not any(p.internal for p in problems)
    return lines


def test_the_tiny_package_is_valid(pkg, capsys):
    code, lines, everything = _run(pkg, capsys)
    assert code == 0, everything


# --- 1. a javascript: link --------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(3)", "JavaScript:alert(3)", "data:text/html,<b>x</b>",
                                 "https://ok.example/\njavascript:alert(1)", " javascript:alert(1)"])
def test_a_link_that_is_not_http_is_refused(pkg, capsys, url):
    (pkg / "sources.csv").write_text(f'id,url\nsrc_a,"{url}"\nsrc_b,https://example.org/b\n', encoding="utf-8")
    _refused(pkg, capsys, "sources.csv", 2, "url", "text matching the pattern https?://")


def test_the_shipped_schema_refuses_a_javascript_link(data_copy, capsys):
    replace_in(data_copy / "sources.csv", "https://spiritualityhealth.com/dry-needling-for-back-pain",
               "javascript:alert(3)")
    problems = data.validate(data_copy)
    assert [(p.line, p.column, p.value) for p in problems] == [(2, "url", "javascript:alert(3)")]


# --- 2. files outside the folder --------------------------------------------------------------

ABSOLUTE, PARENT, URL = "an absolute path is not read", "a path with '..' is not read", "a URL is not read"


@pytest.mark.parametrize(("path", "kind"), [("/etc/passwd", ABSOLUTE), ("../outside/secret.csv", PARENT),
                                            ("sub/../../outside/secret.csv", PARENT),
                                            ("../../../../../../etc/passwd", PARENT),
                                            ("https://example.org/x.csv", URL),
                                            ("file:///etc/passwd", URL), ("//server/share/x.csv", URL),
                                            ("~/secret.csv", ABSOLUTE)])
def test_a_resource_path_outside_the_folder_is_refused_before_opening(pkg, capsys, no_outside_reads, path, kind):
    _edit(pkg, lambda d: d["resources"][1].update(path=path))
    lines = _refused(pkg, capsys, "datapackage.json", None, None, kind, where="resources[1]")
    assert "root:" not in "\n".join(lines)


@pytest.mark.parametrize("path", ["evil.html", "evil.js", "items.csv.html", "items.CSV", "items"])
def test_a_resource_path_that_is_not_a_csv_file_is_refused(pkg, capsys, path):
    (pkg / path).write_text(ITEMS, encoding="utf-8")
    _edit(pkg, lambda d: d["resources"][1].update(path=path))
    _refused(pkg, capsys, "datapackage.json", None, None, "'path' naming a .csv file", where="resources[1]")


def test_an_absolute_path_to_a_real_secret_is_refused(pkg, capsys, no_outside_reads):
    _edit(pkg, lambda d: d["resources"][1].update(path=str(pkg.parent / "outside" / "secret.csv")))
    _refused(pkg, capsys, "datapackage.json", None, None, ABSOLUTE, where="resources[1]")


def test_a_csv_that_is_a_symlink_outside_is_refused(pkg, capsys, no_outside_reads):
    (pkg / "items.csv").unlink()
    (pkg / "items.csv").symlink_to(pkg.parent / "outside" / "secret.csv")
    _refused(pkg, capsys, "datapackage.json", None, None, "it leads outside through a symbolic link",
             where="resources[1]")
    with pytest.raises(data.DataValidationError):
        data.load("items", pkg)


def test_a_descriptor_that_is_a_symlink_outside_is_refused(pkg, capsys, no_outside_reads):
    (pkg / "datapackage.json").unlink()
    (pkg / "datapackage.json").symlink_to(pkg.parent / "outside" / "datapackage.json")
    _refused(pkg, capsys, "datapackage.json", None, None, "it is a link to a file outside it")


def test_a_symlink_inside_the_folder_is_fine(pkg, capsys):
    (pkg / "real").mkdir()
    (pkg / "items.csv").rename(pkg / "real" / "items.csv")
    (pkg / "items.csv").symlink_to(pkg / "real" / "items.csv")
    assert data.validate(pkg) == []


def test_a_long_bad_value_is_shown_as_a_short_escaped_excerpt(pkg):
    long = "x" * 5000 + "\x1b[31m\n"
    _edit(pkg, lambda d: d["resources"][1].update(path="/" + long))
    text = str(data.validate(pkg)[0])
    assert "\n" not in text and "\x1b" not in text and len(text) < 400


# --- 3. descriptors that used to crash --------------------------------------------------------

# case -> (change, where, column, what the problem says)
DESCRIPTOR_CASES = {
    "resources_as_strings": (lambda d: d.update(resources=["sources.csv", "items.csv"]), "resources[0]", None,
                             "an object describing one table (found text)"),
    "no_schema": (lambda d: d["resources"][1].pop("schema"), "resources[1]", None, "an inline 'schema' object (it is "
                                                                                   "missing)"),
    "no_path": (lambda d: d["resources"][1].pop("path"), "resources[1]", None, "a 'path' naming the table's CSV file"),
    "path_as_list": (lambda d: d["resources"][1].update(path=["items.csv"]), "resources[1]", None,
                     "'path' as one relative file name in text (found a list)"),
    "unknown_type": (lambda d: d["resources"][1]["schema"]["fields"][1].update(type="wibble"), "resources[1]", "value",
                     "schema.fields[1].type: one of boolean"),
    "rule_without_fields": (lambda d: d["resources"][1]["schema"]["x-rules"][0].pop("fields"), "resources[1]", None,
                            "schema.x-rules[0].fields: a list of fields"),
    "field_without_name": (lambda d: d["resources"][1]["schema"]["fields"][1].pop("name"), "resources[1]", None,
                           "schema.fields[1] to have a 'name'"),
    "schema_as_path": (lambda d: d["resources"][1].update(schema="schema.json"), "resources[1]", None,
                       "a schema file or URL is not read"),
    "fields_not_a_list": (lambda d: d["resources"][0]["schema"].update(fields={"id": "string"}), "resources[0]", None,
                          "schema.fields: a non-empty list"),
    "bad_pattern": (lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(pattern="(["),
                    "resources[0]", "id", "schema.fields[0].constraints.pattern: a regular expression"),
    # look-around and back-references: Python's re has them, the linear-time engine does not
    "lookahead_pattern": (lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(pattern="(?=a)a+"),
                          "resources[0]", "id", "the linear-time engine (RE2) can check"),
    "backreference_pattern": (lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(
        pattern="([a-z])\\1"), "resources[0]", "id", "the linear-time engine (RE2) can check"),
    "primary_key_unknown": (lambda d: d["resources"][0]["schema"].update(primaryKey=["nope"]), "resources[0]", None,
                            "schema.primaryKey: the name(s) of fields"),
    "duplicate_names": (lambda d: d["resources"][1].update(name="sources"), "resources[1]", None,
                        "a 'name' used by one table only"),
    "package_name": (lambda d: d.update(name="Not A Valid Name!"), "name", None, "follows the Data Package profile"),
    # 4. false passes
    "foreign_key_to_nowhere": (lambda d: d["resources"][1]["schema"]["foreignKeys"][0]["reference"].update(
        resource="no_such_table"), "resources[1]", None, "reference.resource: the name of a table in this package"),
    "empty_resources": (lambda d: d.update(resources=[]), None, None, "at least one table in 'resources'"),
    # a bound that is not a value of its field's type (used to crash the row checks)
    "integer_bound_not_whole": (lambda d: d["resources"][1]["schema"]["fields"][3].update(
        constraints={"minimum": 0.5}), "resources[1]", "count", "schema.fields[3].constraints.minimum: a whole number"),
}


@pytest.mark.parametrize("case", sorted(DESCRIPTOR_CASES))
def test_a_broken_descriptor_gives_located_lines(pkg, capsys, case):
    change, where, column, kind = DESCRIPTOR_CASES[case]
    _edit(pkg, change)
    _refused(pkg, capsys, "datapackage.json", None, column, kind, where=where)
    with pytest.raises(data.DataValidationError):
        data.load("items", pkg)


@pytest.mark.parametrize(("text", "line", "kind"), [
    ("", 1, "valid JSON (Expecting value"), ("[]", None, "a JSON object with a 'resources' list"),
    ("{", 1, "valid JSON (Expecting property name"), ('{"resources": "x"}', None, "a JSON object with a 'resources'"),
    ("[" * 100000, None, "valid JSON (maximum recursion depth"),
    ('{"a": 1' + "0" * 5000 + "}", None, "valid JSON (Exceeds the limit (4300 digits)")])
def test_a_descriptor_that_is_not_a_package_gives_one_line(pkg, capsys, text, line, kind):
    (pkg / "datapackage.json").write_text(text, encoding="utf-8")
    lines = _refused(pkg, capsys, "datapackage.json", line, None, kind)
    assert len(lines) == 1


def _with_second(text: str, first: str, duplicate: str) -> tuple[str, int]:
    """``text`` with ``duplicate`` inserted right after ``first``, and the line the duplicate starts on."""
    at = text.index(first) + len(first)
    return text[:at] + duplicate + text[at:], text[:at].count("\n") + 1


@pytest.mark.parametrize(("first", "duplicate", "key", "where"), [
    ('"name": "items",', '\n "name": "other",', "name", "resources[1]"),
    ('"value", "type": "number",', ' "type": "string",', "type", "resources[1].schema.fields[1]"),
    ('"unit", "type": "string", "constraints": {"required": true,', '\n"required": false,', "required",
     "resources[1].schema.fields[2].constraints"),
    ('"count", "type": "integer"', ', "constraints": {"minimum": 5},\n "constraints": {"minimum": 0}', "constraints",
     "resources[1].schema.fields[3]"),
    ('{"name": "tiny",', '\n "resources": [],', "resources", "the top-level object"),
])
def test_a_duplicate_json_key_is_a_located_problem(pkg, capsys, first, duplicate, key, where):
    text = json.dumps(_descriptor())
    assert text.count(first) == 1, first
    broken, line = _with_second(text, first, duplicate)
    (pkg / "datapackage.json").write_text(broken, encoding="utf-8")
    _refused(pkg, capsys, "datapackage.json", line + duplicate.count("\n"), None, "each key once", where=where)
    problem = data.validate(pkg)[0]
    assert problem.value == key
    with pytest.raises(data.DataValidationError):
        data.load("items", pkg)


def test_cr_only_line_endings(pkg, capsys):
    (pkg / "items.csv").write_text(ITEMS.replace("\n", "\r"), encoding="utf-8")
    lines = _refused(pkg, capsys, "items.csv", 1, None, "a line ending in CR alone")
    assert len(lines) == 1


# --- 6. more false passes and crashes ---------------------------------------------------------

def _items(*rows: str) -> str:
    return ITEMS.splitlines()[0] + "\n" + "".join(r + "\n" for r in rows)


ROW_CASES = {
    "whitespace_required": (_items("first,80,percent,3,src_a,   "), 2, "locator", "a value"),
    "trailing_newline_id": (_items('"first\n",80,percent,3,src_a,p. 1'), 2, "id", "line break at the end"),
    "nan_percentage": (_items("first,NaN,percent,3,src_a,p. 1"), 2, "value", "finite number"),
    "infinite_number": (_items("first,1e400,hours,3,src_a,p. 1"), 2, "value", "finite number"),
    "huge_integer": (_items("first,80,percent," + "9" * 30 + ",src_a,p. 1"), 2, "count", "whole number from"),
    "unknown_source": (_items("first,80,percent,3,src_zz,p. 1"), 2, "source_id", "listed in sources.csv"),
    "duplicate_key": (_items("first,80,percent,3,src_a,p. 1", "first,54,hours,3,src_a,p. 2"), 3, "id",
                      "not used on any other line (the same value is on line 2)"),
    # issue 23, 4: digits that Python's int() and Decimal() read but pandas does not
    "fullwidth_digits": (_items("first,８０,percent,3,src_a,p. 1"), 2, "value", "with the digits 0-9"),
    "arabic_indic_digits": (_items("first,٨٠,percent,3,src_a,p. 1"), 2, "value", "with the digits 0-9"),
    "underscore_in_number": (_items("first,8_0,percent,3,src_a,p. 1"), 2, "value", "no other digits, underscores"),
    "underscore_in_integer": (_items("first,80,percent,1_000,src_a,p. 1"), 2, "count",
                              "a whole number written with the digits 0-9"),
    "fullwidth_integer": (_items("first,80,percent,３,src_a,p. 1"), 2, "count", "a whole number written with the "
                                                                              "digits 0-9"),
    # issue 23, 8: text a spreadsheet would run
    "formula_equals": (_items('first,80,percent,3,src_a,"=HYPERLINK(""https://evil.example"",""p. 1"")"'), 2,
                       "locator", "spreadsheet formula"),
    "formula_dde": (_items("first,80,percent,3,src_a,-1+cmd|' /C calc'!A0"), 2, "locator", "spreadsheet formula"),
    "formula_at": (_items("first,80,percent,3,src_a,@SUM(A1:A9)"), 2, "locator", "spreadsheet formula"),
    "formula_plus": (_items("first,80,percent,3,src_a,+A1*2"), 2, "locator", "spreadsheet formula"),
    "formula_after_tab": (_items('first,80,percent,3,src_a,"\t=1+1"'), 2, "locator", "spreadsheet formula"),
}


@pytest.mark.parametrize("case", sorted(ROW_CASES))
def test_row_problems_are_caught(pkg, capsys, case):
    text, line, column, words = ROW_CASES[case]
    (pkg / "items.csv").write_text(text, encoding="utf-8")
    lines = _refused(pkg, capsys, "items.csv", line, column, words)
    with pytest.raises(data.DataValidationError):
        data.load("items", pkg)
    assert len(lines) == 1, lines


def test_nan_percentage_fails_the_rule_even_without_a_number_check(pkg):
    # The x-rule itself must not let NaN through (NaN compares false with both bounds).
    from dry_needling.data.csvfile import _Table
    from dry_needling.data.own_checks import _cross_field

    table = _Table(ITEMS.splitlines()[0].split(","), [["first", "nan", "percent", "3", "src_a", "p"]], [2])
    problems = _cross_field(_descriptor()["resources"][1], "items.csv", table, set())
    assert [(p.line, p.column) for p in problems] == [(2, "value")]


def test_a_giant_header_cell(pkg, capsys):
    (pkg / "items.csv").write_text("id," + "h" * 1_000_000 + "\nfirst,1\n", encoding="utf-8")
    lines = _refused(pkg, capsys, "items.csv", 1, None, "cells of at most 131,072 characters")
    assert len(lines) == 1 and len(lines[0]) < 400


def test_a_giant_cell_when_the_csv_limit_was_raised_elsewhere(pkg, capsys):
    import csv

    previous = csv.field_size_limit(10**8)
    try:
        (pkg / "items.csv").write_text(_items("first,80,percent,3,src_a," + "p" * 200_000), encoding="utf-8")
        lines = _refused(pkg, capsys, "items.csv", 2, None, "cells of at most 131,072 characters")
    finally:
        csv.field_size_limit(previous)
    assert len(lines) == 1


def deny_reading(monkeypatch, name: str) -> None:
    """Make reading any file called ``name`` fail as a file without read permission does (root reads them all)."""
    original = Path.read_bytes

    def deny(self):
        if self.name == name:
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", deny)


def test_an_unreadable_file(pkg, capsys, monkeypatch):
    deny_reading(monkeypatch, "items.csv")
    _refused(pkg, capsys, "items.csv", None, None, "a readable CSV file (cannot read it: Permission denied)")


def test_an_unreadable_folder(pkg, capsys, monkeypatch):
    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "is_file", deny)
    _refused(pkg, capsys, "datapackage.json", None, None, "a readable file and folder (cannot read: Permission denied)")


def test_a_folder_where_a_file_should_be(pkg, capsys):
    (pkg / "items.csv").unlink()
    (pkg / "items.csv").mkdir()
    _refused(pkg, capsys, "items.csv", None, None, "(this is not a regular file)")


def test_more_than_1000_problems_says_the_list_is_cut(pkg, capsys):
    rows = [f"row{i},80,percent,3,src_zz,p" for i in range(1500)]
    (pkg / "items.csv").write_text(_items(*rows), encoding="utf-8")
    problems = data.validate(pkg)
    assert len(problems) == data.MAX_PROBLEMS_PER_FILE + 1
    assert data.count(problems) == 1500
    assert "cut" in str(problems[-1]) and "500 more" in str(problems[-1])
    code, lines, everything = _run(pkg, capsys)
    assert "1500 problem(s)" in everything and "cut" in everything


# --- 7. physical lines, the row's own value, malformed rows -----------------------------------

def test_lines_are_physical_lines_after_a_multiline_cell(pkg):
    text = _items('first,80,percent,3,src_a,"p. 1\nand\nmore"', "second,54,hours,3,src_zz,p. 2",
                  "third,180,percent,3,src_b,p. 3")
    (pkg / "items.csv").write_text(text, encoding="utf-8")
    found = {(p.line, p.column, p.value) for p in data.validate(pkg)}
    assert found == {(5, "source_id", "src_zz"), (6, "value", "180")}


def test_a_cell_after_a_line_break_in_the_same_row_is_on_its_own_line(pkg):
    (pkg / "items.csv").write_text(_items('first,"80\n",percent,eleven,src_a,p. 1'), encoding="utf-8")
    found = {(p.line, p.column) for p in data.validate(pkg)}
    assert (3, "count") in found


@pytest.mark.parametrize(("row", "kind"), [('first,80,"percent,3,src_a,p. 1', "a closing quote for the quoted cell"),
                                          ("first,80,percent", "6 cells, one per column (the row is malformed"),
                                          ("first,80,percent,3,src_a,p,x", "6 cells, one per column (the row is")])
def test_a_malformed_row_is_one_line(pkg, capsys, row, kind):
    (pkg / "items.csv").write_text(_items(row, "second,54,hours,3,src_b,p. 2"), encoding="utf-8")
    lines = _refused(pkg, capsys, "items.csv", 2, None, kind)
    assert len(lines) == 1, lines
    assert "None" not in lines[0]


# --- issue 23: a pattern that would hang Python's re, number cells, formulas -------------------

@pytest.mark.slow  # a fresh Python process
def test_a_catastrophic_pattern_is_checked_in_linear_time(pkg):
    """``(a+)+b`` against 32 a's backtracks for hours in Python's re; RE2 answers at once. A real process with a
    time limit, so that a regression fails instead of hanging the suite."""
    import subprocess
    import sys

    _edit(pkg, lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(pattern="(a+)+b"))
    (pkg / "sources.csv").write_text("id,url\n" + "a" * 32 + ",https://example.org/a\nab,https://example.org/b\n",
                                     encoding="utf-8")
    (pkg / "items.csv").write_text(ITEMS.replace("src_a", "ab").replace("src_b", "ab"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "dry_needling", "validate", str(pkg)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines() == [f"{pkg.as_posix()}/sources.csv, line 2, column 'id': found '{'a' * 32}'; "
                                        "expected text matching the pattern (a+)+b"]
    assert "Traceback" not in done.stderr and "re2.cc" not in done.stderr


def test_negative_numbers_and_ordinary_prose_are_not_formulas(pkg, capsys):
    (pkg / "items.csv").write_text(_items("first,-5,hours,-3,src_a,- see p. 2 (-5 % to +3 %)",
                                          "second,+54,hours,4,src_b,+1 day; @ 5 pm; -ve"), encoding="utf-8")
    code, lines, everything = _run(pkg, capsys)
    assert code == 0, everything


def test_a_date_in_other_digits_is_refused(data_copy, capsys):
    replace_in(data_copy / "sources.csv", "2026-11-28", "２０２６-11-28")
    problems = data.validate(data_copy)
    assert [(p.file.rsplit("/", 1)[-1], p.line, p.column, p.value) for p in problems] == [
        ("sources.csv", 2, "accessed", "２０２６-11-28")]
    assert problems[0].expected == "a date written YYYY-MM-DD (with the digits 0-9 only)"


def test_an_internal_error_is_not_a_refusal(pkg, capsys, monkeypatch):
    """The catch-all is a last resort: a bug in the validator is one line saying so, and exit 2, not 1."""
    from dry_needling.data import validation

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(validation, "_read_table", broken)
    code, lines, everything = _run(pkg, capsys)
    assert code == 2, everything
    assert lines == [f"{pkg.as_posix()}/datapackage.json: expected a package the validator can check (internal "
                     "error: the validator itself failed with RuntimeError: a bug; please report this; the data were "
                     "not fully checked)"]
    assert "Internal error" in everything and "Traceback" not in everything
