"""Set the article's burden-of-back-pain percentages beside published figures.

The article gives three percentages with three different denominators (everyone, people with
back pain, people with chronic back pain). The functions here keep those denominators
explicit, so a chart or a sentence cannot silently mix them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = [
    "ARTICLE_PERCENTAGES",
    "article_percentages",
    "article_vs_research",
    "comparison_panels",
    "chain_shares",
    "percent_change",
]

# The three article figures this notebook charts, in the order of their denominators.
ARTICLE_PERCENTAGES = ["lifetime_prevalence", "non_specific", "psychological_distress"]


def article_percentages(figures: pd.DataFrame) -> pd.DataFrame:
    """The article's three burden percentages with their denominators, in a fixed order."""
    missing = [i for i in ARTICLE_PERCENTAGES if i not in set(figures["id"])]
    if missing:
        raise ValueError(f"article_figures has no row for {', '.join(missing)}")
    rows = figures.set_index("id").loc[ARTICLE_PERCENTAGES].reset_index()
    if (rows["unit"] != "percent").any():
        raise ValueError("the article's burden figures must be in percent")
    return rows[["id", "value", "as_printed", "measures", "population", "source_id", "locator"]]


def article_vs_research(figures: pd.DataFrame, context: pd.DataFrame) -> pd.DataFrame:
    """One row per (article figure, published comparison) pair, for the comparison chart.

    Columns: article id and value, its denominator, the published measure, its estimate,
    low/high (the range or interval as published; for a mean with standard error, the
    mean +/- 1.96 SE, flagged as derived), the source id, and ``inside``: whether the
    article's value lies within the published range (NA when there is only a point value).
    """
    article = article_percentages(figures).set_index("id")
    ctx = context[context["article_figure_id"].isin(ARTICLE_PERCENTAGES) & (context["unit"] == "percent")].copy()
    derived = ctx["interval"].eq("mean with standard error") & ctx["se"].notna()
    ctx["low"] = ctx["low"].where(~derived, ctx["estimate"] - 1.96 * ctx["se"])
    ctx["high"] = ctx["high"].where(~derived, ctx["estimate"] + 1.96 * ctx["se"])
    ctx["interval_derived"] = derived
    out = pd.DataFrame({
        "article_id": ctx["article_figure_id"],
        "article_value": ctx["article_figure_id"].map(article["value"]),
        "denominator": ctx["article_figure_id"].map(article["population"]),
        "measure": ctx["measure"],
        "label": ctx["label"],
        "estimate": ctx["estimate"],
        "low": ctx["low"],
        "high": ctx["high"],
        "interval": ctx["interval"],
        "interval_derived": ctx["interval_derived"],
        "source_id": ctx["source_id"],
    })
    has_range = out["low"].notna() & out["high"].notna()
    inside = (out["article_value"] >= out["low"]) & (out["article_value"] <= out["high"])
    out["inside"] = inside.astype("boolean").where(has_range, pd.NA)
    order = {k: i for i, k in enumerate(ARTICLE_PERCENTAGES)}
    out = out.sort_values("article_id", key=lambda s: s.map(order), kind="stable")  # keep data order within
    return out.reset_index(drop=True)


def comparison_panels(figures: pd.DataFrame, compare: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Groups for :func:`dry_needling.charts.dot_range_panels`: one panel per article figure,
    titled with the article's wording and its denominator, even when no published row matches."""
    article = article_percentages(figures).set_index("id")
    groups = []
    for key in ARTICLE_PERCENTAGES:
        rows = compare[compare["article_id"] == key]
        frame = pd.DataFrame({"label": rows["label"], "claim": rows["article_value"], "estimate": rows["estimate"],
                              "low": rows["low"], "high": rows["high"]})
        title = f"Article: {article.loc[key, 'as_printed']} of {article.loc[key, 'population'].lower()}"
        groups.append((title, frame.reset_index(drop=True)))
    return groups


def chain_shares(percentages: Sequence[float]) -> float:
    """How many people out of 100 are in the innermost group when each percentage is a share
    of the previous group (e.g. 80 % of everyone, then 20 % of those, then 72 % of those)."""
    result = 100.0
    for p in percentages:
        if not 0 <= p <= 100:
            raise ValueError(f"each share must lie between 0 and 100 %, got {p}")
        result *= p / 100
    return result


def percent_change(before: float, after: float) -> float:
    """Relative change from ``before`` to ``after`` in percent."""
    if before == 0:
        raise ValueError("percent change from zero is undefined")
    return (after - before) / before * 100
