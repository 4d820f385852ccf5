"""Execute the notebooks and render them to HTML under ``build/report/``.

Each notebook is executed once (in ``notebooks/``, so relative paths behave as in
JupyterLab); that one execution is both written back to the ``.ipynb`` (the stored outputs
nbval compares) and rendered to HTML. The report is assembled in a temporary folder and moved
into place only when every notebook succeeded, so a failing notebook leaves the previous
report untouched; the error names the notebook and the cell.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from . import paths
from .charts import read_index

KERNEL = "python3"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "[Interactive widget: run this notebook in JupyterLab (make lab) to use the sliders.]"
CELL_TIMEOUT = 600


class NotebookFailed(RuntimeError):
    """A notebook raised during execution; the message names the notebook and the cell."""


def notebooks() -> list[Path]:
    """The collection's notebooks in reading order (their file names start with a number)."""
    return sorted(p for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Metadata that changes from machine to machine or run to run is removed or fixed."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if "outputs" in cell:
            cell.outputs = _merge_streams(cell.outputs)
        for output in cell.get("outputs", []):
            # A widget's model id is random and its state is not stored, so the view could not be shown
            # anyway: keep a plain note instead (stable bytes, and readable in the HTML report).
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/plain": WIDGET_NOTE}
    return nb


def _merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks: how a print is split into chunks depends on timing."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def execute(path: Path) -> nbformat.NotebookNode:
    """Execute ``path`` top to bottom in a fresh kernel and return the executed notebook."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        index = next((i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error"
                                                                   for o in c.get("outputs", []))), None)
        where = f"cell {index + 1}" if index is not None else "a cell"
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
        raise NotebookFailed(f"{paths.relative(path)}: {where} failed: {first}") from None
    return normalise(nb)


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` atomically if its text changed; return whether it changed."""
    text = nbformat.writes(nb) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


def render_html(nb: nbformat.NotebookNode) -> str:
    """HTML for one executed notebook (nbconvert's lab template; images are inline data URIs)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    return body


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def index_page(entries: list[tuple[str, str]], figures) -> str:
    """A plain index: the notebooks in reading order and the figure index. All text escaped."""
    esc = html.escape
    items = "\n".join(f'<li><a href="{esc(href)}">{esc(title)}</a></li>' for href, title in entries)
    rows = "\n".join(
        f"<tr><td>{esc(r['title'])}</td><td>{esc(r['alt'])}</td><td>{esc(r['source'])}</td></tr>"
        for _, r in figures.iterrows()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Dry needling for back pain: evidence notebooks</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.5}}
td,th{{border-bottom:1px solid #ddd;padding:.3rem;vertical-align:top;text-align:left}}</style></head>
<body><h1>Dry needling for back pain: evidence notebooks</h1>
<p>The figures a magazine article states, set against published research, with the data and sources.</p>
<h2>Notebooks, in reading order</h2><ol>
{items}
</ol>
<h2>Figures</h2><table><tr><th>Title</th><th>What it shows</th><th>Source</th></tr>
{rows}
</table></body></html>
"""


def build(execute_notebooks: bool = True, out_dir: Path | None = None, log=print) -> Path:
    """Execute (optionally) and render every notebook; return the report folder."""
    out_dir = out_dir or paths.REPORT_DIR
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".report-"))
    try:
        entries = []
        for path in notebooks():
            started = time.perf_counter()
            if execute_notebooks:
                nb = execute(path)
                changed = write_notebook(nb, path)
            else:
                nb, changed = nbformat.read(path, as_version=4), False
            page = path.with_suffix(".html").name
            (staging / page).write_text(render_html(nb), encoding="utf-8")
            entries.append((page, _title(nb, path.stem)))
            note = " (stored outputs updated)" if changed else ""
            log(f"  {path.name}: {time.perf_counter() - started:.1f} s{note}")
        (staging / "index.html").write_text(index_page(entries, read_index()), encoding="utf-8")
        if out_dir.exists():
            old = out_dir.with_name(out_dir.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(staging, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def main(args: argparse.Namespace | None = None) -> int:
    execute_notebooks = not getattr(args, "no_execute", False)
    print(f"Building the report ({'executing' if execute_notebooks else 'rendering stored outputs of'} "
          f"{len(notebooks())} notebooks):")
    try:
        out = build(execute_notebooks=execute_notebooks)
    except NotebookFailed as exc:
        print(f"Report NOT built: {exc}. The previous report, if any, is unchanged.", file=sys.stderr)
        return 1
    print(f"Report written to {paths.relative(out)}/index.html")
    return 0
