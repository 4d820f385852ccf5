"""Feedback on a learner's answer and prediction: ``check`` prints it, ``feedback`` returns it, ``solution`` shows
the worked solution once it is open.

Feedback coaches without giving the answer away: *not yet* names the misconception and a next step, never the
expected value or the computed result (nor echoes the learner's own value, which may be the answer in another form);
the prediction line compares directions ("your prediction and the result disagree"), without numbers, and only once
the answer is correct. After :data:`TRIES_BEFORE_SOLUTION` answers that were not yet right for an exercise (in one
kernel), or when the teacher opens the solutions (``DRY_NEEDLING_SOLUTIONS``, or the file
:func:`solutions_switch_file`), the feedback offers the worked solution: ``solution("03-1")``.

A check runs on the learner's machine, so it cannot keep the answer secret (``EXERCISES["03-1"].expected()``
computes it); it only keeps the normal path from handing it over. ``check`` never raises and never runs unbounded
(see :mod:`.kinds`).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .exercises import EXERCISES
from .kinds import CORRECT, NOT_ANSWERED, NOT_ANSWERED_YET, NOT_YET, Exercise

#: Answers that were not yet right, per exercise, before ``check`` offers the worked solution.
TRIES_BEFORE_SOLUTION = 3
#: The teacher's switch: ``all`` (or ``on``) opens every worked solution, a list of exercise ids opens those.
SOLUTIONS_VARIABLE = "DRY_NEEDLING_SOLUTIONS"

_tries: dict[str, int] = {}  # answers that were not yet right, per exercise, in this kernel


@dataclass(frozen=True)
class Feedback:
    exercise: str
    status: str
    message: str
    prediction: str = ""
    offer: str = ""  # the offer of the worked solution, once it is open

    def __str__(self) -> str:
        text = f"Exercise {self.exercise}: {self.status}. {self.message}"
        return text + "".join(f"\n{line}" for line in (self.prediction, self.offer) if line)


def _say(exercise: Exercise, template: str) -> str:
    """``template`` with the exercise's computed facts filled in."""
    return template.format_map(exercise.facts()) if exercise.facts else template


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _matches(rule, value) -> bool:
    try:
        return bool(rule(value))
    except Exception:  # noqa: BLE001 - a rule that does not apply to this kind of answer
        return False


def _rule(exercise: Exercise, rule):
    if callable(rule):
        return rule
    rule_value = exercise.kind.read(rule)
    return lambda a: exercise.kind.same(a, rule_value)


def solutions_switch_file() -> Path:
    """The file a teacher writes to open worked solutions for everyone using this Python environment (on a hub:
    the single-user environment): ``<sys.prefix>/etc/dry_needling/solutions``. It holds ``all`` or exercise ids."""
    return Path(sys.prefix) / "etc" / "dry_needling" / "solutions"


def _switch_words() -> set[str]:
    words = set(re.split(r"[\s,;]+", os.environ.get(SOLUTIONS_VARIABLE, "").strip().lower()))
    try:
        words |= set(re.split(r"[\s,;]+", solutions_switch_file().read_text(encoding="utf-8")[:10_000].lower()))
    except (OSError, UnicodeDecodeError):
        pass
    return words - {""}


def solutions_open(exercise_id: str) -> bool:
    """Whether the teacher has opened the worked solution of ``exercise_id`` (read at every call: no restart)."""
    words = _switch_words()
    return bool(words & {"all", "on", "yes", "1"}) or exercise_id.lower() in words


def feedback(exercise_id: str, answer=NOT_ANSWERED, prediction=NOT_ANSWERED, *, tries: int = 0) -> Feedback:
    """The feedback :func:`check` prints, as a value (for tests and for other front ends). ``tries`` is how many
    answers to this exercise were not yet right before this one."""
    exercise = EXERCISES.get(exercise_id)
    if exercise is None:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}")
    if answer is NOT_ANSWERED:
        return Feedback(exercise.id, NOT_ANSWERED_YET, f"Replace the ... after `answer =` in the cell above with "
                        f"{_say(exercise, exercise.asks)} ({exercise.kind.describe}), run that cell, then this one.",
                        _prediction_feedback(exercise, prediction, None))
    expected = exercise.kind.read(exercise.expected())
    try:
        value = exercise.kind.read(answer)
    except ValueError as exc:
        status, message, correct = NOT_YET, f"`answer` should be {exc}.", False
    else:
        correct = exercise.kind.same(value, expected)
        status, message = CORRECT if correct else NOT_YET, ""
        if correct:
            message = f"{exercise.kind.show(value)}: {_say(exercise, exercise.right)}"
        else:
            hint = next((h for rule, h in exercise.wrong if _matches(_rule(exercise, rule), value)), None)
            message = _sentence(_say(exercise, hint)) if hint else f"Hint: {_say(exercise, exercise.hint)}"
    said = _prediction_feedback(exercise, prediction, correct)
    offer = ""
    if not correct and (tries + 1 >= TRIES_BEFORE_SOLUTION or solutions_open(exercise.id)):
        offer = (f"Stuck? The worked solution is open to you now: run `from dry_needling.classroom import solution` "
                 f"and `solution(\"{exercise.id}\")` to see it, then try to redo it without looking.")
    return Feedback(exercise.id, status, message, said, offer)


