"""Forest plots in metafor's manner: :func:`forest_plot` for published pooled estimates and
:func:`meta_forest_plot` for a trial-level analysis pooled with :mod:`dry_needling.meta`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .basic import signed
from .style import INK, RESEARCH, RULE

__all__ = ["forest_plot", "meta_forest_plot"]


def _favours(ax, null: float, favours: tuple[str, str], below: float) -> None:
    """The favoured directions written under the axis, either side of the line of no effect."""
    for text, dx, ha in ((f"← {favours[0]}", -6, "right"), (f"{favours[1]} →", 6, "left")):
        ax.annotate(text, xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(dx, -below),
                    textcoords="offset points", ha=ha, fontsize=9.5, color=INK)

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
    ax.axvline(null, color=RULE, linestyle="--", linewidth=1)
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
            ax.text(1.02, y, text, transform=trans, ha="left", va="center", fontsize=9.5, color=RULE)
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
    _favours(ax, null, favours, below=50)
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
    ax.axvline(null, color=RULE, linestyle="--", linewidth=1, zorder=1)
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
                          (result.estimate, y_d - 0.38)], closed=True, facecolor=INK, edgecolor=INK,
                         zorder=4, gid="meta-diamond"))
    if has_pi:
        ax.plot([result.pi_low, result.pi_high], [y_d, y_d], color=INK, linewidth=1.2, zorder=3, gid="meta-pi")
        for end in (result.pi_low, result.pi_high):
            ax.plot([end, end], [y_d - 0.18, y_d + 0.18], color=INK, linewidth=1.2, zorder=3)
    put(label_right, y_d, model, fontweight="bold")
    put(10, y_d, "100.0 %", side="right", ha="left", **mono)
    put(68, y_d, f"{signed(result.estimate, decimals)} [{signed(result.ci_low, decimals)}, "
                 f"{signed(result.ci_high, decimals)}]", side="right", ha="left", fontweight="bold", **mono)
    if has_pi:
        put(68, y_d - 0.7, f"{result.level * 100:.0f} % PI [{signed(result.pi_low, decimals)}, "
                           f"{signed(result.pi_high, decimals)}]", side="right", ha="left", color=INK, **mono)
    ax.annotate(result.heterogeneity_text(decimals), xy=(0.01, 0.35), xycoords=(fig.transFigure, ax.transData),
                ha="left", va="center", fontsize=9, color=INK, annotation_clip=False, gid="meta-heterogeneity")

    ax.set_xlim(*xlim)
    ax.set_ylim(0, header_y + 0.8)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    _favours(ax, null, favours, below=46)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    longest = max(len(s) for s in names + [model])
    left_in = (0.078 * longest * 72 - label_right) / 72 + 0.2
    right_in = 3.4
    fig.subplots_adjust(left=min(0.62, left_in / width), right=1 - right_in / width, top=1 - 0.9 / height,
                        bottom=1.2 / height)
    return fig

