"""Build the offline HTML report under ``build/report/``.

* Each notebook is executed at most once per build (in ``notebooks/``, in parallel across
  cores); that one execution is both written back to the ``.ipynb`` (the stored outputs nbval
  compares) and rendered to HTML. A notebook whose inputs (its cells, ``data/``, the package's
  code, the pins) have not changed since the last build is not executed again: its stored
  outputs are rendered as they are.
* Pages use the package's own nbconvert template (``templates/offline``): nbconvert's lab
  template minus everything it would load from a CDN. Math is converted to MathML at build
  time (latex2mathml), so nothing needs MathJax. Figures carry their alt text from
  ``figures/index.csv``; widget outputs become a note; cells tagged ``remove-cell`` /
  ``remove-input`` / ``remove-output`` are hidden.
* The report (index with reading order and figure gallery, one page per notebook with
  previous/next/index links, sources, how-it-was-built, figures and data for download, and a
  printable ``collection.pdf`` when Chromium is installed) is assembled in a temporary folder
  and swapped in only if every notebook succeeded; a failure names the notebook and the cell
  and leaves the previous report in place.


Parts: ``execution`` (kernels), ``cache`` (what to re-run), ``render`` (one notebook page), ``site``
(navigation, search, theme), ``pages`` (the other pages), ``pdf`` (printing); this module runs a build."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from .. import paths
from . import explorer, findings, site  # noqa: E402

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .cache import PACKAGE_DIR, cache_entry, figures_named_in, input_key, outputs_key, why_execute  # noqa: F401
from .common import (  # noqa: F401
    CACHE_FILE,
    TEMPLATES,
    BuildFailed,
    NotebookFailed,
    _atomic_bytes,
    _atomic_text,
    builder_code,
    fingerprint,
)
from .execution import (  # noqa: F401
    CELL_TIMEOUT,
    KERNEL,
    WIDGET_MIME,
    WIDGET_NOTE,
    _execute_all,
    _kernel_config,
    execute,
    execute_async,
    normalise,
    notebooks,
    read_json,
    skipped_notebooks,
    write_notebook,
)
from .pages import (  # noqa: F401
    CSS,
    METHOD_HREF,
    REPORTED_PACKAGES,
    _figure_index,
    build_page,
    data_page,
    guide_page,
    index_page,
    method_page,
    sources_page,
)
from .pdf import CHROMIUM_ARGS, PDF_TITLE, PDFS, chromium_path, creation_date, pdf_key, print_page, print_pdf  # noqa: F401
from .render import Page, _page_key, _summary, _title, latex_to_mathml, prepare_for_html, render_html  # noqa: F401
from .safety import CSP, CSP_META, neutralise, svg_problem, web_url  # noqa: F401

# ---------------------------------------------------------------------------------------
# The build


def _copy_file(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    os.chmod(target, 0o644)


#: The codebook, published beside the tables (our own Markdown; a browser shows it as text).
CODEBOOK = "README.md"


def publish_data(data_dir: Path, target: Path) -> dict:
    """Copy into ``target`` only what the data descriptor names: ``datapackage.json``, each table's ``.csv`` file
    (the validator refuses any other path, and paths outside the folder) and the codebook. A stray file in the data
    folder (an .html page, a script) is never published. Returns the descriptor."""
    from ..data.descriptor import _check_descriptor, _read_descriptor
    from ..data.problems import DataValidationError

    descriptor, problems = _read_descriptor(data_dir)
    if not problems:
        problems = _check_descriptor(descriptor, data_dir)
    if problems:
        raise DataValidationError(problems)
    _copy_file(data_dir / "datapackage.json", target / "datapackage.json")
    for resource in descriptor["resources"]:
        _copy_file(data_dir / resource["path"], target / resource["path"])
    if (data_dir / CODEBOOK).is_file():
        _copy_file(data_dir / CODEBOOK, target / CODEBOOK)
    return descriptor


_FIGURE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


def publish_figures(figures_dir: Path, figures: list[dict], target: Path) -> None:
    """Copy into ``target`` only the figures ``figures/index.csv`` names (``name.png``, ``.svg``, ``.csv``) and the
    index itself. A PNG must be a PNG, and an SVG a plain drawing (no script, event handler or outside reference:
    :func:`safety.svg_problem`); anything else stops the build with one line naming the file."""
    shown = paths.relative(figures_dir)
    for line, row in enumerate(figures, start=2):
        name = row["name"]
        if not _FIGURE_NAME.fullmatch(name) or any(row[ext] != f"{name}.{ext}" for ext in ("png", "svg", "csv")):
            raise BuildFailed(f"{shown}/index.csv, line {line}: a figure named {name[:40]!r} with files "
                              f"{name[:40]}.png/.svg/.csv was expected; restore the file with git")
        for ext in ("png", "svg", "csv"):
            path = figures_dir / row[ext]
            if not path.is_file():
                raise BuildFailed(f"{shown}/{row[ext]}: missing (named in {shown}/index.csv, line {line}); run "
                                  "the notebook that saves it")
            head = path.read_bytes()
            if ext == "png" and not head.startswith(b"\x89PNG\r\n\x1a\n"):
                raise BuildFailed(f"{shown}/{row[ext]}: not a PNG image; it is not published")
            if ext == "svg":
                problem = svg_problem(head)
                if problem:
                    raise BuildFailed(f"{shown}/{row[ext]}: not published: it holds {problem}")
            _copy_file(path, target / row[ext])
    if (figures_dir / "index.csv").is_file():
        _copy_file(figures_dir / "index.csv", target / "index.csv")


def _publish_figures(staging: Path, target: Path) -> None:
    """Copy the figures the kernels wrote (and the updated index) into ``target``, each file atomically
    and only when its bytes changed."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(staging.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            data = path.read_bytes()
            dest = target / path.name
            if not (dest.is_file() and dest.read_bytes() == data):
                _atomic_bytes(dest, data)


