"""House style and deterministic figure saving.

* :func:`use_house_style` -- colour-blind-safe palette (seaborn ``colorblind``), opaque white
  background, readable fonts (DejaVu Sans, shipped with matplotlib, so every machine draws the
  same glyphs), and the settings that make SVG output repeat byte for byte.
* :func:`save_figure` -- writes ``figures/<name>.png``, ``.svg`` and ``.csv`` (the plotted data),
  stamps a source line on the figure, and records name, title, alt text and source in
  ``figures/index.csv``. Files are written atomically and only when their bytes change.
* :func:`waffle` -- a 10 x 10 part-of-whole chart, which reads better than a pie.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from . import paths

__all__ = [
    "PALETTE",
    "ARTICLE",
    "RESEARCH",
    "CONTEXT",
    "use_house_style",
    "save_figure",
    "show",
    "figure_data",
    "read_index",
    "waffle",
    "meta_forest_plot",
]

# seaborn's "colorblind" palette (Okabe-Ito-like), written out so the package does not need
# seaborn at import time; tests/test_charts.py checks it still equals seaborn's.
PALETTE = [
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
    "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9",
]
ARTICLE = PALETTE[3]  # vermillion: the article's claims, always
RESEARCH = PALETTE[0]  # blue: published research
CONTEXT = PALETTE[7]  # grey: context, the rest of a whole

INDEX_FIELDS = ["name", "title", "alt", "source", "png", "svg", "csv"]
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # used with fullmatch: a trailing newline does not pass
NAME_MAX = 100  # characters; with the extension well under the 255 a file name may have
RESERVED_NAMES = {"index"}  # files save_figure writes itself (figures/index.csv)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_SOURCE_GID = "dry-needling-source-line"

HOUSE_RC = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "svg.hashsalt": "dry-needling",  # fixed ids in SVG output (with metadata Date=None below)
    "svg.fonttype": "path",
    "image.cmap": "cividis",
}


def use_house_style() -> None:
    """Apply the collection's matplotlib style (idempotent)."""
    mpl.rcParams.update(HOUSE_RC)


