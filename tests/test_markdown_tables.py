"""Every markdown table renders as a table, in the report (nbconvert's mistune renderer) and in JupyterLab.

A paragraph glued to a table's last row (no blank line between them) breaks the table differently in the two
renderers: mistune drops the last row out as raw ``| ... |`` text, and JupyterLab's GFM renderer turns the
paragraph into a fake table row. Both are caught by requiring one rendered row per source row and no line of
the rendered text outside a table starting with a pipe, and by requiring a blank line after every table.
"""

from __future__ import annotations

import json
import re

import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from dry_needling import paths

NOTEBOOKS = paths.notebook_files()
DOCS = [paths.ROOT / "README.md", paths.ROOT / "data" / "README.md", *sorted((paths.ROOT / "docs").glob("*.md"))]


def _markdown_texts():
    for nb in NOTEBOOKS:
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            if cell["cell_type"] == "markdown":
                yield f"{nb.name} cell {i}", "".join(cell["source"])
    for doc in DOCS:
        yield str(doc.relative_to(paths.ROOT)), doc.read_text()


def _table_blocks(text: str) -> list[list[str]]:
    blocks, current, fence = [], [], False
    for line in text.splitlines() + [""]:
        if line.lstrip().startswith("```"):
            fence = not fence
        if not fence and line.lstrip().startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current + [line])  # keep the line after the table
            current = []
    return blocks


CASES = list(_markdown_texts())


@pytest.mark.parametrize("where, text", CASES, ids=[w for w, _ in CASES])
def test_tables_render_as_tables(where, text):
    blocks = _table_blocks(text)
    if not blocks:
        return
    html = markdown2html_mistune(text)
    for block in blocks:
        after = block[-1]
        assert after.strip() == "", f"{where}: no blank line after the table ending {block[-2][:60]!r}: {after[:60]!r}"
    expected_rows = sum(len(b) - 2 for b in blocks)  # minus the separator line and the line after
    rendered_rows = len(re.findall(r"<tr>", html))
    assert rendered_rows == expected_rows, f"{where}: {rendered_rows} rows rendered, {expected_rows} in the source"
    outside = re.sub(r"<table>.*?</table>", "", html, flags=re.S)
    assert not re.search(r"(^|>)\s*\|", outside), f"{where}: a table row was rendered as plain text"


def test_a_glued_paragraph_is_caught():
    glued = "| a | b |\n|---|---|\n| 1 | 2 | Run each notebook\nfrom the top."
    with pytest.raises(AssertionError, match="no blank line"):
        test_tables_render_as_tables("example", glued)
