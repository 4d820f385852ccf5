"""The build as a pipeline: what changed is executed, every page is rendered as soon as its notebook is ready (in
worker processes, one per core), the PDFs print in one Chromium while the rest of the site is made, and the new
report is swapped into place only when everything succeeded.

:func:`build` runs these steps, each a function of what it is given (nothing is passed through module globals):

1. :func:`plan`: the notebooks, which of them must run and why, and their pages (titles, summaries, reading times);
2. :class:`Renderer` receives each page's notebook as soon as it is known: at once for notebooks whose stored outputs
   are reused, and as each executing notebook finishes (:class:`~.execution.Execution`'s ``on_done``);
3. meanwhile the build's own process makes the footer (:func:`~.site.provenance`), the pages made from data, and the
   explorer's assets (its script bundle in a thread, its chart in a worker);
4. when every notebook has run: figures and stored outputs are published, the notebook pages written, the front
   page made, and the PDFs start printing (:class:`~.pdf.Printer`);
5. while they print: the data, figures and notebooks are published and the search index made;
6. the build page, the cache file, and the swap.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import notebooks, paths
from ..files import atomic_write
from . import explorer, findings, publish, site
from .cache import cache_entry, why_execute
from .common import CACHE_FILE, Log, builder_code, fingerprint
from .pages import (
    CSS,
    METHOD_HREF,
    build_page,
    data_page,
    figure_index,
    guide_page,
    index_page,
    method_page,
    sources_page,
)
from .pdf import PDFS, Printer, pdf_key
from .render import FOOTER_MARK, Page, PageJob, RenderedPage, fill_footer, page_key, summary_of, title_of, uses_explorer

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..explorer import Slider
    from .workers import Workers


@dataclass
class Plan:
    """What a build does: the notebooks in reading order, those to execute (with why), and their pages."""

    books: list[Path]
    todo: list[Path]
    reasons: dict[str, str | None]
    pages: list[Page]
    navigation: tuple[site.Link, ...]


def plan(books: list[Path], manifest: dict[str, Any], execute: bool, force: bool) -> Plan:
    """Which notebooks run (all when ``force``; none when not ``execute``; else those whose inputs changed) and the
    page of each (its title, summary and reading time come from its Markdown, which execution does not change)."""
    reasons = {p.name: ("forced" if force else why_execute(p, manifest)) for p in books} if execute else {}
    todo = [p for p in books if reasons.get(p.name)]
    pages = []
    for p in books:
        nb = notebooks.read_json(p)
        summary, minutes = summary_of(nb)
        status = ("reused" if execute else "rendered only")
        pages.append(Page(p, p.with_suffix(".html").name, title_of(nb, p.stem), summary, minutes, status, 0.0))
    return Plan(books, todo, reasons, pages, tuple(site.Link(pg.href, pg.title) for pg in pages))


@dataclass
class _Pending:
    """One notebook page on its way: how it is rendered, what its cache key is made of, and its render."""

    job: PageJob
    key_parts: tuple[Any, ...]
    figures_dir: Path
    future: Future[RenderedPage] | None = None


@dataclass
class Renderer:
    """Notebook pages as their notebooks become ready: each goes to a worker at once, unless the previous report
    may already hold it (then the page waits for the footer, which its cache key includes, and is copied when the
    key matches)."""

    workers: Workers
    navigation: tuple[site.Link, ...]
    citations: dict[str, str]
    repository: str | None
    previous: Path
    page_keys: dict[str, str]
    sliders: tuple[Slider, ...] | None = None  #: the explorer's, read from data/ once per build
    pending: dict[str, _Pending] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def notebook_ready(self, k: int, page: Page, text: str, alt_index: dict[str, str], figures_dir: Path) -> None:
        """The ``k``-th notebook page can be made: ``text`` is its notebook as stored, ``alt_index`` the figure
        index's alt texts and ``figures_dir`` where its figures' data are (called from any thread)."""
        nb = notebooks.normalise(notebooks.parse_json(text, page.path))
        with_explorer = uses_explorer(nb)
        may_reuse = bool(self.page_keys.get(page.href)) and (self.previous / page.href).exists()
        # The in-page explorer's HTML is made only for a page that will be rendered (it imports Altair and NumPy);
        # the page's key holds what it is made from instead: the sliders and the bias formula's code.
        explorer_html = explorer.placeholder(self.sliders) if with_explorer and not may_reuse else ""
        explorer_inputs = explorer.placeholder_key(self.sliders) if with_explorer else ""
        own = {name: alt_index[name] for name in notebooks.figures_saved_by(nb) if name in alt_index}
        chrome = {"head_html": site.head(scripts=("vega-bundle.js", "explorer-spec.js", "explorer.js")
                                         if with_explorer else (), notebook=True),
                  "chrome_top": site.chrome_top(page.href, site=site.Site(self.navigation)),
                  "nav_html": site.prev_next(k, self.navigation),
                  "chrome_bottom": site.chrome_bottom(site.Site(self.navigation, FOOTER_MARK)),
                  "tools_html": site.notebook_tools(page.path.name, notebooks.figures_saved_by(nb), self.repository)}
        job = PageJob(page.href, page.title, text, chrome, own, figures_dir, self.citations, explorer_html)
        pending = _Pending(job, (nb, chrome, own, self.citations, explorer_inputs), figures_dir)
        if not may_reuse:
            pending.future = self.workers.render(job)
        with self.lock:
            self.pending[page.href] = pending

    def finish(self, pages: list[Page], footer: str, staging: Path) -> int:
        """Write every notebook page into ``staging`` with ``footer``: copied from the previous report when its key
        is unchanged, else rendered. Returns how many were rendered; the new keys go into ``page_keys``."""
        rendered = 0
        for page in pages:
            pending = self.pending[page.href]
            nb, chrome, own, cites, explorer_inputs = pending.key_parts
            chrome = {**chrome, "chrome_bottom": site.chrome_bottom(site.Site(self.navigation, footer))}
            key = page_key(nb, chrome, own, cites, explorer_inputs, figures_dir=pending.figures_dir)
            target = staging / page.href
            if self.page_keys.get(page.href) == key and (self.previous / page.href).exists():
                if pending.future is not None:
                    pending.future.cancel()
                shutil.copy2(self.previous / page.href, target)  # same notebook, same page: no need to render
                continue
            if pending.future is None:
                if explorer_inputs:  # its explorer was left out while the page might be copied
                    pending.job = replace(pending.job, explorer_html=explorer.placeholder(self.sliders))
                pending.future = self.workers.render(pending.job)
            result = pending.future.result()
            target.write_text(fill_footer(result.html, footer, cites), encoding="utf-8")
            self.page_keys[page.href] = key
            rendered += 1
        return rendered

    def sections(self, href: str) -> list[tuple[str, str, str]] | None:
        """The search-index sections of a page rendered in this build (None for a copied page)."""
        future = self.pending[href].future
        if future is None or future.cancelled() or not future.done():
            return None
        return future.result().sections


# --- the explorer's assets ----------------------------------------------------------------------------------

MADE_ASSETS = ("jupyter-dark.css", "vega-bundle.js", "explorer-spec.js")


@dataclass
class Assets:
    """The site's scripts and the explorer's bundle and chart: reused from the previous report while the installed
    packages and the builder are unchanged, otherwise made: the Vega bundle is read from the environment (``make``
    made it once, :func:`~.explorer.install_bundle`) or, where it is missing, made in a process of its own beside
    the page workers (vl-convert holds the GIL while it bundles); the chart is made in this process while the
    workers render (:meth:`make_chart`: Altair is imported here for the key already)."""

    key: str
    reuse: bool
    sliders: tuple[Slider, ...] | None = None
    made: dict[str, Future[str]] = field(default_factory=dict)

    @classmethod
    def start(cls, previous: Path, manifest: dict[str, Any], stack: ExitStack,
              sliders: tuple[Slider, ...] | None = None) -> Assets:
        """Reuse the previous report's assets, or start making them."""
        key = fingerprint(explorer.key(sliders), version("nbconvert"), *builder_code())
        if manifest.get("_assets") == key and all((previous / name).is_file() for name in MADE_ASSETS):
            return cls(key, True)
        assets = cls(key, False, sliders)
        if not explorer.installed_bundle().is_file():
            from .workers import Workers

            makers = stack.enter_context(Workers(1, renderer=False))
            assets.made["vega-bundle.js"] = makers.call(explorer.bundle_js)
            makers.stop()
        return assets

    def make_chart(self) -> None:
        """The explorer's chart (Vega-Lite, by Altair), unless the previous report's is reused."""
        if not self.reuse and "explorer-spec.js" not in self.made:
            chart: Future[str] = Future()
            chart.set_result(explorer.spec_js(self.sliders))
            self.made["explorer-spec.js"] = chart

    def write(self, target: Path, previous: Path, manifest: dict[str, Any], log: Log) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("theme.js", "site.js", "explorer.js"):
            shutil.copy2(site.ASSETS / name, target / name)
        if self.reuse:
            for name in MADE_ASSETS:
                shutil.copy2(previous / name, target / name)
        else:
            started = time.perf_counter()
            self.make_chart()
            (target / "jupyter-dark.css").write_text(site.jupyter_dark_css(), encoding="utf-8")
            bundle = self.made["vega-bundle.js"].result() if "vega-bundle.js" in self.made else explorer.bundle_js()
            (target / "vega-bundle.js").write_text(bundle, encoding="utf-8")
            (target / "explorer-spec.js").write_text(self.made["explorer-spec.js"].result(), encoding="utf-8")
            manifest["_assets"] = self.key
            log(f"  made the explorer's chart and script bundle (waited {time.perf_counter() - started:.1f} s)")
        for path in target.iterdir():
            os.chmod(path, 0o644)


