"""House style and save_figure: byte-identical output, plotted data, the figure index."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from dry_needling import charts

ALT = "Bars of 10, 20 and 30 percent; the third is three times the first."


@pytest.fixture(autouse=True)
def _close_figures(close_figures):
    """Every test here closes its figures (tests/conftest.py)."""


def _bar_figure():
    charts.use_house_style()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["a", "b", "c"], [10, 20, 30], label="shares")
    ax.set_title("Shares rise from 10 to 30 %")
    ax.set_ylim(0, 100)
    return fig


def test_save_figure_writes_png_svg_csv_and_index(fig_dir):
    entry = charts.save_figure(_bar_figure(), "demo", alt=ALT, source="Made up for a test")
    for ext in ("png", "svg", "csv"):
        assert (fig_dir / f"demo.{ext}").stat().st_size > 0
    assert entry["title"] == "Shares rise from 10 to 30 %"
    index = charts.read_index(fig_dir)
    assert index.to_dict("records") == [entry]
    plotted = pd.read_csv(fig_dir / "demo.csv")
    assert plotted["height"].tolist() == [10, 20, 30]
    assert not list(fig_dir.glob(".*.tmp")), "no temporary files are left behind"


def test_source_line_is_stamped_once(fig_dir):
    fig = _bar_figure()
    charts.save_figure(fig, "demo", alt=ALT, source="First")
    charts.save_figure(fig, "demo", alt=ALT, source="Second")
    texts = [t.get_text() for t in fig.texts]
    assert texts == ["Source: Second"]


def test_index_is_sorted_and_updated_in_place(fig_dir):
    charts.save_figure(_bar_figure(), "zeta", alt=ALT, source="S")
    charts.save_figure(_bar_figure(), "alpha", alt=ALT, source="S")
    charts.save_figure(_bar_figure(), "zeta", alt=ALT + " Updated.", source="S2")
    index = charts.read_index(fig_dir)
    assert index["name"].tolist() == ["alpha", "zeta"]
    assert index.set_index("name").loc["zeta", "source"] == "S2"


SCRIPT = """
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
from dry_needling import charts
charts.use_house_style()
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot([0, 1, 2], [3, 1, 2], marker="o", label="line")
ax.bar([0, 1, 2], [1, 2, 3], alpha=0.3)
ax.set_title("Determinism check")
charts.save_figure(fig, "det", alt="A line and three bars drawn twice to compare bytes.", source="Test")
"""


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
def test_output_is_byte_identical_across_processes(tmp_path):
    digests = []
    for run in ("one", "two"):
        out = tmp_path / run
        out.mkdir()
        env = dict(os.environ, DRY_NEEDLING_FIGURES=str(out))
        subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=True, timeout=120)
        digests.append(_digests(out))
    assert set(digests[0]) >= {"det.png", "det.svg", "det.csv", "index.csv"}
    assert digests[0] == digests[1]


def test_outputs_carry_no_date_or_version(fig_dir):
    charts.save_figure(_bar_figure(), "demo", alt=ALT, source="S")
    svg = (fig_dir / "demo.svg").read_text()
    assert "<dc:date>" not in svg
    png = (fig_dir / "demo.png").read_bytes()
    assert b"Software" not in png and b"matplotlib version" not in png


def test_unchanged_files_are_not_rewritten(fig_dir):
    charts.save_figure(_bar_figure(), "demo", alt=ALT, source="S")
    mtime = (fig_dir / "demo.png").stat().st_mtime_ns
    charts.save_figure(_bar_figure(), "demo", alt=ALT, source="S")
    assert (fig_dir / "demo.png").stat().st_mtime_ns == mtime


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "Bad Name", "alt": ALT, "source": "S"}, "lower-case"),
        ({"name": "ok", "alt": "", "source": "S"}, "alt text"),
        ({"name": "ok", "alt": "a chart", "source": "S"}, "alt text"),
        ({"name": "ok", "alt": ALT, "source": " "}, "source is required"),
    ],
)
def test_save_figure_rejects_bad_arguments(fig_dir, kwargs, message):
    fig = _bar_figure()
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=message):
        charts.save_figure(fig, name, **kwargs)
    assert not any(fig_dir.iterdir()), "nothing is written when the arguments are bad"


def test_untitled_or_empty_figures_are_refused(fig_dir):
    fig, ax = plt.subplots()
    ax.bar([0], [1])
    with pytest.raises(ValueError, match="title"):
        charts.save_figure(fig, "untitled", alt=ALT, source="S")
    fig, ax = plt.subplots()
    ax.set_title("Nothing drawn")
    with pytest.raises(ValueError, match="no plotted data"):
        charts.save_figure(fig, "empty", alt=ALT, source="S")


def test_figure_data_reads_lines_points_and_bars():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4], label="line")
    ax.scatter([5], [6], label="pts")
    ax.bar([7], [8], label="bar")
    table = charts.figure_data(fig)
    assert sorted(table["kind"]) == ["bar", "line", "line", "point"]
    assert table.loc[table["kind"] == "point", ["x", "y"]].to_numpy().tolist() == [[5, 6]]


@pytest.mark.parametrize("percent, filled", [(0, 0), (72, 72), (84.6, 85), (100, 100)])
def test_waffle_fills_the_right_number_of_squares(percent, filled):
    fig, ax = plt.subplots()
    charts.waffle(ax, percent, color="#d55e00")
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert len(colours) == 100
    assert colours.count("#d55e00") == filled


@pytest.mark.parametrize("percent", [-1, 100.5, float("nan")])
def test_waffle_rejects_impossible_shares(percent):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError):
        charts.waffle(ax, percent)


def test_palette_is_seaborn_colorblind_and_background_is_white():
    import seaborn as sns

    assert charts.PALETTE == sns.color_palette("colorblind").as_hex()
    charts.use_house_style()
    assert matplotlib.rcParams["savefig.facecolor"] == "white"
    assert matplotlib.rcParams["savefig.transparent"] is False


def test_dot_range_panels_draws_every_row():
    groups = [("A", pd.DataFrame({"label": ["x", "y"], "claim": [80, 80], "estimate": [np.nan, 12.0],
                                  "low": [11, np.nan], "high": [84, np.nan]})),
              ("B", pd.DataFrame({"label": ["z"], "claim": [85], "estimate": [90.0], "low": [np.nan],
                                  "high": [np.nan]}))]
    fig = charts.dot_range_panels(groups, title="T", xlabel="%")
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x", "y"]
    assert fig.axes[1].get_xlim() == (0, 100)
    with pytest.raises(ValueError):
        charts.dot_range_panels([], title="T", xlabel="%")


def test_show_displays_the_saved_png_without_rendering_again(fig_dir, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig = _bar_figure()
    charts.save_figure(fig, "demo", alt=ALT, source="S")
    charts.show(fig)
    assert shown and shown[0].data == (fig_dir / "demo.png").read_bytes()
    assert not plt.fignum_exists(fig.number), "the figure is closed after showing"


@pytest.mark.parametrize("family", ["DejaVu Sans", "DejaVu Sans Mono"])
@pytest.mark.parametrize("weight", ["normal", "bold"])
def test_forest_text_widths_are_matplotlibs_own_extents(family, weight):
    """Forest plots wrap labels by measured width; the fast measure must give matplotlib's float exactly
    (a different float could move a line break and change the figure's bytes)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    from dry_needling.charts.forest import _outline_width

    rng = np.random.default_rng(26)
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:()[]%/'−→←·é×≤≥τ²@&Qg")
    texts = ["Sánchez-Infante 2021: vs mixed (placebo or sham), 13-24 weeks", "−1.39 [−2.80, −0.95]", "O", "l", "(",
             *("".join(rng.choice(alphabet, size=rng.integers(1, 90))) for _ in range(20))]  # every glyph, often
    assert set(alphabet) <= set("".join(texts)), "the random texts use every glyph of the alphabet"
    prop = FontProperties(family=family, weight=weight, size=11)
    for text in texts:
        if not text.strip():
            continue
        path = TextPath((0, 0), text, prop=prop)
        assert _outline_width(path) == path.get_extents().width, text


def test_outline_width_counts_curves_that_bulge_past_their_ends():
    """Outlines whose extremes lie inside a curve (not at an on-curve point), and mixed moves, lines and closes:
    still exactly ``get_extents().width``."""
    from matplotlib.path import Path as MplPath

    from dry_needling.charts.forest import _outline_width

    rng = np.random.default_rng(7)
    for _ in range(200):
        verts, codes = [rng.normal(size=2)], [MplPath.MOVETO]
        for _ in range(rng.integers(1, 12)):
            kind = rng.choice(["curve", "line", "close"])
            if kind == "curve":
                verts += [rng.normal(scale=3, size=2), rng.normal(size=2)]
                codes += [MplPath.CURVE3, MplPath.CURVE3]
            elif kind == "line":
                verts.append(rng.normal(size=2))
                codes.append(MplPath.LINETO)
            else:
                verts += [np.zeros(2), rng.normal(size=2)]
                codes += [MplPath.CLOSEPOLY, MplPath.MOVETO]
        path = MplPath(np.array(verts), np.array(codes, dtype=MplPath.code_type))
        assert _outline_width(path) == path.get_extents().width
