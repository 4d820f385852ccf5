"""Worker processes for the build: one per core, each with its own page renderer.

Rendering a page is Python work (nbconvert's template, its HTML pass, ours), so pages are rendered in processes, not
threads. Each worker is ``python -m dry_needling.report.workers``, started when the build starts: it imports nbconvert
and makes its exporter and template once (:class:`~.render.PageRenderer`) while the build does other work, then renders
page after page with them. A job carries everything it needs (:class:`~.render.PageJob`), so a worker reads no
setting of its own and a build for other folders (the tests') gets the same pages.

Jobs and results travel as pickles over the worker's standard input and output (only between the build and the
processes it started). A worker ignores Ctrl-C (the build stops it), writes nothing to the terminal (its stderr, and
anything a library prints, go to /dev/null; a failure comes back as the job's exception), and ends when its input
closes: when the build is done, or when the build's process dies, however it dies.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, Any, TypeVar

from .common import BuildFailed
from .render import PageJob, PageRenderer, RenderedPage

T = TypeVar("T")

_RENDERER: PageRenderer | None = None


def render_page(job: PageJob) -> RenderedPage:
    """Render one page with this process's renderer (made on first use)."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = PageRenderer()
    return _RENDERER.render(job)


def serve(jobs: IO[bytes], results: IO[bytes], renderer: bool = True) -> None:
    """A worker's loop: read ``(function, args)``, write ``(True, result)`` or ``(False, exception)``, until its
    input ends. A page renderer's worker makes its exporter and template first, before the first job."""
    global _RENDERER
    if renderer:
        _RENDERER = PageRenderer()
    while True:
        try:
            function, args = pickle.load(jobs)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, function(*args))
        except Exception as exc:  # noqa: BLE001  (handed to the build, which names it)
            reply = (False, exc)
        try:
            data = pickle.dumps(reply)
        except Exception as exc:  # noqa: BLE001  (an exception that cannot be pickled)
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        results.write(data)
        results.flush()


class Workers:
    """A pool of ``count`` worker processes (default one per core), started at once (``start``) or with the first
    job; ``renderer``: each makes its page renderer as it starts (for any other job, False)."""

    def __init__(self, count: int | None = None, renderer: bool = True, start: bool = True) -> None:
        self.count = count or os.cpu_count() or 1
        self.renderer = renderer
        self._jobs: queue.Queue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        if start:
            self.start()

    def start(self) -> None:
        """Start the processes (once)."""
        if self._processes:
            return
        renderer = self.renderer
        for k in range(self.count):
            command = [sys.executable, "-m", __name__, *([] if renderer else ["--no-renderer"])]
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, close_fds=True)
            self._processes.append(process)
            thread = threading.Thread(target=self._feed, args=(process,), name=f"page-worker-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _feed(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        while True:
            item = self._jobs.get()
            if item is None:
                break
            future, function, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                pickle.dump((function, args), process.stdin)
                process.stdin.flush()
                ok, value = pickle.load(process.stdout)
            except (OSError, EOFError, pickle.PickleError) as exc:
                future.set_exception(BuildFailed(f"a page renderer (worker process {process.pid}) stopped: "
                                                 f"{type(exc).__name__}"))
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        try:
            process.stdin.close()  # the worker's input ends: it exits
        except OSError:
            pass

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``function(*args)`` (a module-level function and picklable arguments) in a worker."""
        self.start()
        future: Future[T] = Future()
        self._jobs.put((future, function, args))
        return future

    def render(self, job: PageJob) -> Future[RenderedPage]:
        """Render one notebook page in a worker."""
        return self.submit(render_page, job)

    call = submit

    def stop(self) -> None:
        """Let the workers end once the jobs already given are done (:meth:`close` waits for them)."""
        if not self._stopping:
            self._stopping = True
            for _ in self._threads:
                self._jobs.put(None)

    def close(self, cancel: bool = False) -> None:
        """Stop the workers: after the jobs already given (``cancel`` False), or at once (jobs not started are
        cancelled, the processes ended)."""
        if cancel:
            while True:
                try:
                    item = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for process in self._processes:
                if process.poll() is None:
                    process.kill()
        self.stop()
        for thread in self._threads:
            thread.join(None if not cancel else 5)
        for process in self._processes:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close(cancel=kind is not None)


def main() -> None:
    """``python -m dry_needling.report.workers``: serve jobs on stdin/stdout (started by :class:`Workers` only)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops its workers; a Ctrl-C must not print here
    results = os.fdopen(os.dup(1), "wb")  # the channel back to the build ...
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # ... and whatever a library prints goes nowhere
    serve(sys.stdin.buffer, results, renderer="--no-renderer" not in sys.argv)


if __name__ == "__main__":
    from dry_needling.report.workers import main as serve_jobs  # the module's own globals, not __main__'s

    serve_jobs()
