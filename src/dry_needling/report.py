"""Build the offline HTML report under ``build/report/``.

* Each notebook is executed at most once per build (in ``notebooks/``, in parallel across
  cores); that one execution is both written back to the ``.ipynb`` (the stored outputs nbval
  compares) and rendered to HTML. A notebook whose inputs (its cells, ``data/``, the package's
  code, the pins) have not changed since the last build is not executed again: its stored
  outputs are rendered as they are.
* Pages use the package's own nbconvert template (``templates/offline``): nbconvert's lab
  template minus everything it would load from a CDN. Math is converted to MathML at build
  time (latex2mathml), so nothing needs MathJax. Figures carry their alt text from
  ``figures/index.csv``; widget outputs become a note; cells tagged ``remove-cell`` /
  ``remove-input`` / ``remove-output`` are hidden.
* The report (index with reading order and figure gallery, one page per notebook with
  previous/next/index links, sources, how-it-was-built, figures and data for download, and a
  printable ``collection.pdf`` when Chromium is installed) is assembled in a temporary folder
  and swapped in only if every notebook succeeded; a failure names the notebook and the cell
  and leaves the previous report in place.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

from . import paths

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.

KERNEL = "python3"
CELL_TIMEOUT = 600
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "[Interactive widget: run this notebook in JupyterLab (make lab) to use the sliders.]"
TEMPLATES = Path(__file__).parent / "templates"
CACHE_FILE = "manifest.json"
REPORTED_PACKAGES = ["python", "numpy", "pandas", "matplotlib", "seaborn", "frictionless", "nbconvert", "nbclient",
                     "ipykernel", "ipywidgets", "jupyterlab", "latex2mathml", "playwright"]


class NotebookFailed(RuntimeError):
    """A notebook raised during execution; the message names the notebook and the cell."""


# ---------------------------------------------------------------------------------------
# Notebooks: list, normalise, execute


NOTEBOOK_NAME = re.compile(r"\d\d_[^/]+\.ipynb")


def notebooks() -> list[Path]:
    """The collection's notebooks in reading order (their file names start with a number)."""
    return sorted(p for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if NOTEBOOK_NAME.fullmatch(p.name))


def skipped_notebooks() -> list[Path]:
    """Notebooks in ``notebooks/`` that are not in the report because their name is not ``NN_title.ipynb``."""
    return sorted(p for p in paths.NOTEBOOKS_DIR.glob("*.ipynb") if not NOTEBOOK_NAME.fullmatch(p.name))


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


def normalise(nb):
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


