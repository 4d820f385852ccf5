"""Bad input gets one located, readable line per problem, exit code 1, and no output files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import replace_in
from dry_needling import data, paths

FIG = "article_figures.csv"


def _break(folder: Path, case: str) -> None:
    figures = folder / FIG
    if case == "out_of_range":
        replace_in(figures, "lifetime_prevalence,80,", "lifetime_prevalence,180,")
    elif case == "negative":
        replace_in(figures, "training_hours,54,", "training_hours,-54,")
    elif case == "non_numeric":
        replace_in(figures, "lifetime_prevalence,80,", "lifetime_prevalence,eighty,")
    elif case == "missing_column":
        lines = figures.read_text(encoding="utf-8").splitlines()
        cut = [",".join(line.split(",")[:1] + line.split(",")[2:]) for line in lines[:1]] + lines[1:]
        figures.write_text("\n".join(cut) + "\n", encoding="utf-8")
    elif case == "missing_file":
        figures.unlink()
    elif case == "unknown_source":
        replace_in(figures, "US physical therapists and chiropractors who dry needle,5,sh_dry_needling",
                   "US physical therapists and chiropractors who dry needle,5,sh_dry_needlin")
    elif case == "duplicate_id":
        replace_in(figures, "\norigin_decade,", "\nnon_specific,")
    elif case == "empty_file":
        figures.write_bytes(b"")
    elif case == "garbage_bytes":
        text = figures.read_bytes()
        figures.write_bytes(text.replace(b"80 %", b"80 \xff\xfe%", 1))
    elif case == "bad_enum":
        replace_in(figures, "54,hours,", "54,hrs,")
    elif case == "extra_column":
        lines = figures.read_text(encoding="utf-8").splitlines()
        figures.write_text("\n".join([lines[0] + ",extra"] + [x + ",1" for x in lines[1:]]) + "\n", encoding="utf-8")
    elif case == "bad_date":
        replace_in(folder / "sources.csv", "2026-11-28", "28/11/2026")
    else:  # pragma: no cover
        raise AssertionError(case)


# case -> (file, line, column, value, words expected in the message)
CASES = {
    "out_of_range": (FIG, 2, "value", "180", "from 0 to 100 when unit is 'percent'"),
    "negative": (FIG, 6, "value", "-54", "at least 0"),
    "non_numeric": (FIG, 2, "value", "eighty", "a number"),
    "missing_column": (FIG, 1, "value", None, "a column named 'value'"),
    "missing_file": (FIG, None, None, None, "file is missing"),
    "unknown_source": (FIG, 6, "source_id", "sh_dry_needlin", "an id listed in sources.csv"),
    "duplicate_id": (FIG, 7, "id", "non_specific", "not used on any other line (the same value is on line 3)"),
    "empty_file": (FIG, 1, None, None, "file is empty"),
    "garbage_bytes": (FIG, 2, None, "byte 0xff", "UTF-8"),
    "bad_enum": (FIG, 6, "unit", "hrs", "one of: percent, states, hours, decade, items"),
    "extra_column": (FIG, 1, "extra", "extra", "not in the schema"),
    "bad_date": ("sources.csv", 2, "accessed", "28/11/2026", "a date written YYYY-MM-DD"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_located(data_copy, case):
    _break(data_copy, case)
    problems = data.validate(data_copy)
    file, line, column, value, words = CASES[case]
    matching = [p for p in problems if p.file.endswith(file) and p.line == line and p.column == column]
    assert matching, f"no problem located at {file}:{line}:{column}; got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.value == value
    assert words in problem.expected
    text = str(problem)
    assert file in text and "\n" not in text
    if line is not None:
        assert f"line {line}" in text
    if column is not None:
        assert f"'{column}'" in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_load_raises_one_error_type(data_copy, case):
    _break(data_copy, case)
    with pytest.raises(data.DataValidationError) as info:
        data.load("article_figures", data_copy)
    assert isinstance(info.value, ValueError)
    assert info.value.problems


def test_one_broken_file_does_not_cascade(data_copy):
    _break(data_copy, "missing_column")
    problems = data.validate(data_copy)
    assert len(problems) == 1, [str(p) for p in problems]


def test_missing_sources_file_is_reported_once(data_copy):
    (data_copy / "sources.csv").unlink()
    problems = data.validate(data_copy)
    assert [p.file.rsplit("/", 1)[-1] for p in problems] == ["sources.csv"]


def test_missing_datapackage_and_folder(tmp_path, data_copy):
    (data_copy / "datapackage.json").unlink()
    assert "datapackage.json" in str(data.validate(data_copy)[0])
    assert "does not exist" in str(data.validate(tmp_path / "nowhere")[0])


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command line in a fresh process (under a second: Python and frictionless start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRY_NEEDLING")}
    return subprocess.run([sys.executable, "-m", "dry_needling", "validate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _cli_in_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The same command line called in this process: the same output and exit code, without the start-up cost.
    A traceback would surface as the test's own error (and is also looked for in the output)."""
    import contextlib
    import io
    import traceback

    from dry_needling.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["validate", *args])
            except Exception:  # noqa: BLE001  (reported the way the interpreter would)
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["validate", *args], code, out.getvalue(), err.getvalue())


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("cli", [_cli_in_process, pytest.param(_cli, marks=pytest.mark.slow, id="real-process")])
def test_cli_valid_data_exits_0(tmp_path, cli):
    result = cli(cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


@pytest.mark.parametrize(("case", "cli"), [
    *((case, _cli_in_process) for case in ["out_of_range", "non_numeric", "missing_column", "missing_file",
                                           "unknown_source", "duplicate_id", "empty_file", "garbage_bytes"]),
    pytest.param("out_of_range", _cli, marks=pytest.mark.slow, id="out_of_range-real-process"),
])
def test_cli_bad_data_exits_1_with_located_lines_and_writes_nothing(data_copy, case, cli):
    _break(data_copy, case)
    workdir = data_copy.parent
    before = _snapshot(workdir)
    result = cli("data", cwd=workdir)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines and all(line.startswith("data/") for line in lines), result.stdout
    file, line, column, value, _ = CASES[case]
    expected_start = f"data/{file}" + (f", line {line}" if line else "") + (f", column '{column}'" if column else "")
    assert any(x.startswith(expected_start) for x in lines), result.stdout
    if value:
        assert value in result.stdout
    assert _snapshot(workdir) == before, "validation must not write or change any file"


def test_cached_validation_never_hides_a_later_change(data_copy):
    data.load("article_figures", data_copy)  # valid: remembered
    _break(data_copy, "out_of_range")
    with pytest.raises(data.DataValidationError, match="line 2, column 'value'"):
        data.load("article_figures", data_copy)


def test_blank_lines_at_the_end_of_a_file_are_harmless_but_not_in_the_middle(tmp_path):
    import shutil as _shutil

    folder = tmp_path / "data"
    _shutil.copytree(paths.data_dir(), folder)
    figures = folder / "article_figures.csv"
    text = figures.read_text(encoding="utf-8")
    figures.write_text(text + "\n\n", encoding="utf-8")
    assert data.validate(folder) == []
    lines = text.splitlines()
    figures.write_text("\n".join(lines[:3] + [""] + lines[3:]) + "\n", encoding="utf-8")
    problems = data.validate(folder)
    assert len(problems) == 1 and problems[0].line == 4 and "no blank lines" in str(problems[0])


def test_resource_names_lists_the_tables_in_package_order(data_copy):
    import json

    descriptor = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    assert data.resource_names(data_copy) == [r["name"] for r in descriptor["resources"]]
    assert data.resource_names(data_copy)[:2] == ["sources", "article_figures"]
    (data_copy / "datapackage.json").write_text('{"resources": []}', encoding="utf-8")
    with pytest.raises(data.DataValidationError, match="at least one table"):
        data.resource_names(data_copy)
