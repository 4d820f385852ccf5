"""Rendering one notebook to a page with the offline nbconvert template."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from ..files import figure_names_in
from . import site

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import TEMPLATES, builder_code, fingerprint
from .safety import CSP_META, neutralise

# ---------------------------------------------------------------------------------------
# Rendering


_BLOCK_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")


def latex_to_mathml(markdown: str) -> str:
    """Replace $$...$$ and $...$ in Markdown with MathML, which browsers render without scripts."""
    from latex2mathml.converter import convert

    def block(match):
        return "\n\n" + convert(match.group(1).strip(), display="block") + "\n\n"

    def inline(match):
        return convert(match.group(1).strip())

    return _INLINE_MATH.sub(inline, _BLOCK_MATH.sub(block, markdown))


def prepare_for_html(nb, alt_by_name: dict[str, str]):
    """A copy of ``nb`` ready for HTML: math as MathML, figure alt text and name attached, tagged cells removed,
    solution code marked for collapsing, and the JupyterLab-only explorer's note replaced by the in-page
    explorer."""
    from .execution import WIDGET_NOTE
    from .explorer import MARKER, placeholder

    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = latex_to_mathml(cell.source)
        if cell.cell_type == "code":
            names = figure_names_in(cell.source)
            if MARKER in cell.source:
                for output in cell.get("outputs", []):
                    if output.get("data", {}).get("text/plain") == WIDGET_NOTE:
                        output["data"] = {"text/html": placeholder()}
            if "remove-input" in tags:
                cell.metadata.setdefault("transient", {})["remove_source"] = True
                cell.source = ""
            if "remove-output" in tags:
                cell.outputs = []
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    alt = alt_by_name.get(names[0]) if names else None
                    output.setdefault("metadata", {})["alt"] = alt or _generic_alt(nb, cell)
                    if names and names[0] in alt_by_name:
                        output["metadata"]["figure"] = names[0]
        kept.append(cell)
    # A worked solution (the run of cells tagged "solution": the Markdown explanation, then the code and its
    # output) goes into ONE closed <details> with one "Solution" toggle (the template opens it before the first
    # cell and closes it after the last): the explanation's own <details><summary>Solution</summary> wrapper,
    # which JupyterLab needs, is taken off here, so the page does not show two toggles at two indents.
    solution = ["solution" in c.metadata.get("tags", []) for c in kept]
    for k, cell in enumerate(kept):
        if not solution[k]:
            continue
        start = k == 0 or not solution[k - 1]
        cell.metadata["solution_start"] = start
        cell.metadata["solution_end"] = k == len(kept) - 1 or not solution[k + 1]
        if start:
            unwrapped = _SOLUTION_WRAPPER.fullmatch(cell.source) if cell.cell_type == "markdown" else None
            if unwrapped:
                cell.source = unwrapped.group(1).strip()
            cell.metadata["solution_summary"] = "Solution" if unwrapped else "Solution: the code and its output"
    for cell in kept:
        for output in cell.get("outputs", []):
            figure = output.get("metadata", {}).get("figure")
            if figure:
                output["metadata"]["figure_table"] = figure_table(figure)
    nb.cells = kept
    return nb


_SOLUTION_WRAPPER = re.compile(r"\s*<details>\s*<summary>\s*Solution\s*</summary>(.*)</details>\s*", re.DOTALL)

#: Rows shown in a figure's data table (a figure plots far fewer; the CSV link has everything).
TABLE_ROWS = 200


def figure_table(name: str, figures_dir: Path | None = None) -> str:
    """The plotted data of figure ``name`` (``figures/<name>.csv``) as a collapsed HTML table, for a screen reader
    and anyone who prefers numbers. Every value is escaped; column names are shown with spaces for underscores
    (so a header wraps at word boundaries); numbers are right-aligned. '' when the CSV is missing or empty."""
    import csv
    import html

    from .. import paths

    path = (figures_dir or paths.figures_dir()) / f"{name}.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return ""
    if len(rows) < 2:
        return ""
    header, body = rows[0], rows[1:]
    shown = body[:TABLE_ROWS]

    def numeric(value: str) -> bool:
        return bool(re.fullmatch(r"[-+\u2212]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", value.strip()))

    head = "".join(f'<th scope="col">{html.escape(h.replace("_", " "))}</th>' for h in header)
    lines = "".join("<tr>" + "".join(f'<td class="num">{html.escape(v)}</td>' if numeric(v) else
                                     f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in shown)
    more = (f"; the first {TABLE_ROWS} are shown, the CSV has them all" if len(body) > TABLE_ROWS else "")
    return (f'<details class="figure-data"><summary>The plotted data as a table ({len(body)} '
            f'row{"s" if len(body) != 1 else ""}{more})</summary><div class="table-scroll">'
            f'<table class="figure-table"><caption>Data plotted in the figure above, from '
            f'<code>figures/{html.escape(name)}.csv</code></caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{lines}</tbody></table></div></details>")


def _generic_alt(nb, cell) -> str:
    """Alt text for an image with no saved figure: the nearest preceding Markdown heading."""
    heading = "a chart"
    for other in nb.cells:
        if other is cell:
            break
        if other.cell_type == "markdown":
            for line in other.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("# ").strip()
    return f"Chart for the section '{heading}'; the text around it states what it shows."


_EXPORTER = None


def render_html(nb, chrome: dict | None = None, title: str = "", citations: dict[str, str] | None = None) -> str:
    """HTML for one notebook with the offline template and the site's ``chrome`` (from ``site``: head_html,
    chrome_top, nav_html, chrome_bottom, tools_html)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    chrome = chrome or {}
    page, _ = _EXPORTER.from_notebook_node(nb, resources={**chrome, "metadata": {"name": title},
                                                          "csp_meta": CSP_META})
    # Raw HTML in Markdown cells is ours, but made harmless anyway (defence in depth beside the CSP).
    # The head comes from our template and is left alone.
    head, body_start, rest = page.partition("<body")
    page = head + body_start + neutralise(rest) if body_start else neutralise(page)
    tools = chrome.get("tools_html", "")
    if tools:  # the launch / download box goes right under the title
        end = page.find("</h1>")
        end = page.find('<div class="jp-Cell ', end) if end >= 0 else -1  # the cell after the title's
        page = page[:end] + tools + page[end:] if end >= 0 else page
    return site.finish(site.link_citations(page, citations or {}))


