"""The report's own pages (index, sources, build, teaching guide, data). Text from data is escaped."""

from __future__ import annotations

import html
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import paths
from . import site

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import BuildFailed
from .render import Page
from .safety import neutralise, web_url

if TYPE_CHECKING:
    import pandas as pd

REPORTED_PACKAGES = ["python", "numpy", "pandas", "matplotlib", "frictionless", "nbconvert", "nbclient",
                     "ipykernel", "ipywidgets", "jupyterlab", "latex2mathml", "playwright"]


# ---------------------------------------------------------------------------------------
# Site pages (all text from data files is escaped)

#: The report's style sheet (report.css): the site's look, dark theme, phones and print.
CSS = (site.ASSETS / "site.css").read_text(encoding="utf-8") + (
    "/* Code lines by indentation (render._code_lines): a wrapped line continues 4 characters in from its own\n"
    "   indentation. */\n" + "".join(f".code-line.ci-{n} {{ --i: {n}; }}" for n in range(1, 41)) + "\n")


def _page(title: str, body: str, current: str = "", root: str = "", citations: dict[str, str] | None = None,
          site_info: site.Site = site.BARE) -> str:
    """One of the report's own pages, with the same chrome as the notebook pages."""
    page = (f'<!DOCTYPE html>\n<html lang="en" data-root="{root}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title>{site.head(root)}</head>\n<body class=\"report\">\n"
            f"{site.chrome_top(current, root, site_info)}{site.add_heading_ids(neutralise(body))}"
            f"{site.chrome_bottom(site_info)}\n"
            "</body></html>\n")
    return site.finish(site.link_citations(page, citations or {}, root))


INDEX_COLUMNS = ("name", "title", "alt", "source", "png", "svg", "csv")


def figure_index(figures_dir: Path | None = None) -> list[dict[str, str]]:
    """``index.csv`` of the figures folder as a list of rows (read with the csv module: no pandas or matplotlib
    needed). A damaged index raises :class:`BuildFailed` naming the file and the line."""
    import csv

    path = (figures_dir or paths.figures_dir()) / "index.csv"
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
        f"<td>{esc(r.claim)}</td><td>{esc(r.evidence_as_of if isinstance(r.evidence_as_of, str) else '')}</td>"
        f"<td>{esc(r.reason)}</td>"
        f'<td><a href="{esc(r.notebook.replace(".ipynb", ".html"))}#{esc(_nbconvert_anchor(r.section))}">'
        f"{esc(r.notebook[:2])}: {esc(r.section)}</a></td></tr>" for r in ledger.itertuples())
    counts = ledger["verdict"].value_counts()
    summary = ", ".join(f"{counts[v]} {v}" for v in claims.VERDICTS if v in counts)
    return (f'<h2 id="claims">The article\'s claims at a glance</h2><p>Every claim of the article with a dated '
            f"verdict ({summary}), from <a href=\"data/claims.csv\">data/claims.csv</a>. \"Evidence as of\" is the "
            "date of the newest source behind a verdict, not the day we looked. Verdicts on effects follow from the "
            "<a href=\"summary-of-findings.html\">summary of findings</a> by fixed rules; the tests recompute every "
            "computed verdict.</p>"
            '<div class="table-scroll"><table class="report-table ledger"><tr><th>Verdict</th><th>Claim</th>'
            f"<th>Evidence as of</th><th>Why</th><th>Where</th></tr>{rows}</table></div>")


