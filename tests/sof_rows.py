"""A Summary-of-Findings row with harmless defaults, for the appraisal and verdict-rule tests: dry needling in low
back pain vs sham, pain, no numbers, ungraded, every GRADE domain "not assessed"."""

from __future__ import annotations

from dry_needling import evidence


def sof_row(sof_id: str, **kw) -> dict:
    base = dict(sof_id=sof_id, review=sof_id, published="2020", comparison="vs sham", comparator="sham",
                intervention="dry needling", population="people with low back pain", population_direct=True,
                outcome="pain", outcome_detail="pain", time_point="post-intervention",
                design="systematic review of randomised trials", studies=None, participants=None,
                counts_scope="not given", measure="not reported", estimate=float("nan"), ci_low=float("nan"),
                ci_high=float("nan"), favours_when="negative", review_conclusion="benefit",
                effect_in_points=float("nan"), points_scale="none", minimal_important_difference=float("nan"),
                mid_basis="none", certainty="not assessed", certainty_as_printed="not graded", graded_by="not graded",
                headline=True, source_id=sof_id, locator="Abstract", note="")
    for domain in evidence.DOMAINS:
        base[domain], base[f"{domain}_reason"] = "not assessed", "not reported"
    base.update(kw)
    return base
