"""The report's own pages (index, sources, build, teaching guide, data). Text from data is escaped."""

from __future__ import annotations

import html
import sys
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import quote

from .. import paths
from . import site

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import BuildFailed
from .render import Page
from .safety import neutralise, web_url

REPORTED_PACKAGES = ["python", "numpy", "pandas", "matplotlib", "frictionless", "nbconvert", "nbclient",
                     "ipykernel", "ipywidgets", "jupyterlab", "latex2mathml", "playwright"]


# ---------------------------------------------------------------------------------------
# Site pages (all text from data files is escaped)

#: The report's style sheet (report.css): the site's look, dark theme, phones and print.
CSS = (site.ASSETS / "site.css").read_text(encoding="utf-8")


def _page(title: str, body: str, current: str = "", root: str = "", citations: dict[str, str] | None = None) -> str:
    """One of the report's own pages, with the same chrome as the notebook pages."""
    page = (f'<!DOCTYPE html>\n<html lang="en" data-root="{root}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title>{site.head(root)}</head>\n<body class=\"report\">\n"
            f"{site.chrome_top(current, root)}{site.add_heading_ids(neutralise(body))}{site.chrome_bottom()}\n"
            "</body></html>\n")
    return site.finish(site.link_citations(page, citations or {}, root))


INDEX_COLUMNS = ("name", "title", "alt", "source", "png", "svg", "csv")


def _figure_index() -> list[dict]:
    """figures/index.csv as a list of rows (read with the csv module: no pandas or matplotlib needed).
    A damaged index raises :class:`BuildFailed` naming the file and the line."""
    import csv

    path = paths.figures_dir() / "index.csv"
    if not path.exists():
        return []
    shown = f"{paths.relative(path.parent)}/{path.name}"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BuildFailed(f"{shown} is damaged ({exc}); run `make report` after restoring it with git") from None
    missing = [c for c in INDEX_COLUMNS if c not in header]
    if missing:
        raise BuildFailed(f"{shown}, line 1: the header lacks {', '.join(missing)}; restore the file with git")
    for line, row in enumerate(rows, start=2):
        empty = [c for c in INDEX_COLUMNS if not (row.get(c) or "").strip()]
        if empty or None in row:
            what = f"no {', '.join(empty)}" if empty else "more fields than the header"
            raise BuildFailed(f"{shown}, line {line}: {what}; restore the file with git")
    return rows


def _nbconvert_anchor(heading: str) -> str:
    """The id nbconvert gives a Markdown heading: spaces become hyphens, non-ASCII characters are %-encoded."""
    from urllib.parse import quote

    return "".join(c if ord(c) < 128 else quote(c) for c in heading.strip().replace(" ", "-"))


