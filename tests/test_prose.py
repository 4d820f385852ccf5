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
from dry_needling.notebooks import figure_names

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
            for name in figure_names(source):
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