STAGING_PREFIXES = (".report-", ".figures-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out_dir: Path, log=print) -> None:
    """Remove staging folders left by a build that was killed (its process is gone), and put back a
    report that a kill between the two renames of a non-atomic swap left only as ``report.old``."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for path in parent.iterdir():
        if not (path.is_dir() and path.name.startswith(STAGING_PREFIXES)):
            continue
        match = re.match(r"\.(?:report|figures)-(\d+)-", path.name)
        if match and int(match.group(1)) != os.getpid() and _pid_alive(int(match.group(1))):
            continue  # another build is running
        shutil.rmtree(path, ignore_errors=True)
        log(f"  removed {path.name}, left by an interrupted build")
    old = out_dir.with_name(out_dir.name + ".old")
    if old.is_dir() and not out_dir.exists():
        os.replace(old, out_dir)
        log(f"  restored {out_dir.name} from {old.name} (an earlier build was killed while swapping it)")
    elif old.is_dir():
        shutil.rmtree(old, ignore_errors=True)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Put the new report at ``out_dir`` in one atomic step: an existing report is exchanged with the new
    one (the old one ends in ``staging`` and is removed). Where the exchange is not supported, two renames
    (``clean_stale`` restores ``report.old`` if a kill comes between them)."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    if _rename_exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _citations() -> dict[str, str]:
    """{source id: citation} from data/sources.csv (read with the csv module: fast; validation is elsewhere)."""
    import csv

    path = paths.data_dir() / "sources.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["id"]: row["citation"] for row in csv.DictReader(fh)
                    if isinstance(row.get("id"), str) and isinstance(row.get("citation"), str) and row["id"]}
    except (OSError, UnicodeDecodeError, csv.Error, KeyError):
        return {}


def _write_assets(target: Path, previous: Path, manifest: dict, log) -> None:
    """The site's scripts (ours, from assets/), JupyterLab's dark theme variables and the explorer's Vega
    bundle and chart (made from installed packages; reused from the previous report while unchanged)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("theme.js", "site.js", "explorer.js"):
        shutil.copy2(site.ASSETS / name, target / name)
    made = {"jupyter-dark.css": site.jupyter_dark_css, "vega-bundle.js": explorer.bundle_js,
            "explorer-spec.js": explorer.spec_js}
    key = fingerprint(explorer.key(), version("nbconvert"), *builder_code())
    if manifest.get("_assets") == key and all((previous / name).is_file() for name in made):
        for name in made:
            shutil.copy2(previous / name, target / name)
    else:
        started = time.perf_counter()
        for name, make in made.items():
            (target / name).write_text(make(), encoding="utf-8")
        manifest["_assets"] = key
        log(f"  made the explorer's chart and script bundle in {time.perf_counter() - started:.1f} s")
    for path in target.iterdir():
        os.chmod(path, 0o644)


def _write_search_index(staging: Path, previous: Path, manifest: dict, pages: list[Page]) -> None:
    """assets/search-index.js from every HTML page of the report (reused while no page changed)."""
    files = [(pg.href, pg.title) for pg in pages] + [
        ("index.html", "Contents and figures"), ("sources.html", "Sources"), ("teaching-guide.html", "Teaching guide"),
        ("data/index.html", "Data tables"), (METHOD_HREF, "How this was made")]
    key = fingerprint(*[(staging / href).read_bytes() for href, _ in files], files, *builder_code())
    target, old = staging / "assets" / "search-index.js", previous / "assets" / "search-index.js"
    if manifest.get("_search") == key and old.is_file():
        shutil.copy2(old, target)
    else:
        target.write_text(site.search_index([(href, title, (staging / href).read_text(encoding="utf-8"))
                                             for href, title in files]), encoding="utf-8")
        manifest["_search"] = key
    os.chmod(target, 0o644)


def _load_manifest(path: Path, log) -> dict:
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        return manifest
    except (ValueError, OSError) as exc:
        log(f"  {paths.relative(path)} is unreadable ({str(exc).splitlines()[0]}); starting with an empty cache")
        return {}


def build(execute_notebooks: bool = True, out_dir: Path | None = None, force: bool = False, pdf: bool = True,
          log=print) -> Path:
    """Execute what changed, render everything, and swap the new report into place."""

    started = time.perf_counter()
    out_dir = out_dir or paths.report_dir()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir, log)
    cache_dir = out_dir.parent / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = cache_dir / CACHE_FILE
    manifest = _load_manifest(manifest_path, log)

    books = notebooks()
    for skipped in skipped_notebooks():
        log(f"  warning: {skipped.name} is not in the report: its name does not match NN_title.ipynb "
            "(two digits, an underscore, a title)")
    reasons = {p.name: ("forced" if force else why_execute(p, manifest)) for p in books} if execute_notebooks else {}
    todo = [p for p in books if reasons.get(p.name)]
    timings: dict[str, tuple[str, float]] = {p.name: ("reused" if execute_notebooks else "rendered only", 0.0)
                                             for p in books}
    prefix = f"{os.getpid()}-"
    if todo:
        log(f"Executing {len(todo)} of {len(books)} notebooks ({min(len(todo), os.cpu_count() or 1)} at a time):")
        figures_staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".figures-" + prefix))
        try:
            index = paths.figures_dir() / "index.csv"
            if index.is_file():
                shutil.copy2(index, figures_staging / "index.csv")  # save_figure adds to the current index
            results = _execute_all(todo, figures_staging, log)
            # Every notebook succeeded: publish their figures and stored outputs (and only now).
            _publish_figures(figures_staging, paths.figures_dir())
        finally:
            shutil.rmtree(figures_staging, ignore_errors=True)
        for p in todo:
            nb, seconds = results[p.name]
            if write_notebook(nb, p):
                log(f"  stored outputs of {p.name} updated")
            timings[p.name] = ("executed", seconds)
    for p in books:
        if p not in todo:
            log(f"  {p.name}: {timings[p.name][0]} (inputs unchanged)" if execute_notebooks
                else f"  {p.name}: rendering stored outputs")

    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".report-" + prefix))
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a report is for reading by anyone
    try:
        figures = _figure_index()
        alt_by_name = {row["name"]: row["alt"] for row in figures}
        nbs = [normalise(read_json(p)) for p in books]  # what a save in JupyterLab changes never shows
        pages = []
        for p, nb in zip(books, nbs, strict=True):
            summary, minutes = _summary(nb)
            status, seconds = timings[p.name]
            pages.append(Page(p, p.with_suffix(".html").name, _title(nb, p.stem), summary, minutes, status, seconds))
        render_started = time.perf_counter()
        page_keys = manifest.setdefault("_pages", {})
        site.NOTEBOOKS[:] = [site.Link(pg.href, pg.title) for pg in pages]
        site.FOOTER[0] = site.provenance()
        citations = _citations()
        repository = site.repository_url()
        rendered = 0
        for k, (page, nb) in enumerate(zip(pages, nbs, strict=True)):
            uses_explorer = any(explorer.MARKER in "".join(c["source"]) for c in nb["cells"]
                                if c["cell_type"] == "code")
            chrome = {"head_html": site.head(scripts=("vega-bundle.js", "explorer-spec.js", "explorer.js")
                                             if uses_explorer else (), notebook=True),
                      "chrome_top": site.chrome_top(page.href), "nav_html": site.prev_next(k),
                      "chrome_bottom": site.chrome_bottom(),
                      "tools_html": site.notebook_tools(page.path.name, figures_named_in(nb), repository)}
            key = _page_key(nb, chrome, alt_by_name, citations, explorer.placeholder() if uses_explorer else "")
            previous = out_dir / page.href
            if page_keys.get(page.href) == key and previous.exists():
                shutil.copy2(previous, staging / page.href)  # same notebook, same page: no need to render
                continue
            import nbformat

            text = render_html(prepare_for_html(nbformat.reads(json.dumps(nb), as_version=4), alt_by_name), chrome,
                               page.title, citations)
            (staging / page.href).write_text(text, encoding="utf-8")
            page_keys[page.href] = key
            rendered += 1
        (staging / "report.css").write_text(CSS, encoding="utf-8")
        _write_assets(staging / "assets", out_dir / "assets", manifest, log)
        publish_figures(paths.figures_dir(), figures, staging / "figures")
        descriptor = publish_data(paths.data_dir(), staging / "data")
        for book in books:
            _copy_file(book, staging / "notebooks" / book.name)
        (staging / "data" / "index.html").write_text(data_page(descriptor), encoding="utf-8")
        sources_key = fingerprint(paths.data_dir() / "sources.csv", paths.data_dir() / "datapackage.json",
                                  [(n.href, n.title) for n in site.NOTEBOOKS], *builder_code())
        if page_keys.get("sources.html") == sources_key and (out_dir / "sources.html").exists():
            shutil.copy2(out_dir / "sources.html", staging / "sources.html")
        else:
            from .. import data

            (staging / "sources.html").write_text(sources_page(data.load("sources")), encoding="utf-8")
            page_keys["sources.html"] = sources_key
        (staging / "teaching-guide.html").write_text(guide_page(citations), encoding="utf-8")
        (staging / findings.PAGE).write_text(findings.findings_page(citations), encoding="utf-8")
        (staging / METHOD_HREF).write_text(method_page(), encoding="utf-8")
        log(f"  rendered {rendered} of {len(pages)} pages in {time.perf_counter() - render_started:.1f} s"
            f"{' (the others are unchanged)' if rendered < len(pages) else ''}")

        key = pdf_key([(staging / pg.href) for pg in pages], figures)
        has_pdf = False
        if pdf and manifest.get("_pdf_key") == key and all((out_dir / n).exists() for n in PDFS):
            for name in PDFS:
                shutil.copy2(out_dir / name, staging / name)
            has_pdf = True
        (staging / "index.html").write_text(index_page(pages, figures, pdf=True), encoding="utf-8")
        if pdf and not has_pdf:
            pdf_started = time.perf_counter()
            missing = print_pdf(staging, pages)
            has_pdf = missing is None
            if has_pdf:
                log(f"  printed {' and '.join(PDFS)} in {time.perf_counter() - pdf_started:.1f} s")
                manifest["_pdf_key"] = key
            else:
                log(f"  collection.pdf skipped: {missing}")
        if not has_pdf:
            (staging / "index.html").write_text(index_page(pages, figures, pdf=False), encoding="utf-8")
        total = time.perf_counter() - started
        (staging / "build.html").write_text(build_page(pages, total), encoding="utf-8")
        _write_search_index(staging, out_dir, manifest, pages)
        swap_into_place(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for p in todo:
        manifest[p.name] = cache_entry(p, timings[p.name][1])
    _atomic_text(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return out_dir



INTERRUPTED = "Interrupted; the previous report in build/report is unchanged."


_INTERRUPTED = False


def _raise_interrupt(signum, frame):
    """The first Ctrl-C or kill unwinds the build (which cleans up); later ones, during that clean-up, are noted
    and change nothing (they used to cut the clean-up: a ZeroMQ abort, exit 134, or exit 143)."""
    global _INTERRUPTED
    if _INTERRUPTED:
        return
    _INTERRUPTED = True
    raise KeyboardInterrupt


def main(args: argparse.Namespace | None = None) -> int:
    """``python -m dry_needling report``: one line per failure, never a traceback; exit 130 on Ctrl-C."""
    import signal

    execute_notebooks = not getattr(args, "no_execute", False)
    force = getattr(args, "force", False)
    previous = {sig: signal.signal(sig, _raise_interrupt)  # `kill` stops the build as cleanly as Ctrl-C
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _main(execute_notebooks, force)
    finally:
        for sig, handler in previous.items():
            # after an interrupt, a later signal must not reach a handler that would raise again
            signal.signal(sig, (lambda *_: None) if _INTERRUPTED else handler)


def _main(execute_notebooks: bool, force: bool) -> int:
    started = time.perf_counter()
    try:
        print(f"Building the report from {len(notebooks())} notebooks:", flush=True)
        out = build(execute_notebooks=execute_notebooks, force=force,
                    log=lambda *a: print(*a, flush=True))
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except BuildFailed as exc:
        print(f"Report NOT built: {exc}. The previous report, if any, is unchanged.", file=sys.stderr)
        return 1
    except OSError as exc:  # a read-only or full disk, a folder that vanished
        where = f" ({paths.relative(Path(exc.filename))})" if exc.filename else ""
        print(f"Report NOT built: cannot write{where}: {exc.strerror or exc}. The previous report, if any, "
              "is unchanged.", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001
        if _INTERRUPTED:  # Ctrl-C while Chromium printed: the browser died first
            print(INTERRUPTED, file=sys.stderr)
            return 130
        from ..data import DataValidationError

        if isinstance(exc, DataValidationError):  # only the located lines, no traceback
            problems = exc.problems
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"Report NOT built: {len(problems)} problem(s) in the data (python -m dry_needling validate).",
                  file=sys.stderr)
            return 1
        raise
    print(f"Report written to {paths.relative(out)}/index.html in {time.perf_counter() - started:.1f} s")
    return 0
