"""Forest plots in metafor's manner: :func:`forest_plot` for published pooled estimates and
:func:`meta_forest_plot` for a trial-level analysis pooled with :mod:`dry_needling.meta`."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.path import Path

from .basic import signed
from .style import INK, RESEARCH, RULE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..meta import PoolResult

__all__ = ["forest_plot", "meta_forest_plot", "FONT", "WIDTH"]

#: Sized for the page: the report shows a figure about 724 CSS px wide in a 1,280 px window (its column) at
#: 150 dpi, so text of FONT points on a WIDTH-inch figure is FONT / 72 × 150 × 724 / (WIDTH × 150) ≈ 12 CSS px
#: (tests/test_report.py measures it in the browser). Long labels wrap instead of widening the figure, and the
#: height grows with the lines drawn.
FONT = 11.0
WIDTH = 9.2
TITLE_FONT = 12.5
LINE = FONT * 1.3 / 72  # inches per line of text
MONO: dict[str, Any] = {"family": "DejaVu Sans Mono"}


#: How far inside the outline's on-curve extremes (in points) a curve's control points must lie for
#: :func:`_outline_width` to skip it: far above the rounding of evaluating a curve (about 1e-13 points).
_INSIDE = 1e-6


def _outline_width(path: Path) -> float:
    """``path.get_extents().width``, the same float, without evaluating every curve of every glyph.

    Matplotlib's ``Path.get_extents`` evaluates each Bézier segment at its ends and at its interior extrema (one
    Python object per segment: about 30 ms for a line of text). A curve lies inside the hull of its control
    points, and its ends are on-curve points that ``get_extents`` returns exactly; so a curve whose control points
    all lie more than ``_INSIDE`` inside the widest on-curve points cannot move either extreme. Only the curves
    near the left and right edges are handed to ``get_extents``, which computes their points as before. Paths with
    anything but moves, lines, quadratic curves and closes (TrueType outlines) take ``get_extents`` whole.
    """
    if path.codes is None:
        return float(path.get_extents().width)
    verts: np.ndarray = np.asarray(path.vertices)
    codes: np.ndarray = np.asarray(path.codes)
    if not len(verts) or np.isin(codes, (Path.STOP, Path.CURVE4)).any() or not np.isfinite(verts).all():
        return float(path.get_extents().width)
    x = verts[:, 0]
    index = np.arange(len(codes))
    curve = codes == Path.CURVE3
    run_start = np.maximum.accumulate(np.where(curve & ~np.r_[False, curve[:-1]], index, 0))
    first = np.flatnonzero(curve & ((index - run_start) % 2 == 0))  # a CURVE3 segment is two vertices
    on_curve: np.ndarray = (codes == Path.MOVETO) | (codes == Path.LINETO)
    on_curve[first + 1] = True
    low, high = x[on_curve].min(), x[on_curve].max()
    control = np.stack([first - 1, first, first + 1], axis=1)  # the previous end, the control point, the end
    near = control[(x[control].min(axis=1) < low + _INSIDE) | (x[control].max(axis=1) > high - _INSIDE)]
    if len(near):
        moves = np.tile(np.array([Path.MOVETO, Path.CURVE3, Path.CURVE3], dtype=Path.code_type), len(near))
        box = Path(verts[near.ravel()], moves).get_extents()
        low, high = min(low, box.x0), max(high, box.x1)
    return float(high - low)


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float = FONT, weight: str = "normal", family: str = "DejaVu Sans") -> float:
    """Width in inches of the longest line of ``text`` set in ``size`` points (font metrics, no renderer).
    Remembered per text: wrapping measures the same words and lines many times."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family=family, weight=weight, size=size)
    return max((_outline_width(TextPath((0, 0), line, prop=prop)) for line in text.split("\n") if line),
               default=0.0) / 72


