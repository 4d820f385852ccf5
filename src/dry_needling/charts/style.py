"""The collection's house style: the colour-blind-safe palette (seaborn ``colorblind``), named greys,
and the matplotlib settings that give an opaque white background, readable DejaVu Sans text and SVG
output that repeats byte for byte."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.rcsetup import cycler

__all__ = ["PALETTE", "ARTICLE", "RESEARCH", "CONTEXT", "INK", "INK_SOFT", "RULE", "RULE_SOFT", "BAND", "EMPTY",
           "HOUSE_RC", "use_house_style", "house_style"]

# seaborn's "colorblind" palette (Okabe-Ito-like), written out so the package does not need
# seaborn (only the tests install it); tests/test_charts.py checks it still equals seaborn's.
PALETTE = [
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
    "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9",
]
ARTICLE = PALETTE[3]  # vermillion: the article's claims, always
RESEARCH = PALETTE[0]  # blue: published research
CONTEXT = PALETTE[7]  # grey: context, the rest of a whole


#: Greys for text and reference lines, named once here rather than retyped in each chart.
INK = "#333333"  # source lines, annotations, the summary diamond
INK_SOFT = "#444444"  # explanatory labels inside a chart
RULE = "#555555"  # reference lines (the line of no effect), muted cell text
RULE_SOFT = "#888888"  # light reference lines
BAND = "#dddddd"  # shaded bands and grids
EMPTY = "#e6e6e6"  # the empty part of a whole (waffle squares)

HOUSE_RC: dict[Any, Any] = {  # matplotlib types its keys as a Literal of every rcParam name
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
    "axes.prop_cycle": cycler(color=PALETTE),
    "svg.hashsalt": "dry-needling",  # fixed ids in SVG output (with metadata Date=None below)
    "svg.fonttype": "path",
    "image.cmap": "cividis",
}


def use_house_style() -> None:
    """Apply the collection's matplotlib style (idempotent)."""
    mpl.rcParams.update(HOUSE_RC)




@contextmanager
def house_style() -> Iterator[None]:
    """The house style inside a ``with`` block only; the global matplotlib settings are restored after."""
    with mpl.rc_context(HOUSE_RC):
        yield
