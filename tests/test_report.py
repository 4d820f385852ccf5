"""The rendered report: offline, navigable, escaped, and checked in a real browser (headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from dry_needling import data, paths, report

SCREENSHOTS = paths.BUILD_DIR / "screenshots"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The report rendered from the stored notebook outputs into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "report"
    report.build(execute_notebooks=False, out_dir=out, pdf=False, log=lambda *_: None)
    return out


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


# --- static checks (no browser needed) -----------------------------------------------------------

def test_every_notebook_has_a_page_and_the_site_pages_exist(built):
    names = {p.name for p in _pages(built)}
    for nb in report.notebooks():
        assert nb.with_suffix(".html").name in names
    assert {"index.html", "sources.html", "build.html"} <= names
    assert (built / "data" / "index.html").exists() and (built / "data" / "sources.csv").exists()
    assert (built / "figures" / "index.csv").exists()


def test_pages_load_nothing_from_the_internet(built):
    for page in _pages(built):
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r'<(script|link|img|iframe)\b[^>]*\b(src|href)="(https?:)?//', text):
            pytest.fail(f"{page.name} loads {match.group(0)}")
        assert "require.js" not in text and "MathJax" not in text, page.name


def test_every_page_forbids_scripts_and_links_no_script(built):
    for page in _pages(built):
        text = page.read_text(encoding="utf-8")
        head = text.split("</head>")[0]
        assert report.CSP in head and 'http-equiv="Content-Security-Policy"' in head, page.name
        hrefs = re.findall(r"""(?:href|src|action)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*:)""", text, re.IGNORECASE)
        assert not [h for h in hrefs if h.lower() not in ("https:", "http:", "data:", "mailto:")], (page.name, hrefs)
        assert "javascript:" not in " ".join(re.findall(r"<[a-zA-Z][^>]*>", text)).lower(), page.name


def test_figures_carry_their_alt_text(built):
    figures = data.load("sources")  # noqa: F841  (validates the data package as a side effect)
    from dry_needling.charts import read_index

    alts = set(read_index()["alt"])
    text = (built / "01_burden_of_back_pain.html").read_text(encoding="utf-8")
    found = re.findall(r'<img alt="([^"]*)"[^>]*src="data:image/png', text)
    assert len(found) == 3
    assert all(a.replace("&#39;", "'").replace("&quot;", '"') in alts for a in found)
    assert "Figure size" not in " ".join(found)


def test_math_is_mathml_and_widgets_are_a_note(built):
    text = (built / "03_why_blinding_is_hard.html").read_text(encoding="utf-8")
    assert "<math" in text and "$$" not in text
    assert "run this notebook in JupyterLab" in text


def test_navigation_links_previous_and_next(built):
    text = (built / "02_who_may_needle.html").read_text(encoding="utf-8")
    assert 'href="01_burden_of_back_pain.html" rel="prev"' in text
    assert 'href="03_why_blinding_is_hard.html" rel="next"' in text
    assert 'href="index.html"' in text


def test_index_lists_reading_order_with_times_and_gallery(built):
    text = (built / "index.html").read_text(encoding="utf-8")
    order = re.findall(r'<li><a href="(\d\d_[^"]+\.html)">', text)
    assert order == [nb.with_suffix(".html").name for nb in report.notebooks()]
    assert len(re.findall(r"\(\d+ min\)", text)) == len(order)
    assert text.count("<figure>") == len(__import__("dry_needling.charts", fromlist=["x"]).read_index())


def test_text_from_data_files_is_escaped(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, folder)
    csv = folder / "sources.csv"
    evil = "<script>window.__pwned = 1</script> Dry Needling for Back Pain: Putting"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Dry Needling for Back Pain: Putting", evil),
                   encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", folder)
    page = report.sources_page(data.load("sources", folder))
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "<script>" not in page


def test_sources_page_names_only_paths_inside_the_repository(built):
    text = (built / "sources.html").read_text(encoding="utf-8")
    assert "shared/reference" not in text
    assert "data/article_figures.csv" in text  # where the article is summarised inside the repository


def test_a_failing_notebook_is_named_and_keeps_the_old_report(tmp_path, monkeypatch):
    import nbformat

    books = tmp_path / "notebooks"
    books.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, books / "00_broken.ipynb")
    out = tmp_path / "build" / "report"
    out.mkdir(parents=True)
    (out / "index.html").write_text("previous report")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", books)
    with pytest.raises(report.NotebookFailed, match=r"00_broken.ipynb: cell 2 failed: ZeroDivisionError"):
        report.build(out_dir=out, pdf=False, log=lambda *_: None)
    assert (out / "index.html").read_text() == "previous report"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".report-")], "no half-written report"


# --- the real browser ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    executable = report.chromium_path()
    if executable is None:
        message = "Chromium is not installed: apt-get install chromium (the browser test needs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=report.CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_every_page_in_headless_chromium(built, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    root = built.resolve().as_uri()
    problems = []
    for page_path in _pages(built):
        context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        requests, failed, console = [], [], []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.on("requestfailed", lambda r, seen=failed: seen.append(r.url))
        page.on("console", lambda m, seen=console: seen.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e, seen=console: seen.append(f"pageerror: {e}"))
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        name = page_path.relative_to(built).as_posix()
        outside = [u for u in requests if not (u.startswith(root) or u.startswith("data:"))]
        if outside:
            problems.append(f"{name}: requests outside the report: {outside[:3]}")
        if failed:
            problems.append(f"{name}: failed requests: {failed[:3]}")
        if console:
            problems.append(f"{name}: console errors: {console[:3]}")
        images = page.evaluate("""() => Array.from(document.images).map(i => ({ok: i.complete && i.naturalWidth > 0,
            alt: (i.getAttribute('alt') || '').trim(), src: i.src.slice(0, 60)}))""")
        for image in images:
            if not image["ok"]:
                problems.append(f"{name}: image did not load: {image['src']}")
            if not image["alt"]:
                problems.append(f"{name}: image without alt text: {image['src']}")
        for href in page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
            if href.startswith("file:"):
                target = Path(unquote(urlparse(href).path))
                if not target.exists():
                    problems.append(f"{name}: broken link {href}")
        if name in {"index.html", "sources.html"}:
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 1200:
                problems.append(f"{name}: {width} px wide in a 1,200 px window (long text must wrap)")
        if page.evaluate("() => window.__pwned === 1"):
            problems.append(f"{name}: a script from the data ran")
        shot = SCREENSHOTS / (name.replace("/", "_").replace(".html", ".png"))
        page.screenshot(path=str(shot), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
