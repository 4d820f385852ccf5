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


def _suggest(tmp_path: Path, monkeypatch, capsys, rows: int, text: str) -> list[str]:
    """`prose suggest` on a one-cell notebook holding ``text``, with a table of ``rows`` candidate rows: its lines."""
    data, figures = _folders(tmp_path, rows=rows)
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(figures))
    nb = _notebook(tmp_path / "nb.ipynb", text)
    assert prose.main(["suggest", str(nb)]) == 0
    return capsys.readouterr().out.splitlines()


def test_suggest_lists_eight_candidates_and_counts_the_rest(tmp_path, monkeypatch, capsys):
    lines = _suggest(tmp_path, monkeypatch, capsys, 9, "The effect was 0.17 in every trial.")
    assert lines[0] == "nb.ipynb, cell 0 (m1): '0.17' in '…The effect was 0.17 in every trial.…'"
    assert lines[1:9] == [f'    "0.17": "trials[t{i}].estimate"' for i in range(8)]
    assert lines[9:] == ["    ... and 1 more"]


def test_suggest_says_what_to_do_when_nothing_matches(tmp_path, monkeypatch, capsys):
    assert _suggest(tmp_path, monkeypatch, capsys, 1, "Nothing holds −0.93 here.")[1:] == [
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


# --- how `suggest` ranks candidates: the order a maintainer reads them in ------------------------------------------

def _ranking_folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Six tables, a figure's data, and a notebook whose cells print or hold the same 0.31 in several ways."""
    data = tmp_path / "data"
    data.mkdir()
    keyed = [{"name": n, "path": f"{n}.csv", "schema": {"primaryKey": "id"}}
             for n in ("burden", "change", "dups", "pooled", "walker")]
    (data / "datapackage.json").write_text(json.dumps({"resources": [*keyed, {"name": "ranges"}]}), encoding="utf-8")
    tables = {
        "walker": "id,estimate,source_id\nw1,0.31,walker2000\n",                       # its source is cited
        "pooled": "id,estimate,source_id\np1,0.31,jones2019\n",                        # the notebook loads it
        "burden": "id,estimate,outcome,source_id\nb1,0.31,low back pain disability survey,lee2018\n",  # same words
        "change": "id,estimate,source_id\nx1,-0.31,lee2018\n",                        # the opposite sign
        "ranges": "id,summary,source_id\nr1,-0.31 (-0.50 to -0.12),lee2018\n",         # a number inside a note
        "dups": "id,estimate\nd1,0.31\nd1,0.31\n",                                     # rows it cannot name
    }
    for name, text in tables.items():
        (data / f"{name}.csv").write_text(text, encoding="utf-8")
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "forest.csv").write_text("name,estimate\nMüller 2019,0.31\n", encoding="utf-8")
    (figures / "index.csv").write_text("name,alt\nforest,Forest plot: pooled SMD 0.31\n", encoding="utf-8")

    def code(cell_id: str, source: str, printed: str = "") -> dict:
        outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
        return {"cell_type": "code", "id": cell_id, "source": source, "outputs": outputs, "metadata": {}}

    cells = [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source":
         "As `walker2000` reported, low back pain disability fell by 0.31 in the burden survey."},
        code("c9", 'from dry_needling import data\nsmd = data.load("pooled")\nprint("Pooled SMD on back pain:", '
             "round(smd, 2))", "Pooled SMD on back pain: 0.31\n"),
        code("c10", "shift = -0.31\n"),
        code("c11", "lower = 0.31\nupper = 0.31\n"),
        code("c12", "print(0.31)\n"),
        code("fig", 'charts.save_figure(fig, "forest", alt=ALT)\n'),
        {"cell_type": "markdown", "metadata": {}, "source": "Twelve trials, 12 in all."},  # no id
    ]
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return nb, data, figures