# --- the search index ---------------------------------------------------------------------------------------

def search_entries(pages: list[Page]) -> list[tuple[str, str]]:
    """(href, title) of every page the search index covers, in its order."""
    return [(pg.href, pg.title) for pg in pages] + [
        ("index.html", "Contents and figures"), ("sources.html", "Sources"), ("teaching-guide.html", "Teaching guide"),
        ("data/index.html", "Data tables"), (METHOD_HREF, "How this was made")]


def write_search_index(staging: Path, previous: Path, manifest: dict[str, Any], pages: list[Page],
                       known: dict[str, list[tuple[str, str, str]]]) -> None:
    """assets/search-index.js from every HTML page of the report (reused while no page changed); ``known`` holds
    the sections of pages already read (the notebook pages, read by their workers)."""
    files = search_entries(pages)
    texts = {href: (staging / href).read_bytes() for href, _ in files}
    key = fingerprint(*texts.values(), files, *builder_code())
    target, old = staging / "assets" / "search-index.js", previous / "assets" / "search-index.js"
    if manifest.get("_search") == key and old.is_file():
        shutil.copy2(old, target)
    else:
        sections = {href: known.get(href) or site.sections(texts[href].decode("utf-8"), title)
                    for href, title in files}
        target.write_text(site.search_index_of([(href, title, sections[href]) for href, title in files]),
                          encoding="utf-8")
        manifest["_search"] = key
    os.chmod(target, 0o644)