def execute(path: Path):
    """Execute ``path`` top to bottom in a fresh kernel and return the executed, normalised notebook."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        index = next((i for i, c in enumerate(nb.cells)
                      if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        where = f"cell {index + 1}" if index is not None else "a cell"
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # drop the traceback's terminal colours
        last = plain.splitlines()[-1] if plain else exc.__class__.__name__
        raise NotebookFailed(f"{paths.relative(path)}: {where} failed: {last}") from None
    return normalise(nb)


def write_notebook(nb, path: Path) -> bool:
    """Write ``nb`` to ``path`` atomically if its text changed; return whether it changed."""
    import nbformat

    text = nbformat.writes(nb) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    _atomic_text(path, text)
    return True


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _execute_job(path_text: str) -> tuple[str, float, bool]:
    """Worker: execute one notebook and store its outputs; returns (name, seconds, changed)."""
    path = Path(path_text)
    started = time.perf_counter()
    nb = execute(path)
    changed = write_notebook(nb, path)
    return path.name, time.perf_counter() - started, changed


# ---------------------------------------------------------------------------------------
# What a notebook depends on (for skipping unchanged notebooks)


def input_key(path: Path) -> str:
    """Hash of everything a notebook's outputs depend on: its cells' sources and tags, the data
    package, the package's code and templates, and the pinned requirements."""
    digest = hashlib.sha256()
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [(c["cell_type"], "".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    digest.update(json.dumps(cells, sort_keys=True).encode())
    deps = sorted(paths.DATA_DIR.glob("*.csv")) + [paths.DATA_DIR / "datapackage.json"]
    deps += sorted(p for p in (paths.ROOT / "src" / "dry_needling").rglob("*.py")
                   if p.name not in {"report.py", "__main__.py"})  # the report builder does not change outputs
    deps += [paths.ROOT / "requirements.txt"]
    for dep in deps:
        if dep.exists():
            digest.update(dep.name.encode())
            digest.update(dep.read_bytes())
    return digest.hexdigest()


def figures_named_in(path: Path) -> list[str]:
    """Figure names a notebook saves (``save_figure(fig, "name", ...)``)."""
    text = "".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
    return re.findall(r"save_figure\(\s*\w+,\s*\"([^\"]+)\"", text)


def _needs_execution(path: Path, manifest: dict) -> bool:
    entry = manifest.get(path.name)
    if not entry or entry.get("key") != input_key(path):
        return True
    nb = json.loads(path.read_text(encoding="utf-8"))
    if any(c["cell_type"] == "code" and c.get("execution_count") is None and "".join(c["source"]).strip()
           for c in nb["cells"]):
        return True
    folder = paths.figures_dir()
    return not all((folder / f"{name}.png").exists() for name in figures_named_in(path))


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
    """A copy of ``nb`` ready for HTML: math as MathML, figure alt text attached, tagged cells removed."""
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = latex_to_mathml(cell.source)
        if cell.cell_type == "code":
            if "remove-input" in tags:
                cell.metadata.setdefault("transient", {})["remove_source"] = True
                cell.source = ""
            if "remove-output" in tags:
                cell.outputs = []
            names = re.findall(r"save_figure\(\s*\w+,\s*\"([^\"]+)\"", cell.source)
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    alt = alt_by_name.get(names[0]) if names else None
                    output.setdefault("metadata", {})["alt"] = alt or _generic_alt(nb, cell)
        kept.append(cell)
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


def render_html(nb, nav_html: str = "", title: str = "") -> str:
    """HTML for one notebook with the offline template."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    page, _ = _EXPORTER.from_notebook_node(nb, resources={"nav_html": nav_html, "metadata": {"name": title},
                                                          "csp_meta": CSP_META})
    # Raw HTML in Markdown cells is ours, but made harmless anyway (defence in depth beside the CSP).
    # The head comes from our template and is left alone.
    head, body_start, rest = page.partition("<body")
    return head + body_start + neutralise(rest) if body_start else neutralise(page)


def _page_key(path: Path, nav_html: str, alt_by_name: dict[str, str]) -> str:
    """Everything a rendered page depends on: the stored notebook, its navigation, the alt texts,
    the template and this module."""
    digest = hashlib.sha256(path.read_bytes())
    digest.update(nav_html.encode())
    digest.update(json.dumps(alt_by_name, sort_keys=True).encode())
    for dep in sorted(TEMPLATES.rglob("*")) + [Path(__file__)]:
        if dep.is_file():
            digest.update(dep.read_bytes())
    return digest.hexdigest()


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


def _nav(pages: list[Page], k: int) -> str:
    esc = html.escape
    prev_link = (f'<a href="{esc(pages[k - 1].href)}" rel="prev">← {esc(pages[k - 1].title)}</a>' if k > 0
                 else "<span></span>")
    next_link = (f'<a href="{esc(pages[k + 1].href)}" rel="next">{esc(pages[k + 1].title)} →</a>'
                 if k + 1 < len(pages) else "<span></span>")
    return (f'<nav class="report-nav" aria-label="Notebook navigation">{prev_link}'
            f'<a href="index.html">Contents</a>{next_link}</nav>')


# ---------------------------------------------------------------------------------------
# Safety: links built from data, raw HTML in Markdown, and a Content-Security-Policy

#: Every page forbids scripts outright (the report needs none), plugins, frames, forms and <base>;
#: styles may be inline (nbconvert's), images may be inline (data:) or files beside the page.
CSP = ("default-src 'self' file: data:; script-src 'none'; object-src 'none'; frame-src 'none'; "
       "base-uri 'none'; form-action 'none'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_WEB_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"""([^\s"'=<>/]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
              "ping", "cite", "longdesc", "manifest"}
_DROP_TAGS = {"script", "iframe", "object", "embed", "base", "form", "frame", "frameset", "applet", "meta",
              "link"}


def web_url(url) -> str | None:
    """``url`` if it is a plain https:// or http:// address (safe as a link), else None."""
    return url if isinstance(url, str) and _WEB_URL.fullmatch(url) else None


def _safe_link_value(name: str, value: str) -> bool:
    plain = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value)).lower()
    scheme = _SCHEME.match(plain)
    if scheme is None:
        return not plain.startswith("//") or name != "href"  # relative: fine
    if plain.startswith(("https:", "http:", "mailto:")) and name in {"href", "cite"}:
        return True
    return name == "src" and plain.startswith("data:image/")


def neutralise(page: str) -> str:
    """Raw HTML in a page body made harmless: script, frame, form, base, meta and link tags dropped,
    event-handler attributes (``onclick=``) dropped, and any URL attribute that is not http(s),
    mailto, relative or an inline image replaced by ``#unsafe-link-removed``. Text between tags
    (escaped code, prose) is left as it is."""

    def attrs(text: str) -> str:
        out = []
        for match in _ATTR.finditer(text):
            name = match.group(1).lower()
            if name.startswith("on") or name in {"style"} and "expression(" in (match.group(0).lower()):
                continue
            if name in _URL_ATTRS and match.group(2):
                value = next(v for v in match.group(3, 4, 5) if v is not None)
                if not _safe_link_value(name, value):
                    out.append(f'{name}="#unsafe-link-removed"')
                    continue
            out.append(match.group(0))
        return (" " + " ".join(out)) if out else ""

    def tag(match: re.Match) -> str:
        closing, name, rest = match.groups()
        if name.lower() in _DROP_TAGS:
            return ""
        tail = "/" if rest.rstrip().endswith("/") else ""
        return f"<{closing}{name}{attrs(rest.rstrip().rstrip('/'))}{tail}>"

    page = re.sub(r"<script\b.*?</script\s*>", "", page, flags=re.IGNORECASE | re.DOTALL)
    return _TAG.sub(tag, page)


# ---------------------------------------------------------------------------------------
# Site pages (all text from data files is escaped)

CSS = """
.report { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 62rem; margin: 1.5rem auto;
  padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
.report-nav { display: flex; justify-content: space-between; gap: 1rem; padding: .6rem 1rem; margin: .5rem 0;
  font-family: "DejaVu Sans", Verdana, sans-serif;
  background: #f2f4f7; border-radius: 6px; font-size: .95rem; }
.report-nav a { color: #0b5394; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 1rem; }
.gallery figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: .5rem; background: #fff; }
.gallery img { width: 100%; height: auto; }
.gallery figcaption { font-size: .85rem; }
table.report-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.report-table td, table.report-table th { border-bottom: 1px solid #ddd; padding: .35rem; text-align: left;
  vertical-align: top; }
.note { background: #fff8e1; border-left: 4px solid #de8f05; padding: .5rem 1rem; }
img.report-figure { max-width: 100%; height: auto; }
@media print { .report-nav { display: none; } main, body { max-width: none; } .jp-Cell { break-inside: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; } }
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{CSP_META}'
            f"<title>{html.escape(title)}</title>"
            f'<link rel="stylesheet" href="report.css"></head>\n<body class="report">\n{neutralise(body)}\n'
            "</body></html>\n")


def _figure_index() -> list[dict]:
    """figures/index.csv as a list of rows (read with the csv module: no pandas or matplotlib needed)."""
    import csv

    path = paths.figures_dir() / "index.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        needed = {"name", "title", "alt", "source", "png", "svg", "csv"}
        return [row for row in csv.DictReader(fh) if needed <= set(row) and row["name"]]


def index_page(pages: list[Page], figures: list[dict], pdf: bool) -> str:
    """The report's front page: what it is, the reading order, the figure gallery, how to run it live."""
    esc = html.escape
    total = sum(p.minutes or 0 for p in pages)
    items = "\n".join(
        f'<li><a href="{esc(p.href)}">{esc(p.title)}</a> '
        f'<span class="minutes">({p.minutes} min)</span><br>{esc(p.summary)}</li>' for p in pages)
    cards = "\n".join(
        f'<figure><a href="figures/{esc(r["png"])}"><img src="figures/{esc(r["png"])}" alt="{esc(r["alt"])}" '
        f'></a><figcaption><strong>{esc(r["title"])}</strong><br>{esc(r["alt"])}<br>'
        f'<em>Source: {esc(r["source"])}</em><br><a href="figures/{esc(r["csv"])}">data (CSV)</a> · '
        f'<a href="figures/{esc(r["svg"])}">SVG</a></figcaption></figure>'
        for r in figures)
    pdf_line = ('<p><a href="collection.pdf">The whole report as one printable PDF</a> (for handouts).</p>'
                if pdf else '<p class="note">The printable PDF was not built: Chromium is not installed on the '
                            'machine that built this report.</p>')
    body = f"""<h1>Dry needling for back pain: the evidence, notebook by notebook</h1>
<p>A magazine article on dry needling for back pain states eight figures. This collection tabulates them with
their sources, sets each beside published research, and explains, with real trial data and a simulation, why
trials of needles are so hard to blind. Every number in it comes from a table in <a href="data/">data/</a>
that names its source.</p>
{pdf_line}
<h2>Reading order (about {total} minutes)</h2>
<ol class="reading-order">
{items}
</ol>
<h2>Run it live</h2>
<p>The sliders in notebook 03 and the exercises need a running Python kernel. On your own machine (Python 3.11
and make): <code>make lab</code> opens JupyterLab on the first notebook. On Binder, launch
<code>https://mybinder.org/v2/gh/&lt;owner&gt;/&lt;repository&gt;/HEAD?labpath=notebooks/00_start_here.ipynb</code>
(Binder builds from <code>environment.yml</code>).</p>
<p>Teaching with it? Read the <a href="teaching-guide.html">teaching guide</a> (lesson and workshop plans).</p>
<p>Also: <a href="sources.html">every source</a> · <a href="build.html">how this report was built</a> ·
<a href="data/">the data tables</a> · <a href="figures/index.csv">the figure index (CSV)</a>.</p>
<h2>Figures</h2>
<div class="gallery">
{cards}
</div>
<p>Code: MIT licence. Prose and our data compilation: CC BY 4.0. Facts and numbers belong to their sources.</p>
"""
    return _page("Dry needling for back pain: evidence notebooks", body)


def _read_at(source) -> str:
    """The copy actually read, as a second link, when it differs from the canonical page.

    ``read_at`` holds one or more addresses separated by "; ", each optionally followed by a note in
    parentheses, e.g. "http://mirror.example/x (abstract, PubMed copy); https://other.example/y"."""
    read = source.get("read_at")
    if not isinstance(read, str) or not read:
        return ""
    links = []
    for part in read.split("; "):
        url, _, note = part.partition(" (")
        note = f" ({html.escape(note)}" if note else ""
        safe = web_url(url)  # only https/http addresses become links
        links.append((f'<a href="{html.escape(safe)}">{html.escape(safe)}</a>' if safe else html.escape(url)) + note)
    label = "read at (secondary copy)" if source.get("secondary_copy") else "read at"
    return f"<br>{label}: {'; '.join(links)}"


def sources_page(sources) -> str:
    esc = html.escape
    rows = []
    for _, s in sources.iterrows():
        doi = s.get("doi")
        doi_html = (f' doi:<a href="https://doi.org/{esc(quote(doi, safe="/:;()._-"))}">{esc(doi)}</a>'
                    if isinstance(doi, str) and doi else "")
        accessed = s["accessed"].strftime("%Y-%m-%d") if hasattr(s["accessed"], "strftime") else str(s["accessed"])
        url = web_url(s["url"])
        link = (f'<a href="{esc(url)}">{esc(url)}</a>' if url else
                f'{esc(str(s["url"]))} <em>(not linked: only https and http addresses are)</em>')
        rows.append(f'<tr id="{esc(s["id"])}"><td><code>{esc(s["id"])}</code></td><td>{esc(s["citation"])}{doi_html}'
                    f'<br>{link}{_read_at(s)}</td><td>{esc(s["supports"])}</td>'
                    f"<td>{esc(str(s['licence']))}</td><td>{esc(accessed)}</td></tr>")
    body = (f'<p><a href="index.html">← Contents</a></p><h1>Sources</h1><p>{len(rows)} sources, from '
            f'<a href="data/sources.csv">data/sources.csv</a>. The first link is the publisher\'s, DOI or official '
            "page where one exists; 'read at' gives the copy we actually read.</p>"
            '<table class="report-table"><tr><th>Id</th><th>Citation</th><th>Used for</th><th>Licence</th>'
            f'<th>Accessed</th></tr>{"".join(rows)}</table>')
    return _page("Sources", body)


def build_page(pages: list[Page], total_seconds: float) -> str:
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(p.path.name)}</td><td>{esc(p.status)}</td><td>{p.seconds:.1f} s</td></tr>"
                   for p in pages)
    versions = []
    for name in REPORTED_PACKAGES:
        try:
            v = sys.version.split()[0] if name == "python" else version(name)
        except Exception:  # not installed
            v = "not installed"
        versions.append(f"<tr><td>{esc(name)}</td><td>{esc(v)}</td></tr>")
    body = (f'<p><a href="index.html">← Contents</a></p><h1>How this report was built</h1>'
            f"<p>Built by <code>make report</code> in {total_seconds:.0f} s. \"executed\" means the notebook ran "
            "top to bottom in a fresh kernel during this build; \"reused\" means none of its inputs (its cells, "
            "the data, the package code, the pinned versions) had changed since the last build, so its stored "
            "outputs were rendered.</p>"
            f'<table class="report-table"><tr><th>Notebook</th><th>Status</th><th>Time</th></tr>{rows}</table>'
            f'<h2>Package versions</h2><table class="report-table">{"".join(versions)}</table>')
    return _page("How this report was built", body)


