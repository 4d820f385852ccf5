"""Re-analysis of trial-level data: every published pooled line in data/meta_reference.csv is reproduced
from the arms in data/trial_arms.csv, to the decimals the source prints (Cochrane RevMan output)."""

from __future__ import annotations

import pandas as pd
import pytest

from dry_needling import data, reanalysis, simulate


@pytest.fixture(scope="module")
def arms():
    return data.load("trial_arms")


@pytest.fixture(scope="module")
def reference():
    return data.load("meta_reference")


def test_every_printed_statistic_is_reproduced(arms, reference):
    table = reanalysis.compare_with_print(arms, reference)
    assert set(table["analysis_id"]) == set(reference["analysis_id"])
    wrong = table[~table["matches"]]
    assert wrong.empty, "not reproduced:\n" + wrong.to_string()
    # every analysis is checked on its estimate, both limits, tau2, chi2, I2, Z and each study's weight
    per_analysis = table.groupby("analysis_id")["statistic"].apply(set)
    for analysis_id, stats in per_analysis.items():
        assert {"estimate", "ci_low", "ci_high", "tau2", "chi2", "i2", "z"} <= stats, analysis_id
        k = int(reference.set_index("analysis_id").loc[analysis_id, "k"])
        assert sum(s.startswith("weight: ") for s in stats) == k


def test_a_transcription_error_is_caught(arms, reference):
    bad = arms.copy()
    row = (bad["study"] == "Molsberger 2002") & (bad["arm"] == "comparator") & (bad["analysis_id"] == "furlan2005_a5_1")
    bad.loc[row, "sd"] = 29.0  # printed 19
    table = reanalysis.compare_with_print(bad, reference)
    assert not table.loc[table["analysis_id"] == "furlan2005_a5_1", "matches"].all()


def test_the_estimator_matters_and_is_reported(arms, reference):
    _, dl = reanalysis.reanalyse(arms, reference, "furlan2005_a12_1")
    _, reml = reanalysis.reanalyse(arms, reference, "furlan2005_a12_1", method="REML")
    assert dl.method == "DL" and reml.method == "REML"
    assert round(dl.i2) == 14 and reml.tau2 > dl.tau2


def test_printed_decimals():
    assert reanalysis.printed_decimals("-10.21") == 2
    assert reanalysis.printed_decimals("14") == 0
    with pytest.raises(ValueError, match="not a printed number"):
        reanalysis.printed_decimals("< 0.00001")


def test_study_table_names_the_broken_study(arms):
    broken = arms[~((arms["study"] == "Kerr 2003") & (arms["arm"] == "comparator"))]
    with pytest.raises(ValueError, match="Kerr 2003"):
        reanalysis.study_table(broken, "furlan2005_a5_1")
    with pytest.raises(ValueError, match="no rows"):
        reanalysis.study_table(arms, "nonexistent")


def test_subgroups_by_sham(arms, reference):
    table, test = reanalysis.subgroups(arms, list(reference["analysis_id"]), by="sham")
    assert set(table["subgroup"]) == {"sham comparator", "non-sham comparator"}
    assert table["k"].sum() == len(arms) // 2
    assert test["df"] == 1 and 0 <= test["p"] <= 1
    # the same trial (Leibing 2002, Molsberger 2002) sits in both subgroups with different comparator arms
    assert "Leibing 2002" in table.set_index("subgroup").loc["sham comparator", "studies"]
    assert "Leibing 2002" in table.set_index("subgroup").loc["non-sham comparator", "studies"]


def test_subgroups_refuse_a_study_counted_twice(arms, reference):
    twice = pd.concat([arms, arms[arms["analysis_id"] == "furlan2005_a5_1"].assign(analysis_id="copy")])
    with pytest.raises(ValueError, match="would count twice"):
        reanalysis.subgroups(twice, ["furlan2005_a5_1", "copy"], by="sham")


def test_expectation_effect_needed_inverts_the_closed_form():
    for observed, ba, bs in [(0.3, 0.26, 0.01), (-0.76, 1.0, 1.0), (0.1, 0.6, -0.11)]:
        needed = simulate.expectation_effect_needed(observed, ba, bs)
        assert simulate.expected_observed_effect(0.0, needed, ba, bs) == pytest.approx(observed)
    with pytest.raises(ValueError, match="balanced guessing"):
        simulate.expectation_effect_needed(0.5, 0.2, -0.2)
