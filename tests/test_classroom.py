"""Classroom editions (issue 15): answer checks, the student edition without solutions, the teacher's key."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import zipfile

import pytest

from dry_needling import classroom, paths
from dry_needling.classroom import CORRECT, EXERCISES, NOT_ANSWERED_YET, NOT_YET, ClassroomError, feedback

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


@pytest.mark.parametrize("exercise", EXERCISES.values(), ids=lambda e: e.id)
def test_check_accepts_the_solution_and_rejects_typical_wrong_answers(exercise):
    assert feedback(exercise.id).status == NOT_ANSWERED_YET
    assert feedback(exercise.id, exercise.expected()).status == CORRECT
    literal = [(value, hint) for value, hint in exercise.wrong if not callable(value)]
    assert exercise.wrong, "every exercise recognises at least one typical wrong answer"
    for value, hint in literal:
        result = feedback(exercise.id, value)
        assert result.status == NOT_YET and hint[1:] in result.message, (value, result)
    assert feedback(exercise.id, "not a valid answer at all").status == NOT_YET  # never raises
    if exercise.prediction:
        right = feedback(exercise.id, exercise.expected(), exercise.prediction.expected())
        assert "the result agrees" in right.prediction
        assert "not recorded" in feedback(exercise.id, exercise.expected()).prediction


@pytest.mark.parametrize("exercise_id, wrong, hint", [
    ("01-2", 57.6, "you used the 72 % as a share of everyone with back pain"),
    ("01-2", 11.48, None),  # within the tolerance: correct
    ("03-1", 0.068, "simulated mean"),
    ("04-1", -0.30, "15 per arm"),
    ("04-2", (-0.94, 1.0), "don't know"),
    ("02-1", ["New Jersey"], "Attorney General"),
    ("05-1", 1.05, "keep the sign"),
    ("00-2", ("article_figures.csv", 1, "value"), "header row"),
])
def test_hints_teach(exercise_id, wrong, hint):
    result = feedback(exercise_id, wrong)
    if hint is None:
        assert result.status == CORRECT
    else:
        assert result.status == NOT_YET and hint.lower() in result.message.lower(), result


def test_teachers_answers_in_the_notebooks_are_checked_correct():
    """The hidden teacher cell after each solution computes the answer the solution's way and checks it; strict
    nbval re-runs these cells, so their stored outputs are current."""
    seen = []
    for name, nb in SOURCES.items():
        for cell in nb["cells"]:
            text = _text(cell)
            if "solution" in _tags(cell) and cell["cell_type"] == "code" and "check(" in text:
                exercise_id = re.search(r'check\("([0-9]{2}-[0-9]+)"', text).group(1)
                output = "".join("".join(o.get("text", "")) for o in cell["outputs"])
                assert output.startswith(f"Exercise {exercise_id}: correct."), (name, output)
                if EXERCISES[exercise_id].prediction:
                    assert "the result agrees" in output, (name, output)
                seen.append(exercise_id)
    assert sorted(seen) == sorted(EXERCISES), "one checked teacher's answer per exercise, and no orphan checks"


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
