"""Blinding indexes pinned to published numbers and to a reference implementation's documented output."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dry_needling import blinding, data


def _reference_cases():
    ref = data.load("blinding_index_reference")
    return [row for _, row in ref.iterrows()]


def _table(row) -> list[list[int]]:
    return [[int(row.guess_active_in_active), int(row.guess_active_in_sham)],
            [int(row.guess_sham_in_active), int(row.guess_sham_in_sham)],
            [int(row.dont_know_in_active), int(row.dont_know_in_sham)]]


@pytest.mark.parametrize("row", _reference_cases(), ids=lambda r: f"{r['case']}-{r['index']}-{r['arm']}")
def test_reference_implementation_outputs(row):
    """BlindingIndex.jl's documented output (3 decimals), itself ported from the R package BI."""
    x = _table(row)
    if row["index"] == "James":
        result = blinding.james_index(x)
    elif row["arm"] == "active":
        result = blinding.bang_index(x[0][0], x[1][0], x[2][0])
    else:
        result = blinding.bang_index(x[1][1], x[0][1], x[2][1])
    d = int(row["decimals"])
    got = [round(v, d) for v in (result.estimate, result.se, result.ci_low, result.ci_high)]
    assert got == [row["estimate"], row["se"], row["ci_low"], row["ci_high"]]


def _printed_rows():
    trials = data.load("blinding_trials")
    return [row for _, row in trials[trials["guess_data"] == "counts printed"].iterrows()]


@pytest.mark.parametrize("row", _printed_rows(), ids=lambda r: r["comparison_id"])
def test_braithwaite_2018_printed_values(row):
    """Every Table 4 row with guess counts reproduces its printed BI and 95 % CI to 2 decimals."""
    for arm in ("ag", "sg"):
        correct, asked = int(row[f"{arm}_correct"]), int(row[f"{arm}_n_guessed"])
        result = blinding.bang_index(correct, asked - correct)
        got = [round(v, 2) for v in (result.estimate, result.ci_low, result.ci_high)]
        assert got == [row[f"bi_{arm}"], row[f"bi_{arm}_lo"], row[f"bi_{arm}_hi"]], arm


@pytest.mark.parametrize("row", _printed_rows(), ids=lambda r: r["comparison_id"])
def test_braithwaite_2018_scenarios_follow_the_0_2_rule(row):
    words = {"unblinded": "Correct", "random guessing": "Random", "opposite guessing": "Incorrect"}
    labels = []
    for arm in ("ag", "sg"):
        correct, asked = int(row[f"{arm}_correct"]), int(row[f"{arm}_n_guessed"])
        labels.append(words[blinding.bang_index(correct, asked - correct).scenario])
    assert "/".join(labels) == row["scenario"]


def test_recompute_table_matches_printed_values():
    from dry_needling import trial_blinding

    table = trial_blinding.recompute_bang(data.load("blinding_trials"))
    assert len(table) == 2 * len(_printed_rows())
    assert (table["estimate"].round(2) == table["printed_bi"]).all()
    assert (table["ci_high"].round(2) == table["printed_ci_high"]).all()


def test_dont_know_counts_only_in_the_denominator():
    with_dk = blinding.bang_index(30, 10, 60)
    assert with_dk.estimate == pytest.approx(0.2)
    assert blinding.bang_index(30, 10).estimate == pytest.approx(0.5)
    assert with_dk.n == 100


def test_edge_cases_as_the_reference_documents():
    all_correct = blinding.bang_index(12, 0)
    assert (all_correct.estimate, all_correct.se, all_correct.interpretation) == (1.0, 0.0, "unblinded")
    all_wrong = blinding.bang_index(0, 12)
    assert (all_wrong.estimate, all_wrong.interpretation) == (-1.0, "opposite guessing")
    all_dk = blinding.bang_index(0, 0, 7)
    assert math.isnan(all_dk.estimate) and all_dk.interpretation.startswith("undefined")
    james_dk = blinding.james_index([[0, 0], [0, 0], [5, 9]])  # James 1996 p. 1425
    # Everyone said "don't know": index 1, SE 0. The interval cannot show unblinding, and that is all it says.
    assert (james_dk.estimate, james_dk.se, james_dk.interpretation) == (1.0, 0.0, blinding.NOT_SHOWN)


def test_james_all_correct_is_complete_unblinding():
    result = blinding.james_index([[20, 0], [0, 20], [0, 0]])
    assert result.estimate == pytest.approx(0.0) and result.interpretation == "unblinded"
    result = blinding.james_index([[10, 10], [10, 10], [0, 0]])
    assert result.estimate == pytest.approx(0.5)
    assert result.interpretation == blinding.NOT_SHOWN


def test_scenario_uses_the_0_2_rule_exactly_at_the_boundary():
    assert blinding.bang_index(9, 6).scenario == "unblinded"  # exactly 0.2
    assert blinding.bang_index(6, 4).scenario == "unblinded"  # exactly 0.2
    assert blinding.bang_index(4, 6).scenario == "opposite guessing"  # exactly -0.2
    assert blinding.bang_index(11, 9).scenario == "random guessing"  # 0.1


