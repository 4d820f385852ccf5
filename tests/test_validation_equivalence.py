"""The fast row checks give exactly the problems frictionless gives (``data.validation._validate(engine=...)``).

Random tables and random schema variants for the tiny two-table package of test_hostile_data: every
type, constraint, key and blank row the validator knows, compared as lists of located messages.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_data import ITEMS, SOURCES, _descriptor

from dry_needling import data, paths
from dry_needling.data import validation
from dry_needling.data.descriptor import _check_descriptor

pytestmark = pytest.mark.slow  # property tests (Hypothesis) against frictionless

FAST = settings(max_examples=80, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CELL = st.sampled_from(["", " ", "  1 ", "80", "80.0", "-1", "0", "1", "1e3", "NaN", "nan", "-Infinity", "1e400",
                        "1_000", "٣", "+5", "9" * 25, "true", "TRUE", "no", "2020-01-01", "2020-1-1", "2020-02-30",
                        "1999", " 199", "abc", "a b", "first", "second", "src_a", "src_b", "src_zz", "percent",
                        "hours", "https://x.org/a", "http://", "x@y.org", "a\n", "p. 1", "é", "８０", "=1+1", "-A1",
                        "２０２０-01-01", "١٩٩٩"])
BASE = {"required": st.booleans(), "unique": st.booleans()}
BOUNDS = st.integers(-5, 2000)
DATES = st.sampled_from(["2019-12-31", "2020-01-01", "2021-06-30"])
CONSTRAINTS = {  # what the Data Package profile allows per type
    "string": {**BASE, "minLength": st.integers(0, 3), "maxLength": st.integers(0, 3),
               "pattern": st.sampled_from(["[a-z]+", "[0-9]+", "s.*", ".*"]),
               "enum": st.lists(st.sampled_from(["80", "first", "percent", "src_a", "x@y.org"]), min_size=1,
                                max_size=3)},
    "number": {**BASE, "minimum": BOUNDS, "maximum": BOUNDS, "enum": st.lists(BOUNDS | st.floats(0, 100), min_size=1)},
    "integer": {**BASE, "minimum": BOUNDS, "maximum": BOUNDS, "enum": st.lists(BOUNDS, min_size=1, max_size=3)},
    "year": {**BASE, "minimum": BOUNDS, "maximum": BOUNDS, "enum": st.lists(BOUNDS, min_size=1, max_size=3)},
    "date": {**BASE, "minimum": DATES, "maximum": DATES, "enum": st.lists(DATES, min_size=1, max_size=2)},
    "boolean": {**BASE, "enum": st.lists(st.booleans(), min_size=1, max_size=2)},
}


@st.composite
def fields(draw):
    ftype = draw(st.sampled_from([None, *CONSTRAINTS]))
    field = {} if ftype is None else {"type": ftype}
    if ftype == "string":
        field["format"] = draw(st.sampled_from(["default", "uri", "email"]))
    field["constraints"] = draw(st.fixed_dictionaries({}, optional=CONSTRAINTS[ftype or "string"]))
    return field


def _compare(descriptor: dict, items: str, sources: str = SOURCES) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        (folder / "items.csv").write_text(items, encoding="utf-8")
        (folder / "sources.csv").write_text(sources, encoding="utf-8")
        fast = [str(p) for p in validation._validate(folder, engine="fast")]
        reference = [str(p) for p in validation._validate(folder, engine="frictionless")]
    assert sorted(fast) == sorted(reference)


@FAST
@given(st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=6),
       st.lists(fields(), min_size=6, max_size=6), st.sampled_from([["id"], ["id", "unit"], ["count"], []]))
def test_random_tables_and_schemas(rows, new_fields, key):
    descriptor = _descriptor()
    schema = descriptor["resources"][1]["schema"]
    schema["fields"] = [{"name": old["name"], **new} for old, new in zip(schema["fields"], new_fields, strict=True)]
    if key:
        schema["primaryKey"] = key
    else:
        schema.pop("primaryKey")
    if schema["fields"][1].get("type") not in ("number", "integer"):
        schema.pop("x-rules")
    if _check_descriptor(descriptor, paths.data_dir()):
        return  # a descriptor our own checks refuse never reaches the row checks
    header = ITEMS.splitlines()[0]
    _compare(descriptor, header + "\n" + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows))


@FAST
@given(st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=8))
def test_random_rows_in_the_tiny_package(rows):
    header = ITEMS.splitlines()[0]
    _compare(_descriptor(), header + "\n" + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows))


@pytest.mark.parametrize("case", ["shipped", "broken"])
def test_the_shipped_package(tmp_path, case):
    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    if case == "broken":
        text = (folder / "article_figures.csv").read_text(encoding="utf-8")
        lines = text.splitlines()
        lines[1] = ",".join([lines[2].split(",")[0]] + lines[1].split(",")[1:])  # duplicate id
        lines.append(",".join("" for _ in lines[0].split(",")))  # a blank row
        (folder / "article_figures.csv").write_text("\n".join(lines).replace(",sh_", ",zz_", 2) + "\n",
                                                    encoding="utf-8")
    fast = [str(p) for p in validation._validate(folder, engine="fast")]
    assert fast == [] if case == "shipped" else fast
    assert sorted(fast) == sorted(str(p) for p in validation._validate(folder, engine="frictionless"))


def test_a_schema_with_frictionless_parsing_options_is_checked_by_frictionless(tmp_path, monkeypatch):
    descriptor = _descriptor()
    descriptor["resources"][1]["schema"]["missingValues"] = ["", "NA"]
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (folder / "items.csv").write_text(ITEMS.replace(",3,src_a,", ",NA,src_a,").replace(",4,src_b,", ",four,src_b,"),
                                      encoding="utf-8")
    engines = []
    original = validation._frictionless_row_problems
    monkeypatch.setattr(validation, "_frictionless_row_problems", lambda *a: engines.append(1) or original(*a))
    assert [(p.line, p.column, p.value) for p in data.validate(folder)] == [(3, "count", "four")]  # NA is missing
    assert engines == [1]
