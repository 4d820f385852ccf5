"""The claims ledger: one dated verdict for every claim of the article, derived from the evidence, not typed.

``data/claims.csv`` stores, for each claim, our paraphrase, a verdict from :data:`VERDICTS`, the reason, what
was searched (for *not found*), its scope, the Summary-of-Findings rows it rests on (``sof_ids``), the date of
the newest evidence behind it (``evidence_as_of``), the date we looked (``as_of``) and when to look again.

Evidence verdicts are computed from the SoF rows of the claim's own comparison and outcome
(:data:`QUESTIONS`, :func:`verdict_from_sof`) by these rules, each tested on small constructed tables:

1. No row for the claim's comparison and outcome: *not found*.
2. One estimate per review per outcome: only ``headline`` rows count (other time points and subgroups of the
   same review are shown, never counted), and reviews are never counted against each other: the verdict follows
   the best row, ranked by directness of the intervention (dry needling, then needling pooled, then
   acupuncture), then of the population (low back pain first), then by study design (:data:`DESIGN_RANK`:
   randomised and sham- or otherwise controlled evidence before animal experiments, before uncontrolled
   before-after studies), then certainty, then recency.
3. That row's finding at its certainty (the lowest end of a printed range; *not assessed* counts as very low):
   the claimed effect (a benefit, or for a mechanism the change the article names) at or above the certainty the
   claim's own wording needs is *supported*, below it *partly supported*; a slight benefit, below the important
   difference, is at most *partly supported*; little or no difference (or harm) at low certainty or better is
   *contradicted*; an uncertain result, or a null one at very low certainty, is *not found* (nothing either way).
4. A row as direct as the best (same intervention and population directness, and the same design rank), whatever
   its certainty, that finds otherwise (no clear effect or no difference where the best found the claimed effect,
   or the claimed effect where it found none) makes the verdict *partly supported* (the evidence is mixed), and the
   reason names it. A row of a weaker design that finds otherwise is named in the reason but does not count.
5. An intervention-indirect best row (acupuncture, or needling therapies pooled) can make a dry-needling claim
   at most *partly supported*, and the reason says why.

The other verdicts (percentages, states, training hours, side effects) come from their own tables. A test checks
that the stored verdicts, their SoF rows and dates equal the computed ones, so a data update that changes a
verdict fails the suite until the ledger is updated too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from . import burden, data, evidence, regulation

__all__ = ["VERDICTS", "DESIGN_RANK", "Question", "QUESTIONS", "Verdict", "verdict_from_sof", "computed_verdicts",
           "ledger", "disagreements"]

#: The fixed set of verdicts, strongest support first.
VERDICTS = ["supported", "partly supported", "contradicted", "outdated", "not found", "not checked"]


@dataclass(frozen=True)
class Question:
    """What an evidence claim asks of the SoF table: which comparisons (None: any), which outcome, and the
    certainty its own wording claims ('low' for "evidence suggests ... may", 'high' for a flat statement)."""

    comparisons: tuple[str, ...] | None
    outcome: str
    claim_level: str
    subject: str = "dry needling"


#: Every claim whose verdict is derived from the SoF table, with the question it asks.
QUESTIONS = {
    "bottom_line_no_treatment": Question(("vs no treatment",), "pain", "low"),
    "bottom_line_sham": Question(("vs sham",), "pain", "low"),
    "bottom_line_other": Question(("vs other treatments",), "pain", "low"),
    "part_of_programme": Question(("combined vs dry needling alone",), "pain", "high"),
    "benefit_blood_flow": Question(None, "blood flow", "high"),
    "benefit_less_banding": Question(None, "muscle stiffness", "high"),
    "benefit_biochemical": Question(None, "biochemical markers", "high"),
    "benefit_electrical": Question(None, "spontaneous electrical activity", "high"),
}


class Verdict(NamedTuple):
    verdict: str
    reason: str
    sof_ids: str = ""
    evidence_as_of: str | None = None  # None: this rule does not compute the date


_INTERVENTION_RANK = {"dry needling": 0, "both pooled": 1, "acupuncture": 2}
_CERTAINTY_RANK = {level: i for i, level in enumerate([*evidence.CERTAINTY_LEVELS, "not assessed"])}

#: How directly a study design can show an effect, best first: randomised trials (and reviews of them) compare
#: with a control group; an animal experiment has controls, but in animals; a before-after study has no control.
DESIGN_RANK = {"systematic review of randomised trials": 0, "individual patient data meta-analysis": 0,
               "randomised trial": 0, "animal study": 1, "before-after study": 2}

_NULL = {"little or no difference", "harm"}
#: Findings that are the effect a claim names (a benefit; for a mechanism, the change the article names).
_CLAIMED = {"benefit", "slight benefit", "change"}
_INDIRECT = {"both pooled": "it pools acupuncture with dry needling", "acupuncture": "it is about acupuncture"}


_FOUND = {"benefit": "the claimed effect", "slight benefit": "a slight benefit, below the important difference",
          "change": "the claimed change", "little or no difference": "little or no difference",
          "harm": "the opposite effect", "uncertain": "no clear effect"}


def _certainty_words(row) -> str:
    if row["certainty"] == "not assessed":
        return "certainty not assessed"
    printed = row["certainty_as_printed"].split(" (")[0]
    printed = "" if printed == row["certainty"] else f", printed as {printed}"
    return f"{row['certainty']} certainty, graded by the {row['graded_by']}{printed}"


def verdict_from_sof(question: Question, sof: pd.DataFrame) -> Verdict:
    """The verdict on a claim from the SoF rows of its comparison and outcome, by the rules in the module
    docstring. ``sof`` needs the columns of ``summary_of_findings.csv``."""
    rows = sof[sof["outcome"] == question.outcome]
    if question.comparisons is not None:
        rows = rows[rows["comparison"].isin(question.comparisons)]
    what = f"{question.outcome}, {' or '.join(question.comparisons) if question.comparisons else 'any comparison'}"
    if rows.empty:
        return Verdict("not found", f"no summary-of-findings row for {what}", "", "")
    rows = rows[rows["headline"]]
    twice = rows["source_id"].value_counts()
    if rows.empty or (twice > 1).any():
        bad = ", ".join(twice[twice > 1].index) or "every source"
        raise ValueError(f"summary_of_findings: {what}: {bad} must have exactly one headline row "
                         "(one estimate per review per outcome)")
    unknown = set(rows["design"]) - set(DESIGN_RANK)
    if unknown:
        raise ValueError(f"summary_of_findings: {what}: no design rank for {sorted(unknown)}; expected one of "
                         f"{sorted(DESIGN_RANK)}")
    ranked = rows.assign(
        _finding=[evidence.finding(r) for r in rows.to_dict("records")],
        _i=rows["intervention"].map(_INTERVENTION_RANK), _p=~rows["population_direct"],
        _d=rows["design"].map(DESIGN_RANK), _c=rows["certainty"].map(_CERTAINTY_RANK), _recent=rows["published"],
    ).sort_values(["_i", "_p", "_d", "_c", "_recent"], ascending=[True, True, True, True, False], kind="stable")
    best = ranked.iloc[0]
    level = None if best["certainty"] == "not assessed" else best["certainty"]
    meets = level is not None and (evidence.CERTAINTY_LEVELS.index(level)
                                   <= evidence.CERTAINTY_LEVELS.index(question.claim_level))
    found = best["_finding"]
    if found in _CLAIMED:
        verdict = "supported" if meets and found != "slight benefit" else "partly supported"
    elif found in _NULL and level in ("high", "moderate", "low"):
        verdict = "contradicted"
    else:
        verdict = "not found"
    reason = (f"{evidence.sof_statement(best)} ({best['review']} found {_FOUND[found]}, "
              f"{best['outcome_detail']}; {_certainty_words(best)})")
    if verdict == "partly supported" and found in _CLAIMED and not meets:
        reason += f"; the claim's wording needs {question.claim_level} certainty or better"
    # Rule 4: a review as direct as the best (intervention, population and design) that finds otherwise is
    # inconsistency, whatever its certainty (a graded review does not silence an ungraded one that found mixed
    # results); one of a weaker design is named, not counted.
    peers = ranked.iloc[1:]
    peers = peers[(peers["_i"] == best["_i"]) & (peers["_p"] == best["_p"])]
    claimed = peers["_finding"].isin(_CLAIMED)
    disagree = peers[~claimed] if found in _CLAIMED else peers[claimed]
    dissent = disagree[disagree["_d"] == best["_d"]]
    weaker = disagree[disagree["_d"] > best["_d"]]
    if not dissent.empty:
        verdict = "partly supported"
        others = ", ".join(f"{r['review']} ({_FOUND[r['_finding']]}; {_certainty_words(r)})"
                           for r in dissent.to_dict("records"))
        reason += f"; equally direct evidence disagrees: {others}"
    if not weaker.empty:
        others = ", ".join(f"{r['review']} ({r['design']}: {_FOUND[r['_finding']]})" for r in weaker.to_dict("records"))
        reason += f"; a weaker design finds otherwise, not counted against it: {others}"
    if best["intervention"] in _INDIRECT and verdict == "supported":
        verdict = "partly supported"
    if best["intervention"] in _INDIRECT:
        reason += f"; at most partly supported for {question.subject}: {_INDIRECT[best['intervention']]}"
    if not best["population_direct"]:
        reason += f"; population: {best['population']}"
    if len(ranked) > 1:
        reason += f"; also read: {', '.join(ranked['review'].iloc[1:])}"
    return Verdict(verdict, reason, " ".join(ranked["sof_id"]), str(ranked["published"].max()))


def _sof_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    return {key: verdict_from_sof(q, tables["summary_of_findings"]) for key, q in QUESTIONS.items()}


def _percentage_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    figures, context = tables["article_figures"], tables["burden_context"]
    compare = burden.article_vs_research(figures, context)
    out = {}
    lifetime = compare[(compare["article_id"] == "lifetime_prevalence")
                       & compare["measure"].str.startswith("Lifetime")]
    if lifetime.empty:
        out["lifetime_prevalence"] = Verdict("not found", "no published lifetime figure in our sources")
    else:
        row = lifetime.iloc[0]
        verdict = "partly supported" if bool(row["inside"]) else "contradicted"
        bounds = f"{row['low']:g}–{row['high']:g} %"
        reason = (f"inside the published lifetime range {bounds} ({row['source_id']}), near its top; no pooled figure"
                  if row["inside"] else f"outside the published lifetime range {bounds}")
        out["lifetime_prevalence"] = Verdict(verdict, reason)
    non_specific = compare[compare["article_id"] == "non_specific"]
    value = float(figures.set_index("id").loc["non_specific", "value"])
    if non_specific.empty:
        out["non_specific"] = Verdict("not found", "no published figure in our sources")
    else:
        row = non_specific.iloc[0]
        gap = abs(value - float(row["estimate"]))
        verdict = "supported" if gap <= 1 else "partly supported" if gap <= 5 else "contradicted"
        out["non_specific"] = Verdict(verdict, f"close to the WHO's approximate {row['estimate']:g} % "
                                               f"({row['source_id']}); neither figure has an interval")
    distress = context[context["article_figure_id"] == "psychological_distress"]
    out["psychological_distress"] = Verdict("not found", "no published figure asks the same question of the same "
                                            f"group; {len(distress)} survey figures on related questions only")
    return out


def _state_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    """Each of the article's six states, and the count, against ``us_states``: the verdict rests on the newest
    state-specific source (``status_as_of``); its date is the date the state was last confirmed (``last_confirmed``,
    a dated summary that lists the permitting states), which is the newest source behind it."""
    states = tables["us_states"]
    out = {}
    for row in states[states["article_prohibiting"]].itertuples():
        key = f"state_{row.postal_code.lower()}"
        confirmed = "" if pd.isna(row.last_confirmed) else f"{row.last_confirmed:%Y-%m}"
        listed = "still listed as permitting" if row.status == "permitted" else "not among the permitting states"
        also = f"; {listed} in a {row.last_confirmed:%b %Y} summary ({row.last_confirmed_by})" if confirmed else ""
        if row.status == "permitted":
            verdict = Verdict("outdated", f"permitted since {row.effective_date:%d %b %Y} ({row.source_id}){also}")
        elif row.status == "law passed, rules pending":
            verdict = Verdict("supported", f"a law passed ({row.effective_date:%d %b %Y}) but physical therapists "
                                           f"may not dry needle until its rules are written{also}")
        elif pd.isna(row.status_as_of):
            verdict = Verdict("partly supported", f"still prohibited, but the only state-specific source is undated "
                                                  f"({row.source_id}){also}")
        else:
            verdict = Verdict("supported", f"still prohibited; newest dated state-specific source "
                                           f"{row.status_as_of:%Y} ({row.source_id}){also}")
        dates = [d for d in (row.last_confirmed, row.status_as_of, row.effective_date) if not pd.isna(d)]
        out[key] = verdict._replace(evidence_as_of=f"{max(dates):%Y-%m}" if dates else "")
    now = regulation.still_prohibiting(states)
    stated = int(tables["article_figures"].set_index("id").loc["prohibiting_states", "value"])
    reason = (f"{len(now)} states prohibit today by the collection's definition ({', '.join(now)}); "
              f"the article says {stated}")
    if len(now) != stated:
        stopped = _first_change(states)
        reason += (f"; its list stopped being true on {stopped.effective_date:%d %b %Y}, when {stopped.name}'s law "
                   f"took effect ({stopped.source_id}), the first of its states to permit dry needling"
                   if stopped is not None else "; when its list stopped being true is not in the data")
    out["prohibiting_states"] = Verdict("outdated" if len(now) != stated else "supported", reason, "",
                                        max((v.evidence_as_of for v in out.values() if v.evidence_as_of), default=""))
    return out


def _first_change(states: pd.DataFrame):
    """The first of the article's prohibiting states to permit dry needling (its row), or None: the day the article's
    list of states stopped being true."""
    permits = (states["status"] == "permitted") & states["effective_date"].notna()
    changed = states[states["article_prohibiting"] & permits]
    return None if changed.empty else next(changed.sort_values(["effective_date", "postal_code"]).itertuples())


_PRECISION = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def _newest_source_date(rows: pd.DataFrame) -> str:
    """The newest publication date of the sources behind ``rows`` (``source_date``), written as precisely as its
    ``source_date_precision``; empty when every source is undated. In-force dates are not publication dates."""
    dated = rows.dropna(subset=["source_date"])
    if dated.empty:
        return ""
    newest = dated.sort_values("source_date").iloc[-1]
    return f"{newest['source_date']:{_PRECISION[newest['source_date_precision']]}}"


def _training_verdict(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    """The article's training hours against the enacted minimums in ``training_hours``: a state that sets the same
    number makes the claim partly supported (the article says most states, and the table covers only the states
    read; the other permitting jurisdictions are counted from ``us_states`` and said to be unread), none of the states
    read *not found*. The evidence is dated by the newest source behind the requirements in force."""
    hours = tables["training_hours"]
    stated = float(tables["article_figures"].set_index("id").loc["training_hours", "value"])
    seen = regulation.hours_vs_article(hours, stated)
    as_of = _newest_source_date(regulation.training_in_force(hours))
    states = tables["us_states"]
    permitting = set(states.loc[states["status"] == "permitted", "postal_code"])
    unread = len(permitting - set(regulation.training_in_force(hours)["state"]))
    spread = (f"{seen['n_differ']} of the {seen['n_states']} states read set other minimums ({seen['low']:g} to "
              f"{seen['high']:g} h); the other {unread} permitting jurisdictions were not read")
    if seen["equal"]:
        kinds = " and ".join(seen["equal_kinds"])
        return {"training_hours": Verdict("partly supported",
                                          f"{', '.join(seen['equal'])} set {stated:g} h ({kinds} source); {spread}",
                                          "", as_of)}
    return {"training_hours": Verdict("not found", f"no state read sets {stated:g} h: {spread}", "", as_of)}


def _side_effect_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    out = {}
    adverse = tables["adverse_events"]
    items = tables["article_items"]
    for row in items[items["figure_id"] == "side_effects"].itertuples():
        seen = adverse[adverse["article_item_id"] == row.id]
        if seen.empty:
            out[row.id] = Verdict("not found", "not counted by the surveys in our sources")
        else:
            rates = ", ".join(f"{r.study} {r.events_per_100_treatments:g} per 100" for r in seen.itertuples())
            out[row.id] = Verdict("supported", f"counted in prospective surveys: {rates}")
    return out


_TABLES = ["article_figures", "burden_context", "us_states", "training_hours", "adverse_events", "article_items"]


def computed_verdicts(data_dir=None) -> dict[str, Verdict]:
    """Claim id -> :class:`Verdict`, computed from the data for every claim a rule covers."""
    tables = {name: data.load(name, data_dir) for name in _TABLES}
    tables["summary_of_findings"] = evidence.summary_of_findings(data_dir)
    out: dict[str, Verdict] = {}
    for rule in (_percentage_verdicts, _state_verdicts, _training_verdict, _side_effect_verdicts, _sof_verdicts):
        out.update(rule(tables))
    return out


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def disagreements(data_dir=None) -> list[str]:
    """Ledger rows that disagree with the data, as readable lines (empty: all agree): a stored verdict, SoF link
    or evidence date other than the computed one; a *not found* without what was searched; a SoF id that does
    not exist; a verdict on evidence that names no SoF row."""
    claims = data.load("claims", data_dir)
    sof_ids = set(data.load("summary_of_findings", data_dir)["sof_id"])
    computed = computed_verdicts(data_dir)
    problems = []
    for row in claims.to_dict("records"):
        where = f"claims.csv, claim {row['id']}"
        got = computed.get(row["id"])
        if got is not None:
            if got.verdict != row["verdict"]:
                problems.append(f"{where}: stored verdict {row['verdict']!r}, the data now give {got.verdict!r} "
                                f"({got.reason})")
            if got.sof_ids != _text(row["sof_ids"]):
                problems.append(f"{where}: stored sof_ids {_text(row['sof_ids'])!r}, the data give {got.sof_ids!r}")
            if got.evidence_as_of is not None and got.evidence_as_of != _text(row["evidence_as_of"]):
                problems.append(f"{where}: stored evidence_as_of {_text(row['evidence_as_of'])!r}, the newest "
                                f"evidence is {got.evidence_as_of!r}")
        if row["computed"] and got is None:
            problems.append(f"{where}: marked computed but no rule computes it")
        if row["verdict"] == "not found" and not _text(row["searched"]):
            problems.append(f"{where}: 'not found' must say what was searched")
        for sof_id in _text(row["sof_ids"]).split():
            if sof_id not in sof_ids:
                problems.append(f"{where}: sof_ids names {sof_id!r}, which is not in summary_of_findings.csv")
        if row["id"] in QUESTIONS and not _text(row["sof_ids"]) and row["verdict"] != "not found":
            problems.append(f"{where}: an evidence verdict must name the SoF rows it rests on")
    return problems


def ledger(data_dir=None) -> pd.DataFrame:
    """The ledger as a reader takes it in: verdict, claim, reason, scope, the evidence's date, where to read more."""
    claims = data.load("claims", data_dir)
    order = {v: i for i, v in enumerate(VERDICTS)}
    out = claims.assign(rank=claims["verdict"].map(order))
    return out[["verdict", "claim", "reason", "scope", "evidence_as_of", "sof_ids", "notebook", "section", "as_of",
                "review_by"]]