# --- what a label may claim (issue 20 item 5) -------------------------------------------------------------
# An interval that covers 0 (Bang) or reaches 0.5 (James) only fails to show unblinding: "not shown to be
# unblinded", never "blinded" and never a scenario name. Absence of evidence of unblinding is not evidence of
# blinding.

def _bang_label_is_honest(result) -> bool:
    if math.isnan(result.estimate):
        return result.interpretation.startswith("undefined")
    if result.ci_low > 0:
        return result.interpretation == "unblinded"
    if result.ci_high < 0:
        return result.interpretation == "opposite guessing"
    return result.interpretation == blinding.NOT_SHOWN


def _james_label_is_honest(result) -> bool:
    if math.isnan(result.estimate) or math.isnan(result.se):
        return result.interpretation.startswith("undefined")
    if result.ci_high < 0.5:
        return result.interpretation == "unblinded"
    return result.interpretation == blinding.NOT_SHOWN


def test_inoue_2006_james_index_is_not_called_blinded():
    """Inoue 2006: James 0.39 (0.22 to 0.56). The interval reaches above 0.5, so it only fails to show unblinding."""
    inoue = data.load("blinding_trials").set_index("comparison_id").loc["inoue2006"]
    from dry_needling import trial_blinding

    result = blinding.james_index(trial_blinding.james_table(inoue))
    assert [round(v, 2) for v in (result.estimate, result.ci_low, result.ci_high)] == [0.39, 0.22, 0.56]
    assert result.interpretation == "not shown to be unblinded"
    assert str(result).endswith(": not shown to be unblinded")


def test_every_printed_braithwaite_arm_is_labelled_by_its_interval():
    from dry_needling import trial_blinding

    table = trial_blinding.recompute_bang(data.load("blinding_trials")).set_index(["comparison_id", "arm"])
    # Only Itoh & Katsumi's active arm (0.60, 0.10 to 1.10) has an interval that excludes 0.
    shown = table[table["interpretation"] != blinding.NOT_SHOWN]
    assert list(shown.index) == [("itoh2005_np", "active"), ("itoh2005_p", "active")]
    assert set(shown["interpretation"]) == {"unblinded"}
    # Inoue's active arm is at 0.20 (the "unblinded" scenario) but its interval covers 0.
    assert table.loc[("inoue2006", "active"), ["interpretation", "scenario"]].tolist() == [
        blinding.NOT_SHOWN, "unblinded"]


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("counts", [(9, 6, 0), (10, 6, 0), (8, 2, 0), (4, 5, 0), (4, 6, 0), (0, 12, 0), (12, 0, 0),
                                    (48, 4, 330), (30, 22, 319), (1, 35, 0), (1, 0, 35), (10, 10, 0), (3, 9, 8),
                                    (0, 0, 7), (90, 60, 0)])
def test_bang_label_matches_its_interval(counts, alternative):
    result = blinding.bang_index(*counts, alternative=alternative)
    assert _bang_label_is_honest(result), (counts, alternative, result)
    assert "blinded" not in result.interpretation.replace("unblinded", "")


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("table", [[[9, 6], [6, 10], [0, 0]], [[48, 22], [4, 30], [330, 319]],
                                   [[20, 0], [0, 20], [0, 0]], [[10, 10], [10, 10], [0, 0]], [[0, 0], [0, 0], [5, 9]],
                                   [[8, 1], [2, 9], [0, 0]], [[1, 9], [9, 1], [0, 0]], [[5, 5], [5, 5], [10, 10]]])
def test_james_label_matches_its_interval(table, alternative):
    result = blinding.james_index(table, alternative=alternative)
    assert _james_label_is_honest(result), (table, alternative, result)
    assert "blinded" not in result.interpretation.replace("unblinded", "")


def test_labels_are_the_documented_ones():
    assert set(blinding.LABELS["Bang"]) == {"unblinded", "opposite guessing", "not shown to be unblinded"}
    assert set(blinding.LABELS["James"]) == {"unblinded", "not shown to be unblinded"}
    for method, labels in blinding.LABELS.items():
        assert "blinded" not in labels
        assert blinding.interval_label(method, -0.3, 0.7) == blinding.NOT_SHOWN
    assert blinding.interval_label("Bang", 0.0, 0.4) == blinding.NOT_SHOWN  # touching 0 still covers it
    assert blinding.interval_label("James", 0.2, 0.5) == blinding.NOT_SHOWN  # reaching 0.5 still covers it
    with pytest.raises(ValueError, match="Bang' or 'James"):
        blinding.interval_label("Cohen", 0.1, 0.2)


