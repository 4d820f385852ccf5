"""The rendered report: offline, navigable, escaped, and checked in a real browser (headless Chromium)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from processes import chromium_or_skip

from dry_needling import data, notebooks, paths, report

pytestmark = pytest.mark.slow  # the report build and the browser

SCREENSHOTS = paths.build_dir() / "screenshots"


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
    for nb in notebooks.collection():
        assert nb.with_suffix(".html").name in names
    assert {"index.html", "sources.html", "build.html", "how-this-was-made.html"} <= names
    assert (built / "data" / "index.html").exists() and (built / "data" / "sources.csv").exists()
    assert (built / "figures" / "index.csv").exists()


def test_pages_load_nothing_from_the_internet(built):
    for page in _pages(built):
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r'<(script|link|img|iframe)\b[^>]*\b(src|href)="(https?:)?//', text):
            pytest.fail(f"{page.name} loads {match.group(0)}")
        assert "require.js" not in text and "MathJax" not in text, page.name


def test_every_page_allows_only_its_own_script_files(built):
    for page in _pages(built):
        text = page.read_text(encoding="utf-8")
        head = text.split("</head>")[0]
        assert report.CSP in head and 'http-equiv="Content-Security-Policy"' in head, page.name
        assert head.index("Content-Security-Policy") < head.find("<script"), page.name  # the policy comes first
        for tag in re.findall(r"<script\b[^>]*>", text, re.IGNORECASE):
            src = re.search(r'\ssrc="([^"]+)"', tag)
            assert src, f"{page.name}: an inline script {tag}"
            assert re.fullmatch(r"(\.\./)?assets/[a-z-]+\.js", src.group(1)), (page.name, tag)
            assert (page.parent / src.group(1)).is_file(), (page.name, src.group(1))
        assert "<script" not in text.split("<body", 1)[1], f"{page.name}: a script in the body"
        hrefs = re.findall(r"""(?:href|src|action)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*:)""", text, re.IGNORECASE)
        assert not [h for h in hrefs if h.lower() not in ("https:", "http:", "data:", "mailto:")], (page.name, hrefs)
        assert "javascript:" not in " ".join(re.findall(r"<[a-zA-Z][^>]*>", text)).lower(), page.name


def test_no_third_party_javascript_or_css_is_committed():
    assets = Path(report.site.ASSETS)
    assert sorted(p.name for p in assets.iterdir()) == ["explorer.js", "site.css", "site.js", "theme.js"]
    for path in assets.iterdir():  # ours, small, and loading nothing
        text = path.read_text(encoding="utf-8")
        assert len(text) < 32_000 and "http" not in text.replace("https://", "").replace("http://", ""), path.name


def test_every_notebook_page_links_every_other_and_the_reference_pages(built):
    books = [nb.with_suffix(".html").name for nb in notebooks.collection()]
    for name in books + ["index.html", "sources.html", "teaching-guide.html", "build.html", "how-this-was-made.html"]:
        text = (built / name).read_text(encoding="utf-8")
        sidebar = text.split('id="site-sidebar"', 1)[1].split("</nav>", 1)[0]
        assert re.findall(r'href="(\d\d_[^"]+\.html)"', sidebar) == books, name
        for target in ("index.html", "sources.html", "data/index.html", "teaching-guide.html",
                       "how-this-was-made.html"):
            assert f'href="{target}"' in sidebar, (name, target)
        assert sidebar.count('aria-current="page"') == 1, name
    text = (built / books[2]).read_text(encoding="utf-8")
    toc = text.split('class="page-toc"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) >= 5 and all(f'id="{a}"' in text for a in anchors)


def test_notebook_pages_offer_download_launch_and_local_command(built):
    for nb in notebooks.collection():
        text = (built / nb.with_suffix(".html").name).read_text(encoding="utf-8")
        assert f'href="notebooks/{nb.name}" download' in text and (built / "notebooks" / nb.name).is_file()
        assert "mybinder.org/v2/gh/" in text and "git-pull?repo=" in text and "make lab" in text
        for name in notebooks.figures_saved_by(nb):
            assert f'href="figures/{name}.csv"' in text and f'href="figures/{name}.svg"' in text


def test_source_ids_link_to_their_row_on_the_sources_page(built):
    sources = (built / "sources.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'<tr id="([^"]+)"', sources))
    text = (built / "03_why_blinding_is_hard.html").read_text(encoding="utf-8")
    cited = re.findall(r'<a class="cite" href="sources.html#([^"]+)" title="([^"]+)"><code>', text)
    assert len(cited) >= 5 and {c for c, _ in cited} <= ids
    assert all(len(title) > 20 for _, title in cited)  # the citation shows on hover
    text = (built / "01_burden_of_back_pain.html").read_text(encoding="utf-8")
    assert re.search(r'\[<a class="cite" href="sources.html#walker2000" title="Walker BF[^"]*">walker2000</a>\]', text)


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
    assert 'id="unblinding-explorer"' in text and "assets/vega-bundle.js" in text


def test_navigation_links_previous_and_next(built):
    text = (built / "02_who_may_needle.html").read_text(encoding="utf-8")
    assert 'href="01_burden_of_back_pain.html" rel="prev"' in text
    assert 'href="03_why_blinding_is_hard.html" rel="next"' in text
    assert 'href="index.html"' in text


def test_index_lists_reading_order_with_times_and_gallery(built):
    text = (built / "index.html").read_text(encoding="utf-8").split("<main", 1)[1]
    order = re.findall(r'<li><a href="(\d\d_[^"]+\.html)">', text)
    assert order == [nb.with_suffix(".html").name for nb in notebooks.collection()]
    assert len(re.findall(r"\(\d+ min\)", text)) == len(order)
    assert text.count("<figure>") == len(__import__("dry_needling.charts", fromlist=["x"]).read_index())


def test_text_from_data_files_is_escaped(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    csv = folder / "sources.csv"
    evil = "<script>window.__pwned = 1</script> Dry Needling for Back Pain: Putting"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Dry Needling for Back Pain: Putting", evil),
                   encoding="utf-8")
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(folder))
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
    monkeypatch.setenv("DRY_NEEDLING_NOTEBOOKS", str(books))
    with pytest.raises(report.NotebookFailed, match=r"00_broken.ipynb: cell 2 failed: ZeroDivisionError"):
        report.build(out_dir=out, pdf=False, log=lambda *_: None)
    assert (out / "index.html").read_text() == "previous report"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".report-")], "no half-written report"


# --- the real browser ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    executable = chromium_or_skip("the browser test")
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


# --- accessibility: axe-core on every page ---------------------------------------------------------

#: axe-core from the npm registry, fetched at test time into build/cache (never committed): the version and the
#: registry's integrity hash of its tarball (``npm view axe-core@4.14.1 dist.integrity``), checked before use.
AXE_CORE_VERSION = "4.14.1"
AXE_CORE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
#: WCAG 2.2 level A and AA, as axe tags them.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_core() -> str:
    """axe.min.js of AXE_CORE_VERSION: from build/cache, or packed from the npm registry with ``npm pack`` (the
    tarball's SHA-512 must equal AXE_CORE_INTEGRITY) and written there atomically."""
    cached = paths.build_dir() / "cache" / f"axe-core-{AXE_CORE_VERSION}.min.js"
    if cached.is_file():
        return cached.read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        message = "npm is not installed: apt-get install nodejs npm (the accessibility test fetches axe-core with it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", f"axe-core@{AXE_CORE_VERSION}", "--pack-destination", tmp, "--silent"],
                              cwd=tmp, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"npm pack axe-core@{AXE_CORE_VERSION} failed: {done.stderr[-500:]}"
        tarball = Path(tmp) / f"axe-core-{AXE_CORE_VERSION}.tgz"
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        assert digest == AXE_CORE_INTEGRITY, f"axe-core {AXE_CORE_VERSION} from the registry has another hash: {digest}"
        with tarfile.open(tarball) as tar:
            source = tar.extractfile("package/axe.min.js").read().decode("utf-8")
    assert f"axe v{AXE_CORE_VERSION}" in source[:200]
    from dry_needling.files import atomic_write

    atomic_write(cached, source)
    return source


