"""The validator's own type checks at their edges (written when mutation testing showed the year and date
branches, and their boundaries, changed with no test noticing): a cell frictionless would read but the collection
refuses is named with the reason a person can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_hostile_data import ITEMS, SOURCES, _descriptor

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


# --- written from a mutation run of the validator (2 December 2026, afternoon) ---------------------------------

def _package(tmp_path: Path, descriptor: dict | str, items: str = ITEMS) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    text = descriptor if isinstance(descriptor, str) else json.dumps(descriptor, indent=1)
    (folder / "datapackage.json").write_text(text, encoding="utf-8")
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (folder / "items.csv").write_text(items, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("text", "expected"), [
    # the line counts only the newlines before the repeated key, wherever the file has others
    ('\n{"a": 1,\n "a": 2\n}\n\n', (3, "a", "the top-level object")),
    # a value that reads like a key seen before is a value, not a key
    ('{"a": "a", "b": ["a", "b"], "b": 2}', (1, "b", "the top-level object")),
    ('{"k": {"x": "y", "y": 1, "y": 2}}', (1, "y", "k")),
    # list positions and keys are both named on the way down; a key starting with X or a dot is kept whole
    ('{"Xref": [{}, {"a": [1, {"b": 1, "b": 2}]}]}', (1, "b", "Xref[1].a[1]")),
    ('{"r": [1, 2, {"c": {"d": [], "d": {}}}]}', (1, "d", "r[2].c")),
    # no key is repeated (the validator asks only when json saw a repeat; the answer is still defined)
    ('{"a": 1, "b": {"a": 2}}', (1, "", "")),
    ('"just text"', (1, "", "")),
])
def test_first_duplicate_names_the_line_key_and_path(text, expected):
    from dry_needling.data.descriptor import _first_duplicate

    json.loads(text)  # every case is valid JSON
    assert _first_duplicate(text) == expected


@pytest.mark.parametrize(("path", "found"), [
    (True, "true/false"), (3, "a number"), (3.5, "a number"), (["items.csv"], "a list"), ({"f": 1}, "an object"),
    (None, "null"),
])
def test_a_path_that_is_not_text_is_named_by_its_json_type(tmp_path, path, found):
    descriptor = _descriptor()
    descriptor["resources"][1]["path"] = path
    problems = data.validate(_package(tmp_path, descriptor))
    assert [(p.where, p.expected) for p in problems] == [
        ("resources[1]", f"'path' as one relative file name in text (found {found})")]


def test_load_all_reads_the_folder_it_is_given_and_sees_a_changed_file(tmp_path):
    folder = _package(tmp_path, _descriptor())
    tables = data.load_all(folder)
    assert list(tables) == ["sources", "items"]
    assert list(tables["items"]["id"]) == ["first", "second"]
    assert tables["items"].attrs["source_file"].endswith("data/items.csv")
    (folder / "items.csv").write_text(ITEMS.replace("second,54", "third,55"), encoding="utf-8")
    again = data.load_all(folder)
    assert list(again["items"]["id"]) == ["first", "third"]
    assert list(again["items"]["value"]) == [80.0, 55.0]


def test_resource_names_refuses_a_descriptor_whose_tables_are_broken(tmp_path):
    descriptor = _descriptor()
    descriptor["resources"][1]["path"] = "../items.csv"
    folder = _package(tmp_path, descriptor)
    with pytest.raises(data.DataValidationError) as raised:
        data.resource_names(folder)
    assert [p.where for p in raised.value.problems] == ["resources[1]"]


@pytest.mark.parametrize("ftype, cell, expected", [
    ("number", "abc", "a number"),            # no reader takes it: frictionless's type word, not the digits rule
    ("integer", "1.5", "a whole number"),
    ("year", "٢٠٢", "a four-digit year"),     # three Arabic-Indic digits: frictionless refuses a year of 3 characters
    ("year", "-202", "a four-digit year"),    # four characters, but below year 0
])
def test_a_cell_no_reader_takes_is_not_blamed_on_its_digits(tmp_path, ftype, cell, expected):
    assert _with_column(tmp_path, ftype, cell) == [(2, "extra", expected)]


@pytest.mark.parametrize("ftype, cell, expected", [
    ("number", "1_000", "a number written with the digits 0-9, at most one sign"),   # Python reads 1000
    ("number", "١٢", "a number written with the digits 0-9, at most one sign"),
    ("integer", "1_000", "a whole number written with the digits 0-9 and at most one sign"),
    ("year", "+202", "a four-digit year (four digits)"),   # frictionless reads it as the year 202
])
def test_a_cell_python_reads_but_the_collection_refuses_says_which_digits(tmp_path, ftype, cell, expected):
    problems = _with_column(tmp_path, ftype, cell)
    assert len(problems) == 1 and problems[0][:2] == (2, "extra") and problems[0][2].startswith(expected), problems


def test_constraint_words_come_from_the_field_or_the_note_is_kept():
    from dry_needling.data.problems import _constraint_expected

    resource = {"schema": {"fields": [{"name": "n", "constraints": {"minimum": 3, "enum": [1, "b"]}}]}}
    assert _constraint_expected(resource, "n", 'constraint "minimum" is "3"') == "a value of at least 3"
    assert _constraint_expected(resource, "n", 'constraint "enum" is "[1, \'b\']"') == "one of: 1, b"
    # a constraint without words of its own, and a note that names none, are passed on as frictionless wrote them
    assert _constraint_expected(resource, "n", 'constraint "unique" is "True"') == 'constraint "unique" is "True"'
    assert _constraint_expected(resource, "n", "the cell is odd") == "the cell is odd"


def test_the_error_lists_each_problem_on_its_own_line():
    first = data.Problem("a.csv", 2, "x", "1", "a value of at least 3")
    second = data.Problem("a.csv", 3, "x", None, "a number")
    assert str(data.DataValidationError([first, second])) == (
        "2 problem(s) in the data:\n"
        "  a.csv, line 2, column 'x': found '1'; expected a value of at least 3\n"
        "  a.csv, line 3, column 'x': expected a number")


def test_loaded_tables_keep_text_that_looks_missing_and_read_types_as_declared(tmp_path):
    descriptor = _descriptor()
    fields = descriptor["resources"][1]["schema"]["fields"]
    fields += [{"name": "note", "type": "string"}, {"name": "year", "type": "year"},
               {"name": "day", "type": "date"}]
    items = ("id,value,unit,count,source_id,locator,note,year,day\n"
             "first,80,percent,3,src_a,p. 1,NA,2015,2020-01-05\n"
             "second,54,hours,,src_b,p. 2,,1999,\n")
    frame = data.load("items", _package(tmp_path, descriptor, items))
    assert frame["note"].tolist()[0] == "NA" and frame["note"].isna().tolist() == [False, True]
    assert str(frame["note"].dtype) == "string" and str(frame["id"].dtype) == "string"
    assert str(frame["year"].dtype) == "string" and frame["year"].tolist() == ["2015", "1999"]
    assert str(frame["count"].dtype) == "Int64" and frame["count"].isna().tolist() == [False, True]
    assert str(frame["value"].dtype) == "float64"
    assert str(frame["day"].dtype).startswith("datetime64") and frame["day"].isna().tolist() == [False, True]
    assert frame.attrs["title"] == "items"


def test_a_changed_loaded_table_never_changes_the_next_one(tmp_path):
    folder = _package(tmp_path, _descriptor())
    first = data.load("items", folder)
    first.loc[0, "id"] = "changed"
    first.loc[0, "value"] = -1.0
    again = data.load("items", folder)
    assert again["id"].tolist() == ["first", "second"] and again["value"].tolist() == [80.0, 54.0]


def test_the_same_package_in_two_folders_is_named_by_its_own_folder(tmp_path):
    one = _package(tmp_path / "one", _descriptor())
    two = _package(tmp_path / "two", _descriptor())
    assert data.load("items", one).attrs["source_file"] != data.load("items", two).attrs["source_file"]
    assert data.load("items", two).attrs["source_file"].endswith("two/data/items.csv")


def test_the_frame_memory_is_bounded(tmp_path, monkeypatch):
    from dry_needling.data import loading

    monkeypatch.setattr(loading, "_FRAMES_KEEP", 2)
    monkeypatch.setattr(loading, "_frames", {})
    folder = _package(tmp_path, _descriptor())
    for _ in range(2):
        data.load_all(folder)
        assert len(loading._frames) == 2
    (folder / "items.csv").write_text(ITEMS.replace("second,54", "third,55"), encoding="utf-8")
    data.load("items", folder)
    assert len(loading._frames) == 1   # full: emptied before the new table is kept


def test_validated_folders_are_remembered_newest_last_at_most_twenty(tmp_path, monkeypatch):
    from dry_needling.data import loading

    build = tmp_path / "not" / "yet" / "there"
    monkeypatch.setenv("DRY_NEEDLING_BUILD", str(build))
    monkeypatch.setattr(loading, "_validated", set())
    keys = [f"key{i:02d}" for i in range(25)]
    for key in keys:
        loading._remember(key)
    stored = json.loads((build / "cache" / "validated.json").read_text(encoding="utf-8"))
    assert stored == keys[-20:]
    loading._remember("key10")   # seen again: moved to the end, not kept twice
    stored = json.loads((build / "cache" / "validated.json").read_text(encoding="utf-8"))
    assert stored == keys[5:10] + keys[11:] + ["key10"] and len(stored) == 20
    assert loading._validated == set(keys)


def test_a_package_validated_once_is_not_validated_again_in_the_process(tmp_path, monkeypatch):
    from dry_needling.data import loading

    monkeypatch.setenv("DRY_NEEDLING_BUILD", str(tmp_path / "build"))
    monkeypatch.setattr(loading, "_validated", set())
    folder = _package(tmp_path, _descriptor())
    data.load("items", folder)
    (tmp_path / "build" / "cache" / "validated.json").unlink()   # only the process's own memory is left
    monkeypatch.setattr(loading, "validate", lambda folder: pytest.fail("validated twice"))
    assert data.load("items", folder)["id"].tolist() == ["first", "second"]


def test_every_module_of_the_validator_is_in_the_content_key():
    import pkgutil

    from dry_needling.data import loading

    modules = {m.name for m in pkgutil.iter_modules(data.__path__)}
    assert {p.stem for p in loading._VALIDATOR_MODULES} == modules | {"__init__"}


def _validated_then_watched(tmp_path: Path, monkeypatch) -> tuple[Path, list]:
    """A package loaded once (so validated and remembered), then ``validate`` replaced by a recorder."""
    from dry_needling.data import loading

    monkeypatch.setenv("DRY_NEEDLING_BUILD", str(tmp_path / "build"))
    monkeypatch.setattr(loading, "_validated", set())
    folder = _package(tmp_path, _descriptor())
    data.load("items", folder)
    calls: list = []
    real = loading.validate
    monkeypatch.setattr(loading, "validate", lambda f: calls.append(f) or real(f))
    return folder, calls


def test_a_changed_descriptor_is_validated_again_even_when_no_table_changed(tmp_path, monkeypatch):
    folder, calls = _validated_then_watched(tmp_path, monkeypatch)
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["fields"][1]["constraints"] = {"maximum": 60}   # items' value is 80
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(data.DataValidationError) as raised:
        data.load("items", folder)
    assert [(p.line, p.column) for p in raised.value.problems] == [(2, "value")] and calls == [folder]


def test_the_same_descriptor_with_its_keys_in_another_order_is_not_validated_again(tmp_path, monkeypatch):
    folder, calls = _validated_then_watched(tmp_path, monkeypatch)

    def reverse(value):
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(value)}
        return [reverse(v) for v in value] if isinstance(value, list) else value

    (folder / "datapackage.json").write_text(json.dumps(reverse(_descriptor())), encoding="utf-8")
    assert data.load("items", folder)["id"].tolist() == ["first", "second"]
    assert calls == []


def test_a_folder_another_process_validated_is_trusted_and_a_broken_memory_ignored(tmp_path, monkeypatch):
    from dry_needling.data import loading

    folder, calls = _validated_then_watched(tmp_path, monkeypatch)
    memory = tmp_path / "build" / "cache" / "validated.json"
    stored = memory.read_text(encoding="utf-8")
    for text, validated in [(stored, False), ('{"keys": []}', True), ("5", True), ("not json", True), ("", True)]:
        loading._validated.clear()   # a new process: only the file is left
        memory.write_text(text, encoding="utf-8")
        calls.clear()
        assert data.load("items", folder)["id"].tolist() == ["first", "second"]
        assert calls == ([folder] if validated else []), text


def test_a_message_shows_unprintable_characters_as_escapes_and_cuts_long_values():
    broken = data.Problem("a\nb.csv", 2, "col\u200bumn", None, "a value\r")
    assert str(broken) == "a\\nb.csv, line 2, column 'col\\u200bumn': expected a value\\r"
    sixty, sixty_one = "x" * 60, "y" * 61
    assert f"found '{sixty}';" in str(data.Problem("f", None, None, sixty, "e"))
    assert f"found '{sixty_one[:60]}…';" in str(data.Problem("f", None, None, sixty_one, "e"))


def _with_field(tmp_path: Path, field: dict, cell: str) -> list[tuple[int | None, str | None, str]]:
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["fields"].append({"name": "extra", **field})
    items = f"id,value,unit,count,source_id,locator,extra\nfirst,80,percent,3,src_a,p. 1,{cell}\n"
    return [(p.line, p.column, p.expected) for p in data.validate(_package(tmp_path, descriptor, items))]


@pytest.mark.parametrize("cell, expected", [
    ("9223372036854775807", []), ("-9223372036854775808", []),        # the largest and smallest a table can load
    ("+1234567890123456789", []), ("1000000000000000000", []),         # 19 digits, a sign not counted as one
    ("9223372036854775808", [(2, "extra", "a whole number from -9223372036854775808 to 9223372036854775807 "
                                          "(a larger one cannot be loaded)")]),
    ("-9223372036854775809", [(2, "extra", "a whole number from -9223372036854775808 to 9223372036854775807 "
                                           "(a larger one cannot be loaded)")]),
    ("1" * 5000, [(2, "extra", "a whole number from -9223372036854775808 to 9223372036854775807 "
                               "(a larger one cannot be loaded)")]),   # past int()'s 4,300-digit limit: no crash
])
def test_integers_a_table_can_load_and_the_first_ones_it_cannot(tmp_path, cell, expected):
    assert _with_field(tmp_path, {"type": "integer"}, cell) == expected


@pytest.mark.parametrize("field, cell, expected", [
    # a field with no type is text: its pattern and the formula check still apply
    ({"constraints": {"pattern": "[a-z]+"}}, "ABC", "text matching the pattern [a-z]+"),
    ({}, "=SUM(A1)", "text that does not start like a spreadsheet formula"),
    ({"type": "string", "constraints": {"required": True}}, "   ",
     "a value (this column is required; the cell holds only spaces)"),
    ({"type": "number"}, "NaN", "a finite number (not NaN or infinity)"),
    ({"type": "number"}, "-inf", "a finite number (not NaN or infinity)"),
    ({"type": "number"}, "1e400", "a finite number (not NaN or infinity)"),
])
def test_own_checks_give_their_exact_words(tmp_path, field, cell, expected):
    problems = _with_field(tmp_path, field, cell)
    assert len(problems) == 1 and problems[0][:2] == (2, "extra") and problems[0][2].startswith(expected), problems
    if not expected.endswith("formula"):
        assert problems[0][2] == expected


def test_load_reads_a_changed_table_again_and_names_the_known_tables(tmp_path):
    descriptor = _descriptor()
    descriptor["resources"][1]["title"] = "Items of the tiny package"
    folder = _package(tmp_path, descriptor)
    first = data.load("items", folder)
    assert first.attrs["title"] == "Items of the tiny package" and first["value"].tolist() == [80.0, 54.0]
    (folder / "items.csv").write_text(ITEMS.replace("second,54", "third,55"), encoding="utf-8")
    assert data.load("items", folder)["value"].tolist() == [80.0, 55.0]
    with pytest.raises(KeyError) as raised:
        data.load("nothing", folder)
    assert raised.value.args[0] == "no table named 'nothing' in the data package; known tables: sources, items"


@pytest.mark.parametrize("cell, expected", [
    ('"abc\n"', "text matching the pattern [a-z]+ (a line break at the end does not match)"),
    ('"abc\r\n"', "text matching the pattern [a-z]+ (a line break at the end does not match)"),
    ("abc ", "text matching the pattern [a-z]+"),          # a space is not a line break: no such note
    ('"abX\n"', "text matching the pattern [a-z]+"),       # wrong without its line break too
])
def test_the_line_break_note_only_when_the_line_break_is_all_that_is_wrong(tmp_path, cell, expected):
    assert _with_field(tmp_path, {"type": "string", "constraints": {"pattern": "[a-z]+"}}, cell) == [
        (2, "extra", expected)]


@pytest.mark.parametrize("text, formula", [
    ("=", True), ("=1+1", True), (" \t\r\n=1", True), ("-XX1", True), ("+-@A1", True), ("@ sum(", True),
    ("\v=1", False), ("\f=1", False), ("\u00a0=1", False),   # only spaces, tabs and line breaks are skipped
    ("X=1", False), ("XA1 is a cell name", False), ("Xmas(", False), ("-Xylophone", False), ("- 5 %", False),
    ("", False), ("   ", False),
])
def test_which_text_a_spreadsheet_would_run(text, formula):
    from dry_needling.data.spreadsheet import formula_like

    assert formula_like(text) is formula


def test_a_profile_problem_in_a_table_or_field_names_that_table_or_field(tmp_path):
    """frictionless's profile check names only the property ('title'); the problem is located at its own table or
    field, and the package's own property stays at the top level (found by a review of the descriptor checks)."""
    descriptor = _descriptor()
    descriptor["title"] = 3
    descriptor["resources"][0]["title"] = 5
    descriptor["resources"][1]["title"] = 5
    descriptor["resources"][1]["schema"]["fields"][2]["title"] = 7
    problems = data.validate(_package(tmp_path, descriptor))
    assert [(p.where, p.expected) for p in problems] == [
        ("title", "a descriptor that follows the Data Package profile (3 is not of type 'string')"),
        ("resources[0].title", "a descriptor that follows the Data Package profile (5 is not of type 'string')"),
        ("resources[1].title", "a descriptor that follows the Data Package profile (5 is not of type 'string')"),
        ("resources[1].schema.fields[2].title",
         "a descriptor that follows the Data Package profile (7 is not of type 'string')"),
    ]


