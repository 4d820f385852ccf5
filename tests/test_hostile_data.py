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


def _assert_clean_failure(folder: Path, capsys, *needles: str) -> list[str]:
    code, lines, everything = _run(folder, capsys)
    assert code == 1, everything
    assert "Traceback" not in everything and SECRET not in everything
    assert lines and all(line.startswith(folder.as_posix()) for line in lines), lines
    for needle in needles:
        assert any(needle in line for line in lines), (needle, lines)
    return lines


def test_the_tiny_package_is_valid(pkg, capsys):
    code, lines, everything = _run(pkg, capsys)
    assert code == 0, everything


# --- 1. a javascript: link --------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(3)", "JavaScript:alert(3)", "data:text/html,<b>x</b>",
                                 "https://ok.example/\njavascript:alert(1)", " javascript:alert(1)"])
def test_a_link_that_is_not_http_is_refused(pkg, capsys, url):
    (pkg / "sources.csv").write_text(f'id,url\nsrc_a,"{url}"\nsrc_b,https://example.org/b\n', encoding="utf-8")
    _assert_clean_failure(pkg, capsys, "sources.csv, line 2, column 'url'")


def test_the_shipped_schema_refuses_a_javascript_link(data_copy, capsys):
    replace_in(data_copy / "sources.csv", "https://spiritualityhealth.com/dry-needling-for-back-pain",
               "javascript:alert(3)")
    problems = data.validate(data_copy)
    assert [(p.line, p.column, p.value) for p in problems] == [(2, "url", "javascript:alert(3)")]


# --- 2. files outside the folder --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/etc/passwd", "../outside/secret.csv", "sub/../../outside/secret.csv",
                                  "../../../../../../etc/passwd", "https://example.org/x.csv",
                                  "file:///etc/passwd", "//server/share/x.csv", "~/secret.csv"])
def test_a_resource_path_outside_the_folder_is_refused_before_opening(pkg, capsys, no_outside_reads, path):
    _edit(pkg, lambda d: d["resources"][1].update(path=path))
    lines = _assert_clean_failure(pkg, capsys, "datapackage.json: resources[1]")
    assert "root:" not in "\n".join(lines)


def test_an_absolute_path_to_a_real_secret_is_refused(pkg, capsys, no_outside_reads):
    _edit(pkg, lambda d: d["resources"][1].update(path=str(pkg.parent / "outside" / "secret.csv")))
    _assert_clean_failure(pkg, capsys, "resources[1]", "absolute path")


def test_a_csv_that_is_a_symlink_outside_is_refused(pkg, capsys, no_outside_reads):
    (pkg / "items.csv").unlink()
    (pkg / "items.csv").symlink_to(pkg.parent / "outside" / "secret.csv")
    _assert_clean_failure(pkg, capsys, "resources[1]", "symbolic link")
    with pytest.raises(data.DataValidationError):
        data.load("items", pkg)


def test_a_descriptor_that_is_a_symlink_outside_is_refused(pkg, capsys, no_outside_reads):
    (pkg / "datapackage.json").unlink()
    (pkg / "datapackage.json").symlink_to(pkg.parent / "outside" / "datapackage.json")
    _assert_clean_failure(pkg, capsys, "datapackage.json")


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

DESCRIPTOR_CASES = {
    "resources_as_strings": (lambda d: d.update(resources=["sources.csv", "items.csv"]), "resources[0]"),
    "no_schema": (lambda d: d["resources"][1].pop("schema"), "resources[1]"),
    "no_path": (lambda d: d["resources"][1].pop("path"), "resources[1]"),
    "path_as_list": (lambda d: d["resources"][1].update(path=["items.csv"]), "resources[1]"),
    "unknown_type": (lambda d: d["resources"][1]["schema"]["fields"][1].update(type="wibble"), "resources[1]"),
    "rule_without_fields": (lambda d: d["resources"][1]["schema"]["x-rules"][0].pop("fields"), "resources[1]"),
    "field_without_name": (lambda d: d["resources"][1]["schema"]["fields"][1].pop("name"), "resources[1]"),
    "schema_as_path": (lambda d: d["resources"][1].update(schema="schema.json"), "resources[1]"),
    "fields_not_a_list": (lambda d: d["resources"][0]["schema"].update(fields={"id": "string"}), "resources[0]"),
    "bad_pattern": (lambda d: d["resources"][0]["schema"]["fields"][0]["constraints"].update(pattern="(["),
                    "resources[0]"),
    "primary_key_unknown": (lambda d: d["resources"][0]["schema"].update(primaryKey=["nope"]), "resources[0]"),
    "duplicate_names": (lambda d: d["resources"][1].update(name="sources"), "resources[1]"),
    "package_name": (lambda d: d.update(name="Not A Valid Name!"), "datapackage.json"),
    # 4. false passes
    "foreign_key_to_nowhere": (lambda d: d["resources"][1]["schema"]["foreignKeys"][0]["reference"].update(
        resource="no_such_table"), "resources[1]"),
    "empty_resources": (lambda d: d.update(resources=[]), "at least one table"),
    # a bound that is not a value of its field's type (used to crash the row checks)
    "integer_bound_not_whole": (lambda d: d["resources"][1]["schema"]["fields"][3].update(
        constraints={"minimum": 0.5}), "resources[1]"),
}


