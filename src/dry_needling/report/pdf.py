"""The printable PDF (headless Chromium through Playwright, when installed)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import html
import os
import re
import shutil
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import BuildFailed, builder_code, fingerprint
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


def print_pages(report: Path, pages: list[Page]) -> dict[str, str]:
    """{PDF name: the one HTML page printed into it}: the contents, the front page and every notebook page, made for
    printing: worked solutions (<details>) open, code cells left out of the handout, ids made unique per notebook.
    Every page is read and rewritten once; the two versions differ only in their body's class and one line."""
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
        prefix = f"n{number}-"
        body = re.sub(r'(\sid|href)="#?([^"]+)"', functools.partial(_prefixed, prefix=prefix), body)
        sections = toc(body).replace("<details open>", "<div>").replace("</details>", "</div>")
        sections = re.sub(r"<summary>.*?</summary>", "", sections)
        contents.append(f'<li><a href="#n{number}-top">{html.escape(page.title)}</a>'
                        f'{re.sub(r"</?nav[^>]*>", "", sections)}</li>')
        parts.append(f'<section style="break-before: page" id="n{number}-top">{body}</section>')
    front = _main_of((report / "index.html").read_text(encoding="utf-8"))
    front = re.sub(r'<h2 id="figures">.*', "", front, flags=re.DOTALL)  # the gallery repeats every figure
    combined = "".join(parts)
    combined = re.sub(r"<details(?![^>]*\sopen)", "<details open", combined)
    # A link to another notebook page goes to that notebook inside the PDF (its ids carry the n<k>- prefix).
    numbers = {page.href: number for number, page in enumerate(pages)}

    def inside(match: re.Match[str]) -> str:
        number = numbers.get(match.group(1))
        if number is None:
            return match.group(0)
        anchor = match.group(2)[1:] if match.group(2) else "top"
        return f'href="#n{number}-{anchor}"'

    combined = re.sub(r'href="([^"#/:]+\.html)(#[^"]*)?"', inside, combined)
    front = re.sub(r'href="([^"#/:]+\.html)(#[^"]*)?"', inside, front)
    printed = {}
    for name, kind in PDFS.items():
        handout = bool(kind)
        what = "reader's handout (no code)" if handout else "complete version, with the code"
        printed[name] = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{CSP_META}'
                         f"<title>{html.escape(PDF_TITLE)}</title>{styles}"
                         f'<link rel="stylesheet" href="report.css"><style>{PRINT_CSS}</style></head>'
                         f'<body class="jp-Notebook{" handout" if handout else ""}"><main class="site-main">'
                         f'<section class="print-cover">{front}<p><em>This PDF: the {what}.</em></p>'
                         f'<nav class="print-contents"><h2>Contents</h2><ol>{"".join(contents)}</ol></nav></section>'
                         f"{combined}</main></body></html>")
    return printed


def print_page(report: Path, pages: list[Page], handout: bool = False) -> str:
    """The HTML page printed into the handout (``handout``) or the complete PDF (:func:`print_pages`)."""
    return print_pages(report, pages)["handout.pdf" if handout else "collection.pdf"]


def _prefixed(match: re.Match[str], prefix: str) -> str:
    name, value = match.group(1), match.group(2)
    if name == "href" and not match.group(0).startswith('href="#'):
        return match.group(0)
    return f'{name}="{"#" if name == "href" else ""}{prefix}{value}"'


#: Called with each browser tab (Playwright's async Page) before it loads the print page (tests watch it).
Observer = Callable[[Any], None]


