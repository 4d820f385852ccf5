"""Build the offline HTML report under ``build/report/`` (``python -m dry_needling report``).

* Each notebook is executed at most once per build (in ``notebooks/``, in parallel across cores); that one
  execution is both written back to the ``.ipynb`` (the stored outputs nbval compares) and rendered to HTML. A
  notebook whose inputs (its cells, ``data/``, the package's code, the pins) have not changed since the last build is
  not executed again: its stored outputs are rendered as they are.
* Pages use the package's own nbconvert template (``templates/offline``): nbconvert's lab template minus everything
  it would load from a CDN. Math is converted to MathML at build time (latex2mathml), so nothing needs MathJax.
  Figures carry their alt text from ``figures/index.csv``; widget outputs become a note; cells tagged
  ``remove-cell`` / ``remove-input`` / ``remove-output`` are hidden. Each page is rendered in a worker process (one
  per core) as soon as its notebook is ready.
* The report (index with reading order and figure gallery, one page per notebook with previous/next/index links,
  sources, how-it-was-built, figures and data for download, and printable PDFs when Chromium is installed) is
  assembled in a temporary folder and swapped in only if every notebook succeeded; a failure names the notebook and
  the cell and leaves the previous report in place.

Parts: ``pipeline`` (the build's steps), ``execution`` (kernels), ``cache`` (what to re-run), ``render`` (one
notebook page), ``workers`` (the processes that render), ``site`` (navigation, search, theme), ``pages`` (the other
pages), ``findings`` (the summary of findings), ``explorer`` (notebook 03's in-page explorer), ``pdf`` (printing),
``publish`` (what is copied, the swap), ``safety`` (the sanitiser, the CSP). Notebooks themselves are read and written
by :mod:`dry_needling.notebooks`. This module holds the public API and the command line."""

from __future__ import annotations

import _imp
import argparse
import os
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from .. import notebooks, paths
from .cache import cache_entry, input_key, why_execute
from .common import CACHE_FILE, BuildFailed, NotebookFailed, fingerprint
from .execution import CELL_OUTPUT_LIMIT, execute, execute_all, execute_async, kernel_config
from .pages import figure_index, sources_page
from .pdf import CHROMIUM_ARGS, PDF_TITLE, PDFS, Printer, chromium_path, creation_date, pdf_key, print_page, print_pdf
from .pipeline import build
from .publish import STAGING_PREFIXES, clean_stale, publish_data, publish_figures, swap_into_place
from .render import Page, latex_to_mathml, page_key, prepare_for_html, render_html, summary_of, title_of
from .safety import CSP, CSP_META, neutralise, svg_problem, web_url

__all__ = ["CACHE_FILE", "CELL_OUTPUT_LIMIT", "CHROMIUM_ARGS", "CSP", "CSP_META", "INTERRUPTED", "PDFS", "PDF_TITLE",
           "STAGING_PREFIXES", "BuildFailed", "NotebookFailed", "Page", "Printer", "build", "cache_entry",
           "chromium_path", "clean_stale", "creation_date", "execute", "execute_all", "execute_async",
           "figure_index", "fingerprint", "input_key", "kernel_config", "latex_to_mathml", "main", "neutralise",
           "page_key", "pdf_key", "prepare_for_html", "print_page", "print_pdf", "publish_data", "publish_figures",
           "render_html", "sources_page", "summary_of", "svg_problem", "swap_into_place", "title_of", "web_url",
           "why_execute"]


INTERRUPTED = "Interrupted; the previous report in build/report is unchanged."


_INTERRUPTED = False


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    """The first Ctrl-C or kill unwinds the build (which cleans up); later ones, during that clean-up, are noted
    and change nothing (they used to cut the clean-up: a ZeroMQ abort, exit 134, or exit 143). A signal that
    arrives while the import system holds its lock is asked for again a moment later (:func:`_interrupt_later`)."""
    global _INTERRUPTED
    if _INTERRUPTED:
        return
    if _interrupt_later(signum, frame):
        return
    _INTERRUPTED = True
    raise KeyboardInterrupt


def _importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` (where a signal interrupted the main thread) is inside an import: importlib's frames are on
    its stack while a module, or a C extension's initialisation, runs."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _interrupt_later(signum: int, frame: FrameType | None = None) -> bool:
    """True (and the signal sent again in 20 ms) when raising now could leave the import lock taken or a module
    half imported.

    A KeyboardInterrupt raised inside importlib's own clean-up (a module lock's callback, which holds the global
    import lock) is reported as "Exception ignored" and leaves that lock held: every later import, in every thread,
    then waits for ever (a build hung after a Ctrl-C 0.15 s into it, while the PDF printer imported Playwright). One
    raised while a module is being imported leaves it half made, and a C extension that was initialising prints its
    own error ("ImportError: _multiarray_umath failed to import", NumPy's, seen when a SIGTERM came 0.6 s into a
    build): so the interrupt waits until the import is done."""
    if not _imp.lock_held() and not _importing(frame):
        return False
    threading.Timer(0.02, os.kill, (os.getpid(), signum)).start()
    return True


def main(args: argparse.Namespace | None = None) -> int:
    """``python -m dry_needling report``: one line per failure, never a traceback; exit 130 on Ctrl-C."""
    import signal

    execute_notebooks = not getattr(args, "no_execute", False)
    force = getattr(args, "force", False)
    pdf = not getattr(args, "no_pdf", False)
    previous = {sig: signal.signal(sig, _raise_interrupt)  # `kill` stops the build as cleanly as Ctrl-C
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _main(execute_notebooks, force, pdf)
    finally:
        for sig, handler in previous.items():
            # after an interrupt, a later signal must not reach a handler that would raise again
            signal.signal(sig, (lambda *_: None) if _INTERRUPTED else handler)


def _main(execute_notebooks: bool, force: bool, pdf: bool = True) -> int:
    started = time.perf_counter()
    try:
        print(f"Building the report from {len(notebooks.collection())} notebooks:", flush=True)
        out = build(execute_notebooks=execute_notebooks, force=force, pdf=pdf,
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
    except Exception as exc:
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
