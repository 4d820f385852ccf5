"""Who may dry needle: the article's list of prohibiting states against the newest dated sources."""

from __future__ import annotations

import pandas as pd

__all__ = ["STATUS_ORDER", "PROHIBITING", "article_vs_newest", "status_counts", "still_prohibiting",
           "prohibiting_now", "count_drift", "status_on"]

#: Status values in the order charts and tables show them.
STATUS_ORDER = ["prohibited", "law passed, rules pending", "silent", "permitted", "not covered"]

#: The one definition of "prohibits" used everywhere in the collection: a physical therapist may not
#: dry needle a patient *today*. A law that has passed but cannot be used until its rules are written
#: (Oregon, 2025) still prohibits in this sense.
PROHIBITING = ("prohibited", "law passed, rules pending")


def article_vs_newest(states: pd.DataFrame) -> pd.DataFrame:
    """The states the article names, each with the status and date in the newest source."""
    named = states[states["article_prohibiting"]].copy()
    named["changed"] = named["status"] != "prohibited"
    named["prohibits_today"] = named["status"].isin(PROHIBITING)
    cols = ["postal_code", "name", "status", "effective_date", "changed", "prohibits_today", "source_id", "note"]
    return named[cols].sort_values(["changed", "name"]).reset_index(drop=True)


def status_counts(states: pd.DataFrame) -> pd.Series:
    """Number of states (and DC) per status, in :data:`STATUS_ORDER` (zeros kept)."""
    unknown = set(states["status"]) - set(STATUS_ORDER)
    if unknown:
        raise ValueError(f"unknown status value(s): {sorted(unknown)}")
    return states["status"].value_counts().reindex(STATUS_ORDER, fill_value=0)


def still_prohibiting(states: pd.DataFrame) -> list[str]:
    """Postal codes where, in the newest source, a physical therapist may not dry needle today
    (:data:`PROHIBITING`: a ban in force, or a law passed whose rules are still pending)."""
    return sorted(states.loc[states["status"].isin(PROHIBITING), "postal_code"])


def prohibiting_now(states: pd.DataFrame) -> pd.DataFrame:
    """The states :func:`still_prohibiting` counts, with whether a dated source backs each status
    (``dated``) and the date of that source (``status_as_of``, empty when only undated sources say so)."""
    rows = states[states["status"].isin(PROHIBITING)].copy()
    rows["dated"] = rows["status_as_of"].notna()
    return rows[["postal_code", "name", "status", "status_as_of", "dated", "source_id"]].sort_values(
        "postal_code").reset_index(drop=True)


def status_on(events: pd.DataFrame, date) -> pd.DataFrame:
    """Each state's most recent permitting or prohibiting event on or before ``date``.

    Later events override earlier ones (a 2017 attorney-general opinion overrides a 2009 board
    view). States with no such event by then are absent: our sources say nothing about them.
    """
    when = pd.Timestamp(date)
    decisive = events[events["kind"].isin(["permitted", "prohibited"]) & (events["date"] <= when)]
    latest = decisive.sort_values(["state", "date"]).groupby("state", as_index=False).tail(1)
    return latest[["state", "date", "kind", "event", "source_id"]].reset_index(drop=True)


def count_drift(counts: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Each source's count of prohibiting states (``prohibiting_counts``), whether it is dated, and the newest
    sources' count by this collection's definition split into its dated and undated parts."""
    drift = counts.assign(dated=counts["as_of"].notna())[["label", "count", "dated", "source_id"]]
    now = prohibiting_now(states)
    newest = pd.DataFrame([
        {"label": "Newest sources, dated (this collection)", "count": int(now["dated"].sum()), "dated": True,
         "source_id": "us_states.csv"},
        {"label": "Newest sources, undated (this collection)", "count": int((~now["dated"]).sum()), "dated": False,
         "source_id": "us_states.csv"}])
    return pd.concat([drift, newest], ignore_index=True)
