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

The certainty a claim needs is read from its own wording (:func:`claim_level`: "may" is low, a flat statement high).

The other verdicts come from their own tables, and so do their reasons: the article's percentages from the rows of
``burden_context`` that measure the same thing (:data:`PERCENT_QUESTIONS`; inside or outside a published range, or
the distance from a point value), the states from ``us_states``, the training hours from ``training_hours`` (more
than half of the states read setting the article's number is *supported*), the side effects from the counts in
``adverse_events``. A test checks that the stored verdicts, their SoF rows and dates equal the computed ones, so a
data update that changes a verdict fails the suite until the ledger is updated too; :func:`stale_reasons` lists
stored reasons that are not the rules' own words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import burden, data, evidence, regulation

__all__ = ["VERDICTS", "DESIGN_RANK", "Question", "QUESTIONS", "PERCENT_QUESTIONS", "Verdict", "claim_level",
           "verdict_from_sof", "computed_verdicts", "verdicts_from", "load_tables", "TABLES", "ledger",
           "disagreements", "stale_reasons"]

#: The fixed set of verdicts, strongest support first.
VERDICTS = ["supported", "partly supported", "contradicted", "outdated", "not found", "not checked"]


@dataclass(frozen=True)
class Question:
    """What an evidence claim asks of the SoF table: which comparisons (None: any), which outcome, and the
    certainty its own wording claims ('low' for "evidence suggests ... may", 'high' for a flat statement).
    For the ledger's claims the certainty is read from the claim's wording (:func:`claim_level`)."""

    comparisons: tuple[str, ...] | None
    outcome: str
    claim_level: str = "high"
    subject: str = "dry needling"


#: Every claim whose verdict is derived from the SoF table, with the comparison and outcome it asks about; the
#: certainty it needs comes from its own wording in claims.csv, not from here.
QUESTIONS = {
    "bottom_line_no_treatment": Question(("vs no treatment",), "pain"),
    "bottom_line_sham": Question(("vs sham",), "pain"),
    "bottom_line_other": Question(("vs other treatments",), "pain"),
    "part_of_programme": Question(("combined vs dry needling alone",), "pain"),
    "benefit_blood_flow": Question(None, "blood flow"),
    "benefit_less_banding": Question(None, "muscle stiffness"),
    "benefit_biochemical": Question(None, "biochemical markers"),
    "benefit_electrical": Question(None, "spontaneous electrical activity"),
}


def claim_level(claim: str) -> str:
    """The certainty a claim's own wording asserts, by GRADE's informative statements
    (:func:`dry_needling.evidence.wording_certainty`): 'very low' for "uncertain", 'low' for "may" or "suggests",
    'moderate' for "probably", and 'high' for a flat statement of an effect ("increases", "causes")."""
    return evidence.wording_certainty(claim) or "high"


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
    ).sort_values(["_i", "_p", "_d", "_c", "_recent"], ascending=[True, True, True, True, False])
    # (pandas sorts on several columns stably: rows that tie keep the table's order; its `kind` applies to one column)
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
    wording = tables["claims"].set_index("id")["claim"]
    missing = [key for key in QUESTIONS if key not in wording.index]
    if missing:
        raise ValueError(f"claims.csv has no row for {', '.join(missing)} (claims.QUESTIONS asks about it)")
    return {key: verdict_from_sof(replace(q, claim_level=claim_level(wording[key])), tables["summary_of_findings"])
            for key, q in QUESTIONS.items()}


#: What each of the article's percentages measures, as ``burden_context.measure`` names it: a published row with
#: that measure answers the claim; other rows linked to the figure are context on related questions. (The question,
#: like :data:`QUESTIONS`; which rows answer it, and what they say, comes from the data.)
PERCENT_QUESTIONS = {
    "lifetime_prevalence": "Lifetime prevalence of low back pain",
    "non_specific": "Share of low back pain cases that are non-specific",
    "psychological_distress": "Share of people with chronic back pain whose sadness, worthlessness or hopelessness "
                              "interferes with life",
}

