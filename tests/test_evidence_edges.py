"""The Summary-of-Findings table's checks and wording at their edges: each message a maintainer reads when a row
is wrong, and the wording of a combined treatment (written when mutation testing showed these could change with
no test noticing)."""

from __future__ import annotations

import pytest
from test_appraisal import row, table

from dry_needling import evidence


def test_a_combined_treatment_is_named_as_such():
    combined = row("c", comparison="combined vs dry needling alone", comparator="dry needling alone",
                   review_conclusion="benefit", certainty="low")
    assert evidence.sof_statement(combined) == ("Dry needling plus other treatments may improve pain vs dry needling "
                                                "alone")


@pytest.mark.parametrize("fields, message", [
    (dict(certainty="not assessed", graded_by="review authors", certainty_as_printed="not graded"),
     "graded by the review authors but certainty 'not assessed'"),
    (dict(certainty="low", graded_by="review authors", certainty_as_printed="see table"),
     "graded by the review authors, but certainty_as_printed names no level"),
    (dict(measure="SMD", estimate=-0.5, ci_low=float("nan"), ci_high=-0.1),
     "estimate and both limits go together"),
    (dict(measure="SMD", estimate=-0.1, ci_low=-0.5, ci_high=-0.1),
     "review_conclusion 'benefit', but the printed interval -0.5 to -0.1 may include no effect: say 'uncertain' "
     "and give the source's words in the note"),
])
def test_each_broken_row_gets_its_own_message(fields, message):
    assert evidence.sof_problems(table(row("x", **fields))) == [f"summary_of_findings.csv, row x: {message}"]


def test_every_unjudged_domain_is_named():
    judged = {d: "no serious" for d in evidence.DOMAINS}
    judged.update({evidence.DOMAINS[0]: "not assessed", evidence.DOMAINS[1]: "not assessed"})
    graded = row("m", certainty="moderate", graded_by="this collection", **judged)
    assert evidence.sof_problems(table(graded)) == [
        f"summary_of_findings.csv, row m: certainty 'moderate' assigned by this collection, but {evidence.DOMAINS[0]}, "
        f"{evidence.DOMAINS[1]} not assessed (all five domains must be judged)"]


def test_an_estimate_on_its_interval_s_limit_is_inside_it():
    assert evidence.sof_problems(table(row("j", measure="SMD", estimate=-0.5, ci_low=-0.5, ci_high=-0.1))) == []
