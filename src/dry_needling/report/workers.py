"""Worker processes for the build: one per core, each with its own page renderer.

Rendering a page is Python work (nbconvert's template, its HTML pass, ours), so pages are rendered in processes, not
threads. The workers come from a fork server that has already imported nbconvert and the renderer (paid once, not
once per worker), and each worker makes its exporter and template once (:class:`~.render.PageRenderer`) and keeps it
for every page it renders. A job carries everything it needs (:class:`~.render.PageJob`): a worker reads no
environment variable, so a build for other folders (the tests') gets the same pages.

Workers ignore Ctrl-C (the build's own process stops them) and write nothing to the terminal: a failure comes back
to the build as the job's exception.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from .render import PageJob, PageRenderer, RenderedPage

T = TypeVar("T")

#: Imported once by the fork server, so that no worker imports them again.
PRELOAD = ["dry_needling.report.render", "nbconvert", "nbconvert.exporters.html", "nbformat", "latex2mathml.converter",
           "pygments.formatters.html", "mistune", "bs4", "nh3"]

_RENDERER: PageRenderer | None = None


def _start_worker() -> None:
    global _RENDERER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops its workers; a Ctrl-C must not print here
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (for the worker's life)
    _RENDERER = PageRenderer()


def _render(job: PageJob) -> RenderedPage:
    assert _RENDERER is not None
    return _RENDERER.render(job)


def _call(function: Callable[..., T], *args: Any) -> T:
    return function(*args)


class Workers:
    """A pool of page renderers (``count`` processes, default one per core)."""

    def __init__(self, count: int | None = None) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.count = count or os.cpu_count() or 1
        self.pool = ProcessPoolExecutor(self.count, mp_context=context, initializer=_start_worker)
        for _ in range(self.count):  # start every worker now: each makes its exporter while the build goes on
            self.pool.submit(int)

    def render(self, job: PageJob) -> Future[RenderedPage]:
        """Render one notebook page in a worker."""
        return self.pool.submit(_render, job)

    def call(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``function(*args)`` (a module-level function and picklable arguments) in a worker."""
        return self.pool.submit(_call, function, *args)

    def close(self, cancel: bool = False) -> None:
        """Stop the workers: after their jobs, or at once (jobs not started are cancelled, running ones are
        ended)."""
        if cancel:
            processes = list(getattr(self.pool, "_processes", {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=2)
        else:
            self.pool.shutdown(wait=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close(cancel=kind is not None)
