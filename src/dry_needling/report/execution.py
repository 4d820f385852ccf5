"""Notebooks: list, read, normalise and execute them (one kernel per core, Ctrl-C safe)."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from .. import paths

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import BuildFailed, NotebookFailed, _atomic_text

KERNEL = "python3"
CELL_TIMEOUT = 600
#: The most output one cell may produce (characters of text and of base64 images, summed over its outputs); a
#: cell that prints more is stopped (its kernel is shut down) and the build stops with one line naming it, before
#: anything is written.
CELL_OUTPUT_LIMIT = 5_000_000
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "[Interactive widget: run this notebook in JupyterLab (make lab) to use the sliders.]"


# ---------------------------------------------------------------------------------------
# Notebooks: list, read, normalise, execute


NOTEBOOK_NAME = re.compile(r"\d\d_[^/]+\.ipynb")


def notebooks() -> list[Path]:
    """The collection's notebooks in reading order (their file names start with a number)."""
    return sorted(p for p in paths.notebook_files() if NOTEBOOK_NAME.fullmatch(p.name))


def skipped_notebooks() -> list[Path]:
    """Notebooks in ``notebooks/`` that are not in the report because their name is not ``NN_title.ipynb``."""
    return sorted(p for p in paths.notebooks_dir().glob("*.ipynb") if not NOTEBOOK_NAME.fullmatch(p.name))


