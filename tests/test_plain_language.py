"""Plain-language summaries (issue 24, item 5): at the top of every notebook, and so of every report page, a summary
for readers coming from the magazine, in Cochrane's plain-language structure (key messages first, how sure we are in
words, what it means for the reader), at a reading grade of 8 or below, its numbers bound to the data and its
certainty words bound to the Summary-of-Findings table and the claims ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dry_needling import paths, prose, readability

NOTEBOOKS = paths.notebook_files()
PARTS = ["## Plain-language summary", "**Key messages**", "**How sure we are.**", "**What this means for you.**"]


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _summary(notebook: Path) -> dict:
    nb = {"cells": _cells(notebook)}
    (index,) = prose.summary_cells(nb)
    return nb["cells"][index]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_the_summary_comes_right_after_the_title_in_its_parts_and_order(notebook):
    cells = _cells(notebook)
    assert prose.summary_cells({"cells": cells}) == [1], "one summary, the cell right after the title"
    assert "".join(cells[0]["source"]).startswith("# ") and "\n" not in "".join(cells[0]["source"]).strip()
    text = "".join(cells[1]["source"])
    positions = [text.find(part) for part in PARTS]
    assert positions[0] == 0 and positions == sorted(positions) and -1 not in positions, positions
    key_messages = text[positions[1]:positions[2]]
    assert key_messages.count("\n- ") >= 2, "the key messages are a short list"


def test_every_summary_reads_at_grade_8_or_below():
    texts = {nb.name: "".join(_summary(nb)["source"]) for nb in NOTEBOOKS}
    assert not readability.too_hard(texts), readability.too_hard(texts)
    assert readability.MAX_GRADE == 8.0


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_a_summary_is_bound_to_data_and_none_is_waved_through(notebook):
    cell = _summary(notebook)
    marks = cell["metadata"].get("dry_needling", {})
    assert "not_data" not in marks, "a summary's numbers are all data: bind them"
    numbers = prose.numbers_in("".join(cell["source"]))
    bound_keys = marks.get("bind", {})
    assert all(any(n.text in key for key in bound_keys) for n in numbers), [n.text for n in numbers]
    assert not prose.unbound_numbers(notebook, paths.data_dir(), paths.figures_dir())


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_certainty_words_follow_the_summary_of_findings_and_the_ledger(notebook):
    assert prose.unbound_certainty(notebook, paths.data_dir()) == []


def test_summaries_about_effects_bind_their_certainty_to_the_evidence():
    """The summaries that speak about effects or verdicts name the SoF rows and claims behind their words."""
    bound = {nb.name[:2]: _summary(nb)["metadata"].get("dry_needling", {}).get("certainty", {}) for nb in NOTEBOOKS}
    refs = {key: {r for refs in b.values() for r in ([refs] if isinstance(refs, str) else refs)}
            for key, b in bound.items()}
    assert "summary_of_findings[mu2020_usual_pain]" in refs["05"] & refs["06"]  # acupuncture vs usual care: low
    assert {"claims[bottom_line_sham]", "summary_of_findings[hu2018_sham_pain]"} <= refs["05"]
    assert "claims[psychological_distress]" in refs["01"] and "claims[prohibiting_states]" in refs["02"]
    assert "claims[hard_to_blind]" in refs["03"]


# --- the certainty binding itself ---------------------------------------------------------------------------------

def _check(tmp_path, text: str, certainty: dict, summary: bool = True, **marks) -> list[str]:
    cell = {"cell_type": "markdown", "id": "s", "source": text,
            "metadata": {"tags": [prose.SUMMARY_TAG] if summary else [], "dry_needling": dict(certainty=certainty,
                                                                                               **marks)}}
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return [p.split(": ", 1)[1] for p in prose.unbound_certainty(nb, paths.data_dir())]


SHAM = ["summary_of_findings[hu2018_sham_pain]", "summary_of_findings[gattie2017_sham_pain]"]  # not assessed; very low
USUAL = "summary_of_findings[mu2020_usual_pain]"  # low (Mu 2020, summary-of-findings table 3), a slight benefit


@pytest.mark.parametrize("text, refs, problem", [
    ("We are uncertain whether dry needling reduces pain more than a sham.", SHAM, None),
    ("Dry needling may reduce pain more than a sham.", SHAM, "worded at low certainty; "),
    ("Dry needling reduces pain more than a sham.", SHAM, "worded at high certainty; "),
    ("Acupuncture may slightly reduce pain compared with usual care.", USUAL, None),
    ("Acupuncture probably reduces pain compared with usual care.", USUAL, "worded at moderate certainty; "),
    ("We are uncertain whether acupuncture reduces pain compared with usual care.", USUAL,
     "worded at very low certainty; "),  # understating fails too: GRADE words a finding at its certainty
    ("Needling may slightly reduce pain compared with usual care or a sham.",
     [USUAL, *SHAM], "worded at low certainty; "),  # a list of rows: worded at the lowest of them
])
def test_sof_words_must_claim_the_certainty_of_the_lowest_row(tmp_path, text, refs, problem):
    problems = _check(tmp_path, text, {text.rstrip("."): refs})
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0] and problems[0].endswith(
            "(GRADE wording at the lowest certainty)"), problems


@pytest.mark.parametrize("text, claim, ok", [
    ("We did not find the 72 % in any research we read", "psychological_distress", True),
    ("The 72 % is wrong", "psychological_distress", False),                  # not found is not contradicted
    ("We found nothing for the 72 %, which proves it false", "psychological_distress", False),
    ("The list of six states is out of date", "prohibiting_states", True),
    ("The list of six states is supported", "prohibiting_states", False),
    ("The 80 % is partly supported", "lifetime_prevalence", True),
    ("The 80 % is supported", "lifetime_prevalence", False),                 # partly is not fully
])
def test_claim_words_must_say_the_ledgers_verdict_and_no_other(tmp_path, text, claim, ok):
    problems = _check(tmp_path, text + ".", {text: f"claims[{claim}]"})
    assert (problems == []) is ok, problems


def test_an_effect_sentence_in_a_summary_must_be_bound(tmp_path):
    text = "Dry needling reduces back pain. Bruising is common. The prick itself may ease pain."
    problems = _check(tmp_path, text, {})
    assert problems == [
        "'Dry needling reduces back pain.' claims an effect (high certainty) but is bound to no Summary-of-Findings "
        "row or claim",
        "'The prick itself may ease pain.' claims an effect (low certainty) but is bound to no Summary-of-Findings "
        "row or claim"]
    assert _check(tmp_path, text, {}, not_findings=["The prick itself may ease pain", "Dry needling reduces"]) == []
    assert _check(tmp_path, text, {}, summary=False) == []  # the rule is for summaries; bindings hold everywhere


def test_a_binding_that_names_nothing_or_is_gone_is_reported(tmp_path):
    assert _check(tmp_path, "Some words.", {"words that are gone": SHAM}, summary=False) == [
        "the certainty binding 'words that are gone' is not in the text (reword it or remove it)"]
    problems = _check(tmp_path, "We are uncertain.", {"We are uncertain": "summary_of_findings[nope]"}, summary=False)
    assert problems == ["'We are uncertain': summary_of_findings[nope]: no such row of summary_of_findings "
                        "(write summary_of_findings[SOF_ID])"]
    assert _check(tmp_path, "It is out of date.", {"It is out of date": "claims[nope]"}, summary=False) == [
        "claims[nope]: no such claim in claims.csv (write claims[ID])"]


def test_a_changed_finding_in_the_data_makes_the_words_fail(tmp_path):
    """If Mu 2020's interval against usual care included no effect, GRADE would word it as very uncertain however the
    review graded it: the summaries' "may slightly reduce" would then claim too much, and the check says so."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    sof = data / "summary_of_findings.csv"
    text = sof.read_text(encoding="utf-8")
    old = ",MD,-10.26,-17.11,-3.4,negative,slight benefit,"
    assert text.count(old) == 1
    sof.write_text(text.replace(old, ",MD,-10.26,-17.11,3.4,negative,uncertain,"), encoding="utf-8")
    problems = prose.unbound_certainty(paths.notebooks_dir() / "06_reanalysing_the_trials.ipynb", data)
    assert problems == ["06_reanalysing_the_trials.ipynb, cell 1: 'found acupuncture may slightly reduce pain compared "
                        "with usual care' is worded at low certainty; summary_of_findings[mu2020_usual_pain] allow "
                        "very low (GRADE wording at the lowest certainty)"]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_the_report_page_shows_the_summary_first(notebook):
    """On the report page the summary is the first section under the title: its heading and every key message come
    after the page's <h1> and before "In short"."""
    import html
    import re

    import nbformat

    from dry_needling.report import render

    page = render.render_html(nbformat.read(notebook, as_version=4))
    text = html.unescape(re.sub(r"<[^>]+>", "", page[page.find("</h1>"):]))
    text = " ".join(text.split())
    summary = "".join(_summary(notebook)["source"])
    heading = text.find("Plain-language summary")
    assert 0 <= heading < text.find("In short."), notebook.name
    for line in summary.split("\n- ")[1:]:
        message = " ".join(line.split("\n\n")[0].split())
        assert 0 < text.find(message, heading) < text.find("In short."), message