# ---------------------------------------------------------------------------------------
# Saving


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write bytes to ``path`` via a temporary file and rename; skip if unchanged."""
    if path.exists() and path.read_bytes() == payload:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _figure_title(fig) -> str:
    if fig._suptitle is not None and fig._suptitle.get_text().strip():
        return fig._suptitle.get_text().strip()
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
    fig.text(0.01, 0.005, f"Source: {source}", ha="left", va="bottom", fontsize=9, color="#333333",
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
        _atomic_write(path, buffer.getvalue().encode("utf-8"))


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
    title = (title or _figure_title(fig)).strip()
    if not title:
        raise ValueError(f"title: figure {name!r}: give the figure a title (suptitle or axes title) or pass title=")
    for argument, text in (("alt", alt), ("source", source), ("title", title)):
        bad = _CONTROL.search(text)
        if bad:
            raise ValueError(f"{argument}: figure {name!r}: control character {bad.group()!r} at position "
                             f"{bad.start()} (only printable text and spaces are stored)")
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

    fig._dry_needling_png = png.getvalue()  # for show(): display these bytes instead of rendering again
    targets = {folder / f"{name}.{ext}" for ext in ("png", "svg", "csv")}
    if _index_path(folder) in targets:  # pragma: no cover - the name checks above already prevent it
        raise ValueError(f"name: figure {name!r} would overwrite the figure index")
    _atomic_write(folder / f"{name}.png", png.getvalue())
    _atomic_write(folder / f"{name}.svg", svg.getvalue())
    _atomic_write(folder / f"{name}.csv", csv_bytes)
    entry = {"name": name, "title": title, "alt": " ".join(alt.split()), "source": " ".join(source.split()),
             "png": f"{name}.png", "svg": f"{name}.svg", "csv": f"{name}.csv"}
    _update_index(folder, entry)
    return entry


def show(fig) -> None:
    """Display a saved figure in the notebook from the PNG that :func:`save_figure` already rendered
    (no second rendering), then close it. Unsaved figures are shown the usual way."""
    png = getattr(fig, "_dry_needling_png", None)
    if png is None:
        plt.show()
        return
    from IPython.display import Image, display

    display(Image(data=png, format="png", width=int(fig.get_figwidth() * 100)))
    plt.close(fig)


# ---------------------------------------------------------------------------------------
# Chart helpers


def waffle(ax, percent: float, *, color: str = ARTICLE, rest: str = "#e6e6e6", label: str | None = None) -> None:
    """Draw a 10 x 10 waffle: ``round(percent)`` of 100 squares filled, filling row by row from
    the bottom left. ``percent`` must lie in 0-100."""
    if not 0 <= percent <= 100:
        raise ValueError(f"waffle: percent must be between 0 and 100, got {percent}")
    filled = int(round(percent))
    for i in range(100):
        row, col = divmod(i, 10)
        ax.add_patch(Rectangle((col + 0.06, row + 0.06), 0.88, 0.88, facecolor=color if i < filled else rest,
                               edgecolor="none"))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_aspect("equal")
    ax.axis("off")
    if label:
        ax.set_title(label, loc="left", fontsize=11, fontweight="normal")


def legend_handles(items: Iterable[tuple[str, str, str]]) -> list:
    """Legend entries from (label, colour, marker) triples."""
    return [Line2D([], [], color=c, marker=m, linestyle="none", markersize=9, label=lab) for lab, c, m in items]


def dot_range_panels(groups: list[tuple[str, pd.DataFrame]], *, title: str, xlabel: str,
                     xlim: tuple[float, float] = (0, 100), width: float = 10.0):
    """Panels of dot-and-range rows sharing one x axis: one panel per claim.

    Each group is ``(panel title, frame)``; the frame has columns ``label``, ``claim`` (the
    article's value, drawn as a vermillion diamond), and optionally ``estimate`` (blue dot)
    and ``low``/``high`` (blue bar). Rows are drawn top to bottom in frame order. Returns the
    figure; the caller saves it.
    """
    if not groups:
        raise ValueError("dot_range_panels needs at least one group")
    heights = [max(len(frame), 1) + 0.6 for _, frame in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(width, 1.2 + 0.42 * sum(heights)), sharex=True,
                             gridspec_kw={"height_ratios": heights})
    axes = np.atleast_1d(axes)
    for ax, (panel_title, frame) in zip(axes, groups, strict=True):
        n = len(frame)
        ys = np.arange(n)[::-1]
        for y, row in zip(ys, frame.itertuples(), strict=True):
            low, high = getattr(row, "low", np.nan), getattr(row, "high", np.nan)
            if pd.notna(low) and pd.notna(high):
                ax.plot([low, high], [y, y], color=RESEARCH, lw=6, alpha=0.45, solid_capstyle="butt")
            estimate = getattr(row, "estimate", np.nan)
            if pd.notna(estimate):
                ax.plot(estimate, y, "o", color=RESEARCH, ms=8, zorder=3)
            ax.plot(row.claim, y, "D", color=ARTICLE, ms=8, zorder=4)
        ax.set_yticks(ys)
        ax.set_yticklabels(frame["label"], fontsize=10)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_title(panel_title, loc="left", fontsize=11, fontweight="bold")
        ax.grid(axis="x", color="#dddddd")
        ax.set_axisbelow(True)
    axes[-1].set_xlim(*xlim)
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    fig.legend(handles=[
        Line2D([], [], color=ARTICLE, marker="D", linestyle="none", markersize=8, label="Article's figure"),
        Line2D([], [], color=RESEARCH, marker="o", linestyle="none", markersize=8, label="Published estimate"),
        Line2D([], [], color=RESEARCH, lw=6, alpha=0.45, label="Published range or interval"),
    ], loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.035))
    return fig


def effect_distributions(ax, sims: list[tuple[str, pd.DataFrame, str]], *, true_effect: float,
                         bins: np.ndarray | None = None, unit: str = "points on a 0-10 pain scale") -> None:
    """Overlaid histograms of simulated observed effects, one per scenario, with each
    scenario's mean as a dashed line and the true effect as a solid black line."""
    values = np.concatenate([df["observed_effect"].to_numpy() for _, df, _ in sims])
    if bins is None:
        bins = np.linspace(np.floor(values.min() * 4) / 4, np.ceil(values.max() * 4) / 4, 41)
    hatches = ["", "//", "\\\\", ".."]
    for k, (label, df, colour) in enumerate(sims):
        mean = df["observed_effect"].mean()
        ax.hist(df["observed_effect"], bins=bins, histtype="stepfilled", facecolor=colour, alpha=0.25,
                hatch=hatches[k % 4], edgecolor=colour, linewidth=0)
        ax.hist(df["observed_effect"], bins=bins, histtype="step", color=colour, linewidth=1.8,
                label=f"{label}: mean {mean:+.2f}")
        ax.axvline(mean, color=colour, linestyle="--", linewidth=2)
    ax.axvline(true_effect, color="black", linewidth=1.5, label=f"true effect {true_effect:+.2f}")
    ax.set_xlabel(f"Observed effect, active minus sham ({unit})")
    ax.set_ylabel("Simulated trials")
    ax.set_ylim(0, ax.get_ylim()[1] * (1.2 + 0.1 * len(sims)))  # room for the legend above the bars
    legend = ax.legend(loc="upper left", fontsize=9, frameon=True, facecolor="white", edgecolor="none",
                       framealpha=1)
    legend.set_zorder(5)


def bang_interval_chart(rows: pd.DataFrame, *, title: str, label: str = "label", printed: bool = True,
                        colour_by: str | None = "arm", xlim: tuple[float, float] = (-1.25, 1.25)):
    """Dot-and-interval chart of Bang indexes, one row per arm, with the +/-0.2 'random guessing'
    band shaded. ``rows`` needs ``label``, ``estimate``, ``ci_low``, ``ci_high`` (empty limits: no
    interval is drawn and the legend says so); if ``printed``
    and the frame has ``printed_bi``, the published value is drawn as an open circle."""
    if rows.empty:
        raise ValueError("bang_interval_chart needs at least one row")
    colours = {"active": ARTICLE, "sham": RESEARCH}
    markers = {"active": "s", "sham": "o"}
    fig, ax = plt.subplots(figsize=(10, 2.2 + 0.45 * len(rows)))
    ax.axvspan(-0.2, 0.2, color="#dddddd", zorder=0)
    ax.text(0, len(rows) - 0.35, "random\nguessing", ha="center", va="bottom", fontsize=9, color="#444444")
    ax.text(0.6, len(rows) - 0.35, "more right guesses\n(unblinded) →", ha="center", va="bottom", fontsize=9,
            color="#444444")
    ax.text(-0.6, len(rows) - 0.35, "← more wrong guesses\n(opposite guessing)", ha="center", va="bottom",
            fontsize=9, color="#444444")
    ax.axvline(0, color="#888888", linewidth=0.8)
    ys = np.arange(len(rows))[::-1]
    for y, row in zip(ys, rows.itertuples(), strict=True):
        group = getattr(row, colour_by) if colour_by else "active"
        colour = colours.get(group, CONTEXT)
        if pd.notna(row.ci_low) and pd.notna(row.ci_high):  # sources that print no interval get none
            ax.plot([row.ci_low, row.ci_high], [y, y], color=colour, linewidth=2)
        ax.plot(row.estimate, y, markers.get(group, "D"), color=colour, markersize=8)
        if printed and hasattr(row, "printed_bi") and pd.notna(row.printed_bi):
            ax.plot(row.printed_bi, y, "o", markerfacecolor="none", markeredgecolor="black", markersize=13)
    ax.set_yticks(ys)
    ax.set_yticklabels(rows[label], fontsize=10)
    ax.set_ylim(-0.7, len(rows) + 0.6)
    ax.set_xlim(*xlim)
    ax.set_xlabel("Bang blinding index (−1: all guesses wrong, 0: random, +1: all right)")
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    has_ci = rows["ci_low"].notna() & rows["ci_high"].notna()
    ci = " (95 % CI)" if has_ci.all() else " (95 % CI where printed)" if has_ci.any() else ""
    handles = [Line2D([], [], color=ARTICLE, marker="s", label=f"active arm{ci}"),
               Line2D([], [], color=RESEARCH, marker="o", label=f"sham arm{ci}")]
    if printed and "printed_bi" in rows:
        handles.append(Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="black", linestyle="none",
                              markersize=11, label="value printed in the paper"))
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.045), ncol=len(handles))
    return fig


