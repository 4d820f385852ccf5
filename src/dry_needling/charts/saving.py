"""Deterministic figure saving: :func:`save_figure` writes ``figures/<name>.png``, ``.svg`` and ``.csv``
(the plotted data), stamps a source line on the figure and records name, title, alt text and source in
``figures/index.csv``; :func:`show` displays the PNG it already rendered. Files are written atomically
and only when their bytes change."""

from __future__ import annotations

import csv
import fcntl
import io
import re
import weakref
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle

from .. import paths
from ..data.spreadsheet import formula_like
from ..files import atomic_write as _atomic_write
from .style import HOUSE_RC, INK

__all__ = ["INDEX_FIELDS", "NAME_MAX", "RESERVED_NAMES", "save_figure", "show", "figure_data", "read_index",
           "atomic_write"]


def atomic_write(path: Path, payload: bytes) -> None:
    """Write bytes to ``path`` via a temporary file and rename; skip if unchanged
    (:func:`dry_needling.files.atomic_write`)."""
    _atomic_write(path, payload, skip_unchanged=True)


INDEX_FIELDS = ["name", "title", "alt", "source", "png", "svg", "csv"]
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # used with fullmatch: a trailing newline does not pass
NAME_MAX = 100  # characters; with the extension well under the 255 a file name may have
RESERVED_NAMES = {"index"}  # files save_figure writes itself (figures/index.csv)
#: Refused in alt, source and title: every C0 and C1 control character (tab, line feed and carriage return too),
#: the line and paragraph separators, and the bidirectional controls that reorder how text is shown (U+202E).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SOURCE_GID = "dry-needling-source-line"

#: PNG bytes save_figure rendered, per figure (weakly held), so show() need not render again.
_RENDERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# ---------------------------------------------------------------------------------------
# Saving


def _figure_title(fig) -> str:
    suptitle = fig.get_suptitle().strip()
    if suptitle:
        return suptitle
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            text = ax.get_title(loc=loc).strip()
            if text:
                return text
    return ""


def _stamp_source(fig, source: str) -> None:
    """Put (or replace) a 'Source:' line at the bottom left of the figure."""
    for text in list(fig.texts):
        if text.get_gid() == _SOURCE_GID:
            text.remove()
    fig.text(0.01, 0.005, f"Source: {source}", ha="left", va="bottom", fontsize=9, color=INK,
             wrap=True, gid=_SOURCE_GID)


def figure_data(fig) -> pd.DataFrame:
    """The data drawn in ``fig`` as a tidy table: one row per plotted point or bar.

    Covers lines, scatter points and bars (rectangles with a label or in a bar container);
    pass ``data=`` to :func:`save_figure` for anything else.
    """
    rows = []
    for a, ax in enumerate(fig.axes):
        panel = ax.get_title(loc="left") or ax.get_title() or f"panel {a + 1}"
        for line in ax.get_lines():
            label = line.get_label()
            if label.startswith("_child") or label.startswith("_line"):
                label = ""
            for x, y in zip(np.asarray(line.get_xdata()), np.asarray(line.get_ydata()), strict=True):
                rows.append({"panel": panel, "kind": "line", "series": label, "x": x, "y": y})
        for coll in ax.collections:
            if isinstance(coll, PathCollection):
                label = coll.get_label() if not coll.get_label().startswith("_") else ""
                for x, y in np.asarray(coll.get_offsets()):
                    rows.append({"panel": panel, "kind": "point", "series": label, "x": x, "y": y})
        for container in ax.containers:
            label = container.get_label() if not str(container.get_label()).startswith("_") else ""
            for patch in getattr(container, "patches", []):
                if isinstance(patch, Rectangle):
                    rows.append({"panel": panel, "kind": "bar", "series": label, "x": patch.get_x(),
                                 "y": patch.get_y(), "width": patch.get_width(), "height": patch.get_height()})
    return pd.DataFrame(rows)


def _index_path(folder: Path) -> Path:
    return folder / "index.csv"


def read_index(folder: str | Path | None = None) -> pd.DataFrame:
    """The figure index (name, title, alt, source, file names), sorted by name."""
    folder = Path(folder) if folder is not None else paths.figures_dir()
    path = _index_path(folder)
    if not path.exists():
        return pd.DataFrame(columns=INDEX_FIELDS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _update_index(folder: Path, entry: dict) -> None:
    lock_path = folder / ".index.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # notebooks may save figures concurrently
        path = _index_path(folder)
        entries = {}
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                entries = {row["name"]: row for row in csv.DictReader(fh) if row.get("name")}
        entries[entry["name"]] = entry
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=INDEX_FIELDS, lineterminator="\n")
        writer.writeheader()
        for name in sorted(entries):
            writer.writerow({k: entries[name].get(k, "") for k in INDEX_FIELDS})
        _atomic_write(path, buffer.getvalue().encode("utf-8"), skip_unchanged=True)