def test_the_prose_check_command_reports_certainty_words(tmp_path, capsys):
    nb = tmp_path / "nb.ipynb"
    cell = {"cell_type": "markdown", "id": "s", "source": "Dry needling reduces pain more than a sham.",
            "metadata": {"tags": [prose.SUMMARY_TAG]}}
    nb.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    assert prose.main(["check", str(nb)]) == 1
    assert "nb.ipynb, cell 0: 'Dry needling reduces pain more than a sham.' claims an effect" in capsys.readouterr().out
    assert prose.main(["check", str(paths.notebooks_dir() / "05_what_the_evidence_says.ipynb")]) == 0
    assert capsys.readouterr().out.strip() == "every number and certainty word is bound"


def _notebook_of(tmp_path, cells: list[dict]) -> Path:
    nb = tmp_path / "nb.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return nb


def test_a_wrong_verdict_is_reported_with_the_words_said_and_the_ledgers_verdicts(tmp_path):
    both = ["claims[psychological_distress]", "claims[prohibiting_states]"]  # not found; outdated (data/claims.csv)
    assert _check(tmp_path, "Both figures are wrong.", {"Both figures are wrong": both}, summary=False) == [
        "'Both figures are wrong' says contradicted; claims[psychological_distress], claims[prohibiting_states]: "
        "not found and outdated (words for a verdict: prose.VERDICT_WORDS)"]
    assert _check(tmp_path, "It is out of date and partly wrong.",
                  {"It is out of date and partly wrong": "claims[prohibiting_states]"}, summary=False) == [
        "'It is out of date and partly wrong' says contradicted and outdated and partly supported; "
        "claims[prohibiting_states]: outdated (words for a verdict: prose.VERDICT_WORDS)"]
    assert _check(tmp_path, "The 72 % stands.", {"The 72 % stands": "claims[psychological_distress]"},
                  summary=False) == ["'The 72 % stands' says no verdict; claims[psychological_distress]: not found "
                                     "(words for a verdict: prose.VERDICT_WORDS)"]
    # verdict words are read whatever their case
    assert _check(tmp_path, "Not found in any source.", {"Not found in any source": "claims[psychological_distress]"},
                  summary=False) == []


