"""Numbers in prose are bound to their own source: every number typed into a markdown cell or a figure's alt text
names the table cell, count, output or code it comes from (cell metadata ``dry_needling.bind``), and must match it
with its sign at the decimals written. A sentence that quotes the wrong table, flips a sign, or outlives a change in
the data fails, naming the notebook, the cell, the number and the reference."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from dry_needling import paths, prose
from dry_needling.notebooks import figure_names

NOTEBOOKS = paths.notebook_files()


# --- the collection itself ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_bound_to_its_source(notebook):
    problems = prose.unbound_numbers(notebook, paths.data_dir(), paths.figures_dir())
    assert not problems, "numbers in the prose not bound to their source:\n" + "\n".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_alt_text_is_bound_to_its_source(notebook):
    problems = prose.unbound_alt_numbers(notebook, paths.data_dir(), paths.figures_dir())
    assert not problems, "numbers in alt text not bound to their source:\n" + "\n".join(problems)


def test_every_figure_in_the_index_is_saved_by_a_notebook_cell():
    """The alt-text check reads each figure's bindings from the cell that saves it: a figure no cell saves would
    escape it."""
    saved = {name for nb in NOTEBOOKS for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]
             if cell["cell_type"] == "code" for name in figure_names("".join(cell["source"]))}
    with (paths.figures_dir() / "index.csv").open(encoding="utf-8", newline="") as fh:
        indexed = {row["name"] for row in csv.DictReader(fh)}
    assert indexed and indexed <= saved, sorted(indexed - saved)


# --- what the binding catches, on the real notebooks ---------------------------------------------------------------

def _edited(src: Path, dst: Path, old: str, new: str, *, cell_type: str = "markdown") -> Path:
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == cell_type and old in text:
            cell["source"] = text.replace(old, new, 1)
            break
    else:
        raise AssertionError(f"{old!r} not found in {src.name}")
    dst.write_text(json.dumps(nb), encoding="utf-8")
    return dst


def _cell_index(notebook: Path, text: str) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and text in "".join(c["source"]))


def _data_values(table: str, column: str) -> set[float]:
    with (paths.data_dir() / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return {float(row[column]) for row in csv.DictReader(fh) if row[column].strip()}


def test_a_sentence_quoting_a_number_from_the_wrong_table_fails(tmp_path):
    """Notebook 01 says 72 % of people with chronic back pain report distress (the article's figure). Write 53
    instead, the SpineUniverse survey's depression figure in another table the notebook loads: the old rule (any value
    of any loaded table) let that pass; bound to article_figures, it fails and says what the source holds."""
    src = paths.notebooks_dir() / "01_burden_of_back_pain.ipynb"
    assert 53.0 in _data_values("burden_context", "estimate")  # the wrong table does hold 53
    edited = _edited(src, tmp_path / src.name, "72 % of people with *chronic*", "53 % of people with *chronic*")
    problems = prose.unbound_numbers(edited, paths.data_dir(), paths.figures_dir())
    assert len(problems) == 1, problems
    cell = _cell_index(src, "72 % of people with *chronic*")
    assert problems[0].startswith(f"01_burden_of_back_pain.ipynb, cell {cell}: 53 in '…")
    assert problems[0].endswith("' does not match article_figures[psychological_distress].value (72)")


def test_binding_a_sentence_to_the_wrong_table_fails(tmp_path):
    """The same sentence with its number right but its binding pointed at the survey's row: the number no longer
    matches what the binding names."""
    src = paths.notebooks_dir() / "01_burden_of_back_pain.ipynb"
    nb = json.loads(src.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["id"] == "c00")
    assert cell["metadata"]["dry_needling"]["bind"]["72"] == "article_figures[psychological_distress].value"
    cell["metadata"]["dry_needling"]["bind"]["72"] = "burden_context[spineuniverse2013_depression].estimate"
    edited = tmp_path / src.name
    edited.write_text(json.dumps(nb), encoding="utf-8")
    problems = prose.unbound_numbers(edited, paths.data_dir(), paths.figures_dir())
    index = nb["cells"].index(cell)
    assert len(problems) == 1 and problems[0].startswith(f"01_burden_of_back_pain.ipynb, cell {index}: 72 in ")
    assert problems[0].endswith("does not match burden_context[spineuniverse2013_depression].estimate (53)")


def test_a_flipped_sign_fails(tmp_path):
    """Liu 2018's interval for pain is −1.77 to −0.36 (pooled_estimates.csv); the same digits with the sign lost
    claim the opposite direction."""
    src = paths.notebooks_dir() / "05_what_the_evidence_says.ipynb"
    edited = _edited(src, tmp_path / src.name, "Liu's interval (−1.77 to −0.36)", "Liu's interval (1.77 to −0.36)")
    problems = prose.unbound_numbers(edited, paths.data_dir(), paths.figures_dir())
    assert len(problems) == 1
    assert " 1.77 in " in problems[0] and problems[0].endswith(
        "does not match pooled_estimates[liu2018_pain_other].ci_low (-1.77)")


def test_a_flipped_sign_in_alt_text_fails(tmp_path):
    figures = tmp_path / "figures"
    shutil.copytree(paths.figures_dir(), figures)
    index = figures / "index.csv"
    text = index.read_text(encoding="utf-8")
    assert "gives -1.39 at 2 weeks" in text
    index.write_text(text.replace("gives -1.39 at 2 weeks", "gives 1.39 at 2 weeks"), encoding="utf-8")
    nb = paths.notebooks_dir() / "05_what_the_evidence_says.ipynb"
    problems = prose.unbound_alt_numbers(nb, paths.data_dir(), figures)
    assert len(problems) == 1 and ", figure forest_smd: 1.39 in " in problems[0]
    assert problems[0].endswith("does not match pooled_estimates[yu2023_none_function_2w].estimate (-1.39)")


def test_a_number_changed_in_the_data_makes_the_sentences_quoting_it_fail(tmp_path):
    """Change Liu 2018's lower limit in data/ and every sentence that quotes it fails, with no notebook run: the
    binding names the cell, so the prose is checked against the data directly."""
    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    pooled = data / "pooled_estimates.csv"
    text = pooled.read_text(encoding="utf-8")
    old = "Pooled (all time points),11,802,whole review,SMD,-1.06,-1.77,-0.36"
    assert old in text
    pooled.write_text(text.replace(old, old.replace("-1.77", "-1.87")), encoding="utf-8")
    nb = paths.notebooks_dir() / "05_what_the_evidence_says.ipynb"
    problems = prose.unbound_numbers(nb, data, paths.figures_dir())
    assert len(problems) == 2  # the claim section and the heterogeneity section both quote it
    assert all(" −1.77 in " in p and p.endswith("pooled_estimates[liu2018_pain_other].ci_low (-1.87)")
               for p in problems)


def test_a_changed_output_makes_the_sentence_quoting_it_fail(tmp_path):
    """Notebook 01 quotes its own computed rise (36.2 %, the output of cell c14): a different stored output, as a
    re-run on changed data would leave, fails the sentence."""
    src = paths.notebooks_dir() / "01_burden_of_back_pain.ipynb"
    nb = json.loads(src.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["id"] == "c14")
    printed = "".join(cell["outputs"][0]["text"])
    assert "Rise 2020 -> 2050 from the rounded counts: 36.2 %" in printed
    cell["outputs"][0]["text"] = printed.replace("36.2 %", "36.9 %")
    edited = tmp_path / src.name
    edited.write_text(json.dumps(nb), encoding="utf-8")
    problems = prose.unbound_numbers(edited, paths.data_dir(), paths.figures_dir())
    assert len(problems) == 1 and ": 36.2 in " in problems[0] and "does not match output[c14: Rise]" in problems[0]


def test_a_new_number_without_a_binding_fails_and_says_how_to_bind_it(tmp_path):
    src = paths.notebooks_dir() / "01_burden_of_back_pain.ipynb"
    edited = _edited(src, tmp_path / src.name, "cannot be combined without the missing link",
                     "cannot be combined without the missing link (about 40 % in one survey)")
    problems = prose.unbound_numbers(edited, paths.data_dir(), paths.figures_dir())
    assert len(problems) == 1 and ": 40 in " in problems[0]
    assert "is bound to nothing" in problems[0] and "python -m dry_needling.prose suggest" in problems[0]


# --- the mechanism, on small notebooks ---------------------------------------------------------------------------

def _notebook(path: Path, cells: list[dict]) -> Path:
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")
    return path


def _md(text: str, **marks) -> dict:
    return {"cell_type": "markdown", "id": "m", "source": text, "metadata": {"dry_needling": marks} if marks else {}}


def _code(cell_id: str, source: str, printed: str = "", **marks) -> dict:
    outputs = [{"output_type": "stream", "name": "stdout", "text": printed}] if printed else []
    return {"cell_type": "code", "id": cell_id, "source": source, "outputs": outputs,
            "metadata": {"dry_needling": marks} if marks else {}}


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "datapackage.json").write_text(json.dumps({"resources": [
        {"name": "trials", "path": "trials.csv", "schema": {"primaryKey": "id"}},
        {"name": "arms", "path": "arms.csv", "schema": {"primaryKey": ["trial", "arm"]}}]}), encoding="utf-8")
    (data / "trials.csv").write_text(
        "id,estimate,n,effective,note\n"
        "t1,-0.42,31,2021-04-19,\"5 dropouts, 2 arms\"\n"
        "t2,0.17,19,,\n"
        "t3,0.5,40,,\n", encoding="utf-8")
    (data / "arms.csv").write_text("trial,arm,n\nt1,sham,16\nt1,real,15\n", encoding="utf-8")
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "chart.csv").write_text("label,group,value\nA,x,1.25\nB,x,2\nC,y,\n", encoding="utf-8")
    (figures / "index.csv").write_text("name,alt\nchart,\"Dot chart of 3 rows: A 1.25, B 2, C none\"\n",
                                       encoding="utf-8")
    return data, figures


def _check(tmp_path, folders, text: str, bind: dict | None = None, **marks) -> list[str]:
    if bind is not None:
        marks["bind"] = bind
    nb = _notebook(tmp_path / "nb.ipynb",
                   [_md(text, **marks), _code("k1", "N = 50\nSD = 2.0", "mean -0.014\nSD 0.411\n")])
    return [p.split(": ", 1)[1] for p in prose.unbound_numbers(nb, *folders)]


@pytest.mark.parametrize("text, reference", [
    ("an SMD of −0.42", "trials[t1].estimate"),
    ("31 people", "trials[t1].n"),
    ("5 dropouts", "trials[t1].note"),                      # a number quoted in a text cell
    ("16 in the sham arm", "arms[t1 | sham].n"),             # a composite key
    ("16 in the sham arm", "arms[trial=t1 & arm=sham].n"),   # conditions that select one row
    ("a mean of −0.014", "output[k1: mean]"),
    ("an SD of 0.41", "output[k1: SD]"),
    ("50 per arm", "code[k1: N =]"),
    ("lowered by 0.42", "-trials[t1].estimate"),            # written as the value's opposite
    ("17 per 100", "trials[t2].estimate ×100"),             # a share quoted per 100
    ("on 19 April 2021", "trials[t1].effective"),
    ("effective 19 Apr 2021", "trials[t1].effective"),
])
def test_reference_forms_bind_their_value(tmp_path, folders, text, reference):
    number = prose.numbers_in(text)[0].text
    assert _check(tmp_path, folders, text, {number: reference}) == []


def test_counts_sums_and_figure_data(tmp_path, folders):
    text = "2 of 3 trials have no note; 90 people in all, 59 outside t1; the chart: 1.25 and 2, 2 of 3 rows filled"
    bind = {
        "2 of 3 trials": ["count(trials[note=])", "count(trials)"],
        "90 people": "sum(trials.n)",
        "59 outside": "sum(trials[id!=t1].n)",
        "1.25 and 2": ["figures/chart[A].value", "figures/chart[B].value"],
        "2 of 3 rows": ["count(figures/chart[value!=])", "count(figures/chart)"],
    }
    assert _check(tmp_path, folders, text, bind) == []
    wrong = dict(bind, **{"90 people": "sum(trials[id!=t1].n)"})
    (problem,) = _check(tmp_path, folders, text, wrong)
    assert problem.startswith("90 in '…") and problem.endswith("…' does not match sum(trials[id!=t1].n) (59)")


@pytest.mark.parametrize("text, reference, expected", [
    ("an SMD of 0.42", "trials[t1].estimate", "0.42 in '…an SMD of 0.42…' does not match trials[t1].estimate (-0.42)"),
    ("an SMD of −0.43", "trials[t1].estimate",
     "−0.43 in '…an SMD of −0.43…' does not match trials[t1].estimate (-0.42)"),
    ("an SMD of −0.4", "trials[t1].estimate", None),                        # rounded to the decimals written
    ("32 people", "trials[t1].n", "32 in '…32 people…' does not match trials[t1].n (31)"),
    ("on 20 April 2021", "trials[t1].effective",
     "20 April 2021 in '…on 20 April 2021…' does not match trials[t1].effective (2021-04-19)"),
    ("on 19 April 2021", "trials[t1].n", "19 April 2021 in '…on 19 April 2021…' does not match trials[t1].n (no date)"),
    ("31 people", "trials[t1].effective", "31 in '…31 people…' does not match trials[t1].effective (no number)"),
])
def test_a_number_must_round_from_its_reference_with_its_sign(tmp_path, folders, text, reference, expected):
    number = prose.numbers_in(text)[0].text
    assert _check(tmp_path, folders, text, {number: reference}) == ([expected] if expected else [])


@pytest.mark.parametrize("reference, message", [
    ("trialz[t1].n", "no table 'trialz' (trialz.csv not found)"),
    ("trials[t9].n", "'t9' selects 0 rows of trials, not one"),
    ("trials[n!=31].n", "'n!=31' selects 2 rows of trials, not one"),
    ("trials[t1].size", "no column 'size' in trials (columns: id, estimate, n, effective, note)"),
    ("trials[t2].note", "trials[t2].note holds no number"),
    ("arms[t1].n", "arms is keyed by trial | arm: 't1' gives 1 value(s) for 2"),
    ("output[k9]", "no code cell with id 'k9' in nb.ipynb"),
    ("output[k1: median]", "cell k1 of nb.ipynb has no output on a line holding 'median'"),
    ("output[other.ipynb#k1]", "no notebook 'other.ipynb'"),
    ("count(trials[size=3])", "no column 'size' in trials"),
    ("sum(trials.note)", "column 'note' of trials is not all numbers"),
    ("31", "not a reference (forms: TABLE[KEY].COLUMN, count(TABLE)"),
])
def test_a_reference_that_resolves_nowhere_is_named(tmp_path, folders, reference, message):
    problems = _check(tmp_path, folders, "31 people", {"31": reference})
    assert len(problems) == 1 and problems[0].startswith(f"31 in '…31 people…': {reference}: {message}")


def test_keys_the_longest_wins_and_each_number_takes_its_own_reference(tmp_path, folders):
    text = "31 people in t1; 19 in t2; the chained 31 × 0.5 = 15.5 is arithmetic; 31 again"
    bind = {"31": "trials[t1].n", "19 in t2": "trials[t2].n"}
    assert _check(tmp_path, folders, text, bind, not_data=["31 × 0.5 = 15.5"]) == []
    # a key with two numbers needs two references (here 31 keeps the shorter key's binding; 40 has none)
    assert _check(tmp_path, folders, "31 and 40", {"31": "trials[t1].n", "31 and 40": "trials[t1].n"}) == [
        "the binding '31 and 40' covers 2 number(s) (31, 40) but gives 1 reference(s)", "40 in '…31 and 40…' is bound "
        "to nothing (name its source in dry_needling.bind; python -m dry_needling.prose suggest nb.ipynb lists "
        "candidates)"]
    # the longer key decides for the number it covers
    longest = {"31": "trials[t2].n", "31 people": "trials[t1].n"}
    assert _check(tmp_path, folders, "31 people", longest) == []


def test_a_key_never_matches_inside_another_number(tmp_path, folders):
    for other in ("0.31", "131", "31.5"):
        problems = _check(tmp_path, folders, f"{other} and 31 here", {"31": "trials[t1].n"})
        assert [p.split(" in ")[0] for p in problems] == [other], problems
    # a line break inside the key's text still matches
    assert _check(tmp_path, folders, "on 19\nApril 2021", {"19 April 2021": "trials[t1].effective"}) == []


def test_an_edited_number_is_still_checked_against_its_binding(tmp_path, folders):
    """A binding's key holds the number as first written. Edit the number and the key no longer occurs as written,
    but it is still found (its numbers read as any number) and the new number is checked against its source; a new
    number that still matches asks for the key to be renamed, so bindings never rot; a key that cannot be found is
    named."""
    bind = {"SMD of −0.42 in t1": "trials[t1].estimate"}
    assert _check(tmp_path, folders, "an SMD of −0.42 in t1", bind) == []
    assert _check(tmp_path, folders, "an SMD of 0.42 in t1", bind) == [
        "0.42 in '…an SMD of 0.42 in t1…' does not match trials[t1].estimate (-0.42)"]
    assert _check(tmp_path, folders, "an SMD of −0.4 in t1", bind) == [
        "the binding 'SMD of −0.42 in t1' is out of date: the text now reads 'SMD of −0.4 in t1' (rename the key)"]
    assert _check(tmp_path, folders, "an effect of −0.42 in t1", bind) == [
        "the binding 'SMD of −0.42 in t1' binds no number of the text (reword it or remove it)",
        "−0.42 in '…an effect of −0.42 in t1…' is bound to nothing (name its source in dry_needling.bind; python -m "
        "dry_needling.prose suggest nb.ipynb lists candidates)"]
    # two places the key could have gone: neither is guessed
    assert _check(tmp_path, folders, "31 and 32", {"30": "trials[t1].n"})[0] == (
        "the binding '30' binds no number of the text (reword it or remove it)")


def test_bindings_of_another_notebooks_output(tmp_path, folders):
    _notebook(tmp_path / "other.ipynb", [_code("o1", "x", "pooled -10.21 [-14.99, -5.44]\n")])
    assert _check(tmp_path, folders, "about −10 points", {"−10": "output[other.ipynb#o1: pooled]"}) == []


def test_alt_text_is_bound_by_the_cell_that_saves_the_figure(tmp_path, folders):
    data, figures = folders
    save = 'charts.save_figure(fig, "chart", alt="...")'
    bound = _notebook(tmp_path / "a.ipynb", [_code("s1", save, bind={
        "3 rows": "count(figures/chart)", "A 1.25": "figures/chart[A].value", "B 2": "figures/chart[B].value"})])
    assert prose.unbound_alt_numbers(bound, data, figures) == []
    unbound = _notebook(tmp_path / "b.ipynb", [_code("s1", save)])
    assert [p.split(" in ")[0] for p in prose.unbound_alt_numbers(unbound, data, figures)] == [
        "b.ipynb, cell 0, figure chart: 3", "b.ipynb, cell 0, figure chart: 1.25", "b.ipynb, cell 0, figure chart: 2"]
    missing = _notebook(tmp_path / "c.ipynb", [_code("s1", 'charts.save_figure(fig, "nowhere", alt="x")')])
    assert prose.unbound_alt_numbers(missing, data, figures) == [
        "c.ipynb, cell 0, figure nowhere: not in figures/index.csv (run make report)"]


def test_suggest_offers_the_matching_references_the_cited_source_first(tmp_path, folders):
    data, figures = folders
    nb = _notebook(tmp_path / "nb.ipynb", [
        _md("In t2 `t2src` the effect was 0.17; the sham arm had 16; lowered by 0.42"),
        _code("k1", "x", "effect 0.17\n")])
    (data / "trials.csv").write_text("id,estimate,source_id\nt1,0.17,other\nt2,0.17,t2src\nt3,-0.42,x\n",
                                     encoding="utf-8")
    found = {s.number: s.candidates for s in prose.suggest(nb, data, figures)}
    assert found["0.17"][0] == "trials[t2].estimate"  # the row of the source the sentence cites
    assert set(found["0.17"]) == {"trials[t1].estimate", "trials[t2].estimate", "output[k1: effect]"}
    assert found["16"] == ("arms[t1 | sham].n",)
    assert found["0.42"] == ("-trials[t3].estimate",)


# --- reading numbers -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Exercise 2 asks about notebook 03 and Table 4.", []),
    ("Notebooks 03 and 04, Tables 1 and 2", []),
    ("pain on a 0–10 scale with a 95 % CI", []),
    ("a 10×10 grid of squares", []),
    ("`braithwaite2019` counted 27 trials", [27.0]),
    ("an SMD of −0.42 and 1,463 events", [-0.42, 1463.0]),
    ("rates per 100 treatments, 4 in every\n100", [4.0]),
    ("Q 2.43 on 1 df, but Q3 is a question", [2.43, 1.0]),
    ("$$\\frac{a}{2}$$ and $x^2$ then 7", [7.0]),
])
def test_numbers_in(text, expected):
    assert [n.value for n in prose.numbers_in(text)] == expected


def test_a_date_is_one_number_and_its_parts_are_not_numbers_of_their_own():
    found = prose.numbers_in("from 19 April 2021 to April 18, 2022 (2021-04-19 in the table), in March 2021, 31 June")
    assert [(n.text, n.is_date) for n in found] == [("19 April 2021", True), ("April 18, 2022", True),
                                                    ("2021-04-19", True), ("31", False)]
    assert found[0].value == found[2].value


def test_marked_numbers_are_skipped_even_across_a_line_break():
    assert prose.numbers_in("chain: 100 × 0.80\n× 0.20", ["100 × 0.80 × 0.20"]) == []


@pytest.mark.parametrize("written, values, ok", [
    ("0.42", [0.4249], True), ("0.42", [0.4151], True), ("0.42", [0.43], False), ("−0.42", [0.42], False),
    ("0.42", [-0.42], False), ("−0.42", [-0.42], True), ("72", [72.4], True), ("72", [72.6], False),
    ("0.0", [-0.04], True),  # a value that rounds to zero has no sign to flip
    ("0.42", [0.425], True), ("0.42", [0.415], True),  # both ends of the half unit (binary 0.425 is a hair above)
])
def test_bound_compares_sign_and_the_decimals_written(written, values, ok):
    (number,) = prose.numbers_in(written)
    assert prose.bound(number, values) is ok


@pytest.mark.slow
def test_blinding_scenarios_and_slider_defaults_come_from_the_data(tmp_path):
    from dry_needling import explorer, simulate

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    summaries = data / "blinding_summaries.csv"
    old = "freed2021_bi_active,back-pain trials,Mean Bang index in active arms,0.26,"
    text = summaries.read_text(encoding="utf-8")
    assert old in text
    summaries.write_text(text.replace(old, old.replace("0.26", "0.31")), encoding="utf-8")
    assert simulate.scenarios(data)["back-pain trials, average"][:2] == (0.31, 0.01)
    assert simulate.SCENARIOS["back-pain trials, average"][:2] == (0.26, 0.01)
    assert [s.value for s in explorer.sliders()][:2] == [0.26, 0.01]
    assert [s.value for s in explorer.sliders(data)][:2] == [0.31, 0.01]


# --- what a maintainer is told, exactly ----------------------------------------------------------------------------

def _resolve_sources(tmp_path: Path) -> tuple[prose.Sources, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "datapackage.json").write_text("{}", encoding="utf-8")  # no resources: a table is keyed by its first column
    (data / "trials.csv").write_text("id,estimate,n\nt1,-0.42,31\nt2,nan,19\nt3,0.5,\n", encoding="utf-8")
    cells = [
        _code("k1", "pass"),                                                        # no output
        {"cell_type": "code", "id": "k2", "source": "smd", "metadata": {}},          # no outputs key at all
        {"cell_type": "code", "id": "k3", "source": "smd", "metadata": {},
         "outputs": [{"output_type": "execute_result", "data": {"text/plain": "0.25"}, "metadata": {}}]},
    ]
    nb = _notebook(tmp_path / "nb.ipynb", cells)
    return prose.Sources(data, tmp_path / "figures", tmp_path), nb


@pytest.mark.parametrize("reference, message", [
    ("output[k1]", "which notebook? write NOTEBOOK.ipynb#CELL"),
])
def test_a_cell_reference_without_a_notebook_asks_which(tmp_path, reference, message):
    sources, _ = _resolve_sources(tmp_path)
    with pytest.raises(prose.BindingError) as err:
        prose.resolve(reference, sources)
    assert str(err.value) == message


@pytest.mark.parametrize("reference, message", [
    ("output[k1]", "cell k1 of nb.ipynb has no output"),
    ("output[k2]", "cell k2 of nb.ipynb has no output"),
    ("code[k1: smd]", "cell k1 of nb.ipynb has no source on a line holding 'smd'"),
    ("count(trials.n)", "count() takes a table, not a column"),
    ("sum(trials)", "sum() needs a column of trials"),
    ("sum(trials.size)", "sum() needs a column of trials"),
    ("trials[t2].estimate", "trials[t2].estimate holds no number"),       # "nan" is no number
    ("trials[id=t1 & n].n", "'n' is not a condition COLUMN=VALUE or COLUMN!=VALUE"),
])
def test_a_reference_that_resolves_nowhere_says_exactly_why(tmp_path, reference, message):
    sources, _ = _resolve_sources(tmp_path)
    with pytest.raises(prose.BindingError) as err:
        prose.resolve(reference, sources, "nb.ipynb")
    assert str(err.value) == message


def test_references_read_results_and_tables_without_a_key(tmp_path):
    sources, _ = _resolve_sources(tmp_path)
    assert prose.resolve("output[k3]", sources, "nb.ipynb") == [prose.Quantity(0.25)]  # an execute_result
    assert prose.resolve("trials[t1].n", sources) == [prose.Quantity(31.0)]              # keyed by its first column
    assert prose.resolve("sum(trials.n)", sources) == [prose.Quantity(50.0)]             # the empty cell left out


def test_a_mismatch_shows_the_first_six_values_of_its_reference(tmp_path, folders):
    printed = "a 1.5\nb 2.5\nc 3.5\nd 4.5\ne 5.5\nf 6.5\ng 7.5\n"
    cells = [_md("It was 9.5 then.", bind={"9.5": "output[k7]"}), _code("k7", "show()", printed)]
    nb = _notebook(tmp_path / "nb.ipynb", cells)
    assert prose.unbound_numbers(nb, *folders) == [
        "nb.ipynb, cell 0: 9.5 in '…It was 9.5 then.…' does not match output[k7] (1.5, 2.5, 3.5, 4.5, 5.5, 6.5)"]


def test_a_message_shows_forty_characters_either_side_on_one_line(tmp_path, folders):
    text = ("A long sentence that runs well past forty characters\nbefore 0.93 and then goes on for a long while "
            "after it.")
    (problem,) = _check(tmp_path, folders, text)
    assert problem.startswith("0.93 in '… runs well past forty characters before 0.93 and then goes on for a long "
                              "while a…' is bound to nothing")


def test_every_number_is_checked_after_a_reference_that_resolves_nowhere(tmp_path, folders):
    problems = _check(tmp_path, folders, "31 people, 20 in t2", {"31": "trials[t9].n", "20 in t2": "trials[t2].n"})
    assert problems == ["31 in '…31 people, 20 in t2…': trials[t9].n: 't9' selects 0 rows of trials, not one",
                        "20 in '…31 people, 20 in t2…' does not match trials[t2].n (19)"]


def test_an_edited_date_or_a_reflowed_key_is_still_checked_against_its_binding(tmp_path, folders):
    assert _check(tmp_path, folders, "on 20 April 2021", {"on 19 April 2021": "trials[t1].effective"}) == [
        "20 April 2021 in '…on 20 April 2021…' does not match trials[t1].effective (2021-04-19)"]
    assert _check(tmp_path, folders, "an SMD of\n0.43 in t1", {"an SMD of 0.42 in t1": "trials[t1].estimate"}) == [
        "0.43 in '…an SMD of 0.43 in t1…' does not match trials[t1].estimate (-0.42)"]
    # two stale keys: the first binds nothing any more, the second is still followed
    assert _check(tmp_path, folders, "Now 32 people", {"gone 5": "trials[t1].n", "Now 31 people": "trials[t1].n"}) == [
        "the binding 'gone 5' binds no number of the text (reword it or remove it)",
        "32 in '…Now 32 people…' does not match trials[t1].n (31)"]


def test_marks_that_are_not_a_mapping_are_no_marks(tmp_path, folders):
    cell = {"cell_type": "markdown", "id": "m", "source": "31 people", "metadata": {"dry_needling": "31"}}
    nb = _notebook(tmp_path / "nb.ipynb", [cell])
    (problem,) = prose.unbound_numbers(nb, *folders)
    assert problem.startswith("nb.ipynb, cell 0: 31 in '…31 people…' is bound to nothing")


def test_every_saved_figure_is_checked_after_one_missing_from_the_index(tmp_path, folders):
    cells = [_code("f1", 'save_figure(fig, "lost")'), _code("f2", 'save_figure(fig, "chart")')]
    nb = _notebook(tmp_path / "nb.ipynb", cells)
    problems = prose.unbound_alt_numbers(nb, *folders)
    assert problems[0] == "nb.ipynb, cell 0, figure lost: not in figures/index.csv (run make report)"
    assert problems[1].startswith("nb.ipynb, cell 1, figure chart: 3 in '…Dot chart of 3 rows")


def test_an_abbreviated_month_with_a_full_stop_is_a_date():
    (date,) = prose.numbers_in("closed on 19 Sept. 2021")
    assert date.is_date and date.value == dt.date(2021, 9, 19).toordinal()
