"""The claims ledger and staleness: stored verdicts equal the ones computed from the data, and rows past
their review date are listed (a warning, never an error)."""

from __future__ import annotations

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