def _ledger_html() -> str:
    """The claims ledger as a table a reader takes in at a glance: verdict, claim, reason, where to read more."""
    from .. import claims

    esc = html.escape
    ledger = claims.ledger().sort_values("verdict", key=lambda s: s.map({v: i for i, v in enumerate(claims.VERDICTS)}),
                                         kind="stable")
    rows = "\n".join(
        f'<tr><td><span class="verdict verdict-{esc(site.slug(r.verdict))}">{esc(r.verdict)}</span></td>'
        f"<td>{esc(r.claim)}</td><td>{esc(r.reason)}</td>"
        f'<td><a href="{esc(r.notebook.replace(".ipynb", ".html"))}#{esc(_nbconvert_anchor(r.section))}">'
        f"{esc(r.notebook[:2])}: {esc(r.section)}</a></td></tr>" for r in ledger.itertuples())
    counts = ledger["verdict"].value_counts()
    summary = ", ".join(f"{counts[v]} {v}" for v in claims.VERDICTS if v in counts)
    return (f'<h2 id="claims">The article\'s claims at a glance</h2><p>Every claim of the article with a dated '
            f"verdict ({summary}), from <a href=\"data/claims.csv\">data/claims.csv</a>; verdicts that can be "
            "computed are recomputed from the data in the tests.</p>"
            '<div class="table-scroll"><table class="report-table ledger"><tr><th>Verdict</th><th>Claim</th>'
            f"<th>Why</th><th>Where</th></tr>{rows}</table></div>")


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
    repository = site.repository_url()
    binder = site.binder_url(repository, "00_start_here.ipynb")
    launch = (f'Or <a href="{esc(binder)}">launch it on Binder</a> (built from <code>environment.yml</code>).' if binder
              else 'On Binder, launch <span class="wrap-code">https://mybinder.org/v2/gh/<em>owner</em>/<em>repository'
                   '</em>/HEAD?labpath=notebooks/00_start_here.ipynb</span> with the repository\'s address filled in '
                   '(Binder builds from <code>environment.yml</code>).')
    pdf_line = ('<p>Printable PDFs (A4, with contents and page numbers): <a href="handout.pdf">the reader\'s handout'
                '</a> (prose, tables and figures, no code) and <a href="collection.pdf">the complete version</a> '
                '(with every code cell).</p>'
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
<p>The exercises need a running Python kernel (the explorer in notebook 03 also works in this page). On your own
machine (Python 3.11 and make): <code>make lab</code> opens JupyterLab on the first notebook. {launch}
Each notebook page also offers its <code>.ipynb</code> for download and the figure data.</p>
<p>Teaching with it? Read the <a href="teaching-guide.html">teaching guide</a> (lesson and workshop plans).</p>
<p>Also: <a href="sources.html">every source</a> · <a href="build.html">how this report was built</a> ·
<a href="data/">the data tables</a> · <a href="figures/index.csv">the figure index (CSV)</a>.</p>
{_ledger_html()}
<h2 id="figures">Figures</h2>
<div class="gallery">
{cards}
</div>
<p>Code: MIT licence. Prose and our data compilation: CC BY 4.0. Facts and numbers belong to their sources.</p>
"""
    return _page("Dry needling for back pain: evidence notebooks", body, "index.html")


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
        rows.append(f'<tr id="{esc(s["id"])}"><td data-label="Id"><code>{esc(s["id"])}</code></td>'
                    f'<td data-label="Citation">{esc(s["citation"])}{doi_html}<br>{link}{_read_at(s)}</td>'
                    f'<td data-label="Used for">{esc(s["supports"])}</td>'
                    f"<td data-label=\"Licence\">{esc(str(s['licence']))}</td>"
                    f'<td data-label="Accessed">{esc(accessed)}</td></tr>')
    # On a phone each row becomes a card (site.css: .stacked-table), each cell labelled from data-label.
    body = (f'<h1>Sources</h1><p>{len(rows)} sources, from '
            f'<a href="data/sources.csv">data/sources.csv</a>. The first link is the publisher\'s, DOI or official '
            "page where one exists; 'read at' gives the copy we actually read.</p>"
            '<table class="report-table stacked-table sources-table"><thead><tr><th scope="col">Id</th>'
            '<th scope="col">Citation</th><th scope="col">Used for</th><th scope="col">Licence</th>'
            f'<th scope="col">Accessed</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    return _page("Sources", body, "sources.html")


def build_page(pages: list[Page], total_seconds: float) -> str:
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(p.path.name)}</td><td>{esc(p.status)}</td><td>{p.seconds:.1f} s</td></tr>"
                   for p in pages)
    versions = []
    for name in REPORTED_PACKAGES:
        try:
            v = sys.version.split()[0] if name == "python" else version(name)
        except PackageNotFoundError:
            v = "not installed"
        versions.append(f"<tr><td>{esc(name)}</td><td>{esc(v)}</td></tr>")
    body = ('<h1>How this report was built</h1>'
            f"<p>Built by <code>make report</code> in {total_seconds:.0f} s. \"executed\" means the notebook ran "
            "top to bottom in a fresh kernel during this build; \"reused\" means none of its inputs (its cells, "
            "the data, the package code, the pinned versions) had changed since the last build, so its stored "
            "outputs were rendered.</p>"
            f'<table class="report-table"><tr><th>Notebook</th><th>Status</th><th>Time</th></tr>{rows}</table>'
            f'<h2>Package versions</h2><table class="report-table">{"".join(versions)}</table>')
    return _page("How this report was built", body, "build.html")


def guide_page(citations: dict[str, str] | None = None) -> str:
    """docs/teaching-guide.md as a page of the report (our own Markdown, rendered with mistune)."""
    import mistune

    guide = paths.ROOT / "docs" / "teaching-guide.md"
    body = mistune.html(guide.read_text(encoding="utf-8")) if guide.exists() else "<p>Guide not found.</p>"
    return _page("Teaching guide", body, "teaching-guide.html", citations=citations)


def data_page(descriptor: dict) -> str:
    esc = html.escape
    rows = "".join(f'<tr><td><a href="{esc(quote(str(r["path"])))}">{esc(str(r["path"]))}</a></td>'
                   f'<td>{esc(str(r.get("title", "")))}</td>'
                   f'<td>{esc(str(r.get("description", "")))}</td></tr>' for r in descriptor["resources"])
    body = ('<h1>Data tables</h1><p>Every table as CSV, described by '
            '<a href="datapackage.json">datapackage.json</a> (Frictionless Data Package) and the '
            '<a href="README.md">codebook</a>.</p>'
            f'<table class="report-table"><tr><th>File</th><th>Title</th><th>Description</th></tr>{rows}</table>')
    return _page("Data tables", body, "data/index.html", root="../")


