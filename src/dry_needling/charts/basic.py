"""Chart helpers for the notebooks: waffle, dot-and-range panels, effect distributions, Bang-index
interval chart and the square-tile US map. Forest plots are in :mod:`dry_needling.charts.forest`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .style import ARTICLE, BAND, CONTEXT, EMPTY, INK_SOFT, PALETTE, RESEARCH, RULE_SOFT

__all__ = ["waffle", "legend_handles", "dot_range_panels", "effect_distributions", "bang_interval_chart",
           "MINUS", "signed", "tile_map"]

# ---------------------------------------------------------------------------------------
# Chart helpers


def waffle(ax: Axes, percent: float, *, color: str = ARTICLE, rest: str = EMPTY, label: str | None = None) -> None:
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
                     xlim: tuple[float, float] = (0, 100), width: float = 10.0) -> Figure:
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
        ax.grid(axis="x", color=BAND)
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


def effect_distributions(ax: Axes, sims: list[tuple[str, pd.DataFrame, str]], *, true_effect: float,
                         bins: np.ndarray | None = None, unit: str = "points on a 0-10 pain scale") -> None:
    """Overlaid histograms of simulated observed effects, one per scenario, with each
    scenario's mean as a dashed line and the true effect as a solid black line."""
    values = np.concatenate([df["observed_effect"].to_numpy() for _, df, _ in sims])
    if bins is None:
        bins = np.linspace(np.floor(values.min() * 4) / 4, np.ceil(values.max() * 4) / 4, 41)
    edges = [float(b) for b in bins]
    hatches = ["", "//", "\\\\", ".."]
    for k, (label, df, colour) in enumerate(sims):
        mean = df["observed_effect"].mean()
        ax.hist(df["observed_effect"], bins=edges, histtype="stepfilled", facecolor=colour, alpha=0.25,
                hatch=hatches[k % 4], edgecolor=colour, linewidth=0)
        ax.hist(df["observed_effect"], bins=edges, histtype="step", color=colour, linewidth=1.8,
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
                        colour_by: str | None = "arm", xlim: tuple[float, float] = (-1.25, 1.25)) -> Figure:
    """Dot-and-interval chart of Bang indexes, one row per arm, with the +/-0.2 'random guessing'
    band shaded. ``rows`` needs ``label``, ``estimate``, ``ci_low``, ``ci_high`` (empty limits: no
    interval is drawn and the legend says so); if ``printed``
    and the frame has ``printed_bi``, the published value is drawn as an open circle."""
    if rows.empty:
        raise ValueError("bang_interval_chart needs at least one row")
    colours = {"active": ARTICLE, "sham": RESEARCH}
    markers = {"active": "s", "sham": "o"}
    fig, ax = plt.subplots(figsize=(10, 2.2 + 0.45 * len(rows)))
    ax.axvspan(-0.2, 0.2, color=BAND, zorder=0)
    ax.text(0, len(rows) - 0.35, "random\nguessing", ha="center", va="bottom", fontsize=9, color=INK_SOFT)
    ax.text(0.6, len(rows) - 0.35, "more right guesses\n(unblinded) →", ha="center", va="bottom", fontsize=9,
            color=INK_SOFT)
    ax.text(-0.6, len(rows) - 0.35, "← more wrong guesses\n(opposite guessing)", ha="center", va="bottom",
            fontsize=9, color=INK_SOFT)
    ax.axvline(0, color=RULE_SOFT, linewidth=0.8)
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


def tile_map(ax: Axes, states: pd.DataFrame, column: str, *, colours: dict[str, str],
             hatches: dict[str, str] | None = None,
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
    dark = {PALETTE[0], PALETTE[3], PALETTE[2], PALETTE[7]}
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


