"""The burden comparison keeps denominators apart and flags what fits the published ranges."""

from __future__ import annotations

import pandas as pd
import pytest

from dry_needling import burden, data


@pytest.fixture(scope="module")
def compare():
    return burden.article_vs_research(data.load("article_figures"), data.load("burden_context"))


def test_article_percentages_in_denominator_order():
    rows = burden.article_percentages(data.load("article_figures"))
    assert rows["id"].tolist() == ["lifetime_prevalence", "non_specific", "psychological_distress"]
    assert rows["value"].tolist() == [80, 85, 72]


def test_eighty_percent_is_inside_walker_lifetime_but_outside_one_year(compare):
    by_measure = compare.set_index("measure")
    assert bool(by_measure.loc["Lifetime prevalence of low back pain", "inside"])
    assert not bool(by_measure.loc["One-year prevalence of low back pain", "inside"])


def test_point_values_have_no_inside_flag(compare):
    who = compare[compare["source_id"] == "who_lbp_factsheet_2023"].iloc[0]
    assert pd.isna(who["inside"])
    assert who["estimate"] == 90


def test_mean_and_se_become_a_flagged_derived_interval(compare):
    hoy = compare.set_index("measure").loc["Point prevalence of activity-limiting low back pain (adjusted mean)"]
    assert hoy["interval_derived"]
    assert hoy["low"] == pytest.approx(11.9 - 1.96 * 2.0)
    assert hoy["high"] == pytest.approx(11.9 + 1.96 * 2.0)


def test_only_percentages_are_compared(compare):
    assert not compare["source_id"].eq("gbd2021_lbp").any(), "head counts are not percentages"


def test_every_article_figure_gets_a_panel():
    figures = data.load("article_figures")
    groups = burden.comparison_panels(figures, burden.article_vs_research(figures, data.load("burden_context")))
    assert [title for title, _ in groups] == [
        "Article: 80 % of everyone (general population)",
        "Article: roughly 85 % of people with back pain",
        "Article: 72 % of people with chronic back pain",
    ]


def test_missing_article_row_is_a_clear_error():
    figures = data.load("article_figures")
    with pytest.raises(ValueError, match="non_specific"):
        burden.article_percentages(figures[figures["id"] != "non_specific"])


def test_chain_shares():
    assert burden.chain_shares([80, 20, 72]) == pytest.approx(11.52)
    assert burden.chain_shares([]) == 100
    with pytest.raises(ValueError):
        burden.chain_shares([80, 120])


def test_percent_change_of_gbd_counts():
    assert burden.percent_change(619, 843) == pytest.approx(36.187, abs=1e-3)
    with pytest.raises(ValueError):
        burden.percent_change(0, 1)
