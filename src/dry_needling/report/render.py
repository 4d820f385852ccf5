"""Rendering one notebook to a page with the offline nbconvert template."""

from __future__ import annotations

import copy
import html
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
    from .explorer import MARKER

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
                        output["data"] = {"text/html": EXPLORER_SLOT}  # the explorer goes here after sanitising
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
#: Where notebook 03's in-page explorer goes: a plain element that survives the sanitiser; the explorer's own HTML
#: (ours, with its inputs and output) replaces it after the notebook's HTML has been sanitised.
EXPLORER_SLOT = '<div class="explorer" id="unblinding-explorer"></div>'


def render_html(nb, chrome: dict | None = None, title: str = "", citations: dict[str, str] | None = None) -> str:
    """HTML for one notebook with the offline template and the site's ``chrome`` (from ``site``: head_html,
    chrome_top, nav_html, chrome_bottom, tools_html)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        # Every piece of HTML the notebook brings (Markdown cells, HTML and Markdown outputs, raw cells) goes
        # through the template's clean_html filter, which is our nh3 sanitiser; the page around it is ours.
        _EXPORTER = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)],
                                 sanitize_html=True, filters={"clean_html": neutralise})
    chrome = chrome or {}
    page, _ = _EXPORTER.from_notebook_node(nb, resources={**chrome, "metadata": {"name": title},
                                                          "csp_meta": CSP_META})
    slot = neutralise(EXPLORER_SLOT)
    if slot in page:
        from .explorer import placeholder

        page = page.replace(slot, placeholder(), 1)
    tools = chrome.get("tools_html", "")
    if tools:  # the launch / download box goes right under the title
        end = page.find("</h1>")
        end = page.find('<div class="jp-Cell ', end) if end >= 0 else -1  # the cell after the title's
        page = page[:end] + tools + page[end:] if end >= 0 else page
    page = _mark_wide_outputs(_table_headers(_code_lines(page)))
    return site.finish(site.link_citations(page, citations or {}))


_CODE = re.compile(r'(<div class="highlight[^"]*">\s*<pre>)(.*?)(</pre>)', re.DOTALL)
_PIECE = re.compile(r"(<span\b[^>]*>|</span>|\n|<[^>]*>|[^<\n]+)")
#: Indents up to this many spaces get their own class (site.css: .code-line.ci-N); deeper ones use the last.
MAX_INDENT = 40


def _code_lines(page: str) -> str:
    """Each line of highlighted code in its own ``<span class="code-line ci-N">`` (N: its leading spaces), so a
    line that wraps on paper continues under its own indentation instead of at the margin. Token spans that run
    across a line break (a multi-line string) are closed at the end of the line and reopened on the next, so
    the markup stays nested; the text is unchanged."""

    def one(match: re.Match) -> str:
        opened: list[str] = []
        lines: list[str] = [""]
        for piece in _PIECE.findall(match.group(2)):
            if piece == "\n":
                lines[-1] += "</span>" * len(opened)
                lines.append("".join(opened))
            elif piece.startswith("<span"):
                opened.append(piece)
                lines[-1] += piece
            elif piece == "</span>":
                if opened:
                    opened.pop()
                lines[-1] += piece
            else:
                lines[-1] += piece
        if lines[-1] == "".join(opened) and len(lines) > 1:
            lines.pop()  # the code ends with a line break: no empty last line
        out = []
        for line in lines:
            text = html.unescape(re.sub(r"<[^>]*>", "", line))
            indent = min(len(text) - len(text.lstrip(" ")), MAX_INDENT)
            out.append(f'<span class="code-line ci-{indent}">{line}\n</span>')
        return match.group(1) + "".join(out) + match.group(3)

    return _CODE.sub(one, page)


_DATAFRAME_HEAD = re.compile(r'(<table[^>]*class="dataframe[^"]*"[^>]*>\s*<thead>)(.*?)(</thead>)', re.DOTALL)


def _table_headers(page: str) -> str:
    """DataFrame column headers break at their underscores (``comparison_<wbr>group``), never inside a word."""
    def head(match: re.Match) -> str:
        inner = re.sub(r"(<th[^>]*>)([^<]*)(</th>)", lambda m: m.group(1) + m.group(2).replace("_", "_<wbr>")
                       + m.group(3), match.group(2))
        return match.group(1) + inner + match.group(3)

    return _DATAFRAME_HEAD.sub(head, page)


#: A table with more columns than this, or printed text with lines longer than WIDE_TEXT characters, prints on a
#: landscape page (site.css, @page wide).
WIDE_COLUMNS = 7
WIDE_TEXT = 100


def _mark_wide_outputs(page: str) -> str:
    """Class ``wide-table`` on DataFrame tables with many columns, ``wide-text`` on text outputs with long
    lines: the print style sheet gives their cell a landscape page and keeps printed columns unwrapped."""
    def table(match: re.Match) -> str:
        tag = match.group(0)
        end = page.find("</thead>", match.end())
        head = page[match.end():end] if end > 0 else ""
        first_row = head.split("</tr>", 1)[0]
        if first_row.count("<th") > WIDE_COLUMNS:
            tag = tag.replace('class="dataframe', 'class="wide-table dataframe', 1)
        return tag

    page = re.sub(r'<table[^>]*class="dataframe[^"]*"[^>]*>', table, page)

    def text(match: re.Match) -> str:
        body = html.unescape(re.sub(r"<[^>]*>", "", match.group(2)))
        longest = max((len(line) for line in body.splitlines()), default=0)
        if longest <= WIDE_TEXT:
            return match.group(0)
        return match.group(1).replace('class="jp-RenderedText', 'class="wide-text jp-RenderedText', 1) + \
            match.group(2) + match.group(3)

    return re.sub(r'(<div class="jp-RenderedText[^"]*"[^>]*>\s*<pre>)(.*?)(</pre>)', text, page, flags=re.DOTALL)


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


