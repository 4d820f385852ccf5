"""Classroom editions (issue 15): answer checks, the student edition without solutions, the teacher's key."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import os
import re
import sys
import threading
import zipfile
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from conftest import replace_in
from dry_needling import classroom, paths
from dry_needling.classroom import CORRECT, EXERCISES, NOT_ANSWERED_YET, NOT_YET, ClassroomError, feedback
from dry_needling.classroom.checks import _say
from dry_needling.classroom.exercises import Near

NOTEBOOKS = paths.notebook_files()
SOURCES = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in NOTEBOOKS}


def _text(cell) -> str:
    return "".join(cell["source"])


def _tags(cell) -> set[str]:
    return set(cell["metadata"].get("tags", []))


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("classroom") / "classroom"
    classroom.build(out, log=lambda *_: None)
    return out


# --- the checks ---------------------------------------------------------------------------------


def _wrong_examples(exercise) -> list:
    """The typical wrong answers an exercise lists, as values: literal ones, and Near rules' computed values."""
    values = []
    for rule, hint in exercise.wrong:
        if isinstance(rule, Near):
            values.append((rule.example(), hint))
        elif not callable(rule):
            values.append((rule, hint))
    return values


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=lambda e: e.id)
def test_check_accepts_the_solution_and_rejects_typical_wrong_answers(exercise):
    assert feedback(exercise.id).status == NOT_ANSWERED_YET
    assert feedback(exercise.id, exercise.expected()).status == CORRECT
    assert exercise.wrong, "every exercise recognises at least one typical wrong answer"
    for value, hint in _wrong_examples(exercise):
        result = feedback(exercise.id, value)
        assert result.status == NOT_YET and _say(exercise, hint)[1:] in result.message, (value, result)
    assert feedback(exercise.id, "not a valid answer at all").status == NOT_YET  # never raises
    if exercise.prediction:
        right = feedback(exercise.id, exercise.expected(), exercise.prediction.expected())
        assert "the result agree" in right.prediction
        assert "not recorded" in feedback(exercise.id, exercise.expected()).prediction


@pytest.mark.parametrize("exercise_id, wrong, hint", [
    ("01-2", 57.6, "you used the 72 % as a share of everyone with back pain"),
    ("01-2", 11.48, None),  # within the tolerance: correct
    ("03-1", 0.068, "simulated mean"),
    ("04-1", -0.30, "15 per arm"),
    ("04-2", (-0.94, 1.0), "don't know"),
    ("02-1", ["New Jersey"], "New Jersey's row"),
    ("05-1", 1.05, "keep the sign"),
    ("00-2", ("article_figures.csv", 1, "value"), "header row"),
])
def test_hints_teach(exercise_id, wrong, hint):
    result = feedback(exercise_id, wrong)
    if hint is None:
        assert result.status == CORRECT
    else:
        assert result.status == NOT_YET and hint.lower() in result.message.lower(), result


@pytest.mark.parametrize("name", SOURCES, ids=str)
def test_every_notebook_has_two_checked_exercises_and_prediction_checks(name):
    nb = SOURCES[name]
    blocks = classroom.exercises_in(nb, name)
    assert len(blocks) >= 2
    for block in blocks:
        prompt = _text(nb["cells"][block.exercise]).lower()
        call = "".join(_text(nb["cells"][i]) for i in block.check)
        if "predict" in prompt:
            assert EXERCISES[block.id].prediction, f"{block.id} asks for a prediction: check it"
            assert "prediction=prediction" in call
        for i in block.check + block.answer:
            assert not nb["cells"][i].get("outputs") or i in block.check, "work cells store no output"


# --- the editions -----------------------------------------------------------------------------------


def _solution_code_lines(nb) -> list[str]:
    lines = []
    for cell in nb["cells"]:
        if "solution" in _tags(cell):
            for line in _text(cell).splitlines():
                line = line.strip()
                if len(line) >= 12 and not line.startswith(("#", "from ", "import ", "<details", "</details")) \
                        and not line.startswith("check("):
                    lines.append(line)
    return lines


