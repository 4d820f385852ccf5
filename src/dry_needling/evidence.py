"""The Summary-of-Findings table and GRADE wording: the one home for how firmly the collection may say a thing.

``data/summary_of_findings.csv`` holds one row per comparison x outcome x time window a verdict rests on, each
with a GRADE certainty and its five domains (:data:`DOMAINS`). This module loads and checks that table
(:func:`summary_of_findings`, :func:`sof_problems`), reads each row's finding (:func:`finding`), words it as
GRADE's informative statements do at the row's certainty, the lowest end of any printed range
(:func:`grade_statement`, :func:`sof_statement`), and keeps the helpers for printed intervals, effect sizes in
points and adverse-event rates. Verdicts on the article's claims are derived from these rows in
:mod:`dry_needling.claims`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["CERTAINTY_LEVELS", "DOMAINS", "DOMAIN_LEVELS", "SOF_COMPARISON_ORDER", "FINDINGS", "smd_to_points",
           "favours_dry_needling", "interval_consistency", "symmetric_alternatives", "weakest_certainty",
           "best_certainty", "wording_level", "certainty_from_domains", "grade_statement", "wording_certainty",
           "wording_allowed", "finding", "sof_statement", "sof_problems", "summary_of_findings", "sof_by_comparison",
           "sof_display",
           "rule_of_three", "per_100", "COMPARISON_ORDER", "smd_forest_rows"]

#: GRADE certainty levels, strongest first.
CERTAINTY_LEVELS = ["high", "moderate", "low", "very low"]

#: The five GRADE domains, as columns of the SoF table (each with a ``<domain>_reason`` column).
DOMAINS = ["risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias"]

#: How serious a domain's concern is; each step below "no serious" lowers the certainty by one level.
DOMAIN_LEVELS = ["no serious", "serious", "very serious", "not assessed"]

#: The order in which the SoF table shows comparisons: sham first (the hardest test), mechanisms last.
SOF_COMPARISON_ORDER = ["vs sham", "vs no treatment", "vs usual care", "vs high-intensity no-acupuncture control",
                        "vs other treatments", "vs acupuncture",
                        "combined vs dry needling alone", "mixed comparators", "mechanism study"]

#: Certainty written as a range (by a review for all its outcomes, or in ``pooled_estimates.certainty``).
_RANGES = {"low to very low": ("low", "very low"), "very low to moderate": ("moderate", "very low"),
           "low to moderate": ("moderate", "low"), "low or very low": ("low", "very low")}
_UNGRADED = {"not graded", "not reported", "not assessed"}


def smd_to_points(smd: float, sd: float = 2.0) -> float:
    """Convert a standardised mean difference to points on a 0-10 pain scale: SMD x SD.

    ``sd`` is the between-patient standard deviation of pain scores, an *assumption* the caller
    must state (2 points is a typical order of magnitude for 0-10 scales in back-pain trials, not
    a value from our sources)."""
    if not math.isfinite(sd) or sd <= 0:
        raise ValueError(f"sd must be a positive number of points, got {sd!r}")
    return smd * sd


# --- printed intervals -------------------------------------------------------------------------

#: Ratio measures: no effect is 1, and intervals are symmetric on the log scale.
_RATIOS = {"RR", "OR", "HR"}


def interval_consistency(estimate: float | None, ci_low: float | None, ci_high: float | None, measure: str,
                         decimals: int = 2) -> str:
    """'consistent', 'inconsistent' or 'not checkable' for a printed estimate and 95 % CI.

    On the analysis scale (the difference itself for MD and SMD, the log for ratios) a pooled
    estimate sits in the middle of its Wald interval. With every number rounded to ``decimals``
    places, ``2*estimate - low - high`` can differ from 0 by at most 2 units of the last decimal;
    more than that means one printed bound (or the estimate) is probably a typo. For a ratio the same
    rounding moves the logarithms by at most ``2 units / smallest value``."""
    if estimate is None or ci_low is None or ci_high is None or any(pd.isna(v) for v in (estimate, ci_low, ci_high)):
        return "not checkable"
    values = [estimate, ci_low, ci_high]
    e, lo, hi = values
    unit = 10 ** -decimals
    if measure in _RATIOS:
        if min(values) <= 0:
            return "not checkable"
        d = 2 * math.log(e) - math.log(lo) - math.log(hi)
        return "consistent" if abs(d) <= 2 * unit / min(values) + 1e-12 else "inconsistent"
    return "consistent" if abs(2 * e - lo - hi) <= 2 * unit + 1e-9 else "inconsistent"


def symmetric_alternatives(estimate: float, ci_low: float, ci_high: float) -> list[tuple[float, float]]:
    """The two intervals a printed, asymmetric interval could have been: keep the lower bound and
    mirror it, or keep the upper bound and mirror it (difference scale)."""
    return [(ci_low, 2 * estimate - ci_low), (2 * estimate - ci_high, ci_high)]


def favours_dry_needling(row: Mapping[str, Any]) -> str:
    """'favours dry needling', 'favours comparator', 'uncertain' (the interval reaches no difference, 0),
    'not reported' or 'not applicable', for a difference (MD or SMD; ``row`` needs ``estimate``, ``ci_low``,
    ``ci_high``, ``favours_dn_when`` and ``measure``). A ratio measure is refused: its no-effect value is 1.

    An interval that touches 0 does not exclude it. An interval flagged by :func:`interval_consistency` counts
    as excluding no effect only if *both* of its :func:`symmetric_alternatives` do, on the same side: a bound that
    is probably a typo does not make a result significant."""
    est, lo, hi, direction = row["estimate"], row["ci_low"], row["ci_high"], row["favours_dn_when"]
    if pd.isna(est) or pd.isna(lo) or pd.isna(hi):
        return "not reported"
    if direction == "not applicable":
        return "not applicable"
    if row["measure"] in _RATIOS:
        raise ValueError(f"favours_dry_needling reads differences (MD, SMD), not a ratio ({row['measure']}): "
                         "its no-effect value is 1")
    intervals = [(lo, hi)]
    if interval_consistency(est, lo, hi, row["measure"]) == "inconsistent":
        intervals = symmetric_alternatives(est, lo, hi)
    sides = {"negative" if b < 0 else "positive" if a > 0 else "uncertain" for a, b in intervals}
    if len(sides) > 1 or sides == {"uncertain"}:
        return "uncertain"
    return "favours dry needling" if sides == {direction} else "favours comparator"


# --- certainty and wording -----------------------------------------------------------------------

def _levels(certainty) -> list[str]:
    if certainty is None or (not isinstance(certainty, str) and pd.isna(certainty)) or certainty in _UNGRADED:
        return []
    if certainty in _RANGES:
        return list(_RANGES[certainty])
    if certainty not in CERTAINTY_LEVELS:
        raise ValueError(f"unknown certainty {certainty!r}; expected one of {CERTAINTY_LEVELS}, "
                         f"{sorted(_RANGES)} or {sorted(_UNGRADED)}")
    return [certainty]


def weakest_certainty(values: Iterable[object]) -> str | None:
    """The lowest GRADE level among ``values`` (a level or a range such as 'low to very low');
    None when nothing is graded."""
    levels = [lvl for v in values for lvl in _levels(v)]
    return max(levels, key=CERTAINTY_LEVELS.index) if levels else None


def best_certainty(values: Iterable[object]) -> str | None:
    """The highest GRADE level among ``values``; None when nothing is graded."""
    levels = [lvl for v in values for lvl in _levels(v)]
    return min(levels, key=CERTAINTY_LEVELS.index) if levels else None


def wording_level(certainty: object) -> str | None:
    """The GRADE level at which a finding may be *worded*: a single level is itself; a range (e.g. 'low to very
    low', 'very low to moderate') is worded at its lowest end, because nothing tells which outcome is the better
    graded one; ungraded: None (worded as very uncertain)."""
    return weakest_certainty([certainty])


def certainty_from_domains(judgements: dict[str, str], start: str = "high") -> str | None:
    """The certainty that five domain judgements give, GRADE's way: start at ``start`` ('high' for randomised
    trials, 'low' for other designs) and go down one level per 'serious' and two per 'very serious', never below
    'very low'. None when any domain is 'not assessed' or missing: a certainty needs all five judged."""
    if start not in CERTAINTY_LEVELS:
        raise ValueError(f"start must be one of {CERTAINTY_LEVELS}, got {start!r}")
    steps = 0
    for domain in DOMAINS:
        level = judgements.get(domain)
        if level not in DOMAIN_LEVELS:
            raise ValueError(f"{domain}: expected one of {DOMAIN_LEVELS}, got {level!r}")
        if level == "not assessed":
            return None
        steps += DOMAIN_LEVELS.index(level)
    return CERTAINTY_LEVELS[min(CERTAINTY_LEVELS.index(start) + steps, len(CERTAINTY_LEVELS) - 1)]


#: What a SoF row can find (:func:`finding`): a benefit; a slight benefit (below the important difference the source
#: names); a change the source does not call good or bad (a mechanism such as biochemical markers); little or no
#: difference; harm; or nothing either way (uncertain).
FINDINGS = ["benefit", "slight benefit", "change", "little or no difference", "harm", "uncertain"]

_VERBS = {"benefit": {"high": "improves", "moderate": "probably improves", "low": "may improve"},
          "slight benefit": {"high": "results in a slight {kind} in",
                             "moderate": "probably results in a slight {kind} in",
                             "low": "may result in a slight {kind} in"},
          "change": {"high": "changes", "moderate": "probably changes", "low": "may change"},
          "little or no difference": {"high": "results in little or no difference in",
                                      "moderate": "probably results in little or no difference in",
                                      "low": "may result in little or no difference in"},
          "harm": {"high": "worsens", "moderate": "probably worsens", "low": "may worsen"}}


def grade_statement(effect: str, certainty: str | None, *, intervention: str = "dry needling",
                    outcome: str = "pain", comparator: str = "the comparator") -> str:
    """A sentence in GRADE's informative-statement style (Santesso et al., J Clin Epidemiol 2020;119:126-135):
    'improves' at high certainty, 'probably improves' at moderate, 'may improve' at low, and 'the evidence is very
    uncertain' at very low. ``effect`` is one of :data:`FINDINGS`: 'uncertain' (an interval that includes no effect)
    is worded as very uncertain at any level; a 'slight benefit' (below the important difference) as GRADE's small
    effect, 'may result in a slight reduction in pain' at low certainty ('improvement' for other outcomes); a
    'change' without calling it good or bad ('may change'). Ungraded evidence (``certainty`` None) is worded as very
    low, and says so: nothing licenses more."""
    if certainty is not None and certainty not in CERTAINTY_LEVELS:
        raise ValueError(f"certainty must be one of {CERTAINTY_LEVELS} or None, got {certainty!r}")
    if effect not in FINDINGS:
        raise ValueError(f"effect must be one of {FINDINGS}, got {effect!r}")
    subject = intervention[0].upper() + intervention[1:]
    if certainty is None:
        return f"Not graded: the effect of {intervention} on {outcome} vs {comparator} is very uncertain"
    if certainty == "very low" or effect == "uncertain":
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome} vs {comparator}"
    verb = _VERBS[effect][certainty].format(kind="reduction" if outcome == "pain" else "improvement")
    return f"{subject} {verb} {outcome} vs {comparator}"


_HEDGES = [("very low", re.compile(r"\bvery uncertain\b|\buncertain\b|\bnot known\b", re.I)),
           ("low", re.compile(r"\bmay\b|\bmight\b|\bcould\b|\bsuggests?\b", re.I)),
           ("moderate", re.compile(r"\bprobably\b|\blikely\b", re.I))]
_STRONG = re.compile(r"\b(reduces?|improves?|worsens?|increases?|relieves?|works?|is effective|are effective|"
                     r"beats?|better than|favours?|superior|proves?|shows? that)\b", re.I)


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


# --- the Summary-of-Findings table -----------------------------------------------------------------

_NAMES = {"dry needling": "dry needling", "acupuncture": "acupuncture",
          "both pooled": "needling (acupuncture and dry needling pooled)"}
_DIRECTION = {"favours dry needling": "benefit", "favours comparator": "harm", "uncertain": "uncertain"}
_CONCLUSION = {"benefit": "benefit", "slight benefit": "slight benefit", "change": "change",
               "little or no difference": "little or no difference", "harm": "harm", "uncertain": "uncertain",
               "not stated": "uncertain"}
#: Conclusions that claim an effect: a row may not say so when its own printed interval includes no effect.
_CLAIMS_AN_EFFECT = {"benefit", "slight benefit", "harm"}


def _direction(row) -> str:
    return favours_dry_needling({"estimate": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                                 "favours_dn_when": row["favours_when"], "measure": row["measure"]})


def finding(row: Mapping[str, Any]) -> str:
    """What one SoF row found, one of :data:`FINDINGS`.

    Numbers win over words: with an estimate, both limits and a direction (``favours_when``), the interval
    decides (:func:`favours_dry_needling`: one that includes no effect is 'uncertain', and a probable typo in a
    bound counts only if both corrections agree); words then only say how big a benefit is ('slight benefit' where
    the source says it falls short of the important difference). Without numbers, the source's own conclusion is
    used ('not stated' reads as 'uncertain')."""
    direction = _direction(row)
    if direction in _DIRECTION:
        found = _DIRECTION[direction]
        return "slight benefit" if found == "benefit" and row["review_conclusion"] == "slight benefit" else found
    return _CONCLUSION[row["review_conclusion"]]


def _certainty(row) -> str | None:
    return None if row["certainty"] == "not assessed" else row["certainty"]


def sof_statement(row: Mapping[str, Any]) -> str:
    """One SoF row as a GRADE informative statement at its certainty (the lowest end of a printed range)."""
    name = _NAMES[row["intervention"]]
    if row["comparison"] == "combined vs dry needling alone":
        name += " plus other treatments"
    return grade_statement(finding(row), _certainty(row), intervention=name,
                           outcome=row["outcome"], comparator=row["comparator"])


_DESIGN_START = {"systematic review of randomised trials": "high", "individual patient data meta-analysis": "high",
                 "randomised trial": "high", "before-after study": "low", "animal study": "low"}


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""


def _lowest_printed_level(text: str) -> str | None:
    """The lowest GRADE level a source's own words name ('very low to moderate' -> 'very low'); None if none."""
    named = [lvl for lvl in CERTAINTY_LEVELS if re.search(rf"\b{lvl}\b", text.lower())]
    return max(named, key=CERTAINTY_LEVELS.index) if named else None