def _prediction_feedback(exercise: Exercise, prediction, correct: bool | None) -> str:
    """The prediction line; ``correct`` is None before an answer, else whether the answer is right. The result is
    compared only once the answer is right, by direction, never with numbers."""
    spec = exercise.prediction
    if spec is None:
        return ""
    if prediction is NOT_ANSWERED:
        return ("Prediction: not recorded. Write it after `prediction =` *before* you compute: "
                f"{_say(exercise, spec.asks)}." if correct is None else
                "Prediction: not recorded. Next time write it after `prediction =` before you compute; a guess "
                "made after seeing the result teaches less.")
    try:
        value = spec.kind.read(prediction)
    except ValueError as exc:
        return f"Prediction: should be {exc}."
    if correct is None:
        return "Prediction recorded. Now compute the answer and compare."
    if not correct:
        return "Prediction recorded. Once your answer is right, this line says whether the two agree."
    expected = spec.kind.read(spec.expected())
    why = _say(exercise, spec.why)
    if spec.kind.same(value, expected):
        return f"Prediction: your prediction and the result agree: {why}"
    direction = ""
    if isinstance(value, float) and isinstance(expected, float):
        direction = f" (your prediction was {'higher' if value > expected else 'lower'} than the result)"
    return f"Prediction: your prediction and the result disagree{direction}: {why} Where did your reasoning differ?"


def check(exercise_id: str, answer=NOT_ANSWERED, prediction=NOT_ANSWERED) -> None:
    """Print feedback on ``answer`` (and ``prediction``) for an exercise: not answered yet, correct, or not yet
    with a hint. Never raises: a learner's answer, however odd, gets a sentence."""
    try:
        result = feedback(exercise_id, answer, prediction, tries=_tries.get(exercise_id, 0))
    except KeyError:
        print(f"Exercise {exercise_id!r}: no such exercise; known: {', '.join(EXERCISES)}.")
        return
    except Exception as exc:  # noqa: BLE001 - the data or the package failed, not the learner
        print(f"Exercise {exercise_id}: the check could not run ({type(exc).__name__}). Run the notebook from the "
              "top (Run > Run All Cells) and try again; if this stays, tell your teacher.")
        return
    if result.status == NOT_YET:
        _tries[exercise_id] = _tries.get(exercise_id, 0) + 1
    print(result)


def worked_solution(exercise_id: str) -> str:
    """The worked solution of an exercise: the steps, how the notebook's solution computes it, and the result."""
    exercise = EXERCISES[exercise_id]
    kind = exercise.kind
    lines = [f"Worked solution for exercise {exercise.id} ({_say(exercise, exercise.asks)}).",
             f"Steps: {_sentence(_say(exercise, exercise.hint))}"]
    if exercise.teacher_answer:
        lines.append(f"The notebook's solution computes it as `{exercise.teacher_answer}`.")
    lines.append(f"Result: {kind.show(kind.read(exercise.expected()))}: {_say(exercise, exercise.right)}")
    if exercise.prediction:
        p = exercise.prediction
        lines.append(f"The prediction's answer: {p.kind.show(p.kind.read(p.expected()))}: "
                     f"{_say(exercise, p.why)}")
    return "\n".join(lines)


def solution(exercise_id: str) -> None:
    """Print the worked solution once it is open (after :data:`TRIES_BEFORE_SOLUTION` tries, or when the teacher
    opened it); before that, say how to get there. Never raises."""
    if exercise_id not in EXERCISES:
        print(f"Exercise {exercise_id!r}: no such exercise; known: {', '.join(EXERCISES)}.")
        return
    if _tries.get(exercise_id, 0) < TRIES_BEFORE_SOLUTION and not solutions_open(exercise_id):
        print(f"Exercise {exercise_id}: the worked solution opens after {TRIES_BEFORE_SOLUTION} tries with "
              "`check(...)`, or when your teacher opens the solutions. Try the hint first.")
        return
    try:
        print(worked_solution(exercise_id))
    except Exception as exc:  # noqa: BLE001
        print(f"Exercise {exercise_id}: the solution could not be computed ({type(exc).__name__}); run the notebook "
              "from the top and try again.")
