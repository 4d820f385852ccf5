"""Notebook 03's unblinding explorer in the page, without a kernel.

A Vega-Lite chart made with Altair: three sliders (Bang index of the active arm, of the sham arm, and the
expectation effect) are Vega parameters, and the expected bias is the closed form of
``dry_needling.simulate.expected_observed_effect`` with a true effect of 0::

    bias = expectation × (BI_active + BI_sham) / 2

computed by Vega's CSP-safe expression interpreter (no eval) as the reader moves a slider. The Vega,
Vega-Lite and vega-embed JavaScript is vl-convert-python's bundled copy, written into the report at build
time: nothing is loaded from a CDN and no third-party JavaScript is in the repository.
"""

from __future__ import annotations

import html
import json
from importlib.metadata import version

from .common import fingerprint

#: Slider ranges and starting values: the same as the JupyterLab sliders (dry_needling.explorer).
SLIDERS = {"bi_active": (-1.0, 1.0, 0.01, 0.26, "Bang index, active arm"),
           "bi_sham": (-1.0, 1.0, 0.01, 0.01, "Bang index, sham arm"),
           "expectation": (0.0, 2.0, 0.1, 1.0, "Expectation effect (points)")}
BIAS_EXPR = "expectation * (bi_active + bi_sham) / 2"
MARKER = "UnblindingExplorer("  # a code cell that builds the JupyterLab explorer gets the in-page one


def key() -> str:
    return fingerprint(version("altair"), version("vl-convert-python"), SLIDERS, BIAS_EXPR, __doc__)


def spec() -> dict:
    """The Vega-Lite specification (Altair)."""
    import altair as alt
    import pandas as pd

    from .. import charts

    params = []
    for name, (low, high, step, value, label) in SLIDERS.items():
        params.append(alt.param(name=name, value=value,
                                bind=alt.binding_range(min=low, max=high, step=step, name=label + " ")))
    params.append(alt.param(name="bias", expr=BIAS_EXPR))
    grid = pd.DataFrame({"expectation_effect": [i / 20 for i in range(41)]})
    base = alt.Chart(grid).transform_calculate(bias_line="datum.expectation_effect * (bi_active + bi_sham) / 2")
    x = alt.X("expectation_effect:Q", title="Expectation effect (points on a 0-10 pain scale)",
              scale=alt.Scale(domain=[0, 2]))
    y = alt.Y("bias_line:Q", title="Expected bias (points)", scale=alt.Scale(domain=[-2, 2]))
    # Every mark has a description: Vega gives each mark group an ARIA role, and a role without a name fails
    # WCAG 1.1.1 (axe: svg-img-alt). The chart as a whole is named by its description (the SVG's aria-label).
    line = base.mark_line(color=charts.RESEARCH, strokeWidth=3,
                          description="Line: the expected bias for expectation effects from 0 to 2 points"
                          ).encode(x=x, y=y)
    zero = alt.Chart(grid).mark_rule(color="#888888", strokeDash=[4, 4],
                                     description="Dashed line: no bias").encode(y=alt.datum(0))
    here = alt.Chart(grid).transform_filter("datum.expectation_effect == 0").transform_calculate(
        e="expectation", b="bias", label="'bias ' + format(bias, '+.3f')")
    point = here.mark_point(color=charts.ARTICLE, size=140, filled=True,
                            description="Point: the bias at the chosen expectation effect").encode(
        x=alt.X("e:Q"), y=alt.Y("b:Q"))
    text = here.mark_text(align="left", dx=10, dy=-12, fontSize=14, fontWeight="bold", color="#1a1a1a",
                          description="Label: the bias at the chosen expectation effect").encode(
        x=alt.X("e:Q"), y=alt.Y("b:Q"), text="label:N")
    chart = (zero + line + point + text).add_params(*params).properties(
        width="container", height=280, background="#ffffff",
        title="Expected bias (true effect 0)",
        description=("Chart of the expected bias against the expectation effect (0 to 2 points) for the Bang "
                     "indexes set by the sliders; the number above the chart gives the bias at the chosen "
                     "expectation effect."))
    return chart.to_dict()


def spec_js() -> str:
    data = json.dumps(spec(), sort_keys=True).replace("<", "\\u003c")
    return f"window.DN_EXPLORER_SPEC = {data};\n"


def bundle_js() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from the installed vl-convert-python."""
    import vl_convert

    return (f"/* Vega {vl_convert.get_vega_version()}, vega-embed {vl_convert.get_vega_embed_version()} and "
            f"Vega-Lite, bundled by vl-convert-python {version('vl-convert-python')} (BSD-3-Clause). */\n"
            + vl_convert.javascript_bundle())


def initial_bias() -> float:
    from ..simulate import expected_observed_effect

    return expected_observed_effect(0.0, SLIDERS["expectation"][3], SLIDERS["bi_active"][3], SLIDERS["bi_sham"][3])


def placeholder() -> str:
    """The HTML that stands where JupyterLab shows the sliders."""
    bias = initial_bias()
    shown = ("+" if bias >= 0 else "−") + f"{abs(bias):.3f}"
    return (
        '<div class="explorer" id="unblinding-explorer">'
        '<p class="explorer-live"><strong>Try it here.</strong> Move the sliders: the number and the chart are '
        "recomputed in this page, without Python, from the closed form in <code>dry_needling.simulate</code>: "
        "bias = expectation effect × (BI<sub>active</sub> + BI<sub>sham</sub>) / 2. (JupyterLab's sliders also "
        "re-run the simulation.)</p>"
        f'<p class="explorer-readout">Expected bias: <output id="explorer-bias" aria-live="polite" aria-atomic="true" '
        f'data-value="{bias!r}">'
        f"{html.escape(shown)}</output> points on a 0-10 pain scale</p>"
        '<div id="explorer-controls"></div><div id="explorer-chart" class="explorer-chart"></div>'
        '<p class="explorer-static">In the HTML report this is an interactive chart: three sliders set the Bang '
        "index of each arm and the expectation effect, and the expected bias is redrawn. Starting values: BI "
        f"active 0.26, BI sham 0.01, expectation 1.0, bias {html.escape(shown)} points.</p></div>")
