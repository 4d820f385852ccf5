"""The report as a site: the chrome every page shares (header with search and theme toggle, a sidebar with
every page in reading order, previous / next, an in-page table of contents), citations that link to the
sources page, and the search index.

The search index is a JavaScript file loaded by a ``<script>`` tag (as Sphinx does), not fetched: fetch()
and WebAssembly are refused for file:// pages in Chromium, a ``<script src>`` beside the page is not. All
scripts are files in the report's ``assets/`` folder, allowed by ``script-src 'self'``; none is inline.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .safety import CSP_META

ASSETS = Path(__file__).parent / "assets"
SITE_TITLE = "Dry needling for back pain"


@dataclass(frozen=True)
class Link:
    href: str
    title: str


@dataclass(frozen=True)
class Site:
    """What every page's chrome shows that the build knows only at run time: the notebook pages in reading order
    (sidebar, previous / next) and the provenance footer (:func:`provenance`). Passed to each page as it is made."""

    notebooks: tuple[Link, ...] = ()
    footer: str = ""


#: A page on its own: no notebook pages to list, no footer (tests and one-off pages).
BARE = Site()


REFERENCE = [Link("index.html", "Contents and figures"), Link("sources.html", "Sources"),
             Link("summary-of-findings.html", "Summary of findings"), Link("data/index.html", "Data tables"),
             Link("teaching-guide.html", "Teaching guide"), Link("how-this-was-made.html", "How this was made"),
             Link("build.html", "How this report was built")]


def head(root: str = "", scripts: tuple[str, ...] = (), notebook: bool = False) -> str:
    """What every page's <head> carries: the CSP, the style sheets, and the site's scripts (files only)."""
    dark = f'<link rel="stylesheet" href="{root}assets/jupyter-dark.css">' if notebook else ""
    extra = "".join(f'<script src="{root}assets/{name}" defer></script>' for name in scripts)
    return (f'{CSP_META}<link rel="stylesheet" href="{root}report.css">{dark}'
            f'<script src="{root}assets/theme.js"></script>'
            f'<script src="{root}assets/search-index.js" defer></script>'
            f'<script src="{root}assets/site.js" defer></script>{extra}')


def header(root: str = "") -> str:
    return (f'<a class="skip-link" href="#content">Skip to the content</a>'
            f'<header class="site-header">'
            f'<button class="menu-toggle" type="button" aria-controls="site-sidebar" aria-expanded="false" '
            f'aria-label="Menu: all pages">☰</button>'
            f'<a class="site-title" href="{root}index.html">{html.escape(SITE_TITLE)}</a>'
            f'<div class="site-search" role="search" hidden>'
            f'<label class="visually-hidden" for="search-input">Search the report</label>'
            f'<input id="search-input" type="search" placeholder="Search the report (/)" autocomplete="off">'
            f'<div id="search-results" hidden aria-live="polite"></div></div>'
            f'<button class="theme-toggle" type="button" aria-label="Dark theme" aria-pressed="false">◐</button>'
            f"</header>")


def sidebar(current: str, root: str = "", notebooks: tuple[Link, ...] = ()) -> str:
    def item(link: Link) -> str:
        here = ' aria-current="page"' if link.href == current else ""
        return f'<li><a href="{root}{html.escape(link.href)}"{here}>{html.escape(link.title)}</a></li>'

    return ('<nav id="site-sidebar" class="site-sidebar" aria-label="All pages">'
            '<p class="nav-heading">Notebooks, in reading order</p><ol>'
            + "".join(item(link) for link in notebooks) + '</ol><p class="nav-heading">Reference</p><ul>'
            + "".join(item(link) for link in REFERENCE) + "</ul></nav>")


TOC_MARK = "<!--page-toc-->"


def chrome_top(current: str, root: str = "", site: Site = BARE) -> str:
    return (header(root) + '<div class="site-layout">' + sidebar(current, root, site.notebooks)
            + '<main id="content" class="site-main">')


def provenance(as_of: dt.date | None = None, data_dir: Path | None = None) -> str:
    """One dated line for every page: the commit and commit date the report was built from, the date the data
    were last checked against a source, and when the next row is due for review; plus a banner when any row is
    past its review date (``python -m dry_needling validate --stale`` lists them)."""
    import subprocess

    from .. import paths, staleness

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit, date = git("rev-parse", "--short=10", "HEAD"), git("log", "-1", "--format=%cs")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    built = (f"commit <code>{html.escape(commit)}</code> of {html.escape(date)}"
             + (" with uncommitted changes" if dirty else "")) if commit else "a copy outside git (commit unknown)"
    day = as_of or dt.date.today()
    overdue = staleness.overdue(day, data_dir)
    line = (f'<footer class="provenance">Built from {built}. Data as of {staleness.data_as_of(data_dir):%Y-%m-%d}; '
            f"next review due {staleness.next_review(data_dir):%Y-%m-%d}.</footer>")
    banner = ""
    if overdue:
        banner = (f'<div class="stale-banner" role="alert"><strong>Review overdue:</strong> {len(overdue)} '
                  f"time-sensitive row(s) of the data passed their review date (the oldest on "
                  f"{overdue[0].review_by:%Y-%m-%d}); facts about laws and rules may have changed. "
                  "<code>python -m dry_needling validate --stale</code> lists them.</div>")
    return banner + line


def chrome_bottom(site: Site = BARE) -> str:
    return "</main>" + TOC_MARK + "</div>" + site.footer


def prev_next(k: int, notebooks: tuple[Link, ...]) -> str:
    """Previous / contents / next for the k-th of the notebook pages ``notebooks``."""
    esc = html.escape
    prev_link = (f'<a href="{esc(notebooks[k - 1].href)}" rel="prev">← {esc(notebooks[k - 1].title)}</a>' if k > 0
                 else "<span></span>")
    next_link = (f'<a href="{esc(notebooks[k + 1].href)}" rel="next">{esc(notebooks[k + 1].title)} →</a>'
                 if k + 1 < len(notebooks) else "<span></span>")
    return (f'<nav class="report-nav" aria-label="Previous and next notebook">{prev_link}'
            f'<a href="index.html">Contents</a>{next_link}</nav>')


# --- headings: ids and the table of contents ----------------------------------------------------

_HEADING = re.compile(r"<h([1-4])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r'\sid="([^"]+)"')


def _plain(fragment: str) -> str:
    fragment = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", fragment, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "section"


def add_heading_ids(body: str) -> str:
    """Give every h1-h4 without an id one made from its text (unique in the page)."""
    used = set(_ID.findall(body))

    def fix(match: re.Match) -> str:
        level, attrs, inner = match.groups()
        if _ID.search(attrs or ""):
            return match.group(0)
        base = candidate = slug(_plain(inner))
        n = 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        return f'<h{level}{attrs} id="{candidate}">{inner}</h{level}>'

    return _HEADING.sub(fix, body)


def toc(body: str) -> str:
    """The page's sections (h2 and h3) as an in-page table of contents, or '' when it has fewer than two."""
    items = []
    for level, attrs, inner in _HEADING.findall(body):
        found = _ID.search(attrs or "")
        if level in ("2", "3") and found:
            items.append(f'<li class="toc-{level}"><a href="#{html.escape(found.group(1))}">'
                         f"{html.escape(_plain(inner))}</a></li>")
    if len(items) < 2:
        return ""
    return ('<nav class="page-toc" aria-label="On this page"><details open><summary>On this page</summary><ul>'
            + "".join(items) + "</ul></details></nav>")