def _wrap(text: str, width_in: float, size: float = FONT, weight: str = "normal", family: str = "DejaVu Sans") -> str:
    """``text`` broken at spaces into lines no wider than ``width_in`` inches (a word longer than that stays
    whole). Line breaks already in ``text`` are kept when every line fits; otherwise it is wrapped afresh."""
    if all(_text_width(line, size, weight, family) <= width_in for line in text.split("\n")):
        return text
    lines: list[str] = []
    for word in " ".join(text.split()).split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", size, weight, family) <= width_in:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _balanced(text: str, width_in: float, size: float, weight: str = "normal") -> str:
    """Like :func:`_wrap`, but with lines of about equal width (no single word left alone on the last line)."""
    wrapped = _wrap(text, width_in, size, weight)
    n = wrapped.count("\n") + 1
    if wrapped == text or n == 1:
        return wrapped
    narrow = _text_width(" ".join(text.split()), size, weight) / n
    while narrow < width_in:
        attempt = _wrap(text, narrow, size, weight)
        if attempt.count("\n") + 1 == n:
            return attempt
        narrow += 0.1
    return wrapped


def _favours(ax, null: float, favours: tuple[str, str], below: float) -> None:
    """The favoured directions written under the axis, either side of the line of no effect."""
    for text, dx, ha in ((f"← {favours[0]}", -6, "right"), (f"{favours[1]} →", 6, "left")):
        ax.annotate(text, xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(dx, -below),
                    textcoords="offset points", ha=ha, fontsize=FONT, color=INK)


def _title(fig, title: str | None, width: float) -> float:
    """Set the title, wrapped to the figure's width; returns the height it takes (inches)."""
    if not title:
        return 0.2
    wrapped = _balanced(title, width - 0.25, TITLE_FONT, "bold")
    fig.suptitle(wrapped, x=0.01, ha="left", fontweight="bold", fontsize=TITLE_FONT)
    return 0.3 + (wrapped.count("\n") + 1) * TITLE_FONT * 1.25 / 72