class Printer:
    """One headless Chromium, in a thread of its own with its own event loop: started when the build starts (it is
    ready when the pages are), it prints both PDFs at once, one tab each (:meth:`print`).

    While printing, the browser may load nothing outside the report folder (any other request is aborted and the
    build stops with one line naming it); a Playwright error is one line too. The PDFs' links to the report's files
    are made relative to the report (links between notebooks are links inside the PDF), and the creation date is
    fixed (:func:`creation_date`), so two builds of the same sources give the same bytes."""

    def __init__(self, observe: Observer | None = None) -> None:
        self.observe = observe
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="print-pdfs", daemon=True)
        self._thread.start()
        self._playwright: Any = None
        self._browser: Any = None
        self._launched = asyncio.run_coroutine_threadsafe(self._launch(), self._loop)

    def _run(self) -> None:
        """The printing thread: the loop runs until :meth:`close` stops it, and is closed here, by this thread, even
        when :meth:`close` stopped waiting for it (under load a loop left open was found by the garbage collector in
        a later test: "unclosed event loop")."""
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _launch(self) -> str | None:
        executable = chromium_path()
        if executable is None:
            return "Chromium is not installed (apt-get install chromium)"
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            return "Playwright is not installed (pip install -r requirements-dev.txt)"
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        return None

    def start(self, report: Path, pages: list[Page]) -> concurrent.futures.Future[str | None]:
        """Start printing collection.pdf and handout.pdf into ``report``, at the same time; the result is None when
        printed, otherwise what is missing (Chromium, Playwright); a failure is :class:`BuildFailed` (one line)."""
        return asyncio.run_coroutine_threadsafe(self._print(report, pages), self._loop)

    def print(self, report: Path, pages: list[Page]) -> str | None:
        """:meth:`start` and wait."""
        return self.start(report, pages).result()

    async def _print(self, report: Path, pages: list[Page]) -> str | None:
        failure: type[Exception]
        try:
            from playwright.async_api import Error as failure
        except ImportError:
            failure = RuntimeError  # (then Playwright is reported missing below)
        try:
            missing = await asyncio.wrap_future(self._launched)
            if missing is not None:
                return missing
            folder = report.resolve().as_uri() + "/"
            date = creation_date()
            printed = print_pages(report, pages)
            results = await asyncio.gather(*(self._one(report, name, printed[name], folder, date) for name in PDFS),
                                           return_exceptions=True)
        except failure as exc:
            raise _chromium_failed(exc) from None
        for result in results:
            if isinstance(result, failure):
                raise _chromium_failed(result) from None
            if isinstance(result, BaseException):
                raise result
        for name, result in zip(PDFS, results, strict=True):
            assert isinstance(result, bytes)
            (report / name).write_bytes(result)
        return None

    async def _one(self, report: Path, name: str, text: str, folder: str, date: str | None) -> bytes:
        page_file = report / f".print-{PDFS[name] or 'full'}.html"
        page_file.write_text(text, encoding="utf-8")
        outside: list[str] = []

        async def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith(folder) or url.startswith("data:"):
                await route.continue_()
            else:
                outside.append(url)
                await route.abort()

        tab = await self._browser.new_page()
        try:
            await tab.route("**/*", guard)
            if self.observe is not None:
                self.observe(tab)
            await tab.emulate_media(media="print")
            await tab.goto(page_file.resolve().as_uri(), wait_until="load")
            pdf = await tab.pdf(format="A4", print_background=True, display_header_footer=True,
                                header_template="<span></span>", footer_template=FOOTER,
                                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
        finally:
            await tab.close()
            page_file.unlink(missing_ok=True)
        if outside:
            raise BuildFailed(f"printing {name}: the page asked for {_short(outside[0])}, outside the report folder "
                              "(not loaded; the PDF is not written)")
        return reproducible_pdf(pdf, folder, date)

    def close(self) -> None:
        """Close the browser and stop the thread (quickly, whatever state the browser is in)."""
        async def stop() -> None:
            try:
                if self._browser is not None:
                    await self._browser.close()
            except Exception:  # noqa: BLE001  (already gone)
                pass
            try:
                if self._playwright is not None:
                    await self._playwright.stop()
            except Exception:  # noqa: BLE001
                pass

        async def launched() -> None:
            # wrap_future inside the printer's loop: called in the main thread it would make (and leave open) a
            # new event loop there, which the garbage collector later reported as "unclosed event loop"
            await asyncio.wait_for(asyncio.wrap_future(self._launched), 30)

        try:
            asyncio.run_coroutine_threadsafe(launched(), self._loop).result(35)
        except BaseException:  # noqa: BLE001  (a launch that failed or hangs: nothing more to wait for)
            pass
        try:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        except BaseException:  # noqa: BLE001
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _chromium_failed(exc: BaseException) -> BuildFailed:
    first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
    return BuildFailed(f"printing the PDFs failed in Chromium: {_short(first, 160)}")


def print_pdf(report: Path, pages: list[Page], observe: Observer | None = None) -> str | None:
    """Print the collection (collection.pdf) and the reader's handout (handout.pdf), each with a contents list,
    page numbers and the title in its metadata, with one Chromium (:class:`Printer`). Returns None when printed,
    otherwise what is missing. ``observe`` (for tests) is called with each browser tab before it loads the print
    page."""
    with Printer(observe) as printer:
        return printer.print(report, pages)


def _short(text: str, limit: int = 100) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def creation_date() -> str | None:
    """The PDFs' creation date as PDF writes it (``D:YYYYMMDDHHmmSS+00'00'``, UTC): ``SOURCE_DATE_EPOCH`` when it is
    set (the reproducible-builds convention), else the time of the commit the report is built from, else None
    (Chromium's own date is kept)."""
    import datetime as dt
    import subprocess

    from .. import paths

    stamp = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not stamp.isdigit():
        try:
            done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=paths.ROOT, capture_output=True,
                                  text=True, timeout=10)
            stamp = done.stdout.strip() if done.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            stamp = ""
    if not stamp.isdigit():
        return None
    try:
        when = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