#: How far, in percentage points, an article's figure may lie from a published point value without an interval:
#: within 1 point it is supported, within 5 partly supported, further away contradicted.
_CLOSE, _NEAR = 1.0, 5.0


def _figure(row) -> str:
    """A published percentage as a reader takes it in: its range, or its point value."""
    if not pd.isna(row.low) and not pd.isna(row.high):
        return f"{row.low:g}–{row.high:g} %"
    return f"{row.estimate:g} %"


def _percentage_verdict(value: float, rows: pd.DataFrame, related: pd.DataFrame) -> Verdict:
    """One article percentage against the published rows that measure the same thing (``rows``, data order)."""
    if rows.empty:
        seen = "; ".join(f"{r.label}: {_figure(r)}" for r in related.itertuples())
        return Verdict("not found", f"no published figure in our sources measures this; {len(related)} on related "
                                    f"measures only ({seen})" if len(related) else
                                    "no published figure in our sources measures this")
    row = rows.iloc[0]
    if not pd.isna(row["low"]) and not pd.isna(row["high"]):
        inside = row["low"] <= value <= row["high"]
        # A range across studies brackets the figure without estimating it: inside is partly supported.
        return Verdict("partly supported" if inside else "contradicted",
                       f"{value:g} % lies {'inside' if inside else 'outside'} the published range for "
                       f"{row['measure'][0].lower()}{row['measure'][1:]}, {row['low']:g}–{row['high']:g} % "
                       f"({row['source_id']}: a {row['interval']}, not one estimate)")
    gap = abs(value - float(row["estimate"]))
    verdict = "supported" if gap <= _CLOSE else "partly supported" if gap <= _NEAR else "contradicted"
    return Verdict(verdict, f"{value:g} % is {gap:g} percentage points from {row['label']}: {row['interval']} "
                            f"{row['estimate']:g} % ({row['source_id']}); neither figure has an interval")