# ---------------------------------------------------------------------------------------
# Tile map and forest plot

MINUS = "\u2212"


def signed(value: float, digits: int = 2) -> str:
    """A number with a true minus sign (U+2212), as typeset tables print it."""
    text = f"{value:.{digits}f}"
    return text.replace("-", MINUS)


def tile_map(ax, states: pd.DataFrame, column: str, *, colours: dict[str, str], hatches: dict[str, str] | None = None,
             title: str | None = None, legend: bool = True, legend_title: str | None = None) -> None:
    """Square-tile US map: one square per row of ``states`` (columns ``postal_code``,
    ``tile_row``, ``tile_col``), coloured by ``column`` through ``colours`` and, as a second
    encoding for colour-blind readers, hatched through ``hatches``. Every value of ``column``
    must have a colour; two states may not share a tile."""
    needed = {"postal_code", "tile_row", "tile_col", column}
    missing = needed - set(states.columns)
    if missing:
        raise ValueError(f"tile_map: missing columns {sorted(missing)}")
    if states.empty:
        raise ValueError("tile_map: no states to draw")
    duplicated = states.duplicated(["tile_row", "tile_col"], keep=False)
    if duplicated.any():
        raise ValueError(f"tile_map: states share a tile: {', '.join(states.loc[duplicated, 'postal_code'])}")
    unknown = sorted(set(states[column].astype(str)) - set(colours))
    if unknown:
        raise ValueError(f"tile_map: no colour for {column} value(s) {unknown}")
    hatches = hatches or {}
    dark = {"#0173b2", "#d55e00", "#029e73", "#949494"}
    for row in states.itertuples():
        value = str(getattr(row, column))
        colour = colours[value]
        ax.add_patch(Rectangle((row.tile_col, -row.tile_row), 0.92, 0.92, facecolor=colour, edgecolor="white",
                               hatch=hatches.get(value, ""), linewidth=0.5, gid=f"tile-{row.postal_code}"))
        text_colour = "white" if colour.lower() in dark else "black"
        ax.text(row.tile_col + 0.46, -row.tile_row + 0.46, row.postal_code, ha="center", va="center", fontsize=9,
                fontweight="bold", color=text_colour,
                bbox={"facecolor": colour, "edgecolor": "none", "pad": 0.5} if hatches.get(value) else None)
    ax.set_xlim(-0.2, states["tile_col"].max() + 1.1)
    ax.set_ylim(-states["tile_row"].max() - 0.2, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    if legend:
        present = [v for v in colours if v in set(states[column].astype(str))]
        handles = [Rectangle((0, 0), 1, 1, facecolor=colours[v], hatch=hatches.get(v, ""), edgecolor="white",
                             label=f"{v} ({(states[column].astype(str) == v).sum()})") for v in present]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), fontsize=9, title=legend_title,
                  title_fontsize=9, ncol=2, frameon=False, alignment="left")