def index_page(pages: list[Page], figures: list[dict[str, str]], pdf: bool, site_info: site.Site = site.BARE,
               ledger_html: str | None = None) -> str:
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
<p>Also: <a href="summary-of-findings.html">the summary of findings</a> · <a href="sources.html">every source</a> ·
<a href="how-this-was-made.html">how this was made</a> (authors, funding, method, review dates) ·
<a href="build.html">how this report was built</a> ·
<a href="data/">the data tables</a> · <a href="figures/index.csv">the figure index (CSV)</a>.</p>
{_ledger_html() if ledger_html is None else ledger_html}
<h2 id="figures">Figures</h2>
<div class="gallery">
{cards}
</div>
<p>Code: MIT licence. Prose and our data compilation: CC BY 4.0. Facts and numbers belong to their sources.</p>
"""
    return _page("Dry needling for back pain: evidence notebooks", body, "index.html", site_info=site_info)


def _read_at(source: Any) -> str:
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


def sources_page(sources: pd.DataFrame, site_info: site.Site = site.BARE) -> str:
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
    return _page("Sources", body, "sources.html", site_info=site_info)


def build_page(pages: list[Page], total_seconds: float, site_info: site.Site = site.BARE) -> str:
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
    return _page("How this report was built", body, "build.html", site_info=site_info)


def guide_page(citations: dict[str, str] | None = None, site_info: site.Site = site.BARE) -> str:
    """docs/teaching-guide.md as a page of the report (our own Markdown, rendered with mistune)."""
    import mistune

    guide = paths.ROOT / "docs" / "teaching-guide.md"
    body = str(mistune.html(guide.read_text(encoding="utf-8"))) if guide.exists() else "<p>Guide not found.</p>"
    return _page("Teaching guide", body, "teaching-guide.html", citations=citations, site_info=site_info)


def data_page(descriptor: dict[str, Any], site_info: site.Site = site.BARE) -> str:
    esc = html.escape
    rows = "".join(f'<tr><td><a href="{esc(quote(str(r["path"])))}">{esc(str(r["path"]))}</a></td>'
                   f'<td>{esc(str(r.get("title", "")))}</td>'
                   f'<td>{esc(str(r.get("description", "")))}</td></tr>' for r in descriptor["resources"])
    body = ('<h1>Data tables</h1><p>Every table as CSV, described by '
            '<a href="datapackage.json">datapackage.json</a> (Frictionless Data Package) and the '
            '<a href="README.md">codebook</a>.</p>'
            f'<table class="report-table"><tr><th>File</th><th>Title</th><th>Description</th></tr>{rows}</table>')
    return _page("Data tables", body, "data/index.html", root="../", site_info=site_info)




# ---------------------------------------------------------------------------------------
# How this was made: authorship, funding, method, review dates, errors, and a self-assessment

METHOD_HREF = "how-this-was-made.html"

#: The JAMA benchmarks (Silberg, Lundberg and Musacchio, JAMA 1997;277(15):1244-5), in our own words:
#: (benchmark, what it asks, where this report meets it: [(href, link text)], our judgement).
JAMA_BENCHMARKS = [
    ("Authorship", "Who wrote it, their affiliations and relevant credentials.",
     [("#who", "Who made it")], "Met for roles; no clinical credentials are claimed."),
    ("Attribution", "References and sources for the content, and copyright information.",
     [("sources.html", "every source with its access date"), ("data/index.html", "the data tables, each row with "
      "a source and a locator")], "Met."),
    ("Disclosure", "Ownership, sponsorship, advertising, funding and conflicts of interest.",
     [("#funding", "Funding and conflicts of interest")], "Met."),
    ("Currency", "When the content was posted and last updated.",
     [("#review", "Review dates"), ("build.html", "the build's date and commit")],
     "Met: every page's footer gives the commit date, the data's date and the next review date."),
]

#: DISCERN's 16 questions (Charnock, Shepperd, Needham and Gann, J Epidemiol Community Health 1999;53:105-11),
#: paraphrased: (question, our rating in words, where: [(notebook number or href, link text)], comment).
DISCERN_QUESTIONS = [
    ("Are the aims clear?", "yes", [("index.html", "the front page"), ("00", "Start here")],
     "Each notebook opens with what it checks and what you will learn."),
    ("Does it achieve its aims?", "mostly", [("index.html#claims", "the claims ledger")],
     "Every claim of the article has a verdict; some are 'not found in what we read' rather than settled."),
    ("Is it relevant to its readers?", "yes", [("00", "Start here")],
     "It starts from the magazine article a reader may have seen, claim by claim."),
    ("Is it clear which sources were used?", "yes", [("sources.html", "Sources")],
     "Each number links to its source; each row of data names a locator."),
    ("Is it clear when the information was produced?", "yes", [("#review", "Review dates")],
     "Access dates per source, dated laws and rulings, and a review date on time-sensitive rows."),
    ("Is it balanced and unbiased?", "mostly", [("05", "What the evidence says")],
     "Results that found no difference are shown beside those that did; no author declares a stake in dry "
     "needling. The choice of sources was not systematic (see the method)."),
    ("Does it give further sources of support and information?", "partly", [("sources.html", "Sources")],
     "It lists the reviews and guidelines it used, not patient-support services."),
    ("Does it refer to areas of uncertainty?", "yes", [("05", "What the evidence says"),
                                                       ("03", "Why needle trials are hard to blind")],
     "Certainty is stated in GRADE's words, and the blinding problem has two notebooks of its own."),
    ("Does it describe how each treatment works?", "partly", [("05", "What the evidence says")],
     "The four mechanisms the article proposes are each checked against the study found for it (healthy "
     "volunteers, neck muscles or animals); how dry needling works is not explained beyond them."),
    ("Does it describe the benefits of each treatment?", "yes", [("05", "What the evidence says")],
     "Pooled effects on pain and function, with their certainty, and what they mean on a 0-10 pain scale."),
    ("Does it describe the risks of each treatment?", "yes", [("05", "What the evidence says")],
     "Published adverse-event rates beside the side effects the article lists."),
    ("Does it describe what happens without treatment?", "partly", [("01", "How common is back pain?"),
                                                                    ("05", "What the evidence says")],
     "Comparisons with no intervention are shown; the natural course of back pain is not described."),
    ("Does it describe how treatment choices affect quality of life?", "partly", [("05", "What the evidence says")],
     "One summary-of-findings row (Yu 2023, quality of life against sham at 6 months, very low certainty); no "
     "other quality-of-life outcome was read."),
    ("Is it clear that there may be more than one treatment choice?", "partly", [("05", "What the evidence says")],
     "Comparisons with other treatments and guideline recommendations are shown; other treatments are not "
     "described in their own right."),
    ("Does it support shared decision-making?", "partly", [("teaching-guide.html", "Teaching guide")],
     "It gives numbers and their certainty to take to a clinician; it offers no decision aid."),
    ("Overall quality as a source of information about treatment choice", "moderate", [],
     "Our own rating, by the authors: strong on sources, dates and uncertainty; narrow in scope (one treatment, "
     "no mechanisms, no quality of life) and not a systematic review."),
]


def _authors_from_citation() -> list[str]:
    """The authors named in CITATION.cff (``name:`` or ``given-names``/``family-names``), as written there."""
    cff = paths.ROOT / "CITATION.cff"
    if not cff.is_file():
        return []
    text = cff.read_text(encoding="utf-8")
    block = text.split("authors:", 1)[1] if "authors:" in text else ""
    block = re.split(r"^\S", block, maxsplit=1, flags=re.MULTILINE)[0]
    names = []
    for entry in re.split(r"^\s*-\s", block, flags=re.MULTILINE)[1:]:
        fields = dict(re.findall(r"^\s*([a-z-]+):\s*\"?([^\"\n]*)\"?\s*$", "  " + entry, flags=re.MULTILINE))
        name = fields.get("name") or " ".join(filter(None, (fields.get("given-names"), fields.get("family-names"))))
        if name:
            names.append(name)
    return names


def _review_facts(sources: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Dates for the review section, read from the data: the span of the sources' access dates, the next review,
    and how long after its as-of date each claim of the ledger is due for review (days, fewest and most)."""
    from .. import staleness

    accessed = sources["accessed"]
    claims = tables.get("claims")
    gaps = ((claims["review_by"] - claims["as_of"]).dt.days if claims is not None and "as_of" in claims else None)
    return {"n_sources": len(sources), "first": accessed.min().date(), "last": accessed.max().date(),
            "next": staleness.next_review(),
            "gap_min": int(gaps.min()) if gaps is not None and len(gaps) else None,
            "gap_max": int(gaps.max()) if gaps is not None and len(gaps) else None}