def finish(page: str) -> str:
    """Fill in the table of contents of a rendered page."""
    main = page.split("<main", 1)[-1]
    return page.replace(TOC_MARK, toc(main), 1)


# --- citations -----------------------------------------------------------------------------------

_TOKENS = re.compile(r"(<[^>]*>)")
_BRACKETS = re.compile(r"\[([a-z0-9_]+(?:[;,]\s*[a-z0-9_]+)*)\]")


def link_citations(page: str, citations: dict[str, str], root: str = "") -> str:
    """Each known source id in the body, as ``<code>id</code>`` or inside ``[brackets]``, becomes a link to its
    row on the sources page with the citation as its title (shown on hover). Text inside links is left alone."""
    if not citations:
        return page
    head, sep, body = page.partition("<body")
    if not sep:
        head, body = "", page
    tokens = _TOKENS.split(body)
    in_link = 0
    skip = 0

    def anchor(source_id: str, inner: str) -> str:
        return (f'<a class="cite" href="{root}sources.html#{html.escape(source_id)}" '
                f'title="{html.escape(citations[source_id])}">{inner}</a>')

    for i, token in enumerate(tokens):
        if token.startswith("<"):
            name = re.match(r"<(/?)([a-zA-Z0-9]+)", token)
            if name:
                closing, tag = name.group(1), name.group(2).lower()
                if tag == "a":
                    in_link += -1 if closing else 1
                elif tag in ("style", "script", "title"):
                    skip += -1 if closing else 1
            continue
        if in_link > 0 or skip > 0 or not token:
            continue
        if (i >= 2 and re.fullmatch(r"<code>", tokens[i - 1]) and i + 1 < len(tokens) and tokens[i + 1] == "</code>"
                and token in citations):
            tokens[i - 1] = f'<a class="cite" href="{root}sources.html#{html.escape(token)}" ' \
                            f'title="{html.escape(citations[token])}"><code>'
            tokens[i + 1] = "</code></a>"
            continue

        def brackets(match: re.Match) -> str:
            parts = re.split(r"([;,]\s*)", match.group(1))
            return "[" + "".join(anchor(p, p) if p in citations else p for p in parts) + "]"

        tokens[i] = _BRACKETS.sub(brackets, token)
    return head + sep + "".join(tokens)


