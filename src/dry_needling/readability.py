"""How hard a plain-language text is to read: the Flesch-Kincaid grade level (textstat), for the plain-language
summaries planned for each notebook (issue 24, item 5: at most grade 8).

The grade is Kincaid et al.'s (1975) formula, 0.39 × words per sentence + 11.8 × syllables per word − 15.59,
computed here from textstat's counts of words, sentences and syllables (syllables from pyphen's hyphenation
dictionaries: nothing is downloaded). textstat's own ``flesch_kincaid_grade`` rounds syllables per word to one
decimal first, which moves a grade by up to 0.6; the formula is applied unrounded. Markdown is reduced to the words
a reader sees first: link targets, code, emphasis marks and heading marks do not count.
"""

from __future__ import annotations

import re

__all__ = ["MAX_GRADE", "plain_text", "reading_grade", "too_hard"]

#: The highest Flesch-Kincaid grade a plain-language summary may have (US school grade 8, about age 13-14).
MAX_GRADE = 8.0


def plain_text(markdown: str) -> str:
    """``markdown`` as the words a reader reads: ``[text](url)`` becomes text, code spans and HTML tags go, and
    emphasis, heading and list marks are dropped."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text only
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^\s{0,3}(#{1,6}|[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"[*_]{1,3}([^*_]+)[*_]{1,3}", r"\1", text)
    return " ".join(text.split())


def reading_grade(markdown: str) -> float:
    """The Flesch-Kincaid grade level of ``markdown`` (after :func:`plain_text`). Raises ``ValueError`` for a text
    with no words."""
    import textstat

    text = plain_text(markdown)
    if not re.search(r"[A-Za-z]", text):
        raise ValueError("reading_grade needs a text with words in it")
    words, sentences = textstat.lexicon_count(text), max(1, textstat.sentence_count(text))
    return 0.39 * words / sentences + 11.8 * textstat.syllable_count(text) / words - 15.59


def too_hard(texts: dict[str, str], max_grade: float = MAX_GRADE) -> list[str]:
    """One line per text of ``texts`` ({where: Markdown}) whose grade is above ``max_grade``, naming where it is
    and its grade; empty when every text is easy enough."""
    problems = []
    for where, markdown in texts.items():
        grade = reading_grade(markdown)
        if grade > max_grade:
            problems.append(f"{where}: reading grade {grade:.1f}, above {max_grade:g} (shorter sentences and "
                            "shorter words bring it down)")
    return problems
