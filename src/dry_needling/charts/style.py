"""The collection's house style: the colour-blind-safe palette and named greys (defined in
:mod:`dry_needling.palette`, re-exported here), and the matplotlib settings that give an opaque white
background, readable DejaVu Sans text and SVG output that repeats byte for byte."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.rcsetup import cycler

from ..palette import ARTICLE, BAND, CONTEXT, EMPTY, INK, INK_SOFT, PALETTE, RESEARCH, RULE, RULE_SOFT

__all__ = ["PALETTE", "ARTICLE", "RESEARCH", "CONTEXT", "INK", "INK_SOFT", "RULE", "RULE_SOFT", "BAND", "EMPTY",
           "HOUSE_RC", "use_house_style", "house_style"]

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
