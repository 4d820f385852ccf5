"""The printable PDF (headless Chromium through Playwright, when installed)."""

from __future__ import annotations

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


def print_pdf(report: Path, pages: list[Page]) -> str | None:
    """Print the contents and every notebook page into one PDF via a combined print page.
    Returns None when printed, otherwise what is missing."""
    executable = chromium_path()
    if executable is None:
        return "Chromium is not installed (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
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
    return None




def pdf_key(pages: list[Path], figures: list[dict]) -> str:
    """Everything the printed PDF depends on: the rendered pages, the CSS, the figure index, this module."""
    return fingerprint(*pages, CSS, figures, *builder_code())

