"""Executing notebooks: one kernel per notebook, at most one per core, over IPC, with an output budget per cell;
Ctrl-C safe. (Listing, reading, normalising and writing notebooks: :mod:`dry_needling.notebooks`.)"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import notebooks, paths

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import Log, NotebookFailed

if TYPE_CHECKING:
    from nbclient import NotebookClient
    from nbformat import NotebookNode
    from traitlets.config import Config

CELL_TIMEOUT = 600
#: The most output one cell may produce (characters of text and of base64 images, summed over its outputs); a
#: cell that prints more is stopped (its kernel is shut down) and the build stops with one line naming it, before
#: anything is written.
CELL_OUTPUT_LIMIT = 5_000_000

#: Called in the helper thread as each notebook finishes: (path, executed notebook, seconds).
OnDone = Callable[[Path, "NotebookNode", float], None]


def kernel_config() -> Config:
    """Kernels talk over local IPC sockets (no TCP ports, and no 'running over TCP without encryption'
    warning from ipykernel); the socket files go to the temporary folder, never the repository."""
    import uuid

    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"dn-kernel-{uuid.uuid4().hex[:12]}")
    return config


def _content_size(content: object) -> int:
    """Characters of text (streams, tracebacks, every MIME bundle's values) in an output message's content."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(_content_size(value) for value in content.values())
    if isinstance(content, list):
        return sum(_content_size(value) for value in content)
    return 0


def _limited_client_class() -> type[NotebookClient]:
    """nbclient's NotebookClient with an output budget per cell (:data:`CELL_OUTPUT_LIMIT`)."""
    from nbclient import NotebookClient

    class LimitedClient(NotebookClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.output_sizes: dict[int, int] = {}
            self.too_big: dict[int, int] = {}
            self._interrupts: list[asyncio.Future[Any]] = []

        def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None,
                   cell_index: int) -> NotebookNode | None:
            size = self.output_sizes.get(cell_index, 0) + _content_size(msg.get("content"))
            self.output_sizes[cell_index] = size
            if size <= CELL_OUTPUT_LIMIT:
                return super().output(outs, msg, display_id, cell_index)
            if cell_index not in self.too_big:  # stop the kernel: nothing more of this run is kept
                self.too_big[cell_index] = size
                manager: Any = self.km  # nbclient's kernel manager is asynchronous
                if manager is not None:
                    self._interrupts.append(asyncio.ensure_future(manager.shutdown_kernel(now=True)))
            self.too_big[cell_index] = size
            return None

    return LimitedClient


async def execute_async(path: Path, env: dict[str, str] | None = None,
                        clients: list[NotebookClient] | None = None) -> NotebookNode:
    """Execute ``path`` top to bottom in a fresh kernel; return the executed, normalised notebook.
    Any failure raises :class:`NotebookFailed` with one line naming the notebook and the cell."""
    import atexit

    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = notebooks.read(path)
    current: list[int | None] = [None]
    client: Any = _limited_client_class()(
        nb, kernel_name=notebooks.KERNEL, timeout=CELL_TIMEOUT, record_timing=False, config=kernel_config(),
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_execute=lambda cell, cell_index, **_: current.__setitem__(0, cell_index))
    if clients is not None:
        clients.append(client)
    name = paths.relative(path)

    def where() -> str:
        return f"cell {current[0] + 1}" if current[0] is not None else "kernel start"

    def too_big() -> NotebookFailed | None:
        if not client.too_big:
            return None
        index, size = min(client.too_big.items())
        return NotebookFailed(f"{name}: cell {index + 1} printed {size:,} characters of output, more than the "
                              f"{CELL_OUTPUT_LIMIT:,} a cell may (it was stopped); print less, e.g. a table's "
                              "head() or a summary")

    try:
        await client.async_execute(**({"env": env} if env is not None else {}))
    except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as exc:
        raise too_big() or _one_line(exc, nb, name, where()) from None
    finally:
        # Whatever happened (a cancelled build too), no kernel is left behind.
        atexit.unregister(client._cleanup_kernel)
        km = client.km
        if km is not None and km.has_kernel:
            try:
                await km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001  (already gone: nothing to shut down)
                pass
    failed = too_big()
    if failed is not None:
        raise failed
    return notebooks.normalise(nb)


def _one_line(exc: Exception, nb: NotebookNode, name: str, where: str) -> NotebookFailed:
    """A failure of nbclient as one line naming the notebook and the cell."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if isinstance(exc, CellExecutionError):
        index = next((i for i, c in enumerate(nb.cells)
                      if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        cell = f"cell {index + 1}" if index is not None else "a cell"
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # drop the traceback's terminal colours
        last = plain.splitlines()[-1] if plain else exc.__class__.__name__
        return NotebookFailed(f"{name}: {cell} failed: {last}")
    if isinstance(exc, CellTimeoutError):
        return NotebookFailed(f"{name}: {where} did not finish within {CELL_TIMEOUT} s")
    if isinstance(exc, DeadKernelError):
        return NotebookFailed(f"{name}: the kernel died during {where} (out of memory, or a crash in a "
                              "compiled library)")
    return NotebookFailed(f"{name}: {where}: {exc}".splitlines()[0])  # e.g. the kernel did not start


def execute(path: Path) -> NotebookNode:
    """Execute ``path`` top to bottom in a fresh kernel and return the executed, normalised notebook."""
    return asyncio.run(execute_async(path))


class Execution:
    """Notebooks executing concurrently (one kernel per notebook, at most one per core) in a helper thread, started
    at once (:meth:`start`) so that the build can do other work until it :meth:`wait` s for them. Kernels write their
    figures to ``figures_staging``. ``on_done`` is called (in the helper thread) as each notebook finishes, so its
    page can be rendered while the others still run. The first failure cancels the other notebooks; Ctrl-C
    (KeyboardInterrupt in the main thread, in :meth:`wait` or while the build does other work, which then calls
    :meth:`stop`) shuts every kernel down before it propagates. Nothing is written here."""

    def __init__(self, todo: list[Path], figures_staging: Path, log: Log, on_done: OnDone | None = None) -> None:
        import threading

        self.todo, self.log, self.on_done = todo, log, on_done
        self.env = dict(os.environ, DRY_NEEDLING_FIGURES=str(figures_staging))
        self.clients: list[NotebookClient] = []
        self.results: dict[str, tuple[NotebookNode, float]] = {}
        self.at_once = min(len(todo), os.cpu_count() or 1)
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[None] | None = None
        self.outcome: dict[str, BaseException] = {}
        self.finished = threading.Event()  # not Thread.join: a join cut by Ctrl-C can wrongly report the thread ended

    async def _one(self, path: Path, slots: asyncio.Semaphore) -> None:
        async with slots:
            started = time.perf_counter()
            nb = await execute_async(path, self.env, self.clients)
            seconds = time.perf_counter() - started
            self.results[path.name] = (nb, seconds)
            self.log(f"  {path.name}: executed in {seconds:.1f} s")
            if self.on_done is not None:
                self.on_done(path, nb, seconds)

    async def _run_all(self) -> None:
        slots = asyncio.Semaphore(self.at_once)
        tasks = [asyncio.ensure_future(self._one(p, slots)) for p in self.todo]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:  # a failure (or Ctrl-C) stops the other notebooks too
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            if task.done() and not task.cancelled():
                failure = task.exception()
                if failure is not None:
                    raise failure

    def _runner(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            assert self.task is not None
            self.loop.run_until_complete(self.task)
        except BaseException as exc:  # noqa: BLE001  (handed to the main thread)
            self.outcome["error"] = exc
        finally:
            leftover = asyncio.all_tasks(self.loop)  # nbclient's kernel-alive pollers
            for pending in leftover:
                pending.cancel()
            self.loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
            self.loop.close()
            self.finished.set()

    def start(self) -> Execution:
        import threading

        # nbclient installs its own SIGINT handler only in the main thread: running the loop in a helper
        # thread leaves Ctrl-C to us (KeyboardInterrupt in the main thread).
        self.task = self.loop.create_task(self._run_all())
        threading.Thread(target=self._runner, name="execute-notebooks", daemon=True).start()
        return self

    def stop(self) -> None:
        """Shut every kernel down now (after Ctrl-C); a second Ctrl-C or kill does not cut this short."""
        import signal

        previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            for client in self.clients:
                client.shutdown_kernel = "immediate"
            if self.task is not None and not self.finished.is_set():
                self.loop.call_soon_threadsafe(self.task.cancel)
            self.finished.wait(8)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def wait(self) -> dict[str, tuple[NotebookNode, float]]:
        """``{name: (executed notebook, seconds)}`` once every notebook has run; the first failure is raised."""
        try:
            while not self.finished.wait(0.2):
                pass
        except KeyboardInterrupt:
            self.stop()
            raise
        error = self.outcome.get("error")
        if error is not None and not isinstance(error, asyncio.CancelledError):
            raise error
        return self.results


def execute_all(todo: list[Path], figures_staging: Path, log: Log,
                on_done: OnDone | None = None) -> dict[str, tuple[NotebookNode, float]]:
    """Execute ``todo`` concurrently and return ``{name: (executed notebook, seconds)}`` (:class:`Execution`)."""
    return Execution(todo, figures_staging, log, on_done).start().wait()