@pytest.mark.parametrize("name", SOURCES, ids=str)
def test_student_edition_contains_no_solution(editions, name):
    student = json.loads((editions / "student" / name).read_text(encoding="utf-8"))
    text = "\n".join(_text(c) for c in student["cells"])
    lines = _solution_code_lines(SOURCES[name])
    assert lines
    leaked = [line for line in lines if line in text]
    assert not leaked, f"solution text in the student edition: {leaked[:3]}"
    assert "<details" not in text
    assert not any(_tags(c) & {"solution", "teacher"} for c in student["cells"])
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in student["cells"] if c["cell_type"] == "code"), "no stored outputs in the student edition"
    answers = [c for c in student["cells"] if "answer" in _tags(c)]
    assert len(answers) >= 2 and all(re.search(r"^answer = \.\.\.$", _text(c), re.M) for c in answers)


@pytest.mark.parametrize("name", SOURCES, ids=str)
def test_teacher_edition_has_the_solutions_expanded_and_a_key(editions, name):
    teacher = json.loads((editions / "teacher" / name).read_text(encoding="utf-8"))
    text = "\n".join(_text(c) for c in teacher["cells"])
    assert all(line in text for line in _solution_code_lines(SOURCES[name]))
    assert "<details open>" in text and "<details>" not in text
    for block in classroom.exercises_in(SOURCES[name], name):
        assert f"Teacher's key for exercise {block.id}" in text
    assert not any("jupyter" in c["metadata"] for c in teacher["cells"]), "solutions are not collapsed"


def test_zips_hold_each_edition_with_stable_bytes(editions, tmp_path):
    with zipfile.ZipFile(editions / "student.zip") as archive:
        names = archive.namelist()
    assert f"student/{NOTEBOOKS[0].name}" in names and "student/README.txt" in names
    again = tmp_path / "again"
    classroom.build(again, log=lambda *_: None)
    assert (again / "student.zip").read_bytes() == (editions / "student.zip").read_bytes()


@pytest.mark.slow
def test_student_editions_run_unmodified_in_a_fresh_kernel(editions, tmp_path):
    """Top to bottom, unmodified, one fresh kernel each: no error, and every check says 'not answered yet'."""
    from dry_needling.report import execute_async

    env = dict(os.environ, DRY_NEEDLING_FIGURES=str(tmp_path / "figures"))  # never touch the repository's figures

    async def run_all():
        slots = asyncio.Semaphore(max(1, min(2, os.cpu_count() or 1)))

        async def one(path):
            async with slots:
                return path.name, await execute_async(path, env=env)
        return await asyncio.gather(*(one(p) for p in sorted((editions / "student").glob("*.ipynb"))))

    results = asyncio.run(run_all())
    assert len(results) == len(NOTEBOOKS)
    for name, nb in results:
        checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
        assert len(checks) >= 2, name
        for cell in checks:
            output = "".join(o.get("text", "") for o in cell.outputs)
            assert ": not answered yet." in output, (name, output)


# --- clear failures ---------------------------------------------------------------------------------


def _broken(change) -> dict:
    nb = copy.deepcopy(SOURCES["03_why_blinding_is_hard.ipynb"])
    change(nb["cells"])
    return nb


def _untag(tag):
    def change(cells):
        cell = next(c for c in cells if tag in _tags(c))
        cell["metadata"]["tags"].remove(tag)
    return change


@pytest.mark.parametrize("change, message", [
    (_untag("exercise"), "looks like an exercise"),
    (_untag("check"), "no cell tagged 'check'"),
    (_untag("answer"), "no cell tagged 'answer'"),
    (lambda cells: [c["metadata"]["tags"].remove("solution") for c in cells
                    if "<details" in _text(c)][:1], "<details> block without the 'solution' tag"),
    (lambda cells: next(c for c in cells if "exercise" in _tags(c))["metadata"].pop("classroom"),
     '"classroom": {"exercise": "03-<k>"}'),
])
def test_an_exercise_without_its_tags_fails_clearly(change, message):
    with pytest.raises(ClassroomError) as info:
        classroom.exercises_in(_broken(change), "03_why_blinding_is_hard.ipynb")
    assert message in str(info.value) and "03_why_blinding_is_hard.ipynb" in str(info.value)