@pytest.fixture(scope="module")
def axe_source() -> str:
    return _axe_core()


def _axe(page) -> list[dict]:
    """axe's WCAG 2.2 A/AA violations on the page as it is now (axe was injected by the context's init script)."""
    return page.evaluate("""(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n =>
        ({target: n.target.join(' '), summary: n.failureSummary.split('\\n').slice(0, 2).join(' ')}))})))""",
                         AXE_TAGS)


def _axe_context(browser, axe_source: str, width: int, scheme: str):
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_init_script(axe_source)  # runs before the page's own scripts; the page's CSP does not apply to it
    return context


def test_axe_catches_what_it_should(browser, axe_source):
    """The harness itself: a page with faint text, an image without alt text and a scroll box out of the keyboard's
    reach has exactly those violations."""
    context = _axe_context(browser, axe_source, 1280, "light")
    page = context.new_page()
    page.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
                     '<p style="color:#b0b0b0">faint</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '<pre style="width:100px;overflow:auto">' + "x" * 400 + "</pre></main></body></html>")
    found = {v["id"] for v in _axe(page)}
    context.close()
    assert found == {"color-contrast", "image-alt", "scrollable-region-focusable"}, found


def test_axe_finds_no_wcag_22_aa_violation_on_any_page(built, browser, axe_source):
    """Every page, light and dark, at 1,280 and 390 px: zero WCAG 2.2 A/AA violations (axe-core). The four views
    of a page are checked at once, each in its own context (Chromium runs them in parallel renderers)."""
    views = [(width, scheme) for width in (1280, 390) for scheme in ("light", "dark")]
    tabs = []
    for width, scheme in views:
        context = _axe_context(browser, axe_source, width, scheme)
        tabs.append((width, scheme, context, context.new_page()))
    problems, checked = [], 0
    for page_path in _pages(built):
        for _, _, _, page in tabs:
            page.goto(page_path.resolve().as_uri(), wait_until="load")
        for _, _, _, page in tabs:
            if page.query_selector("#unblinding-explorer"):
                page.wait_for_selector("#unblinding-explorer[data-ready='true']", timeout=10_000)
            page.evaluate(_AXE_START, AXE_TAGS)
        for width, scheme, _, page in tabs:
            page.wait_for_function("() => window.__axeDone", timeout=120_000, polling=100)
            for violation in page.evaluate("() => window.__axeDone"):
                nodes = violation["nodes"]
                problems.append(f"{page_path.relative_to(built).as_posix()} at {width} px, {scheme}: "
                                f"{violation['id']} on {len(nodes)} element(s), e.g. {nodes[0]['target']}: "
                                f"{nodes[0]['summary']}")
            checked += 1
    for *_, context, _ in tabs:
        context.close()
    assert checked == 4 * len(_pages(built))
    assert not problems, f"{len(problems)} axe violation(s):\n" + "\n".join(problems)


