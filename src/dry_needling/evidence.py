"""What the pooled evidence says: effect sizes on a scale a student can feel, which comparisons
support the article's bottom line, and how firmly (GRADE certainty), in wording no stronger than
the certainty allows."""

from __future__ import annotations

import math
import re

import pandas as pd

__all__ = ["CERTAINTY_LEVELS", "smd_to_points", "favours_dry_needling", "interval_consistency",
           "symmetric_alternatives", "weakest_certainty", "best_certainty", "wording_level", "grade_statement",
           "wording_certainty", "wording_allowed", "bottom_line", "rule_of_three", "per_100", "COMPARISON_ORDER",
           "smd_forest_rows"]

#: GRADE certainty levels, strongest first.
CERTAINTY_LEVELS = ["high", "moderate", "low", "very low"]

#: Values of ``pooled_estimates.certainty`` that are not a single GRADE level.
_RANGES = {"low to very low": ("low", "very low"), "very low to moderate": ("moderate", "very low"),
           "low to moderate": ("moderate", "low")}
_UNGRADED = {"not graded", "not reported"}


def smd_to_points(smd: float, sd: float = 2.0) -> float:
    """Convert a standardised mean difference to points on a 0-10 pain scale: SMD x SD.

    ``sd`` is the between-patient standard deviation of pain scores, an *assumption* the caller
    must state (2 points is a typical order of magnitude for 0-10 scales in back-pain trials, not
    a value from our sources)."""
    if not math.isfinite(sd) or sd <= 0:
        raise ValueError(f"sd must be a positive number of points, got {sd!r}")
    return smd * sd


# --- printed intervals -------------------------------------------------------------------------

def _scale(values, measure: str):
    if measure in {"RR", "OR", "HR"}:
        return [math.log(v) for v in values]
    return list(values)


def interval_consistency(estimate, ci_low, ci_high, measure: str = "SMD", decimals: int = 2) -> str:
    """'consistent', 'inconsistent' or 'not checkable' for a printed estimate and 95 % CI.

    On the analysis scale (the difference itself for MD and SMD, the log for ratios) a pooled
    estimate sits in the middle of its Wald interval. With every number rounded to ``decimals``
    places, ``2*estimate - low - high`` can differ from 0 by at most 2 units of the last decimal;
    more than that means one printed bound (or the estimate) is probably a typo."""
    values = [estimate, ci_low, ci_high]
    if any(v is None or pd.isna(v) for v in values):
        return "not checkable"
    if measure in {"RR", "OR", "HR"}:
        if min(values) <= 0:
            return "not checkable"
        # Ratios are printed rounded on the natural scale; allow the rounding error on the log scale.
        e, lo, hi = values
        unit = 10 ** -decimals
        slack = 2 * unit / min(values)
        d = 2 * math.log(e) - math.log(lo) - math.log(hi)
        return "consistent" if abs(d) <= slack + 1e-12 else "inconsistent"
    e, lo, hi = _scale(values, measure)
    unit = 10 ** -decimals
    return "consistent" if abs(2 * e - lo - hi) <= 2 * unit + 1e-9 else "inconsistent"


def symmetric_alternatives(estimate: float, ci_low: float, ci_high: float) -> list[tuple[float, float]]:
    """The two intervals a printed, asymmetric interval could have been: keep the lower bound and
    mirror it, or keep the upper bound and mirror it (difference scale)."""
    return [(ci_low, 2 * estimate - ci_low), (2 * estimate - ci_high, ci_high)]


def favours_dry_needling(row) -> str:
    """'favours dry needling', 'favours comparator', 'uncertain' (CI crosses 0), 'not reported'
    or 'not applicable'.

    An interval flagged by :func:`interval_consistency` counts as excluding no effect only if
    *both* of its :func:`symmetric_alternatives` do: a bound that is probably a typo does not make
    a result significant."""
    est, lo, hi, direction = row["estimate"], row["ci_low"], row["ci_high"], row["favours_dn_when"]
    if pd.isna(est) or pd.isna(lo) or pd.isna(hi):
        return "not reported"
    if direction == "not applicable":
        return "not applicable"
    intervals = [(lo, hi)]
    if interval_consistency(est, lo, hi, row.get("measure", "SMD")) == "inconsistent":
        intervals = symmetric_alternatives(est, lo, hi)
    if any(a < 0 < b for a, b in intervals):
        return "uncertain"
    below = hi < 0
    return "favours dry needling" if below == (direction == "negative") else "favours comparator"


# --- certainty and wording -----------------------------------------------------------------------

def _levels(certainty) -> list[str]:
    if certainty is None or pd.isna(certainty) or certainty in _UNGRADED:
        return []
    if certainty in _RANGES:
        return list(_RANGES[certainty])
    if certainty not in CERTAINTY_LEVELS:
        raise ValueError(f"unknown certainty {certainty!r}; expected one of {CERTAINTY_LEVELS}, "
                         f"{sorted(_RANGES)} or {sorted(_UNGRADED)}")
    return [certainty]