def guide_page() -> str:
    """docs/teaching-guide.md as a page of the report (our own Markdown, rendered with mistune)."""
    import mistune

    guide = paths.ROOT / "docs" / "teaching-guide.md"
    body = mistune.html(guide.read_text(encoding="utf-8")) if guide.exists() else "<p>Guide not found.</p>"
    return _page("Teaching guide", '<p><a href="index.html">← Contents</a></p>' + body)


def data_page(descriptor: dict) -> str:
    esc = html.escape
    rows = "".join(f'<tr><td><a href="{esc(quote(str(r["path"])))}">{esc(str(r["path"]))}</a></td>'
                   f'<td>{esc(str(r.get("title", "")))}</td>'
                   f'<td>{esc(str(r.get("description", "")))}</td></tr>' for r in descriptor["resources"])
    body = ('<p><a href="../index.html">← Contents</a></p><h1>Data tables</h1><p>Every table as CSV, described by '
            '<a href="datapackage.json">datapackage.json</a> (Frictionless Data Package) and the '
            '<a href="README.md">codebook</a>.</p>'
            f'<table class="report-table"><tr><th>File</th><th>Title</th><th>Description</th></tr>{rows}</table>')
    return _page("Data tables", body).replace('href="report.css">', 'href="../report.css">')