def test_a_profile_problem_in_a_field_alone_names_its_field(tmp_path):
    descriptor = _descriptor()
    descriptor["resources"][0]["schema"]["fields"][1]["title"] = ["a", "list"]
    assert [(p.where, p.expected) for p in data.validate(_package(tmp_path, descriptor))] == [
        ("resources[0].schema.fields[1].title",
         "a descriptor that follows the Data Package profile (['a', 'list'] is not of type 'string')")]


def _with_rules(tmp_path: Path, rules: list[dict], rows: str) -> list[tuple[int | None, str | None, str | None, str]]:
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["x-rules"] = rules
    items = "id,value,unit,count,source_id,locator\n" + rows
    return [(p.line, p.column, p.value, p.expected) for p in data.validate(_package(tmp_path, descriptor, items))]


PERCENT = {"when": {"unit": "percent"}, "fields": ["value"], "minimum": 0, "maximum": 100}


@pytest.mark.parametrize("rules, rows, expected", [
    # the limits themselves are inside
    ([PERCENT], "a,0,percent,3,src_a,p. 1\nb,100,percent,3,src_a,p. 2\n", []),
    ([PERCENT], "a,-0.5,percent,3,src_a,p. 1\nb,100.5,percent,3,src_a,p. 2\n",
     [(2, "value", "-0.5", "a value from 0 to 100 when unit is 'percent'"),
      (3, "value", "100.5", "a value from 0 to 100 when unit is 'percent'")]),
    # a row the rule does not select, then one it does
    ([PERCENT], "a,150,hours,3,src_a,p. 1\nb,150,percent,3,src_a,p. 2\n",
     [(3, "value", "150", "a value from 0 to 100 when unit is 'percent'")]),
    # a rule with no condition, and one with two
    ([{"fields": ["count"], "maximum": 3}], "a,1,hours,4,src_a,p. 1\n", [(2, "count", "4", "a value from None to 3")]),
    ([{"when": {"unit": "hours", "source_id": "src_b"}, "fields": ["count"], "minimum": 5}],
     "a,1,hours,4,src_a,p. 1\nb,1,hours,4,src_b,p. 2\n",
     [(3, "count", "4", "a value from 5 to None when unit is 'hours' and source_id is 'src_b'")]),
    # an empty or unreadable first field does not stop the rule's next field
    ([{"fields": ["count", "value"], "maximum": 3}], "a,150,hours,,src_a,p. 1\n",
     [(2, "value", "150", "a value from None to 3")]),
    ([{"fields": ["value", "count"], "maximum": 3}], "a,abc,hours,4,src_a,p. 1\n",
     [(2, "value", "abc", "a number"), (2, "count", "4", "a value from None to 3")]),
    # the line is the cell's own: a multiline cell after it in the row does not move it
    ([{"fields": ["count"], "maximum": 3}], 'a,1,hours,4,src_a,"p.\n1"\n',
     [(2, "count", "4", "a value from None to 3")]),
])
def test_a_cross_field_rule_names_its_condition_and_limits(tmp_path, rules, rows, expected):
    assert _with_rules(tmp_path, rules, rows) == expected