def test_one_sided_bounds_and_alternatives():
    two = blinding.bang_index(48, 4, 330)
    greater = blinding.bang_index(48, 4, 330, alternative="greater")
    less = blinding.bang_index(48, 4, 330, alternative="less")
    assert greater.ci_high == 1.0 and greater.ci_low == pytest.approx(two.lower_one_sided)
    assert less.ci_low == -1.0 and less.ci_high == pytest.approx(two.upper_one_sided)
    assert two.ci_low < two.lower_one_sided < two.estimate < two.upper_one_sided < two.ci_high
    wide = blinding.bang_index(48, 4, 330, confidence=0.99)
    assert wide.ci_low < two.ci_low


def test_result_is_immutable_and_readable():
    result = blinding.bang_index(8, 2)
    with pytest.raises(AttributeError):
        result.estimate = 0  # type: ignore[misc]
    assert str(result).startswith("Bang BI 0.60")


@pytest.mark.parametrize("args, message", [
    ((-1, 3), "n_correct must be a non-negative whole number"),
    ((2.5, 3), "n_correct must be a non-negative whole number"),
    ((True, 3), "n_correct must be a non-negative whole number"),
    ((3, "4"), "n_incorrect must be a non-negative whole number"),
    ((3, 4, float("nan")), "n_dont_know must be a non-negative whole number"),
    ((0, 0, 0), "no answers"),
])
def test_bang_rejects_bad_counts(args, message):
    with pytest.raises(ValueError, match=message):
        blinding.bang_index(*args)


def test_whole_floats_and_numpy_ints_are_counts():
    assert blinding.bang_index(np.int64(8), 2.0).estimate == pytest.approx(0.6)


@pytest.mark.parametrize("table, message", [
    ([[1, 2], [3, 4]], "3 x 2"),
    ([[1, 2, 3], [3, 4, 5], [1, 1, 1]], "3 x 2"),
    ([[1, 2], [3, -4], [0, 0]], "guessed sham, sham arm"),
    ([[1, 0], [3, 0], [2, 0]], "sham arm has no answers"),
    ([[1, 2], [3], [0, 0]], "3 x 2"),
])
def test_james_rejects_malformed_tables(table, message):
    with pytest.raises(ValueError, match=message):
        blinding.james_index(table)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, "0.95"])
def test_confidence_must_be_a_probability(confidence):
    with pytest.raises(ValueError, match="confidence"):
        blinding.bang_index(5, 5, confidence=confidence)


def test_summaries_are_consistent_with_the_bang_range():
    summaries = data.load("blinding_summaries")
    bang = summaries[summaries["unit"] == "Bang index"]
    assert bang["value"].between(-1, 1).all()
    assert pd.Series(bang["low"].dropna() <= bang.loc[bang["low"].notna(), "value"]).all()


def test_james_table_of_a_trial_row():
    from dry_needling import trial_blinding

    inoue = data.load("blinding_trials").set_index("comparison_id").loc["inoue2006"]
    assert trial_blinding.james_table(inoue) == [[9, 6], [6, 10], [0, 0]]


def test_sensation_table_uses_wilson_intervals():
    from dry_needling import trial_blinding

    table = trial_blinding.sensation_table(data.load("blinding_summaries").set_index("id"))
    assert list(table["people"]) == [54, 47, 34, 13] and set(table["of"]) == {60}
    real = table.iloc[0]
    low, high = blinding.wilson_interval(54, 60)
    assert (real["low"], real["high"]) == pytest.approx((100 * low, 100 * high))


@pytest.mark.slow
def test_labels_match_their_intervals_for_any_counts():
    """Property: for any counts, confidence and alternative, each index's label claims no more than its interval."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    counts = st.integers(min_value=0, max_value=300)
    levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])
    sides = st.sampled_from(["two-sided", "greater", "less"])

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(counts, counts, counts, counts, counts, counts, levels, sides)
    def check(a, b, c, d, e, f, level, side):
        if a + b + c > 0:
            assert _bang_label_is_honest(blinding.bang_index(a, b, c, confidence=level, alternative=side))
        if a + c + e > 0 and b + d + f > 0:
            james = blinding.james_index([[a, b], [c, d], [e, f]], confidence=level, alternative=side)
            assert _james_label_is_honest(james)

    check()


def test_scenario_inputs_show_the_uncertainty_of_the_simulated_levels():
    """Notebook 03's scenarios are point values; scenario_inputs gives each with the interval its source prints."""
    from dry_needling import simulate, trial_blinding

    inputs = trial_blinding.scenario_inputs().set_index(["scenario", "arm"])
    for name, (active, sham, _where) in simulate.scenarios().items():
        if name == "perfect blinding":
            continue
        assert inputs.loc[(name, "active"), "estimate"] == active and inputs.loc[(name, "sham"), "estimate"] == sham
    itoh = inputs.loc["needle with a non-penetrating sham"]
    assert itoh[["ci_low", "ci_high"]].to_numpy().tolist() == [[0.10, 1.10], [-0.76, 0.54]]
    assert list(itoh["based_on"]) == ["one trial arm of 10 people", "one trial arm of 9 people"]
    assert inputs.loc[("back-pain trials, average", "active"), ["ci_low", "ci_high"]].tolist() == [0.12, 0.41]
    assert inputs.loc["commercial sham devices, average", "ci_low"].isna().all()