# --- the search index -----------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Left out of the search index: prompts, the explorer, the launch/download box (the same on every page) and code
#: cells' source (a reader searches the prose and the results, and a snippet of raw code helps nobody).
_SKIP_CLASSES = ("anchor-link", "jp-InputPrompt", "jp-OutputPrompt", "explorer", "notebook-tools",
                 "jp-InputArea-editor")


class _Sections(HTMLParser):
    """Splits a page's <main> into sections at each heading with an id: [(anchor, heading, text)]."""

    def __init__(self, title: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[Any]] = [["", title, []]]
        self.in_main = False
        self.skip: list[str] = []  # the tag that started a skipped region, and nested same tags
        self.heading: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        named = dict(attrs)
        if tag == "main":
            self.in_main = True
            return
        if self.skip:
            if tag == self.skip[0]:
                self.skip.append(tag)
            return
        classes = named.get("class") or ""
        if tag in ("style", "script", "nav", "math") or any(c in classes for c in _SKIP_CLASSES):
            self.skip.append(tag)
            return
        if self.in_main and re.fullmatch(r"h[1-4]", tag) and named.get("id"):
            self.heading = [named["id"], []]

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[0]:
                self.skip.pop()
            return
        if tag == "main":
            self.in_main = False
        if self.heading is not None and re.fullmatch(r"h[1-4]", tag):
            anchor, words = self.heading
            self.sections.append([anchor, " ".join("".join(words).split()), []])
            self.heading = None

    def handle_data(self, data: str) -> None:
        if not self.in_main or self.skip:
            return
        (self.heading[1] if self.heading is not None else self.sections[-1][2]).append(data)


#: A code cell's highlighted input. :class:`_Sections` skips the editor it stands in, so its code (a span per token,
#: most of a notebook page's tags) is cut before parsing: the same sections in about half the time. Only the code
#: between <pre> and </pre> goes, where no tag but a span can be (Pygments escapes the code's own < and >); a block
#: holding any other tag is left whole. Possessive quantifiers: no backtracking, so linear in the page's length.
_EDITOR_CODE = re.compile(r'(<div class="[^"]*\bjp-InputArea-editor\b[^"]*"[^>]*>\s*<div class="cm-editor[^"]*">\s*'
                          r'<div class="highlight[^"]*"><pre>)(?:<span\b[^>]*+>|</span>|[^<]++)*+(</pre>)')


def sections(page_html: str, title: str) -> list[tuple[str, str, str]]:
    """The page's search-index sections: [(anchor, heading, text)], the text before the first heading under the
    page's ``title``."""
    parser = _Sections(title)
    parser.feed(_EDITOR_CODE.sub(r"\1\2", page_html))
    found = []
    for anchor, heading, words in parser.sections:
        text = " ".join("".join(words).split())
        if text or anchor:
            found.append((anchor, heading or title, text))
    return found