def _percentage_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    """Each of the article's burden percentages (:data:`PERCENT_QUESTIONS`) against the published rows of
    ``burden_context`` that measure the same thing: inside or outside a published range, or its distance from a
    published point value; *not found* when no row measures it (the related rows are named)."""
    figures = tables["article_figures"].set_index("id")
    # The rows as notebook 01 charts them: a mean with its standard error carries its 95 % interval.
    compare = burden.article_vs_research(tables["article_figures"], tables["burden_context"])
    out = {}
    for key, measure in PERCENT_QUESTIONS.items():
        linked = compare[compare["article_id"] == key]
        same = linked["measure"] == measure
        out[key] = _percentage_verdict(float(figures.loc[key, "value"]), linked[same], linked[~same])
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
        # effective_date may be empty ("not given"): the verdict stands, the date is left out.
        dated = "" if pd.isna(row.effective_date) else f"{row.effective_date:%d %b %Y}"
        if row.status == "permitted":
            since = f" since {dated}" if dated else ", date not given"
            verdict = Verdict("outdated", f"permitted{since} ({row.source_id}){also}")
        elif row.status == "law passed, rules pending":
            when = f" ({dated})" if dated else ""
            verdict = Verdict("supported", f"a law passed{when} but physical therapists "
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
    read; the other permitting jurisdictions are counted from ``us_states`` and said to be unread), *supported* only
    when more than half of all permitting jurisdictions, read or not, are known to set it; none of the states read
    is *not found*. The evidence is dated by the newest source behind the requirements in force."""
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
        most = len(seen["equal"]) > (seen["n_states"] + unread) / 2  # the article says "most states"
        return {"training_hours": Verdict("supported" if most else "partly supported",
                                          f"{', '.join(seen['equal'])} set {stated:g} h ({kinds} source); {spread}",
                                          "", as_of)}
    return {"training_hours": Verdict("not found", f"no state read sets {stated:g} h: {spread}", "", as_of)}


def _side_effect_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    """Each side effect the article lists against ``adverse_events``: *supported* when a study counts it (the
    rates, with their denominators, are the reason), *not found* when none does (the studies read are named)."""
    out = {}
    adverse = tables["adverse_events"]
    items = tables["article_items"]
    studies = ", ".join(dict.fromkeys(adverse["study"]))
    for row in items[items["figure_id"] == "side_effects"].itertuples():
        seen = adverse[adverse["article_item_id"] == row.id]
        if seen.empty:
            out[row.id] = Verdict("not found", f"not among the events counted by {studies}")
        else:
            rates = ", ".join(f"{r.study} {r.events_per_100_treatments:g} per 100 {r.denominator_unit} "
                              f"({r.event.lower()})" for r in seen.itertuples())
            out[row.id] = Verdict("supported", f"counted: {rates}")
    return out


#: The tables the verdict rules read (besides the Summary-of-Findings table).
TABLES = ["claims", "article_figures", "burden_context", "us_states", "training_hours", "adverse_events",
          "article_items"]


def load_tables(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """The tables the verdict rules read (:data:`TABLES`), loaded and validated, with the checked SoF table."""
    every = data.load_all(data_dir)  # the package is validated once, not once per table
    tables = {name: every[name] for name in TABLES}
    tables["summary_of_findings"] = evidence.summary_of_findings(table=every["summary_of_findings"])
    return tables


def verdicts_from(tables: dict[str, pd.DataFrame]) -> dict[str, Verdict]:
    """Claim id -> :class:`Verdict` for every claim a rule covers, from tables as :func:`load_tables` gives them
    (the rules themselves: no file is read, so a test or a what-if can hand in edited tables)."""
    out: dict[str, Verdict] = {}
    for rule in (_percentage_verdicts, _state_verdicts, _training_verdict, _side_effect_verdicts, _sof_verdicts):
        out.update(rule(tables))
    return out


def computed_verdicts(data_dir: str | Path | None = None) -> dict[str, Verdict]:
    """Claim id -> :class:`Verdict`, computed from the data for every claim a rule covers."""
    return verdicts_from(load_tables(data_dir))


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)


def disagreements(data_dir: str | Path | None = None) -> list[str]:
    """Ledger rows that disagree with the data, as readable lines (empty: all agree): a stored verdict, SoF link
    or evidence date other than the computed one; a *not found* without what was searched; a SoF id that does
    not exist; a verdict on evidence that names no SoF row."""
    tables = load_tables(data_dir)
    claims = tables["claims"]
    sof_ids = set(tables["summary_of_findings"]["sof_id"])
    computed = verdicts_from(tables)
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


def stale_reasons(data_dir: str | Path | None = None) -> list[str]:
    """Computed claims whose stored ``reason`` is not the one the rules give, as readable lines (empty: all agree).
    The ledger's reader sees the stored reason, so it must be the rule's own words, never a sentence typed beside
    it; kept apart from :func:`disagreements` so that a change of wording is told apart from a change of verdict."""
    tables = load_tables(data_dir)
    claims = tables["claims"].set_index("id")
    return [f"claims.csv, claim {key}: stored reason {_text(claims.loc[key, 'reason'])!r}, the rules give "
            f"{got.reason!r}" for key, got in verdicts_from(tables).items()
            if key in claims.index and _text(claims.loc[key, "reason"]) != got.reason]


def ledger(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The ledger as a reader takes it in, in the table's order: verdict, claim, reason, scope, the evidence's date,
    the SoF rows, where to read more, when it was checked and when to check again."""
    return data.load("claims", data_dir)[["verdict", "claim", "reason", "scope", "evidence_as_of", "sof_ids",
                                          "notebook", "section", "as_of", "review_by"]]