def test_a_failed_build_leaves_the_previous_editions(editions, tmp_path, capsys):
    bad = tmp_path / "07_untagged.ipynb"
    bad.write_text(json.dumps(_broken(_untag("exercise"))), encoding="utf-8")
    before = (editions / "student.zip").read_bytes()
    with pytest.raises(ClassroomError, match="07_untagged.ipynb, cell"):
        classroom.build(editions, notebooks=[*NOTEBOOKS, bad], log=lambda *_: None)
    assert (editions / "student.zip").read_bytes() == before
    assert not list(editions.parent.glob(".classroom-*"))


def test_make_classroom_command(tmp_path, capsys):
    from dry_needling.__main__ import main

    assert main(["classroom", "--out", str(tmp_path / "out")]) == 0
    assert "checked exercises" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "out" / "student").glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert "classroom:" in (paths.ROOT / "Makefile").read_text(encoding="utf-8")


# --- feedback that coaches without giving the answer away (issue 25) ---------------------------------------------

_NUMBER_TOKEN = re.compile(r"(?<![\w.])([-\u2212+]?)(\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE]([-+]?\d+))?(\s*%)?")


def _numbers_in(text: str) -> list[tuple[float, int, bool]]:
    """Every number written in ``text``: (value, decimals written, followed by a percent sign)."""
    found = []
    for sign, digits, exponent, percent in _NUMBER_TOKEN.findall(text):
        plain = digits.replace(",", "")
        try:
            value = float(plain) * (10 ** int(exponent) if exponent else 1)
        except ValueError:
            continue
        decimals = len(plain.split(".")[1]) if "." in plain else 0
        found.append((-value if sign in ("-", "\u2212") else value, decimals, bool(percent)))
    return found


def _leaks_number(text: str, expected: float, tolerance: float) -> list[str]:
    """The ways ``text`` states ``expected``: a number within the tolerance (as a share or as a percent), or the
    expected value rounded to the decimals written (0.14 for 0.135) with at least two significant digits."""
    leaks = []
    for value, decimals, percent in _numbers_in(text):
        for candidate in (value, value / 100) if percent else (value,):
            if abs(candidate - expected) <= tolerance + 1e-9:
                leaks.append(f"{candidate} (within {tolerance} of {expected})")
            rounded = round(expected * (100 if percent else 1), decimals)
            significant = len(f"{abs(rounded):.{decimals}f}".replace(".", "").lstrip("0"))
            if significant >= 2 and math.isclose(value, rounded, abs_tol=1e-9):
                leaks.append(f"{value} ({expected} rounded)")
    return leaks


def _leaks(exercise, text: str) -> list[str]:
    """Every place ``text`` states the exercise's expected answer, for each kind of answer."""
    kind = exercise.kind
    expected = kind.read(exercise.expected())
    text = text.replace(exercise.id, "")  # the exercise's own id ("Exercise 00-2") is not a number it states
    for describe in (kind.describe, exercise.prediction.kind.describe if exercise.prediction else ""):
        text = text.replace(describe, "") if describe else text  # the choices offered ("inside" or "outside")
    if kind.tolerance is not None:
        values = expected if isinstance(expected, tuple) else (expected,)
        return [leak for v in values for leak in _leaks_number(text, v, kind.tolerance)]
    words = {expected} if isinstance(expected, str) else set(expected) if isinstance(expected, frozenset) else set()
    leaks = [w for w in words if re.search(rf"\b{re.escape(w)}\b", text, re.I)]
    if exercise.id == "00-2":  # the (file, line, column) triple
        file, line, column = expected
        leaks += [part for part in (file, column) if re.search(rf"\b{re.escape(part)}\b", text, re.I)]
        leaks += _leaks_number(text, line, 0)
    return leaks


def _formats(value: float) -> list[str]:
    """The expected value in the formats a learner might type it as text."""
    return [repr(value), f"{value:.3g}", f"{value:.2f}", f"{value:.2f}".replace("0.", ".", 1), f"{value * 100:.1f} %",
            f"{value:.2e}", f"{value:g}".replace("-", "\u2212")]


