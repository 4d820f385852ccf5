"""``python -m dry_needling.prose suggest`` and ``check`` as a maintainer reads them (written when mutation testing
showed their output could change with no test noticing). Small notebooks and data folders built here."""

from __future__ import annotations

import json
from pathlib import Path

from dry_needling import prose


def _folders(tmp_path: Path, rows: int) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "datapackage.json").write_text(json.dumps({"resources": [
        {"name": "trials", "path": "trials.csv", "schema": {"primaryKey": "id"}}]}), encoding="utf-8")
    body = "".join(f"t{i},0.17,s{i}\n" for i in range(rows))
    (data / "trials.csv").write_text("id,estimate,source_id\n" + body, encoding="utf-8")
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "index.csv").write_text("name,alt\n", encoding="utf-8")
    return data, figures


def _notebook(path: Path, text: str) -> Path:
    cell = {"cell_type": "markdown", "id": "m1", "source": text, "metadata": {}}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    return path


def test_suggest_lists_eight_candidates_and_counts_the_rest(tmp_path, monkeypatch, capsys):
    data, figures = _folders(tmp_path, rows=9)
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(figures))
    nb = _notebook(tmp_path / "nb.ipynb", "The effect was 0.17 in every trial.")
    assert prose.main(["suggest", str(nb)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "nb.ipynb, cell 0 (m1): '0.17' in '…The effect was 0.17 in every trial.…'"
    assert lines[1:9] == [f'    "0.17": "trials[t{i}].estimate"' for i in range(8)]
    assert lines[9:] == ["    ... and 1 more"]


def test_suggest_says_what_to_do_when_nothing_matches(tmp_path, monkeypatch, capsys):
    data, figures = _folders(tmp_path, rows=1)
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(figures))
    nb = _notebook(tmp_path / "nb.ipynb", "Nothing holds −0.93 here.")
    assert prose.main(["suggest", str(nb)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        '    "−0.93": "(no candidate: mark it not_data, or print the value in a cell)"']  # the sign as written


def test_check_prints_every_problem_on_its_own_line_or_that_all_is_bound(tmp_path, monkeypatch, capsys):
    data, figures = _folders(tmp_path, rows=1)
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(figures))
    two = _notebook(tmp_path / "two.ipynb", "First 0.93, then 0.94.")
    assert prose.main(["check", str(two)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and ": 0.93 in " in out[0] and ": 0.94 in " in out[1]
    assert all(line.startswith("two.ipynb") and line.endswith("lists candidates)") for line in out), out
    plain = _notebook(tmp_path / "plain.ipynb", "No numbers at all.")
    assert prose.main(["check", str(plain)]) == 0
    assert capsys.readouterr().out == "every number and certainty word is bound\n"


def test_an_unknown_command_prints_the_usage_and_exits_2(capsys):
    assert prose.main(["fix"]) == 2
    assert "python -m dry_needling.prose check" in capsys.readouterr().out
    assert prose.main([]) == 2