# ---------------------------------------------------------------------------------------
# PDF (headless Chromium through Playwright, when installed)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def print_pdf(report: Path, pages: list[Page]) -> bool:
    """Print the contents and every notebook page into one PDF via a combined print page."""
    executable = chromium_path()
    if executable is None:
        return False
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return False
    parts = []
    for page in pages:
        text = (report / page.href).read_text(encoding="utf-8")
        styles = "".join(re.findall(r"<style[^>]*>.*?</style>", text, re.DOTALL)) if not parts else ""
        main = re.search(r"<main>(.*)</main>", text, re.DOTALL)
        parts.append(styles + f'<section style="break-before: page">{main.group(1) if main else ""}</section>')
    combined = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{CSP_META}<title>Collection</title>'
                '<link rel="stylesheet" href="report.css"></head><body class="jp-Notebook"><main>'
                '<section class="report">'
                + (report / "index.html").read_text(encoding="utf-8").split('<body class="report">')[1]
                .split("</body>")[0] + "</section>" + "".join(parts) + "</main></body></html>")
    print_page = report / "print.html"
    print_page.write_text(combined, encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        tab = browser.new_page()
        tab.goto(print_page.as_uri(), wait_until="load")
        tab.pdf(path=str(report / "collection.pdf"), format="A4", print_background=True,
                margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        browser.close()
    print_page.unlink()
    return True


# ---------------------------------------------------------------------------------------
# The build


def _copy_tree(source: Path, target: Path, pattern: str = "*") -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob(pattern)):
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)