def search_index(pages: list[tuple[str, str, str]]) -> str:
    """``window.DN_SEARCH`` for ``pages`` [(href, title, html)]: every page and section with its text."""
    return search_index_of([(href, title, sections(page_html, title)) for href, title, page_html in pages])


def search_index_of(pages: list[tuple[str, str, list[tuple[str, str, str]]]]) -> str:
    """``window.DN_SEARCH`` for ``pages`` [(href, title, their :func:`sections`)]."""
    index: dict[str, list[Any]] = {"pages": [], "sections": []}
    for number, (href, title, found) in enumerate(pages):
        index["pages"].append([href, title])
        for anchor, heading, text in found:
            index["sections"].append([number, anchor, heading, text])
    data = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.DN_SEARCH = {data};\n"


def jupyter_dark_css() -> str:
    """JupyterLab's dark theme variables from the installed nbconvert, applied when the page is dark."""
    from jupyter_core.paths import jupyter_path  # nbconvert installs its templates there (not imported: 0.2 s)

    for folder in jupyter_path("nbconvert", "templates", "lab", "static"):
        path = Path(folder) / "theme-dark.css"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            scoped = text.replace(":root", 'html[data-theme="dark"]')
            media = text.replace(":root", 'html:not([data-theme])')
            return (f"/* From nbconvert's lab template (installed package), scoped to the dark theme. */\n{scoped}\n"
                    f"@media (prefers-color-scheme: dark) {{\n{media}\n}}\n")
    return "/* nbconvert's dark theme was not found */\n"


# --- run or download a notebook ------------------------------------------------------------------

def repository_url() -> str | None:
    """The repository's public address, from ``repository-code`` in CITATION.cff (None when not set)."""
    from .. import paths
    from .safety import web_url

    cff = paths.ROOT / "CITATION.cff"
    if not cff.is_file():
        return None
    found = re.search(r"^repository-code:\s*['\"]?([^'\"\s]+)", cff.read_text(encoding="utf-8"), re.MULTILINE)
    return web_url(found.group(1)) if found else None


def binder_url(repository: str | None, notebook: str) -> str | None:
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repository or "")
    if not match:
        return None
    return f"https://mybinder.org/v2/gh/{match.group(1)}/{match.group(2)}/HEAD?labpath=notebooks/{notebook}"


def notebook_tools(notebook: str, figures: list[str], repository: str | None) -> str:
    """The box under a notebook page's title: download it and its figure data, launch it, or run it locally."""
    esc = html.escape
    data = " · ".join(f'<a href="figures/{esc(name)}.csv">{esc(name)}.csv</a>' for name in figures)
    binder = binder_url(repository, notebook)
    launch = (f'<a href="{esc(binder)}">Launch on Binder</a> (builds from <code>environment.yml</code>; a few minutes '
              "the first time)" if binder else
              "Launch on Binder: <span class=\"wrap-code\">https://mybinder.org/v2/gh/<em>owner</em>/<em>repository"
              f"</em>/HEAD?labpath=notebooks/{esc(notebook)}</span> (fill in the repository's address)")
    repo = esc(repository) if repository else "<em>repository URL</em>"
    hub = ('On a JupyterHub with nbgitpuller: <span class="wrap-code">https://<em>your-hub</em>/hub/user-redirect/'
           f"git-pull?repo={repo}&amp;urlpath=lab/tree/<em>folder</em>/notebooks/{esc(notebook)}</span>")
    return ('<details class="notebook-tools" open><summary>Run or download this notebook</summary><ul>'
            f'<li><a href="notebooks/{esc(notebook)}" download>Download {esc(notebook)}</a> (with its outputs)</li>'
            + (f"<li>Figure data (CSV): {data}</li>" if data else "")
            + f"<li>{launch}</li><li>{hub}</li>"
            f'<li>On your own computer (Python 3.11 and make), in the repository: <code class="wrap-code">make lab'
            f"</code>, or <code class=\"wrap-code\">.venv/bin/jupyter lab notebooks/{esc(notebook)}</code></li>"
            "</ul></details>")
