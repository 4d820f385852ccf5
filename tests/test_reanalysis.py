"""Re-analysis of trial-level data: every published pooled line in data/meta_reference.csv is reproduced
from the arms in data/trial_arms.csv, to the decimals the source prints (Cochrane RevMan output)."""

from __future__ import annotations

import dataclasses

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


def test_kerr_2003_control_is_placebo_tens_not_a_needle_sham(arms):
    kerr = arms[(arms["study"] == "Kerr 2003") & (arms["arm"] == "comparator")]
    assert set(kerr["comparator_type"]) == {"placebo TENS"}
    assert "placebo TENS" not in reanalysis.SHAM_TYPES
    assert "kerr2003" in kerr["note"].iloc[0]


def test_three_arm_trials_put_the_no_needling_arm_on_the_sham_analysis_scale(arms):
    trials = reanalysis.three_arm_trials(arms)
    assert sorted(trials["trial"].unique()) == ["Leibing 2002", "Molsberger 2002"]
    rows = trials.set_index(["trial", "arm"])
    # analysis 12.1 prints the same needling arm as 2.1 (SD 2.2) where 5.1 prints 21 (22): factor 10
    assert rows.loc[("Leibing 2002", "no needling"), "rescaled_by"] == 10.0
    assert rows.loc[("Leibing 2002", "no needling"), ["n", "mean", "sd"]].tolist() == pytest.approx([39, 44.0, 17.0])
    assert rows.loc[("Molsberger 2002", "no needling"), ["n", "mean", "sd"]].tolist() == pytest.approx([58, 39.0, 21.0])
    assert rows.loc[("Leibing 2002", "sham"), ["n", "mean", "sd"]].tolist() == [40, 32.0, 22.0]
    assert set(trials.loc[trials["arm"] == "sham", "comparator_type"]) <= set(reanalysis.SHAM_TYPES)


def test_three_arm_trials_refuse_arms_that_do_not_match(arms):
    bad = arms.copy()
    row = (bad["study"] == "Leibing 2002") & (bad["arm"] == "intervention") & (bad["analysis_id"] == "furlan2005_a12_1")
    bad.loc[row, "sd"] = 2.3  # printed 2.2: mean and SD no longer in the same ratio
    with pytest.raises(ValueError, match="Leibing 2002.*no common power of 10"):
        reanalysis.three_arm_trials(bad)


def test_within_trial_contrasts_never_count_a_shared_arm_twice(arms):
    trials = reanalysis.three_arm_trials(arms)
    contrasts = reanalysis.within_trial_contrasts(trials)
    for trial, part in contrasts.groupby("trial"):
        none = trials[(trials["trial"] == trial) & (trials["arm"] == "no needling")]["n"].iloc[0]
        assert part["n2"].sum() == pytest.approx(none)  # the no-needling arm split between its two contrasts
        arm = trials[trials["trial"] == trial].set_index("arm")
        for row in part.itertuples():
            first = row.contrast.split(" vs ")[0]
            expected = arm.loc[first, "sd"] ** 2 / row.n1 + arm.loc["no needling", "sd"] ** 2 / (none / 2)
            assert row.vi == pytest.approx(expected)  # the variance uses half the shared arm
    sham = reanalysis.within_trial_contrasts(trials, pairs=(("sham", "no needling"),)).set_index("trial")
    # one contrast per trial: nothing shared, nothing split; sham minus no needling on the 0-100 scale
    assert sham.loc["Leibing 2002", "yi"] == pytest.approx(32.0 - 44.0)
    assert sham.loc["Molsberger 2002", "yi"] == pytest.approx(36.0 - 39.0)
    assert sham.loc["Leibing 2002", "n2"] == 39


