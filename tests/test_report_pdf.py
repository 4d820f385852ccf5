"""The printed handouts: collection.pdf (everything) and handout.pdf (no code), printed by headless Chromium.

Their links point into the published report (relative) or inside the PDF, never at the folder the builder used,
and two prints of the same pages are the same bytes (the creation date comes from SOURCE_DATE_EPOCH)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from dry_needling import notebooks, report

pytestmark = pytest.mark.slow

EPOCH = "1764547200"  # 2025-12-01 00:00:00 UTC


def _need_chromium() -> None:
    if report.chromium_path() is None:
        message = "Chromium is not installed: apt-get install chromium (the PDF test needs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    _need_chromium()
    out = tmp_path_factory.mktemp("pdf") / "report"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        report.build(execute_notebooks=False, out_dir=out, pdf=True, log=lambda *_: None)
    return out


def _xref_ok(pdf: bytes) -> bool:
    """Every object the cross-reference table lists starts where the table says ("N 0 obj")."""
    at = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf).group(1))
    table = re.compile(rb"xref\s+0\s+(\d+)\s+").match(pdf, at)
    entries = table.end()
    for k in range(int(table.group(1))):
        entry = pdf[entries + 20 * k: entries + 20 * k + 20]
        if entry[17:18] == b"n" and not pdf.startswith(b"%d 0 obj" % k, int(entry[:10])):
            return False
    return True


def test_both_pdfs_print_with_page_numbers_and_the_title(printed):
    out = printed
    pages = {}
    for name in report.PDFS:
        data = (out / name).read_bytes()
        assert data.startswith(b"%PDF")
        pages[name] = len(re.findall(rb"/Type\s*/Page\b", data))
        assert b"/Title (" + report.PDF_TITLE.encode() + b")" in data
    assert 20 < pages["handout.pdf"] < pages["collection.pdf"], pages  # no code cells in the handout
    assert not list(out.glob(".print-*.html"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="handout.pdf"' in index and 'href="collection.pdf"' in index


def test_links_point_into_the_report_or_inside_the_pdf(printed):
    out = printed
    for name in report.PDFS:
        data = (out / name).read_bytes()
        assert _xref_ok(data), name
        assert b"file:" not in data and str(out.parent).encode() not in data, name
        assert b"/CreationDate (D:20251201000000+00'00')" in data
        uris = [u.decode("latin-1") for u in re.findall(rb"/URI\s*\(((?:[^()\\]|\\.)*)\)", data)]
        relative = [u for u in uris if not u.startswith(("https://", "http://", "mailto:"))]
        assert relative, name
        for uri in relative:
            target = out / unquote(uri.split("#")[0])
            assert target.exists() and target.resolve().is_relative_to(out.resolve()), (name, uri)
        assert not [u for u in relative if re.match(r"\d\d_", u)], "links between notebooks stay inside the PDF"
        assert len(re.findall(rb"/Dest\b", data)) > 50  # the contents list and the links between notebooks


def test_two_prints_in_different_folders_are_the_same_bytes(printed, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    copy = tmp_path / "elsewhere" / "report"
    shutil.copytree(printed, copy)
    for name in report.PDFS:
        (copy / name).unlink()
    pages = [report.Page(p, p.with_suffix(".html").name, report.title_of(notebooks.read_json(p), p.stem), "", None,
                         "", 0.0) for p in notebooks.collection()]
    assert report.print_pdf(copy, pages) is None
    for name in report.PDFS:
        assert (copy / name).read_bytes() == (printed / name).read_bytes(), name


def test_a_links_click_area_is_the_same_whichever_box_chromium_measured(printed):
    """Under load Chromium gives a one-line link's area the line box's height or the text's (0.75 pt less on each
    side, same centre); both come out as the same band, so that alone cannot make two prints differ."""
    data = (printed / "collection.pdf").read_bytes()
    rect = re.search(rb"/Subtype /Link\n(?:/[^\n]*\n)*?/Rect \[([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)\]", data)
    assert rect, "the PDF has link areas"
    low, high = (float(rect.group(i)) for i in (2, 4))
    other = data[:rect.start(2)] + f"{low + 0.75:.2f}".encode() + data[rect.end(2):rect.start(4)] + \
        f"{high - 0.75:.2f}".encode() + data[rect.end(4):]
    folder = "file:///nowhere/"
    assert report.pdf.reproducible_pdf(other, folder, None) == report.pdf.reproducible_pdf(data, folder, None)
    moved = data[:rect.start(2)] + f"{low + 5:.2f}".encode() + data[rect.end(2):]
    assert report.pdf.reproducible_pdf(moved, folder, None) != report.pdf.reproducible_pdf(data, folder, None)


def test_the_creation_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert report.creation_date() == "D:19700101000000+00'00'"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert report.creation_date() == "D:20251201000000+00'00'"


def test_a_failure_in_the_browser_is_one_line(tmp_path, monkeypatch):
    """Chromium that cannot start (here: a program that exits at once) stops the build with one line, not a
    Playwright traceback."""
    from dry_needling.report import pdf

    monkeypatch.setattr(pdf, "chromium_path", lambda: "/bin/false")
    (tmp_path / "index.html").write_text("<main></main>", encoding="utf-8")
    with pytest.raises(report.BuildFailed) as info:
        report.print_pdf(tmp_path, [])
    message = str(info.value)
    assert message.startswith("printing the PDFs failed in Chromium: ") and "\n" not in message, message
    assert not list(tmp_path.glob("*.pdf"))


def test_closing_the_printer_leaves_no_event_loop_open(monkeypatch):
    """Printer.close() once made a new event loop in the calling thread (asyncio.wrap_future outside a loop) and left
    it open; the garbage collector then failed an unrelated later test with 'unclosed event loop'. Every loop made
    while a printer starts and closes must be closed when it is done."""
    import asyncio.base_events

    made: list[asyncio.AbstractEventLoop] = []
    init = asyncio.base_events.BaseEventLoop.__init__

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "__init__", recording_init)
    printer = report.Printer()
    printer.close()
    printer._thread.join()  # the printing thread closes its own loop as it ends
    assert made and all(loop.is_closed() for loop in made), made
