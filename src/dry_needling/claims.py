"""The claims ledger: one dated verdict for every claim of the article.

``data/claims.csv`` stores, for each claim, our paraphrase, a verdict from :data:`VERDICTS`, the rule or
evidence behind it, the date it holds as of and when it should be checked again. Verdicts that can be
computed from the data are computed here (:func:`computed_verdicts`), never typed: a test checks that the
stored verdicts equal the computed ones, so a data update that changes a verdict fails the suite until the
ledger is updated too.
"""

from __future__ import annotations

import pandas as pd

from . import burden, data, evidence, regulation

__all__ = ["VERDICTS", "computed_verdicts", "ledger", "disagreements"]

#: The fixed set of verdicts, strongest support first.
VERDICTS = ["supported", "partly supported", "not supported", "contradicted", "outdated", "no source given"]


def _percentage_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[str, str]]:
    figures, context = tables["article_figures"], tables["burden_context"]
    compare = burden.article_vs_research(figures, context)
    out = {}
    lifetime = compare[(compare["article_id"] == "lifetime_prevalence")
                       & compare["measure"].str.startswith("Lifetime")]
    if lifetime.empty:
        out["lifetime_prevalence"] = ("not supported", "no published lifetime figure in our sources")
    else:
        row = lifetime.iloc[0]
        verdict = "partly supported" if bool(row["inside"]) else "contradicted"
        out["lifetime_prevalence"] = (verdict, f"inside the published lifetime range {row['low']:g}–{row['high']:g} % "
                                      f"({row['source_id']}), near its top; no pooled figure" if row["inside"] else
                                      f"outside the published lifetime range {row['low']:g}–{row['high']:g} %")
    non_specific = compare[compare["article_id"] == "non_specific"]
    value = float(figures.set_index("id").loc["non_specific", "value"])
    if non_specific.empty:
        out["non_specific"] = ("not supported", "no published figure in our sources")
    else:
        row = non_specific.iloc[0]
        gap = abs(value - float(row["estimate"]))
        verdict = "supported" if gap <= 1 else "partly supported" if gap <= 5 else "contradicted"
        out["non_specific"] = (verdict, f"close to the WHO's approximate {row['estimate']:g} % ({row['source_id']}); "
                                        "neither figure has an interval")
    distress = context[context["article_figure_id"] == "psychological_distress"]
    out["psychological_distress"] = ("not supported", "no published figure asks the same question of the same group; "
                                     f"{len(distress)} survey figures on related questions only")
    return out


def _state_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[str, str]]:
    states = tables["us_states"]
    out = {}
    for row in states[states["article_prohibiting"]].itertuples():
        key = f"state_{row.postal_code.lower()}"
        if row.status == "permitted":
            out[key] = ("outdated", f"permitted since {row.effective_date:%d %b %Y} ({row.source_id})")
        elif row.status == "law passed, rules pending":
            out[key] = ("supported", f"a law passed ({row.effective_date:%d %b %Y}) but physical therapists may not "
                                     "dry needle until its rules are written")
        elif pd.isna(row.status_as_of):
            out[key] = ("partly supported", f"still prohibited, but only undated sources say so ({row.source_id})")
        else:
            out[key] = ("supported", f"still prohibited; newest dated source {row.status_as_of:%Y} ({row.source_id})")
    now = regulation.still_prohibiting(states)
    stated = int(tables["article_figures"].set_index("id").loc["prohibiting_states", "value"])
    out["prohibiting_states"] = ("outdated" if len(now) != stated else "supported",
                                 f"{len(now)} states prohibit today by the collection's definition "
                                 f"({', '.join(now)}); the article says {stated}")
    return out


def _training_verdict(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[str, str]]:
    training = tables["training_facts"]
    stated = float(tables["article_figures"].set_index("id").loc["training_hours", "value"])
    enacted = training[(training["unit"] == "hours") & (training["source_id"] != "sh_dry_needling")
                       & ~training["id"].str.contains("sunrise|didactic")]
    if (enacted["value"] == stated).any():
        return {"training_hours": ("supported", "an enacted requirement equals the article's hours")}
    found = ", ".join(f"{r.jurisdiction} {r.value:g} h" for r in enacted.itertuples())
    return {"training_hours": ("not supported", f"only a rejected 2016 Washington proposal had {stated:g} h; "
                                                f"enacted rules found: {found}")}


def _item_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[str, str]]:
    out = {}
    for row in tables["benefit_evidence"].itertuples():
        verdict = {"direct": "supported", "indirect": "partly supported"}.get(row.evidence, "not supported")
        out[row.item_id] = (verdict, f"evidence in our sources: {row.evidence}")
    adverse = tables["adverse_events"]
    items = tables["article_items"]
    for row in items[items["figure_id"] == "side_effects"].itertuples():
        seen = adverse[adverse["article_item_id"] == row.id]
        if seen.empty:
            out[row.id] = ("not supported", "not counted by the surveys in our sources")
        else:
            rates = ", ".join(f"{r.study} {r.events_per_100_treatments:g} per 100" for r in seen.itertuples())
            out[row.id] = ("supported", f"counted in prospective surveys: {rates}")
    return out


def _bottom_line_verdicts(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[str, str]]:
    table = evidence.bottom_line(tables["pooled_estimates"]).set_index("comparison_group")
    out = {}
    for key, group in (("bottom_line_no_treatment", "vs no intervention"), ("bottom_line_sham", "vs sham"),
                       ("bottom_line_other", "vs other treatments")):
        row = table.loc[group]
        level = row["wording_level"] if isinstance(row["wording_level"], str) else None
        verdict = ("supported" if level in ("high", "moderate") else "partly supported" if level == "low"
                   else "not supported")
        out[key] = (verdict, row["statement"])
    return out


def computed_verdicts(data_dir=None) -> dict[str, tuple[str, str]]:
    """Claim id -> (verdict, one-line reason), computed from the data for every claim a rule covers."""
    names = ["article_figures", "burden_context", "us_states", "training_facts", "benefit_evidence",
             "adverse_events", "article_items", "pooled_estimates"]
    tables = {name: data.load(name, data_dir) for name in names}
    out: dict[str, tuple[str, str]] = {}
    for rule in (_percentage_verdicts, _state_verdicts, _training_verdict, _item_verdicts, _bottom_line_verdicts):
        out.update(rule(tables))
    return out


def disagreements(data_dir=None) -> list[str]:
    """Claims whose stored verdict differs from the computed one, as readable lines (empty: all agree)."""
    claims = data.load("claims", data_dir)
    computed = computed_verdicts(data_dir)
    problems = []
    for row in claims.itertuples():
        if row.id in computed and computed[row.id][0] != row.verdict:
            problems.append(f"claims.csv, claim {row.id}: stored verdict {row.verdict!r}, the data now give "
                            f"{computed[row.id][0]!r} ({computed[row.id][1]})")
        if row.computed and row.id not in computed:
            problems.append(f"claims.csv, claim {row.id}: marked computed but no rule computes it")
    return problems


def ledger(data_dir=None) -> pd.DataFrame:
    """The ledger as a reader takes it in: verdict, claim, one-line reason, where to read more, as of."""
    claims = data.load("claims", data_dir)
    order = {v: i for i, v in enumerate(VERDICTS)}
    out = claims.assign(rank=claims["verdict"].map(order))
    return out[["verdict", "claim", "reason", "notebook", "section", "as_of", "review_by"]]
