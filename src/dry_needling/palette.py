"""The collection's colours: the colour-blind-safe palette (seaborn ``colorblind``), the three colours with a
meaning, and named greys. Plain constants with no imports, so that code which only needs a colour (the report's
in-page explorer chart) does not import matplotlib; :mod:`dry_needling.charts` re-exports them with the house style."""

from __future__ import annotations

__all__ = ["PALETTE", "ARTICLE", "RESEARCH", "CONTEXT", "INK", "INK_SOFT", "RULE", "RULE_SOFT", "BAND", "EMPTY"]

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