#: Starts axe in the page without waiting; the result lands in window.__axeDone (a list of violations).
_AXE_START = """(tags) => { window.__axeDone = null; axe.run(document, {runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations']}).then(r => { window.__axeDone = r.violations.map(v => ({id: v.id, nodes:
    v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary.split('\\n').slice(0, 2).join(' ')}))}));
    }); }"""


def _open(browser, path: Path, width: int = 1280, scheme: str = "light", fragment: str = ""):
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri() + fragment, wait_until="load")
    return context, page, errors


def test_search_sections_skip_code_without_parsing_it(built):
    """The search index leaves code cells' input out; ``site.sections`` cuts their highlighted code before parsing
    (to save time), and must find exactly the sections a parse of the whole page finds."""
    from dry_needling.report import site

    cut = 0
    for path in _pages(built):
        page = path.read_text(encoding="utf-8")
        whole = site._Sections("T")
        whole.feed(page)
        expected = [(a, h or "T", t) for a, h, w in whole.sections if (t := " ".join("".join(w).split())) or a]
        assert site.sections(page, "T") == expected, path.name
        cut += len(site._EDITOR_CODE.findall(page))
    assert cut > 100   # the notebooks' code cells were cut, not left for the parser
    # a Markdown code block is prose: it stays in the index; a code input holding another tag is parsed whole
    page = ('<main><h2 id="a">A</h2><div class="highlight"><pre><span class="n">kept</span></pre></div>'
            '<div class="jp-InputArea-editor"><div class="cm-editor"><div class="highlight"><pre><span>gone</span>'
            '</pre></div></div></div><div class="jp-InputArea-editor"><div class="cm-editor"><div class="highlight">'
            '<pre><b>also gone</b></pre></div></div></div>\n<p>after</p></main>')
    assert site.sections(page, "T") == [("a", "A", "kept after")]


