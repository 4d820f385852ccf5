"""Rendering one notebook to a page with the offline nbconvert template.

A :class:`PageJob` holds everything one page is made from (the notebook's stored text, the site's chrome, the alt
texts and plotted data of its figures, the citations): it is plain data, so a worker process can render it
(:mod:`.workers`). A :class:`PageRenderer` makes the nbconvert exporter and its template once and renders page after
page with them; the page comes back with :data:`FOOTER_MARK` where the site's footer goes (the build fills it in)
and with its search-index sections, read while the page is in memory.
"""

from __future__ import annotations

import copy
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import notebooks
from . import site
from .common import TEMPLATES, builder_code, fingerprint
from .safety import CSP_META, neutralise

if TYPE_CHECKING:
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

# ---------------------------------------------------------------------------------------
# Rendering


_BLOCK_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")


def latex_to_mathml(markdown: str) -> str:
    """Replace $$...$$ and $...$ in Markdown with MathML, which browsers render without scripts."""
    from latex2mathml.converter import convert

    def block(match: re.Match[str]) -> str:
        return "\n\n" + str(convert(match.group(1).strip(), display="block")) + "\n\n"

    def inline(match: re.Match[str]) -> str:
        return str(convert(match.group(1).strip()))

    return _INLINE_MATH.sub(inline, _BLOCK_MATH.sub(block, markdown))


def prepare_for_html(nb: NotebookNode, alt_by_name: dict[str, str],
                     figures_dir: Path | None = None) -> NotebookNode:
    """A copy of ``nb`` ready for HTML: math as MathML, figure alt text, name and data table (from
    ``figures_dir``) attached, tagged cells removed, solution code marked for collapsing, and the JupyterLab-only
    explorer's note replaced by the in-page explorer."""
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
            names = notebooks.figure_names(cell.source)
            if MARKER in cell.source:
                for output in cell.get("outputs", []):
                    if output.get("data", {}).get("text/plain") == notebooks.WIDGET_NOTE:
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
                output["metadata"]["figure_table"] = figure_table(figure, figures_dir)
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


def _generic_alt(nb: NotebookNode, cell: NotebookNode) -> str:
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


#: Where notebook 03's in-page explorer goes: a plain element that survives the sanitiser; the explorer's own HTML
#: (ours, with its inputs and output) replaces it after the notebook's HTML has been sanitised.
EXPLORER_SLOT = '<div class="explorer" id="unblinding-explorer"></div>'
#: Stands in a rendered notebook page where the site's footer goes (:func:`fill_footer`).
FOOTER_MARK = "<!--site-footer-->"


def exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the offline template. Every piece of HTML the notebook brings (Markdown cells,
    HTML and Markdown outputs, raw cells) goes through the template's clean_html filter, which is our nh3
    sanitiser; the page around it is ours."""
    from nbconvert import HTMLExporter

    # optimistic_validation: nbformat validates the notebook once, after nbconvert's preprocessors, instead of after
    # each of the twelve (the same check of the same notebook; it was about a twentieth of a page's rendering).
    return HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)], sanitize_html=True,
                        filters={"clean_html": neutralise}, optimistic_validation=True)


def render_html(nb: NotebookNode, chrome: dict[str, str] | None = None, title: str = "",
                citations: dict[str, str] | None = None, explorer_html: str | None = None,
                html_exporter: HTMLExporter | None = None) -> str:
    """HTML for one notebook with the offline template and the site's ``chrome`` (from ``site``: head_html,
    chrome_top, nav_html, chrome_bottom, tools_html). ``explorer_html`` replaces the explorer's slot (default: the
    explorer's :func:`~.explorer.placeholder`)."""
    chrome = chrome or {}
    page, _ = (html_exporter or exporter()).from_notebook_node(
        nb, resources={**chrome, "metadata": {"name": title}, "csp_meta": CSP_META})
    slot = neutralise(EXPLORER_SLOT)
    if slot in page:
        if explorer_html is None:
            from .explorer import placeholder

            explorer_html = placeholder()
        page = page.replace(slot, explorer_html, 1)
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

    def one(match: re.Match[str]) -> str:
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
    def head(match: re.Match[str]) -> str:
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
    def table(match: re.Match[str]) -> str:
        tag = match.group(0)
        end = page.find("</thead>", match.end())
        head = page[match.end():end] if end > 0 else ""
        first_row = head.split("</tr>", 1)[0]
        if first_row.count("<th") > WIDE_COLUMNS:
            tag = tag.replace('class="dataframe', 'class="wide-table dataframe', 1)
        return tag

    page = re.sub(r'<table[^>]*class="dataframe[^"]*"[^>]*>', table, page)

    def text(match: re.Match[str]) -> str:
        body = html.unescape(re.sub(r"<[^>]*>", "", match.group(2)))
        longest = max((len(line) for line in body.splitlines()), default=0)
        if longest <= WIDE_TEXT:
            return match.group(0)
        return match.group(1).replace('class="jp-RenderedText', 'class="wide-text jp-RenderedText', 1) + \
            match.group(2) + match.group(3)

    return re.sub(r'(<div class="jp-RenderedText[^"]*"[^>]*>\s*<pre>)(.*?)(</pre>)', text, page, flags=re.DOTALL)


def page_key(nb: dict[str, Any], nav_html: object, alt_by_name: dict[str, str], *more: object,
             figures_dir: Path | None = None) -> str:
    """Everything a rendered page depends on: the (normalised) stored notebook, its navigation, the alt texts and
    the plotted data (shown as tables) of its figures (``figures_dir``), the template and this module."""
    from .. import paths

    folder = figures_dir or paths.figures_dir()
    csvs = [folder / f"{name}.csv" for name in sorted(alt_by_name)]
    return fingerprint(nb, nav_html, alt_by_name, *more, *csvs,
                       *sorted(p for p in TEMPLATES.rglob("*") if p.is_file()), *builder_code())


@dataclass
class Page:
    """A notebook page of the report: its notebook, file name, title, the first sentence of its "In short", its
    stated reading time, and how the build got its outputs (executed or reused, in how many seconds)."""

    path: Path
    href: str
    title: str
    summary: str
    minutes: int | None
    status: str
    seconds: float


@dataclass(frozen=True)
class PageJob:
    """Everything one notebook page is made from, as plain data (it is sent to a worker process)."""

    href: str
    title: str
    notebook_text: str  # the .ipynb file's text as stored
    chrome: dict[str, str]  # head_html, chrome_top, nav_html, chrome_bottom (with FOOTER_MARK), tools_html
    alt_by_name: dict[str, str]  # the alt text of each figure the notebook saves
    figures_dir: Path  # where the figures' plotted data (name.csv) is read
    citations: dict[str, str] = field(default_factory=dict)
    explorer_html: str = ""  # the in-page explorer, for the page whose code builds the JupyterLab one


@dataclass(frozen=True)
class RenderedPage:
    """A rendered notebook page (:data:`FOOTER_MARK` where the footer goes) and its search-index sections."""

    href: str
    html: str
    sections: list[tuple[str, str, str]]


def notebook_for_html(text: str, path: Path) -> NotebookNode:
    """The stored notebook ``text`` as the page shows it: normalised (what a save in JupyterLab changes never
    shows), read by nbformat."""
    import nbformat

    nb = notebooks.normalise(notebooks.parse_json(text, path))
    return nbformat.reads(json.dumps(nb), as_version=4)