def forest_plot(df: pd.DataFrame, *, label: str | list[str] = "label", estimate: str = "estimate",
                ci_low: str = "ci_low", ci_high: str = "ci_high", group: str | None = None, null: float = 0.0,
                xlabel: str = "Effect size", favours: tuple[str, str] = ("favours dry needling", "favours comparator"),
                xlim: tuple[float, float] | None = None, title: str | None = None, decimals: int = 2,
                width: float = WIDTH, missing_text: str | None = None) -> Figure:
    """Forest plot in metafor's manner: labels on the left, estimate [95 % CI] printed on the right
    with a true minus sign, a dashed reference line at ``null``, the favoured direction written
    under the axis (``favours`` = (left of null, right of null)), rows grouped under bold headers
    when ``group`` is given. Sized for the page (``FONT`` points on a ``WIDTH``-inch figure): long labels, titles
    and "no numbers" texts wrap, and the height grows with the lines drawn.

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
    if xlim is None:
        finite = pd.concat([frame["lo"], frame["hi"], frame["est"]]).dropna()
        low = min(finite.min(), null) if not finite.empty else null - 1
        high = max(finite.max(), null) if not finite.empty else null + 1
        pad = 0.08 * (high - low or 1)
        xlim = (low - pad, high + pad)

    # The right-hand column: estimate [CI] in monospace, or the reason there is no number (wrapped).
    right_text, right_mono = {}, {}
    for i, row in frame.iterrows():
        if pd.isna(row["est"]):
            text = df[missing_text].iloc[i] if missing_text and pd.notna(df[missing_text].iloc[i]) else "not reported"
            right_text[i], right_mono[i] = _wrap(str(text), 2.0), False
        else:
            interval = (f"[{signed(row['lo'], decimals)}, {signed(row['hi'], decimals)}]" if pd.notna(row["lo"])
                        and pd.notna(row["hi"]) else
                        f"[{signed(row['lo'], decimals)}, not reported]" if pd.notna(row["lo"])
                        else "[CI not reported]")
            right_text[i], right_mono[i] = f"{signed(row['est'], decimals)} {interval}", True
    right_in = max(max(_text_width(t, family="DejaVu Sans Mono" if right_mono[i] else "DejaVu Sans")
                       for i, t in right_text.items()), _text_width("Estimate [95 % CI]", weight="bold")) + 0.3
    # The label column takes what the plot (at least 2.6 in) and the right column leave; labels wrap to it.
    label_room = min(max(_text_width(t) for t in list(frame["label"]) + list(frame["group"])),
                     width - right_in - 2.6 - 0.35)
    wrapped = {i: _wrap(t, label_room) for i, t in frame["label"].items()}
    label_in = max(_text_width(t) for t in list(wrapped.values()) + [_wrap(g, label_room, weight="bold")
                                                                     for g in frame["group"]]) + 0.3

    # Layout, top to bottom in the given order: a header line per group, then its rows; each as tall as its
    # longest wrapped text.
    lines: list[tuple[str, Any, Any]] = []  # ("header", its text, None) or ("row", None, the row's index)
    for name, part in (frame.groupby("group", sort=False) if group else [("", frame)]):
        if group:
            lines.append(("header", _wrap(name, label_room, weight="bold"), None))
        lines.extend(("row", None, i) for i in part.index)
    gap = 0.55 * LINE
    heights = [(text.count("\n") + 1) * LINE + gap if kind == "header" else
               (max(wrapped[i].count("\n"), right_text[i].count("\n")) + 1) * LINE + gap
               for kind, text, i in lines]
    body = sum(heights) + LINE  # plus the column header line
    bottom = 1.3  # ticks, axis label, favoured directions, source line
    fig = plt.figure(figsize=(width, 1.0))  # resized below, once the title's height is known
    top = _title(fig, title, width)
    height = top + body + bottom
    fig.set_size_inches(width, height)
    ax = fig.add_axes((label_in / width, bottom / height, 1 - (label_in + right_in) / width, body / height))
    ax.axvline(null, color=RULE, linestyle="--", linewidth=1)
    trans = ax.get_yaxis_transform()
    y = body - LINE  # data units are inches from the bottom of the plot
    for (kind, text, i), h in zip(lines, heights, strict=True):
        centre = y - h / 2
        y -= h
        if kind == "header":
            ax.text(-0.02, centre, text, transform=trans, ha="right", va="center", fontsize=FONT,
                    fontweight="bold", linespacing=1.15)
            continue
        row = frame.loc[i]
        ax.text(-0.02, centre, wrapped[i], transform=trans, ha="right", va="center", fontsize=FONT,
                linespacing=1.15)
        right: dict[str, Any] = {"fontsize": FONT, "va": "center", "ha": "left", "transform": trans,
                                 "linespacing": 1.15}
        if pd.isna(row["est"]):
            ax.text(1.02, centre, right_text[i], color=RULE, **right)
            ax.plot([], [], gid=f"forest-row-{i}")  # a row with nothing to draw still counts as drawn
            continue
        lo = row["lo"] if pd.notna(row["lo"]) else row["est"]
        hi = row["hi"] if pd.notna(row["hi"]) else row["est"]
        half = pd.isna(row["lo"]) != pd.isna(row["hi"])  # only one limit reported: dotted, so it can't pass as a CI
        ax.plot([max(lo, xlim[0]), min(hi, xlim[1])], [centre, centre], color="black", linewidth=1.3,
                linestyle=":" if half else "-", gid=f"forest-row-{i}")
        for end, edge, direction in ((lo, xlim[0], "<"), (hi, xlim[1], ">")):
            if (direction == "<" and end < edge) or (direction == ">" and end > edge):
                ax.plot(edge, centre, marker=direction, color="black", markersize=7)
        ax.plot(row["est"], centre, "s", color=RESEARCH, markersize=8)
        ax.text(1.02, centre, right_text[i], **right, **MONO)
    ax.set_ylim(0, body)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT)
    ax.text(1.02, body - LINE / 2, "Estimate [95 % CI]", transform=trans, ha="left", va="center", fontsize=FONT,
            fontweight="bold")
    _favours(ax, null, favours, below=54)
    return fig


def meta_forest_plot(result: PoolResult, *, arms: pd.DataFrame | None = None, labels: list[str] | None = None,
                     xlabel: str = "Effect size", favours: tuple[str, str] = ("favours dry needling",
                                                                                 "favours comparator"),
                     null: float = 0.0, title: str | None = None, decimals: int = 2,
                     arm_names: tuple[str, str] = ("Needling", "Control"), width: float = WIDTH,
                     means: bool = False) -> Figure:
    """Trial-level forest plot of a :func:`dry_needling.meta.pool` result, in metafor's conventions.

    Columns, left to right: study label; per-arm N (and, with ``means=True``, "mean (SD)" when ``arms`` has
    ``mean1``/``sd1``/``mean2``/``sd2``; ``arms`` needs ``n1`` and ``n2``, one row per study in
    pooling order); the plot; weight (%); estimate [CI]. Sized for the page like :func:`forest_plot`
    (``FONT`` points on ``width`` inches): the means and SDs are left to the figure's data table, where they
    stay readable, unless ``means`` asks for them (then give a wider figure). Each study is a square whose *area* is
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
    est_f, ci_low_f, ci_high_f = float(result.estimate), float(result.ci_low), float(result.ci_high)
    pi_low_f, pi_high_f = float(result.pi_low), float(result.pi_high)
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
    has_pi = result.random_effects and np.isfinite(pi_low_f)
    ends = [lo.min(), hi.max(), null] + ([pi_low_f, pi_high_f] if has_pi else [])
    pad = 0.06 * (max(ends) - min(ends) or 1)
    xlim = (min(ends) - pad, max(ends) + pad)

    row_in = 1.45 * LINE  # one study per row
    fig = plt.figure(figsize=(width, 1.0))  # resized once the title's height is known
    title_in = _title(fig, title, width)
    rows = k + 3  # studies, a gap, the diamond, the heterogeneity line
    header_in = 2.3 * LINE  # the arm names over the column heads
    bottom = 1.2
    body = rows * row_in + header_in
    height = title_in + body + bottom
    fig.set_size_inches(width, height)

    def put(points: float, y: float, text: str, *, side: str = "left", ha: str = "right", **kw):
        """Text at ``points`` from the axes' left (negative) or right edge, at data height ``y``."""
        kw = {"fontsize": FONT, "va": "center", **kw}
        ax.annotate(text, xy=(0 if side == "left" else 1, y), xycoords=trans, xytext=(points, 0),
                    textcoords="offset points", ha=ha, annotation_clip=False, **kw)

    ys = (np.arange(k)[::-1] + 3.0) * row_in
    with_means = means and arms is not None and {"mean1", "sd1", "mean2", "sd2"} <= set(arms.columns)
    arm_texts: list[tuple[str, Any, list[str], int]] = []
    if arms is not None:
        for a, (n_col, mean_cols) in enumerate((("n1", ("mean1", "sd1")), ("n2", ("mean2", "sd2")))):
            arm_texts.append(("N", n_col, [f"{arms.iloc[i][n_col]:g}" for i in range(k)], a))
            if with_means:
                arm_texts.append(("Mean (SD)", mean_cols, [f"{signed(arms.iloc[i][mean_cols[0]], 1)} "
                                                           f"({arms.iloc[i][mean_cols[1]]:.1f})" for i in range(k)], a))
    # Each arm's columns are as wide as their widest text, or as the arm's name over them (wrapped to two lines).
    arm_label = [_wrap(name, 1.15, FONT, "bold") for name in arm_names]
    col_width = [max(_text_width(head, weight="bold"), *(_text_width(t, family="DejaVu Sans Mono") for t in texts))
                 * 72 for head, _, texts, _ in arm_texts]
    for a in range(2):
        members = [c for c, col in enumerate(arm_texts) if col[3] == a]
        if members:
            need = _text_width(arm_label[a], weight="bold") * 72 - sum(col_width[c] for c in members) \
                - 10 * (len(members) - 1)
            if need > 0:
                for c in members:
                    col_width[c] += need / len(members)
    col_right: list[float] = []
    x = -12.0
    for c in reversed(range(len(arm_texts))):
        col_right.insert(0, x)
        x -= col_width[c] + (26 if c and arm_texts[c][3] != arm_texts[c - 1][3] else 10)
    label_right = x - 4
    weight_w = max(_text_width("Weight", weight="bold"), _text_width("100.0 %", family="DejaVu Sans Mono")) * 72
    est_x = 10 + weight_w + 14
    estimates = [f"{signed(yi[i], decimals)} [{signed(lo[i], decimals)}, {signed(hi[i], decimals)}]" for i in range(k)]
    summary = (f"{signed(est_f, decimals)} [{signed(ci_low_f, decimals)}, "
               f"{signed(ci_high_f, decimals)}]")
    pi_text = (f"{result.level * 100:.0f} % PI [{signed(pi_low_f, decimals)}, {signed(pi_high_f, decimals)}]"
               if has_pi else "")
    est_w = max(_text_width(t, family="DejaVu Sans Mono") for t in [*estimates, summary, pi_text]) * 72
    right_in = (est_x + est_w + 8) / 72
    model = "Fixed-effect model" if result.method == "FE" else f"Random-effects model ({result.method})"
    left_in = (max(*(_text_width(t) for t in names), _text_width(model, weight="bold")) * 72 - label_right + 10) / 72
    ax = fig.add_axes((left_in / width, bottom / height, 1 - (left_in + right_in) / width, body / height))
    ax.axvline(null, color=RULE, linestyle="--", linewidth=1, zorder=1)
    trans = ax.get_yaxis_transform()
    mono = MONO

    header_y = ys[0] + row_in
    put(label_right, header_y, "Study", fontweight="bold")
    for (head, _, _, _), right in zip(arm_texts, col_right, strict=True):
        put(right, header_y, head, fontweight="bold")
    for a in range(2):
        members = [c for c, col in enumerate(arm_texts) if col[3] == a]
        if members:
            left_edge = col_right[members[0]] - col_width[members[0]]
            put((left_edge + col_right[members[-1]]) / 2, header_y + 0.5 * row_in + LINE * arm_label[a].count("\n") / 2,
                arm_label[a], ha="center", fontweight="bold", linespacing=1.1)
    put(10, header_y, "Weight", side="right", ha="left", fontweight="bold")
    put(est_x, header_y, f"Estimate [{result.level * 100:.0f} % CI]", side="right", ha="left", fontweight="bold")
    for i, y in enumerate(ys):
        put(label_right, y, names[i])
        for (_, _, texts, _), right in zip(arm_texts, col_right, strict=True):
            put(right, y, texts[i], **mono)
        ax.plot([max(lo[i], xlim[0]), min(hi[i], xlim[1])], [y, y], color="black", linewidth=1.2, zorder=2,
                gid=f"forest-row-{i}")
        put(10, y, f"{result.weights[i]:5.1f} %", side="right", ha="left", **mono)
        put(est_x, y, estimates[i], side="right", ha="left", **mono)
    # squares: marker area (points^2) proportional to weight; the heaviest is 14 pt on a side
    sizes = 196.0 * np.asarray(result.weights) / np.max(result.weights)
    ax.scatter(yi, ys, s=sizes, marker="s", color=RESEARCH, zorder=3, gid="meta-squares", label="_squares")

    y_d = 1.5 * row_in
    half = 0.38 * row_in
    ax.add_patch(Polygon([(ci_low_f, y_d), (est_f, y_d + half), (ci_high_f, y_d),
                          (est_f, y_d - half)], closed=True, facecolor=INK, edgecolor=INK,
                         zorder=4, gid="meta-diamond"))
    if has_pi:
        ax.plot([pi_low_f, pi_high_f], [y_d, y_d], color=INK, linewidth=1.2, zorder=3, gid="meta-pi")
        for end in (pi_low_f, pi_high_f):
            ax.plot([end, end], [y_d - half / 2, y_d + half / 2], color=INK, linewidth=1.2, zorder=3)
    put(label_right, y_d, model, fontweight="bold")
    put(10, y_d, "100.0 %", side="right", ha="left", **mono)
    put(est_x, y_d, summary, side="right", ha="left", fontweight="bold", **mono)
    if has_pi:
        put(est_x, y_d - 0.75 * row_in, pi_text, side="right", ha="left", color=INK, **mono)
    ax.annotate(result.heterogeneity_text(decimals), xy=(0.01, 0.35 * row_in), xycoords=(fig.transFigure, ax.transData),
                ha="left", va="center", fontsize=FONT - 1, color=INK, annotation_clip=False, gid="meta-heterogeneity")

    ax.set_xlim(*xlim)
    ax.set_ylim(0, body)  # data units are inches
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(_wrap(xlabel, width - 0.5), fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT)
    _favours(ax, null, favours, below=50)
    return fig