def test_search_from_file_lists_the_sections_that_contain_a_term(built, browser):
    context, page, errors = _open(browser, built / "index.html")
    page.fill("#search-input", "Bang")
    page.wait_for_selector("#search-results:not([hidden]) a.search-hit")
    hits = page.eval_on_selector_all("#search-results a.search-hit", "els => els.map(e => e.getAttribute('href'))")
    assert any(h.startswith("03_why_blinding_is_hard.html#") for h in hits), hits
    assert any(h.startswith("04_blinding_in_real_trials.html#") for h in hits), hits
    target = next(h for h in hits if h.startswith("04_"))
    assert page.evaluate("(id) => !!document.getElementById(id)", target.split("#")[1]) is False  # another page
    page.click(f'#search-results a.search-hit[href="{target}"]')
    page.wait_for_load_state("load")
    anchor = target.split("#", 1)[1]
    assert page.url.endswith(target) and page.evaluate("(id) => !!document.getElementById(id)", anchor)
    page.fill("#search-input", "zzqxnotaword")
    assert "Nothing found" in page.inner_text("#search-results")
    assert not errors, errors
    context.close()
    # the data folder's page searches with links that climb back up
    context, page, errors = _open(browser, built / "data" / "index.html")
    page.fill("#search-input", "Bang")
    page.wait_for_selector("#search-results a.search-hit")
    assert page.eval_on_selector("#search-results a.search-hit", "e => e.getAttribute('href')").startswith("../")
    context.close()


def test_dark_mode_follows_the_reader_and_the_toggle(built, browser):
    page_path = built / "03_why_blinding_is_hard.html"
    background = "() => getComputedStyle(document.body).backgroundColor"
    context, page, _ = _open(browser, page_path, scheme="dark")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    dark = page.evaluate(background)
    assert dark != "rgb(255, 255, 255)"
    figure = page.eval_on_selector("img.report-figure", "e => getComputedStyle(e).backgroundColor")
    assert figure == "rgb(255, 255, 255)"  # figures are framed, never inverted
    page.click(".theme-toggle")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    context.close()
    context, page, _ = _open(browser, page_path, scheme="light")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(built, browser):
    problems = []
    for page_path in _pages(built):
        for scheme in ("light", "dark"):
            context, page, _ = _open(browser, page_path, width=390, scheme=scheme)
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            if wide > 390:
                problems.append(f"{page_path.name} ({scheme}): {wide} px wide at 390 px")
            context.close()
    assert not problems, "\n".join(problems)


def test_the_phone_menu_opens_the_sidebar(built, browser):
    context, page, _ = _open(browser, built / "02_who_may_needle.html", width=390)
    assert not page.is_visible("#site-sidebar")
    page.click(".menu-toggle")
    assert page.is_visible("#site-sidebar a[href='05_what_the_evidence_says.html']")
    context.close()


@pytest.mark.slow  # vl-convert bundles for about 1.3 s, twice
def test_the_vega_bundle_is_vl_converts_own_whether_installed_or_made(tmp_path, monkeypatch):
    """`make` writes the bundle into the environment once; a build reads it, or makes it where it is missing
    (a wheel installed without `make`): either way the page gets exactly what vl-convert bundles."""
    from dry_needling.report import explorer

    made = explorer.make_bundle()
    assert made.startswith("/* Vega ") and "vegaEmbed" in made and len(made) > 500_000
    installed = explorer.installed_bundle()
    assert installed.is_file(), f"make's set-up step did not write {installed}"
    assert installed.read_text(encoding="utf-8") == made
    assert explorer.bundle_js() == made
    monkeypatch.setattr(explorer, "installed_bundle", lambda: tmp_path / "missing" / installed.name)
    assert explorer.bundle_js() == made
    monkeypatch.setattr(explorer, "installed_bundle", lambda: tmp_path / "share" / installed.name)
    assert explorer.install_bundle() == tmp_path / "share" / installed.name
    assert (tmp_path / "share" / installed.name).read_text(encoding="utf-8") == made
    assert [p.name for p in (tmp_path / "share").iterdir()] == [installed.name], "no temporary file left behind"