def build(execute_notebooks: bool = True, out_dir: Path | None = None, force: bool = False, pdf: bool = True,
          log=print) -> Path:
    """Execute what changed, render everything, and swap the new report into place."""

    started = time.perf_counter()
    out_dir = out_dir or paths.REPORT_DIR
    cache_dir = out_dir.parent / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = cache_dir / CACHE_FILE
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    books = notebooks()
    for skipped in skipped_notebooks():
        log(f"  warning: {skipped.name} is not in the report: its name does not match NN_title.ipynb "
            "(two digits, an underscore, a title)")
    todo = [p for p in books if execute_notebooks and (force or _needs_execution(p, manifest))]
    timings: dict[str, tuple[str, float]] = {p.name: ("reused" if execute_notebooks else "rendered only", 0.0)
                                             for p in books}
    if todo:
        log(f"Executing {len(todo)} of {len(books)} notebooks ({min(len(todo), os.cpu_count() or 1)} at a time):")
        with ProcessPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
            futures = {p.name: pool.submit(_execute_job, str(p)) for p in todo}
            for future in futures.values():
                try:
                    done_name, seconds, changed = future.result()
                except NotebookFailed:
                    for other in futures.values():
                        other.cancel()
                    raise
                timings[done_name] = ("executed", seconds)
                log(f"  {done_name}: executed in {seconds:.1f} s{' (stored outputs updated)' if changed else ''}")
    for p in books:
        if p not in todo:
            log(f"  {p.name}: {timings[p.name][0]} (inputs unchanged)" if execute_notebooks
                else f"  {p.name}: rendering stored outputs")

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".report-"))
    try:
        figures = _figure_index()
        alt_by_name = {row["name"]: row["alt"] for row in figures}
        nbs = [json.loads(p.read_text(encoding="utf-8")) for p in books]
        pages = []
        for p, nb in zip(books, nbs, strict=True):
            summary, minutes = _summary(nb)
            status, seconds = timings[p.name]
            pages.append(Page(p, p.with_suffix(".html").name, _title(nb, p.stem), summary, minutes, status, seconds))
        render_started = time.perf_counter()
        page_keys = manifest.setdefault("_pages", {})
        rendered = 0
        for k, (page, nb) in enumerate(zip(pages, nbs, strict=True)):
            nav = _nav(pages, k)
            key = _page_key(page.path, nav, alt_by_name)
            previous = out_dir / page.href
            if page_keys.get(page.href) == key and previous.exists():
                shutil.copy2(previous, staging / page.href)  # same notebook, same page: no need to render
                continue
            import nbformat

            text = render_html(prepare_for_html(nbformat.reads(json.dumps(nb), as_version=4), alt_by_name), nav,
                               page.title)
            (staging / page.href).write_text(text, encoding="utf-8")
            page_keys[page.href] = key
            rendered += 1
        (staging / "report.css").write_text(CSS, encoding="utf-8")
        _copy_tree(paths.figures_dir(), staging / "figures")
        _copy_tree(paths.DATA_DIR, staging / "data")
        descriptor = json.loads((paths.DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
        (staging / "data" / "index.html").write_text(data_page(descriptor), encoding="utf-8")
        sources_key = hashlib.sha256(b"".join(f.read_bytes() for f in (paths.DATA_DIR / "sources.csv",
                                     paths.DATA_DIR / "datapackage.json", Path(__file__)))).hexdigest()
        if page_keys.get("sources.html") == sources_key and (out_dir / "sources.html").exists():
            shutil.copy2(out_dir / "sources.html", staging / "sources.html")
        else:
            from . import data

            (staging / "sources.html").write_text(sources_page(data.load("sources")), encoding="utf-8")
            page_keys["sources.html"] = sources_key
        (staging / "teaching-guide.html").write_text(guide_page(), encoding="utf-8")
        log(f"  rendered {rendered} of {len(pages)} pages in {time.perf_counter() - render_started:.1f} s"
            f"{' (the others are unchanged)' if rendered < len(pages) else ''}")

        key = hashlib.sha256("".join([(staging / pg.href).read_text() for pg in pages] + [CSS]).encode()
                             + Path(__file__).read_bytes() + json.dumps(figures).encode()).hexdigest()
        old_pdf = out_dir / "collection.pdf"
        has_pdf = False
        if pdf and manifest.get("_pdf_key") == key and old_pdf.exists():
            shutil.copy2(old_pdf, staging / "collection.pdf")
            has_pdf = True
        (staging / "index.html").write_text(index_page(pages, figures, pdf=True), encoding="utf-8")
        if pdf and not has_pdf:
            pdf_started = time.perf_counter()
            has_pdf = print_pdf(staging, pages)
            if has_pdf:
                log(f"  printed collection.pdf in {time.perf_counter() - pdf_started:.1f} s")
                manifest["_pdf_key"] = key
            else:
                log("  collection.pdf skipped: Chromium is not installed (apt-get install chromium)")
        if not has_pdf:
            (staging / "index.html").write_text(index_page(pages, figures, pdf=False), encoding="utf-8")
        total = time.perf_counter() - started
        (staging / "build.html").write_text(build_page(pages, total), encoding="utf-8")

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
    for p in books:
        if timings[p.name][0] == "executed":
            manifest[p.name] = {"key": input_key(p), "seconds": round(timings[p.name][1], 2)}
    _atomic_text(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return out_dir


def main(args: argparse.Namespace | None = None) -> int:
    execute_notebooks = not getattr(args, "no_execute", False)
    force = getattr(args, "force", False)
    print(f"Building the report from {len(notebooks())} notebooks:")
    started = time.perf_counter()
    try:
        out = build(execute_notebooks=execute_notebooks, force=force)
    except NotebookFailed as exc:
        print(f"Report NOT built: {exc}. The previous report, if any, is unchanged.", file=sys.stderr)
        return 1
    print(f"Report written to {paths.relative(out)}/index.html in {time.perf_counter() - started:.1f} s")
    return 0

