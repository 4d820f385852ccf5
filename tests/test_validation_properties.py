"""Property-based: random bytes, random CSV shapes and random descriptors never crash ``validate``.

Whatever is thrown at it, ``python -m dry_needling validate DIR`` exits 0 or 1, prints no traceback,
and every problem line names a file in DIR. Kept small (a few hundred examples, about 10 s).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_data import ITEMS, SOURCES, _descriptor

from dry_needling import __main__ as cli

pytestmark = pytest.mark.slow  # property tests (Hypothesis)

FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CELL = st.text(alphabet=st.sampled_from(list('ab1-., "\n\r\t\x00é\u2028')), max_size=12) | st.sampled_from(
    ["NaN", "1e400", "src_a", "percent", "hours", "9" * 25, "   ", "80", "-1", "first", "p. 1"])
WORDS = st.sampled_from(["", "../outside.csv", "/etc/passwd", "items.csv", "sources.csv", "string", "integer",
                         "number", "date", "year", "boolean", "id", "value", "unit", "sources", "items", "([",
                         "[a-z]+", "https://x.org/a.csv", "percent", "uri", "2020-01-01", "x-rules"])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | WORDS,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=8)


def _check(descriptor: str | bytes, items: str | bytes, sources: str | bytes = SOURCES) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        for name, content in (("datapackage.json", descriptor), ("items.csv", items), ("sources.csv", sources)):
            payload = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
            (folder / name).write_bytes(payload)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["validate", str(folder)])
        assert code in (0, 1)
        everything = out.getvalue() + err.getvalue()
        assert "Traceback" not in everything and "internal error" not in everything, everything
        lines = out.getvalue().splitlines()
        if code == 1:
            assert lines, everything
            assert all(line.startswith(folder.as_posix() + "/") for line in lines), lines
        else:
            assert lines == ["The data package is valid."]


VALID = json.dumps(_descriptor())


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_as_a_csv_file(raw):
    _check(VALID, ITEMS.encode() + raw if raw[:1] == b"+" else raw)


@FAST
@given(st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6), st.booleans(),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_random_csv_shapes(rows, keep_header, newline):
    header = [ITEMS.splitlines()[0]] if keep_header else []
    quoted = io.StringIO()
    csv.writer(quoted, lineterminator=newline).writerows(rows)
    _check(VALID, newline.join(header) + newline + quoted.getvalue())
    _check(VALID, newline.join(header + [",".join(r) for r in rows]))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


BASE = _descriptor()
PATHS = list(_paths(BASE))


@FAST
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=3))
def test_random_changes_to_a_valid_descriptor(changes):
    descriptor = json.loads(VALID)
    for path, value in changes:
        if not path:
            descriptor = value
            continue
        target = descriptor
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    _check(json.dumps(descriptor, allow_nan=True), ITEMS)


@FAST
@given(JSON)
def test_random_descriptors(value):
    _check(json.dumps(value), ITEMS)