def test_the_unblinding_explorer_matches_python_without_a_kernel(built, browser):
    from dry_needling.explorer import sliders
    from dry_needling.simulate import expected_observed_effect

    context, page, errors = _open(browser, built / "03_why_blinding_is_hard.html")
    page.wait_for_selector("#unblinding-explorer[data-ready='true']", timeout=10_000)
    move = """async ([name, value]) => {
        const input = document.querySelector(`#explorer-controls input[type=range][name=${name}]`);
        input.value = String(value);
        const started = performance.now();
        input.dispatchEvent(new Event('input', {bubbles: true}));
        await window.dnExplorer.runAsync();
        const ms = performance.now() - started;
        const out = document.getElementById('explorer-bias');
        const label = Array.from(document.querySelectorAll('#explorer-chart text')).map(t => t.textContent)
            .find(t => t.startsWith('bias '));
        return {ms, value: Number(out.dataset.value), text: out.textContent, label};
    }"""
    state = {s.name: s.value for s in sliders()}  # the starting values, from data/
    for name, value in [("bang_active", 0.8), ("bang_sham", -0.32), ("expectation_effect", 2.0), ("bang_active", 0.47),
                        ("expectation_effect", 0.3), ("bang_sham", 1.0), ("bang_active", -1.0)]:
        state[name] = value
        shown = page.evaluate(move, [name, value])
        expected = expected_observed_effect(0.0, **state)
        assert shown["value"] == pytest.approx(expected, abs=1e-12), (state, shown)
        assert shown["text"].replace("\u2212", "-") == f"{expected:+.3f}", (state, shown)
        assert shown["label"] == f"bias {expected:+.3f}", (state, shown)
        assert shown["ms"] < 100, f"redraw took {shown['ms']:.0f} ms"
    assert not errors, errors
    context.close()


def test_screenshots_at_desktop_and_phone_widths_light_and_dark(built, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, fragment in [("index.html", ""), ("03_why_blinding_is_hard.html", "#unblinding-explorer"),
                           ("05_what_the_evidence_says.html", "")]:
        for width in (1280, 390):
            for scheme in ("light", "dark"):
                context, page, errors = _open(browser, built / name, width, scheme, fragment)
                page.wait_for_timeout(300)
                page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}-{width}-{scheme}.png"))
                assert not errors, (name, errors)
                context.close()


def test_the_print_page_opens_solutions_lists_contents_and_drops_code_from_the_handout(built):
    pages = [report.Page(nb, nb.with_suffix(".html").name, nb.stem, "", 1, "", 0.0) for nb in notebooks.collection()]
    full = report.print_page(built, pages)
    handout = report.print_page(built, pages, handout=True)
    assert "<title>Dry needling for back pain: evidence notebooks</title>" in full
    assert "<details>" not in full and "<details open" in full  # worked solutions reach paper
    assert full.count('class="print-contents"') == 1 and full.count("break-before: page") == len(pages)
    assert 'class="jp-Notebook handout"' in handout and "handout" not in full.split("<body", 1)[1][:40]
    ids = re.findall(r'\sid="([^"]+)"', full)
    assert len(ids) == len(set(ids)), "ids must stay unique across notebooks"
    for href in re.findall(r'href="#([^"]+)"', full):
        assert html.unescape(href) in ids, href



def test_every_page_says_what_it_was_built_from_and_when_the_data_are_due(built):
    for page in [built / "index.html", built / "sources.html", *sorted(built.glob("[0-9][0-9]_*.html"))]:
        text = page.read_text(encoding="utf-8")
        footer = re.search(r'<footer class="provenance">(.*?)</footer>', text, re.S)
        assert footer, page.name
        assert re.search(r"Built from (commit <code>[0-9a-f]{7,}</code> of \d{4}-\d{2}-\d{2}|a copy outside git)",
                          footer.group(1)), footer.group(1)
        assert re.search(r"Data as of \d{4}-\d{2}-\d{2}; next review due \d{4}-\d{2}-\d{2}", footer.group(1))


def test_an_overdue_review_shows_a_banner():
    import datetime as _dt

    from dry_needling.report import site as _site

    assert "stale-banner" not in _site.provenance(_dt.date(2026, 11, 29))
    banner = _site.provenance(_dt.date(2030, 1, 1))
    assert "stale-banner" in banner and "Review overdue" in banner


