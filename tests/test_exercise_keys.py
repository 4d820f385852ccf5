"""The teacher's key quotes the solution's code with the numbers filled in from the data (issue 26 item 3): run with
the package, that code gives the checked answer, so a changed data value changes the key and the answer together."""

from __future__ import annotations

import pytest

from dry_needling import blinding, burden, evidence
from dry_needling.classroom.checks import _say
from dry_needling.classroom.exercises import EXERCISES

# Keys that are one expression over the package (the others name the notebook's own variables).
SELF_CONTAINED = ["01-2", "04-1", "04-2", "05-1"]


@pytest.mark.parametrize("exercise_id", SELF_CONTAINED)
def test_the_teachers_key_computes_the_checked_answer(exercise_id):
    exercise = EXERCISES[exercise_id]
    code = _say(exercise, exercise.teacher_answer)
    assert "{" not in code, code
    value = eval(code, {"blinding": blinding, "burden": burden, "evidence": evidence})  # our own key, not input
    expected = exercise.expected()
    if isinstance(expected, tuple):
        assert value == pytest.approx(expected, abs=1e-9)
    else:
        assert float(value) == pytest.approx(float(expected), abs=1e-9)
