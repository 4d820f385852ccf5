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
    # Solution code (cells tagged "solution") is collapsed with its output, as in JupyterLab: each run of such
    # cells goes into one closed <details> (the template opens it before the first and closes it after the last).
    solution = [c.cell_type == "code" and "solution" in c.metadata.get("tags", []) for c in kept]
    for k, cell in enumerate(kept):
        if solution[k]:
            cell.metadata["solution_start"] = k == 0 or not solution[k - 1]
            cell.metadata["solution_end"] = k == len(kept) - 1 or not solution[k + 1]
    nb.cells = kept
    return nb


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
    return site.finish(site.link_citations(page, citations or {}))


def _page_key(nb: dict, nav_html, alt_by_name: dict[str, str], *more) -> str:
    """Everything a rendered page depends on: the (normalised) stored notebook, its navigation, the alt
    texts, the template and this module."""
    return fingerprint(nb, nav_html, alt_by_name, *more, *sorted(p for p in TEMPLATES.rglob("*") if p.is_file()),
                       *builder_code())


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


