"""Blinding in this collection's tables: recompute the Bang index of every arm of
``data/blinding_trials.csv`` from its printed guess counts, and build the 3 x 2 table James' index needs.

This module knows the repository's column names; the statistics themselves are in the reusable
:mod:`dry_needling.blinding`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .blinding import bang_index, wilson_interval

__all__ = ["recompute_bang", "james_table", "sensation_table", "scenario_inputs"]


def recompute_bang(trials: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Recompute the Bang index of every arm that has printed guess counts.

    ``trials`` is the ``blinding_trials`` table. The printed denominator (``*_n_guessed``) is
    taken as the arm's total, and everyone who did not guess correctly as having guessed the
    other arm (no don't-know counts are printed in the rows we have). Returns one row per arm
    with the recomputed estimate, SE, CI, what the interval shows (``interpretation``: unblinded,
    opposite guessing, or not shown to be unblinded) and the point estimate's ``scenario`` by the
    +/-0.2 rule (the classification the review prints), beside the printed values.
    """
    rows = []
    usable = trials[trials["guess_data"] == "counts printed"]
    for _, trial in usable.iterrows():
        for arm, prefix in (("active", "ag"), ("sham", "sg")):
            correct, asked = int(trial[f"{prefix}_correct"]), int(trial[f"{prefix}_n_guessed"])
            dont_know = trial.get(f"{prefix}_dont_know")
            dont_know = 0 if pd.isna(dont_know) else int(dont_know)
            result = bang_index(correct, asked - correct - dont_know, dont_know, confidence=confidence)
            rows.append({
                "comparison_id": trial["comparison_id"], "study": trial["study"], "year": trial["year"],
                "sham_type": trial["sham_type"], "penetrating": trial["penetrating"], "arm": arm,
                "n_correct": correct, "n_asked": asked,
                "estimate": result.estimate, "se": result.se, "ci_low": result.ci_low, "ci_high": result.ci_high,
                "lower_one_sided": result.lower_one_sided, "upper_one_sided": result.upper_one_sided,
                "interpretation": result.interpretation, "scenario": result.scenario,
                "printed_bi": trial[f"bi_{prefix}"], "printed_ci_low": trial[f"bi_{prefix}_lo"],
                "printed_ci_high": trial[f"bi_{prefix}_hi"],
            })
    return pd.DataFrame(rows)



def james_table(trial: Mapping[str, Any]) -> list[list[int]]:
    """The 3 x 2 table of a ``blinding_trials`` row for :func:`dry_needling.blinding.james_index`: rows
    guessed active, guessed sham, don't know; columns actually active, actually sham. Everyone who did
    not guess correctly is counted as guessing the other arm (the rows print no don't-know counts)."""
    ag_c, ag_n, sg_c, sg_n = (int(trial[k]) for k in ["ag_correct", "ag_n_guessed", "sg_correct", "sg_n_guessed"])
    return [[ag_c, sg_n - sg_c], [ag_n - ag_c, sg_c], [0, 0]]


#: Streitberger & Kleinhenz 1998: which rows of blinding_summaries hold each sensation, real and placebo needle.
SENSATIONS = [("felt the skin pierced", "streitberger1998_penetration_real", "streitberger1998_penetration_sham"),
              ("felt the dull 'de qi' ache", "streitberger1998_deqi_real", "streitberger1998_deqi_sham")]


def sensation_table(summaries: pd.DataFrame) -> pd.DataFrame:
    """How many volunteers felt each sensation with the real and the placebo needle, as a percentage with its
    95 % Wilson interval (``summaries`` is ``blinding_summaries`` indexed by id)."""
    rows = []
    for what, real_key, sham_key in SENSATIONS:
        for needle, key in (("real needle", real_key), ("placebo needle", sham_key)):
            k, n = int(summaries.loc[key, "value"]), int(summaries.loc[key, "n"])
            low, high = wilson_interval(k, n)
            rows.append({"sensation": what, "needle": needle, "people": k, "of": n,
                         "percent": 100 * k / n, "low": 100 * low, "high": 100 * high})
    return pd.DataFrame(rows)


def scenario_inputs(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The published blinding levels behind :func:`dry_needling.simulate.scenarios`, one row per scenario and arm,
    with the uncertainty the sources give: the 95 % interval (empty when none is printed) and what the value
    rests on (one trial arm of a few people, or an average over trials). Read from ``data/``, like the scenarios.
    """
    from . import data

    summaries = data.load("blinding_summaries", data_dir).set_index("id")
    trials = data.load("blinding_trials", data_dir).set_index("comparison_id")
    devices = data.load("blinding_by_sham_type", data_dir).set_index("id")
    rows = []
    for arm, key in (("active", "freed2021_bi_active"), ("sham", "freed2021_bi_sham")):
        s = summaries.loc[key]
        rows.append({"scenario": "back-pain trials, average", "arm": arm, "estimate": s["value"], "ci_low": s["low"],
                     "ci_high": s["high"], "based_on": f"mean of {s['n']} {s['n_of']}", "source_id": s["source_id"]})
    itoh = trials.loc["itoh2005_np"]
    for arm, prefix in (("active", "ag"), ("sham", "sg")):
        rows.append({"scenario": "needle with a non-penetrating sham", "arm": arm, "estimate": itoh[f"bi_{prefix}"],
                     "ci_low": itoh[f"bi_{prefix}_lo"], "ci_high": itoh[f"bi_{prefix}_hi"],
                     "based_on": f"one trial arm of {int(itoh[f'{prefix}_n_guessed'])} people",
                     "source_id": itoh["source_id"]})
    commercial = devices.loc["sham_commercial"]
    for arm, column in (("active", "mean_bi_verum"), ("sham", "mean_bi_sham")):
        rows.append({"scenario": "commercial sham devices, average", "arm": arm, "estimate": commercial[column],
                     "ci_low": None, "ci_high": None,
                     "based_on": f"mean of {commercial['n_studies']} trials (no interval printed)",
                     "source_id": commercial["source_id"]})
    out = pd.DataFrame(rows)
    out[["ci_low", "ci_high"]] = out[["ci_low", "ci_high"]].astype(float)
    return out
