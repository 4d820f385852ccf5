"""Notebook 03's unblinding explorer in the page, without a kernel.

A Vega-Lite chart made with Altair: the three sliders of ``dry_needling.explorer.sliders`` (Bang index of the
active arm, of the sham arm, and the expectation effect; ranges, labels, and starting values read from ``data/``)
are Vega parameters of the same names, and the expected bias is ``dry_needling.simulate.unblinding_bias`` called
with those parameters: Altair turns the Python arithmetic into the Vega expression, so the formula is written
once, in ``simulate``. Vega's CSP-safe expression interpreter (no eval) computes it as the reader moves a slider.
The Vega, Vega-Lite and vega-embed JavaScript is vl-convert-python's bundled copy, written into the report at build
time: nothing is loaded from a CDN and no third-party JavaScript is in the repository.
"""

from __future__ import annotations

import html
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from .common import fingerprint

if TYPE_CHECKING:
    from ..explorer import Slider

MARKER = "UnblindingExplorer("  # a code cell that builds the JupyterLab explorer gets the in-page one


#: The module whose ``unblinding_bias`` the chart's bias expression is made from (:func:`bias_expression`).
_BIAS_CODE = Path(__file__).resolve().parents[1] / "simulate.py"


def key(shown: tuple[Slider, ...] | None = None) -> str:
    """What the explorer's chart and bundle are made from: Altair's and vl-convert's versions, the sliders, the code
    of the bias formula (``simulate.py``, as bytes: making the expression itself imports Altair, which a rebuild
    with nothing changed need not do), this module and the colours."""
    from ..palette import ARTICLE, RESEARCH

    shown = shown or sliders()
    return fingerprint(version("altair"), version("vl-convert-python"), shown, _BIAS_CODE, Path(__file__), ARTICLE,
                       RESEARCH)


def sliders() -> tuple[Slider, ...]:
    """The sliders (``dry_needling.explorer.sliders``), their starting values read from ``data/``."""
    from ..explorer import sliders as explorer_sliders

    return explorer_sliders()


def bias_expression(shown: tuple[Slider, ...] | None = None) -> str:
    """The Vega expression of the bias: :func:`dry_needling.simulate.unblinding_bias` run on the sliders'
    Vega parameters (Altair builds the expression from the Python arithmetic). ``shown``: the sliders, if the
    caller has read them (a build reads them once)."""
    import altair as alt

    from ..simulate import unblinding_bias

    return unblinding_bias(**{s.name: alt.param(name=s.name) for s in shown or sliders()}).to_dict()["expr"]


def spec(given: tuple[Slider, ...] | None = None) -> dict:
    """The Vega-Lite specification (Altair)."""
    import altair as alt
    import pandas as pd

    from ..palette import ARTICLE, RESEARCH  # (not charts: that imports matplotlib)
    from ..simulate import unblinding_bias

    given = given or sliders()
    shown = {s.name: s for s in given}
    params = {s.name: alt.param(name=s.name, value=s.value,
                                bind=alt.binding_range(min=s.low, max=s.high, step=s.step, name=s.label + " "))
              for s in shown.values()}
    bias = alt.param(name="bias", expr=bias_expression(given))
    low, high = shown["expectation_effect"].low, shown["expectation_effect"].high
    grid = pd.DataFrame({"expectation": [low + (high - low) * i / 40 for i in range(41)]})  # the x axis
    line = dict(params, expectation_effect=alt.datum.expectation)  # the bias along the x axis
    base = alt.Chart(grid).transform_calculate(bias_line=unblinding_bias(**line))
    reach = unblinding_bias(high, shown["bang_active"].high, shown["bang_sham"].high)  # the largest bias possible
    x = alt.X("expectation:Q", title="Expectation effect (points on a 0-10 pain scale)",
              scale=alt.Scale(domain=[low, high]))
    y = alt.Y("bias_line:Q", title="Expected bias (points)", scale=alt.Scale(domain=[-reach, reach]))
    # Every mark has a description: Vega gives each mark group an ARIA role, and a role without a name fails
    # WCAG 1.1.1 (axe: svg-img-alt). The chart as a whole is named by its description (the SVG's aria-label).
    curve = base.mark_line(color=RESEARCH, strokeWidth=3,
                           description=f"Line: the expected bias for expectation effects from {low:g} to {high:g} "
                                       "points").encode(x=x, y=y)
    zero = alt.Chart(grid).mark_rule(color="#888888", strokeDash=[4, 4],
                                     description="Dashed line: no bias").encode(y=alt.datum(0))
    here = alt.Chart(grid).transform_filter(f"datum.expectation == {low!r}").transform_calculate(
        e="expectation_effect", b="bias", label="'bias ' + format(bias, '+.3f')")
    point = here.mark_point(color=ARTICLE, size=140, filled=True,
                            description="Point: the bias at the chosen expectation effect").encode(
        x=alt.X("e:Q"), y=alt.Y("b:Q"))
    text = here.mark_text(align="left", dx=10, dy=-12, fontSize=14, fontWeight="bold", color="#1a1a1a",
                          description="Label: the bias at the chosen expectation effect").encode(
        x=alt.X("e:Q"), y=alt.Y("b:Q"), text="label:N")
    chart = (zero + curve + point + text).add_params(*params.values(), bias).properties(
        width="container", height=280, background="#ffffff",
        title="Expected bias (true effect 0)",
        description=(f"Chart of the expected bias against the expectation effect ({low:g} to {high:g} points) for "
                     "the Bang indexes set by the sliders; the number above the chart gives the bias at the chosen "
                     "expectation effect."))
    return chart.to_dict()


