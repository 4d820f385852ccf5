"""Effect by type of control: :func:`control_type_plot` draws one interval per kind of control, with a
sensitivity row beside (just under) the row it re-estimates and a combined row after its parts."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from .basic import signed
from .forest import _favours
from .style import CONTEXT, INK, RESEARCH, RULE

__all__ = ["control_type_plot", "control_type_order"]

_MARKERS = {"main": ("s", RESEARCH, RESEARCH), "sensitivity": ("o", "white", RESEARCH),
            "combined": ("D", CONTEXT, CONTEXT)}


def control_type_order(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of an effect-by-control table in reading order: by ``comparison`` as given, each main row followed
    by its sensitivity rows, each combined row after the last of its parts. Adds ``label`` (indented for the
    rows that belong to another)."""
    out = []
    for _, part in table.groupby("comparison", sort=False):
        placed = set()
        for row in part.itertuples():
            if row.row_type != "main" or row.id in placed:
                continue
            out.append({**row._asdict(), "label": row.control_type})
            placed.add(row.id)
            for child in part[(part["parent_id"] == row.id) & (part["row_type"] == "sensitivity")].itertuples():
                out.append({**child._asdict(), "label": "   the same, some trials left out"})
                placed.add(child.id)
            parents = part[(part["id"] == row.parent_id) & (part["row_type"] == "combined")]
            for combined in parents.itertuples():
                parts = part[(part["parent_id"] == combined.id) & (part["row_type"] == "main")]
                if set(parts["id"]) <= placed and combined.id not in placed:
                    out.append({**combined._asdict(), "label": f"   {combined.control_type} (combined)"})
                    placed.add(combined.id)
        for row in part.itertuples():  # anything not reached above keeps its place at the end
            if row.id not in placed:
                out.append({**row._asdict(), "label": row.control_type})
    frame = pd.DataFrame(out).drop(columns="Index")
    return frame


def control_type_plot(table: pd.DataFrame, *, title: str, xlabel: str, labels: dict[str, str] | None = None,
                      favours: tuple[str, str] = ("favours the control", "favours acupuncture"),
                      decimals: int = 2, width: float = 12.0):
    """One row per kind of control (``table`` as :func:`control_type_order` returns it, or raw: it is ordered
    here): the estimate as a marker (filled square for a main row, open circle for a sensitivity row, grey diamond
    for two kinds combined) with its confidence interval, the comparisons as bold headers, the estimate [CI]
    printed on the right, a dashed line at 0 and the favoured directions under the axis. ``labels`` maps a row's
    ``id`` to the text shown for it. Each row's line has ``gid="control-row-<id>"``. Returns the figure."""
    if table.empty:
        raise ValueError("control_type_plot needs at least one row")
    rows = control_type_order(table) if "label" not in table else table
    if labels:
        rows = rows.assign(label=[labels.get(i, lab) for i, lab in zip(rows["id"], rows["label"], strict=True)])
    lines = []
    for comparison, part in rows.groupby("comparison", sort=False):
        lines.append(("header", comparison, None))
        lines.extend(("row", None, r) for r in part.itertuples())
    n = len(lines)
    fig, ax = plt.subplots(figsize=(width, 1.9 + 0.36 * n))
    ax.axvline(0, color=RULE, linestyle="--", linewidth=1)
    trans = ax.get_yaxis_transform()
    for k, (kind, name, row) in enumerate(lines):
        y = n - 1 - k
        if kind == "header":
            ax.text(-0.02, y, name[0].upper() + name[1:], transform=trans, ha="right", va="center", fontsize=10,
                    fontweight="bold")
            continue
        marker, face, edge = _MARKERS[row.row_type]
        ax.plot([row.ci_low, row.ci_high], [y, y], color="black" if row.row_type == "main" else INK,
                linewidth=1.3, linestyle="-" if row.row_type != "sensitivity" else (0, (4, 2)),
                gid=f"control-row-{row.id}")
        ax.plot(row.estimate, y, marker, markerfacecolor=face, markeredgecolor=edge, markersize=7,
                markeredgewidth=1.5)
        ax.text(-0.02, y, f"{row.label} ({row.trials} trials)", transform=trans, ha="right", va="center",
                fontsize=9.5, color="black" if row.row_type == "main" else INK)
        ax.text(1.02, y, f"{signed(row.estimate, decimals)} [{signed(row.ci_low, decimals)}, "
                         f"{signed(row.ci_high, decimals)}]", transform=trans, ha="left", va="center", fontsize=9.5,
                family="DejaVu Sans Mono")
    ax.text(1.02, n - 0.2, "Estimate [95 % CI]", transform=trans, ha="left", va="bottom", fontsize=9.5,
            fontweight="bold")
    low = min(0.0, float(rows["ci_low"].min()))
    high = max(0.0, float(rows["ci_high"].max()))
    pad = 0.08 * (high - low or 1)
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _favours(ax, 0.0, favours, below=50)
    handles = [Line2D([], [], marker=m, linestyle="", markerfacecolor=f, markeredgecolor=e, markersize=7,
                      markeredgewidth=1.5, label=text)
               for (m, f, e), text in ((_MARKERS["main"], "one kind of control"),
                                       (_MARKERS["sensitivity"], "the same, some trials left out"),
                                       (_MARKERS["combined"], "two kinds together"))
               if any(rows["row_type"] == {"one kind of control": "main", "the same, some trials left out":
                                           "sensitivity", "two kinds together": "combined"}[text])]
    height = 2.3 + 0.36 * n
    fig.set_size_inches(width, height)
    fig.legend(handles=handles, loc="lower right", bbox_to_anchor=(0.99, 0.08), ncol=len(handles), frameon=False,
               fontsize=9)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    longest = max(len(str(label)) + 12 for label in rows["label"])
    left = min(0.55, (0.2 + 0.072 * longest) / width)
    fig.subplots_adjust(left=left, right=0.77, top=1 - 0.75 / height, bottom=1.75 / height)
    return fig