def forest_plot(df: pd.DataFrame, *, label: str | list[str] = "label", estimate: str = "estimate",
                ci_low: str = "ci_low", ci_high: str = "ci_high", group: str | None = None, null: float = 0.0,
                xlabel: str = "Effect size", favours: tuple[str, str] = ("favours dry needling", "favours comparator"),
                xlim: tuple[float, float] | None = None, title: str | None = None, decimals: int = 2,
                width: float = 12.0, missing_text: str | None = None):
    """Forest plot in metafor's manner: labels on the left, estimate [95 % CI] printed on the right
    with a true minus sign, a dashed reference line at ``null``, the favoured direction written
    under the axis (``favours`` = (left of null, right of null)), rows grouped under bold headers
    when ``group`` is given, and a height that grows with the number of rows.

    Rows with a missing estimate are kept and printed as "not reported" (or, when ``missing_text``
    names a column, that column's text, e.g. what the review concluded in words); intervals running past
    ``xlim`` are clipped with an arrow. Each drawn row carries ``gid="forest-row-<n>"`` so tests
    can count them. Returns the figure.
    """
    if df.empty:
        raise ValueError("forest_plot needs at least one row")
    labels = df[label].astype(str).agg(" · ".join, axis=1) if isinstance(label, list) else df[label].astype(str)
    frame = pd.DataFrame({"label": labels.to_numpy(), "est": pd.to_numeric(df[estimate], errors="coerce").to_numpy(),
                          "lo": pd.to_numeric(df[ci_low], errors="coerce").to_numpy(),
                          "hi": pd.to_numeric(df[ci_high], errors="coerce").to_numpy(),
                          "group": df[group].astype(str).to_numpy() if group else ""})
    # Layout: one line per row plus one header line per group, top to bottom in the given order.
    lines = []
    for name, part in (frame.groupby("group", sort=False) if group else [("", frame)]):
        if group:
            lines.append(("header", name, None))
        lines.extend(("row", None, i) for i in part.index)
    n_lines = len(lines)
    if xlim is None:
        finite = pd.concat([frame["lo"], frame["hi"], frame["est"]]).dropna()
        low = min(finite.min(), null) if not finite.empty else null - 1
        high = max(finite.max(), null) if not finite.empty else null + 1
        pad = 0.08 * (high - low or 1)
        xlim = (low - pad, high + pad)
    fig, ax = plt.subplots(figsize=(width, 1.9 + 0.34 * n_lines))
    ax.axvline(null, color="#555555", linestyle="--", linewidth=1)
    trans = ax.get_yaxis_transform()
    for k, (kind, name, i) in enumerate(lines):
        y = n_lines - 1 - k
        if kind == "header":
            ax.text(-0.02, y, name, transform=trans, ha="right", va="center", fontsize=10, fontweight="bold")
            continue
        row = frame.loc[i]
        ax.text(-0.02, y, row["label"], transform=trans, ha="right", va="center", fontsize=9.5)
        if pd.isna(row["est"]):
            text = df[missing_text].iloc[i] if missing_text and pd.notna(df[missing_text].iloc[i]) else "not reported"
            ax.text(1.02, y, text, transform=trans, ha="left", va="center", fontsize=9.5, color="#555555")
            ax.plot([], [], gid=f"forest-row-{i}")  # a row with nothing to draw still counts as drawn
            continue
        lo = row["lo"] if pd.notna(row["lo"]) else row["est"]
        hi = row["hi"] if pd.notna(row["hi"]) else row["est"]
        half = pd.isna(row["lo"]) != pd.isna(row["hi"])  # only one limit reported: dotted, so it can't pass as a CI
        ax.plot([max(lo, xlim[0]), min(hi, xlim[1])], [y, y], color="black", linewidth=1.3,
                linestyle=":" if half else "-", gid=f"forest-row-{i}")
        for end, edge, direction in ((lo, xlim[0], "<"), (hi, xlim[1], ">")):
            if (direction == "<" and end < edge) or (direction == ">" and end > edge):
                ax.plot(edge, y, marker=direction, color="black", markersize=6)
        ax.plot(row["est"], y, "s", color=RESEARCH, markersize=7)
        interval = (f"[{signed(row['lo'], decimals)}, {signed(row['hi'], decimals)}]" if pd.notna(row["lo"])
                    and pd.notna(row["hi"]) else
                    f"[{signed(row['lo'], decimals)}, not reported]" if pd.notna(row["lo"]) else "[CI not reported]")
        ax.text(1.02, y, f"{signed(row['est'], decimals)} {interval}", transform=trans, ha="left", va="center",
                fontsize=9.5, family="DejaVu Sans Mono")
    ax.set_ylim(-0.8, n_lines - 0.2)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.text(1.02, n_lines - 0.2, "Estimate [95 % CI]", transform=trans, ha="left", va="bottom", fontsize=9.5,
            fontweight="bold")
    ax.annotate(f"← {favours[0]}", xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(-6, -50),
                textcoords="offset points", ha="right", fontsize=9.5, color="#333333")
    ax.annotate(f"{favours[1]} →", xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(6, -50),
                textcoords="offset points", ha="left", fontsize=9.5, color="#333333")
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    longest = max(len(text) for text in list(frame["label"]) + list(frame["group"]))
    left = min(0.62, (0.2 + 0.072 * longest) / width)  # room for the longest label at 9.5 pt
    fig.subplots_adjust(left=left, right=0.77, top=1 - 0.75 / (1.9 + 0.34 * n_lines),
                        bottom=1.25 / (1.9 + 0.34 * n_lines))
    return fig


