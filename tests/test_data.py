"""The shipped data package: it validates, and its headline values are the article's numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from dry_needling import data, paths

# The article's figures as stated (shared/reference/article.md). If a value in
# data/article_figures.csv changes by one digit, this test fails.
ARTICLE = {
    "lifetime_prevalence": (80, "percent"),
    "non_specific": (85, "percent"),
    "psychological_distress": (72, "percent"),
    "prohibiting_states": (6, "states"),
    "training_hours": (54, "hours"),
    "origin_decade": (1940, "decade"),
    "reported_benefits": (4, "items"),
    "side_effects": (4, "items"),
}


def test_shipped_data_package_is_valid():
    assert data.validate() == []


def test_headline_values_equal_the_article():
    figures = data.load("article_figures").set_index("id")
    assert set(figures.index) == set(ARTICLE)
    for key, (value, unit) in ARTICLE.items():
        assert figures.loc[key, "value"] == value, f"{key}: data says {figures.loc[key, 'value']}, article {value}"
        assert figures.loc[key, "unit"] == unit


def test_states_match_the_count_and_the_article():
    states = data.load("article_states")
    figures = data.load("article_figures").set_index("id")
    assert len(states) == figures.loc["prohibiting_states", "value"]
    assert sorted(states["postal_code"]) == ["CA", "HI", "NJ", "NY", "OR", "WA"]


@pytest.mark.parametrize("figure_id", ["reported_benefits", "side_effects"])
def test_listed_items_match_their_counts(figure_id):
    items = data.load("article_items")
    figures = data.load("article_figures").set_index("id")
    assert (items["figure_id"] == figure_id).sum() == figures.loc[figure_id, "value"]


def test_published_context_values():
    ctx = data.load("burden_context").set_index("id")
    assert (ctx.loc["walker2000_lifetime", "low"], ctx.loc["walker2000_lifetime", "high"]) == (11, 84)
    assert ctx.loc["who_non_specific", "estimate"] == 90
    gbd = ctx.loc["gbd2021_cases_2020"]
    assert (gbd["estimate"], gbd["low"], gbd["high"]) == (619, 554, 694)
    gbd = ctx.loc["gbd2021_cases_2050"]
    assert (gbd["estimate"], gbd["low"], gbd["high"]) == (843, 759, 933)
    assert pd.isna(ctx.loc["walker2000_lifetime", "estimate"]), "a range without a point value stays missing"


def test_tables_are_typed():
    figures = data.load("article_figures")
    assert figures["value"].dtype == "float64"
    assert str(figures["article_section"].dtype) == "Int64"
    sources = data.load("sources")
    assert pd.api.types.is_datetime64_any_dtype(sources["accessed"])
    assert figures.attrs["source_file"] == "data/article_figures.csv"


def test_every_row_cites_a_known_source():
    tables = data.load_all()
    known = set(tables["sources"]["id"])
    for name, table in tables.items():
        if "source_id" in table:
            assert set(table["source_id"]) <= known, name
    cited = set().union(*(set(t["source_id"]) for t in tables.values() if "source_id" in t))
    # Method references (e.g. the papers that define an index) may be cited in prose instead.
    prose = " ".join(p.read_text(encoding="utf-8") for p in (paths.ROOT / "notebooks").glob("*.ipynb"))
    prose += (paths.ROOT / "src" / "dry_needling" / "blinding.py").read_text(encoding="utf-8")
    uncited = sorted(k for k in known - cited if k not in prose)
    assert not uncited, f"sources listed but never cited by a table or a notebook: {uncited}"


def test_unknown_table_name_is_a_clear_error():
    with pytest.raises(KeyError, match="known tables: sources"):
        data.load("no_such_table")