def _page_key(nb: dict, nav_html, alt_by_name: dict[str, str], *more) -> str:
    """Everything a rendered page depends on: the (normalised) stored notebook, its navigation, the alt
    texts, the plotted data of its figures (shown as tables), the template and this module."""
    from .. import paths

    csvs = [paths.figures_dir() / f"{name}.csv" for name in sorted(alt_by_name)]
    return fingerprint(nb, nav_html, alt_by_name, *more, *csvs,
                       *sorted(p for p in TEMPLATES.rglob("*") if p.is_file()), *builder_code())


@dataclass
class Page:
    path: Path
    href: str
    title: str
    summary: str
    minutes: int | None
    status: str
    seconds: float


def _markdown(nb: dict) -> list[str]:
    """The Markdown cells of a notebook read as plain JSON (no nbformat needed)."""
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "markdown"]


def _title(nb: dict, fallback: str) -> str:
    for text in _markdown(nb):
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return fallback


def _summary(nb: dict) -> tuple[str, int | None]:
    """The first sentence of the notebook's 'In short' paragraph, and its stated reading time."""
    text = "\n".join(_markdown(nb))
    short = re.search(r"\*\*In short\.\*\*\s*(.+?)(?:\n\n|$)", text, re.DOTALL)
    plain = re.sub(r"[*_`]", "", " ".join(short.group(1).split())) if short else ""  # Markdown emphasis off
    sentence = re.split(r"(?<=[.!?])\s", plain)[0]
    minutes = re.search(r"Reading time: about (\d+) minutes", text)
    return sentence, int(minutes.group(1)) if minutes else None


