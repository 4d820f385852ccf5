"""Claims the docs make about the code, checked against the code (issue 26 item 6): the test files and bench rows
they name exist, and the REML stopping rule they quote is the one meta.py uses."""

from __future__ import annotations

import re

import pytest

from dry_needling import meta, paths

ROOT = paths.ROOT
DOCS = [ROOT / "docs" / "maintenance.md", ROOT / "README.md"]
BENCH = (ROOT / "benchmarks" / "bench.py").read_text(encoding="utf-8")


def _texts() -> dict[str, str]:
    files = [*DOCS, *sorted((ROOT / "src" / "dry_needling").rglob("*.py"))]
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in files}


def test_every_test_file_the_docs_and_docstrings_name_exists():
    named = 0
    for where, text in _texts().items():
        for path, test in re.findall(r"(tests/[\w/]+\.py)(?:::(\w+))?", text):
            named += 1
            assert (ROOT / path).is_file(), f"{where} names {path}, which does not exist"
            if test:
                source = (ROOT / path).read_text(encoding="utf-8")
                assert re.search(rf"^def {test}\(", source, re.M), f"{where} names {path}::{test}"
    assert named > 20  # the pattern still finds the references


def _bench_letters() -> list[str]:
    """The rows bench.py describes: '(x) ' at the start of a line of its docstrings."""
    return re.findall(r"^ *\"*\(([a-z])\) ", BENCH, re.M)


def test_each_bench_row_is_described_once():
    letters = _bench_letters()
    assert len(letters) == len(set(letters)), sorted(letters)


def test_bench_rows_named_in_the_docs_exist():
    described = set(_bench_letters())
    printed = set(re.findall(r'print\(f?"\| \(([a-z])\) ', BENCH))
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for letter in re.findall(r"`make bench`,? row \(([a-z])\)|row \(([a-z])\) measures", text):
            letter = "".join(letter)
            assert letter in described, f"{doc.name} names bench row ({letter}), which bench.py does not describe"
        table = set(re.findall(r"^\| \(([a-z])\) ", text, re.M))
        assert table <= printed, f"{doc.name}'s table has rows bench.py does not print: {sorted(table - printed)}"


@pytest.mark.parametrize("name", ["REML_RTOL", "REML_MAXITER"])
def test_the_reml_stopping_rule_is_quoted_as_the_code_has_it(name):
    text = (ROOT / "docs" / "maintenance.md").read_text(encoding="utf-8")
    quoted = re.search(rf"`{name}`\s*(?:\(|=\s*)([0-9.e-]+)", text)
    assert quoted, f"docs/maintenance.md no longer quotes {name}"
    assert float(quoted.group(1)) == getattr(meta, name)
