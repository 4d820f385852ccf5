"""Who may dry needle: the article's list of prohibiting states against the newest dated sources."""

from __future__ import annotations

import pandas as pd

__all__ = ["STATUS_ORDER", "PROHIBITING", "article_vs_newest", "status_counts", "still_prohibiting",
           "prohibiting_now", "count_drift", "status_on", "timeline_lanes", "last_confirmed", "inferred_window",
           "training_in_force", "hours_vs_article"]

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
    """The states :func:`still_prohibiting` counts, with whether a dated source about the state backs each
    status (``dated``), the date of that source (``status_as_of``, empty when only undated state-specific sources
    say so) and when any dated source, multi-state summaries included, last confirmed it (``last_confirmed``)."""
    rows = states[states["status"].isin(PROHIBITING)].copy()
    rows["dated"] = rows["status_as_of"].notna()
    return rows[["postal_code", "name", "status", "status_as_of", "dated", "source_id", "last_confirmed"]].sort_values(
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


def timeline_lanes(events: pd.DataFrame) -> list[str]:
    """The timeline's lanes: national events ("US") first, then each state in the order of its first event."""
    ordered = events.sort_values(["date", "id"])
    states = list(dict.fromkeys(ordered.loc[ordered["state"] != "US", "state"]))
    return (["US"] if (events["state"] == "US").any() else []) + states


def last_confirmed(states: pd.DataFrame, codes) -> pd.DataFrame:
    """When the status of each state in ``codes`` was last confirmed: the newest dated source about the state
    itself (``status_as_of``, with ``source_id``) and the newest dated source of any kind that still gives the
    status (``last_confirmed``, with ``last_confirmed_by``), in the order of ``codes``."""
    table = states.set_index("postal_code")
    missing = [c for c in codes if c not in table.index]
    if missing:
        raise ValueError(f"no such state in the table: {missing}")
    cols = ["name", "status", "status_as_of", "source_id", "last_confirmed", "last_confirmed_by"]
    return table.loc[list(codes), cols].reset_index()


def inferred_window(states: pd.DataFrame, listed, dropped) -> dict:
    """The dates between which a list of prohibiting states (``listed``) could have matched the law, if an older
    count also included the states in ``dropped``: from the day the last of ``dropped`` had a permitting law in
    force, to the day the first of ``listed`` did. An inference from ``effective_date``, not a source's statement.

    Returns ``start``, ``start_state``, ``end`` (None when no listed state permits yet) and ``end_state``.
    Raises ``ValueError`` when a dropped state does not permit dry needling or has no ``effective_date``.
    """
    table = states.set_index("postal_code")
    in_force = table.index[(table["status"] == "permitted") & table["effective_date"].notna()]
    for code in dropped:
        if code not in in_force:
            raise ValueError(f"{code}: the inference needs a state that now permits dry needling, with the date its "
                             "law took effect (us_states.effective_date)")
    start_state = max(dropped, key=lambda c: table.loc[c, "effective_date"])
    permitting = [c for c in listed if c in in_force]
    end_state = min(permitting, key=lambda c: table.loc[c, "effective_date"]) if permitting else None
    return {"start": table.loc[start_state, "effective_date"], "start_state": start_state,
            "end": table.loc[end_state, "effective_date"] if end_state else None, "end_state": end_state}


def training_in_force(hours: pd.DataFrame, profession: str = "physical therapists") -> pd.DataFrame:
    """The minimum training hours in force for ``profession`` (``training_hours`` rows without an
    ``in_force_until`` and not ``superseded_by`` a newer row), fewest hours first, with the date each row can be
    placed at (``as_of``: when the requirement took effect, else the date of the source; empty when neither is
    known), whether it is dated, and the date of the source read (``source_date``, with its precision)."""
    current = hours["in_force_until"].isna()
    if "superseded_by" in hours:
        current &= hours["superseded_by"].isna()
    rows = hours[(hours["profession"] == profession) & current].copy()
    if rows.empty:
        raise ValueError(f"no training requirement in force for {profession!r}")
    rows["as_of"] = rows["in_force_from"].fillna(rows["source_date"])
    rows["dated"] = rows["as_of"].notna()
    cols = ["state", "hours", "what_the_hours_are", "practice_years", "as_of", "dated", "source_kind", "source_id",
            "source_date", "source_date_precision"]
    return rows.sort_values(["hours", "state"])[cols].reset_index(drop=True)


def hours_vs_article(hours: pd.DataFrame, stated: float) -> dict:
    """The article's training hours (``stated``) against the enacted minimums for physical therapists:
    the states whose minimum equals it (``equal``) and from what kind of source (``equal_kinds``), the lowest and
    highest minimum (``low``, ``high``), how many states the table covers (``n_states``) and how many of them have
    at least one minimum that differs (``n_differ``)."""
    table = training_in_force(hours)
    equal = table[table["hours"] == stated]
    differ = table[table["hours"] != stated]
    return {"equal": sorted(set(equal["state"])), "equal_kinds": sorted(set(equal["source_kind"])),
            "low": float(table["hours"].min()), "high": float(table["hours"].max()),
            "n_states": int(table["state"].nunique()), "n_differ": int(differ["state"].nunique())}