@pytest.mark.parametrize("case", sorted(DESCRIPTOR_CASES))
def test_a_broken_descriptor_gives_located_lines(pkg, capsys, case):
    change, needle = DESCRIPTOR_CASES[case]
    _edit(pkg, change)
    _assert_clean_failure(pkg, capsys, needle)
    with pytest.raises(data.DataValidationError):
        data.load("items", pkg)


@pytest.mark.parametrize("text", ["", "[]", "{", '{"resources": "x"}', "[" * 100000, '{"a": 1' + "0" * 5000 + "}"])
def test_a_descriptor_that_is_not_a_package_gives_one_line(pkg, capsys, text):
    (pkg / "datapackage.json").write_text(text, encoding="utf-8")
    lines = _assert_clean_failure(pkg, capsys, "datapackage.json")
    assert len(lines) == 1


def test_cr_only_line_endings(pkg, capsys):
    (pkg / "items.csv").write_text(ITEMS.replace("\n", "\r"), encoding="utf-8")
    lines = _assert_clean_failure(pkg, capsys, "items.csv, line 1", "CR")
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
}


@pytest.mark.parametrize("case", sorted(ROW_CASES))
def test_row_problems_are_caught(pkg, capsys, case):
    text, line, column, words = ROW_CASES[case]
    (pkg / "items.csv").write_text(text, encoding="utf-8")
    lines = _assert_clean_failure(pkg, capsys, f"items.csv, line {line}, column '{column}'", words)
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
    lines = _assert_clean_failure(pkg, capsys, "items.csv, line 1")
    assert len(lines) == 1 and len(lines[0]) < 400


def test_a_giant_cell_when_the_csv_limit_was_raised_elsewhere(pkg, capsys):
    import csv

    previous = csv.field_size_limit(10**8)
    try:
        (pkg / "items.csv").write_text(_items("first,80,percent,3,src_a," + "p" * 200_000), encoding="utf-8")
        lines = _assert_clean_failure(pkg, capsys, "items.csv, line 2", "cells of at most 131,072 characters")
    finally:
        csv.field_size_limit(previous)
    assert len(lines) == 1


def test_an_unreadable_file(pkg, capsys, monkeypatch):
    original = Path.read_bytes

    def deny(self):
        if self.name == "items.csv":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    _assert_clean_failure(pkg, capsys, "items.csv", "Permission denied")


def test_an_unreadable_folder(pkg, capsys, monkeypatch):
    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "is_file", deny)
    _assert_clean_failure(pkg, capsys, "datapackage.json", "Permission denied")


def test_a_folder_where_a_file_should_be(pkg, capsys):
    (pkg / "items.csv").unlink()
    (pkg / "items.csv").mkdir()
    _assert_clean_failure(pkg, capsys, "items.csv", "not a regular file")


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


@pytest.mark.parametrize("row", ['first,80,"percent,3,src_a,p. 1', "first,80,percent", "first,80,percent,3,src_a,p,x"])
def test_a_malformed_row_is_one_line(pkg, capsys, row):
    (pkg / "items.csv").write_text(_items(row, "second,54,hours,3,src_b,p. 2"), encoding="utf-8")
    lines = _assert_clean_failure(pkg, capsys, "items.csv, line 2", "malformed")
    assert len(lines) == 1, lines
    assert "None" not in lines[0]
