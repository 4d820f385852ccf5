"""Tagged notebooks -> the student and teacher editions (``python -m dry_needling classroom``)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from .checks import TRIES_BEFORE_SOLUTION, _say
from .exercises import EXERCISES, Near
from .kinds import ClassroomError, Exercise

EXERCISE_TAG, ANSWER_TAG, CHECK_TAG, SOLUTION_TAG, TEACHER_TAG = "exercise", "answer", "check", "solution", "teacher"
HIDDEN = {"source_hidden": True, "outputs_hidden": True}
HELP = "see 'Exercises, solutions and checks' in docs/maintenance.md"


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


@dataclass
class Block:
    """One exercise in a notebook: the indexes of its cells."""
    id: str
    exercise: int
    answer: list[int] = field(default_factory=list)
    check: list[int] = field(default_factory=list)
    solution: list[int] = field(default_factory=list)


def exercises_in(nb: dict, name: str) -> list[Block]:
    """The exercises of a notebook, validated: each has an id ``NN-k`` matching the notebook, a work cell, a check
    cell calling ``check("NN-k", ...)`` and at least one solution cell. Anything that looks like an exercise or a
    solution but is not tagged is refused. Raises :class:`ClassroomError` naming the notebook and the cell."""
    number = name[:2]
    blocks: list[Block] = []
    for i, cell in enumerate(nb["cells"]):
        tags, text, where = _tags(cell), _source(cell), f"{name}, cell {i + 1}"
        if EXERCISE_TAG in tags:
            exercise_id = cell.get("metadata", {}).get("classroom", {}).get("exercise")
            if not isinstance(exercise_id, str) or not re.fullmatch(rf"{number}-\d+", exercise_id):
                raise ClassroomError(f"{where}: an exercise needs cell metadata \"classroom\": {{\"exercise\": "
                                     f"\"{number}-<k>\"}} ({HELP})")
            if exercise_id in [b.id for b in blocks]:
                raise ClassroomError(f"{where}: exercise {exercise_id} appears twice")
            blocks.append(Block(exercise_id, i))
            continue
        looks = re.search(r"^\W{0,4}(Exercise\s+\d.{0,30})", text, re.M) if cell["cell_type"] == "markdown" else None
        if looks and SOLUTION_TAG not in tags:
            raise ClassroomError(f"{where}: looks like an exercise ({looks.group(1)!r}) but has no "
                                 f"'{EXERCISE_TAG}' tag ({HELP})")
        if "<details" in text and SOLUTION_TAG not in tags:
            raise ClassroomError(f"{where}: a <details> block without the '{SOLUTION_TAG}' tag ({HELP})")
        if cell.get("metadata", {}).get("jupyter", {}).get("source_hidden") and SOLUTION_TAG not in tags:
            raise ClassroomError(f"{where}: a hidden code cell without the '{SOLUTION_TAG}' tag ({HELP})")
        role = next((t for t in (ANSWER_TAG, CHECK_TAG, SOLUTION_TAG) if t in tags), None)
        if role is None:
            continue
        if not blocks:
            raise ClassroomError(f"{where}: tagged '{role}' before any cell tagged '{EXERCISE_TAG}' ({HELP})")
        getattr(blocks[-1], role).append(i)
    for block in blocks:
        where = f"{name}, exercise {block.id} (cell {block.exercise + 1})"
        for role in (ANSWER_TAG, CHECK_TAG, SOLUTION_TAG):
            if not getattr(block, role):
                raise ClassroomError(f"{where}: no cell tagged '{role}' after it ({HELP})")
        calls = "".join(_source(nb["cells"][i]) for i in block.check)
        if not re.search(rf"check\(\s*[\"']{block.id}[\"']", calls):
            raise ClassroomError(f"{where}: its check cell does not call check(\"{block.id}\", answer)")
        if not any(nb["cells"][i]["cell_type"] == "code" and "answer" in _source(nb["cells"][i])
                   for i in block.answer):
            raise ClassroomError(f"{where}: its '{ANSWER_TAG}' cell must be a code cell that sets `answer`")
        if block.id not in EXERCISES:
            raise ClassroomError(f"{where}: no answer check for {block.id} in dry_needling.classroom.EXERCISES")
        if max(block.answer + block.check) > min(block.solution):
            raise ClassroomError(f"{where}: the work and check cells must come before the solution")
    return blocks


def _markdown(source: str, cell_id: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"tags": tags} if tags else {}, "source": source}


STUDENT_NOTE = ("> **Student edition.** The worked solutions are not in this copy. Under each exercise, write your "
                "answer in the cell that starts `answer = ...` (and your prediction first, where asked), run it, then "
                "run the `check(...)` cell below it: it says *not answered yet*, *correct*, or *not yet* with a hint. "
                "Run the notebook from the top first.")
TEACHER_NOTE = ("> **Teacher edition (answer key).** The solutions are expanded, and a *Teacher's key* note after each "
                "exercise gives the expected answer, the tolerance and the wrong answers the check explains. Students "
                "get the student edition: no solutions, no outputs, a work cell and a check after every exercise.")


def student_edition(nb: dict, name: str) -> dict:
    """``nb`` without solutions, teacher notes or outputs; work and check cells kept (answer cells start empty)."""
    exercises_in(nb, name)
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb["cells"]:
        tags = _tags(cell)
        if tags & {SOLUTION_TAG, TEACHER_TAG}:
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cell.get("metadata", {}).pop("jupyter", None)
            if CHECK_TAG in tags:
                cell["metadata"]["deletable"] = False
                cell["metadata"]["editable"] = False
        cells.append(cell)
    cells.insert(1, _markdown(STUDENT_NOTE, "classroom-student-note"))
    nb["cells"] = cells
    return nb


def teacher_note(exercise: Exercise) -> str:
    kind = exercise.kind
    lines = [f"**Teacher's key for exercise {exercise.id}.** Expected `answer`: "
             f"**{kind.show(kind.read(exercise.expected()))}** ({_say(exercise, exercise.asks)}; {kind.describe})."]
    if exercise.teacher_answer:
        lines.append(f"The solution computes it as `{exercise.teacher_answer}`.")
    if exercise.prediction:
        p = exercise.prediction
        lines.append(f"Prediction asked first ({_say(exercise, p.asks)}); the result: "
                     f"**{p.kind.show(p.kind.read(p.expected()))}**.")
    if exercise.wrong:
        lines.append("\nWrong answers the check recognises, with the hint it gives:")
        for rule, hint in exercise.wrong:
            value = rule.example() if isinstance(rule, Near) else None if callable(rule) else kind.read(rule)
            shown = f"**{kind.show(value)}**: " if value is not None else ""
            lines.append(f"- {shown}{_say(exercise, hint)}")
    lines.append(f"\nAny other wrong answer gets: *{_say(exercise, exercise.hint)}*")
    lines.append(f"\nAfter {TRIES_BEFORE_SOLUTION} tries the check offers the worked solution "
                 f"(`solution(\"{exercise.id}\")`); to open it for everyone after the deadline, see \"Opening the "
                 "solutions\" in docs/teaching-guide.md.")
    return "\n".join(lines)


def teacher_edition(nb: dict, name: str) -> dict:
    """``nb`` with its outputs, solutions expanded, and a teacher's key after each exercise's check."""
    blocks = exercises_in(nb, name)
    nb = copy.deepcopy(nb)
    after = {max(b.check): b.id for b in blocks}
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if SOLUTION_TAG in _tags(cell):
            cell.get("metadata", {}).pop("jupyter", None)
            if cell["cell_type"] == "markdown":
                cell["source"] = _source(cell).replace("<details>", "<details open>")
        cells.append(cell)
        if i in after:
            cells.append(_markdown(teacher_note(EXERCISES[after[i]]), f"classroom-key-{after[i]}", [TEACHER_TAG]))
    cells.insert(1, _markdown(TEACHER_NOTE, "classroom-teacher-note", [TEACHER_TAG]))
    nb["cells"] = cells
    return nb


def _write_json(nb: dict, path: Path) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


ZIP_README = """Dry needling for back pain: evidence notebooks, {edition} edition

