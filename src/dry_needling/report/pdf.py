"""The printable PDF (headless Chromium through Playwright, when installed)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import builder_code, fingerprint
from .pages import CSS
from .render import Page
from .safety import CSP_META

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


PDF_TITLE = "Dry needling for back pain: evidence notebooks"
#: The two printed versions: everything, and a reader's handout without the code cells (outputs kept).
PDFS = {"collection.pdf": "", "handout.pdf": "handout"}
PRINT_CSS = """
.print-contents ol { columns: 1; } .print-contents li { margin: .2rem 0; }
.print-contents ul { list-style: none; padding-left: 1rem; font-size: .9em; }
body.handout .jp-CodeCell .jp-Cell-inputWrapper { display: none !important; }
body.handout .jp-CodeCell:not(:has(.jp-OutputArea-child)) { display: none !important; }
.print-cover { break-after: page; }
"""
FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555; font-family:sans-serif;">'
          '<span class="title"></span> · page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></div>')


def _main_of(text: str) -> str:
    found = re.search(r"<main\b[^>]*>(.*)</main>", text, re.DOTALL)
    return found.group(1) if found else ""


def print_page(report: Path, pages: list[Page], handout: bool = False) -> str:
    """One HTML page holding the contents, the front page and every notebook page, made for printing: worked
    solutions (<details>) open, code cells left out of the handout, ids made unique per notebook."""
    from .site import toc

    parts, contents = [], []
    styles = ""
    for number, page in enumerate(pages):
        text = (report / page.href).read_text(encoding="utf-8")
        if not styles:
            styles = "".join(re.findall(r"<style[^>]*>.*?</style>", text, re.DOTALL))
        body = _main_of(text)
        body = re.sub(r'<details class="notebook-tools".*?</details>', "", body, flags=re.DOTALL)
        body = re.sub(r"<nav class=\"report-nav\".*?</nav>", "", body, flags=re.DOTALL)
        body = re.sub(r'(\sid|href)="#?([^"]+)"', lambda m, p=f"n{number}-": _prefixed(m, p), body)
        sections = toc(body).replace("<details open>", "<div>").replace("</details>", "</div>")
        sections = re.sub(r"<summary>.*?</summary>", "", sections)
        contents.append(f'<li><a href="#n{number}-top">{html.escape(page.title)}</a>'
                        f'{re.sub(r"</?nav[^>]*>", "", sections)}</li>')
        parts.append(f'<section style="break-before: page" id="n{number}-top">{body}</section>')
    front = _main_of((report / "index.html").read_text(encoding="utf-8"))
    front = re.sub(r'<h2 id="figures">.*', "", front, flags=re.DOTALL)  # the gallery repeats every figure
    combined = "".join(parts)
    combined = re.sub(r"<details(?![^>]*\sopen)", "<details open", combined)
    kind = "reader's handout (no code)" if handout else "complete version, with the code"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{CSP_META}'
            f"<title>{html.escape(PDF_TITLE)}</title>{styles}"
            f'<link rel="stylesheet" href="report.css"><style>{PRINT_CSS}</style></head>'
            f'<body class="jp-Notebook{" handout" if handout else ""}"><main class="site-main">'
            f'<section class="print-cover">{front}<p><em>This PDF: the {kind}.</em></p>'
            f'<nav class="print-contents"><h2>Contents</h2><ol>{"".join(contents)}</ol></nav></section>'
            f"{combined}</main></body></html>")


def _prefixed(match: re.Match, prefix: str) -> str:
    name, value = match.group(1), match.group(2)
    if name == "href" and not match.group(0).startswith('href="#'):
        return match.group(0)
    return f'{name}="{"#" if name == "href" else ""}{prefix}{value}"'


def print_pdf(report: Path, pages: list[Page]) -> str | None:
    """Print the collection (collection.pdf) and the reader's handout (handout.pdf), each with a contents list,
    page numbers and the title in its metadata. Returns None when printed, otherwise what is missing."""
    executable = chromium_path()
    if executable is None:
        return "Chromium is not installed (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for name, kind in PDFS.items():
                page_file = report / f".print-{kind or 'full'}.html"
                page_file.write_text(print_page(report, pages, handout=bool(kind)), encoding="utf-8")
                tab = browser.new_page()
                tab.emulate_media(media="print")
                tab.goto(page_file.resolve().as_uri(), wait_until="load")
                tab.pdf(path=str(report / name), format="A4", print_background=True, display_header_footer=True,
                        header_template="<span></span>", footer_template=FOOTER,
                        margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
                tab.close()
                page_file.unlink()
        finally:
            browser.close()
    return None


def pdf_key(pages: list[Path], figures: list[dict]) -> str:
    """Everything the printed PDF depends on: the rendered pages, the CSS, the figure index, this module."""
    return fingerprint(*pages, CSS, figures, *builder_code())

