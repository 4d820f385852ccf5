"""Stage 0, the descriptor: each thing wrong in ``datapackage.json`` is one problem with the exact words a person
reads, located at its resource (``resources[1]``), its field's column and the value found; and what is right is not
refused (written from a mutation run of the validator, 2 December 2026: a test per check and per edge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_hostile_data import ITEMS, _descriptor, deny_reading
from test_validator_edges import _package

from dry_needling import data
from dry_needling.data import Problem

FIELD_NAME = "schema.fields[{k}] to have a 'name' (1-200 printable characters)"
TYPES = "one of boolean, date, integer, number, string, year"
FORMAT_TEXT = "schema.fields[{k}].format: 'default' or email, uri, uuid"
CONSTRAINT = "schema.fields[{k}].constraints.{key}: {bad}"
KNOWN = "a known constraint (required, unique, minimum, maximum, minLength, maxLength, pattern, enum)"
TABLE_NAME = "a 'name' of lower-case letters, digits, '.', '-' or '_'"
PRINTABLE = "'path' as a relative file name of 1-255 printable characters"
ABSOLUTE = "'path' relative to the data folder (an absolute path is not read)"
PARENT = "'path' inside the data folder (a path with '..' is not read)"
URL = "'path' as a file inside the data folder (a URL is not read)"
ENCODING = "'encoding' utf-8 (or none)"
CSV_ONLY = "a comma-separated CSV file (no other 'format' or 'dialect')"
FK = "schema.foreignKeys[0]: 'fields' naming fields of this table and a 'reference' object"
FK_TABLE = "schema.foreignKeys[0].reference.resource: the name of a table in this package (there is no such table)"
FK_FIELDS = "schema.foreignKeys[0].reference.fields: as many field names of table 'sources' as 'fields' has"
PRIMARY = "schema.primaryKey: the name(s) of fields of this table"
RULE_FIELDS = "schema.x-rules[0].fields: a list of fields of this table"
RULE_WHEN = "schema.x-rules[0].when: an object mapping fields of this table to text values"
YEAR = "a year: a whole number from 0 to 9999"
DATE = "a date written YYYY-MM-DD"
RULE_BOUNDS = "schema.x-rules[0]: a numeric 'minimum' and/or 'maximum'"


def _problems(tmp_path: Path, change=None, descriptor=None) -> tuple[list[Problem], str]:
    """The problems of the tiny package after ``change`` (or with ``descriptor`` as the file's text), and the
    descriptor's name as messages show it."""
    if descriptor is None:
        descriptor = _descriptor()
        change(descriptor)
    folder = _package(tmp_path, descriptor)
    return data.validate(folder), f"{folder.as_posix()}/datapackage.json"


def _located(tmp_path: Path, change) -> list[tuple]:
    """(where, column, value, expected) of each problem, every one in datapackage.json with no line."""
    problems, shown = _problems(tmp_path, change)
    assert all((p.file, p.line, p.internal) == (shown, None, False) for p in problems), problems
    return [(p.where, p.column, p.value, p.expected) for p in problems]


def _set(target: dict, changes: dict) -> None:
    """Each key of ``changes`` set in ``target``; ``None`` removes the key."""
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value


def _field(i: int, k: int, **changes):
    """A change to field ``k`` of resource ``i``."""
    return lambda d: _set(d["resources"][i]["schema"]["fields"][k], changes)


def _constraints(k: int, **constraints):
    """A change setting constraints of the items table's field ``k`` (0 id, 1 value, 2 unit, 3 count, ...)."""
    return lambda d: d["resources"][1]["schema"]["fields"][k].setdefault("constraints", {}).update(constraints)


def _resource(i: int, **changes):
    return lambda d: _set(d["resources"][i], changes)


def _schema(i: int, **changes):
    """A change to resource ``i``'s schema (``x_rules`` is ``x-rules``)."""
    return lambda d: _set(d["resources"][i]["schema"], {k.replace("_", "-"): v for k, v in changes.items()})


def _fk(**changes):
    """A change to the items table's foreign key (``reference_*`` keys change its reference)."""
    def change(d):
        fk = d["resources"][1]["schema"]["foreignKeys"][0]
        _set(fk["reference"], {k[len("reference_"):]: v for k, v in changes.items() if k.startswith("reference_")})
        _set(fk, {k: v for k, v in changes.items() if not k.startswith("reference_")})
    return change


def _extra(field: dict):
    """A change adding ``field`` to the items table as its field 6."""
    return lambda d: d["resources"][1]["schema"]["fields"].append(field)


def _rule(**changes):
    """A change to the items table's x-rule."""
    return lambda d: _set(d["resources"][1]["schema"]["x-rules"][0], changes)


R0, R1 = "resources[0]", "resources[1]"

# case -> (change to the tiny package's descriptor, every problem as (where, column, value, expected))
CASES = {
    # the resources list and each resource
    "no_tables": (lambda d: d.update(resources=[]), [(None, None, None, "at least one table in 'resources' (the "
                                                                       "list is empty)")]),
    "table_as_text": (lambda d: d["resources"].__setitem__(0, "sources.csv"),
                      [(R0, None, "sources.csv", "an object describing one table (found text)"),
                       (R1, None, "sources", FK_TABLE)]),
    "table_as_long_text": (lambda d: d["resources"].__setitem__(0, "s" * 70),
                           [(R0, None, "s" * 60 + "…", "an object describing one table (found text)"),
                       (R1, None, "sources", FK_TABLE)]),
    "table_as_number": (lambda d: d["resources"].__setitem__(0, 5),
                        [(R0, None, None, "an object describing one table (found a number)"),
                       (R1, None, "sources", FK_TABLE)]),
    "table_as_null": (lambda d: d["resources"].__setitem__(1, None),
                      [(R1, None, None, "an object describing one table (found null)")]),
    "no_table_name": (_resource(1, name=None), [(R1, None, None, TABLE_NAME)]),
    "table_name_not_text": (_resource(1, name=5), [(R1, None, None, TABLE_NAME)]),
    "table_name_a_list": (_resource(1, name=["items"]), [(R1, None, None, TABLE_NAME)]),
    "table_name_capitals": (_resource(1, name="Items"), [(R1, None, "Items", TABLE_NAME)]),
    "table_name_empty": (_resource(1, name=""), [(R1, None, "", TABLE_NAME)]),
    "table_name_101_characters": (_resource(1, name="i" * 101), [(R1, None, "i" * 101, TABLE_NAME)]),
    "table_name_twice": (_resource(1, name="sources"), [(R1, None, "sources", "a 'name' used by one table only")]),
    # a bad name is one problem; the table's other checks still run
    "bad_name_and_no_path": (_resource(1, name="Items", path=None),
                             [(R1, None, "Items", TABLE_NAME),
                              (R1, None, None, "a 'path' naming the table's CSV file (it is missing)")]),
    "no_path": (_resource(1, path=None), [(R1, None, None, "a 'path' naming the table's CSV file (it is missing)")]),
    # resource paths
    "path_empty": (_resource(1, path=""), [(R1, None, "", PRINTABLE)]),
    "path_with_a_tab": (_resource(1, path="it\tems.csv"), [(R1, None, "it\tems.csv", PRINTABLE)]),
    "path_with_a_line_break": (_resource(1, path="items.csv\n"), [(R1, None, "items.csv\n", PRINTABLE)]),
    "path_256_characters": (_resource(1, path="i" * 252 + ".csv"), [(R1, None, "i" * 252 + ".csv", PRINTABLE)]),
    "path_url": (_resource(1, path="https://example.org/items.csv"),
                 [(R1, None, "https://example.org/items.csv", URL)]),
    "path_drive_letter": (_resource(1, path="c:items.csv"), [(R1, None, "c:items.csv", URL)]),
    "path_server": (_resource(1, path="//server/items.csv"), [(R1, None, "//server/items.csv", URL)]),
    "path_absolute": (_resource(1, path="/srv/items.csv"), [(R1, None, "/srv/items.csv", ABSOLUTE)]),
    "path_backslash_first": (_resource(1, path="\\srv\\items.csv"), [(R1, None, "\\srv\\items.csv", ABSOLUTE)]),
    "path_home": (_resource(1, path="~/items.csv"), [(R1, None, "~/items.csv", ABSOLUTE)]),
    "path_parent": (_resource(1, path="../items.csv"), [(R1, None, "../items.csv", PARENT)]),
    "path_backslash_inside": (_resource(1, path="sub\\items.csv"), [(R1, None, "sub\\items.csv", PARENT)]),
    "path_not_csv": (_resource(1, path="items.tsv"), [(R1, None, "items.tsv", "'path' naming a .csv file (a table "
                                                                            "is published with the report only as "
                                                                            "CSV)")]),
    # encoding, format, dialect
    "encoding_latin1": (_resource(1, encoding="latin-1"), [(R1, None, "latin-1", ENCODING)]),
    "encoding_not_text": (_resource(1, encoding=8), [(R1, None, "8", ENCODING)]),
    "format_tsv": (_resource(1, format="tsv"), [(R1, None, None, CSV_ONLY)]),
    "a_dialect": (_resource(1, dialect={"delimiter": ";"}), [(R1, None, None, CSV_ONLY)]),
    # the schema
    "no_schema": (_resource(1, schema=None), [(R1, None, None, "an inline 'schema' object (it is missing)")]),
    "schema_null": (lambda d: d["resources"][1].update(schema=None),
                    [(R1, None, None, "an inline 'schema' object (it is missing)")]),
    "schema_as_path": (_resource(1, schema="schema.json"),
                       [(R1, None, None, "an inline 'schema' object (found text: a schema file or URL is not read)")]),
    "schema_as_list": (_resource(1, schema=[]),
                       [(R1, None, None, "an inline 'schema' object (found a list: a schema file or URL is not "
                                         "read)")]),
    "no_fields": (_schema(1, fields=None), [(R1, None, None, "schema.fields: a non-empty list of fields")]),
    "fields_empty": (_schema(1, fields=[]), [(R1, None, None, "schema.fields: a non-empty list of fields")]),
    # fields
    "field_as_number": (lambda d: d["resources"][1]["schema"]["fields"].__setitem__(3, 5),
                        [(R1, None, "a number", "schema.fields[3] to be an object")]),
    "field_as_text": (lambda d: d["resources"][1]["schema"]["fields"].__setitem__(3, "count"),
                      [(R1, None, "text", "schema.fields[3] to be an object")]),
    "field_without_name": (_field(1, 3, name=None), [(R1, None, None, FIELD_NAME.format(k=3))]),
    "field_name_not_text": (_field(1, 3, name=3), [(R1, None, None, FIELD_NAME.format(k=3))]),
    "field_name_empty": (_field(1, 3, name=""), [(R1, None, "", FIELD_NAME.format(k=3))]),
    "field_name_201_characters": (_field(1, 3, name="c" * 201), [(R1, None, "c" * 201, FIELD_NAME.format(k=3))]),
    "field_name_unprintable": (_field(1, 3, name="co\tunt"), [(R1, None, "co\tunt", FIELD_NAME.format(k=3))]),
    "field_name_twice": (_field(1, 3, name="value"),
                         [(R1, None, "value", "schema.fields[3]: a field name used only once")]),
    "type_unknown": (_field(1, 3, type="int"), [(R1, "count", "int", f"schema.fields[3].type: {TYPES}")]),
    "type_not_text": (_field(1, 3, type=["integer"]), [(R1, "count", "a list", f"schema.fields[3].type: {TYPES}")]),
    "type_datetime": (_field(1, 3, type="datetime"), [(R1, "count", "datetime", f"schema.fields[3].type: {TYPES}")]),
    # formats
    "format_on_text": (_field(1, 5, format="fancy"), [(R1, "locator", "fancy", FORMAT_TEXT.format(k=5))]),
    "format_not_text": (_field(1, 5, format=5), [(R1, "locator", "5", FORMAT_TEXT.format(k=5))]),
    "format_on_a_number": (_field(1, 3, format="email"),
                           [(R1, "count", "email", "schema.fields[3].format: 'default'")]),
    # a bad format is reported and the field's constraints are still checked
    "format_and_constraint": (_field(1, 3, format="any", constraints={"required": "yes"}),
                              [(R1, "count", "any", "schema.fields[3].format: 'default'"),
                               (R1, "count", "yes", CONSTRAINT.format(k=3, key="required", bad="true or false"))]),
    # constraints
    "constraints_as_list": (_field(1, 3, constraints=["required"]),
                            [(R1, "count", "a list", "schema.fields[3].constraints: an object")]),
    "required_as_text": (_constraints(3, required="yes"),
                         [(R1, "count", "yes", CONSTRAINT.format(k=3, key="required", bad="true or false"))]),
    "unique_as_number": (_constraints(3, unique=1),
                         [(R1, "count", "1", CONSTRAINT.format(k=3, key="unique", bad="true or false"))]),
    "minimum_as_text": (_constraints(3, minimum="0"),
                        [(R1, "count", "0", CONSTRAINT.format(k=3, key="minimum", bad="a finite number"))]),
    "maximum_true": (_constraints(1, maximum=True),
                     [(R1, "value", "true", CONSTRAINT.format(k=1, key="maximum", bad="a finite number"))]),
    "integer_minimum_not_whole": (_constraints(3, minimum=0.5),
                                  [(R1, "count", "0.5", CONSTRAINT.format(k=3, key="minimum", bad="a whole number"))]),
    "integer_maximum_not_whole": (_constraints(3, maximum=-1.5),
                                  [(R1, "count", "-1.5", CONSTRAINT.format(k=3, key="maximum",
                                                                           bad="a whole number"))]),
    "year_bound_not_whole": (_extra({"name": "year", "type": "year", "constraints": {"minimum": 2000.5}}),
                             [(R1, "year", "2000.5", CONSTRAINT.format(k=6, key="minimum", bad=YEAR))]),
    "year_bound_below_0": (_extra({"name": "year", "type": "year", "constraints": {"minimum": -1}}),
                           [(R1, "year", "-1", CONSTRAINT.format(k=6, key="minimum", bad=YEAR))]),
    "year_bound_10000": (_extra({"name": "year", "type": "year", "constraints": {"maximum": 10000}}),
                         [(R1, "year", "10000", CONSTRAINT.format(k=6, key="maximum", bad=YEAR))]),
    "date_bound_not_a_date": (_extra({"name": "day", "type": "date", "constraints": {"minimum": "2020-1-01"}}),
                              [(R1, "day", "2020-1-01", CONSTRAINT.format(k=6, key="minimum", bad=DATE))]),
    "date_bound_no_such_day": (_extra({"name": "day", "type": "date", "constraints": {"maximum": "2023-02-29"}}),
                               [(R1, "day", "2023-02-29", CONSTRAINT.format(k=6, key="maximum", bad=DATE))]),
    "date_bound_a_number": (_extra({"name": "day", "type": "date", "constraints": {"maximum": 2023}}),
                            [(R1, "day", "2023", CONSTRAINT.format(k=6, key="maximum", bad=DATE))]),
    "number_bound_infinite": (_constraints(1, maximum=float("inf")),
                              [(R1, "value", "Infinity", CONSTRAINT.format(k=1, key="maximum",
                                                                           bad="a finite number"))]),
    "boolean_bound": (_extra({"name": "flag", "type": "boolean", "constraints": {"minimum": 0}}),
                      [(R1, "flag", "0", CONSTRAINT.format(k=6, key="minimum",
                                                           bad="no minimum or maximum on a boolean field"))]),
    "minimum_on_text": (_constraints(5, minimum=3),
                        [(R1, "locator", "3", CONSTRAINT.format(k=5, key="minimum",
                                                                bad="no minimum or maximum on a string field"))]),
    "maximum_on_field_without_type": (lambda d: _field(1, 5, type=None)(d) or _constraints(5, maximum=3)(d),
                                      [(R1, "locator", "3", CONSTRAINT.format(
                                          k=5, key="maximum", bad="no minimum or maximum on a string field"))]),
    "min_length_negative": (_constraints(5, minLength=-1),
                            [(R1, "locator", "-1", CONSTRAINT.format(k=5, key="minLength",
                                                                     bad="a whole number of at least 0"))]),
    "max_length_true": (_constraints(5, maxLength=True),
                        [(R1, "locator", "true", CONSTRAINT.format(k=5, key="maxLength",
                                                                   bad="a whole number of at least 0"))]),
    "max_length_not_whole": (_constraints(5, maxLength=2.5),
                             [(R1, "locator", "2.5", CONSTRAINT.format(k=5, key="maxLength",
                                                                       bad="a whole number of at least 0"))]),
    "pattern_not_text": (_constraints(5, pattern=5),
                         [(R1, "locator", "5", CONSTRAINT.format(k=5, key="pattern",
                                                                 bad="a regular expression as text"))]),
    "pattern_re2_refuses": (_constraints(5, pattern="(["),
                            [(R1, "locator", "([", CONSTRAINT.format(
                                k=5, key="pattern", bad="a regular expression the linear-time engine (RE2) can check "
                                                        "(missing ]: [; look-around and back-references are not "
                                                        "supported)"))]),
    # RE2's reason, which repeats the pattern, is cut at 80 characters
    "pattern_re2_refuses_long": (_constraints(5, pattern="[" + "a" * 100),
                                 [(R1, "locator", "[" + "a" * 100, CONSTRAINT.format(
                                     k=5, key="pattern", bad="a regular expression the linear-time engine (RE2) can "
                                                             "check (missing ]: [" + "a" * 68 + "…; look-around and "
                                                             "back-references are not supported)"))]),
    "enum_empty": (_constraints(2, enum=[]),
                   [(R1, "unit", "[]", CONSTRAINT.format(k=2, key="enum", bad="a non-empty list of allowed values"))]),
    "enum_as_text": (_constraints(2, enum="percent"),
                     [(R1, "unit", "percent", CONSTRAINT.format(k=2, key="enum",
                                                                bad="a non-empty list of allowed values"))]),
    "enum_with_null": (_constraints(2, enum=["percent", None]),
                       [(R1, "unit", '["percent", null]', CONSTRAINT.format(k=2, key="enum",
                                                                            bad="a non-empty list of allowed "
                                                                                "values"))]),
    "enum_with_a_list": (_constraints(2, enum=[["percent"]]),
                         [(R1, "unit", '[["percent"]]', CONSTRAINT.format(k=2, key="enum",
                                                                          bad="a non-empty list of allowed values"))]),
    "unknown_constraint": (_constraints(2, oneOf=["percent"]),
                           [(R1, "unit", '["percent"]', CONSTRAINT.format(k=2, key="oneOf", bad=KNOWN))]),
    "long_value_cut": (_constraints(2, oneOf=["p" * 100]),
                       [(R1, "unit", '["' + "p" * 58, CONSTRAINT.format(k=2, key="oneOf", bad=KNOWN))]),
    # every broken constraint of a field is its own problem
    "two_constraints": (_constraints(3, unique="no", maximum="9"),
                        [(R1, "count", "no", CONSTRAINT.format(k=3, key="unique", bad="true or false")),
                         (R1, "count", "9", CONSTRAINT.format(k=3, key="maximum", bad="a finite number"))]),
    # keys
    "primary_key_unknown": (_schema(1, primaryKey="nope"), [(R1, None, None, PRIMARY)]),
    "primary_key_empty": (_schema(1, primaryKey=[]), [(R1, None, None, PRIMARY)]),
    "primary_key_number": (_schema(1, primaryKey=5), [(R1, None, None, PRIMARY)]),
    "primary_key_with_a_list": (_schema(1, primaryKey=["id", ["value"]]), [(R1, None, None, PRIMARY)]),
    "primary_key_of_another_table": (_schema(0, primaryKey=["value"]), [(R0, None, None, PRIMARY)]),
    "foreign_keys_as_object": (_schema(1, foreignKeys={"fields": "source_id"}),
                               [(R1, None, None, "schema.foreignKeys: a list")]),
    # a foreign-key list that is not a list, and the rules after it are still checked
    "foreign_keys_as_object_and_bad_rule": (
        lambda d: _schema(1, foreignKeys={})(d) or _rule(fields=[])(d),
        [(R1, None, None, "schema.foreignKeys: a list"), (R1, None, None, RULE_FIELDS)]),
    "foreign_key_as_text": (_schema(1, foreignKeys=["source_id"]), [(R1, None, None, FK)]),
    "foreign_key_without_reference": (_fk(reference=None), [(R1, None, None, FK)]),
    "foreign_key_reference_as_text": (_fk(reference="sources"), [(R1, None, None, FK)]),
    "foreign_key_without_fields": (_fk(fields=None), [(R1, None, None, FK)]),
    "foreign_key_fields_of_another_table": (_fk(fields="url"), [(R1, None, None, FK)]),
    "foreign_key_fields_empty": (_fk(fields=[]), [(R1, None, None, FK)]),
    "foreign_key_to_nowhere": (_fk(reference_resource="nowhere"), [(R1, None, "nowhere", FK_TABLE)]),
    "foreign_key_to_a_number": (_fk(reference_resource=3), [(R1, None, None, FK_TABLE)]),
    "foreign_key_to_a_table_with_a_bad_name": (lambda d: _resource(0, name="Sources")(d) or _fk(
        reference_resource="Sources")(d), [(R0, None, "Sources", TABLE_NAME), (R1, None, "Sources", FK_TABLE)]),
    "foreign_key_without_their_fields": (_fk(reference_fields=None), [(R1, None, None, FK_FIELDS)]),
    "foreign_key_to_unknown_fields": (_fk(reference_fields="nope"), [(R1, None, None, FK_FIELDS)]),
    "foreign_key_to_more_fields": (_fk(reference_fields=["id", "url"]), [(R1, None, None, FK_FIELDS)]),
    "foreign_key_to_their_fields_as_number": (_fk(reference_fields=1), [(R1, None, None, FK_FIELDS)]),
    # rules
    "rules_as_object": (_schema(1, x_rules={}), [(R1, None, None, "schema.x-rules: a list of rules")]),
    "rule_as_text": (_schema(1, x_rules=["value <= 100"]), [(R1, None, None, "schema.x-rules[0]: an object")]),
    "rule_fields_missing": (_rule(fields=None), [(R1, None, None, RULE_FIELDS)]),
    "rule_fields_empty": (_rule(fields=[]), [(R1, None, None, RULE_FIELDS)]),
    "rule_fields_as_text": (_rule(fields="value"), [(R1, None, None, RULE_FIELDS)]),
    "rule_field_unknown": (_rule(fields=["value", "nope"]), [(R1, None, None, RULE_FIELDS)]),
    "rule_field_a_number": (_rule(fields=[1]), [(R1, None, None, RULE_FIELDS)]),
    "rule_when_as_list": (_rule(when=["unit", "percent"]), [(R1, None, None, RULE_WHEN)]),
    "rule_when_unknown_field": (_rule(when={"units": "percent"}), [(R1, None, None, RULE_WHEN)]),
    "rule_when_value_a_number": (_rule(when={"unit": 1}), [(R1, None, None, RULE_WHEN)]),
    "rule_without_bounds": (_rule(minimum=None, maximum=None), [(R1, None, None, RULE_BOUNDS)]),
    "rule_bound_as_text": (_rule(minimum="0"), [(R1, None, None, RULE_BOUNDS)]),
    "rule_bound_true": (_rule(maximum=True), [(R1, None, None, RULE_BOUNDS)]),
    # every broken part of a rule is its own problem, and every rule is checked
    "rule_all_wrong": (_rule(fields=[], when=[], minimum=None, maximum=None),
                       [(R1, None, None, RULE_FIELDS), (R1, None, None, RULE_WHEN), (R1, None, None, RULE_BOUNDS)]),
    "second_rule_wrong": (lambda d: d["resources"][1]["schema"]["x-rules"].append({"fields": ["count"]}),
                          [(R1, None, None, "schema.x-rules[1]: a numeric 'minimum' and/or 'maximum'")]),
    # after a broken table, key or rule the next one is still checked
    "two_tables_wrong": (lambda d: _resource(0, schema=None)(d) or _field(1, 3, type="int")(d),
                         [(R0, None, None, "an inline 'schema' object (it is missing)"),
                          (R1, "count", "int", f"schema.fields[3].type: {TYPES}")]),
    "two_tables_without_fields": (lambda d: _schema(0, fields=[])(d) or _schema(1, fields=None)(d),
                                  [(R0, None, None, "schema.fields: a non-empty list of fields"),
                                   (R1, None, None, "schema.fields: a non-empty list of fields")]),
    "two_tables_keys_wrong": (lambda d: _schema(0, primaryKey="nope")(d) or _schema(1, primaryKey="nope")(d),
                              [(R0, None, None, PRIMARY), (R1, None, None, PRIMARY)]),
    "two_foreign_keys_wrong": (_schema(1, foreignKeys=[5, {"fields": "source_id", "reference": {"resource": "nowhere",
                                                                                                "fields": "id"}}]),
                               [(R1, None, None, FK),
                                (R1, None, "nowhere", FK_TABLE.replace("foreignKeys[0]", "foreignKeys[1]"))]),
    "foreign_key_to_nowhere_then_wrong_fields": (
        _schema(1, foreignKeys=[{"fields": "source_id", "reference": {"resource": "nowhere", "fields": "id"}},
                                {"fields": "source_id", "reference": {"resource": "sources", "fields": "url2"}}]),
        [(R1, None, "nowhere", FK_TABLE),
         (R1, None, None, FK_FIELDS.replace("foreignKeys[0]", "foreignKeys[1]"))]),
    "two_rules_wrong": (_schema(1, x_rules=[5, {"fields": ["value"]}]),
                        [(R1, None, None, "schema.x-rules[0]: an object"),
                         (R1, None, None, "schema.x-rules[1]: a numeric 'minimum' and/or 'maximum'")]),
    "broken_field_then_keys_wrong": (lambda d: _field(0, 1, type="url")(d) or _schema(1, primaryKey="nope")(d),
                                     [(R0, "url", "url", f"schema.fields[1].type: {TYPES}"),
                                      (R1, None, None, PRIMARY)]),
    "no_schema_then_keys_wrong": (lambda d: _resource(0, schema=None)(d) or _schema(1, primaryKey="nope")(d),
                                  [(R0, None, None, "an inline 'schema' object (it is missing)"),
                                   (R1, None, None, PRIMARY)]),
    # frictionless's profile, once our own checks pass
    "profile_package_name": (lambda d: d.update(name="Not A Valid Name!"),
                             [("name", None, None, "a descriptor that follows the Data Package profile ('Not A Valid "
                                                   "Name!' does not match '^([-a-z0-9._/])+$')")]),
}

@pytest.mark.parametrize("case", sorted(CASES))
def test_a_descriptor_problem_is_located_with_its_exact_words(tmp_path, case):
    change, expected = CASES[case]
    assert _located(tmp_path, change) == expected


# --- what is right is not refused ------------------------------------------------------------------------------

def _valid(tmp_path: Path, change, extra: tuple[str, str] | None = None) -> list[Problem]:
    descriptor = _descriptor()
    change(descriptor)
    items = ITEMS
    if extra is not None:
        header, cell = extra
        lines = ITEMS.splitlines()
        items = "\n".join([f"{lines[0]},{header}"] + [f"{line},{cell}" for line in lines[1:]]) + "\n"
    return data.validate(_package(tmp_path, descriptor, items))


ITEM_FIELDS = ITEMS.splitlines()[0].split(",")

VALID = {
    "field_name_200_characters": (_extra({"name": "n" * 200}), ("n" * 200, "x")),
    "boolean_field": (_extra({"name": "extra", "type": "boolean"}), ("extra", "true")),
    "email_format": (_extra({"name": "extra", "format": "email"}), ("extra", "a@example.org")),
    "uri_format": (_extra({"name": "extra", "type": "string", "format": "uri"}), ("extra", "https://a.example")),
    "uuid_format": (_extra({"name": "extra", "type": "string", "format": "uuid"}),
                    ("extra", "123e4567-e89b-12d3-a456-426614174000")),
    "default_format_on_a_number": (_field(1, 1, format="default"), None),
    "year_bounds_0_and_9999": (_extra({"name": "extra", "type": "year",
                                       "constraints": {"minimum": 0, "maximum": 9999}}), ("extra", "2000")),
    "date_bounds": (_extra({"name": "extra", "type": "date",
                            "constraints": {"minimum": "2000-01-01", "maximum": "2024-02-29"}}),
                    ("extra", "2020-01-05")),
    "integer_bound_written_1.0": (_constraints(3, minimum=1.0, maximum=10), None),
    "number_bounds": (_constraints(1, minimum=-0.5, maximum=1e3), None),
    "length_bounds": (_constraints(5, minLength=0, maxLength=10), None),
    "number_enum": (_constraints(3, enum=[3, 4, 5]), None),
    "required_and_unique_false": (_constraints(5, required=False, unique=False), None),
    "pattern": (_constraints(5, pattern="p\\. [0-9]+"), None),
    "table_name_100_characters": (_resource(1, name="i" * 100), None),
    "table_name_with_every_kind_of_character": (_resource(1, name="0.a_b-c"), None),
    "encoding_in_capitals": (_resource(1, encoding="UTF-8"), None),
    "encoding_with_underscore": (_resource(1, encoding="utf_8"), None),
    "encoding_with_a_signature": (_resource(1, encoding="UTF-8-sig"), None),
    "format_csv": (_resource(1, format="csv"), None),
    "primary_key_as_text": (_schema(1, primaryKey="id"), None),
    "foreign_key_to_its_own_table": (lambda d: d["resources"][1]["schema"]["foreignKeys"].append(
        {"fields": "id", "reference": {"resource": "", "fields": "id"}}), None),
    "foreign_key_to_its_own_table_unnamed": (lambda d: d["resources"][1]["schema"]["foreignKeys"].append(
        {"fields": ["id"], "reference": {"fields": ["id"]}}), None),
    "primary_key_of_every_field": (_schema(0, primaryKey=["id", "url"]), None),
    "foreign_key_of_every_field_to_every_field": (lambda d: d["resources"][1]["schema"]["foreignKeys"].append(
        {"fields": ITEM_FIELDS, "reference": {"resource": "items", "fields": ITEM_FIELDS}}), None),
    "no_foreign_keys": (_schema(1, foreignKeys=None), None),
    "rule_with_only_a_minimum": (_rule(maximum=None), None),
    "rule_with_only_a_maximum": (_rule(minimum=None, maximum=100.5), None),
    "rule_for_every_row": (_rule(when=None, minimum=0.0), None),
    "no_rules": (_schema(1, x_rules=None), None),
}


@pytest.mark.parametrize("case", sorted(VALID))
def test_a_descriptor_that_is_right_is_not_refused(tmp_path, case):
    change, extra = VALID[case]
    assert _valid(tmp_path, change, extra) == []


def test_a_path_of_255_characters_is_read(tmp_path):
    name = "i" * 251 + ".csv"
    folder = _package(tmp_path, "{}")
    (folder / "items.csv").rename(folder / name)
    descriptor = _descriptor()
    descriptor["resources"][1]["path"] = name
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert data.validate(folder) == []


# --- one broken thing, one problem: keys are checked only for a table whose fields are right -------------------

@pytest.mark.parametrize(("change", "expected"), [
    # a broken field: the table's keys and rules, which name its fields, are not checked as well
    (lambda d: _field(1, 3, type="int")(d) or _schema(1, primaryKey="nope")(d),
     [(R1, "count", "int", f"schema.fields[3].type: {TYPES}")]),
    (lambda d: _constraints(2, enum=[])(d) or _rule(fields=["nope"])(d),
     [(R1, "unit", "[]", CONSTRAINT.format(k=2, key="enum", bad="a non-empty list of allowed values"))]),
    # a table without a name: its keys are not checked
    (lambda d: _resource(1, name=None)(d) or _schema(1, primaryKey="nope")(d), [(R1, None, None, TABLE_NAME)]),
    # a foreign key to a table with a broken field: the fields it names there are not checked
    (lambda d: _field(0, 1, type="url")(d) or _fk(reference_fields="nope")(d),
     [(R0, "url", "url", f"schema.fields[1].type: {TYPES}")]),
    # a table whose name is wrong still has its keys checked
    (lambda d: _resource(1, name="Items")(d) or _schema(1, primaryKey="nope")(d),
     [(R1, None, "Items", TABLE_NAME), (R1, None, None, PRIMARY)]),
])
def test_a_broken_field_is_one_problem_not_a_cascade(tmp_path, change, expected):
    assert _located(tmp_path, change) == expected


# --- the file itself ---------------------------------------------------------------------------------------------

def test_a_missing_folder(tmp_path):
    folder = tmp_path / "nowhere"
    assert data.validate(folder) == [Problem(folder.as_posix(), None, None, None, "a data folder (it does not exist)")]


def test_a_folder_without_a_descriptor(tmp_path):
    folder = _package(tmp_path, "{}")
    (folder / "datapackage.json").unlink()
    assert data.validate(folder) == [Problem(f"{folder.as_posix()}/datapackage.json", None, None, None,
                                             "a Frictionless datapackage.json (file is missing)")]


def test_a_descriptor_linked_from_outside(tmp_path):
    folder = _package(tmp_path, "{}")
    (folder / "datapackage.json").unlink()
    (tmp_path / "elsewhere.json").write_text(json.dumps(_descriptor()), encoding="utf-8")
    (folder / "datapackage.json").symlink_to(tmp_path / "elsewhere.json")
    assert data.validate(folder) == [Problem(f"{folder.as_posix()}/datapackage.json", None, None, None,
                                             "a file inside the data folder (it is a link to a file outside it, "
                                             "which is not read)")]


def test_a_descriptor_that_cannot_be_read(tmp_path, monkeypatch):
    folder = _package(tmp_path, json.dumps(_descriptor()))
    deny_reading(monkeypatch, "datapackage.json")
    assert data.validate(folder) == [Problem(f"{folder.as_posix()}/datapackage.json", None, None, None,
                                             "a readable file and folder (cannot read: Permission denied)")]


@pytest.mark.parametrize(("text", "line", "expected"), [
    (b'{"name": "\xff"}', 1, "UTF-8 JSON text"),
    (b'{\n"name": "tiny",\n\n"title": "\xe9t\xe9"\n}\n', 4, "UTF-8 JSON text"),   # Latin-1, on line 4
    (b'{\n "resources": [,]}', 2, "valid JSON (Expecting value, column 16)"),
    (b'{"resources": []', 1, "valid JSON (Expecting ',' delimiter, column 17)"),
    (b'{"a": 1' + b"0" * 5000 + b"}", None, "valid JSON (Exceeds the limit (4300 digits) for integer string "
                                            "conversio…)"),
    (b"[]", None, "a JSON object with a 'resources' list"),
    (b'{"name": "tiny"}', None, "a JSON object with a 'resources' list"),
    (b'{"resources": {"items": {}}}', None, "a JSON object with a 'resources' list"),
    (b'{"resources": []}', None, "at least one table in 'resources' (the list is empty)"),
])
def test_a_descriptor_that_is_not_a_package_is_one_located_problem(tmp_path, text, line, expected):
    folder = _package(tmp_path, "{}")
    (folder / "datapackage.json").write_bytes(text)
    assert data.validate(folder) == [Problem(f"{folder.as_posix()}/datapackage.json", line, None, None, expected)]


def test_a_repeated_key_is_named_with_its_line_and_object(tmp_path):
    text = json.dumps(_descriptor(), indent=1).replace('"name": "items",', '"name": "items",\n   "name": "other",')
    problems, shown = _problems(tmp_path, descriptor=text)
    line = text[:text.index('"name": "other"')].count("\n") + 1
    assert problems == [Problem(shown, line, None, "name", "each key once in an object (this key is there twice; "
                                                          "JSON readers would silently keep only the last)",
                                "resources[1]")]


def test_a_table_linked_from_outside_is_refused_before_it_is_read(tmp_path):
    folder = _package(tmp_path, json.dumps(_descriptor()))
    (tmp_path / "elsewhere.csv").write_text(ITEMS, encoding="utf-8")
    (folder / "items.csv").unlink()
    (folder / "items.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert data.validate(folder) == [Problem(f"{folder.as_posix()}/datapackage.json", None, None, "items.csv",
                                             "'path' inside the data folder (it leads outside through a symbolic "
                                             "link, which is not read)", "resources[1]")]


