"""Regulation and evidence: tile map, forest plot, and the small computations behind notebooks 02 and 05."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from dry_needling import charts, data, evidence, regulation


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def states():
    return data.load("us_states")


# --- data facts -----------------------------------------------------------------------------

def test_fifty_states_and_dc_on_distinct_tiles(states):
    assert len(states) == 51 and "DC" in set(states["postal_code"])
    assert not states.duplicated(["tile_row", "tile_col"]).any()


def test_article_list_matches_article_states(states):
    named = data.load("article_states")
    assert set(states.loc[states["article_prohibiting"], "postal_code"]) == set(named["postal_code"])


def test_dated_changes_since_the_article(states):
    s = states.set_index("postal_code")
    assert s.loc["NJ", "status"] == "permitted" and s.loc["NJ", "effective_date"] == pd.Timestamp("2022-04-18")
    assert s.loc["WA", "status"] == "permitted" and s.loc["WA", "effective_date"] == pd.Timestamp("2024-06-22")
    assert s.loc["OR", "status"] == "law passed, rules pending"
    # "Prohibits" means a physical therapist may not dry needle today: Oregon's law awaits its rules.
    assert regulation.still_prohibiting(states) == ["CA", "HI", "NY", "OR"]
    events = data.load("regulation_events").set_index("id")
    assert events.loc["nj_2022_signed", "date"] == pd.Timestamp("2022-01-18")
    assert events.loc["wa_2023_signed", "date"] == pd.Timestamp("2023-05-01")
    assert events.loc["or_2025_signed", "date"] == pd.Timestamp("2025-08-07")


def test_article_vs_newest_and_counts(states):
    six = regulation.article_vs_newest(states)
    assert len(six) == 6 and six["changed"].sum() == 3
    counts = regulation.status_counts(states)
    assert counts.sum() == 51 and counts["prohibited"] == 3 and counts["not covered"] == 0
    with pytest.raises(ValueError, match="unknown status"):
        regulation.status_counts(states.assign(status="banned"))


def test_status_on_lets_later_events_override_earlier_ones():
    events = data.load("regulation_events")
    nj = regulation.status_on(events, "2021-01-01").set_index("state").loc["NJ"]
    assert nj["kind"] == "prohibited"  # the 2017 AG opinion overrides the 2009 board view
    assert regulation.status_on(events, "2023-01-01").set_index("state").loc["NJ", "kind"] == "permitted"
    assert "CA" not in set(regulation.status_on(events, "2030-01-01")["state"])


def test_pooled_estimates_keep_missing_as_missing():
    pooled = data.load("pooled_estimates").set_index("id")
    assert pd.isna(pooled.loc["hu2018_sham_pain", "estimate"])
    assert pooled.loc["yu2023_usual_pain", "ci_high"] == -0.84  # upper limit completed from the abstract
    assert pooled.loc["lara2023_pain_post", ["estimate", "ci_low", "ci_high"]].tolist() == [-0.42, -0.79, -0.05]
    assert pooled.loc["preprint2025_pain", "preprint"]
    assert pooled.loc["yu2023_none_pain_2w", "pools_acupuncture"]
    assert pooled.loc["sanchez2021_pain_72h", "all_msk_conditions"]


def test_adverse_event_denominators():
    adverse = data.load("adverse_events").set_index("id")
    assert adverse.loc["brady_any_mild", ["count", "denominator"]].tolist() == [1463, 7629]
    assert adverse.loc["brady_any_mild", "events_per_100_treatments"] == pytest.approx(100 * 1463 / 7629, abs=0.005)
    # The printed 36.7 % is 7,531 / 20,494 (the abstract's denominator for major events), not 7,531 / 20,464 (its
    # count of sessions, 36.80 %): the row keeps the denominator that reproduces the printed rate, and says so.
    assert adverse.loc["boyce_any_minor", ["count", "denominator"]].tolist() == [7531, 20494]
    assert "20,464" in adverse.loc["boyce_any_minor", "note"] and "20,494" in adverse.loc["boyce_any_minor", "note"]
    mapped = set(adverse["article_item_id"].dropna())
    assert mapped == {"side_bruising", "side_insertion_pain", "side_soreness", "side_fatigue"}


def test_every_counted_rate_reproduces_its_printed_value():
    """Where a row prints a count and a rate, count / denominator gives the rate at the decimals printed."""
    adverse = data.load("adverse_events")
    counted = adverse[adverse["count"].notna()]
    raw = {row["id"]: row["events_per_100_treatments"] for row in _csv_rows("adverse_events")}
    for row in counted.itertuples():
        decimals = len(raw[row.id].partition(".")[2])
        assert round(100 * row.count / row.denominator, decimals) == row.events_per_100_treatments, row.id


def _csv_rows(name):
    import csv

    from dry_needling import paths

    with open(paths.data_dir() / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- Florida, training hours, last confirmed (issue 20 items 3, 4, 13) ---------------------------------------

def test_florida_is_on_the_timeline(states):
    events = data.load("regulation_events")
    florida = events[events["state"] == "FL"].set_index("id")
    assert florida.loc["fl_2019_alj", ["date", "kind"]].tolist() == [pd.Timestamp("2019-01-28"), "prohibited"]
    assert florida.loc["fl_2020_signed", ["date", "kind"]].tolist() == [pd.Timestamp("2020-06-29"), "permitted"]
    assert florida.loc["fl_2020_effective", ["date", "kind"]].tolist() == [pd.Timestamp("2020-07-01"), "permitted"]
    # s. 486.117 only required the board to set standards; its rule 64B17-6.008 took effect on 19 April 2021
    # (flrules.elaws.us/rule/64B17-6.008, page header).
    assert florida.loc["fl_2021_rule", ["date", "kind", "source_id"]].tolist() == [
        pd.Timestamp("2021-04-19"), "permitted", "fl_rule_64b17_6_008"]
    assert "FL" in regulation.timeline_lanes(events)
    assert regulation.timeline_lanes(events)[0] == "US"
    assert regulation.status_on(events, "2020-01-01").set_index("state").loc["FL", "kind"] == "prohibited"
    assert regulation.status_on(events, "2021-05-01").set_index("state").loc["FL", "event"].startswith(
        "The Florida board's rule")
    fl = states.set_index("postal_code").loc["FL"]
    # Dated by its rule's effective date, as Washington is by its rules (WSR 24-11-160, 22 June 2024).
    assert (fl["status"], fl["effective_date"]) == ("permitted", pd.Timestamp("2021-04-19"))
    assert states.set_index("postal_code").loc["WA", "effective_date"] == pd.Timestamp("2024-06-22")
    assert not fl["article_prohibiting"]


def test_seven_versus_six_differ_by_florida_only_as_an_inference(states):
    six = list(states.loc[states["article_prohibiting"], "postal_code"])
    window = regulation.inferred_window(states, six, dropped=["FL"])
    assert (window["start"], window["start_state"]) == (pd.Timestamp("2021-04-19"), "FL")
    assert (window["end"], window["end_state"]) == (pd.Timestamp("2022-04-18"), "NJ")
    with pytest.raises(ValueError, match="CA: the inference needs a state that now permits"):
        regulation.inferred_window(states, six, dropped=["CA"])
    assert regulation.inferred_window(states, ["CA", "HI"], dropped=["FL"])["end"] is None
    counts = data.load("prohibiting_counts").set_index("id")
    assert counts.loc["apta_2018", "count"] - counts.loc["article", "count"] == len(["FL"])
    assert "inference" in counts.loc["apta_2018", "note"]


def test_last_confirmed_is_never_older_than_the_state_specific_source(states):
    both = states.dropna(subset=["status_as_of", "last_confirmed"])
    assert (both["last_confirmed"] >= both["status_as_of"]).all()
    assert (states["last_confirmed"].isna() == states["last_confirmed_by"].isna()).all()
    six_and_florida = regulation.last_confirmed(states, ["CA", "HI", "NJ", "NY", "OR", "WA", "FL"])
    assert six_and_florida["last_confirmed"].notna().all()
    assert pd.isna(six_and_florida.set_index("postal_code").loc["CA", "status_as_of"])
    # The silent states are confirmed by no dated source.
    assert states.loc[states["status"] == "silent", "last_confirmed"].isna().all()
    with pytest.raises(ValueError, match="no such state"):
        regulation.last_confirmed(states, ["XX"])


@pytest.fixture(scope="module")
def hours():
    return data.load("training_hours")


def test_training_hours_rows_name_the_page_they_were_read_on(hours):
    sources = data.load("sources").set_index("id")
    known = set(sources.index) | set(hours["id"])
    for row in hours.itertuples():
        pages = {sources.loc[row.source_id, "url"], *str(sources.loc[row.source_id, "read_at"]).split()}
        assert row.url in pages, row.id
        # Undated pages say so; dated ones give a precision.
        assert pd.isna(row.source_date) == (row.source_date_precision == "unknown"), row.id
        for other in re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", str(row.note)):
            assert other in known, f"{row.id}: note names {other!r}, neither a source nor a row"


def test_training_hours_agree_with_the_detailed_facts(hours):
    facts = data.load("training_facts").set_index("id")
    table = hours.set_index("id")
    assert table.loc["nj_statute", "hours"] == facts.loc["nj_statute_40h", "value"]
    assert table.loc["nj_statute", "practice_years"] == facts.loc["nj_statute_experience", "value"]
    assert table.loc["wa_2023", "hours"] == facts.loc["wa_2023_hours", "value"]
    assert table.loc["wa_2023", "practice_years"] == facts.loc["wa_2023_practice", "value"]
    assert table.loc["fl_statute", ["hours", "practice_years", "source_kind"]].tolist() == [50, 2, "primary"]
    assert table.loc["de_pphc", ["hours", "source_kind"]].tolist() == [54, "secondary"]
    # In force from the rules' effective dates: Florida's board rule (19 Apr 2021), Washington's endorsement rules
    # (22 Jun 2024), Maryland's regulation (1 Oct 2018, Maryland Register 45:12, 8 June 2018).
    assert table.loc["fl_statute", "in_force_from"] == pd.Timestamp("2021-04-19")
    assert table.loc["wa_2023", "in_force_from"] == pd.Timestamp("2024-06-22")
    assert table.loc["md_aptamd", "in_force_from"] == pd.Timestamp("2018-10-01")
    # s. 486.117(1)(c)2: the 25 sessions may have been performed as a physical therapist in any state or the Armed
    # Forces.
    assert "Armed Forces" in table.loc["fl_statute", "what_the_hours_are"]


def test_article_hours_against_the_enacted_minimums(hours):
    stated = data.load("article_figures").set_index("id").loc["training_hours", "value"]
    check = regulation.hours_vs_article(hours, stated)
    assert check["equal"] == ["DE"] and check["equal_kinds"] == ["secondary"]
    assert (check["low"], check["high"]) == (24, 325)
    assert check["n_states"] == 8 and check["n_differ"] == 7
    in_force = regulation.training_in_force(hours)
    assert "chiropractic physicians" not in set(hours.loc[hours["id"].isin(in_force.index), "profession"])
    assert list(in_force["hours"]) == sorted(in_force["hours"])
    # Colorado's 46 hours reproduce an older rule text; the current one is 50 hours, 40 in person (therapycomply,
    # pphc): the old row is superseded and not in force.
    assert in_force.loc[in_force["state"] == "CO", "hours"].tolist() == [50]
    assert hours.set_index("id").loc["co_rule_text", "superseded_by"] == "co_pphc"
    chiro = hours[hours["profession"] == "chiropractic physicians"].set_index("state")
    assert (chiro.loc["OR", "hours"], chiro.loc["OR", "in_force_until"]) == (24, pd.Timestamp("2014-01-23"))
    # Florida's chiropractic rule 64B2-17.004: 40 hours, effective 29 Dec 2024 (casetext, law.cornell.edu copies).
    florida = regulation.training_in_force(hours, profession="chiropractic physicians")
    assert florida[["state", "hours", "as_of"]].values.tolist() == [["FL", 40, pd.Timestamp("2024-12-29")]]
    with pytest.raises(ValueError, match="no training requirement in force"):
        regulation.training_in_force(hours, profession="acupuncturists")


def test_a_superseded_row_is_not_in_force(hours):
    newer = hours.assign(superseded_by=hours["superseded_by"].where(hours["id"] != "de_pphc", "co_pphc"))
    assert "DE" not in set(regulation.training_in_force(newer)["state"])
    assert regulation.hours_vs_article(newer, 54)["equal"] == []
    assert "DE" in set(regulation.training_in_force(hours.drop(columns="superseded_by"))["state"])


def test_notebook_02_states_the_hours_verdict_the_table_supports(hours):
    """The claim box says "partly supported" exactly when one state's minimum equals the article's and others
    differ; it names the matching state and says the figure comes from a secondary summary."""
    import nbformat

    from dry_needling import paths

    nb = nbformat.read(paths.notebooks_dir() / "02_who_may_needle.ipynb", as_version=4)
    claim = next(c.source for c in nb.cells if c.cell_type == "markdown" and "**Claim:** 54 hours" in c.source)
    hours_claim = claim.split("**Claim:** 54 hours", 1)[1].split("## Summary", 1)[0]
    check = regulation.hours_vs_article(hours, 54)
    assert check["equal"] and check["n_differ"]
    assert "partly supported" in hours_claim and "Delaware" in hours_claim and "secondary" in hours_claim
    assert "no source surveys" not in " ".join(c.source for c in nb.cells).lower()


# --- evidence computations -------------------------------------------------------------------

def test_smd_to_points_and_rule_of_three():
    assert evidence.smd_to_points(-0.42, 2.0) == pytest.approx(-0.84)
    with pytest.raises(ValueError):
        evidence.smd_to_points(-0.42, 0)
    assert evidence.rule_of_three(7629) == pytest.approx(0.0393, abs=1e-4)  # Brady: <= 0.04 %
    with pytest.raises(ValueError):
        evidence.rule_of_three(0)


@pytest.mark.parametrize("est, lo, hi, direction, verdict", [
    (-0.42, -0.79, -0.05, "negative", "favours dry needling"),
    (0.48, 0.21, 0.75, "positive", "favours dry needling"),
    (0.3, 0.1, 0.5, "negative", "favours comparator"),
    (-0.1, -0.5, 0.3, "negative", "uncertain"),
    (np.nan, np.nan, np.nan, "negative", "not reported"),
    (-1.35, -1.86, np.nan, "negative", "not reported"),
    (0.83, 0.55, 1.11, "not applicable", "not applicable"),
])
def test_favours_dry_needling(est, lo, hi, direction, verdict):
    row = {"estimate": est, "ci_low": lo, "ci_high": hi, "favours_dn_when": direction, "measure": "SMD"}
    assert evidence.favours_dry_needling(row) == verdict


# --- tile map ---------------------------------------------------------------------------------

COLOURS = {"permitted": "#0173b2", "prohibited": "#d55e00", "law passed, rules pending": "#de8f05", "silent": "#949494"}


def test_tile_map_draws_one_tile_per_state(states):
    fig, ax = plt.subplots()
    charts.tile_map(ax, states, "status", colours=COLOURS, hatches={"prohibited": "//"})
    tiles = [p for p in ax.patches if str(p.get_gid()).startswith("tile-")]
    assert len(tiles) == 51
    ca = next(p for p in tiles if p.get_gid() == "tile-CA")
    assert matplotlib.colors.to_hex(ca.get_facecolor()) == "#d55e00" and ca.get_hatch() == "//"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "prohibited (3)" in legend


def test_tile_map_rejects_bad_input(states):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="no colour"):
        charts.tile_map(ax, states, "status", colours={"permitted": "#0173b2"})
    clash = states.copy()
    clash.loc[clash["postal_code"] == "CA", ["tile_row", "tile_col"]] = [0, 0]
    with pytest.raises(ValueError, match="share a tile: AK, CA|share a tile: CA, AK"):
        charts.tile_map(ax, clash, "status", colours=COLOURS)
    with pytest.raises(ValueError, match="missing columns"):
        charts.tile_map(ax, states.drop(columns="tile_row"), "status", colours=COLOURS)
    with pytest.raises(ValueError, match="no states"):
        charts.tile_map(ax, states.iloc[:0], "status", colours=COLOURS)


# --- forest plot -------------------------------------------------------------------------------

def _rows(fig) -> list[str]:
    return sorted({str(a.get_gid()) for a in fig.axes[0].get_lines() if str(a.get_gid()).startswith("forest-row")})


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_forest_rows_drawn_equal_rows_given():
    pooled = data.load("pooled_estimates")
    fig = charts.forest_plot(pooled, label=["review", "outcome"], group="comparison_group")
    assert len(_rows(fig)) == len(pooled)


def test_forest_duplicate_labels_are_separate_rows():
    df = pd.DataFrame({"label": ["Same", "Same"], "estimate": [-0.5, -0.2], "ci_low": [-0.9, -0.4],
                       "ci_high": [-0.1, 0.0]})
    fig = charts.forest_plot(df)
    assert len(_rows(fig)) == 2
    assert _texts(fig).count("Same") == 2


def test_forest_single_row_and_minus_sign():
    df = pd.DataFrame({"label": ["Only"], "estimate": [-0.42], "ci_low": [-0.79], "ci_high": [-0.05]})
    fig = charts.forest_plot(df)
    assert len(_rows(fig)) == 1
    assert "\u22120.42 [\u22120.79, \u22120.05]" in _texts(fig)
    assert not any("-0.42" in t for t in _texts(fig)), "a hyphen is not a minus sign"


def test_forest_very_wide_interval_is_clipped_with_arrows():
    df = pd.DataFrame({"label": ["wide", "narrow"], "estimate": [0.0, 0.1], "ci_low": [-50.0, 0.0],
                       "ci_high": [60.0, 0.2]})
    fig = charts.forest_plot(df, xlim=(-2, 2))
    line = next(a for a in fig.axes[0].get_lines() if a.get_gid() == "forest-row-0")
    assert min(line.get_xdata()) == -2 and max(line.get_xdata()) == 2
    markers = [a.get_marker() for a in fig.axes[0].get_lines()]
    assert "<" in markers and ">" in markers
    assert "0.00 [\u221250.00, 60.00]" in _texts(fig)


def test_forest_missing_values_are_kept_and_labelled():
    df = pd.DataFrame({"label": ["none", "half"], "estimate": [np.nan, -1.35], "ci_low": [np.nan, -1.86],
                       "ci_high": [np.nan, np.nan]})
    fig = charts.forest_plot(df)
    assert len(_rows(fig)) == 2
    texts = _texts(fig)
    assert "not reported" in texts and "\u22121.35 [\u22121.86, not reported]" in texts
    half = next(a for a in fig.axes[0].get_lines() if a.get_gid() == "forest-row-1")
    assert half.get_linestyle() == ":"


def test_forest_height_grows_with_rows_and_groups_are_headed():
    base = {"estimate": [-0.5] * 10, "ci_low": [-1.0] * 10, "ci_high": [0.0] * 10}
    small = charts.forest_plot(pd.DataFrame({"label": list("ab"), **{k: v[:2] for k, v in base.items()}}))
    big = charts.forest_plot(pd.DataFrame({"label": list("abcdefghij"), "group": ["g1"] * 5 + ["g2"] * 5, **base}),
                             group="group")
    assert big.get_figheight() > small.get_figheight()
    assert {"g1", "g2"} <= set(_texts(big))
    with pytest.raises(ValueError):
        charts.forest_plot(pd.DataFrame(columns=["label", "estimate", "ci_low", "ci_high"]))