def test_robustness_panel(arms, reference):
    panel = reanalysis.robustness(arms, reference, "furlan2005_a5_1")
    k = 4
    assert len(panel) == 6 + k + (k - 2)
    printed_row = panel[panel["printed_model"]]
    assert len(printed_row) == 1 and printed_row["label"].iloc[0] == "DL, Wald interval (as printed)"
    assert round(printed_row["estimate"].iloc[0], 2) == -10.21  # the review's print (meta_reference.csv)
    assert list(panel.loc[panel["group"] == "leave one out", "k"]) == [3] * k
    cumulative = panel[panel["group"] == "cumulative by year"]
    assert cumulative["label"].iloc[0].startswith("up to Leibing 2002 (Mendelson 1983, Leibing 2002")
    sentence = reanalysis.robustness_sentence(panel)
    n_same = int(panel["same_direction"].sum())
    n_cross = int(panel["crosses_null"].sum())
    assert sentence == (f"Across 12 analyses (6 estimator and interval, 4 leave one out, 2 cumulative by year) the "
                        f"direction holds in {n_same} of 12; the interval crosses no effect in {n_cross}.")
    # a hand-made panel: the sentence counts what it is given
    toy = pd.DataFrame({"group": ["a", "a", "b"], "same_direction": [True, False, True],
                        "crosses_null": [False, True, True]})
    assert reanalysis.robustness_sentence(toy) == ("Across 3 analyses (2 a, 1 b) the direction holds in 2 of 3; the "
                                                  "interval crosses no effect in 2.")


def test_study_year():
    assert reanalysis.study_year("Kerr 2003") == 2003
    assert reanalysis.study_year("Smith 2001a") == 2001
    with pytest.raises(ValueError, match="no year"):
        reanalysis.study_year("Kerr")


def test_effect_by_control_type_rows_hang_together():
    table = data.load("effect_by_control_type").set_index("id")
    assert ((table["ci_low"] <= table["estimate"]) & (table["estimate"] <= table["ci_high"])).all()
    for row_id, row in table.iterrows():
        if row["row_type"] == "sensitivity":
            parent = table.loc[row["parent_id"]]
            assert parent["row_type"] == "main" and parent["trials"] > row["trials"], row_id
            assert parent["control_type"] == row["control_type"]
        if row["row_type"] == "combined":
            parts = table[(table["parent_id"] == row_id) & (table["row_type"] == "main")]
            assert parts["trials"].sum() == row["trials"], row_id
    # Vickers 2018 Table 7 (literature.md, section J): penetrating 0.17, 11 trials; usual care 0.50, 17 trials
    assert table.loc["vickers2018_penetrating", ["trials", "estimate"]].tolist() == [11, 0.17]
    assert table.loc["vickers2018_usual_care", ["trials", "estimate"]].tolist() == [17, 0.50]


def test_expectation_effect_needed_inverts_the_closed_form():
    for observed, ba, bs in [(0.3, 0.26, 0.01), (-0.76, 1.0, 1.0), (0.1, 0.6, -0.11)]:
        needed = simulate.expectation_effect_needed(observed, ba, bs)
        assert simulate.expected_observed_effect(0.0, needed, ba, bs) == pytest.approx(observed)
    with pytest.raises(ValueError, match="balanced guessing"):
        simulate.expectation_effect_needed(0.5, 0.2, -0.2)


def test_control_type_plot_puts_sensitivity_rows_under_their_main_row():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dry_needling import charts

    table = data.load("effect_by_control_type")
    order = list(charts.control_type_order(table)["id"])
    assert order.index("vickers2018_nonpenetrating_excluding_vas") == order.index("vickers2018_nonpenetrating") + 1
    assert order.index("vickers2018_nonpenetrating_or_nonneedle") > order.index("vickers2018_nonneedle")
    assert len(order) == len(table)
    fig = charts.control_type_plot(table, title="t", xlabel="x")
    drawn = {line.get_gid() for line in fig.axes[0].get_lines() if str(line.get_gid()).startswith("control-row-")}
    assert drawn == {f"control-row-{i}" for i in table["id"]}
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "0.22 [\u22120.05, 0.49]" in texts  # true minus signs
    plt.close(fig)


# --- Mutation-testing follow-ups (issue 22 item 1): what each column says, checked against the print or a property.

PANEL_COLUMNS = ["analysis_id", "group", "label", "method", "ci", "k", "estimate", "ci_low", "ci_high", "tau2", "i2",
                 "printed_model", "same_direction", "crosses_null"]