def read_json(path: Path) -> dict:
    """A notebook as plain JSON; an empty, truncated or unreadable file raises :class:`BuildFailed`
    with one line naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BuildFailed(f"{paths.relative(path)}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise BuildFailed(f"{paths.relative(path)}: cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise BuildFailed(f"{paths.relative(path)}: the file is empty (restore it: git checkout -- "
                          f"{paths.relative(path)})")
    try:
        nb = json.loads(text)
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except ValueError as exc:
        raise BuildFailed(f"{paths.relative(path)}: not a valid notebook ({str(exc).splitlines()[0]}); "
                          "restore it with git or re-save it in JupyterLab") from None
    return nb


def _merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks: how a print is split into chunks depends on timing."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def normalise(nb):
    """Remove or fix what changes from machine to machine, run to run, or with a save in JupyterLab
    (widget model ids, the Python patch version, timings). Works on a NotebookNode or plain JSON."""
    metadata = nb.setdefault("metadata", {})
    metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
    metadata.pop("widgets", None)
    metadata.get("language_info", {}).pop("version", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("ExecuteTime", None)
        if "outputs" in cell:
            cell["outputs"] = _merge_streams(cell["outputs"])
        for output in cell.get("outputs", []):
            # A widget's model id is random and its state is not stored, so the view could not be shown
            # anyway: keep a plain note instead (stable bytes, and readable in the HTML report).
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/plain": WIDGET_NOTE}
    return nb


def _normaliser_source() -> str:
    """The code that shapes stored outputs (part of the execution cache key: a change re-executes)."""
    import inspect

    module = sys.modules[__name__]
    return "\n".join([inspect.getsource(module.normalise), inspect.getsource(module._merge_streams),
                      module.WIDGET_MIME, module.WIDGET_NOTE, module.KERNEL])


def _kernel_config():
    """Kernels talk over local IPC sockets (no TCP ports, and no 'running over TCP without encryption'
    warning from ipykernel); the socket files go to the temporary folder, never the repository."""
    import uuid

    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"dn-kernel-{uuid.uuid4().hex[:12]}")
    return config


def _content_size(content) -> int:
    """Characters of text (streams, tracebacks, every MIME bundle's values) in an output message's content."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(_content_size(value) for value in content.values())
    if isinstance(content, list):
        return sum(_content_size(value) for value in content)
    return 0


def _limited_client_class():
    """nbclient's NotebookClient with an output budget per cell (:data:`CELL_OUTPUT_LIMIT`)."""
    import asyncio

    from nbclient import NotebookClient

    class LimitedClient(NotebookClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.output_sizes: dict[int, int] = {}
            self.too_big: dict[int, int] = {}
            self._interrupts: list = []

        def output(self, outs, msg, display_id, cell_index):
            size = self.output_sizes.get(cell_index, 0) + _content_size(msg.get("content"))
            self.output_sizes[cell_index] = size
            if size <= CELL_OUTPUT_LIMIT:
                return super().output(outs, msg, display_id, cell_index)
            if cell_index not in self.too_big:  # stop the kernel: nothing more of this run is kept
                self.too_big[cell_index] = size
                if self.km is not None:
                    self._interrupts.append(asyncio.ensure_future(self.km.shutdown_kernel(now=True)))
            self.too_big[cell_index] = size
            return None

    return LimitedClient


async def execute_async(path: Path, env: dict | None = None, clients: list | None = None):
    """Execute ``path`` top to bottom in a fresh kernel; return the executed, normalised notebook.
    Any failure raises :class:`NotebookFailed` with one line naming the notebook and the cell."""
    import atexit

    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    read_json(path)  # one clear line for an empty or truncated file
    nb = nbformat.read(path, as_version=4)
    current = [None]
    client = _limited_client_class()(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, record_timing=False,
                            config=_kernel_config(), resources={"metadata": {"path": str(path.parent)}},
                            on_cell_execute=lambda cell, cell_index, **_: current.__setitem__(0, cell_index))
    if clients is not None:
        clients.append(client)
    name = paths.relative(path)
    where = lambda: f"cell {current[0] + 1}" if current[0] is not None else "kernel start"  # noqa: E731

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
    return normalise(nb)


def _one_line(exc: Exception, nb, name: str, where: str) -> NotebookFailed:
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


def execute(path: Path):
    """Execute ``path`` top to bottom in a fresh kernel and return the executed, normalised notebook."""
    import asyncio

    return asyncio.run(execute_async(path))


def write_notebook(nb, path: Path) -> bool:
    """Write ``nb`` to ``path`` atomically if its text changed; return whether it changed."""
    import nbformat

    text = nbformat.writes(nb) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    _atomic_text(path, text)
    return True



def _execute_all(todo: list[Path], figures_staging: Path, log) -> dict[str, tuple]:
    """Execute ``todo`` concurrently (one kernel per notebook, at most one per core) in a helper thread
    and return ``{name: (executed notebook, seconds)}``. Kernels write their figures to
    ``figures_staging``. The first failure cancels the other notebooks; Ctrl-C (KeyboardInterrupt in
    the main thread) shuts every kernel down before it propagates. Nothing is written here."""
    import asyncio
    import signal
    import threading

    env = dict(os.environ, DRY_NEEDLING_FIGURES=str(figures_staging))
    clients: list = []
    results: dict[str, tuple] = {}
    at_once = min(len(todo), os.cpu_count() or 1)

    async def one(path: Path, slots: asyncio.Semaphore) -> None:
        async with slots:
            started = time.perf_counter()
            nb = await execute_async(path, env, clients)
            results[path.name] = (nb, time.perf_counter() - started)
            log(f"  {path.name}: executed in {results[path.name][1]:.1f} s")

    async def run_all() -> None:
        slots = asyncio.Semaphore(at_once)
        tasks = [asyncio.ensure_future(one(p, slots)) for p in todo]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:  # a failure (or Ctrl-C) stops the other notebooks too
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()

    loop = asyncio.new_event_loop()
    task = loop.create_task(run_all())
    outcome: dict = {}
    finished = threading.Event()  # not Thread.join: a join cut by Ctrl-C can wrongly report the thread ended

    def runner() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(task)
        except BaseException as exc:  # noqa: BLE001  (handed to the main thread)
            outcome["error"] = exc
        finally:
            leftover = asyncio.all_tasks(loop)  # nbclient's kernel-alive pollers
            for pending in leftover:
                pending.cancel()
            loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
            loop.close()
            finished.set()

    # nbclient installs its own SIGINT handler only in the main thread: running the loop in a helper
    # thread leaves Ctrl-C to us (KeyboardInterrupt below).
    thread = threading.Thread(target=runner, name="execute-notebooks", daemon=True)
    thread.start()
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        # a second Ctrl-C or kill must not cut the clean-up
        previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            for client in clients:
                client.shutdown_kernel = "immediate"
            loop.call_soon_threadsafe(task.cancel)
            finished.wait(8)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        raise
    error = outcome.get("error")
    if error is not None and not isinstance(error, asyncio.CancelledError):
        raise error
    return results


