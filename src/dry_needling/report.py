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
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

from . import paths

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.

KERNEL = "python3"
CELL_TIMEOUT = 600
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "[Interactive widget: run this notebook in JupyterLab (make lab) to use the sliders.]"
TEMPLATES = Path(__file__).parent / "templates"
CACHE_FILE = "manifest.json"
REPORTED_PACKAGES = ["python", "numpy", "pandas", "matplotlib", "seaborn", "frictionless", "nbconvert", "nbclient",
                     "ipykernel", "ipywidgets", "jupyterlab", "latex2mathml", "playwright"]


class BuildFailed(RuntimeError):
    """The build stopped; the message is one line naming what failed (a notebook, a file, a folder)."""


class NotebookFailed(BuildFailed):
    """A notebook raised during execution; the message names the notebook and the cell."""


# ---------------------------------------------------------------------------------------
# One fingerprint helper for every content-hash cache (execution, pages, sources, PDF)


def fingerprint(*parts) -> str:
    """SHA-256 over ``parts``: bytes and str as they are, a ``Path`` as its name and bytes (or a
    marker when missing), anything else as sorted JSON. Each part is length-prefixed, so moving
    bytes from one part to the next changes the result."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            data = part.name.encode() + b"\0" + (part.read_bytes() if part.is_file() else b"<missing>")
        elif isinstance(part, bytes):
            data = part
        elif isinstance(part, str):
            data = part.encode()
        else:
            data = json.dumps(part, sort_keys=True, default=str).encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Notebooks: list, read, normalise, execute


NOTEBOOK_NAME = re.compile(r"\d\d_[^/]+\.ipynb")


def notebooks() -> list[Path]:
    """The collection's notebooks in reading order (their file names start with a number)."""
    return sorted(p for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if NOTEBOOK_NAME.fullmatch(p.name))


def skipped_notebooks() -> list[Path]:
    """Notebooks in ``notebooks/`` that are not in the report because their name is not ``NN_title.ipynb``."""
    return sorted(p for p in paths.NOTEBOOKS_DIR.glob("*.ipynb") if not NOTEBOOK_NAME.fullmatch(p.name))


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