def _wrong_and_invalid(exercise) -> list:
    """Wrong and invalid answers for an exercise: its listed wrong answers, the expected value as text, negated,
    scaled, shifted just past its tolerance, and values of the wrong type."""
    expected = exercise.expected()
    kind = exercise.kind
    answers = [value for value, _ in _wrong_examples(exercise)]
    answers += [None, True, "", "none", [], {}, object(), b"0", float("nan"), float("inf"), 10**400, "0.135"]
    if kind.tolerance is not None and not isinstance(kind.read(expected), tuple):
        x, tol = kind.read(expected), kind.tolerance
        answers += _formats(x) + [-x if x else 1.0, x * 100, x / 100, x + 2 * tol + 0.001, x - 2 * tol - 0.001,
                                  [x], (x,), {"answer": x}]
    if isinstance(kind.read(expected), tuple):
        answers += [[str(v) for v in kind.read(expected)], list(kind.read(expected))[:1]]
    return [a for a in answers if not _is_correct(exercise, a)]


def _is_correct(exercise, answer) -> bool:
    return feedback(exercise.id, answer).status == CORRECT


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=lambda e: e.id)
def test_no_wrong_or_invalid_answer_is_told_the_expected_value(exercise):
    """Listed misconceptions, the answer typed as text (0.135, .135, 13.5 %, 1.35e-01), negated, scaled and
    shifted: the feedback never states the expected value, with or without a prediction."""
    predictions = [..., exercise.prediction.expected()] if exercise.prediction else [...]
    for answer in _wrong_and_invalid(exercise):
        for prediction in predictions:
            text = str(feedback(exercise.id, answer, prediction))
            assert feedback(exercise.id, answer).status == NOT_YET
            assert not _leaks(exercise, text), (answer, text, _leaks(exercise, text))


NUMERIC = [e for e in EXERCISES.values() if e.kind.tolerance is not None and not isinstance(
    e.kind.read(e.expected()), tuple)]