def _without(arms, analysis_id, keep):
    return arms[(arms["analysis_id"] != analysis_id) | arms["study"].isin(keep)]


@pytest.mark.parametrize("analysis_id", ["furlan2005_a5_1", "furlan2005_a12_1"])
def test_robustness_panel_rows_say_what_their_labels_say(arms, reference, analysis_id):
    panel = reanalysis.robustness(arms, reference, analysis_id)
    assert list(panel.columns) == PANEL_COLUMNS
    assert set(panel["analysis_id"]) == {analysis_id}
    ref = reference.set_index("analysis_id").loc[analysis_id]
    grid = panel[panel["group"] == "estimator and interval"]
    assert list(zip(grid["method"], grid["ci"], strict=True)) == list(reanalysis.PANEL_GRID)
    assert list(grid["label"]) == ["DL, Wald interval (as printed)", "DL, HKSJ interval", "DL, modified HKSJ interval",
                                   "REML, Wald interval", "REML, HKSJ interval", "REML, modified HKSJ interval"]
    assert list(grid["k"]) == [int(ref["k"])] * 6
    # the printed model's row is the review's pooled line (meta_reference.csv: Furlan 2005 RevMan analyses 5.1, 12.1)
    printed = grid.iloc[0]
    for name in ["estimate", "ci_low", "ci_high", "tau2", "i2"]:
        d = reanalysis.printed_decimals(str(ref[name]))
        assert round(float(printed[name]), d) == pytest.approx(float(ref[name])), name
    # one estimator gives one estimate and one tau2 whatever the interval; the three intervals differ
    for method, part in grid.groupby("method"):
        assert part["estimate"].nunique() == 1 and part["tau2"].nunique() == 1, method
        assert part["ci_low"].round(12).nunique() == 3 and part["ci_high"].round(12).nunique() == 3, method
    studies = list(reanalysis.study_table(arms, analysis_id)["study"])
    loo = panel[panel["group"] == "leave one out"]
    assert list(loo["label"]) == [f"without {s}" for s in studies]
    for study, row in zip(studies, loo.itertuples(), strict=True):
        _, alone = reanalysis.reanalyse(_without(arms, analysis_id, [s for s in studies if s != study]), reference,
                                        analysis_id)
        assert (row.method, row.ci, row.k) == ("DL", "wald", len(studies) - 1)
        assert [row.estimate, row.ci_low, row.ci_high, row.tau2, row.i2] == pytest.approx(
            [alone.estimate, alone.ci_low, alone.ci_high, alone.tau2, alone.i2], abs=1e-12)
    by_year = sorted(studies, key=reanalysis.study_year)
    cumulative = panel[panel["group"] == "cumulative by year"]
    assert list(cumulative["k"]) == list(range(2, len(studies)))
    for row in cumulative.itertuples():
        first = by_year[:row.k]
        assert row.label == f"up to {first[-1]} ({', '.join(first)})"
        _, part = reanalysis.reanalyse(_without(arms, analysis_id, first), reference, analysis_id)
        assert (row.method, row.ci) == ("DL", "wald")
        assert [row.estimate, row.ci_low, row.ci_high, row.tau2, row.i2] == pytest.approx(
            [part.estimate, part.ci_low, part.ci_high, part.tau2, part.i2], abs=1e-12)
    assert not panel.loc[panel["group"] != "estimator and interval", "printed_model"].any()
    # both reviews' pooled estimates are negative (needling lower): same direction means a negative estimate
    assert list(panel["same_direction"]) == list(panel["estimate"] < 0)
    limits = zip(panel["ci_low"], panel["ci_high"], strict=True)
    assert list(panel["crosses_null"]) == [lo <= 0 <= hi for lo, hi in limits]


