"""The reading of the evidence: rules that catch the article's kind of mistake in our own data and prose.

Each test guards a class of error an independent check found (issue 13): a verdict stronger than its
certainty, a significant result resting on a printed bound that is probably a typo, a whole-review count
presented as the count behind one estimate, alt text that counts a different number of rows than the
chart plots, and a source id in the prose that resolves nowhere.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from dry_needling import data, evidence, paths, regulation

NOTEBOOKS = paths.notebook_files()


@pytest.fixture(scope="module")
def pooled():
    return data.load("pooled_estimates")


# --- certainty -------------------------------------------------------------------------------------

def test_every_pooled_estimate_records_its_certainty(pooled):
    assert pooled["certainty"].notna().all()
    for value in pooled["certainty"]:
        evidence.weakest_certainty([value])  # raises on an unknown level
    # The WHO review grades every outcome low or very low; Gattie 2017 very low to moderate.
    yu = pooled[pooled["source_id"] == "yu2023"]
    assert set(yu["certainty"]) == {"low to very low"}
    assert set(pooled.loc[pooled["source_id"] == "gattie2017", "certainty"]) == {"very low to moderate"}


def test_null_results_are_recorded(pooled):
    """The bottom line must not count only significant results: null findings the sources report are rows."""
    null_words = ["little or no difference", "no significant difference", "uncertain"]
    nulls = pooled[pooled["source_conclusion"].isin(null_words)]
    assert {"yu2023", "lara_palomo2023", "hu2018", "gattie2017"} <= set(nulls["source_id"])


@pytest.mark.parametrize("certainty, level", [
    ("high", "high"), ("moderate", "moderate"), ("low", "low"), ("very low", "very low"),
    ("low to very low", "very low"), ("very low to moderate", "very low"), ("low to moderate", "low"),
    ("low or very low", "very low"), ("not reported", None), ("not graded", None), ("not assessed", None),
])
def test_wording_level(certainty, level):
    assert evidence.wording_level(certainty) == level


@pytest.mark.parametrize("text, claimed", [
    ("Needling therapies reduce pain by about 1.2 to 1.6 points", "high"),
    ("Every SMD for pain or function favours dry needling", "high"),
    ("Needling may reduce pain by about 1.2 to 1.6 points (low certainty)", "low"),
    ("Dry needling probably reduces pain", "moderate"),
    ("The evidence is very uncertain about the effect of dry needling on pain", "very low"),
    ("Pooled estimates, by comparison", None),
])
def test_wording_certainty(text, claimed):
    assert evidence.wording_certainty(text) == claimed


def test_grade_statements_never_exceed_their_certainty():
    for level in [*evidence.CERTAINTY_LEVELS, None]:
        for effect in ("benefit", "little or no difference"):
            text = evidence.grade_statement(effect, level)
            assert evidence.wording_allowed(text, level), (level, text)
    assert not evidence.wording_allowed("Needling reduces pain", "low")
    with pytest.raises(ValueError, match="certainty"):
        evidence.grade_statement("benefit", "fairly low")


def test_sof_statements_respect_certainty():
    """Every SoF row's GRADE statement claims no more than the row's certainty (a range worded at its lowest)."""
    sof = evidence.summary_of_findings()
    for row in sof.to_dict("records"):
        level = None if row["certainty"] == "not assessed" else row["certainty"]
        assert evidence.wording_allowed(row["statement"], level), row["statement"]
    statements = sof.set_index("sof_id")["statement"]
    assert statements["yu2023_none_pain_2w"].startswith("The evidence is very uncertain")  # "low or very low"
    assert statements["liu2018_pain_other"].startswith("Not graded")  # "moderate evidence", but GRADE not named
    # Mu 2020 (low): below its predefined clinically relevant change, so GRADE's small-effect wording.
    assert statements["mu2020_usual_pain"].startswith("Acupuncture may result in a slight reduction in pain")
    assert statements["mu2020_usual_function"].startswith("Acupuncture may result in a slight improvement in function")


def test_chart_titles_are_no_stronger_than_the_certainty_they_plot():
    index = pd.read_csv(paths.ROOT / "figures" / "index.csv")
    checked = set()
    for fig in index.itertuples():
        plotted = pd.read_csv(paths.ROOT / "figures" / f"{fig.name}.csv")
        if "certainty" not in plotted:
            continue
        level = evidence.weakest_certainty(plotted["certainty"])  # a title covering several rows: their lowest
        assert evidence.wording_allowed(fig.title, level), f"{fig.name}: title {fig.title!r} claims more than {level}"
        checked.add(fig.name)
    pooled = {name for name in index["name"] if name.startswith("forest_")}  # notebook 05's pooled evidence
    assert pooled and pooled <= checked, f"no certainty column: {pooled - checked}"


# --- printed intervals -------------------------------------------------------------------------------

@pytest.mark.parametrize("est, lo, hi, expected", [
    (-0.42, -0.79, -0.05, "consistent"),
    (-1.06, -1.77, -0.36, "consistent"),          # off by one unit of rounding
    (-0.81, -1.64, -0.03, "inconsistent"),        # Sanchez-Infante 2021, 13-24 weeks
    (-1.56, -2.80, -0.95, "inconsistent"),        # Yu 2023, pain at 3 months
    (-1.35, -1.86, np.nan, "not checkable"),
])
def test_interval_consistency(est, lo, hi, expected):
    assert evidence.interval_consistency(est, lo, hi, "MD") == expected


def test_ratio_intervals_are_checked_on_the_log_scale():
    # Park 2002: RR 15.38 (2.26 to 104.86) is symmetric on the log scale.
    assert evidence.interval_consistency(15.38, 2.26, 104.86, "RR") == "consistent"
    assert evidence.interval_consistency(15.38, 2.26, 50.0, "RR") == "inconsistent"


def test_inconsistent_rows_are_flagged_in_the_data_and_not_counted_as_significant_without_saying_so(pooled):
    for row in pooled.itertuples():
        status = evidence.interval_consistency(row.estimate, row.ci_low, row.ci_high, row.measure)
        if status == "inconsistent":
            assert "symmetric" in str(row.note), f"{row.id}: an inconsistent interval must be explained in note"
    sanchez = pooled.set_index("id").loc["sanchez2021_pain_13_24w"]
    assert evidence.favours_dry_needling(sanchez) == "uncertain"  # mirrored lower bound crosses 0
    yu = pooled.set_index("id").loc["yu2023_none_pain_3m"]
    assert evidence.favours_dry_needling(yu) == "favours dry needling"  # excludes 0 either way


# --- denominators ---------------------------------------------------------------------------------------

def test_review_totals_are_not_presented_as_per_estimate_counts(pooled):
    p = pooled.set_index("id")
    for key in ["liu2018_pain_other", "lara2023_pain_post", "preprint2025_pain", "hu2018_sham_pain", "gattie2017_pain"]:
        assert p.loc[key, "counts_scope"] == "whole review", key
    assert p.loc["yu2023_none_pain_2w", "counts_scope"] == "this estimate"


def test_one_definition_of_prohibiting():
    states = data.load("us_states")
    now = regulation.prohibiting_now(states)
    assert list(now["postal_code"]) == regulation.still_prohibiting(states) == ["CA", "HI", "NY", "OR"]
    assert not now.set_index("postal_code").loc["CA", "dated"]  # only undated sources for California
    assert states.set_index("postal_code").loc["NY", "source_id"] != "nysed_alert"


# --- prose and alt text ------------------------------------------------------------------------------

_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                     "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_ALT_COUNT = re.compile(r"^(?:Forest plot|Dot chart|Dot-and-interval chart) of (\d+|" + "|".join(_WORDS) + r")\b")


def test_alt_text_counts_equal_the_plotted_rows():
    index = pd.read_csv(paths.ROOT / "figures" / "index.csv")
    checked = set()
    for fig in index.itertuples():
        match = _ALT_COUNT.match(fig.alt)
        if not match:
            continue
        stated = match.group(1)
        stated = int(stated) if stated.isdigit() else _WORDS[stated]
        plotted = pd.read_csv(paths.ROOT / "figures" / f"{fig.name}.csv")
        plotted = plotted[~plotted.iloc[:, 0].astype(str).str.startswith("pooled (")]  # the diamond's row
        assert stated == len(plotted), f"{fig.name}: alt text says {stated}, the chart plots {len(plotted)} rows"
        checked.add(fig.name)
    forests = {name for name in index["name"] if "forest" in name}
    assert forests and forests <= checked, f"alt text without a count: {forests - checked}"


def _markdown(nb_path):
    for i, cell in enumerate(json.loads(nb_path.read_text())["cells"]):
        if cell["cell_type"] == "markdown":
            yield i, "".join(cell["source"])


_SOURCE_ID = re.compile(r"`([a-z][a-z_]*\d{4}[a-z0-9_]*)`")


def test_every_source_id_in_prose_resolves():
    known = set(data.load("sources")["id"])
    texts = [(f"{nb.name} cell {i}", text) for nb in NOTEBOOKS for i, text in _markdown(nb)]
    texts += [(p.name, p.read_text()) for p in (paths.ROOT / "docs").glob("*.md")]
    for where, text in texts:
        candidates = set(_SOURCE_ID.findall(text))
        if "## Sources" in text:  # every backticked snake_case token in a Sources section is a source id
            candidates |= set(re.findall(r"`([a-z][a-z0-9_]+)`", text.split("## Sources", 1)[1]))
        unknown = sorted(c for c in candidates if c not in known and not c.endswith(("_csv", "_py")))
        assert not unknown, f"{where}: source ids not in data/sources.csv: {unknown}"


def test_smd_forest_rows_keep_every_result_in_reading_order(pooled):
    rows = evidence.smd_forest_rows(pooled)
    assert list(dict.fromkeys(rows["comparison_group"])) == [g for g in evidence.COMPARISON_ORDER
                                                             if g in set(rows["comparison_group"])]
    assert rows["label"].str.contains("CI printed inconsistently").sum() == 1  # Sanchez-Infante 13-24 weeks
    assert (rows.loc[rows["estimate"].isna(), "in_words"].str.startswith("(no numbers)")).all()


def test_count_drift_splits_the_newest_count_into_dated_and_undated():
    drift = regulation.count_drift(data.load("prohibiting_counts"), data.load("us_states"))
    newest = drift[drift["label"].str.startswith("Newest")]
    assert newest["count"].sum() == len(regulation.still_prohibiting(data.load("us_states")))
    assert set(drift["label"]) >= {"APTA, Aug 2018", "The article (undated)"}


# --- small helpers, at their edges ------------------------------------------------------------------------------

def test_adverse_event_rates_carry_who_counted_them_and_per_what():
    """Brady 2014 counted 7,629 treatments, Boyce 2020 20,464 sessions (/work/shared/reference/literature.md lines
    473 and 484, from the abstracts): each chart label names the study and its denominator, thousands separated."""
    rates = evidence.per_100(data.load("adverse_events")).set_index("id")
    assert rates.loc["brady_bruising", "denominator_label"] == "Brady 2014 (n = 7,629 treatments)"
    assert rates.loc["boyce_bruising", "denominator_label"] == "Boyce 2020 (n = 20,464 sessions)"
    assert rates.loc["gattie2020_minor", "denominator_label"] == "Gattie 2020 (n = 461 therapists who dry needle)"
    assert (rates["per_100"] == rates["events_per_100_treatments"]).all()
    assert "per_100" not in data.load("adverse_events").columns, "the table passed in is not changed"


@pytest.mark.parametrize("values, best, weakest", [
    (["low to very low", "moderate"], "moderate", "very low"), (["very low to moderate"], "moderate", "very low"),
    (["high", "low or very low"], "high", "very low"), (["not graded", "not reported"], None, None),
    ([np.nan, None, "low"], "low", "low"), ([], None, None),
])
def test_best_and_weakest_certainty(values, best, weakest):
    assert evidence.best_certainty(values) == best and evidence.weakest_certainty(values) == weakest


def test_an_unknown_certainty_is_refused_with_what_is_allowed():
    with pytest.raises(ValueError, match=r"^unknown certainty 'fairly low'; expected one of \['high', 'moderate', "
                                         r"'low', 'very low'\], \['low or very low', .*\] or \['not assessed', "
                                         r"'not graded', 'not reported'\]$"):
        evidence.weakest_certainty(["fairly low"])


def test_smd_to_points_uses_the_assumed_sd_and_refuses_a_meaningless_one():
    """An SMD is a difference in SD units, so SD x SMD gives points; the default SD is the stated assumption of
    2 points on a 0-10 scale."""
    assert evidence.smd_to_points(-0.42) == evidence.smd_to_points(-0.42, 2.0) == pytest.approx(-0.84)
    assert evidence.smd_to_points(-0.5, 1.5) == pytest.approx(-0.75)
    for sd in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"^sd must be a positive number of points, got {sd!r}$"):
            evidence.smd_to_points(-0.42, sd)


def test_rule_of_three_for_zero_events():
    """Brady 2014 saw no significant adverse event in 7,629 treatments; its abstract gives the upper risk as
    0.04 % or less (literature.md line 473): the rule of three gives 300 / 7,629 = 0.039 %, which prints as 0.04."""
    assert round(evidence.rule_of_three(7629), 2) == 0.04
    assert evidence.rule_of_three(1) == 300.0
    with pytest.raises(ValueError, match=r"^n must be at least 1, got 0$"):
        evidence.rule_of_three(0)


def test_certainty_from_domains_steps_down_and_stops_at_very_low():
    none = {d: "no serious" for d in evidence.DOMAINS}
    assert evidence.certainty_from_domains(none) == "high"
    assert evidence.certainty_from_domains(none | {"imprecision": "serious"}) == "moderate"
    assert evidence.certainty_from_domains(none | {"imprecision": "serious", "inconsistency": "serious"}) == "low"
    assert evidence.certainty_from_domains(none | {"risk_of_bias": "very serious", "indirectness": "very serious"}) \
        == "very low"
    assert evidence.certainty_from_domains(none | {"imprecision": "serious"}, start="low") == "very low"
    with pytest.raises(ValueError, match=r"^start must be one of \['high', 'moderate', 'low', 'very low'\], "
                                         r"got 'top'$"):
        evidence.certainty_from_domains(none, start="top")
    with pytest.raises(ValueError, match=r"^publication_bias: expected one of \['no serious', 'serious', "
                                         r"'very serious', 'not assessed'\], got None$"):
        evidence.certainty_from_domains({d: "no serious" for d in evidence.DOMAINS[:-1]})


# --- a result's direction, at the boundary of no difference ---------------------------------------------------

def _result(est, lo, hi, direction="negative", measure="SMD"):
    return {"estimate": est, "ci_low": lo, "ci_high": hi, "favours_dn_when": direction, "measure": measure}


@pytest.mark.parametrize("row, expected", [
    (_result(-0.25, -0.50, 0.00), "uncertain"),          # an interval that touches 0 does not exclude it
    (_result(0.20, 0.00, 0.40), "uncertain"),
    (_result(-0.25, -0.50, -0.01), "favours dry needling"),
    (_result(0.21, 0.01, 0.41), "favours comparator"),
    (_result(0.21, 0.01, 0.41, "positive"), "favours dry needling"),
    (_result(-0.25, -0.50, -0.01, "positive"), "favours comparator"),
    (_result(float("nan"), -0.5, -0.1), "not reported"),  # limits without an estimate
    (_result(-0.3, float("nan"), -0.1), "not reported"),
])
def test_favours_dry_needling_at_the_boundary(row, expected):
    assert evidence.favours_dry_needling(row) == expected


def test_a_probable_typo_counts_only_if_both_corrections_exclude_no_difference():
    # -0.81 (-1.64 to -0.03): mirrored, the lower bound gives -1.64 to 0.02, which reaches 0 (Sanchez-Infante 2021).
    assert evidence.interval_consistency(-0.81, -1.64, -0.03, "SMD") == "inconsistent"
    assert evidence.favours_dry_needling(_result(-0.81, -1.64, -0.03)) == "uncertain"
    # -1.56 (-2.80 to -0.95) is off too, but both mirrors stay below 0 (Yu 2023).
    assert evidence.favours_dry_needling(_result(-1.56, -2.80, -0.95, measure="MD")) == "favours dry needling"


def test_a_ratio_is_not_read_as_a_difference():
    with pytest.raises(ValueError, match=r"^favours_dry_needling reads differences \(MD, SMD\), not a ratio \(RR\)"):
        evidence.favours_dry_needling(_result(15.38, 2.26, 104.86, "positive", "RR"))


@pytest.mark.parametrize("est, lo, hi, measure, expected", [
    (-1.00, -1.50, -0.48, "MD", "consistent"),      # 2 e - lo - hi = -0.02: two units of the last decimal, allowed
    (-1.00, -1.50, -0.47, "MD", "inconsistent"),    # three units
    (2.0, 1.0, 4.0, "OR", "consistent"),            # symmetric on the log scale, for every ratio measure
    (2.0, 1.0, 4.0, "HR", "consistent"),
    (2.0, 1.0, 4.0, "MD", "inconsistent"),          # but not on the difference scale
    (1.00, 0.50, 2.04, "RR", "consistent"),         # log error 0.020 within 2 x 0.01 / 0.50 = 0.04
    (1.00, 0.50, 2.07, "RR", "consistent"),         # 0.034: still within
    (1.00, 0.50, 2.12, "RR", "inconsistent"),       # 0.058: beyond
    (0.80, 0.60, 1.07, "RR", "consistent"),         # limits below 1 are fine on the log scale
    (0.80, 0.00, 1.07, "RR", "not checkable"),      # a limit of 0 has no logarithm
])
def test_interval_consistency_allows_the_rounding_of_the_last_decimal(est, lo, hi, measure, expected):
    assert evidence.interval_consistency(est, lo, hi, measure) == expected


def test_an_unrecognised_certainty_value_is_refused():
    with pytest.raises(ValueError, match=r"^unknown certainty 3;"):
        evidence.weakest_certainty([3])


def test_grade_statement_defaults_and_refusals():
    assert evidence.grade_statement("benefit", "low") == "Dry needling may improve pain vs the comparator"
    assert evidence.grade_statement("harm", "moderate", intervention="acupuncture", outcome="function",
                                    comparator="sham") == "Acupuncture probably worsens function vs sham"
    with pytest.raises(ValueError, match=r"^effect must be one of \['benefit', 'slight benefit', 'change', 'little or "
                                         r"no difference', 'harm', 'uncertain'\], got 'helps'$"):
        evidence.grade_statement("helps", "low")


def test_smd_to_points_with_a_small_sd():
    assert evidence.smd_to_points(-0.4, 0.5) == pytest.approx(-0.2)


# --- notebook 05's SMD forest rows: labels a reader must see -------------------------------------------------

def _pooled_row(**kw):
    base = dict(id="r", review="Rev 2020", outcome="Pain", time_point="Post-intervention", measure="SMD",
                estimate=-0.5, ci_low=-0.8, ci_high=-0.2, favours_dn_when="negative", pools_acupuncture=False,
                preprint=False, all_msk_conditions=False, source_conclusion="benefit", comparison_group="vs sham")
    base.update(kw)
    return base


def test_smd_forest_rows_label_every_flag():
    pooled = pd.DataFrame([
        _pooled_row(id="a", review="Yu 2023 (WHO review)", pools_acupuncture=True,
                    comparison_group="vs no intervention"),
        _pooled_row(id="b", preprint=True, all_msk_conditions=True, outcome="Function (not listed in the abstract)"),
        _pooled_row(id="c", estimate=-0.81, ci_low=-1.64, ci_high=-0.03, time_point="13-24 weeks"),
        _pooled_row(id="d", measure="not reported", estimate=float("nan"), ci_low=float("nan"),
                    ci_high=float("nan"), source_conclusion="no significant difference"),
        _pooled_row(id="e", measure="MD"),                               # not an SMD: another plot
        _pooled_row(id="f", favours_dn_when="positive"),                 # another direction: not on this plot
    ])
    rows = evidence.smd_forest_rows(pooled).set_index("id")
    assert list(rows.index) == ["b", "c", "d", "a"]  # sham first, table order within a comparison
    assert rows.loc["a", "label"] == "Yu 2023 (WHO): pain, post-intervention [+acupuncture]"
    assert rows.loc["b", "label"] == "Rev 2020: function, post-intervention [preprint] [all MSK]"
    assert rows.loc["c", "label"] == "Rev 2020: pain, 13-24 weeks [CI printed inconsistently]"
    assert rows.loc["d", "in_words"] == "(no numbers) no clear difference"
    assert rows.loc["a", "in_words"] == "(no numbers) favours DN"
    assert list(rows["interval"]) == ["consistent", "inconsistent", "not checkable", "consistent"]


def test_smd_forest_rows_keep_the_tables_order_within_a_comparison(pooled):
    rows = evidence.smd_forest_rows(pooled)
    position = {key: i for i, key in enumerate(pooled["id"])}
    for _, group in rows.groupby("comparison_group", sort=False):
        assert list(group["id"]) == sorted(group["id"], key=position.get)