def test_the_index_shows_the_claims_ledger_with_working_links(built):
    from dry_needling import data as _data

    index = (built / "index.html").read_text(encoding="utf-8")
    assert 'id="claims"' in index
    links = re.findall(r'<td><a href="([0-9]{2}_[a-z_]+\.html)#([^"]+)">', index)
    assert len(links) == len(_data.load("claims"))
    for page, anchor in links:
        target = (built / page).read_text(encoding="utf-8")
        assert f'id="{html.unescape(anchor)}"' in target or f'id="{anchor}"' in target, (page, anchor)


def test_the_summary_of_findings_page_opens_each_certainty_to_its_domains(built, browser):
    """The SoF page: one card per SoF row, each certainty a <details> with the five domains and their reasons;
    linked from every page; readable at phone width; opens without a script (the site allows none inline)."""
    from dry_needling import evidence
    from dry_needling.report import findings

    page = built / findings.PAGE
    text = page.read_text(encoding="utf-8")
    sof = evidence.summary_of_findings()
    assert text.count('<details class="sof-certainty">') == len(sof)
    for name in ("Risk of bias", "Inconsistency", "Indirectness", "Imprecision", "Publication bias"):
        assert text.count(f"<strong>{name}:") == len(sof), name
    assert f'href="{findings.PAGE}"' in (built / "index.html").read_text(encoding="utf-8")
    assert f'href="{findings.PAGE}"' in (built / "05_what_the_evidence_says.html").read_text(encoding="utf-8")
    context, tab, errors = _open(browser, page, width=390)
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
    first = tab.locator("details.sof-certainty").first
    assert not first.locator("li").first.is_visible()
    first.locator("summary").click()
    assert first.locator("li").first.is_visible() and "Risk of bias" in first.inner_text()
    anchor = tab.locator("ul.sof-verdicts a").first.get_attribute("href")
    assert tab.locator(anchor).count() == 1  # each verdict links to the row it rests on
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "summary-of-findings-390.png"), full_page=False)


# --- issue 24: figures with their data, one solution toggle, the method page, search, keyboard --------------

def test_every_figure_has_its_plotted_data_as_a_table(built):
    import csv

    from dry_needling.charts import read_index

    names = list(read_index()["name"])
    found = {}
    for page in sorted(built.glob("[0-9][0-9]_*.html")):
        text = page.read_text(encoding="utf-8")
        for name, table in re.findall(r'<a href="figures/([^"]+)\.csv">its plotted data \(CSV\)</a></p>\s*'
                                      r'(<details class="figure-data">.*?</details>)', text, re.DOTALL):
            found[name] = table
    assert sorted(found) == sorted(names), "every figure shown has its data table under it"
    for name, table in found.items():
        with (paths.figures_dir() / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
                 for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)]
        shown = rows[1:report.render.TABLE_ROWS + 1]
        assert [[html.unescape(c) for c in row] for row in cells] == [
            [h.replace("_", " ") for h in rows[0]], *shown], name
        assert f"({len(rows) - 1} row" in table
        assert "<script" not in table


def test_a_figure_table_escapes_what_the_csv_holds(tmp_path):
    (tmp_path / "evil.csv").write_text('label,value\n"<script>alert(1)</script>",5\n<b>x</b>,-0.42\n',
                                       encoding="utf-8")
    table = report.render.figure_table("evil", tmp_path)
    assert "<script" not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table and "<b>" not in table
    assert '<td class="num">-0.42</td>' in table and "(2 rows)" in table
    assert report.render.figure_table("missing", tmp_path) == ""


def test_each_exercise_has_one_solution_toggle(built):
    import nbformat

    for nb_path in notebooks.collection():
        nb = nbformat.read(nb_path, as_version=4)
        exercises = sum("exercise" in c.metadata.get("tags", []) for c in nb.cells)
        text = (built / nb_path.with_suffix(".html").name).read_text(encoding="utf-8")
        assert text.count("<summary>Solution</summary>") == exercises, nb_path.name
        assert "<details><summary>Solution</summary>" not in text, "the Markdown's own toggle is taken off"
        assert "Solution: the code and its output" not in text