def meta_forest_plot(result, *, arms: pd.DataFrame | None = None, labels: list[str] | None = None,
                     xlabel: str = "Effect size", favours: tuple[str, str] = ("favours dry needling",
                                                                                 "favours comparator"),
                     null: float = 0.0, title: str | None = None, decimals: int = 2,
                     arm_names: tuple[str, str] = ("Needling", "Control"), width: float = 13.0):
    """Trial-level forest plot of a :func:`dry_needling.meta.pool` result, in metafor's conventions.

    Columns, left to right: study label; per-arm N (and "mean (SD)" when ``arms`` has
    ``mean1``/``sd1``/``mean2``/``sd2``; ``arms`` needs ``n1`` and ``n2``, one row per study in
    pooling order); the plot; weight (%); estimate [CI]. Each study is a square whose *area* is
    proportional to its weight (one scatter collection, ``gid="meta-squares"``) on its CI line
    (``gid="forest-row-<i>"``); the pooled estimate is a diamond spanning its CI
    (``gid="meta-diamond"``) with the prediction interval as a whiskered line through it
    (``gid="meta-pi"``, random-effects models only); the heterogeneity line sits under the
    diamond; a dashed reference line marks ``null``; the favoured directions are written under the
    axis. Returns the figure; save it with :func:`save_figure`.
    """
    from matplotlib.patches import Polygon

    if np.ndim(result.estimate):
        raise ValueError("meta_forest_plot draws one analysis; pool a 1-D set of studies")
    k = result.k
    names = list(labels) if labels is not None else list(result.studies or [f"Study {i + 1}" for i in range(k)])
    if len(names) != k:
        raise ValueError(f"meta_forest_plot: {len(names)} labels for {k} studies")
    if arms is not None and len(arms) != k:
        raise ValueError(f"meta_forest_plot: arms has {len(arms)} rows for {k} studies")
    yi, se = np.asarray(result.yi, dtype=float), np.sqrt(np.asarray(result.vi, dtype=float))
    from scipy.special import ndtri

    crit = float(ndtri(0.5 + result.level / 2))
    lo, hi = yi - crit * se, yi + crit * se
    has_pi = result.random_effects and np.isfinite(result.pi_low)
    ends = [lo.min(), hi.max(), null] + ([result.pi_low, result.pi_high] if has_pi else [])
    pad = 0.06 * (max(ends) - min(ends) or 1)
    xlim = (min(ends) - pad, max(ends) + pad)

    rows = k + 3  # studies, a gap, the diamond, the heterogeneity line
    height = 2.4 + 0.36 * rows
    fig, ax = plt.subplots(figsize=(width, height))
    ax.axvline(null, color="#555555", linestyle="--", linewidth=1, zorder=1)
    trans = ax.get_yaxis_transform()

    def put(points: float, y: float, text: str, *, side: str = "left", ha: str = "right", **kw):
        """Text at ``points`` from the axes' left (negative) or right edge, at data height ``y``."""
        kw = {"fontsize": 9.5, "va": "center", **kw}
        ax.annotate(text, xy=(0 if side == "left" else 1, y), xycoords=trans, xytext=(points, 0),
                    textcoords="offset points", ha=ha, annotation_clip=False, **kw)

    ys = np.arange(k)[::-1] + 3.0
    mono = {"family": "DejaVu Sans Mono"}
    with_means = arms is not None and {"mean1", "sd1", "mean2", "sd2"} <= set(arms.columns)
    arm_cols = [("N", "n1", 34)] + ([("Mean (SD)", ("mean1", "sd1"), 78)] if with_means else [])
    arm_cols += [("N", "n2", 34)] + ([("Mean (SD)", ("mean2", "sd2"), 78)] if with_means else [])
    arm_cols = arm_cols if arms is not None else []
    col_right, x = [], -10.0
    for _, _, col_width in reversed(arm_cols):
        col_right.insert(0, x)
        x -= col_width + 8
    label_right = x - 6
    header_y = ys[0] + 1
    put(label_right, header_y, "Study", fontweight="bold")
    for (head, _, _), right in zip(arm_cols, col_right, strict=True):
        put(right, header_y, head, fontweight="bold")
    if arm_cols:
        per_arm = len(arm_cols) // 2
        for a in range(2):
            first, last = col_right[a * per_arm], col_right[a * per_arm + per_arm - 1]
            left_of_first = first - arm_cols[a * per_arm][2]
            put((left_of_first + last) / 2, header_y + 0.75, arm_names[a], ha="center", fontweight="bold")
    put(10, header_y, "Weight", side="right", ha="left", fontweight="bold")
    put(68, header_y, f"Estimate [{result.level * 100:.0f} % CI]", side="right", ha="left", fontweight="bold")
    for i, y in enumerate(ys):
        put(label_right, y, names[i])
        for (_, col, _), right in zip(arm_cols, col_right, strict=True):
            row = arms.iloc[i]
            text = (f"{row[col]:g}" if isinstance(col, str) else f"{signed(row[col[0]], 1)} ({row[col[1]]:.1f})")
            put(right, y, text, **mono)
        ax.plot([max(lo[i], xlim[0]), min(hi[i], xlim[1])], [y, y], color="black", linewidth=1.2, zorder=2,
                gid=f"forest-row-{i}")
        put(10, y, f"{result.weights[i]:5.1f} %", side="right", ha="left", **mono)
        put(68, y, f"{signed(yi[i], decimals)} [{signed(lo[i], decimals)}, {signed(hi[i], decimals)}]",
            side="right", ha="left", **mono)
    # squares: marker area (points^2) proportional to weight; the heaviest is 14 pt on a side
    sizes = 196.0 * np.asarray(result.weights) / np.max(result.weights)
    ax.scatter(yi, ys, s=sizes, marker="s", color=RESEARCH, zorder=3, gid="meta-squares", label="_squares")

    y_d = 1.5
    model = "Fixed-effect model" if result.method == "FE" else f"Random-effects model ({result.method})"
    ax.add_patch(Polygon([(result.ci_low, y_d), (result.estimate, y_d + 0.38), (result.ci_high, y_d),
                          (result.estimate, y_d - 0.38)], closed=True, facecolor="#333333", edgecolor="#333333",
                         zorder=4, gid="meta-diamond"))
    if has_pi:
        ax.plot([result.pi_low, result.pi_high], [y_d, y_d], color="#333333", linewidth=1.2, zorder=3, gid="meta-pi")
        for end in (result.pi_low, result.pi_high):
            ax.plot([end, end], [y_d - 0.18, y_d + 0.18], color="#333333", linewidth=1.2, zorder=3)
    put(label_right, y_d, model, fontweight="bold")
    put(10, y_d, "100.0 %", side="right", ha="left", **mono)
    put(68, y_d, f"{signed(result.estimate, decimals)} [{signed(result.ci_low, decimals)}, "
                 f"{signed(result.ci_high, decimals)}]", side="right", ha="left", fontweight="bold", **mono)
    if has_pi:
        put(68, y_d - 0.7, f"{result.level * 100:.0f} % PI [{signed(result.pi_low, decimals)}, "
                           f"{signed(result.pi_high, decimals)}]", side="right", ha="left", color="#333333", **mono)
    ax.annotate(result.heterogeneity_text(decimals), xy=(0.01, 0.35), xycoords=(fig.transFigure, ax.transData),
                ha="left", va="center", fontsize=9, color="#333333", annotation_clip=False, gid="meta-heterogeneity")

    ax.set_xlim(*xlim)
    ax.set_ylim(0, header_y + 0.8)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    ax.annotate(f"← {favours[0]}", xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(-6, -46),
                textcoords="offset points", ha="right", fontsize=9.5, color="#333333")
    ax.annotate(f"{favours[1]} →", xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(6, -46),
                textcoords="offset points", ha="left", fontsize=9.5, color="#333333")
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    longest = max(len(s) for s in names + [model])
    left_in = (0.078 * longest * 72 - label_right) / 72 + 0.2
    right_in = 3.4
    fig.subplots_adjust(left=min(0.62, left_in / width), right=1 - right_in / width, top=1 - 0.9 / height,
                        bottom=1.2 / height)
    return fig