def test_robustness_flags_an_interval_that_crosses_no_effect(arms, reference):
    # Analysis 12.1 without its two largest trials: fewer trials, wider intervals; at least one row crosses 0 and at
    # least one does not, and a row with both limits below 0 is never flagged
    panel = pd.concat([reanalysis.robustness(arms, reference, a) for a in reference["analysis_id"]])
    below = panel[(panel["ci_high"] < 0)]
    assert not below["crosses_null"].any() and len(below) > 0
    near = panel[(panel["ci_high"] > -1) & (panel["ci_high"] < 1) & (panel["ci_low"] < 0)]
    assert list(near["crosses_null"]) == list(near["ci_high"] >= 0)


def test_study_table_columns_order_and_a_missing_needling_arm(arms):
    table = reanalysis.study_table(arms, "furlan2005_a5_1")
    assert list(table.columns) == ["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2", "comparator_type",
                                   "needling_type", "country", "scale", "outcome", "time_point", "source_id",
                                   "locator"]
    rows = arms[arms["analysis_id"] == "furlan2005_a5_1"]
    assert list(table["study"]) == list(dict.fromkeys(rows["study"]))  # the CSV's order, not sorted
    backwards = reanalysis.study_table(arms.iloc[::-1], "furlan2005_a5_1")
    assert list(backwards["study"]) == list(table["study"])[::-1]  # the table's order, whatever it is
    for study in table["study"]:
        a = rows[(rows["study"] == study) & (rows["arm"] == "intervention")].iloc[0]
        c = rows[(rows["study"] == study) & (rows["arm"] == "comparator")].iloc[0]
        got = table.set_index("study").loc[study]
        assert got["comparator_type"] == c["comparator_type"]
        for column in ["needling_type", "country", "scale", "outcome", "time_point", "source_id", "locator"]:
            assert (pd.isna(got[column]) and pd.isna(a[column])) or got[column] == a[column], column
    no_needling_arm = arms[~((arms["study"] == "Kerr 2003") & (arms["arm"] == "intervention"))]
    with pytest.raises(ValueError, match=r"study 'Kerr 2003': expected one 'intervention' and one 'comparator'"):
        reanalysis.study_table(no_needling_arm, "furlan2005_a5_1")


def test_reanalyse_labels_studies_and_names_an_unknown_model(arms, reference):
    for analysis_id in reference["analysis_id"]:
        table, result = reanalysis.reanalyse(arms, reference, analysis_id)
        assert list(result.studies) == list(table["study"])
    odd = reference.copy()
    odd.loc[odd["analysis_id"] == "furlan2005_a5_1", "model"] = "MH, Random"
    with pytest.raises(ValueError, match=r"^analysis 'furlan2005_a5_1': model 'MH, Random' is not one of "
                                         r"\['IV, Fixed', 'IV, Random'\]; pass method=$"):
        reanalysis.reanalyse(arms, odd, "furlan2005_a5_1")
    table = reanalysis.study_table(arms, "furlan2005_a12_1")
    assert list(reanalysis.effect_sizes(table, "SMD").studies) == list(table["study"])
    with pytest.raises(ValueError, match=r"^measure must be 'MD' or 'SMD', got 'OR'$"):
        reanalysis.effect_sizes(table, "OR")


def test_compare_with_print_columns_and_blank_prints(arms, reference):
    table = reanalysis.compare_with_print(arms, reference)
    assert list(table.columns) == ["analysis_id", "statistic", "printed", "ours", "ours_rounded", "matches"]
    row = table[(table["analysis_id"] == "furlan2005_a5_1") & (table["statistic"] == "estimate")].iloc[0]
    assert row["printed"] == "-10.21" and row["ours_rounded"] == "-10.21" and round(row["ours"], 2) == -10.21
    for blank in [None, float("nan"), "", "  "]:
        some = reference.astype(object).copy()
        some.loc[some["analysis_id"] == "furlan2005_a5_1", "tau2"] = blank
        stats = reanalysis.compare_with_print(arms, some)
        stats = list(stats.loc[stats["analysis_id"] == "furlan2005_a5_1", "statistic"])
        assert "tau2" not in stats and {"estimate", "ci_high", "chi2", "i2", "z"} <= set(stats), repr(blank)
    unweighted = reference.astype(object).copy()
    unweighted["weights"] = float("nan")
    assert not reanalysis.compare_with_print(arms, unweighted)["statistic"].str.startswith("weight").any()


