"""dry_needling.notebooks: the one place notebooks are listed, read, written and normalised, and the one reader of
the figure names they save (used by the report, the classroom editions, the prose checks and these tests)."""

from __future__ import annotations

import doctest
import json

import nbformat
import pytest

from dry_needling import notebooks


def test_examples_in_docstrings_run():
    result = doctest.testmod(notebooks)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize(("source", "names"), [
    ('save_figure(fig, "a_b", alt="x")', ["a_b"]),
    ("charts.save_figure(fig, 'single', alt='x')", ["single"]),
    ('save_figure(\n    fig,\n    name="keyword",\n    alt="x")', ["keyword"]),
    ('save_figure(name="first", fig=fig)', ["first"]),
    ('save_figure(fig, "one")\nsave_figure(ax.figure, "two")', ["one", "two"]),
    ("save_figure(fig, name)", []),  # not a literal: nothing to list
    ("# no call here", []),
])
def test_figure_names(source, names):
    assert notebooks.figure_names(source) == names


def _write(folder, name, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, folder / name)
    return folder / name


def test_the_collection_is_the_numbered_notebooks_in_order(tmp_path):
    for name in ("01_b.ipynb", "00_a.ipynb", "notes.ipynb", "1_short.ipynb"):
        _write(tmp_path, name)
    assert [p.name for p in notebooks.collection(tmp_path)] == ["00_a.ipynb", "01_b.ipynb"]
    assert [p.name for p in notebooks.skipped(tmp_path)] == ["1_short.ipynb", "notes.ipynb"]


def test_figures_saved_by_a_path_or_a_notebook(tmp_path):
    path = _write(tmp_path, "00_a.ipynb", 'save_figure(fig, "first")', "x = 1", "save_figure(ax.figure, name='second')")
    assert notebooks.figures_saved_by(path) == ["first", "second"]
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert notebooks.figures_saved_by(nb) == ["first", "second"]
    for cell in nb["cells"]:  # a cell's source as one string or as a list of lines
        cell["source"] = "".join(cell["source"])
    assert notebooks.figures_saved_by(nb) == ["first", "second"]


@pytest.mark.parametrize(("content", "words"), [
    (b"", "the file is empty"), (b"  \n", "the file is empty"), (b'{"cells": [', "not a valid notebook"),
    (b'{"cells": 3}', "not a valid notebook (no list of cells)"), (b"\xff\xfe{}", "not UTF-8 text"),
])
def test_an_unreadable_notebook_is_one_line_naming_it(tmp_path, content, words):
    path = tmp_path / "00_bad.ipynb"
    path.write_bytes(content)
    for read in (notebooks.read_json, notebooks.read, notebooks.figures_saved_by):
        with pytest.raises(notebooks.NotebookUnreadable) as info:
            read(path)
        message = str(info.value)
        assert "00_bad.ipynb: " + words in message and "\n" not in message, message
    with pytest.raises(notebooks.NotebookUnreadable, match="cannot be read"):
        notebooks.read_json(tmp_path / "00_missing.ipynb")


def test_write_stores_only_a_changed_text(tmp_path):
    path = _write(tmp_path, "00_a.ipynb", "1 + 1")
    nb = notebooks.read(path)
    assert notebooks.write(nb, path) is False  # nbformat's own text: unchanged, not rewritten
    assert path.read_text(encoding="utf-8") == notebooks.stored_text(nb)
    nb.cells[1].source = "2 + 2"
    assert notebooks.write(nb, path) is True
    assert notebooks.read(path).cells[1].source == "2 + 2"


def test_normalise_removes_what_changes_run_to_run():
    nb = {"metadata": {"widgets": {"state": {}}, "language_info": {"name": "python", "version": "3.11.9"}},
          "cells": [{"cell_type": "code", "metadata": {"execution": {"iopub.execute_input": "2026"}},
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "a"},
                                 {"output_type": "stream", "name": "stdout", "text": ["b\n"]},
                                 {"output_type": "display_data",
                                  "data": {notebooks.WIDGET_MIME: {"model_id": "x"}, "text/plain": "VBox"}}]}]}
    out = notebooks.normalise(nb)
    assert out is nb
    assert out["metadata"] == {"language_info": {"name": "python"},
                               "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                              "name": notebooks.KERNEL}}
    cell = out["cells"][0]
    assert cell["metadata"] == {}
    assert cell["outputs"][0]["text"] == "ab\n" and len(cell["outputs"]) == 2
    assert cell["outputs"][1]["data"] == {"text/plain": notebooks.WIDGET_NOTE}


def test_the_normaliser_source_names_what_shapes_stored_outputs(monkeypatch):
    before = notebooks.normaliser_source()
    assert "def normalise" in before and notebooks.WIDGET_NOTE in before
    monkeypatch.setattr(notebooks, "WIDGET_NOTE", "changed note")
    assert notebooks.normaliser_source() != before
