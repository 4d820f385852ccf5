"""The report's Summary-of-Findings page: ``data/summary_of_findings.csv`` per comparison, readable on a phone.

Each row is a card (no wide table): the effect with its interval, the effect in points, the counts, the GRADE
statement, and its certainty as a ``<details>`` element that opens to the five domain judgements with their
reasons. No script: ``<details>`` opens by itself, so the page works without a kernel, offline and under the
site's ``script-src 'self'``. All text from the data is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from . import site

__all__ = ["PAGE", "findings_page"]

#: The page's file name in the report.
PAGE = "summary-of-findings.html"

_DOMAIN_NAMES = {"risk_of_bias": "Risk of bias", "inconsistency": "Inconsistency", "indirectness": "Indirectness",
                 "imprecision": "Imprecision", "publication_bias": "Publication bias"}


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _short(comparator: str) -> str:
    """A comparator as a card's title names it: without its parenthetical (the card's 'Versus' line has it all)."""
    return comparator.split(" (")[0]


def _card(row: dict[str, Any]) -> str:
    esc = html.escape
    effect = (f"{esc(row['measure'])} {row['estimate']:.2f} (95 % CI {row['ci_low']:.2f} to {row['ci_high']:.2f})"
              if _text(row["estimate"]) else f"no numbers seen; the source concludes: {esc(row['review_conclusion'])}")
    points = (f"<li>In points: {row['effect_in_points']:.2f} ({esc(row['points_scale'])})</li>"
              if _text(row["effect_in_points"]) else f"<li>In points: none ({esc(row['points_scale'])})</li>")
    counts = ", ".join(x for x in (f"{_text(row['studies'])} studies" if _text(row["studies"]) else "",
                                   f"{_text(row['participants'])} participants" if _text(row["participants"]) else "")
                       if x)
    counted = f"{counts} ({row['counts_scope']})" if counts else "not given"
    domains = "".join(f"<li><strong>{name}: {esc(row[key])}</strong>: {esc(row[key + '_reason'])}</li>"
                      for key, name in _DOMAIN_NAMES.items())
    level = row["certainty"]
    return (f'<article class="sof-row" id="{esc(row["sof_id"])}">'
            f"<h3>{esc(row['review'])}: {esc(row['outcome'])} versus {esc(_short(row['comparator']))}, "
            f"{esc(row['time_point'])}</h3>"
            f"<p class=\"sof-statement\">{esc(row['statement'])}.</p>"
            f"<ul><li>Versus: {esc(row['comparator'])}; {esc(row['intervention'])}; {esc(row['population'])}</li>"
            f"<li>Effect: {effect}</li>{points}"
            f"<li>Counts: {esc(counted)}</li>"
            f"<li>Minimal important difference: {esc(_text(row['minimal_important_difference']) or row['mid_basis'])}"
            f"</li></ul>"
            f'<details class="sof-certainty"><summary>Certainty: <span class="certainty certainty-'
            f'{esc(level.replace(" ", "-"))}">{esc(level)}</span> (graded by: {esc(row["graded_by"])})</summary>'
            f"<p>As printed: {esc(row['certainty_as_printed'])}.</p><ul>{domains}</ul></details>"
            f"<p class=\"sof-source\">Source: [{esc(row['source_id'])}], {esc(row['locator'])}"
            f"{('. ' + esc(row['note'])) if _text(row['note']) else ''}</p></article>")


def findings_page(citations: dict[str, str] | None = None, data_dir: Path | None = None,
                  site_info: site.Site = site.BARE) -> str:
    """The page's HTML, from the validated SoF table and the claims ledger."""
    from .. import claims, data, evidence
    from .pages import _page

    esc = html.escape
    sof = evidence.summary_of_findings(data_dir)
    ordered = evidence.sof_by_comparison(sof)
    sections = []
    for comparison in evidence.SOF_COMPARISON_ORDER:
        part = ordered[ordered["comparison"] == comparison]
        if part.empty:
            continue
        heads = [_card(r) for r in part[part["headline"]].to_dict("records")]
        others = [_card(r) for r in part[~part["headline"]].to_dict("records")]
        more = (f'<details class="sof-more"><summary>{len(others)} more rows of the same reviews (other time points '
                f"and subgroups: shown, not counted)</summary>{''.join(others)}</details>" if others else "")
        sections.append(f'<section class="sof-comparison"><h2 id="{esc(comparison.replace(" ", "-"))}">'
                        f"{esc(comparison[0].upper() + comparison[1:])}</h2>{''.join(heads)}{more}</section>")
    ledger = data.load("claims", data_dir)
    rested = ledger[ledger["sof_ids"].fillna("") != ""]
    verdicts = "".join(
        f'<li><span class="verdict verdict-{esc(r["verdict"].replace(" ", "-"))}">{esc(r["verdict"])}</span> '
        f"{esc(r['claim'])} <em>(evidence as of {esc(_text(r['evidence_as_of']))})</em>: rows "
        + ", ".join(f'<a href="#{esc(i)}">{esc(i)}</a>' for i in r["sof_ids"].split()) + "</li>"
        for r in rested.to_dict("records"))
    counts = sof["certainty"].value_counts()
    levels = ", ".join(f"{counts[c]} {c}" for c in [*evidence.CERTAINTY_LEVELS, "not assessed"] if c in counts)
    body = (f"<h1>Summary of findings</h1>"
            f"<p>Every comparison and outcome a verdict of this collection rests on, as a GRADE summary-of-findings "
            f"table: {len(sof)} rows from <a href=\"data/summary_of_findings.csv\">data/summary_of_findings.csv</a> "
            f"({levels}). A certainty is the grading review's own, worded at the lowest end of any range it printed; "
            "the collection assigns none without judging all five GRADE domains, so the others say <em>not "
            "assessed</em>. Open a certainty to read its domain judgements. Each review counts once per comparison "
            "and outcome; its other time points and subgroups are listed under each comparison.</p>"
            f"<p>GRADE's wording: high certainty <em>improves</em>; moderate <em>probably improves</em>; low "
            f"<em>may improve</em>; very low <em>the evidence is very uncertain</em>.</p>"
            f"{''.join(sections)}"
            f'<h2 id="verdicts">Verdicts that rest on these rows</h2><ul class="sof-verdicts">{verdicts}</ul>'
            f"<p>The rules that turn rows into verdicts: <code>dry_needling.claims</code> (notebook 05 explains "
            f"them); {len(claims.QUESTIONS)} claims are decided this way.</p>")
    return _page("Summary of findings", body, PAGE, citations=citations, site_info=site_info)