def method_page(site_info: site.Site = site.BARE, tables: dict[str, pd.DataFrame] | None = None) -> str:
    """The "How this was made" page: who made the collection and in what role, funding and conflicts of interest,
    how the evidence was found, extracted and appraised, review dates, how to report an error, and a
    self-assessment against the JAMA benchmarks and DISCERN's questions, each linked to where it is met."""
    from .. import data

    esc = html.escape
    books = {link.href[:2]: link for link in site_info.notebooks}
    tables = tables if tables is not None else data.load_all()
    facts = _review_facts(tables["sources"], tables)
    authors = _authors_from_citation()
    named = ", ".join(f"“{esc(a)}”" for a in authors) if authors else "no named author"

    def where(links: list[tuple[str, str]]) -> str:
        parts = []
        for target, text in links:
            if re.fullmatch(r"\d\d", target):
                if target not in books:
                    continue
                target = books[target].href
            parts.append(f'<a href="{esc(target)}">{esc(text)}</a>')
        return "; ".join(parts) if parts else "not met here"

    jama = "".join(f'<tr><th scope="row">{esc(name)}</th><td data-label="What it asks">{esc(asks)}</td>'
                   f'<td data-label="Where">{where(links)}</td><td data-label="Our judgement">{esc(verdict)}</td></tr>'
                   for name, asks, links, verdict in JAMA_BENCHMARKS)
    discern = "".join(f'<tr><th scope="row">{k}. {esc(q)}</th>'
                      f'<td class="rating" data-label="Our rating">{esc(rating)}</td>'
                      f'<td data-label="Where">{where(links)}</td><td data-label="Comment">{esc(comment)}</td></tr>'
                      for k, (q, rating, links, comment) in enumerate(DISCERN_QUESTIONS, start=1))
    cadence = (f" The claims ledger's rows fall due between {facts['gap_min']} and {facts['gap_max']} days after "
               "the date they were last checked." if facts["gap_min"] is not None else "")
    evidence_nb = books.get("05")
    evidence_link = (f'<a href="{esc(evidence_nb.href)}">{esc(evidence_nb.title)}</a>' if evidence_nb
                     else "the evidence notebook")
    body = f"""<h1>How this was made</h1>
<p>Who made this collection, who paid for it, how its evidence was found and judged, how current it is, and how to
tell us about a mistake. At the end we rate it ourselves against two published checklists for health
information.</p>

<h2 id="who">Who made it</h2>
<p>An engineering team built this collection as software: engineers who write the notebooks, the Python package,
the data tables and their tests, and a lead engineer who reviews and merges every change. <code>CITATION.cff</code>
names the authors as {named}. The authors work on it as engineers and claim no clinical qualification (in
medicine, physiotherapy or acupuncture): the collection reports what published research says and how sure that
research is, and checks the magazine article against it. It is not medical advice; talk to a clinician about
your own back pain.</p>

<h2 id="funding">Funding and conflicts of interest</h2>
<p><strong>Funding:</strong> none. No organisation paid for this work or reviewed it before publication.
<strong>Conflicts of interest:</strong> none declared. The report carries no advertising and sells nothing, and
no author declares a financial or professional interest in dry needling, acupuncture or any competing treatment.</p>

<h2 id="method">How the evidence was found, extracted and appraised</h2>
<h3 id="searching">Finding sources</h3>
<p>The starting point is the magazine article: each figure and claim it states was looked up. For each one we
looked for the strongest kind of source we could reach, in this order: systematic reviews and guidelines for
effects, published surveys for how common back pain is, and official or dated legal sources for who may needle.
This was a targeted search, <em>not</em> a systematic review: there is no registered protocol and no exhaustive
search of the databases, so a study we did not find could change a conclusion. Where we looked and found
nothing, the collection says “not found in what we read”, which is different from “contradicted”.</p>
<h3 id="extraction">Extracting numbers</h3>
<p>Every number is copied into a table in <a href="data/index.html">data/</a> with the id of its source and a
locator (the table, page or section it came from). The tables are checked against a schema on every build, the
numbers written in the notebooks' text are checked against the tables by code, and every table and notebook was
checked a second time, independently, before this version (the repository's <code>CHANGELOG.md</code> lists what
that check corrected). Where trial-level data exist, the pooled results were recomputed and compared with the
published print.</p>
<h3 id="appraisal">Appraising the evidence: the Summary-of-Findings method</h3>
<p>For each comparison and outcome, {evidence_link} shows the effect, its 95 % confidence interval, the number of
trials and participants, and how certain the evidence is. Certainty follows GRADE: evidence from randomised
trials starts high and is rated down for risk of bias, inconsistency between trials, indirectness (for example
acupuncture trials standing in for dry needling), imprecision, and publication bias. We use the certainty the
review's authors gave where they gave one, and say so where they gave none. The wording follows the certainty:
high, “improves”; moderate, “probably improves”; low, “may improve”; very low, “we are uncertain whether it
improves”. A range such as “low to very low” is worded at its lowest level, and chart titles obey the same rule
(a test checks them). The whole table, each certainty opening to its five domain judgements and their reasons, is on
the <a href="summary-of-findings.html">summary-of-findings page</a>; the verdicts of the claims ledger are derived
from its rows by fixed, tested rules (one estimate per review and outcome; reviews are not counted against each
other; acupuncture evidence can at most partly support a claim about dry needling).</p>

<h2 id="review">Review dates</h2>
<p>The {facts['n_sources']} sources were last read between {facts['first']:%Y-%m-%d} and
{facts['last']:%Y-%m-%d}; that is the last full review of the collection. Facts that change over time (state
laws, training rules, billing codes, the verdicts of the claims ledger, guideline recommendations) carry a review
date each, and the next one falls due on {facts['next']:%Y-%m-%d}.{cadence} Every page's footer repeats these
dates, and a banner appears on every page once any review date has passed.</p>

<h2 id="errors">Reporting an error</h2>
<p>If a number, a source or a sentence is wrong, tell us through the issue tracker of the repository this report
was built from (or through whoever gave you the report). Please name the page, the number or sentence, and the
source that says otherwise; the commit in the page's footer tells us which version you read. Corrections to the
evidence are recorded, with their sources, in the repository's <code>CHANGELOG.md</code>.</p>

<h2 id="jama">Self-assessment: the JAMA benchmarks</h2>
<p>Four benchmarks for health information on the web (Silberg, Lundberg and Musacchio, JAMA 1997;277:1244-5),
in our words, and where this report meets them.</p>
<div class="table-scroll"><table class="report-table stacked-table assessment"><thead><tr><th scope="col">Benchmark</th>
<th scope="col">What it asks</th><th scope="col">Where</th><th scope="col">Our judgement</th></tr></thead>
<tbody>{jama}</tbody></table></div>

<h2 id="discern">Self-assessment: DISCERN's 16 questions</h2>
<p>DISCERN (Charnock, Shepperd, Needham and Gann, J Epidemiol Community Health 1999;53:105-11) asks 16 questions
of written information about treatment choices; the questions below are paraphrased. The ratings are the authors'
own, not an independent appraisal.</p>
<div class="table-scroll"><table class="report-table stacked-table assessment"><thead><tr>
<th scope="col">Question</th><th scope="col">Our rating</th><th scope="col">Where</th><th scope="col">Comment</th>
</tr></thead><tbody>{discern}</tbody></table></div>
"""
    return _page("How this was made", body, METHOD_HREF, site_info=site_info)
