"""The notebooks are the product: stored outputs are clean, and wrong data makes the suite fail."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dry_needling import paths

NOTEBOOKS = paths.notebook_files()


def test_collection_has_the_notebooks_in_reading_order():
    names = [nb.name for nb in NOTEBOOKS]
    assert names == ["00_start_here.ipynb", "01_burden_of_back_pain.ipynb", "02_who_may_needle.ipynb",
                     "03_why_blinding_is_hard.ipynb", "04_blinding_in_real_trials.ipynb",
                     "05_what_the_evidence_says.ipynb", "06_reanalysing_the_trials.ipynb"]


REQUIRED_HEADINGS = ["## What you will learn", "## What you need", "## Claim, evidence, caveats", "## Summary",
                     "## Try it yourself", "## Sources"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_skeleton(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert markdown.startswith("# "), "the first cell is the title"
    assert "**In short.**" in markdown
    assert re.search(r"Reading time: about \d+ minutes", markdown)
    positions = [markdown.find(h) for h in REQUIRED_HEADINGS]
    assert all(p >= 0 for p in positions), [h for h, p in zip(REQUIRED_HEADINGS, positions, strict=True) if p < 0]
    assert positions == sorted(positions), "skeleton sections are out of order"
    solutions = [c for c in nb["cells"] if "solution" in c["metadata"].get("tags", []) and c["cell_type"] == "code"]
    assert len(solutions) >= 2
    for cell in solutions:  # collapsed with its output in JupyterLab (the report does the same)
        assert cell["metadata"].get("jupyter") == {"source_hidden": True, "outputs_hidden": True}
    assert markdown.count("<details><summary>Solution</summary>") >= 2
    assert "predict" in markdown.lower(), "at least one exercise asks for a prediction first"


def test_widget_outputs_are_stored_as_a_stable_note():
    import nbformat

    from dry_needling.notebooks import WIDGET_MIME, WIDGET_NOTE, normalise

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("w")
    data = {WIDGET_MIME: {"model_id": "abc"}, "text/plain": "VBox"}
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    nb.cells = [cell]
    assert normalise(nb).cells[0].outputs[0]["data"] == {"text/plain": WIDGET_NOTE}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    machine = re.compile(r"(/root/|/home/|/tmp/|/work/|[A-Z]:\\\\)")
    for i, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        assert cell["execution_count"] is not None, f"{notebook.name} cell {i} was never executed"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{notebook.name} cell {i} stores an error"
            text = json.dumps({k: v for k, v in output.get("data", {}).items() if not k.startswith("image/")})
            text += "".join(output.get("text", []))
            assert not machine.search(text), f"{notebook.name} cell {i} shows a machine path"
            if output["output_type"] == "execute_result":
                assert "<Figure size" not in text, f"{notebook.name} cell {i} returns a figure; end with plt.show()"


@pytest.mark.slow
def test_a_one_digit_change_in_the_data_fails_the_suite(tmp_path):
    """Change 80 to 81 in a copy of the data and run the data tests and strict nbval on it."""
    data_copy = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data_copy)
    path = data_copy / "article_figures.csv"
    path.write_text(path.read_text().replace("lifetime_prevalence,80,", "lifetime_prevalence,81,"))
    env = dict(os.environ, DRY_NEEDLING_DATA=str(data_copy), DRY_NEEDLING_FIGURES=str(tmp_path / "figures"))
    tests = Path(__file__).parent
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(tests / "sanitize.cfg"), "-o", "addopts=",
         str(tests / "test_data.py::test_headline_values_equal_the_article"),
         str(paths.notebooks_dir() / "01_burden_of_back_pain.ipynb")],
        cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "test_headline_values_equal_the_article FAILED" in result.stdout or "FAILED" in result.stdout
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert any("test_data.py" in line for line in failed), result.stdout[-3000:]
    assert any("01_burden_of_back_pain.ipynb" in line for line in failed), result.stdout[-3000:]
    assert not (paths.ROOT / "figures" / "index.csv").read_text().count("81 of every"), "repo figures untouched"


def test_split_prints_are_stored_as_one_output():
    import nbformat

    from dry_needling.notebooks import normalise

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="b\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="c\n")]
    nb.cells = [cell]
    outputs = normalise(nb).cells[0].outputs
    assert [(o["name"], o["text"]) for o in outputs] == [("stdout", "a\nb\n"), ("stderr", "c\n")]