def test_weights_split_at_the_last_colon():
    assert reanalysis._weights("Itoh 2004: trial 2: 12.5 %; Kerr 2003: 30%") == {"Itoh 2004: trial 2": "12.5",
                                                                                  "Kerr 2003": "30"}
    assert reanalysis._weights(float("nan")) == {} and reanalysis._weights("  ") == {}


def _three_arm(study, sham_type="sham penetrating", open_type="no treatment", open_scale=1.0, open_n=30):
    rows = []
    for analysis, ctype, scale, n in (("x_sham", sham_type, 1.0, 30), ("x_open", open_type, open_scale, open_n)):
        rows.append({"analysis_id": analysis, "study": study, "arm": "intervention", "n": n, "mean": 20.0 / scale,
                     "sd": 10.0 / scale, "comparator_type": ctype, "source_id": "src", "locator": "loc"})
        rows.append({"analysis_id": analysis, "study": study, "arm": "comparator", "n": 31, "mean": 30.0 / scale,
                     "sd": 12.0 / scale, "comparator_type": ctype, "source_id": "src", "locator": "loc"})
    return pd.DataFrame(rows)


def test_three_arm_trials_every_column_and_the_csv_order(arms):
    usual = _three_arm("Zeta 2001", open_type="usual care")  # first in the table, last in alphabetical order
    skipped = _three_arm("Kappa 2000", open_type="placebo TENS")  # a sham and no open control: not a three-arm trial
    trials = reanalysis.three_arm_trials(pd.concat([skipped, usual, arms], ignore_index=True))
    assert list(trials.columns) == ["trial", "arm", "n", "mean", "sd", "analysis_id", "rescaled_by",
                                    "comparator_type", "source_id", "locator"]
    assert list(dict.fromkeys(trials["trial"])) == ["Zeta 2001", "Leibing 2002", "Molsberger 2002"]
    zeta = trials[trials["trial"] == "Zeta 2001"].set_index("arm")
    assert zeta.loc["no needling", "rescaled_by"] == 1.0 and zeta.loc["no needling", "comparator_type"] == "usual care"
    assert zeta.loc["no needling", ["n", "mean", "sd"]].tolist() == [31, 30.0, 12.0]
    rows = trials.set_index(["trial", "arm"])
    # Furlan 2005 analysis 5.1 (trial_arms.csv): Leibing 2002 needling arm 35, 21 (22); Molsberger 2002 58, 26 (21)
    assert rows.loc[("Leibing 2002", "acupuncture"), ["n", "mean", "sd", "rescaled_by"]].tolist() == [35, 21.0, 22.0,
                                                                                                     1.0]
    assert rows.loc[("Molsberger 2002", "acupuncture"), ["n", "mean", "sd"]].tolist() == [58, 26.0, 21.0]
    assert rows.loc[("Leibing 2002", "acupuncture"), "comparator_type"] == ""
    assert list(rows.loc["Leibing 2002", "analysis_id"]) == ["furlan2005_a5_1", "furlan2005_a5_1", "furlan2005_a12_1"]
    leibing = arms[(arms["study"] == "Leibing 2002") & (arms["analysis_id"] == "furlan2005_a12_1")
                   & (arms["arm"] == "comparator")].iloc[0]
    assert rows.loc[("Leibing 2002", "no needling"), ["source_id", "locator"]].tolist() == [leibing["source_id"],
                                                                                           leibing["locator"]]
    # a needling arm printed on a 0-100 and a 0-1 scale: a factor of 100, not 10 x 2
    hundred = reanalysis.three_arm_trials(_three_arm("Iota 2003", open_scale=100.0)).set_index("arm")
    assert hundred.loc["no needling", ["rescaled_by", "mean", "sd"]].tolist() == pytest.approx([100.0, 30.0, 12.0])


