"""The one place notebooks are listed, read, written and normalised, and the figure names they save.

The collection is every ``NN_title.ipynb`` in the notebooks folder (:func:`collection`), in reading order. A notebook
is read as plain JSON (:func:`read_json`: fast, no nbformat) or as an nbformat node (:func:`read`); an empty,
truncated or unreadable file raises :class:`NotebookUnreadable` with one line naming it. :func:`normalise` removes
what changes from machine to machine or with a save in JupyterLab, and :func:`write` stores a notebook only when its
text changed. :func:`figure_names` reads the names a notebook's ``save_figure`` calls give.

Used by the report builder, the classroom editions, the prose checks and the tests. nbformat is imported only by the
functions that need it (importing it costs a few tenths of a second).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import paths
from .files import atomic_write

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["KERNEL", "NOTEBOOK_NAME", "WIDGET_MIME", "WIDGET_NOTE", "NotebookUnreadable", "collection",
           "figure_names", "figures_saved_by", "normalise", "normaliser_source", "read", "read_json", "skipped",
           "stored_text", "write"]

#: The kernel every notebook runs in (its kernelspec is set to this by :func:`normalise`).
KERNEL = "python3"
#: The MIME type of a widget view, and the note stored instead of it.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "[Interactive widget: run this notebook in JupyterLab (make lab) to use the sliders.]"
#: A notebook of the collection: two digits, an underscore, a title.
NOTEBOOK_NAME = re.compile(r"\d\d_[^/]+\.ipynb")

Notebook = TypeVar("Notebook", bound="dict[str, Any]")


class NotebookUnreadable(RuntimeError):
    """A notebook file that cannot be used; the message is one line naming the file and what to do."""


# --- listing ---------------------------------------------------------------------------------------

def collection(folder: str | Path | None = None) -> list[Path]:
    """The collection's notebooks in reading order (``NN_title.ipynb`` in ``folder``, default the notebooks
    folder)."""
    return sorted(p for p in paths.notebook_files(folder) if NOTEBOOK_NAME.fullmatch(p.name))


def skipped(folder: str | Path | None = None) -> list[Path]:
    """Notebooks in the folder that are not in the collection because their name is not ``NN_title.ipynb``."""
    where = Path(folder) if folder is not None else paths.notebooks_dir()
    return sorted(p for p in where.glob("*.ipynb") if not NOTEBOOK_NAME.fullmatch(p.name))


# --- reading and writing ---------------------------------------------------------------------------

def _text(path: Path) -> str:
    shown = paths.relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookUnreadable(f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise NotebookUnreadable(f"{shown}: cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise NotebookUnreadable(f"{shown}: the file is empty (restore it: git checkout -- {shown})")
    return text


def parse_json(text: str, path: Path) -> dict[str, Any]:
    """``text`` (a notebook file's content) as plain JSON, or :class:`NotebookUnreadable` naming ``path``."""
    try:
        nb = json.loads(text)
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except ValueError as exc:
        raise NotebookUnreadable(f"{paths.relative(path)}: not a valid notebook ({str(exc).splitlines()[0]}); "
                                 "restore it with git or re-save it in JupyterLab") from None
    return nb


def read_json(path: Path) -> dict[str, Any]:
    """A notebook as plain JSON (no nbformat needed); an empty, truncated or unreadable file raises
    :class:`NotebookUnreadable` with one line naming it."""
    return parse_json(_text(path), path)


def read(path: Path) -> NotebookNode:
    """A notebook as an nbformat (v4) node, after the checks of :func:`read_json`."""
    import nbformat

    text = _text(path)
    parse_json(text, path)  # one clear line for an empty or truncated file
    return nbformat.reads(text, as_version=4)


def stored_text(nb: NotebookNode) -> str:
    """The text :func:`write` stores for ``nb`` (nbformat's, with a final newline)."""
    import nbformat

    return str(nbformat.writes(nb)) + "\n"


def write(nb: NotebookNode, path: Path) -> bool:
    """Write ``nb`` to ``path`` atomically if its text changed; return whether it changed."""
    text = stored_text(nb)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write(path, text)
    return True


# --- normalising -----------------------------------------------------------------------------------

def _merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive stdout (or stderr) chunks: how a print is split into chunks depends on timing."""
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def normalise(nb: Notebook) -> Notebook:
    """Remove or fix what changes from machine to machine, run to run, or with a save in JupyterLab
    (widget model ids, the Python patch version, timings). Works on a NotebookNode or plain JSON, in place."""
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


def normaliser_source() -> str:
    """The code and constants that shape stored outputs (part of the execution cache key: a change re-executes)."""
    import inspect

    module = sys.modules[__name__]
    return "\n".join([inspect.getsource(module.normalise), inspect.getsource(module._merge_streams),
                      module.WIDGET_MIME, module.WIDGET_NOTE, module.KERNEL])


# --- figure names ----------------------------------------------------------------------------------

_QUOTED = r"""(["'])(?P<name>[^"'\\\n]*)\1"""
_POSITIONAL = re.compile(r"\s*(?:fig\s*=\s*)?[\w.\[\]]+\s*,\s*(?:name\s*=\s*)?" + _QUOTED)
_KEYWORD = re.compile(r"[^()]*?\bname\s*=\s*" + _QUOTED)


def figure_names(source: str) -> list[str]:
    """The figure names in ``source``'s ``save_figure`` calls, in order: the second argument, or ``name=``, in
    single or double quotes (a name that is not a string literal is not listed).

    >>> figure_names('charts.save_figure(fig, "burden", alt="...")\\nsave_figure(ax.figure, name=\\'map\\')')
    ['burden', 'map']
    >>> figure_names("save_figure(name='late', fig=fig)")
    ['late']
    """
    names = []
    for call in re.finditer(r"\bsave_figure\(", source):
        rest = source[call.end():]
        match = _POSITIONAL.match(rest) or _KEYWORD.match(rest)
        if match:
            names.append(match.group("name"))
    return names


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (a file stores it as a list of lines, or not)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def figures_saved_by(notebook: Path | dict[str, Any]) -> list[str]:
    """The figure names a notebook (a path, or the notebook itself) saves, in order."""
    nb = read_json(notebook) if isinstance(notebook, Path) else notebook
    return figure_names("\n".join(cell_source(c) for c in nb["cells"]))  # a call may open a cell