_PDF_STRING = rb"\((?:[^()\\]|\\.)*\)"
_LINK_BAND = Decimal(16)  # points: the height of a one-line link's click area in the PDFs


def reproducible_pdf(pdf: bytes, folder: str, date: str | None) -> bytes:
    """Chromium's PDF with every link into ``folder`` (the report's file:// address, ending in '/') made relative
    to the report, a link anywhere else on the disk removed, and the creation and modification dates set to
    ``date``; the cross-reference table is rewritten for the new byte offsets."""
    from urllib.parse import unquote

    edits: list[tuple[int, int, bytes]] = []
    for match in re.finditer(rb"/URI\s*(" + _PDF_STRING + rb")", pdf):
        raw = match.group(1)
        url = re.sub(rb"\\(.)", rb"\1", raw[1:-1]).decode("latin-1")
        if not url.startswith("file:"):
            continue
        if url.startswith(folder):
            relative = url[len(folder):]
        elif unquote(url).startswith(unquote(folder)):
            relative = unquote(url)[len(unquote(folder)):]
        else:
            relative = "#"
        escaped = relative.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        edits.append((match.start(1), match.end(1), b"(" + escaped + b")"))
    # Chromium gives a one-line link's click area either the line box's height or the text's (0.75 pt less on each
    # side, about the same centre), and which one varies from print to print under load: every such area becomes
    # the same 16 pt band around its centre, so two prints of the same pages are the same bytes.
    for match in re.finditer(rb"/Subtype /Link\n(?:/[^\n]*\n)*?/Rect \[([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)\]", pdf):
        low, high = Decimal(match.group(2).decode()), Decimal(match.group(4).decode())  # exact, as printed
        if 0 < high - low <= _LINK_BAND + 4:
            centre = (low + high) / 2
            band = f"{centre - _LINK_BAND / 2:f} {match.group(3).decode()} {centre + _LINK_BAND / 2:f}"
            edits.append((match.start(2), match.end(4), band.encode("ascii")))
    if date is not None:
        for match in re.finditer(rb"/(?:CreationDate|ModDate)\s*(" + _PDF_STRING + rb")", pdf):
            edits.append((match.start(1), match.end(1), b"(" + date.encode("ascii") + b")"))
    if not edits:
        return pdf
    return _apply_edits(pdf, sorted(edits))


def _apply_edits(pdf: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``pdf`` with byte ranges replaced and its classic cross-reference table (``xref`` + ``startxref``) moved to
    match: every object keeps its number, its offset shifts by the bytes added or removed before it."""
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf)
    if found is None or not pdf.startswith(b"xref", int(found.group(1))):
        raise BuildFailed("printing the PDFs: Chromium wrote a PDF without a classic cross-reference table; "
                          "its links cannot be made relative")

    def moved(offset: int) -> int:
        return offset + sum(len(new) - (end - start) for start, end, new in edits if start < offset)

    xref_at = int(found.group(1))
    table = re.compile(rb"xref\s+(\d+)\s+(\d+)\s+").match(pdf, xref_at)
    if table is None:
        raise BuildFailed("printing the PDFs: the cross-reference table Chromium wrote is not one section")
    count, entries_at = int(table.group(2)), table.end()
    entries = []
    for k in range(count):
        entry = pdf[entries_at + 20 * k: entries_at + 20 * (k + 1)]
        offset, generation, kind = int(entry[:10]), entry[11:16], entry[17:18]
        entries.append((b"%010d " % (moved(offset) if kind == b"n" else offset))
                       + generation + b" " + kind + entry[18:20])
    body = bytearray()
    last = 0
    for start, end, new in edits:
        body += pdf[last:start] + new
        last = end
    body += pdf[last:xref_at]
    tail = pdf[xref_at:entries_at] + b"".join(entries) + pdf[entries_at + 20 * count: found.start()]
    return bytes(body) + tail + b"startxref\n%d\n%%%%EOF\n" % moved(xref_at)


def pdf_key(pages: list[Path], figures: list[dict[str, str]]) -> str:
    """Everything the printed PDF depends on: the rendered pages, the CSS, the figure index, this module."""
    return fingerprint(*pages, CSS, figures, *builder_code())