def test_three_arm_trials_name_the_arms_that_differ():
    with pytest.raises(ValueError, match=r"^Eta 2002: the needling arm has n = 30 in x_sham but 29 in x_open; they "
                                         r"are not the same arm$"):
        reanalysis.three_arm_trials(_three_arm("Eta 2002", open_n=29))
    with pytest.raises(ValueError, match="Theta 2004: .*differ by no common power of 10"):
        reanalysis.three_arm_trials(_three_arm("Theta 2004", open_scale=5.0))  # mean and SD both 5 x: not a power


def test_within_trial_contrasts_intervals_and_a_shared_first_arm(arms):
    trials = reanalysis.three_arm_trials(arms)
    contrasts = reanalysis.within_trial_contrasts(trials)
    assert list(contrasts.columns) == ["trial", "contrast", "n1", "n2", "yi", "vi", "ci_low", "ci_high"]
    # a 95 % interval is yi -/+ 1.959964 standard errors (the normal quantile, any statistics table)
    half = (contrasts["ci_high"] - contrasts["ci_low"]) / 2
    assert list((contrasts["ci_low"] + half - contrasts["yi"]).abs() < 1e-12) == [True] * len(contrasts)
    assert list(half / contrasts["vi"] ** 0.5) == pytest.approx([1.959964] * len(contrasts), abs=1e-6)
    ninety = reanalysis.within_trial_contrasts(trials, level=0.90)
    assert list((ninety["ci_high"] - ninety["ci_low"]) / 2 / ninety["vi"] ** 0.5) == pytest.approx(
        [1.644854] * len(ninety), abs=1e-6)
    # the shared arm first: the no-needling arm is split between the two contrasts whichever side it is on
    flipped = reanalysis.within_trial_contrasts(trials, pairs=(("no needling", "acupuncture"), ("no needling", "sham")))
    for trial, part in flipped.groupby("trial"):
        none = trials[(trials["trial"] == trial) & (trials["arm"] == "no needling")]["n"].iloc[0]
        assert list(part["n1"]) == pytest.approx([none / 2, none / 2])
    assert list(dict.fromkeys(contrasts["trial"])) == ["Leibing 2002", "Molsberger 2002"]
    smd = reanalysis.within_trial_contrasts(trials, measure="SMD")
    assert (smd["yi"].abs() < contrasts["yi"].abs()).all()  # standardised: points divided by SDs of 17 to 22
    assert (smd["yi"] * contrasts["yi"] > 0).all()


def test_plotted_is_the_forest_plot_as_a_table(arms, reference):
    table, result = reanalysis.reanalyse(arms, reference, "furlan2005_a5_1")
    shown = reanalysis.plotted(table, result)
    assert list(shown.columns) == ["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2", "comparator_type", "yi",
                                   "ci_low", "ci_high", "weight", "pi_low", "pi_high", "tau2", "q", "i2"]
    studies, pooled = shown.iloc[:-1], shown.iloc[-1]
    assert list(studies["study"]) == list(table["study"])
    # Furlan 2005 analysis 5.1 prints the weights (meta_reference.csv): Kerr 9.0, Leibing 22.9, Mendelson 25.3,
    # Molsberger 42.9 %
    assert list(studies["weight"].round(1)) == [9.0, 22.9, 25.3, 42.9]
    # a mean difference is the needling arm's mean minus the comparator's (Leibing 2002: 21 - 32 = -11 points)
    assert list(studies["yi"]) == pytest.approx(list(table["mean1"] - table["mean2"]))
    half = (studies["ci_high"] - studies["ci_low"]) / 2
    assert list(studies["ci_low"] + half) == pytest.approx(list(studies["yi"]))
    assert list(half / (table["sd1"] ** 2 / table["n1"] + table["sd2"] ** 2 / table["n2"]) ** 0.5) == pytest.approx(
        [1.959964] * 4, abs=1e-6)  # the normal quantile at 95 %
    assert studies[["pi_low", "pi_high", "tau2", "q", "i2"]].isna().all().all()
    assert pooled["study"] == "pooled (DL)" and pooled["weight"] == 100.0
    assert (pooled["n1"], pooled["n2"]) == (int(table["n1"].sum()), int(table["n2"].sum()))
    assert [round(pooled[c], 2) for c in ["yi", "ci_low", "ci_high"]] == [-10.21, -14.99, -5.44]  # the print
    assert [pooled[c] for c in ["pi_low", "pi_high", "tau2", "q", "i2"]] == pytest.approx(
        [result.pi_low, result.pi_high, result.tau2, result.q, result.i2])
    assert round(pooled["q"], 2) == 0.03 and round(pooled["i2"]) == 0  # Chi2 = 0.03, I2 = 0 % as printed
    # at another level the study intervals follow the result's level (90 %: 1.644854 standard errors)
    narrow = reanalysis.plotted(table, dataclasses.replace(result, level=0.90)).iloc[:-1]
    assert list((narrow["ci_high"] - narrow["ci_low"]) / (studies["ci_high"] - studies["ci_low"])) == pytest.approx(
        [1.644854 / 1.959964] * 4, abs=1e-6)