def weakest_certainty(values) -> str | None:
    """The lowest GRADE level among ``values`` (a level or a range such as 'low to very low');
    None when nothing is graded."""
    levels = [lvl for v in values for lvl in _levels(v)]
    return max(levels, key=CERTAINTY_LEVELS.index) if levels else None


def best_certainty(values) -> str | None:
    """The highest GRADE level among ``values``; None when nothing is graded."""
    levels = [lvl for v in values for lvl in _levels(v)]
    return min(levels, key=CERTAINTY_LEVELS.index) if levels else None


def wording_level(certainty) -> str | None:
    """The GRADE level that may be used to *word* a claim about one estimate.

    A single level is itself. A range the review gives for all its outcomes (e.g. 'low to very
    low') is worded by its upper end, except that a range reaching 'very low' is capped at 'low':
    an estimate that may be very low certainty never licenses 'probably'. Ungraded: None."""
    levels = _levels(certainty)
    if not levels:
        return None
    top = min(levels, key=CERTAINTY_LEVELS.index)
    if "very low" in levels and CERTAINTY_LEVELS.index(top) < CERTAINTY_LEVELS.index("low"):
        return "low"
    return top


def grade_statement(effect: str, certainty: str | None, *, intervention: str = "dry needling",
                    outcome: str = "pain", comparator: str = "the comparator") -> str:
    """A sentence in GRADE's informative-statement style (Santesso et al., J Clin Epidemiol
    2020;119:126-135): 'improves' at high certainty, 'probably improves' at moderate, 'may improve'
    at low, and 'the evidence is very uncertain' at very low. ``effect`` is 'benefit' or 'little or
    no difference'. Ungraded evidence (``certainty`` None) is worded as very low, and says so:
    nothing licenses more."""
    if certainty is not None and certainty not in CERTAINTY_LEVELS:
        raise ValueError(f"certainty must be one of {CERTAINTY_LEVELS} or None, got {certainty!r}")
    if effect not in {"benefit", "little or no difference"}:
        raise ValueError(f"effect must be 'benefit' or 'little or no difference', got {effect!r}")
    subject = intervention[0].upper() + intervention[1:]
    if certainty is None:
        return (f"Certainty not graded in what we read: whether {intervention} improves {outcome} "
                f"vs {comparator} is uncertain")
    if certainty == "very low":
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome} vs {comparator}"
    verb = {"benefit": {"high": "improves", "moderate": "probably improves", "low": "may improve"},
            "little or no difference": {"high": "results in little or no difference in",
                                        "moderate": "probably results in little or no difference in",
                                        "low": "may result in little or no difference in"}}[effect][certainty]
    return f"{subject} {verb} {outcome} vs {comparator}"


_HEDGES = [("very low", re.compile(r"\bvery uncertain\b|\buncertain\b|\bnot known\b", re.I)),
           ("low", re.compile(r"\bmay\b|\bmight\b|\bcould\b|\bsuggests?\b", re.I)),
           ("moderate", re.compile(r"\bprobably\b|\blikely\b", re.I))]
_STRONG = re.compile(r"\b(reduces?|improves?|relieves?|works?|is effective|are effective|beats?|better than|"
                     r"favours?|superior|proves?|shows? that)\b", re.I)


def wording_certainty(text: str) -> str | None:
    """The certainty a sentence's wording claims: 'very low' for 'very uncertain', 'low' for 'may',
    'moderate' for 'probably', 'high' for an unhedged effect verb ('reduces', 'favours', 'better
    than'), None when the sentence makes no claim about an effect."""
    for level, pattern in _HEDGES:
        if pattern.search(text):
            return level
    return "high" if _STRONG.search(text) else None


def wording_allowed(text: str, certainty: str | None) -> bool:
    """True if ``text`` claims no more certainty than ``certainty`` (None: ungraded, i.e. very low)."""
    claimed = wording_certainty(text)
    if claimed is None:
        return True
    allowed = "very low" if certainty is None or pd.isna(certainty) else certainty
    return CERTAINTY_LEVELS.index(claimed) >= CERTAINTY_LEVELS.index(allowed)


# --- the bottom line --------------------------------------------------------------------------------

def _span(best: str | None, weakest: str | None) -> str:
    if best is None:
        return "not graded"
    return best if best == weakest else f"{best} to {weakest}"