# --- the stages in order (validation.py) ---------------------------------------------------------------------------

def test_a_file_s_problems_are_listed_by_line_whichever_check_found_them(tmp_path):
    items = ITEMS.splitlines()[0] + "\n" + (
        "first,180,percent,3,src_a,p. 1\n"     # line 2: the x-rule (checked last)
        "second,54,hours,4,src_b,=cmd()\n"      # line 3: a spreadsheet formula (our own check, checked first)
        "third,5,pct,4,src_b,p. 3\n")            # line 4: not in the enum (frictionless)
    folder = _package(tmp_path, _descriptor(), items)
    assert [(p.file.rsplit("/", 1)[-1], p.line, p.column) for p in data.validate(folder)] == [
        ("items.csv", 2, "value"), ("items.csv", 3, "locator"), ("items.csv", 4, "unit")]


UNIQUE_TOO = (3, "id", "first", "a value not used on any other line (the same value is on line 2)")


@pytest.mark.parametrize(("rows", "expected"), [
    (["first,80,percent,3,src_a,p. 1", "first,54,hours,4,src_b,p. 2"], [UNIQUE_TOO]),
    # the checks after the key's are still made
    (["first,80,percent,3,src_zz,p. 1", "first,54,hours,4,src_b,p. 2"],
     [(2, "source_id", "src_zz", "an id listed in sources.csv"), UNIQUE_TOO]),
])
def test_a_repeated_key_that_is_also_unique_is_one_problem_in_the_unique_column_s_words(tmp_path, rows, expected):
    folder = _package(tmp_path, _descriptor(), "\n".join([ITEMS.splitlines()[0], *rows]) + "\n")
    assert [(p.line, p.column, p.value, p.expected) for p in data.validate(folder)] == expected