def _toy_analysis(analysis_id, differences):
    """Arms for a made-up mean-difference analysis: one study per difference, 50 per arm, SD 4 (so each study's
    standard error is 0.8), and its reference line (printed as RevMan's random-effects model)."""
    rows = []
    for i, diff in enumerate(differences):
        for arm, mean in (("intervention", 10.0 + diff), ("comparator", 10.0)):
            rows.append({"analysis_id": analysis_id, "study": f"Toy {2001 + i}", "arm": arm, "n": 50, "mean": mean,
                         "sd": 4.0, "comparator_type": "sham penetrating", "needling_type": "x", "country": "x",
                         "scale": "0-10", "outcome": "pain", "time_point": "end", "source_id": "src",
                         "locator": "loc"})
    reference = pd.DataFrame([{"analysis_id": analysis_id, "measure": "MD", "model": "IV, Random"}])
    return pd.DataFrame(rows), reference


@pytest.mark.parametrize("differences, crossing", [
    ([1.3, 1.5, 1.1, 1.3], False),  # pooled 1.3 +/- 0.78: above 0, its lower limit below 1
    ([-0.5, -0.6, -0.4, -0.5], True),  # pooled -0.5 +/- 0.78: an upper limit between 0 and 1
])
def test_robustness_flags_crossing_by_the_limits_around_0(differences, crossing):
    arms, reference = _toy_analysis("toy", differences)
    panel = reanalysis.robustness(arms, reference, "toy")
    grid = panel[panel["group"] == "estimator and interval"]
    assert list(panel["crosses_null"]) == [lo <= 0 <= hi for lo, hi in zip(panel["ci_low"], panel["ci_high"],
                                                                          strict=True)]
    assert bool(grid["crosses_null"].iloc[0]) is crossing
    if crossing:
        assert (grid["ci_high"].iloc[0] > 0) and (grid["ci_high"].iloc[0] < 1)
    else:
        assert (grid["ci_low"].iloc[0] > 0) and (grid["ci_low"].iloc[0] < 1)


def test_plotted_numbers_its_rows_once(arms, reference):
    table, result = reanalysis.reanalyse(arms, reference, "furlan2005_a5_1")
    assert list(reanalysis.plotted(table, result).index) == list(range(len(table) + 1))


def test_three_arm_trials_read_the_needling_arm_whatever_the_row_order(arms):
    # rows listed backwards: the sham analysis's comparator row comes before its needling row
    backwards = _three_arm("Zeta 2001", open_scale=10.0).iloc[::-1]
    trials = reanalysis.three_arm_trials(pd.concat([backwards, arms], ignore_index=True))
    zeta = trials[trials["trial"] == "Zeta 2001"].set_index("arm")
    assert zeta.loc["acupuncture", ["n", "mean", "sd"]].tolist() == [30, 20.0, 10.0]
    assert zeta.loc["no needling", ["rescaled_by", "mean", "sd"]].tolist() == pytest.approx([10.0, 30.0, 12.0])
    contrasts = reanalysis.within_trial_contrasts(trials)
    assert list(dict.fromkeys(contrasts["trial"])) == ["Zeta 2001", "Leibing 2002", "Molsberger 2002"]
