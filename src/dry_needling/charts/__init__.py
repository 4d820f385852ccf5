"""Charts in the collection's house style.

The package is split by job:

* :mod:`~dry_needling.charts.style` -- palette (seaborn ``colorblind``: the article's claims in vermillion,
  research in blue, context in grey), named greys and the matplotlib settings (:func:`use_house_style`, or
  :func:`house_style` as a context manager);
* :mod:`~dry_needling.charts.saving` -- :func:`save_figure` (byte-identical PNG/SVG, the plotted data as CSV,
  the figure index with alt text) and :func:`show`;
* :mod:`~dry_needling.charts.basic` -- waffle, dot-and-range panels, effect distributions, the Bang-index
  chart and the tile map;
* :mod:`~dry_needling.charts.forest` -- forest plots of published and of re-analysed estimates;
* :mod:`~dry_needling.charts.controls` -- the effect by type of control, sensitivity rows beside their main rows.

Everything is importable from ``dry_needling.charts`` directly, as the notebooks do.
"""

from .basic import (
    MINUS,
    bang_interval_chart,
    dot_range_panels,
    effect_distributions,
    legend_handles,
    signed,
    tile_map,
    waffle,
)
from .controls import control_type_order, control_type_plot
from .forest import forest_plot, meta_forest_plot
from .saving import INDEX_FIELDS, NAME_MAX, RESERVED_NAMES, atomic_write, figure_data, read_index, save_figure, show
from .style import (
    ARTICLE,
    BAND,
    CONTEXT,
    EMPTY,
    HOUSE_RC,
    INK,
    INK_SOFT,
    PALETTE,
    RESEARCH,
    RULE,
    RULE_SOFT,
    house_style,
    use_house_style,
)

__all__ = [
    "PALETTE", "ARTICLE", "RESEARCH", "CONTEXT", "INK", "INK_SOFT", "RULE", "RULE_SOFT", "BAND", "EMPTY", "HOUSE_RC",
    "use_house_style", "house_style",
    "save_figure", "show", "figure_data", "read_index", "atomic_write", "INDEX_FIELDS", "NAME_MAX", "RESERVED_NAMES",
    "waffle", "legend_handles", "dot_range_panels", "effect_distributions", "bang_interval_chart", "MINUS", "signed",
    "tile_map", "forest_plot", "meta_forest_plot", "control_type_plot", "control_type_order",
]