def test_a_repeated_key_of_columns_not_marked_unique_is_a_problem_of_the_key(tmp_path):
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["fields"][0]["constraints"] = {"required": True}
    rows = ["first,80,percent,3,src_a,p. 1", "first,54,hours,4,src_zz,p. 2"]
    folder = _package(tmp_path, descriptor, "\n".join([ITEMS.splitlines()[0], *rows]) + "\n")
    assert [(p.line, p.column, p.value, p.expected) for p in data.validate(folder)] == [
        (3, "id", "first", "a key not used on any other line (the same value is on line 2)"),
        (3, "source_id", "src_zz", "an id listed in sources.csv")]


def test_a_cut_list_ends_with_a_line_naming_its_file(tmp_path):
    rows = [f"row{i},80,percent,3,src_zz,p" for i in range(1003)]
    folder = _package(tmp_path, _descriptor(), "\n".join([ITEMS.splitlines()[0], *rows]) + "\n")
    problems = data.validate(folder)
    assert len(problems) == 1001 and problems[999].line == 1001
    assert problems[-1] == Problem(f"{folder.as_posix()}/items.csv", None, None, None, "fewer problems: the list for "
                                   "this file is cut at 1,000; 3 more are not shown", hidden=3)


def test_a_cell_our_own_check_reports_hides_only_frictionless_s_words_on_that_cell(tmp_path):
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["fields"][3]["constraints"] = {"maximum": 5}
    items = ITEMS.splitlines()[0] + (
        "\nfirst,80,percent,1_000,src_a,p. 1"   # Python reads 1000: our digits rule, and frictionless's maximum
        "\nsecond,54,hours,9,src_b,p. 2\n")     # frictionless's maximum only
    folder = _package(tmp_path, descriptor, items)
    assert [(p.line, p.column, p.value, p.expected) for p in data.validate(folder)] == [
        (2, "count", "1_000", "a whole number written with the digits 0-9 and at most one sign"),
        (3, "count", "9", "a value of at most 5")]
