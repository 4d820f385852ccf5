"""The reading-grade check for plain-language summaries (dry_needling.readability)."""

from __future__ import annotations

import pytest

from dry_needling import readability


def _kincaid(words: int, sentences: int, syllables: int) -> float:
    # Kincaid, Fishburne, Rogers and Chissom 1975 (Naval Technical Training Command report 8-75), formula for the
    # Flesch-Kincaid grade level: 0.39 (words/sentences) + 11.8 (syllables/words) - 15.59.
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def test_the_grade_is_kincaids_formula_on_counted_words_and_syllables():
    # 15 words, 2 sentences, 19 syllables, counted by hand ("ev-ery-one" 3, "sun-ny" 2, "hap-py" 2, the rest 1)
    text = "The cat sat on the mat. It was a sunny day and everyone was happy."
    assert readability.reading_grade(text) == pytest.approx(_kincaid(15, 2, 19), abs=1e-9)


def test_plain_words_pass_and_dense_jargon_fails():
    easy = ("We looked at every study we could find. Needles may ease back pain a little. "
            "We are not sure, because the studies were small.")
    hard = ("Standardised mean differences were pooled with random-effects meta-analysis, accounting for "
            "heterogeneity between randomised controlled trials of heterogeneous methodological quality.")
    assert readability.reading_grade(easy) <= readability.MAX_GRADE
    assert readability.reading_grade(hard) > readability.MAX_GRADE
    problems = readability.too_hard({"01 summary": easy, "05 summary": hard})
    assert len(problems) == 1 and problems[0].startswith("05 summary: reading grade ")


def test_markdown_is_read_as_a_reader_sees_it():
    markdown = ("## What we found\n\n- **Needling** may help [a little](https://example.org/a/very/long/address) "
                "(see `pooled_estimates.csv`).")
    assert readability.plain_text(markdown) == "What we found Needling may help a little (see )."
    with pytest.raises(ValueError):
        readability.reading_grade("`code only`")