def test_the_method_page_says_who_made_it_and_how(built):
    from dry_needling import staleness

    text = (built / "how-this-was-made.html").read_text(encoding="utf-8")
    main = text.split("<main", 1)[1]
    for anchor in ("who", "funding", "method", "searching", "extraction", "appraisal", "review", "errors", "jama",
                   "discern"):
        assert f'id="{anchor}"' in main, anchor
    assert "Funding:</strong> none" in main and "Conflicts of interest:</strong> none declared" in main
    assert "Dry needling evidence notebooks contributors" in main  # the authors, from CITATION.cff
    assert "not</em> a systematic review" in main and "GRADE" in main
    sources = data.load("sources")
    assert f"The {len(sources)} sources were last read between {sources['accessed'].min():%Y-%m-%d} and " \
           f"{sources['accessed'].max():%Y-%m-%d}" in " ".join(main.split())
    assert f"falls due on {staleness.next_review():%Y-%m-%d}" in " ".join(main.split())
    jama = main.split('id="jama"', 1)[1].split('id="discern"', 1)[0]
    discern = main.split('id="discern"', 1)[1]
    assert jama.count('<th scope="row">') == 4 and discern.count('<th scope="row">') == 16
    # every link on the page lands on a page and an anchor that exist
    for href in re.findall(r'href="([^"#]*)(?:#([^"]*))?"', main):
        target, anchor = href
        page = built / (target or "how-this-was-made.html")
        if target.startswith(("http", "mailto")):
            continue
        assert page.exists(), target
        if anchor and page.suffix == ".html":
            assert f'id="{anchor}"' in page.read_text(encoding="utf-8"), href
    assert "how-this-was-made.html" in (built / "index.html").read_text(encoding="utf-8").split("<main", 1)[1]


def test_the_search_index_holds_prose_not_code(built):
    index = (built / "assets" / "search-index.js").read_text(encoding="utf-8")
    for code in ("charts.save_figure(", "import pandas", "from dry_needling import", "git-pull?repo="):
        assert code not in index, code
    assert "Bang" in index


def test_search_matches_whole_numbers(built, browser):
    """"54" finds the 54 hours of training, not 554 or 0.54; the count equals the sections that hold 54 as a
    whole number (counted here from the index with Python)."""
    raw = (built / "assets" / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("{"):raw.rindex("}") + 1])
    texts = [(s[2] + "\n" + s[3]).lower() for s in index["sections"]]
    whole = [t for t in texts if re.search(r"(?<![0-9])(?<![0-9][.,])54(?![0-9]|[.,][0-9])", t)]
    anywhere = [t for t in texts if "54" in t]
    assert whole and len(anywhere) > len(whole), "the check needs sections with 54 inside a longer number"
    context, page, errors = _open(browser, built / "index.html")
    page.fill("#search-input", "54")
    page.wait_for_selector("#search-results:not([hidden]) a.search-hit")
    assert len(page.query_selector_all("#search-results a.search-hit")) == len(whole)
    for snippet in page.eval_on_selector_all("#search-results .search-snippet", "els => els.map(e => e.textContent)"):
        assert re.search(r"(?<![0-9.,])54(?![0-9])", snippet), snippet
    assert not errors, errors
    context.close()


def test_the_summary_of_findings_page_escapes_the_data(tmp_path):
    from dry_needling.report import findings

    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    path = folder / "summary_of_findings.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Not peer reviewed.", "<script>window.__pwned=1</script>", 1), encoding="utf-8")
    page = findings.findings_page({}, data_dir=folder)
    assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned" in page


def test_every_summary_of_findings_card_has_its_own_title():
    """Cards of one review that differ only by their control (Vickers 2018's six shams and controls) must not read
    alike: the title names the comparator."""
    from dry_needling.report import findings

    page = findings.findings_page({})
    titles = re.findall(r'<article class="sof-row" id="[^"]+"><h3[^>]*>(.*?)</h3>', page)
    assert len(titles) == page.count('<article class="sof-row"') > 0
    assert len(set(titles)) == len(titles), sorted(t for t in titles if titles.count(t) > 1)
    assert any("versus non-penetrating needle sham," in t for t in titles)


def test_escape_closes_the_phone_menu(built, browser):
    context, page, _ = _open(browser, built / "02_who_may_needle.html", width=390)
    page.click(".menu-toggle")
    assert page.is_visible("#site-sidebar") and page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not page.is_visible("#site-sidebar") and page.get_attribute(".menu-toggle", "aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")
    context.close()