def test_suggest_ranks_the_cited_source_then_shared_words_then_loaded_tables_then_the_rest(tmp_path):
    """The ranking the docstring promises, on one number: the row of the source the sentence cites first; a row
    whose words are the sentence's own next; a table the notebook loads and a printed line sharing two words;
    then a value of the opposite sign, a figure's data, numbers in code, and last a number inside a note. A
    table whose rows cannot be named (two rows keyed d1) offers nothing."""
    nb, data, figures = _ranking_folders(tmp_path)
    found = prose.suggest(nb, data, figures)
    assert [(s.cell, s.cell_id, s.figure, s.number) for s in found] == [
        (0, "intro", None, "0.31"), (5, "fig", "forest", "0.31"), (6, "", None, "12")]
    assert list(found[0].candidates) == [
        "walker[w1].estimate",
        "burden[b1].estimate",
        "pooled[p1].estimate",
        "output[c9: Pooled SMD on back pain]",
        "-change[x1].estimate",
        "figures/forest[Müller 2019].estimate",
        "code[c11]",
        "code[c12]",
        "-code[c10: shift]",
        "-ranges[r1].summary",
    ]
    assert found[2].candidates == ()


def test_suggest_prints_the_figure_and_non_ascii_references_as_written(tmp_path, monkeypatch, capsys):
    nb, data, figures = _ranking_folders(tmp_path)
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(figures))
    assert prose.main(["suggest", str(nb)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:10] == [
        "nb.ipynb, cell 0 (intro): '0.31' in '…orted, low back pain disability fell by 0.31 in the burden "
        "survey.…'",
        '    "0.31": "walker[w1].estimate"',
        '    "0.31": "burden[b1].estimate"',
        '    "0.31": "pooled[p1].estimate"',
        '    "0.31": "output[c9: Pooled SMD on back pain]"',
        '    "0.31": "-change[x1].estimate"',
        '    "0.31": "figures/forest[Müller 2019].estimate"',
        '    "0.31": "code[c11]"',
        '    "0.31": "code[c12]"',
        "    ... and 2 more",
    ]
    assert lines[10] == "nb.ipynb, cell 5 (fig, figure forest): '0.31' in '…Forest plot: pooled SMD 0.31…'"
    assert lines[-2:] == ["nb.ipynb, cell 6 (): '12' in '…Twelve trials, 12 in all.…'",
                          '    "12": "(no candidate: mark it not_data, or print the value in a cell)"']


def test_suggest_lists_exactly_eight_candidates_without_a_count(tmp_path, monkeypatch, capsys):
    lines = _suggest(tmp_path, monkeypatch, capsys, 8, "The effect was 0.17 in every trial.")
    assert lines[1:] == [f'    "0.17": "trials[t{i}].estimate"' for i in range(8)]


def test_suggest_skips_bound_and_marked_numbers_only(tmp_path):
    """A number a key binds, or one marked not_data, needs no suggestion; the number right after the key does."""
    data, figures = _folders(tmp_path, rows=1)
    cell = {"cell_type": "markdown", "id": "m1", "source": "So 0.17, 125.50 and 0.93 here; then 4.5.",
            "metadata": {"dry_needling": {"bind": {"0.17": "trials[t0].estimate"}, "not_data": ["0.93"]}}}
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    assert [s.number for s in prose.suggest(nb, data, figures)] == ["125.50", "4.5"]


def test_the_command_line_reads_its_arguments_from_sys_argv(tmp_path, monkeypatch, capsys):
    data, figures = _folders(tmp_path, rows=1)
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(figures))
    nb = _notebook(tmp_path / "nb.ipynb", "No numbers at all.")
    monkeypatch.setattr("sys.argv", ["python -m dry_needling.prose", "check", str(nb)])
    assert prose.main() == 0
    assert capsys.readouterr().out == "every number and certainty word is bound\n"


def test_suggest_never_offers_an_identifier_or_a_locator(tmp_path):
    """`31` in a row's id column, its source's locator ("p. 31") or its access date is not a value to bind."""
    data, figures = _folders(tmp_path, rows=0)
    (data / "studies.csv").write_text("study,trial_id,locator,accessed,n\nbrown,31,p. 31,2021-04-19,31\n",
                                      encoding="utf-8")
    nb = _notebook(tmp_path / "nb.ipynb", "It enrolled 31 people on 19 April 2021.")
    assert [s.candidates for s in prose.suggest(nb, data, figures)] == [("studies[brown].n",), ()]