#: A small notebook with a little of what the collection's pages hold: Markdown with a heading, a list, a link, a
#: table and maths; Python code; printed text and an HTML table (:meth:`PageRenderer.warm_up`).
_WARM_UP_CELLS = (
    ("markdown", "# Warm-up\n\nSome *text* with a [link](https://doi.org/10.1002/14651858.CD001351.pub2), "
                 "$x^2 + \\frac{a}{b}$ and\n\n$$\\hat\\theta = \\sum_i w_i y_i$$\n\n- one\n- two\n\n"
                 "| a | b |\n|---|---|\n| 1 | 2 |\n"),
    ("code", "import math  # a comment\n\n\ndef f(x: float) -> str:\n    return f\"{math.sqrt(x):.2f} {x!r}\" + 'b'\n"),
)


def _warm_up_job() -> PageJob:
    import nbformat

    nb = nbformat.v4.new_notebook()
    for kind, source in _WARM_UP_CELLS:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            cell = nbformat.v4.new_code_cell(source, execution_count=1)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1.41 2\n"),
                            nbformat.v4.new_output("execute_result", execution_count=1, data={
                                "text/plain": "   a\n0  1", "text/html": '<table class="dataframe"><thead><tr>'
                                "<th></th><th>a_b</th></tr></thead><tbody><tr><th>0</th><td>1</td></tr></tbody>"
                                "</table>"})]
            nb.cells.append(cell)
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return PageJob("warm-up.html", "Warm-up", nbformat.writes(nb), {}, {}, Path("."))


class PageRenderer:
    """Renders notebook pages with one exporter (and one loaded template) for all of them."""

    def __init__(self) -> None:
        self.exporter = exporter()

    def warm_up(self) -> None:
        """Render a small page once and throw it away: what nbconvert, Pygments, mistune and soupsieve build on
        first use (regular expressions, the lexer, CSS selectors, the compiled template) is then made before the
        first real page, and a worker forked after this inherits it (:mod:`.workers`). Pages rendered later are
        the same bytes with or without it."""
        self.render(_warm_up_job())

    def render(self, job: PageJob) -> RenderedPage:
        nb = notebook_for_html(job.notebook_text, Path(job.href).with_suffix(".ipynb"))
        text = render_html(prepare_for_html(nb, job.alt_by_name, job.figures_dir), job.chrome, job.title,
                           job.citations, job.explorer_html, self.exporter)
        return RenderedPage(job.href, text, site.sections(text, job.title))


def fill_footer(page: str, footer: str, citations: dict[str, str]) -> str:
    """A rendered notebook page with the site's footer where :data:`FOOTER_MARK` stands. The footer gets the
    citation links the whole page got (it stands outside any link, style or script)."""
    return page.replace(FOOTER_MARK, site.link_citations(footer, citations), 1)


def uses_explorer(nb: dict[str, Any]) -> bool:
    """Whether a code cell of ``nb`` builds notebook 03's JupyterLab explorer (its page gets the in-page one)."""
    from .explorer import MARKER

    return any(MARKER in notebooks.cell_source(c) for c in nb["cells"] if c["cell_type"] == "code")


def _markdown(nb: dict[str, Any]) -> list[str]:
    """The Markdown cells of a notebook read as plain JSON (no nbformat needed)."""
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "markdown"]


def title_of(nb: dict[str, Any], fallback: str) -> str:
    """The notebook's title: its first level-one heading (``fallback`` if it has none)."""
    for text in _markdown(nb):
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return fallback


def summary_of(nb: dict[str, Any]) -> tuple[str, int | None]:
    """The first sentence of the notebook's 'In short' paragraph, and its stated reading time."""
    text = "\n".join(_markdown(nb))
    short = re.search(r"\*\*In short\.\*\*\s*(.+?)(?:\n\n|$)", text, re.DOTALL)
    plain = re.sub(r"[*_`]", "", " ".join(short.group(1).split())) if short else ""  # Markdown emphasis off
    sentence = re.split(r"(?<=[.!?])\s", plain)[0]
    minutes = re.search(r"Reading time: about (\d+) minutes", text)
    return sentence, int(minutes.group(1)) if minutes else None