def sof_problems(sof: pd.DataFrame) -> list[str]:
    """The rules a Summary-of-Findings table must keep, as readable lines (empty: it keeps them all).

    - Every domain has a reason, even when not assessed (the reason says why).
    - A certainty the collection assigns (``graded_by`` 'this collection') has all five domains judged and equals
      :func:`certainty_from_domains` from the design's starting level; otherwise the certainty is the grading
      review's (``graded_by`` 'review authors', with its printed words) or 'not assessed' (``not graded``).
    - A review's certainty is the lowest end of the range it printed.
    - One headline row per source, comparison and outcome: verdicts count one estimate per review and outcome.
    - Limits bracket the estimate, and an effect in points follows from the estimate as ``points_scale`` says.
    - A conclusion that claims an effect (benefit, slight benefit, harm) is not kept where the row's own printed
      interval may include no effect (:func:`finding` gives 'uncertain'): the row says 'uncertain' and its note
      gives the source's words."""
    problems: list[str] = []
    for row in sof.to_dict("records"):
        where = f"summary_of_findings.csv, row {row['sof_id']}"
        for domain in DOMAINS:
            if _blank(row[f"{domain}_reason"]):
                problems.append(f"{where}: {domain} has no reason")
        judged = {d: row[d] for d in DOMAINS}
        certainty, graded = row["certainty"], row["graded_by"]
        if graded == "this collection":
            computed = certainty_from_domains(judged, _DESIGN_START[row["design"]])
            if computed is None:
                missing = [d for d in DOMAINS if judged[d] == "not assessed"]
                problems.append(f"{where}: certainty {certainty!r} assigned by this collection, but "
                                f"{', '.join(missing)} not assessed (all five domains must be judged)")
            elif computed != certainty:
                problems.append(f"{where}: certainty {certainty!r}, but the domains give {computed!r}")
        elif graded == "review authors":
            if certainty == "not assessed":
                problems.append(f"{where}: graded by the review authors but certainty 'not assessed'")
            else:
                lowest = _lowest_printed_level(str(row["certainty_as_printed"]))
                if lowest is None:
                    problems.append(f"{where}: graded by the review authors, but certainty_as_printed names no level")
                elif lowest != certainty:
                    problems.append(f"{where}: the review printed {row['certainty_as_printed']!r}; its lowest end is "
                                    f"{lowest!r}, not {certainty!r}")
        elif certainty != "not assessed":
            problems.append(f"{where}: certainty {certainty!r} but graded_by 'not graded'")
        numbers = [row["estimate"], row["ci_low"], row["ci_high"]]
        if any(not _blank(v) for v in numbers):
            if any(_blank(v) for v in numbers):
                problems.append(f"{where}: estimate and both limits go together")
            elif not row["ci_low"] <= row["estimate"] <= row["ci_high"]:
                problems.append(f"{where}: the limits {row['ci_low']:g} to {row['ci_high']:g} do not bracket "
                                f"{row['estimate']:g}")
            elif row["review_conclusion"] in _CLAIMS_AN_EFFECT and _direction(row) == "uncertain":
                problems.append(f"{where}: review_conclusion {row['review_conclusion']!r}, but the printed interval "
                                f"{row['ci_low']:g} to {row['ci_high']:g} may include no effect: say 'uncertain' and "
                                "give the source's words in the note")
        points = row["effect_in_points"]
        if not _blank(points):
            scale = str(row["points_scale"])
            expected = (round(row["estimate"] / 10, 2) if "divided by 10" in scale
                        else row["estimate"] if "as printed" in scale else None)
            if expected is None or _blank(expected) or not math.isclose(points, expected, abs_tol=1e-9):
                problems.append(f"{where}: effect_in_points {points:g} does not follow from the estimate as "
                                f"points_scale says ({scale!r})")
    heads = sof.groupby(["source_id", "comparison", "outcome"])["headline"].sum()
    for (source, comparison, outcome), count in heads.items():
        if count != 1:
            problems.append(f"summary_of_findings.csv: {source}, {comparison}, {outcome}: {int(count)} headline rows "
                            "(exactly one: the estimate verdicts count)")
    return problems