@pytest.mark.slow
@pytest.mark.parametrize("exercise", NUMERIC, ids=lambda e: e.id)
def test_no_generated_wrong_answer_is_told_the_expected_value(exercise):
    """Hypothesis: numbers anywhere, and numbers close to the answer (just outside its tolerance), as numbers or as
    text in common formats."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    x, tol = exercise.kind.read(exercise.expected()), exercise.kind.tolerance
    near = st.floats(min_value=2 * tol + 1e-6, max_value=max(1.0, abs(x)), allow_nan=False).flatmap(
        lambda d: st.sampled_from([x + d, x - d]))
    anywhere = st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-10**30, max_value=10**30)
    as_text = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).flatmap(lambda v: st.sampled_from(_formats(v)))
    prediction = st.sampled_from([..., exercise.prediction.expected()] if exercise.prediction else [...])

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(answer=near | anywhere | as_text | st.just(_formats(x)[0]), said=prediction)
    def run(answer, said):
        result = feedback(exercise.id, answer, said)
        if result.status != CORRECT:
            text = str(result)
            assert not _leaks(exercise, text), (answer, text)

    run()


def test_the_leak_detector_finds_the_answer_in_common_formats():
    exercise = EXERCISES["03-1"]  # expected 0.075 within 0.005
    for text in ["0.075", ".075", "7.5 %", "0.08", "7.50e-2", "\u22120.075", "0.0749"]:
        value = -0.075 if text.startswith("\u2212") else 0.075
        assert _leaks_number(text, value, exercise.kind.tolerance), text
    assert not _leaks(exercise, "0.135 is the back-pain average; 0.47 and \u22120.32; 2 arms; 0 at the null")


def test_a_wrong_prediction_line_compares_directions_without_numbers():
    exercise = EXERCISES["01-2"]  # a number prediction
    result = feedback("01-2", exercise.expected(), 40)
    assert "disagree" in result.prediction and "higher than the result" in result.prediction
    assert not _numbers_in(result.prediction)
    assert "agree" in feedback("03-1", EXERCISES["03-1"].expected(), "larger").prediction
    wrong = feedback("03-1", 0.5, "smaller")
    assert wrong.prediction.startswith("Prediction recorded") and "agree" not in wrong.prediction.replace(
        "whether the two agree", "")


# --- check() never raises and never runs unbounded (issue 23 item 6) ---------------------------------------------


class _Raises:
    """An answer whose own methods raise."""

    def __repr__(self):
        raise RuntimeError("repr")

    def __float__(self):
        raise RuntimeError("float")

    def __iter__(self):
        raise RuntimeError("iter")

    def __eq__(self, other):
        raise RuntimeError("eq")

    __hash__ = None

    def __getattr__(self, name):
        raise RuntimeError(f"getattr {name}")

    def __len__(self):
        raise RuntimeError("len")


class _FloatRaises:
    def __float__(self):
        raise ZeroDivisionError


def _endless():
    while True:
        yield 0.5


HOSTILE = [10**400, -(10**400), 10**5000, _Raises(), _FloatRaises(), itertools.count(), _endless(),
           itertools.repeat("NJ"), range(10**12), [0.1] * 1_000_000, "x" * 1_000_000, float("nan"), float("-inf"),
           complex(1, 1), Decimal("1e400"), Decimal("NaN"), Fraction(10**400, 3), np.float64("nan"),
           np.array([0.1, 0.2]), np.array(77.7), b"0.1", {"a": 1}, {0.1, 0.2}, None, Ellipsis.__class__, type, print]


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=lambda e: e.id)
def test_check_never_raises_and_never_runs_unbounded(exercise, capsys):
    """Huge numbers, answers whose __repr__/__float__/__iter__/__eq__ raise, endless iterables: each gets a
    "not yet" sentence, in bounded time (an endless iterable is refused after its first items, not consumed)."""
    for answer in HOSTILE:
        for said in ([answer, ...] if exercise.prediction else [...]):
            done: list = []
            worker = threading.Thread(
                target=lambda a=answer, p=said, d=done: d.append(classroom.check(exercise.id, a, p)), daemon=True)
            worker.start()
            worker.join(timeout=60)
            assert done, f"check({exercise.id!r}, {type(answer).__name__}) did not return"
            out = capsys.readouterr().out
            assert out.startswith(f"Exercise {exercise.id}: not yet."), (type(answer).__name__, out)
            assert "Traceback" not in out and "RuntimeError" not in out


def test_check_survives_an_unknown_exercise_and_a_broken_data_folder(capsys, monkeypatch, tmp_path):
    classroom.check("99-9", 1.0)
    assert "no such exercise" in capsys.readouterr().out
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(tmp_path))  # an empty data folder: the check cannot compute
    classroom.check("03-1", 0.5)
    assert "the check could not run" in capsys.readouterr().out


# --- tries, the worked solution and the teacher's switch ----------------------------------------------------------


@pytest.fixture
def fresh_tries(monkeypatch, tmp_path):
    from dry_needling.classroom import checks

    monkeypatch.setattr(checks, "_tries", {})
    monkeypatch.delenv("DRY_NEEDLING_SOLUTIONS", raising=False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))  # no switch file
    return checks


def test_the_worked_solution_opens_after_the_set_number_of_tries(fresh_tries, capsys):
    classroom.solution("03-1")
    assert "opens after" in capsys.readouterr().out
    for attempt in range(1, classroom.TRIES_BEFORE_SOLUTION + 1):
        classroom.check("03-1", 0.5)
        out = capsys.readouterr().out
        assert ("solution(\"03-1\")" in out) == (attempt == classroom.TRIES_BEFORE_SOLUTION), (attempt, out)
    classroom.solution("03-1")
    shown = capsys.readouterr().out
    expected = EXERCISES["03-1"].expected()
    assert shown.startswith("Worked solution for exercise 03-1") and f"{expected:.3f}" in shown
    classroom.solution("03-2")  # other exercises stay closed
    assert "opens after" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["variable", "file"])
def test_the_teacher_opens_the_solutions_without_a_restart(fresh_tries, capsys, monkeypatch, how):
    classroom.solution("04-1")
    assert "opens after" in capsys.readouterr().out
    if how == "variable":
        monkeypatch.setenv("DRY_NEEDLING_SOLUTIONS", "04-1, 04-2")
    else:
        switch = classroom.solutions_switch_file()
        switch.parent.mkdir(parents=True)
        switch.write_text("all\n", encoding="utf-8")
    classroom.solution("04-1")
    assert capsys.readouterr().out.startswith("Worked solution for exercise 04-1")
    assert feedback("04-1", 0.5).offer  # the offer comes with the first wrong answer once opened
    assert classroom.solutions_open("04-2") and classroom.solutions_open("03-1") == (how == "file")


# --- numbers in feedback come from the data and the notebook's own computation (issues 20 and 26) ------------------


def _templates(exercise) -> list[str]:
    texts = [exercise.asks, exercise.right, exercise.hint, *(hint for _, hint in exercise.wrong)]
    return texts + ([exercise.prediction.why] if exercise.prediction else [])


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=lambda e: e.id)
def test_feedback_texts_type_no_computed_number(exercise):
    """A decimal number in a feedback text is a {field} computed by the exercise's facts, never typed."""
    for text in _templates(exercise):
        plain = re.sub(r"`[^`]*`|\{[^}]*\}|\b[Aa]nalysis \d+\.\d+", "", text)  # code, fields, analysis numbers
        typed = re.findall(r"(?<![{\w])\d+\.\d+", plain)
        assert not typed, f"{exercise.id}: typed {typed} in {text!r}: compute it in `facts`"
        _say(exercise, text)  # every field is filled


