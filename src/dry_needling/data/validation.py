"""The three stages run in order: ``validate``."""

from __future__ import annotations

from pathlib import Path

from .csvfile import _read_table, _Table
from .descriptor import _check_descriptor, _read_descriptor
from .own_checks import _cross_field, _own_checks
from .problems import PACKAGE_FILE, Problem, _cut, _data_dir, _display, _excerpt
from .rows import _row_checks


def _row_problems(good: list[dict], tables: dict[str, _Table], folder: Path, by_file: dict[str, list[Problem]]) -> None:
    """Stage 2 for every table that parsed: row checks, own checks and cross-field rules, into ``by_file``."""
    found = _row_checks(good, tables, folder)
    for resource in good:
        table = tables[resource["name"]]
        shown = _display(folder, resource["path"])
        own, covered = _own_checks(resource, shown, table)
        items = found[resource["name"]]  # every table that parsed has its (maybe empty) list
        unique_rows = {k for kind, k, _, _ in items if kind == "unique"}
        problems = list(own)
        for kind, k, j, problem in items:
            if j is not None and k is not None and (k, j) in covered:
                continue  # our own check on this cell already says it
            if kind == "pk" and k in unique_rows:
                continue  # the unique-error on the same row already says it
            problems.append(problem)
        problems.extend(_cross_field(resource, shown, table, covered))
        by_file[shown].extend(problems)



def validate(data_dir: str | Path | None = None) -> list[Problem]:
    """Validate every table of the data package; return the problems (empty when valid)."""
    folder = _data_dir(data_dir)
    try:
        return _validate(folder)
    except Exception as exc:  # noqa: BLE001  (the last resort: a bug in the validator, not a problem in the data)
        return [Problem(_display(folder, PACKAGE_FILE), None, None, None,
                        f"a package the validator can check (internal error: the validator itself failed with "
                        f"{exc.__class__.__name__}: {_excerpt(str(exc))}; please report this; the data were not fully "
                        "checked)", internal=True)]


def _validate(folder: Path) -> list[Problem]:
    descriptor, problems = _read_descriptor(folder)
    if descriptor is None:
        return problems
    problems = _check_descriptor(descriptor, folder)
    if problems:
        return problems

    by_file: dict[str, list[Problem]] = {}
    tables: dict[str, _Table] = {}
    for resource in descriptor["resources"]:
        shown = _display(folder, resource["path"])
        table, file_problems = _read_table(folder, resource)
        by_file.setdefault(shown, []).extend(file_problems)
        if table is not None and table.rows:
            tables[resource["name"]] = table

    if tables:
        good = [r for r in descriptor["resources"] if r["name"] in tables]
        _row_problems(good, tables, folder, by_file)
    for shown, file_problems in by_file.items():
        file_problems.sort(key=lambda p: p.line or 0)
        problems.extend(_cut(file_problems, shown))
    return problems
