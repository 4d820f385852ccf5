"""Who may dry needle: the article's list of prohibiting states against the newest dated sources."""

from __future__ import annotations

import pandas as pd

__all__ = ["STATUS_ORDER", "article_vs_newest", "status_counts", "still_prohibiting", "status_on"]

#: Status values in the order charts and tables show them.
STATUS_ORDER = ["prohibited", "law passed, rules pending", "silent", "permitted", "not covered"]


def article_vs_newest(states: pd.DataFrame) -> pd.DataFrame:
    """The states the article names, each with the status and date in the newest source."""
    named = states[states["article_prohibiting"]].copy()
    named["changed"] = named["status"] != "prohibited"
    cols = ["postal_code", "name", "status", "effective_date", "changed", "source_id", "note"]
    return named[cols].sort_values(["changed", "name"]).reset_index(drop=True)


def status_counts(states: pd.DataFrame) -> pd.Series:
    """Number of states (and DC) per status, in :data:`STATUS_ORDER` (zeros kept)."""
    unknown = set(states["status"]) - set(STATUS_ORDER)
    if unknown:
        raise ValueError(f"unknown status value(s): {sorted(unknown)}")
    return states["status"].value_counts().reindex(STATUS_ORDER, fill_value=0)


def still_prohibiting(states: pd.DataFrame) -> list[str]:
    """Postal codes whose newest source shows a ban in force with no law passed to lift it."""
    return sorted(states.loc[states["status"] == "prohibited", "postal_code"])


def status_on(events: pd.DataFrame, date) -> pd.DataFrame:
    """Each state's most recent permitting or prohibiting event on or before ``date``.

    Later events override earlier ones (a 2017 attorney-general opinion overrides a 2009 board
    view). States with no such event by then are absent: our sources say nothing about them.
    """
    when = pd.Timestamp(date)
    decisive = events[events["kind"].isin(["permitted", "prohibited"]) & (events["date"] <= when)]
    latest = decisive.sort_values(["state", "date"]).groupby("state", as_index=False).tail(1)
    return latest[["state", "date", "kind", "event", "source_id"]].reset_index(drop=True)