def test_the_explorer_works_from_the_keyboard_alone(built, browser):
    """Tab reaches the first slider; arrow keys move it; the readout (aria-live) follows."""
    from dry_needling.explorer import sliders
    from dry_needling.simulate import expected_observed_effect

    context, page, errors = _open(browser, built / "03_why_blinding_is_hard.html")
    page.wait_for_selector("#unblinding-explorer[data-ready='true']", timeout=10_000)
    assert page.get_attribute("#explorer-bias", "aria-live") == "polite"
    # start from the readout, just before the sliders (made focusable by script only as a starting point)
    page.evaluate("() => { const out = document.getElementById('explorer-bias'); out.tabIndex = -1; out.focus(); }")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type === 'range'"):
            break
    name = page.evaluate("() => document.activeElement.name")
    assert name == "bang_active", f"Tab did not reach the first slider (focus on {name!r})"
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.evaluate("() => window.dnExplorer.runAsync()")
    start = {s.name: s for s in sliders()}
    moved = round(start["bang_active"].value + 5 * start["bang_active"].step, 2)
    expected = expected_observed_effect(0.0, start["expectation_effect"].value, moved, start["bang_sham"].value)
    shown = page.text_content("#explorer-bias").replace("\u2212", "-")
    assert shown == f"{expected:+.3f}", (shown, expected)
    assert not errors, errors
    context.close()


def test_prompts_and_figure_labels_are_legible(built, browser):
    """Two-digit prompts are not cut off; forest plots' labels are at least 12 CSS px at 1,280 px (the chart's
    FONT at the saved dpi, scaled as the browser shows the image)."""
    from dry_needling.charts import forest, style

    context, page, _ = _open(browser, built / "05_what_the_evidence_says.html", width=1280)
    clipped = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-InputPrompt, .jp-OutputPrompt'))
        .filter(p => p.textContent.trim() && p.scrollWidth > p.clientWidth + 1).map(p => p.textContent)""")
    assert not clipped, clipped
    assert page.evaluate("() => Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => "
                         "/In\\s\\[\\d\\d\\]/.test(p.textContent))"), "the check needs a two-digit prompt"
    scales = page.evaluate("""() => Array.from(document.querySelectorAll('img.report-figure'))
        .filter(i => /forest plot/i.test(i.alt)).map(i => i.clientWidth / i.naturalWidth)""")
    assert scales, "no forest plot found"
    dpi = style.HOUSE_RC["savefig.dpi"]
    for scale in scales:
        assert forest.FONT / 72 * dpi * scale >= 12, f"labels {forest.FONT / 72 * dpi * scale:.1f} CSS px"
    context.close()


def test_code_lines_keep_their_indentation_and_markup():
    from dry_needling.report import render

    code = ('<div class="highlight hl-ipython3"><pre><span></span><span class="k">def</span> f():\n'
            '    <span class="s2">"""two\n        lines"""</span>\n    return 1\n</pre></div>')
    out = render._code_lines(code)
    lines = re.findall(r'<span class="code-line ci-(\d+)">(.*?)\n</span>(?=<span class="code-line|</pre>)', out,
                       re.DOTALL)
    assert [int(n) for n, _ in lines] == [0, 4, 8, 4]
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == html.unescape(re.sub(r"<[^>]+>", "", code))  # same text
    assert out.count("<span") == out.count("</span>")  # the string's span is closed and reopened per line
    assert '<span class="code-line ci-8"><span class="s2">        lines"""</span>' in out


def test_wide_outputs_and_table_heads_are_marked_for_print():
    from dry_needling.report import render

    head = "".join(f"<th>col_{k}</th>" for k in range(9))
    page = (f'<table border="1" class="dataframe"><thead><tr>{head}</tr></thead></table>'
            '<table class="dataframe"><thead><tr><th>a</th></tr></thead></table>'
            '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain"><pre>' + "x" * 120
            + '</pre></div><div class="jp-RenderedText jp-OutputArea-output"><pre>short</pre></div>')
    out = render._mark_wide_outputs(render._table_headers(page))
    assert out.count('class="wide-table dataframe"') == 1 and out.count("wide-text") == 1
    assert "<th>col_<wbr>0</th>" in out
