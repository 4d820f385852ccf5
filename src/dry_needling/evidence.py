"""What the pooled evidence says: effect sizes on a scale a student can feel, and which
comparisons support the article's bottom line."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["smd_to_points", "favours_dry_needling", "bottom_line", "rule_of_three", "per_100"]


def smd_to_points(smd: float, sd: float = 2.0) -> float:
    """Convert a standardised mean difference to points on a 0-10 pain scale: SMD x SD.

    ``sd`` is the between-patient standard deviation of pain scores, an *assumption* the caller
    must state (2 points is a typical order of magnitude for 0-10 scales in back-pain trials, not
    a value from our sources)."""
    if not math.isfinite(sd) or sd <= 0:
        raise ValueError(f"sd must be a positive number of points, got {sd!r}")
    return smd * sd


def favours_dry_needling(row) -> str:
    """'favours dry needling', 'favours comparator', 'uncertain' (CI crosses 0) or 'not reported'."""
    lo, hi, direction = row["ci_low"], row["ci_high"], row["favours_dn_when"]
    if pd.isna(row["estimate"]) or pd.isna(lo) or pd.isna(hi) or direction == "not applicable":
        return "not reported" if pd.isna(row["estimate"]) or pd.isna(lo) or pd.isna(hi) else "not applicable"
    if lo < 0 < hi:
        return "uncertain"
    below = hi < 0
    return "favours dry needling" if below == (direction == "negative") else "favours comparator"


def bottom_line(pooled: pd.DataFrame) -> pd.DataFrame:
    """One row per comparison group: how many pooled estimates, how many favour dry needling with a
    95 % CI that excludes no effect, how many are uncertain or not reported, and the caveat flags."""
    frame = pooled.assign(verdict=pooled.apply(favours_dry_needling, axis=1))
    rows = []
    for group, part in frame.groupby("comparison_group", sort=False):
        rows.append({
            "comparison_group": group,
            "estimates": len(part),
            "favour_dn": int((part["verdict"] == "favours dry needling").sum()),
            "uncertain": int((part["verdict"] == "uncertain").sum()),
            "favour_comparator": int((part["verdict"] == "favours comparator").sum()),
            "not_reported": int(part["verdict"].isin(["not reported", "not applicable"]).sum()),
            "time_points": ", ".join(dict.fromkeys(part["time_point"])),
            "reviews": ", ".join(dict.fromkeys(part["review"])),
            "pools_acupuncture": bool(part["pools_acupuncture"].any()),
            "preprint": bool(part["preprint"].any()),
            "all_msk_conditions": bool(part["all_msk_conditions"].any()),
        })
    return pd.DataFrame(rows)


def rule_of_three(n: int) -> float:
    """Approximate upper 95 % bound, in percent, for an event never seen in ``n`` independent tries."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return 300.0 / n


def per_100(adverse: pd.DataFrame) -> pd.DataFrame:
    """Adverse events per 100 treatments with a label naming the study and its denominator."""
    out = adverse.copy()
    out["per_100"] = out["percent_of_treatments"]
    out["denominator_label"] = (out["study"] + " (n = " + out["denominator"].map("{:,}".format) + " "
                                + out["denominator_unit"] + ")")
    return out
