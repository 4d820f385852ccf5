"""Worker processes for the build: one per core, each with its own page renderer.

Rendering a page is Python work (nbconvert's template, its HTML pass, ours), so pages are rendered in processes, not
threads. The first worker is ``python -m dry_needling.report.workers``, started when the build starts: it imports
nbconvert, makes its exporter and template once (:class:`~.render.PageRenderer`) and renders one small page to warm
them up, while the build does other work; then it forks the others (``--clone``), which start with all of that made
instead of each paying for it again (about 2 CPU seconds a worker), and every worker renders page after page. A job
carries everything it needs (:class:`~.render.PageJob`), so a worker reads no setting of its own and a build for other
folders (the tests') gets the same pages.

Jobs and results travel as pickles over each worker's own pair of pipes: the first worker's standard input and output,
a clone's pipes made by the build and handed to the first worker (only between the build and the processes it
started). A worker ignores Ctrl-C (the build stops it), writes nothing to the terminal (its stderr, and anything a
library prints, go to /dev/null; a failure comes back as the job's exception), and ends when its input closes: when
the build is done, or when the build's process dies, however it dies. A clone also ends when the first worker does
(the kernel kills it: ``PR_SET_PDEATHSIG``), so stopping the first worker stops them all.
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
from typing import IO, Any, NamedTuple, TypeVar

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
    input ends. A page renderer's worker makes its exporter and template first, before the first job (a clone has
    them already)."""
    global _RENDERER
    if renderer and _RENDERER is None:
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


class _Channel(NamedTuple):
    """The build's end of one worker: where its jobs go, where its results come from, and what to call it."""

    jobs: IO[bytes]
    results: IO[bytes]
    name: str


class Workers:
    """A pool of ``count`` worker processes (default one per core): the first started at once (``start``) or with
    the first job, the others forked from it when it is ready; ``renderer``: the first makes and warms its page
    renderer as it starts (for any other job, False)."""

    def __init__(self, count: int | None = None, renderer: bool = True, start: bool = True) -> None:
        self.count = count or os.cpu_count() or 1
        self.renderer = renderer
        self._jobs: queue.Queue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._channels: list[_Channel] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        if start:
            self.start()

    def start(self) -> None:
        """Start the first process, and hand it a pair of pipes for each clone it forks (once)."""
        if self._processes:
            return
        ours: list[tuple[int, int]] = []  # per clone: (where its jobs go, where its results come from)
        theirs: list[int] = []  # the other ends, for the first worker to hand to its clones
        for _ in range(self.count - 1):
            job_read, job_write = os.pipe()
            result_read, result_write = os.pipe()
            ours.append((job_write, result_read))
            theirs += [job_read, result_write]
        command = [sys.executable, "-m", __name__, *([] if self.renderer else ["--no-renderer"]),
                   *(f"--clone={a}:{b}" for a, b in zip(theirs[::2], theirs[1::2], strict=True))]
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, close_fds=True, pass_fds=theirs)
        finally:
            for fd in theirs:
                os.close(fd)
        self._processes.append(process)
        assert process.stdin is not None and process.stdout is not None
        self._channels.append(_Channel(process.stdin, process.stdout, f"worker process {process.pid}"))
        for k, (job_write, result_read) in enumerate(ours, start=1):
            self._channels.append(_Channel(os.fdopen(job_write, "wb"), os.fdopen(result_read, "rb"),
                                           f"worker {k + 1}, forked from worker process {process.pid}"))
        for k, channel in enumerate(self._channels):
            thread = threading.Thread(target=self._feed, args=(channel,), name=f"page-worker-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _feed(self, channel: _Channel) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                break
            future, function, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                pickle.dump((function, args), channel.jobs)
                channel.jobs.flush()
                ok, value = pickle.load(channel.results)
            except (OSError, EOFError, pickle.PickleError) as exc:
                future.set_exception(BuildFailed(f"a page renderer ({channel.name}) stopped: {type(exc).__name__}"))
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        try:
            channel.jobs.close()  # the worker's input ends: it exits
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
        for channel in self._channels:
            for pipe in (channel.jobs, channel.results):
                try:
                    pipe.close()
                except OSError:
                    pass
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        self.close(cancel=kind is not None)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends (Linux's ``PR_SET_PDEATHSIG``; elsewhere a clone still ends when its
    input closes)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent ended before the line above: nothing would kill this clone
        os._exit(0)


def _fork_clones(clones: list[tuple[int, int]], own: list[IO[bytes]], renderer: bool) -> list[int]:
    """Fork one worker per ``(jobs, results)`` pair of pipes; each serves its pair (with this process's renderer,
    when ``renderer``). Returns their process ids. ``own``: this process's channel, which a clone closes."""
    pids = []
    parent = os.getpid()
    for k, (jobs, results) in enumerate(clones):
        pid = os.fork()
        if pid == 0:  # the clone
            status = 1
            try:
                _die_with(parent)
                for pipe in own:
                    pipe.close()
                for later_jobs, later_results in clones[k + 1:]:  # the later clones' pipes are theirs alone
                    os.close(later_jobs)
                    os.close(later_results)
                serve(os.fdopen(jobs, "rb"), os.fdopen(results, "wb"), renderer=renderer)
                status = 0
            finally:
                os._exit(status)
        os.close(jobs)
        os.close(results)
        pids.append(pid)
    return pids


def main() -> None:
    """``python -m dry_needling.report.workers [--no-renderer] [--clone=JOBS:RESULTS ...]``: serve jobs on
    stdin/stdout, and fork a clone for each pair of file descriptors (started by :class:`Workers` only)."""
    global _RENDERER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops its workers; a Ctrl-C must not print here
    results = os.fdopen(os.dup(1), "wb")  # the channel back to the build ...
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # ... and whatever a library prints goes nowhere
    clones = [(int(jobs), int(out)) for jobs, out in
              (arg.removeprefix("--clone=").split(":") for arg in sys.argv[1:] if arg.startswith("--clone="))]
    renderer = "--no-renderer" not in sys.argv
    if renderer:
        _RENDERER = PageRenderer()
        try:
            _RENDERER.warm_up()
        except Exception:  # noqa: BLE001  (only a head start: a real problem shows in the first real page)
            pass
    pids = _fork_clones(clones, [sys.stdin.buffer, results], renderer)
    serve(sys.stdin.buffer, results, renderer=renderer)
    for pid in pids:  # each ends when its input closes (the build closes every worker's input when it is done)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    from dry_needling.report.workers import main as serve_jobs  # the module's own globals, not __main__'s

    serve_jobs()
