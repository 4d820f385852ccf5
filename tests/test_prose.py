"""Numbers in prose are bound to the data: a number typed into a markdown cell or a figure's alt text that
no table or stored output holds fails the suite, naming the notebook, the cell and the number."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dry_needling import paths, prose
from dry_needling.files import figure_names_in

NOTEBOOKS = paths.notebook_files()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_bound_to_the_data(notebook):
    problems = prose.unbound_numbers(notebook, paths.data_dir())
    assert not problems, "numbers in the prose that no data row or output holds:\n" + "\n".join(problems)


def _edit_markdown(src: Path, dst: Path, old: str, new: str) -> None:
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and old in text:
            cell["source"] = text.replace(old, new, 1)
            break
    else:
        raise AssertionError(f"{old!r} not found in {src.name}")
    dst.write_text(json.dumps(nb), encoding="utf-8")


def test_changing_a_number_in_a_sentence_fails_and_names_notebook_cell_and_number(tmp_path):
    src = paths.notebooks_dir() / "01_burden_of_back_pain.ipynb"
    edited = tmp_path / src.name
    _edit_markdown(src, edited, "72 % of people with *chronic*", "73 % of people with *chronic*")
    problems = prose.unbound_numbers(edited, paths.data_dir())
    assert problems and problems[0].startswith("01_burden_of_back_pain.ipynb, cell 0: 73 ")


@pytest.mark.slow
def test_changing_a_quoted_data_value_fails_once_the_notebook_runs(tmp_path):
    """The data say 71 where a sentence says 72: after the notebook runs on those data, the prose check
    names the sentence (nbval fails earlier still, on the stale output)."""
    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    figures = data / "article_figures.csv"
    text = figures.read_text(encoding="utf-8")
    assert "psychological_distress,72,percent,72 %," in text
    edited = text.replace("psychological_distress,72,percent,72 %,", "psychological_distress,71,percent,71 %,")
    figures.write_text(edited, encoding="utf-8")
    figures_out = tmp_path / "figures"
    shutil.copytree(paths.figures_dir(), figures_out)
    nb = nbformat.read(paths.notebooks_dir() / "01_burden_of_back_pain.ipynb", as_version=4)
    env = {"DRY_NEEDLING_DATA": str(data), "DRY_NEEDLING_FIGURES": str(figures_out)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    executed = tmp_path / "01_burden_of_back_pain.ipynb"
    nbformat.write(nb, executed)
    problems = prose.unbound_numbers(executed, data)
    assert any(": 72 " in p for p in problems), problems


@pytest.mark.parametrize("text, expected", [
    ("Exercise 2 asks about notebook 03 and Table 4.", []),
    ("pain on a 0–10 scale with a 95 % CI", []),
    ("a 10×10 grid of squares", []),
    ("`braithwaite2019` counted 27 trials", [27.0]),
    ("an SMD of −0.42 and 1,463 events", [-0.42, 1463.0]),
    ("rates per 100 treatments", []),
])
def test_numbers_in(text, expected):
    assert [n.value for n in prose.numbers_in(text)] == expected


def test_marked_numbers_are_skipped():
    assert prose.numbers_in("chain: 100 × 0.80 × 0.20", ["100 × 0.80 × 0.20"]) == []


def _figure_marks() -> dict[str, list[str]]:
    """not_data marks of the code cell that saves each figure (cell metadata dry_needling.not_data)."""
    marks = {}
    for nb in NOTEBOOKS:
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for name in figure_names_in(source):
                marks[name] = cell.get("metadata", {}).get("dry_needling", {}).get("not_data", [])
    return marks


def test_every_number_in_alt_text_is_in_the_figure_data():
    marks = _figure_marks()
    problems = []
    with (paths.ROOT / "figures" / "index.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            missing = prose.unbound_alt_numbers(row["alt"], paths.ROOT / "figures" / f"{row['name']}.csv",
                                                tuple(marks.get(row["name"], [])))
            if missing:
                problems.append(f"{row['name']}: {', '.join(missing)}")
    assert not problems, "alt-text numbers not in the figure's data CSV:\n" + "\n".join(problems)


@pytest.mark.slow
def test_blinding_scenarios_and_slider_defaults_come_from_the_data(tmp_path):
    from dry_needling import explorer, simulate

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    summaries = data / "blinding_summaries.csv"
    old = "freed2021_bi_active,back-pain trials,Mean Bang index in active arms,0.26,"
    text = summaries.read_text(encoding="utf-8")
    assert old in text
    summaries.write_text(text.replace(old, old.replace("0.26", "0.31")), encoding="utf-8")
    assert simulate.scenarios(data)["back-pain trials, average"][:2] == (0.31, 0.01)
    assert simulate.SCENARIOS["back-pain trials, average"][:2] == (0.26, 0.01)
    assert explorer._default_indexes() == (0.26, 0.01)


# --- how a number is read: value, sign, decimals -----------------------------------------------------------------

@pytest.mark.parametrize("text, read", [
    ("0.42", [(0.42, 2)]), ("1.5 points", [(1.5, 1)]), ("14 trials", [(14.0, 0)]), ("1,463 events", [(1463.0, 0)]),
    ("-3 and \u22120.25 and +2", [(-3.0, 0), (-0.25, 2), (2.0, 0)]), ("12.340", [(12.34, 3)]),
])
def test_a_number_is_read_with_its_sign_and_the_decimals_written(text, read):
    assert [(n.value, n.decimals) for n in prose.numbers_in(text)] == read


def test_a_number_after_a_skipped_one_is_still_read():
    text = "Table 4 shows 27 trials; see notebook 03 for 12 more."
    found = prose.numbers_in(text)
    assert [(n.text, n.start) for n in found] == [("27", text.index("27")), ("12", text.index("12 more"))]


@pytest.mark.parametrize("text", [
    "`0.26` in code", "[Table 4](https://example.org/5)", "https://example.org/a1/23", "Exercise 2", "notebook 03",
    "Table 4, 5 and 6", "Analysis 1.2", "rows 8 to 26", "page 1425", "pages 143-156", "version 1.2.0", "cell 5", "S1",
    "Q3", "on a 0–10 scale", "0 to 100 mm", "a 95 % CI", "the 90 percent confidence level", "\n1. first item",
    "k − 2 degrees of freedom", "a 10×10 grid", "10 by 10", "## 3 things to know", "$x^2 + 3$", "in 2018 and 2019a",
    "15 minutes", "per 1,000 treatments", "of every 10,000", "one in 4 people",
])
def test_generic_places_where_a_number_is_not_data(text):
    assert prose.numbers_in(text) == [], text


def test_a_year_followed_by_a_percent_sign_is_data():
    assert [n.value for n in prose.numbers_in("2018% of nothing")] == [2018.0]


# --- when a number is bound: the decimals written decide the tolerance, halves go either way --------------------

def _n(text):
    (number,) = prose.numbers_in(text)
    return number


@pytest.mark.parametrize("text, values, ok", [
    ("0.42", {0.4249}, True), ("0.42", {0.4151}, True), ("0.42", {0.4}, False), ("0.42", {0.52}, False),
    ("0.42", {0.425}, True), ("0.43", {0.425}, True),  # exactly half way: either rounding is honest
    ("72", {72.4}, True), ("72", {72.6}, False), ("72", {73}, False), ("72.0", {72.04}, True), ("72.0", {72.06}, False),
    ("\u22120.42", {0.42}, True),  # the sign is not compared (prose says "lowered by 0.42")
])
def test_bound_at_the_decimals_written(text, values, ok):
    assert prose.bound(_n(text), values) is ok


# --- what a notebook may quote: the tables it loads and its own outputs ---------------------------------------

def _notebook(path: Path, cells: list[dict]) -> Path:
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    return path


def _md(text, **marks) -> dict:
    cell = {"cell_type": "markdown", "source": text}
    if marks:
        cell["metadata"] = {"dry_needling": marks}
    return cell


def _code(source, outputs=()) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": list(outputs)}


@pytest.fixture
def tables(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "extra.csv").write_text("id,count\ne1,555\n", encoding="utf-8")
    (folder / "trials.csv").write_text(
        "id,study_id,source_id,n,note,locator\n"
        "t7,3001,4002,31,\"5 dropouts, 2 arms\",page 905\n"
        "t8,3002,4003,19\n", encoding="utf-8")
    return folder


def test_the_tables_a_notebook_loads_give_numbers_but_not_their_identifiers(tmp_path, tables):
    nb = _notebook(tmp_path / "nb.ipynb", [_code(["from dry_needling import data\n", "t = data.load(\n",
                                                  "    \"trials\")\n"])])
    values = prose.known_values(nb, tables)
    assert {31.0, 19.0, 5.0, 2.0} <= values  # numeric cells and numbers quoted in a note
    assert not values & {3001.0, 3002.0, 4002.0, 4003.0, 905.0, 7.0, 8.0}  # *_id, source_id, locator, id


def test_a_notebook_that_loads_nothing_may_quote_only_its_outputs(tmp_path, tables):
    nb = _notebook(tmp_path / "nb.ipynb", [_code("print(31)", [
        {"output_type": "stream", "name": "stdout", "text": ["total 44\n", "mean 2.5\n"]},
        {"output_type": "execute_result", "data": {"text/plain": ["   a\n", "0  6.25"]}, "metadata": {}},
        {"output_type": "display_data", "data": {"text/plain": "<Figure with 3 Axes>", "image/png": "iVBOR"},
         "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "plain 9\n"},
    ])])
    assert prose.known_values(nb, tables) == {44.0, 2.5, 0.0, 6.25, 3.0, 9.0}


def test_unbound_numbers_names_notebook_cell_number_and_context(tmp_path, tables):
    text = ("A first line that is long enough to be cut off.\nThe trial had 31 participants; it reported 32 "
            "dropouts, which is more people than it had in the first place.")
    nb = _notebook(tmp_path / "nb.ipynb", [_code('t = data.load("trials")'), _md(text)])
    start = text.index("32")
    assert prose.unbound_numbers(nb, tables) == [
        f"nb.ipynb, cell 1: 32 in '…{text[start - 40:start + 40].replace(chr(10), ' ')}…'"]
    short = _notebook(tmp_path / "short.ipynb", [_md("Only 32\nhere")])
    assert prose.unbound_numbers(short, tables) == ["short.ipynb, cell 0: 32 in '…Only 32 here…'"]


def test_cells_marked_not_data_or_bound_in_another_notebook(tmp_path, tables):
    _notebook(tmp_path / "other.ipynb", [_code("x", [{"output_type": "stream", "name": "stdout", "text": "77\n"}]),
                                         _code('extra = data.load("extra")')])
    nb = _notebook(tmp_path / "nb.ipynb", [
        {"cell_type": "markdown", "source": "no metadata at all: 31"},
        _md("quotes the other notebook's output and table: 77 and 555", bound_in=["other.ipynb"]),
        _md("quotes it unmarked: 77"),
        _md("a chain 100 × 0.8 and 77", not_data=["100 × 0.8"]),
        _code('t = data.load("trials")'),
    ])
    assert [p.split(":")[0] for p in prose.unbound_numbers(nb, tables)] == ["nb.ipynb, cell 2", "nb.ipynb, cell 3"]


# --- alt text against the figure's data ----------------------------------------------------------------------

def test_alt_text_may_quote_cells_counts_sums_and_shares_as_percentages(tmp_path):
    chart = tmp_path / "chart.csv"
    chart.write_text("study,trials,share,mixed\nA,12,0.25,2\nB,30,,3\nC,,0.875,2.5\nD,7,,\n", encoding="utf-8")
    alt = ("Dot chart of 4 studies: 3 report trials (49 in all), 2 a share (25 % and 87.5 %), 12 and 30 trials, "
           "2 without a share.")
    assert prose.unbound_alt_numbers(alt, chart) == []
    # The sum of a column is offered only when every filled cell is a whole number (2 + 3, not 7.5 with 2.5).
    assert prose.unbound_alt_numbers("5 in the mixed column", chart) == ["5"]
    assert prose.unbound_alt_numbers("a share of 0.25 is 26 %", chart) == ["26"]
    assert prose.unbound_alt_numbers("6 report trials", chart) == ["6"]


def test_alt_text_of_a_chart_with_one_row_or_none(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("label,value\nonly,0.42\n", encoding="utf-8")
    assert prose.unbound_alt_numbers("1 bar at 0.42 (42 %)", one) == []
    empty = tmp_path / "empty.csv"
    empty.write_text("label,value\n", encoding="utf-8")
    assert prose.unbound_alt_numbers("no bars: 0 rows, not 3", empty) == ["3"]