async def execute_async(path: Path, env: dict | None = None, clients: list | None = None):
    """Execute ``path`` top to bottom in a fresh kernel; return the executed, normalised notebook.
    Any failure raises :class:`NotebookFailed` with one line naming the notebook and the cell."""
    import atexit

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    read_json(path)  # one clear line for an empty or truncated file
    nb = nbformat.read(path, as_version=4)
    current = [None]
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, record_timing=False,
                            config=_kernel_config(), resources={"metadata": {"path": str(path.parent)}},
                            on_cell_execute=lambda cell, cell_index, **_: current.__setitem__(0, cell_index))
    if clients is not None:
        clients.append(client)
    name = paths.relative(path)
    where = lambda: f"cell {current[0] + 1}" if current[0] is not None else "kernel start"  # noqa: E731
    try:
        await client.async_execute(**({"env": env} if env is not None else {}))
    except CellExecutionError as exc:
        index = next((i for i, c in enumerate(nb.cells)
                      if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        cell = f"cell {index + 1}" if index is not None else "a cell"
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # drop the traceback's terminal colours
        last = plain.splitlines()[-1] if plain else exc.__class__.__name__
        raise NotebookFailed(f"{name}: {cell} failed: {last}") from None
    except CellTimeoutError:
        raise NotebookFailed(f"{name}: {where()} did not finish within {CELL_TIMEOUT} s") from None
    except DeadKernelError:
        raise NotebookFailed(f"{name}: the kernel died during {where()} (out of memory, or a crash in a "
                             "compiled library)") from None
    except RuntimeError as exc:  # e.g. the kernel did not start
        raise NotebookFailed(f"{name}: {where()}: {exc}".splitlines()[0]) from None
    finally:
        # Whatever happened (a cancelled build too), no kernel is left behind.
        atexit.unregister(client._cleanup_kernel)
        km = client.km
        if km is not None and km.has_kernel:
            try:
                await km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001  (already gone: nothing to shut down)
                pass
    return normalise(nb)


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


def _atomic_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_text(path: Path, text: str) -> None:
    _atomic_bytes(path, text.encode("utf-8"))


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
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
        try:
            for client in clients:
                client.shutdown_kernel = "immediate"
            loop.call_soon_threadsafe(task.cancel)
            finished.wait(8)
        finally:
            signal.signal(signal.SIGINT, previous)
        raise
    error = outcome.get("error")
    if error is not None and not isinstance(error, asyncio.CancelledError):
        raise error
    return results


# ---------------------------------------------------------------------------------------
# What a notebook depends on (for skipping unchanged notebooks)

PACKAGE_DIR = Path(__file__).parent


def input_key(path: Path) -> str:
    """Hash of everything a notebook's outputs depend on: its cells' sources and tags, the data
    package, the package's code, the normaliser that shapes stored outputs, and the pins."""
    nb = read_json(path)
    cells = [(c["cell_type"], "".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    data_dir = paths.DATA_DIR
    deps = sorted(data_dir.glob("*.csv")) + [data_dir / "datapackage.json"]
    deps += sorted(p for p in PACKAGE_DIR.rglob("*.py")
                   if p.name not in {"report.py", "__main__.py"})  # the builder: only its normaliser counts
    deps += [paths.ROOT / "requirements.txt"]
    return fingerprint(cells, *deps, _normaliser_source())


def _joined(value):
    """Multi-line strings as one string (a file stores them as a list of lines, or not)."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "".join(value)
    if isinstance(value, dict):
        return {k: _joined(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_joined(v) for v in value]
    return value


def outputs_key(nb: dict) -> str:
    """Hash of a notebook's stored outputs after normalising what a save in JupyterLab changes:
    hand-edited outputs are noticed, a learner's save is not."""
    return fingerprint(_joined(normalise(copy.deepcopy(nb))))


def figures_named_in(path_or_nb) -> list[str]:
    """Figure names a notebook saves (``save_figure(fig, "name", ...)``)."""
    nb = read_json(path_or_nb) if isinstance(path_or_nb, Path) else path_or_nb
    text = "".join("".join(c["source"]) for c in nb["cells"])
    return re.findall(r"save_figure\(\s*\w+,\s*\"([^\"]+)\"", text)


def _figure_files(nb: dict) -> dict[str, str]:
    """{file name: content hash or 'missing'} for every file the notebook's figures consist of."""
    folder = paths.figures_dir()
    files = {}
    for name in figures_named_in(nb):
        for suffix in (".png", ".svg", ".csv"):
            path = folder / f"{name}{suffix}"
            files[path.name] = fingerprint(path.read_bytes()) if path.is_file() else "missing"
    return files


def cache_entry(path: Path, seconds: float = 0.0) -> dict:
    """What the manifest remembers about an executed notebook."""
    nb = read_json(path)
    return {"key": input_key(path), "outputs": outputs_key(nb), "figures": _figure_files(nb),
            "seconds": round(seconds, 2)}


def why_execute(path: Path, manifest: dict) -> str | None:
    """Why ``path`` must be executed again, or None when its stored outputs can be reused."""
    entry = manifest.get(path.name)
    if not isinstance(entry, dict) or "outputs" not in entry:
        return "not executed by a build before"
    if entry.get("key") != input_key(path):
        return "inputs changed"
    nb = read_json(path)
    if any(c["cell_type"] == "code" and c.get("execution_count") is None and "".join(c["source"]).strip()
           for c in nb["cells"]):
        return "a cell has no stored output"
    if entry["outputs"] != outputs_key(nb):
        return "stored outputs were edited"
    figures = _figure_files(nb)
    if "missing" in figures.values():
        return "a figure file is missing"
    if figures != entry.get("figures"):
        return "a figure file changed"
    return None


def _needs_execution(path: Path, manifest: dict) -> bool:
    return why_execute(path, manifest) is not None


# ---------------------------------------------------------------------------------------
# Rendering


_BLOCK_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")


def latex_to_mathml(markdown: str) -> str:
    """Replace $$...$$ and $...$ in Markdown with MathML, which browsers render without scripts."""
    from latex2mathml.converter import convert

    def block(match):
        return "\n\n" + convert(match.group(1).strip(), display="block") + "\n\n"

    def inline(match):
        return convert(match.group(1).strip())

    return _INLINE_MATH.sub(inline, _BLOCK_MATH.sub(block, markdown))


def prepare_for_html(nb, alt_by_name: dict[str, str]):
    """A copy of ``nb`` ready for HTML: math as MathML, figure alt text attached, tagged cells removed, solution
    code marked for collapsing."""
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = latex_to_mathml(cell.source)
        if cell.cell_type == "code":
            if "remove-input" in tags:
                cell.metadata.setdefault("transient", {})["remove_source"] = True
                cell.source = ""
            if "remove-output" in tags:
                cell.outputs = []
            names = re.findall(r"save_figure\(\s*\w+,\s*\"([^\"]+)\"", cell.source)
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    alt = alt_by_name.get(names[0]) if names else None
                    output.setdefault("metadata", {})["alt"] = alt or _generic_alt(nb, cell)
        kept.append(cell)
    # Solution code (cells tagged "solution") is collapsed with its output, as in JupyterLab: each run of such
    # cells goes into one closed <details> (the template opens it before the first and closes it after the last).
    solution = [c.cell_type == "code" and "solution" in c.metadata.get("tags", []) for c in kept]
    for k, cell in enumerate(kept):
        if solution[k]:
            cell.metadata["solution_start"] = k == 0 or not solution[k - 1]
            cell.metadata["solution_end"] = k == len(kept) - 1 or not solution[k + 1]
    nb.cells = kept
    return nb


def _generic_alt(nb, cell) -> str:
    """Alt text for an image with no saved figure: the nearest preceding Markdown heading."""
    heading = "a chart"
    for other in nb.cells:
        if other is cell:
            break
        if other.cell_type == "markdown":
            for line in other.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("# ").strip()
    return f"Chart for the section '{heading}'; the text around it states what it shows."


_EXPORTER = None


def render_html(nb, nav_html: str = "", title: str = "") -> str:
    """HTML for one notebook with the offline template."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    page, _ = _EXPORTER.from_notebook_node(nb, resources={"nav_html": nav_html, "metadata": {"name": title},
                                                          "csp_meta": CSP_META})
    # Raw HTML in Markdown cells is ours, but made harmless anyway (defence in depth beside the CSP).
    # The head comes from our template and is left alone.
    head, body_start, rest = page.partition("<body")
    return head + body_start + neutralise(rest) if body_start else neutralise(page)


def _page_key(nb: dict, nav_html: str, alt_by_name: dict[str, str]) -> str:
    """Everything a rendered page depends on: the (normalised) stored notebook, its navigation, the alt
    texts, the template and this module."""
    return fingerprint(nb, nav_html, alt_by_name, *sorted(p for p in TEMPLATES.rglob("*") if p.is_file()),
                       Path(__file__))


@dataclass
class Page:
    path: Path
    href: str
    title: str
    summary: str
    minutes: int | None
    status: str
    seconds: float


def _markdown(nb: dict) -> list[str]:
    """The Markdown cells of a notebook read as plain JSON (no nbformat needed)."""
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "markdown"]


def _title(nb: dict, fallback: str) -> str:
    for text in _markdown(nb):
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return fallback


def _summary(nb: dict) -> tuple[str, int | None]:
    """The first sentence of the notebook's 'In short' paragraph, and its stated reading time."""
    text = "\n".join(_markdown(nb))
    short = re.search(r"\*\*In short\.\*\*\s*(.+?)(?:\n\n|$)", text, re.DOTALL)
    plain = re.sub(r"[*_`]", "", " ".join(short.group(1).split())) if short else ""  # Markdown emphasis off
    sentence = re.split(r"(?<=[.!?])\s", plain)[0]
    minutes = re.search(r"Reading time: about (\d+) minutes", text)
    return sentence, int(minutes.group(1)) if minutes else None


def _nav(pages: list[Page], k: int) -> str:
    esc = html.escape
    prev_link = (f'<a href="{esc(pages[k - 1].href)}" rel="prev">← {esc(pages[k - 1].title)}</a>' if k > 0
                 else "<span></span>")
    next_link = (f'<a href="{esc(pages[k + 1].href)}" rel="next">{esc(pages[k + 1].title)} →</a>'
                 if k + 1 < len(pages) else "<span></span>")
    return (f'<nav class="report-nav" aria-label="Notebook navigation">{prev_link}'
            f'<a href="index.html">Contents</a>{next_link}</nav>')


# ---------------------------------------------------------------------------------------
# Safety: links built from data, raw HTML in Markdown, and a Content-Security-Policy

#: Every page forbids scripts outright (the report needs none), plugins, frames, forms and <base>;
#: styles may be inline (nbconvert's), images may be inline (data:) or files beside the page.
CSP = ("default-src 'self' file: data:; script-src 'none'; object-src 'none'; frame-src 'none'; "
       "base-uri 'none'; form-action 'none'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

_WEB_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(r"""([^\s"'=<>/]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
              "ping", "cite", "longdesc", "manifest"}
_DROP_TAGS = {"script", "iframe", "object", "embed", "base", "form", "frame", "frameset", "applet", "meta",
              "link"}


def web_url(url) -> str | None:
    """``url`` if it is a plain https:// or http:// address (safe as a link), else None."""
    return url if isinstance(url, str) and _WEB_URL.fullmatch(url) else None


def _safe_link_value(name: str, value: str) -> bool:
    plain = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value)).lower()
    scheme = _SCHEME.match(plain)
    if scheme is None:
        return not plain.startswith("//") or name != "href"  # relative: fine
    if plain.startswith(("https:", "http:", "mailto:")) and name in {"href", "cite"}:
        return True
    return name == "src" and plain.startswith("data:image/")


def neutralise(page: str) -> str:
    """Raw HTML in a page body made harmless: script, frame, form, base, meta and link tags dropped,
    event-handler attributes (``onclick=``) dropped, and any URL attribute that is not http(s),
    mailto, relative or an inline image replaced by ``#unsafe-link-removed``. Text between tags
    (escaped code, prose) is left as it is."""

    def attrs(text: str) -> str:
        out = []
        for match in _ATTR.finditer(text):
            name = match.group(1).lower()
            if name.startswith("on") or name in {"style"} and "expression(" in (match.group(0).lower()):
                continue
            if name in _URL_ATTRS and match.group(2):
                value = next(v for v in match.group(3, 4, 5) if v is not None)
                if not _safe_link_value(name, value):
                    out.append(f'{name}="#unsafe-link-removed"')
                    continue
            out.append(match.group(0))
        return (" " + " ".join(out)) if out else ""

    def tag(match: re.Match) -> str:
        closing, name, rest = match.groups()
        if name.lower() in _DROP_TAGS:
            return ""
        tail = "/" if rest.rstrip().endswith("/") else ""
        return f"<{closing}{name}{attrs(rest.rstrip().rstrip('/'))}{tail}>"

    page = re.sub(r"<script\b.*?</script\s*>", "", page, flags=re.IGNORECASE | re.DOTALL)
    return _TAG.sub(tag, page)


# ---------------------------------------------------------------------------------------
# Site pages (all text from data files is escaped)

CSS = """
.report { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 62rem; margin: 1.5rem auto;
  padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }
.report-nav { display: flex; justify-content: space-between; gap: 1rem; padding: .6rem 1rem; margin: .5rem 0;
  font-family: "DejaVu Sans", Verdana, sans-serif;
  background: #f2f4f7; border-radius: 6px; font-size: .95rem; }
.report-nav a { color: #0b5394; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 1rem; }
.gallery figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: .5rem; background: #fff; }
.gallery img { width: 100%; height: auto; }
.gallery figcaption { font-size: .85rem; }
table.report-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.report-table td, table.report-table th { border-bottom: 1px solid #ddd; padding: .35rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
.note { background: #fff8e1; border-left: 4px solid #de8f05; padding: .5rem 1rem; }
img.report-figure { max-width: 100%; height: auto; }
@media print { .report-nav { display: none; } main, body { max-width: none; } .jp-Cell { break-inside: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; } }
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{CSP_META}'
            f"<title>{html.escape(title)}</title>"
            f'<link rel="stylesheet" href="report.css"></head>\n<body class="report">\n{neutralise(body)}\n'
            "</body></html>\n")


INDEX_COLUMNS = ("name", "title", "alt", "source", "png", "svg", "csv")


def _figure_index() -> list[dict]:
    """figures/index.csv as a list of rows (read with the csv module: no pandas or matplotlib needed).
    A damaged index raises :class:`BuildFailed` naming the file and the line."""
    import csv

    path = paths.figures_dir() / "index.csv"
    if not path.exists():
        return []
    shown = f"{paths.relative(path.parent)}/{path.name}"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BuildFailed(f"{shown} is damaged ({exc}); run `make report` after restoring it with git") from None
    missing = [c for c in INDEX_COLUMNS if c not in header]
    if missing:
        raise BuildFailed(f"{shown}, line 1: the header lacks {', '.join(missing)}; restore the file with git")
    for line, row in enumerate(rows, start=2):
        empty = [c for c in INDEX_COLUMNS if not (row.get(c) or "").strip()]
        if empty or None in row:
            what = f"no {', '.join(empty)}" if empty else "more fields than the header"
            raise BuildFailed(f"{shown}, line {line}: {what}; restore the file with git")
    return rows


def index_page(pages: list[Page], figures: list[dict], pdf: bool) -> str:
    """The report's front page: what it is, the reading order, the figure gallery, how to run it live."""
    esc = html.escape
    total = sum(p.minutes or 0 for p in pages)
    items = "\n".join(
        f'<li><a href="{esc(p.href)}">{esc(p.title)}</a> '
        f'<span class="minutes">({p.minutes} min)</span><br>{esc(p.summary)}</li>' for p in pages)
    cards = "\n".join(
        f'<figure><a href="figures/{esc(r["png"])}"><img src="figures/{esc(r["png"])}" alt="{esc(r["alt"])}" '
        f'></a><figcaption><strong>{esc(r["title"])}</strong><br>{esc(r["alt"])}<br>'
        f'<em>Source: {esc(r["source"])}</em><br><a href="figures/{esc(r["csv"])}">data (CSV)</a> · '
        f'<a href="figures/{esc(r["svg"])}">SVG</a></figcaption></figure>'
        for r in figures)
    pdf_line = ('<p><a href="collection.pdf">The whole report as one printable PDF</a> (for handouts).</p>'
                if pdf else '<p class="note">The printable PDF was not built: Chromium is not installed on the '
                            'machine that built this report.</p>')
    body = f"""<h1>Dry needling for back pain: the evidence, notebook by notebook</h1>
<p>A magazine article on dry needling for back pain states eight figures. This collection tabulates them with
their sources, sets each beside published research, and explains, with real trial data and a simulation, why
trials of needles are so hard to blind. Every number in it comes from a table in <a href="data/">data/</a>
that names its source.</p>
{pdf_line}
<h2>Reading order (about {total} minutes)</h2>
<ol class="reading-order">
{items}
</ol>
<h2>Run it live</h2>
<p>The sliders in notebook 03 and the exercises need a running Python kernel. On your own machine (Python 3.11
and make): <code>make lab</code> opens JupyterLab on the first notebook. On Binder, launch
<code>https://mybinder.org/v2/gh/&lt;owner&gt;/&lt;repository&gt;/HEAD?labpath=notebooks/00_start_here.ipynb</code>
(Binder builds from <code>environment.yml</code>).</p>
<p>Teaching with it? Read the <a href="teaching-guide.html">teaching guide</a> (lesson and workshop plans).</p>
<p>Also: <a href="sources.html">every source</a> · <a href="build.html">how this report was built</a> ·
<a href="data/">the data tables</a> · <a href="figures/index.csv">the figure index (CSV)</a>.</p>
<h2>Figures</h2>
<div class="gallery">
{cards}
</div>
<p>Code: MIT licence. Prose and our data compilation: CC BY 4.0. Facts and numbers belong to their sources.</p>
"""
    return _page("Dry needling for back pain: evidence notebooks", body)


def _read_at(source) -> str:
    """The copy actually read, as a second link, when it differs from the canonical page.

    ``read_at`` holds one or more addresses separated by "; ", each optionally followed by a note in
    parentheses, e.g. "http://mirror.example/x (abstract, PubMed copy); https://other.example/y"."""
    read = source.get("read_at")
    if not isinstance(read, str) or not read:
        return ""
    links = []
    for part in read.split("; "):
        url, _, note = part.partition(" (")
        note = f" ({html.escape(note)}" if note else ""
        safe = web_url(url)  # only https/http addresses become links
        links.append((f'<a href="{html.escape(safe)}">{html.escape(safe)}</a>' if safe else html.escape(url)) + note)
    label = "read at (secondary copy)" if source.get("secondary_copy") else "read at"
    return f"<br>{label}: {'; '.join(links)}"


def sources_page(sources) -> str:
    esc = html.escape
    rows = []
    for _, s in sources.iterrows():
        doi = s.get("doi")
        doi_html = (f' doi:<a href="https://doi.org/{esc(quote(doi, safe="/:;()._-"))}">{esc(doi)}</a>'
                    if isinstance(doi, str) and doi else "")
        accessed = s["accessed"].strftime("%Y-%m-%d") if hasattr(s["accessed"], "strftime") else str(s["accessed"])
        url = web_url(s["url"])
        link = (f'<a href="{esc(url)}">{esc(url)}</a>' if url else
                f'{esc(str(s["url"]))} <em>(not linked: only https and http addresses are)</em>')
        rows.append(f'<tr id="{esc(s["id"])}"><td><code>{esc(s["id"])}</code></td><td>{esc(s["citation"])}{doi_html}'
                    f'<br>{link}{_read_at(s)}</td><td>{esc(s["supports"])}</td>'
                    f"<td>{esc(str(s['licence']))}</td><td>{esc(accessed)}</td></tr>")
    body = (f'<p><a href="index.html">← Contents</a></p><h1>Sources</h1><p>{len(rows)} sources, from '
            f'<a href="data/sources.csv">data/sources.csv</a>. The first link is the publisher\'s, DOI or official '
            "page where one exists; 'read at' gives the copy we actually read.</p>"
            '<table class="report-table"><tr><th>Id</th><th>Citation</th><th>Used for</th><th>Licence</th>'
            f'<th>Accessed</th></tr>{"".join(rows)}</table>')
    return _page("Sources", body)


def build_page(pages: list[Page], total_seconds: float) -> str:
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(p.path.name)}</td><td>{esc(p.status)}</td><td>{p.seconds:.1f} s</td></tr>"
                   for p in pages)
    versions = []
    for name in REPORTED_PACKAGES:
        try:
            v = sys.version.split()[0] if name == "python" else version(name)
        except PackageNotFoundError:
            v = "not installed"
        versions.append(f"<tr><td>{esc(name)}</td><td>{esc(v)}</td></tr>")
    body = (f'<p><a href="index.html">← Contents</a></p><h1>How this report was built</h1>'
            f"<p>Built by <code>make report</code> in {total_seconds:.0f} s. \"executed\" means the notebook ran "
            "top to bottom in a fresh kernel during this build; \"reused\" means none of its inputs (its cells, "
            "the data, the package code, the pinned versions) had changed since the last build, so its stored "
            "outputs were rendered.</p>"
            f'<table class="report-table"><tr><th>Notebook</th><th>Status</th><th>Time</th></tr>{rows}</table>'
            f'<h2>Package versions</h2><table class="report-table">{"".join(versions)}</table>')
    return _page("How this report was built", body)


def guide_page() -> str:
    """docs/teaching-guide.md as a page of the report (our own Markdown, rendered with mistune)."""
    import mistune

    guide = paths.ROOT / "docs" / "teaching-guide.md"
    body = mistune.html(guide.read_text(encoding="utf-8")) if guide.exists() else "<p>Guide not found.</p>"
    return _page("Teaching guide", '<p><a href="index.html">← Contents</a></p>' + body)


def data_page(descriptor: dict) -> str:
    esc = html.escape
    rows = "".join(f'<tr><td><a href="{esc(quote(str(r["path"])))}">{esc(str(r["path"]))}</a></td>'
                   f'<td>{esc(str(r.get("title", "")))}</td>'
                   f'<td>{esc(str(r.get("description", "")))}</td></tr>' for r in descriptor["resources"])
    body = ('<p><a href="../index.html">← Contents</a></p><h1>Data tables</h1><p>Every table as CSV, described by '
            '<a href="datapackage.json">datapackage.json</a> (Frictionless Data Package) and the '
            '<a href="README.md">codebook</a>.</p>'
            f'<table class="report-table"><tr><th>File</th><th>Title</th><th>Description</th></tr>{rows}</table>')
    return _page("Data tables", body).replace('href="report.css">', 'href="../report.css">')


# ---------------------------------------------------------------------------------------
# PDF (headless Chromium through Playwright, when installed)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


def print_pdf(report: Path, pages: list[Page]) -> str | None:
    """Print the contents and every notebook page into one PDF via a combined print page.
    Returns None when printed, otherwise what is missing."""
    executable = chromium_path()
    if executable is None:
        return "Chromium is not installed (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    parts = []
    for page in pages:
        text = (report / page.href).read_text(encoding="utf-8")
        styles = "".join(re.findall(r"<style[^>]*>.*?</style>", text, re.DOTALL)) if not parts else ""
        main = re.search(r"<main>(.*)</main>", text, re.DOTALL)
        parts.append(styles + f'<section style="break-before: page">{main.group(1) if main else ""}</section>')
    combined = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{CSP_META}<title>Collection</title>'
                '<link rel="stylesheet" href="report.css"></head><body class="jp-Notebook"><main>'
                '<section class="report">'
                + (report / "index.html").read_text(encoding="utf-8").split('<body class="report">')[1]
                .split("</body>")[0] + "</section>" + "".join(parts) + "</main></body></html>")
    print_page = report / "print.html"
    print_page.write_text(combined, encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        tab = browser.new_page()
        tab.goto(print_page.as_uri(), wait_until="load")
        tab.pdf(path=str(report / "collection.pdf"), format="A4", print_background=True,
                margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        browser.close()
    print_page.unlink()
    return None


# ---------------------------------------------------------------------------------------
# The build


def _copy_tree(source: Path, target: Path, pattern: str = "*") -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob(pattern)):
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)
            os.chmod(target / path.name, 0o644)


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
    out_dir = out_dir or paths.REPORT_DIR
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
        rendered = 0
        for k, (page, nb) in enumerate(zip(pages, nbs, strict=True)):
            nav = _nav(pages, k)
            key = _page_key(nb, nav, alt_by_name)
            previous = out_dir / page.href
            if page_keys.get(page.href) == key and previous.exists():
                shutil.copy2(previous, staging / page.href)  # same notebook, same page: no need to render
                continue
            import nbformat

            text = render_html(prepare_for_html(nbformat.reads(json.dumps(nb), as_version=4), alt_by_name), nav,
                               page.title)
            (staging / page.href).write_text(text, encoding="utf-8")
            page_keys[page.href] = key
            rendered += 1
        (staging / "report.css").write_text(CSS, encoding="utf-8")
        _copy_tree(paths.figures_dir(), staging / "figures")
        _copy_tree(paths.DATA_DIR, staging / "data")
        descriptor = json.loads((paths.DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
        (staging / "data" / "index.html").write_text(data_page(descriptor), encoding="utf-8")
        sources_key = fingerprint(paths.DATA_DIR / "sources.csv", paths.DATA_DIR / "datapackage.json", Path(__file__))
        if page_keys.get("sources.html") == sources_key and (out_dir / "sources.html").exists():
            shutil.copy2(out_dir / "sources.html", staging / "sources.html")
        else:
            from . import data

            (staging / "sources.html").write_text(sources_page(data.load("sources")), encoding="utf-8")
            page_keys["sources.html"] = sources_key
        (staging / "teaching-guide.html").write_text(guide_page(), encoding="utf-8")
        log(f"  rendered {rendered} of {len(pages)} pages in {time.perf_counter() - render_started:.1f} s"
            f"{' (the others are unchanged)' if rendered < len(pages) else ''}")

        key = pdf_key([(staging / pg.href) for pg in pages], figures)
        old_pdf = out_dir / "collection.pdf"
        has_pdf = False
        if pdf and manifest.get("_pdf_key") == key and old_pdf.exists():
            shutil.copy2(old_pdf, staging / "collection.pdf")
            has_pdf = True
        (staging / "index.html").write_text(index_page(pages, figures, pdf=True), encoding="utf-8")
        if pdf and not has_pdf:
            pdf_started = time.perf_counter()
            missing = print_pdf(staging, pages)
            has_pdf = missing is None
            if has_pdf:
                log(f"  printed collection.pdf in {time.perf_counter() - pdf_started:.1f} s")
                manifest["_pdf_key"] = key
            else:
                log(f"  collection.pdf skipped: {missing}")
        if not has_pdf:
            (staging / "index.html").write_text(index_page(pages, figures, pdf=False), encoding="utf-8")
        total = time.perf_counter() - started
        (staging / "build.html").write_text(build_page(pages, total), encoding="utf-8")
        swap_into_place(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for p in todo:
        manifest[p.name] = cache_entry(p, timings[p.name][1])
    _atomic_text(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return out_dir


def pdf_key(pages: list[Path], figures: list[dict]) -> str:
    """Everything the printed PDF depends on: the rendered pages, the CSS, the figure index, this module."""
    return fingerprint(*pages, CSS, figures, Path(__file__))


INTERRUPTED = "Interrupted; the previous report in build/report is unchanged."


_INTERRUPTED = False


def _raise_interrupt(signum, frame):
    global _INTERRUPTED
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
            signal.signal(sig, handler)


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
        from .data import DataValidationError

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
