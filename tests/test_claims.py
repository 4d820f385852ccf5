"""The claims ledger and staleness: stored verdicts equal the ones computed from the data, and rows past
their review date are listed (a warning, never an error)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

from dry_needling import claims, data, paths, staleness


def test_claims_validate_and_cover_the_article():
    ledger = data.load("claims")
    assert set(ledger["verdict"]) <= set(claims.VERDICTS)
    figures = set(data.load("article_figures")["id"])
    items = set(data.load("article_items")["id"])
    states = set(data.load("article_states")["postal_code"])
    refs = set(ledger["article_ref"].dropna())
    assert (figures - {"reported_benefits", "side_effects"}) <= refs, "every figure of the article has a claim"
    assert items <= refs and states <= refs
    assert {"bottom_line_no_treatment", "bottom_line_sham", "bottom_line_other"} <= set(ledger["id"])


def test_stored_verdicts_equal_the_computed_ones():
    assert claims.disagreements() == []
    ledger = data.load("claims").set_index("id")
    computed = claims.computed_verdicts()
    assert ledger["computed"].sum() == len(computed)
    assert ledger.loc["state_nj", "verdict"] == "outdated" and ledger.loc["prohibiting_states", "verdict"] == "outdated"


def test_a_data_change_that_changes_a_verdict_fails(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    states = folder / "us_states.csv"
    text = states.read_text(encoding="utf-8")
    # Suppose California passed a law permitting dry needling: the ledger's verdict is now stale.
    old = text.split("\nCA,", 1)[1].split("\n", 1)[0]
    states.write_text(text.replace("\nCA," + old, "\nCA," + old.replace(",prohibited,,", ",permitted,2026-01-01,", 1)),
                      encoding="utf-8")
    problems = claims.disagreements(folder)
    assert any("claim state_ca" in p and "'outdated'" in p for p in problems), problems


def test_stale_rows_are_listed_as_a_warning():
    rows = staleness.overdue("2030-01-01")
    tables = {r.table for r in rows}
    assert {"us_states", "training_facts", "claims", "recommendations", "prohibiting_counts"} <= tables
    assert staleness.overdue("2026-11-29") == []
    assert staleness.next_review() <= min(r.review_by for r in rows)
    result = subprocess.run([sys.executable, "-m", "dry_needling", "validate", "--stale", "--as-of", "2030-01-01"],
                            capture_output=True, text=True, cwd=paths.ROOT)
    assert result.returncode == 0
    assert "past their review date as of 2030-01-01" in result.stdout and "us_states.csv, OR" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "dry_needling", "validate", "--as-of", "tomorrow"],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def _copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    return folder


def _set(path, key, **values):
    """Set columns of the row whose first column is ``key`` in a copied CSV (written back as csv writes it)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    hits = [r for r in rows if r[next(iter(r))] == key]
    assert len(hits) == 1, key
    hits[0].update(values)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_an_outdated_count_says_when_it_stopped_being_true(tmp_path):
    """The article's six states stopped being right when the first of them permitted dry needling: New Jersey, whose
    law took effect on 18 April 2022 (nj_consumer_affairs). The date is computed from ``us_states``."""
    reason = claims.computed_verdicts()["prohibiting_states"].reason
    assert "stopped being true on 18 Apr 2022, when New Jersey's law took effect (nj_consumer_affairs)" in reason
    folder = _copy(tmp_path)
    _set(folder / "us_states.csv", "WA", effective_date="2021-01-05")
    moved = claims.computed_verdicts(folder)["prohibiting_states"].reason
    assert "stopped being true on 05 Jan 2021, when Washington's law took effect (wa_wsr_24_11_160)" in moved


def test_the_training_verdict_is_dated_by_its_newest_source_not_by_an_in_force_date(tmp_path):
    """evidence_as_of is the newest publication date of a source behind the requirements in force: the Washington
    summary of 19 May 2023 (ptmanagement_wa_2023), not the date a requirement took effect."""
    shipped = claims.computed_verdicts()["training_hours"]
    assert shipped.evidence_as_of == "2023-05-19"
    assert "7 of the 8 states read set other minimums" in shipped.reason
    assert "the other 32 permitting jurisdictions were not read" in shipped.reason
    assert "most states" not in shipped.reason
    folder = _copy(tmp_path)
    # A later in-force date changes nothing; a newer dated source does, at its own precision.
    _set(folder / "training_hours.csv", "ga_pphc", in_force_from="2025-03-01")
    assert claims.computed_verdicts(folder)["training_hours"].evidence_as_of == "2023-05-19"
    _set(folder / "training_hours.csv", "ga_pphc", source_date="2025-03-01", source_date_precision="month")
    assert claims.computed_verdicts(folder)["training_hours"].evidence_as_of == "2025-03"