def test_a_pattern_re2_cannot_check_writes_nothing_to_stderr(tmp_path, capfd):
    descriptor = _descriptor()
    descriptor["resources"][0]["schema"]["fields"][0]["constraints"]["pattern"] = "(?=a)a+"
    problems = data.validate(_package(tmp_path, descriptor))
    assert [p.where for p in problems] == ["resources[0]"]
    assert capfd.readouterr().err == ""


def test_a_file_with_exactly_the_most_problems_shown_is_not_cut(tmp_path):
    rows = "".join(f"r{k},x,hours,1,src_a,p. 1\n" for k in range(data.MAX_PROBLEMS_PER_FILE))
    problems = data.validate(_package(tmp_path, _descriptor(), "id,value,unit,count,source_id,locator\n" + rows))
    assert len(problems) == data.MAX_PROBLEMS_PER_FILE and not any(p.hidden for p in problems)
    assert {p.expected for p in problems} == {"a number"}


def test_a_path_that_cannot_be_resolved_is_never_inside_the_data_folder(tmp_path):
    from dry_needling.data.problems import _inside

    assert _inside(tmp_path, tmp_path / "ok.csv")
    assert not _inside(tmp_path, tmp_path / "nul\0byte.csv")   # os.path.realpath refuses a NUL byte: not "inside"


def test_a_new_release_of_a_validating_library_validates_again(tmp_path, monkeypatch):
    """The memory of validated folders names the libraries that passed them: after an upgrade of frictionless (or
    jsonschema, or Python) the same bytes are checked again, since the new release may refuse them."""
    from dry_needling.data import loading

    folder = _package(tmp_path, _descriptor())
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    before = loading._content_key(folder, descriptor)
    assert json.loads(loading._library_versions()).keys() == {"python", "frictionless", "jsonschema"}
    for library in ("frictionless", "jsonschema"):
        monkeypatch.setattr(loading, "version", lambda name, changed=library: "99.0" if name == changed else "1.0")
        loading._library_versions.cache_clear()
        after = loading._content_key(folder, descriptor)
        monkeypatch.setattr(loading, "version", lambda name: "1.0")
        loading._library_versions.cache_clear()
        assert after != loading._content_key(folder, descriptor) != before, library
    monkeypatch.setattr(loading.platform, "python_version", lambda: "3.99.0")
    loading._library_versions.cache_clear()
    assert loading._content_key(folder, descriptor) != before
    monkeypatch.undo()
    loading._library_versions.cache_clear()
    assert loading._content_key(folder, descriptor) == before