# --- the build ------------------------------------------------------------------------------------------------

def _alt_texts(figures_dir: Path) -> dict[str, str]:
    return {row["name"]: row["alt"] for row in figure_index(figures_dir)}


def build(execute_notebooks: bool = True, out_dir: Path | None = None, force: bool = False, pdf: bool = True,
          log: Log = print) -> Path:
    """Execute what changed, render everything, and swap the new report into place."""
    try:
        return _build(execute_notebooks, out_dir or paths.report_dir(), force, pdf, log)
    except notebooks.NotebookUnreadable as exc:
        from .common import BuildFailed

        raise BuildFailed(str(exc)) from None


def _build(execute: bool, out_dir: Path, force: bool, pdf: bool, log: Log) -> Path:
    from .execution import Execution
    from .workers import Workers

    started = time.perf_counter()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    publish.clean_stale(out_dir, log)
    cache_dir = out_dir.parent / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = cache_dir / CACHE_FILE
    manifest = publish.load_manifest(manifest_path, log)
    figures_dir, data_dir = paths.figures_dir(), paths.data_dir()

    books = notebooks.collection()
    for skipped in notebooks.skipped():
        log(f"  warning: {skipped.name} is not in the report: its name does not match NN_title.ipynb "
            "(two digits, an underscore, a title)")
    steps = plan(books, manifest, execute, force)
    prefix = f"{os.getpid()}-"
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".report-" + prefix))
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a report is for reading by anyone
    execution: Execution | None = None
    try:
        page_keys = manifest.setdefault("_pages", {})
        # Pages to render, or a PDF to print (most likely): start the workers and Chromium now, so that they are
        # ready when the first page is (a rebuild with nothing changed needs neither).
        eager = bool(steps.todo) or not all(page_keys.get(pg.href) and (out_dir / pg.href).exists()
                                            for pg in steps.pages)
        with ExitStack() as stack:
            workers = stack.enter_context(Workers(start=eager))
            printer = stack.enter_context(Printer()) if pdf and eager else None
            shown = explorer.sliders()  # read from data/ once, for the explorer's assets and its page
            renderer = Renderer(workers, steps.navigation, publish.citations(data_dir), site.repository_url(),
                                out_dir, page_keys, shown)
            render_started = time.perf_counter()
            assets = Assets.start(out_dir / "assets", manifest, stack, shown)  # first: the longest jobs
            alt_now = _alt_texts(figures_dir)
            reused = [(k, page, page.path.read_text(encoding="utf-8")) for k, page in enumerate(steps.pages)
                      if page.path not in steps.todo]
            # The explorer's page last: its placeholder imports NumPy (the others need not wait for that).
            for k, page, text in sorted(reused, key=lambda item: explorer.MARKER in item[2]):
                renderer.notebook_ready(k, page, text, alt_now, figures_dir)
            figures_staging: Path | None = None
            if steps.todo:
                log(f"Executing {len(steps.todo)} of {len(books)} notebooks "
                    f"({min(len(steps.todo), os.cpu_count() or 1)} at a time):")
                figures_staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".figures-" + prefix))
                stack.callback(shutil.rmtree, figures_staging, True)
                if (figures_dir / "index.csv").is_file():
                    shutil.copy2(figures_dir / "index.csv", figures_staging / "index.csv")  # save_figure adds to it
                numbers = {page.path: k for k, page in enumerate(steps.pages)}
                staged = figures_staging

                def ready(path: Path, nb: NotebookNode, seconds: float) -> None:
                    k = numbers[path]
                    renderer.notebook_ready(k, steps.pages[k], notebooks.stored_text(nb), _alt_texts(staged), staged)

                execution = Execution(steps.todo, figures_staging, log, ready).start()
            for page in steps.pages:
                if page.path not in steps.todo:
                    log(f"  {page.path.name}: reused (inputs unchanged)" if execute
                        else f"  {page.path.name}: rendering stored outputs")

            # While the kernels run and the workers render: the footer, the pages made from data.
            footer = site.provenance(data_dir=data_dir)
            info = site.Site(steps.navigation, footer)
            from .. import data

            tables = data.load_all(data_dir)
            descriptor = publish.publish_data(data_dir, staging / "data")
            made = {"data/index.html": data_page(descriptor, info),
                    "teaching-guide.html": guide_page(renderer.citations, info),
                    findings.PAGE: findings.findings_page(renderer.citations, data_dir, info),
                    METHOD_HREF: method_page(info, tables)}
            sources_key = fingerprint(data_dir / "sources.csv", data_dir / "datapackage.json",
                                      [(n.href, n.title) for n in steps.navigation], *builder_code())
            if page_keys.get("sources.html") == sources_key and (out_dir / "sources.html").exists():
                shutil.copy2(out_dir / "sources.html", staging / "sources.html")
            else:
                made["sources.html"] = sources_page(tables["sources"], info)
                page_keys["sources.html"] = sources_key
            for href, text in made.items():
                (staging / href).write_text(text, encoding="utf-8")
            ledger = _ledger()

            executed_at = 0.0
            if execution is not None:
                assert figures_staging is not None
                results = execution.wait()
                execution = None
                executed_at = time.perf_counter()
                # Every notebook succeeded: publish their figures and stored outputs (and only now).
                publish.publish_staged_figures(figures_staging, figures_dir)
                for path in steps.todo:
                    nb, seconds = results[path.name]
                    if notebooks.write(nb, path):
                        log(f"  stored outputs of {path.name} updated")
                    page = steps.pages[books.index(path)]
                    page.status, page.seconds = "executed", seconds
            figures = figure_index(figures_dir)
            render_started = max(render_started, executed_at)  # what rendering adds after the last notebook
            assets.make_chart()  # here, while the workers render
            rendered = renderer.finish(steps.pages, footer, staging)
            (staging / "report.css").write_text(CSS, encoding="utf-8")
            for made_asset in assets.made.values():
                made_asset.result()
            workers.stop()  # every job is done: the workers end while the build goes on
            log(f"  rendered {rendered} of {len(steps.pages)} pages in {time.perf_counter() - render_started:.1f} s"
                f"{' (the others are unchanged)' if rendered < len(steps.pages) else ''}")

            # The PDFs print (one Chromium, two tabs) while the rest is published.
            key = pdf_key([(staging / pg.href) for pg in steps.pages], figures)
            (staging / "index.html").write_text(index_page(steps.pages, figures, True, info, ledger), encoding="utf-8")
            printing: Future[str | None] | None = None
            has_pdf = False
            if pdf and manifest.get("_pdf_key") == key and all((out_dir / n).exists() for n in PDFS):
                for name in PDFS:
                    shutil.copy2(out_dir / name, staging / name)
                has_pdf = True
            elif pdf:
                pdf_started = time.perf_counter()
                if printer is None:
                    printer = stack.enter_context(Printer())
                printing = printer.start(staging, steps.pages)
            assets.write(staging / "assets", out_dir / "assets", manifest, log)
            publish.publish_figures(figures_dir, figures, staging / "figures")
            for book in books:
                publish.copy_file(book, staging / "notebooks" / book.name)
            known = {pg.href: s for pg in steps.pages if (s := renderer.sections(pg.href)) is not None}
            if printing is not None:
                missing = printing.result()
                has_pdf = missing is None
                if has_pdf:
                    log(f"  printed {' and '.join(PDFS)} in {time.perf_counter() - pdf_started:.1f} s")
                    manifest["_pdf_key"] = key
                else:
                    log(f"  collection.pdf skipped: {missing}")
            if not has_pdf:
                (staging / "index.html").write_text(index_page(steps.pages, figures, False, info, ledger),
                                                    encoding="utf-8")
            write_search_index(staging, out_dir, manifest, steps.pages, known)
            total = time.perf_counter() - started
            (staging / "build.html").write_text(build_page(steps.pages, total, info), encoding="utf-8")
        publish.swap_into_place(staging, out_dir)
    except BaseException:
        if execution is not None:  # Ctrl-C or a failure while the kernels ran: stop them first
            execution.stop()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for path in steps.todo:
        page = steps.pages[books.index(path)]
        manifest[path.name] = cache_entry(path, page.seconds)
    atomic_write(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return out_dir


def _ledger() -> str:
    from .pages import _ledger_html

    return _ledger_html()