def test_exercise_03_2_quotes_the_spread_the_notebook_prints():
    """Issue 20: the feedback quoted 0.28/0.40 while the notebook printed 0.29/0.41."""
    nb = SOURCES["03_why_blinding_is_hard.ipynb"]
    printed = next("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []) if "n per arm 100" in "".join(o.get("text", "")))
    spreads = dict(re.findall(r"n per arm\s+(\d+): mean [\d.]+, SD ([\d.]+)", printed))
    right = _say(EXERCISES["03-2"], EXERCISES["03-2"].right)  # what a correct answer is told, without its echo
    assert feedback("03-2", EXERCISES["03-2"].expected()).message.endswith(right)
    for n in ("50", "100"):
        assert f"{float(spreads[n]):.2f}" in right, (spreads, right)


def test_expected_answers_and_texts_follow_the_data(data_copy, monkeypatch):
    """Change Moroz's commercial-sham indexes in a copy of the data: the expected bias, the wrong answers the
    check recognises and the numbers it quotes all follow (nothing typed in exercises.py)."""
    replace_in(data_copy / "blinding_by_sham_type.csv", "sham_commercial,sham device,Commercial,22,0.47,-0.32",
               "sham_commercial,sham device,Commercial,22,0.61,-0.21")
    replace_in(data_copy / "article_figures.csv", "lifetime_prevalence,80,", "lifetime_prevalence,70,")
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data_copy))
    assert EXERCISES["03-1"].expected() == pytest.approx((0.61 - 0.21) / 2)
    right = feedback("03-1", 0.2).message
    assert "0.61" in right and "0.200" in right
    assert "that is the sum" in feedback("03-1", 0.40).message.lower()
    assert EXERCISES["01-2"].expected() == pytest.approx(70 * 0.2 * 0.72)
    assert "70 %" in feedback("01-2", 70 * 0.2 * 0.72).message
    assert "you used the 72 %" in feedback("01-2", 70 * 0.72).message.lower()


# --- the teaching guide (issue 25.4) -------------------------------------------------------------------------------

GUIDE = (paths.ROOT / "docs" / "teaching-guide.md").read_text(encoding="utf-8")


def test_the_guide_lists_every_notebook_with_its_own_reading_time_and_the_index_total():
    """One reading time: the guide's table and total are the notebooks' stated times, added up the way the report's
    contents page adds them (report.render._summary, the index's own reader)."""
    from dry_needling.report.render import _summary

    stated = {p.name[:2]: _summary(SOURCES[p.name])[1] for p in NOTEBOOKS}
    rows = dict(re.findall(r"^\| (\d\d) [^|]+\| (\d+) \|", GUIDE, re.M))
    assert {k: int(v) for k, v in rows.items()} == stated, "the guide's table of notebooks and reading times"
    totals = {int(t) for t in re.findall(r"(?:add up to|adds them up[^.]*?) \**(\d+) minutes", GUIDE)}
    assert totals == {sum(stated.values())}, totals


def test_the_guide_says_what_the_checks_cannot_keep_secret_and_how_to_open_solutions():
    for phrase in ["cannot keep the answer secret", "nbgrader", "otter-grader", "hidden test",
                   classroom.checks.SOLUTIONS_VARIABLE, "etc/dry_needling/solutions", "solution(\"03-1\")",
                   "make test-hub", "python -m build"]:
        assert phrase in GUIDE, phrase
    assert f"After **{'three' if classroom.TRIES_BEFORE_SOLUTION == 3 else classroom.TRIES_BEFORE_SOLUTION}**" in GUIDE
