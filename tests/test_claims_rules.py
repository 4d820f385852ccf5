"""The verdict rules' edges and the words a reader sees: each test pins one boundary or one message of
``claims`` (written when mutation testing showed the rule or its message could change with no test noticing).

Expected verdicts come from the rules as the module docstring and ``data/README.md`` state them; expected
reasons are the sentences a reader of the ledger is shown, written out here, never rebuilt from the code.
"""

from __future__ import annotations

import csv
import re
import shutil

import pandas as pd
import pytest
from sof_rows import sof_row

from dry_needling import claims, data, evidence, paths

DOMAINS = {domain: "not assessed" for domain in evidence.DOMAINS}


def _row(sof_id, **kw) -> dict:
    """One SoF row: dry needling in low back pain vs sham, pain, no numbers, ungraded (as test_appraisal's)."""
    return sof_row(sof_id, **kw)


def _sof(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


MAY = claims.Question(("vs sham",), "pain", "low")
FLAT = claims.Question(("vs sham",), "pain", "high")


# --- verdict_from_sof: what it says when nothing answers, and when the table is broken ----------------------

def test_no_row_names_the_outcome_and_the_comparisons_looked_for():
    sof = _sof(_row("a", outcome="function"))
    both = claims.Question(("vs sham", "vs no treatment"), "pain")
    assert claims.verdict_from_sof(both, sof) == claims.Verdict(
        "not found", "no summary-of-findings row for pain, vs sham or vs no treatment", "", "")
    assert claims.verdict_from_sof(claims.Question(None, "blood flow"), sof) == claims.Verdict(
        "not found", "no summary-of-findings row for blood flow, any comparison", "", "")


def test_the_headline_error_names_exactly_the_reviews_with_more_than_one():
    sof = _sof(_row("a1", source_id="rev_a"), _row("a2", source_id="rev_a"), _row("b1", source_id="rev_b"),
               _row("b2", source_id="rev_b"), _row("c1", source_id="rev_c"))
    with pytest.raises(ValueError) as raised:
        claims.verdict_from_sof(MAY, sof)
    message = str(raised.value)
    found = re.fullmatch(r"summary_of_findings: pain, vs sham: (.+) must have exactly one headline row "
                         r"\(one estimate per review per outcome\)", message)
    assert found, message
    assert sorted(found.group(1).split(", ")) == ["rev_a", "rev_b"]  # rev_c has one: not named


def test_no_headline_row_at_all_is_an_error_about_every_source():
    sof = _sof(_row("a", headline=False), _row("b", headline=False))
    with pytest.raises(ValueError) as raised:
        claims.verdict_from_sof(MAY, sof)
    assert str(raised.value) == ("summary_of_findings: pain, vs sham: every source must have exactly one headline "
                                 "row (one estimate per review per outcome)")


# --- verdict_from_sof: the finding against the certainty --------------------------------------------------

def test_little_or_no_difference_at_high_certainty_contradicts():
    sof = _sof(_row("a", certainty="high", certainty_as_printed="high", graded_by="review authors",
                    review_conclusion="little or no difference"))
    assert claims.verdict_from_sof(MAY, sof).verdict == "contradicted"
    assert claims.verdict_from_sof(FLAT, sof).verdict == "contradicted"


def test_a_slight_benefit_at_the_needed_certainty_does_not_blame_the_wording():
    """A slight benefit is at most partly supported because it is small, not because of its certainty: the
    reason must not say the claim's wording needs more certainty when the row already has it."""
    slight = _row("mu", measure="MD", estimate=-10.26, ci_low=-17.11, ci_high=-3.40,
                  review_conclusion="slight benefit", certainty="high", certainty_as_printed="high",
                  graded_by="review authors")
    result = claims.verdict_from_sof(FLAT, _sof(slight))
    assert result.verdict == "partly supported"
    assert "below the important difference" in result.reason
    assert "wording needs" not in result.reason


def test_the_certainty_is_named_with_who_graded_it_and_how_it_was_printed():
    same = _row("a", certainty="low", certainty_as_printed="low", graded_by="review authors")
    result = claims.verdict_from_sof(MAY, _sof(same))
    assert result.reason.endswith("; low certainty, graded by the review authors)"), result.reason
    assert "printed as" not in result.reason
    ranged = _row("a", certainty="very low", certainty_as_printed="low to very low (two outcomes)",
                  graded_by="review authors")
    result = claims.verdict_from_sof(MAY, _sof(ranged))
    assert "; very low certainty, graded by the review authors, printed as low to very low)" in result.reason


def test_every_dissenting_peer_and_every_weaker_design_is_named():
    best = _row("best", review_conclusion="benefit", certainty="low", certainty_as_printed="low",
                graded_by="review authors", published="2022")
    peers = [_row(name, review_conclusion="little or no difference", published="2010") for name in ("p1", "p2")]
    weaker = [_row(name, design="before-after study", review_conclusion="uncertain", published="2023")
              for name in ("w1", "w2")]
    result = claims.verdict_from_sof(MAY, _sof(best, *peers, *weaker))
    assert result.verdict == "partly supported"
    assert ("; equally direct evidence disagrees: p1 (little or no difference; certainty not assessed), "
            "p2 (little or no difference; certainty not assessed)") in result.reason
    assert ("; a weaker design finds otherwise, not counted against it: w1 (before-after study: no clear effect), "
            "w2 (before-after study: no clear effect)") in result.reason


@pytest.mark.parametrize("intervention", ["acupuncture", "both pooled"])
def test_indirect_evidence_keeps_what_the_row_found(intervention):
    result = claims.verdict_from_sof(MAY, _sof(_row("a", review="Acu 2019", intervention=intervention)))
    assert result.verdict == "partly supported"
    assert "(Acu 2019 found the claimed effect, pain; certainty not assessed)" in result.reason
    assert result.reason.index("Acu 2019 found") < result.reason.index("at most partly supported for dry needling")


# --- the article's percentages -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return claims.load_tables()


def _edited(shipped, name, edit):
    tables = {key: table.copy() for key, table in shipped.items()}
    tables[name] = edit(tables[name].copy())
    return tables


def _cells(table, key_column, key, **values):
    assert (table[key_column] == key).sum() == 1, key
    for column, value in values.items():
        table.loc[table[key_column] == key, column] = value
    return table


def test_a_figure_at_the_top_of_a_published_range_is_inside_it(shipped):
    """Walker 2000's range is 11-84 %; with its top at 80 the article's 80 % is its upper end, still inside."""
    tables = _edited(shipped, "burden_context", lambda t: _cells(t, "id", "walker2000_lifetime", high=80))
    got = claims.verdicts_from(tables)["lifetime_prevalence"]
    assert got.verdict == "partly supported"
    assert got.reason.startswith("80 % lies inside the published range for lifetime prevalence of low back pain, "
                                 "11–80 %")


def test_a_published_row_with_one_bound_is_read_as_its_point_value(shipped):
    """Only a row with both ends is a range; one end alone (a lower bound beside a point estimate) is not."""
    tables = _edited(shipped, "burden_context",
                     lambda t: _cells(t, "id", "walker2000_lifetime", low=70, high=None, estimate=79.5,
                                      interval="point estimate"))
    got = claims.verdicts_from(tables)["lifetime_prevalence"]
    assert got == claims.Verdict(
        "supported", "80 % is 0.5 percentage points from Lifetime prevalence (Walker 2000, range of studies): point "
        "estimate 79.5 % (walker2000); neither figure has an interval")


def test_a_related_row_with_one_bound_is_shown_as_its_point_value(shipped):
    related = shipped["burden_context"]
    spine = related.loc[related["article_figure_id"] == "psychological_distress", "id"].iloc[0]
    tables = _edited(shipped, "burden_context", lambda t: _cells(t, "id", spine, low=40, high=None))
    reason = claims.verdicts_from(tables)["psychological_distress"].reason
    assert "(Depression (SpineUniverse 2013 online survey): 53 %;" in reason
    assert "40–" not in reason


def test_a_percentage_with_no_published_row_at_all_says_so_and_nothing_more(shipped):
    tables = _edited(shipped, "burden_context", lambda t: t[t["article_figure_id"] != "psychological_distress"])
    assert claims.verdicts_from(tables)["psychological_distress"] == claims.Verdict(
        "not found", "no published figure in our sources measures this")


# --- the states --------------------------------------------------------------------------------------------

def test_a_state_never_confirmed_by_a_summary_is_dated_by_its_own_sources(shipped):
    """Hawaii's status rests on a 2020 source; without the January 2026 summary its reason names no summary and its
    evidence is as old as that source."""
    tables = _edited(shipped, "us_states", lambda t: _cells(t, "postal_code", "HI", last_confirmed=pd.NaT))
    got = claims.verdicts_from(tables)["state_hi"]
    assert got == claims.Verdict("supported", "still prohibited; newest dated state-specific source 2020 "
                                              "(hawaii_acupuncture_2019)", "", "2020-01")


def test_a_state_with_no_dated_source_has_no_evidence_date(shipped):
    tables = _edited(shipped, "us_states", lambda t: _cells(t, "postal_code", "CA", last_confirmed=pd.NaT))
    assert claims.verdicts_from(tables)["state_ca"] == claims.Verdict(
        "partly supported", "still prohibited, but the only state-specific source is undated (legalclarity_ca)", "", "")


def test_the_count_is_dated_by_its_newest_state_and_undated_when_none_is(shipped):
    ledger = data.load("claims").set_index("id")
    assert claims.verdicts_from(shipped)["prohibiting_states"].evidence_as_of == ledger.loc["prohibiting_states",
                                                                                            "evidence_as_of"]

    def undated(table):  # every date empty (allowed: "empty when not given")
        for column in ("effective_date", "status_as_of", "last_confirmed"):
            table[column] = pd.NaT
        return table

    assert claims.verdicts_from(_edited(shipped, "us_states", undated))["prohibiting_states"].evidence_as_of == ""


def test_a_count_that_matches_today_is_supported(shipped):
    """Four states prohibit today (CA, HI, NY, OR); an article that said four would be right."""
    tables = _edited(shipped, "article_figures", lambda t: _cells(t, "id", "prohibiting_states", value=4))
    assert claims.verdicts_from(tables)["prohibiting_states"] == claims.Verdict(
        "supported", "4 states prohibit today by the collection's definition (CA, HI, NY, OR); the article says 4",
        "", "2026-01")


def test_a_wrong_count_with_no_dated_change_says_the_date_is_not_in_the_data(shipped):
    def undated_changes(table):
        table.loc[table["status"] == "permitted", "effective_date"] = pd.NaT
        return table

    reason = claims.verdicts_from(_edited(shipped, "us_states", undated_changes))["prohibiting_states"].reason
    assert reason.endswith("; the article says 6; when its list stopped being true is not in the data"), reason


def test_a_law_still_waiting_for_its_rules_is_not_the_day_the_list_stopped_being_true(shipped):
    """Oregon's law passed but physical therapists there may not dry needle yet: even dated before New Jersey's
    change, it is not when the article's list stopped being true."""
    tables = _edited(shipped, "us_states", lambda t: _cells(t, "postal_code", "OR",
                                                            effective_date=pd.Timestamp("2020-01-01")))
    reason = claims.verdicts_from(tables)["prohibiting_states"].reason
    assert "stopped being true on 18 Apr 2022, when New Jersey's law took effect" in reason


# --- the training hours ----------------------------------------------------------------------------------

def _hours(shipped, hours):
    def edit(table):
        for state, value in hours.items():
            table = _cells(table, "id", state, hours=value)
        return table
    return claims.verdicts_from(_edited(shipped, "training_hours", edit))["training_hours"]


def test_no_state_at_the_article_s_hours_is_not_found_with_the_spread(shipped):
    assert _hours(shipped, {"de_pphc": 55}) == claims.Verdict(
        "not found", "no state read sets 54 h: 8 of the 8 states read set other minimums (24 to 325 h); the other 32 "
        "permitting jurisdictions were not read", "", "2023-05-19")


def test_every_state_and_kind_of_source_at_the_article_s_hours_is_named(shipped):
    """Delaware's 54 h comes from a secondary source (de_pphc), New Jersey's minimum from its statute (nj_statute,
    primary): with New Jersey at 54 too, both states and both kinds of source are named."""
    got = _hours(shipped, {"nj_statute": 54})
    assert got.reason.startswith("DE, NJ set 54 h (primary and secondary source); 6 of the 8 states read"), got.reason


# --- the ledger against an edited data folder ---------------------------------------------------------------

def _rewrite(path, edit):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_an_evidence_claim_with_no_sof_row_may_be_not_found_without_naming_one(tmp_path):
    """Take away the one review on spontaneous electrical activity: the rules now find nothing, and a ledger that
    says 'not found', names no SoF row and says what was searched agrees with the data (that folder's, not the
    shipped one)."""
    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    _rewrite(folder / "summary_of_findings.csv",
             lambda rows: [r for r in rows if r["outcome"] != "spontaneous electrical activity"])

    def not_found(rows):
        for r in rows:
            if r["id"] == "benefit_electrical":
                r.update(verdict="not found", sof_ids="", evidence_as_of="",
                         searched="the summary_of_findings rows for spontaneous electrical activity",
                         reason="no summary-of-findings row for spontaneous electrical activity, any comparison")
        return rows

    _rewrite(folder / "claims.csv", not_found)
    assert claims.disagreements(folder) == []
    assert claims.stale_reasons(folder) == []
    assert "liu_qg2017_electrical" not in set(claims.load_tables(folder)["summary_of_findings"]["sof_id"])
    shown = claims.ledger(folder)
    assert shown.loc[data.load("claims", folder)["id"] == "benefit_electrical", "verdict"].tolist() == ["not found"]


def test_two_questions_without_a_ledger_row_are_both_named(shipped):
    tables = _edited(shipped, "claims", lambda t: t[~t["id"].isin(["part_of_programme", "benefit_blood_flow"])])
    with pytest.raises(ValueError) as raised:
        claims.verdicts_from(tables)
    assert str(raised.value).startswith("claims.csv has no row for part_of_programme, benefit_blood_flow (")


def test_a_change_of_status_with_no_date_given_is_still_a_verdict(shipped):
    """us_states' effective_date may be empty ("empty when not given", datapackage.json): New Jersey still permits
    and Oregon's law is still pending, the reasons just leave the date out."""
    def undated(table):
        return _cells(_cells(table, "postal_code", "NJ", effective_date=pd.NaT), "postal_code", "OR",
                      effective_date=pd.NaT)

    got = claims.verdicts_from(_edited(shipped, "us_states", undated))
    assert got["state_nj"].verdict == "outdated"
    assert got["state_nj"].reason.startswith("permitted, date not given (nj_consumer_affairs); still listed as "
                                             "permitting in a Jan 2026 summary (pphc_2026)")
    assert got["state_or"].verdict == "supported"
    assert got["state_or"].reason.startswith("a law passed but physical therapists may not dry needle until its rules "
                                             "are written; not among the permitting states")


def test_training_hours_from_undated_sources_have_no_evidence_date(shipped):
    def undated(table):
        table["source_date"] = pd.NaT
        return table

    got = claims.verdicts_from(_edited(shipped, "training_hours", undated))["training_hours"]
    assert got.verdict == "partly supported" and got.evidence_as_of == ""
