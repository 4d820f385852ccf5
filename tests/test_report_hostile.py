"""Hostile input in the report (issue 12): links from data, raw HTML in Markdown, odd notebook names."""

from __future__ import annotations

import json
import re

import pytest

from dry_needling import data, report

PAYLOADS = [
    '<script>window.__pwned = 1</script>',
    '<SCRIPT SRC="x.js"></SCRIPT>',
    '<a href="javascript:window.__pwned=1">click</a>',
    '<a href=" jav&#x61;script:window.__pwned=1">click</a>',
    '<a href="java\tscript:window.__pwned=1">click</a>',
    '<img src="x" onerror="window.__pwned = 1">',
    '<svg onload="window.__pwned=1"><a xlink:href="javascript:window.__pwned=1">x</a></svg>',
    '<iframe src="data:text/html,<script>parent.__pwned=1</script>"></iframe>',
    '<a/href="vbscript:msgbox(1)">x</a>',
    '<form action="javascript:window.__pwned=1"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    '<base href="javascript:/">',
]
DANGER = re.compile(r"<script|javascript:|vbscript:|\son[a-z]+\s*=|<iframe|<form|<base|http-equiv=\"refresh",
                    re.IGNORECASE)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_removes_every_payload(payload):
    assert not DANGER.search(report.neutralise(f"<p>before</p>{payload}<p>after</p>")), payload


def test_neutralise_keeps_ordinary_html():
    page = ('<p><a href="https://doi.org/10.1/x">doi</a> <a href="02_x.html#top">next</a> '
            '<img src="data:image/png;base64,AAAA" alt="a chart"> <code>&lt;script&gt;</code></p>')
    assert report.neutralise(page) == page


@pytest.mark.parametrize("url", ["javascript:alert(3)", "JAVASCRIPT:alert(3)", " https://x.org", "data:text/html,x",
                                 "https://x.org/\"onmouseover=\"alert(1)", "//evil.example/x", "ftp://x.org/a"])
def test_a_source_url_that_is_not_http_is_not_linked(url):
    sources = data.load("sources").head(2).copy()
    sources.loc[sources.index[0], "url"] = url
    page = report.sources_page(sources)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(_web_or_relative(h) and "\"" not in h for h in hrefs), hrefs
    assert "not linked" in page


def _web_or_relative(href: str) -> bool:
    """A web address, or a link inside the report (no scheme, not protocol-relative)."""
    if href.startswith(("https://", "http://")):
        return True
    return not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", href) and not href.startswith("//")


def test_web_url_accepts_only_plain_http_addresses():
    assert report.web_url("https://example.org/a?b=c#d") == "https://example.org/a?b=c#d"
    for bad in ["javascript:alert(1)", "https://x.org/a b", "https://x.org/\n", "mailto:a@b.c", None, 3]:
        assert report.web_url(bad) is None


def _notebook(folder, name: str, markdown: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell("1 + 1", execution_count=1,
                                                                                   outputs=[])]
    nbformat.write(nb, folder / name)


@pytest.fixture
def hostile_build(tmp_path_factory):
    import pytest as _pytest

    monkeypatch = _pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("hostile")
    books = tmp / "notebooks"
    books.mkdir()
    _notebook(books, "00_hostile.ipynb", "# Hostile\n\n**In short.** A test.\n\n" + "\n\n".join(PAYLOADS)
              + "\n\n[markdown link](javascript:window.__pwned=1)")
    _notebook(books, "03b_extra.ipynb", "# Extra")
    _notebook(books, "notes.ipynb", "# Notes")
    monkeypatch.setenv("DRY_NEEDLING_NOTEBOOKS", str(books))
    messages = []
    out = report.build(execute_notebooks=False, out_dir=tmp / "build" / "report", pdf=False, log=messages.append)
    yield out, messages
    monkeypatch.undo()


def test_a_notebook_with_an_odd_name_is_named_in_a_warning(hostile_build):
    out, messages = hostile_build
    text = "\n".join(messages)
    assert "03b_extra.ipynb is not in the report" in text and "notes.ipynb is not in the report" in text
    assert not (out / "03b_extra.html").exists()


def test_raw_html_in_markdown_is_neutralised_and_every_page_has_a_csp(hostile_build):
    out, _ = hostile_build
    page = (out / "00_hostile.html").read_text(encoding="utf-8")
    body = page.split("<body", 1)[1]
    tags = re.findall(r"<[a-zA-Z/][^>]*>", body)  # payloads Markdown shows as text are escaped: harmless
    assert not [t for t in tags if DANGER.search(t)]
    assert "markdown link" in body
    for html_file in out.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        head = text.split("</head>")[0]
        assert report.CSP in head and 'http-equiv="Content-Security-Policy"' in head, html_file.name
        assert "script-src 'self';" in report.CSP and "unsafe" not in report.CSP.split("script-src")[1].split(";")[0]
        inline = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", text, re.IGNORECASE)
        assert not inline, (html_file.name, inline)  # only script files from the report's assets/ folder


def test_no_script_runs_in_chromium(hostile_build):
    executable = report.chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    out, _ = hostile_build
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=report.CHROMIUM_ARGS)
        page = browser.new_context(offline=True).new_page()
        page.goto((out / "00_hostile.html").resolve().as_uri(), wait_until="load")
        for link in page.query_selector_all("a[href]"):
            href = link.get_attribute("href") or ""
            assert not href.lower().lstrip().startswith(("javascript", "vbscript")), href
        assert page.evaluate("() => window.__pwned") is None
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('[href],[src],[action]'))"
                              ".map(e => e.href || e.src || e.action || '')")
        assert not [h for h in hrefs if str(h).lower().startswith(("javascript:", "vbscript:"))]
        browser.close()


def test_the_shipped_sources_page_links_only_web_addresses():
    page = report.sources_page(data.load("sources"))
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(_web_or_relative(h) for h in hrefs), [h for h in hrefs if not _web_or_relative(h)]
    assert json.dumps(report.CSP)
