"""Classroom editions and answer checks.

``check("03-1", answer)`` gives feedback on a learner's answer in the notebook: *not answered yet*,
*correct*, or *not yet* with a hint that teaches (typical wrong answers are recognised and explained).
Numbers are compared with a tolerance. Exercises that ask for a prediction first also take
``prediction=...`` and compare it with the computed result.

``python -m dry_needling classroom`` (``make classroom``) derives two editions from the tagged
notebooks in ``notebooks/`` (the one source) into ``build/classroom/``:

- ``student/NN_*.ipynb``: no solutions (every cell tagged ``solution`` or ``teacher`` removed), no
  stored outputs; each exercise keeps its work cell (``answer = ...``) and its check cell.
- ``teacher/NN_*.ipynb``: the notebook with its outputs, solutions expanded, and a generated note per
  exercise with the expected answer, the tolerance and the wrong answers the check recognises.
- ``student.zip`` and ``teacher.zip`` for a learning platform.

Cell tags (JupyterLab: property inspector, "Cell tags"):

- ``exercise``: the exercise's Markdown prompt, with cell metadata ``"classroom": {"exercise": "NN-k"}``;
- ``answer``: the learner's work cell right after it (``answer = ...``);
- ``check``: the feedback call, ``check("NN-k", answer)``;
- ``solution``: the ``<details>`` solution text, the solution code and the teacher's checked answer
  (hidden in JupyterLab and in the report, removed from the student edition);
- ``teacher``: anything else only teachers should see (removed from the student edition).
"""


from __future__ import annotations

from .checks import (
    TRIES_BEFORE_SOLUTION,
    Feedback,
    check,
    feedback,
    solution,
    solutions_open,
    solutions_switch_file,
    worked_solution,
)
from .editions import build, exercises_in, main, student_edition, teacher_edition
from .exercises import EXERCISES
from .kinds import CORRECT, NOT_ANSWERED, NOT_ANSWERED_YET, NOT_YET, ClassroomError, Exercise, Kind, Prediction

__all__ = ["CORRECT", "EXERCISES", "NOT_ANSWERED", "NOT_ANSWERED_YET", "NOT_YET", "TRIES_BEFORE_SOLUTION",
           "ClassroomError", "Exercise", "Feedback", "Kind", "Prediction", "build", "check", "exercises_in", "feedback",
           "main", "solution", "solutions_open", "solutions_switch_file", "student_edition", "teacher_edition",
           "worked_solution"]