def test_every_certainty_binding_of_a_cell_is_checked_after_a_broken_one(tmp_path):
    certainty = {
        "gone from the text": "claims[hard_to_blind]",
        "Two claims": ["claims[nope]", "claims[gone]"],
        "We are uncertain": "summary_of_findings[nope]",
        "The prick may ease pain": SHAM,
        "It is wrong": "claims[prohibiting_states]",
    }
    problems = _check(tmp_path, "Two claims. We are uncertain. The prick may ease pain. It is wrong.", certainty,
                      summary=False)
    assert problems == [
        "the certainty binding 'gone from the text' is not in the text (reword it or remove it)",
        "claims[nope], claims[gone]: no such claim in claims.csv (write claims[ID])",
        "'We are uncertain': summary_of_findings[nope]: no such row of summary_of_findings "
        "(write summary_of_findings[SOF_ID])",
        f"'The prick may ease pain' is worded at low certainty; {', '.join(SHAM)} allow very low (GRADE wording at "
        "the lowest certainty)",
        "'It is wrong' says contradicted; claims[prohibiting_states]: outdated (words for a verdict: "
        "prose.VERDICT_WORDS)"]


def test_words_that_claim_no_certainty_for_a_graded_row_are_reported(tmp_path):
    assert _check(tmp_path, "Bruising is common.", {"Bruising is common": USUAL}, summary=False) == [
        f"'Bruising is common' is worded at no certainty; {USUAL} allow low (GRADE wording at the lowest certainty)"]


def test_a_bound_sentence_does_not_cover_the_next_one(tmp_path):
    text = "We are uncertain whether dry needling reduces pain more than a sham. Dry needling reduces back pain."
    assert _check(tmp_path, text, {text.split(".")[0]: SHAM}) == [
        "'Dry needling reduces back pain.' claims an effect (high certainty) but is bound to no Summary-of-Findings "
        "row or claim"]


def test_cells_before_and_without_metadata_are_read(tmp_path):
    """A code cell first, then markdown cells with no metadata at all (nbformat allows it): the summary after them
    is still checked, and an untagged cell with no metadata is no summary."""
    summary = {"cell_type": "markdown", "id": "s", "source": "Dry needling reduces back pain.",
               "metadata": {"tags": [prose.SUMMARY_TAG]}}
    cells = [{"cell_type": "code", "id": "k", "source": "x = 1", "outputs": [], "metadata": {}},
             {"cell_type": "markdown", "id": "t", "source": "# Title"}, summary]
    nb = _notebook_of(tmp_path, cells)
    assert prose.summary_cells(json.loads(nb.read_text(encoding="utf-8"))) == [2]
    assert prose.unbound_certainty(nb, paths.data_dir()) == [
        "nb.ipynb, cell 2: 'Dry needling reduces back pain.' claims an effect (high certainty) but is bound to no "
        "Summary-of-Findings row or claim"]