def save_figure(fig, name: str, *, alt: str, source: str, data: pd.DataFrame | None = None,
                title: str | None = None) -> dict:
    """Save ``fig`` as ``figures/<name>.png`` and ``.svg``, its data as ``.csv``, and index it.

    ``alt`` is the alt text (say what the figure shows and what it means), ``source`` the short
    citation printed on the figure and stored in the index. ``data`` is the plotted data; if not
    given it is read off the figure (lines, points, bars). ``title`` defaults to the figure's
    suptitle or first axes title. Returns the index entry. Output bytes repeat run to run.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > NAME_MAX:
        shown = name[:NAME_MAX + 10] if isinstance(name, str) else name
        raise ValueError(f"name: figure name {shown!r} must be 1-{NAME_MAX} lower-case letters, digits, '-' or '_' "
                         "(it names files)")
    if name in RESERVED_NAMES:
        raise ValueError(f"name: figure name {name!r} is reserved (figures/{name}.csv is the figure index)")
    if not isinstance(alt, str) or len(alt.strip()) < 20:
        raise ValueError(f"alt: figure {name!r}: alt text must describe the finding in words (got {alt!r})")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"source: figure {name!r}: a source is required (got {source!r})")
    if title is not None and not isinstance(title, str):
        raise ValueError(f"title: figure {name!r}: the title must be text (got {title!r})")
    if title is None:  # the figure's own title: its line breaks are layout, stored as spaces
        title = re.sub(r"\s*\n\s*", " ", _figure_title(fig))
    title = title.strip()
    if not title:
        raise ValueError(f"title: figure {name!r}: give the figure a title (suptitle or axes title) or pass title=")
    for argument, text in (("alt", alt), ("source", source), ("title", title)):
        bad = _CONTROL.search(text)
        if bad:
            raise ValueError(f"{argument}: figure {name!r}: control character {bad.group()!r} at position "
                             f"{bad.start()} (only printable text and spaces are stored)")
        if formula_like(text):
            raise ValueError(f"{argument}: figure {name!r}: {text[:40]!r} starts like a spreadsheet formula (=, or "
                             "+, - or @ before a function or cell reference); the figure index is a CSV file a "
                             "spreadsheet would run it from: reword it")
    table = figure_data(fig) if data is None else pd.DataFrame(data)
    if table.empty:
        raise ValueError(f"figure {name!r}: no plotted data found; pass data= with what the figure shows")

    folder = paths.figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _stamp_source(fig, source.strip())
    with mpl.rc_context({"svg.hashsalt": HOUSE_RC["svg.hashsalt"], "svg.fonttype": "path"}):
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", dpi=HOUSE_RC["savefig.dpi"], facecolor="white",
                    metadata={"Software": None})
        fig.savefig(svg, format="svg", facecolor="white", metadata={"Date": None})
    csv_bytes = table.to_csv(index=False, lineterminator="\n", float_format="%.6g").encode("utf-8")

    _RENDERED[fig] = png.getvalue()  # for show(): display these bytes instead of rendering again
    targets = {folder / f"{name}.{ext}" for ext in ("png", "svg", "csv")}
    if _index_path(folder) in targets:  # pragma: no cover - the name checks above already prevent it
        raise ValueError(f"name: figure {name!r} would overwrite the figure index")
    _atomic_write(folder / f"{name}.png", png.getvalue(), skip_unchanged=True)
    _atomic_write(folder / f"{name}.svg", svg.getvalue(), skip_unchanged=True)
    _atomic_write(folder / f"{name}.csv", csv_bytes, skip_unchanged=True)
    entry = {"name": name, "title": title, "alt": " ".join(alt.split()), "source": " ".join(source.split()),
             "png": f"{name}.png", "svg": f"{name}.svg", "csv": f"{name}.csv"}
    _update_index(folder, entry)
    return entry


def show(fig) -> None:
    """Display a saved figure in the notebook from the PNG that :func:`save_figure` already rendered
    (no second rendering), then close it. Unsaved figures are shown the usual way."""
    png = _RENDERED.get(fig)
    if png is None:
        plt.show()
        return
    from IPython.display import Image, display

    display(Image(data=png, format="png", width=int(fig.get_figwidth() * fig.dpi)))
    plt.close(fig)