def bottom_line(pooled: pd.DataFrame) -> pd.DataFrame:
    """One row per comparison group, counting *every* estimate, not only significant ones.

    Columns: how many estimates; how many favour dry needling with a 95 % CI that excludes no
    effect (``favour_dn``) and how many the review reports as favouring it without numbers we could
    see; how many show no clear difference (CI includes no effect, or the review reports little or
    no difference or an uncertain result without numbers); how many favour the comparator; how
    many are not reported; how many printed intervals are inconsistent; the certainty range the
    reviews give; and a GRADE-style ``statement`` whose strength is capped by
    :func:`wording_level` of the best-graded estimate that supports it (ungraded: very low)."""
    frame = pooled.assign(verdict=pooled.apply(favours_dry_needling, axis=1))
    conclusion = frame["source_conclusion"] if "source_conclusion" in frame else pd.Series("not stated", frame.index)
    no_numbers = frame["verdict"] == "not reported"
    frame.loc[no_numbers & (conclusion == "benefit"), "verdict"] = "favours dry needling (no numbers seen)"
    frame.loc[no_numbers & conclusion.isin(["little or no difference", "no significant difference", "uncertain"]),
              "verdict"] = "no clear difference (no numbers seen)"
    certainty = frame["certainty"] if "certainty" in frame else pd.Series(None, frame.index, dtype=object)
    rows = []
    for group, part in frame.groupby("comparison_group", sort=False):
        favour = part["verdict"].str.startswith("favours dry needling")
        unclear = part["verdict"].isin(["uncertain", "no clear difference (no numbers seen)"])
        cert = certainty[part.index]
        best, weakest = best_certainty(cert), weakest_certainty(cert)
        comparator = str(group).removeprefix("vs ")
        words = {"intervention": "needling", "outcome": "pain, function or quality of life", "comparator": comparator}
        support = favour if favour.sum() > unclear.sum() else unclear
        level = best_certainty([wording_level(c) for c in cert[support]])
        if support.any():
            effect = "benefit" if support is favour else "little or no difference"
            statement = grade_statement(effect, level, **words)
            s_best, s_weakest = best_certainty(cert[support]), weakest_certainty(cert[support])
            if level is not None:
                statement += f" ({_span(s_best, s_weakest)} certainty)"
        else:
            statement = "No estimate with numbers or a stated conclusion"
        rows.append({
            "comparison_group": group,
            "estimates": len(part),
            "favour_dn": int((part["verdict"] == "favours dry needling").sum()),
            "favour_dn_no_numbers": int((part["verdict"] == "favours dry needling (no numbers seen)").sum()),
            "no_clear_difference": int(unclear.sum()),
            "favour_comparator": int((part["verdict"] == "favours comparator").sum()),
            "not_reported": int(part["verdict"].isin(["not reported", "not applicable"]).sum()),
            "inconsistent_intervals": int(sum(
                interval_consistency(r.estimate, r.ci_low, r.ci_high, r.measure) == "inconsistent"
                for r in part.itertuples())),
            "certainty": _span(best, weakest),
            "wording_level": level,
            "statement": statement,
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
    out["per_100"] = out["events_per_100_treatments"]
    out["denominator_label"] = (out["study"] + " (n = " + out["denominator"].map("{:,}".format) + " "
                                + out["denominator_unit"] + ")")
    return out


#: The order in which comparisons are shown: sham first (the hardest test), mixed comparators last.
COMPARISON_ORDER = ["vs sham", "vs no intervention", "vs other treatments", "mixed comparators"]

_IN_WORDS = {"benefit": "favours DN", "no significant difference": "no clear difference",
             "little or no difference": "little or no difference", "uncertain": "uncertain"}


def smd_forest_rows(pooled: pd.DataFrame) -> pd.DataFrame:
    """The rows of notebook 05's SMD forest plot: every SMD for pain or function (and every conclusion stated
    without numbers) where a negative value favours dry needling, with a ``label`` carrying the flags a reader
    must know, ``in_words`` for rows without numbers, the ``interval`` check, in :data:`COMPARISON_ORDER`."""
    smd = pooled[pooled["measure"].isin(["SMD", "not reported"]) & (pooled["favours_dn_when"] == "negative")].copy()
    flags = (smd["pools_acupuncture"].map({True: " [+acupuncture]", False: ""})
             + smd["preprint"].map({True: " [preprint]", False: ""})
             + smd["all_msk_conditions"].map({True: " [all MSK]", False: ""}))
    smd["interval"] = [interval_consistency(r.estimate, r.ci_low, r.ci_high, r.measure) for r in smd.itertuples()]
    flags = flags.where(smd["interval"] != "inconsistent", flags + " [CI printed inconsistently]")
    smd["label"] = (smd["review"].str.replace(" (WHO review)", " (WHO)") + ": "
                    + smd["outcome"].str.replace(" (not listed in the abstract)", "").str.lower() + ", "
                    + smd["time_point"].str.lower() + flags)
    smd["in_words"] = "(no numbers) " + smd["source_conclusion"].map(_IN_WORDS)
    rank = {g: i for i, g in enumerate(COMPARISON_ORDER)}
    return smd.sort_values("comparison_group", key=lambda s: s.map(rank), kind="stable")
