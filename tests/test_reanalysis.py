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