class SummaryOfFindingsError(ValueError):
    """The SoF table breaks one of :func:`sof_problems`' rules."""


def summary_of_findings(data_dir: str | Path | None = None, *, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``data/summary_of_findings.csv``, validated by the data package and by :func:`sof_problems`, with the
    ``finding`` and GRADE ``statement`` of each row added. Raises :class:`SummaryOfFindingsError` listing every
    broken rule. ``table``: the table already loaded by ``data.load`` or ``data.load_all`` (not read again)."""
    from . import data

    sof = data.load("summary_of_findings", data_dir) if table is None else table
    problems = sof_problems(sof)
    if problems:
        raise SummaryOfFindingsError("\n".join(problems))
    return sof.assign(finding=[finding(r) for r in sof.to_dict("records")],
                      statement=[sof_statement(r) for r in sof.to_dict("records")])


def _effect_text(row) -> str:
    if _blank(row["estimate"]):
        return f"no numbers seen ({row['review_conclusion']})"
    return f"{row['measure']} {row['estimate']:.2f} ({row['ci_low']:.2f} to {row['ci_high']:.2f})"


def _domain_text(row) -> str:
    short = {"no serious": "no serious", "serious": "serious", "very serious": "very serious", "not assessed": "?"}
    names = {"risk_of_bias": "bias", "inconsistency": "inconsistency", "indirectness": "indirectness",
             "imprecision": "imprecision", "publication_bias": "publication"}
    return "; ".join(f"{names[d]} {short[row[d]]}" for d in DOMAINS)


def sof_display(sof: pd.DataFrame, headline_only: bool = True) -> pd.DataFrame:
    """The SoF table as a reader takes it in, in :func:`sof_by_comparison` order: who, what, the effect with its
    interval, the effect in points, the certainty (as printed), the five domains ('?' not assessed) and the
    GRADE statement. ``sof`` is :func:`summary_of_findings`' table."""
    rows = sof_by_comparison(sof[sof["headline"]] if headline_only else sof)
    return pd.DataFrame({
        "comparison": rows["comparison"], "review": rows["review"], "outcome": rows["outcome"],
        "time point": rows["time_point"],
        "effect (95 % CI)": [_effect_text(r) for r in rows.to_dict("records")],
        "in points": [("" if _blank(r["effect_in_points"]) else f"{r['effect_in_points']:.2f}")
                      for r in rows.to_dict("records")],
        "certainty": [r["certainty"] if r["certainty_as_printed"] == r["certainty"] or r["certainty"] == "not assessed"
                      else f"{r['certainty']} (printed: {r['certainty_as_printed'].split(' (')[0]})"
                      for r in rows.to_dict("records")],
        "domains": [_domain_text(r) for r in rows.to_dict("records")],
        "statement": rows["statement"],
    }).reset_index(drop=True)


_OUTCOME_ORDER = ["pain", "function", "quality of life", "pressure pain threshold", "blood flow", "muscle stiffness",
                  "biochemical markers", "spontaneous electrical activity"]


def sof_by_comparison(sof: pd.DataFrame) -> pd.DataFrame:
    """The table in reading order: comparisons as :data:`SOF_COMPARISON_ORDER`, then outcome, headline rows first."""
    rank = {c: i for i, c in enumerate(SOF_COMPARISON_ORDER)}
    outcomes = {o: i for i, o in enumerate(_OUTCOME_ORDER)}
    # Sorting on several columns is always stable in pandas: rows that tie keep the table's order.
    return sof.assign(_c=sof["comparison"].map(rank), _o=sof["outcome"].map(outcomes), _h=~sof["headline"]).sort_values(
        ["_c", "_o", "_h"]).drop(columns=["_c", "_o", "_h"])


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