def spec_js(shown: tuple[Slider, ...] | None = None) -> str:
    data = json.dumps(spec(shown), sort_keys=True).replace("<", "\\u003c")
    return f"window.DN_EXPLORER_SPEC = {data};\n"


def bundle_js() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from the installed vl-convert-python: the copy made when the
    environment was set up (:func:`install_bundle`), or made now (about 1.3 CPU seconds) where there is none."""
    try:
        return installed_bundle().read_text(encoding="utf-8")
    except OSError:
        return make_bundle()


def make_bundle() -> str:
    """The bundle, made by vl-convert-python (its Deno bundler, offline: the libraries are inside its wheel)."""
    import vl_convert

    return (f"/* Vega {vl_convert.get_vega_version()}, vega-embed {vl_convert.get_vega_embed_version()} and "
            f"Vega-Lite, bundled by vl-convert-python {version('vl-convert-python')} (BSD-3-Clause). */\n"
            + vl_convert.javascript_bundle())  # type: ignore[call-arg]  # (its stub makes the optional snippet required)


def installed_bundle() -> Path:
    """Where the environment keeps its bundle: beside the installed packages (``sys.prefix``), named by the
    vl-convert-python version, so that installing another version of vl-convert never serves an old bundle."""
    return Path(sys.prefix) / "share" / "dry-needling" / f"vega-bundle-vl-convert-{version('vl-convert-python')}.js"


def install_bundle() -> Path:
    """Make the bundle once for this environment (``make``'s set-up step calls this), as a package's built scripts
    are made once when it is installed, not by every build that uses them."""
    from ..files import atomic_write

    target = installed_bundle()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, make_bundle())
    return target


def initial_bias(shown: tuple[Slider, ...] | None = None) -> float:
    from ..simulate import expected_observed_effect

    return expected_observed_effect(0.0, **{s.name: s.value for s in shown or sliders()})


#: How the formula's names read on the page.
_READ_AS = {"expectation_effect": "expectation effect", "bang_active": "BI<sub>active</sub>",
            "bang_sham": "BI<sub>sham</sub>", "*": "×"}


def formula_html(shown: tuple[Slider, ...] | None = None) -> str:
    """The bias formula as the page shows it: :func:`bias_expression` with readable names (outer brackets off)."""
    import re

    expression = bias_expression(shown)
    if expression.startswith("(") and expression.endswith(")"):
        expression = expression[1:-1]
    return re.sub(r"[A-Za-z_]+|\*", lambda m: _READ_AS.get(m.group(), html.escape(m.group())), expression)


def placeholder_key(given: tuple[Slider, ...] | None = None) -> str:
    """What :func:`placeholder` makes its HTML from, besides this module: the sliders, the bias formula's code, and
    the versions of Altair (which writes the formula) and NumPy (which computes the starting bias). A page's cache
    key holds this, so a page copied from the previous report needs no placeholder made."""
    return fingerprint(given or sliders(), _BIAS_CODE, version("altair"), version("numpy"))


def placeholder(given: tuple[Slider, ...] | None = None) -> str:
    """The HTML that stands where JupyterLab shows the sliders (``given``: the sliders, if already read)."""
    given = given or sliders()
    bias = initial_bias(given)
    shown = ("+" if bias >= 0 else "−") + f"{abs(bias):.3f}"
    start = {s.name: s.value for s in given}
    return (
        '<div class="explorer" id="unblinding-explorer">'
        '<p class="explorer-live"><strong>Try it here.</strong> Move the sliders: the number and the chart are '
        "recomputed in this page, without Python, from the closed form in <code>dry_needling.simulate</code>: "
        f"bias = {formula_html(given)}. (JupyterLab's sliders also re-run the simulation.)</p>"
        f'<p class="explorer-readout">Expected bias: <output id="explorer-bias" aria-live="polite" aria-atomic="true" '
        f'data-value="{bias!r}">'
        f"{html.escape(shown)}</output> points on a 0-10 pain scale</p>"
        '<div id="explorer-controls"></div><div id="explorer-chart" class="explorer-chart"></div>'
        '<p class="explorer-static">In the HTML report this is an interactive chart: three sliders set the Bang '
        f"index of each arm and the expectation effect, and the expected bias is redrawn. Starting values: BI "
        f"active {start['bang_active']:g}, BI sham {start['bang_sham']:g}, expectation "
        f"{start['expectation_effect']:.1f}, bias {html.escape(shown)} points.</p></div>")