Open the notebooks in JupyterLab in an environment with the collection's package installed
(`make lab` in the repository, or the class JupyterHub / Binder image: see docs/teaching-guide.md).
Run each notebook from the top. Under each exercise, write your answer in the `answer = ...` cell
and run the `check(...)` cell below it.
"""


def _zip(folder: Path, target: Path, edition: str) -> None:
    """A zip with fixed timestamps (the same notebooks give the same bytes)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [(f"{edition}/README.txt", ZIP_README.format(edition=edition).encode())]
        entries += [(f"{edition}/{p.name}", p.read_bytes()) for p in sorted(folder.glob("*.ipynb"))]
        for arcname, data in entries:
            info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, data)


def build(out_dir: Path | None = None, notebooks: list[Path] | None = None, log=print) -> Path:
    """Write the student and teacher editions of every ``NN_*.ipynb`` notebook (and a zip of each) into
    ``out_dir`` (default ``build/classroom``). Every notebook is checked first; nothing is replaced unless all pass."""
    from ..report import notebooks as collection
    from ..report import read_json

    out_dir = Path(out_dir) if out_dir else paths.build_dir() / "classroom"
    sources = list(notebooks) if notebooks is not None else collection()
    if not sources:
        raise ClassroomError(f"no NN_*.ipynb notebooks in {paths.relative(paths.notebooks_dir())}")
    editions = []
    count = 0
    for path in sources:
        nb = read_json(path)
        count += len(exercises_in(nb, path.name))
        editions.append((path.name, student_edition(nb, path.name), teacher_edition(nb, path.name)))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".classroom-", dir=out_dir.parent))
    staging.chmod(0o755)
    try:
        for edition in ("student", "teacher"):
            (staging / edition).mkdir()
        for name, student, teacher in editions:
            _write_json(student, staging / "student" / name)
            _write_json(teacher, staging / "teacher" / name)
        for edition in ("student", "teacher"):
            _zip(staging / edition, staging / f"{edition}.zip", edition)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"Wrote {len(editions)} student and {len(editions)} teacher notebooks ({count} checked exercises) to "
        f"{paths.relative(out_dir)}/student and /teacher, with student.zip and teacher.zip.")
    return out_dir


def main(args=None) -> int:
    import sys

    from ..report import BuildFailed

    try:
        build(getattr(args, "out", None))
    except (ClassroomError, BuildFailed) as exc:
        print(f"make classroom: {exc}", file=sys.stderr)
        return 1
    return 0
