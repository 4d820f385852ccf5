"""Feedback on a learner's answer and prediction: ``check`` prints it, ``feedback`` returns it."""

from __future__ import annotations

from dataclasses import dataclass

from .exercises import EXERCISES
from .kinds import CORRECT, NOT_ANSWERED, NOT_ANSWERED_YET, NOT_YET, Exercise


@dataclass(frozen=True)
class Feedback:
    exercise: str
    status: str
    message: str
    prediction: str = ""

    def __str__(self) -> str:
        text = f"Exercise {self.exercise}: {self.status}. {self.message}"
        return text + (f"\n{self.prediction}" if self.prediction else "")


def _matches(rule, value) -> bool:
    try:
        return bool(rule(value)) if callable(rule) else value == rule
    except (TypeError, ValueError):
        return False


def feedback(exercise_id: str, answer=NOT_ANSWERED, prediction=NOT_ANSWERED) -> Feedback:
    """The feedback :func:`check` prints, as a value (for tests and for other front ends)."""
    exercise = EXERCISES.get(exercise_id)
    if exercise is None:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}")
    said = _prediction_feedback(exercise, prediction, answered=answer is not NOT_ANSWERED)
    if answer is NOT_ANSWERED:
        return Feedback(exercise.id, NOT_ANSWERED_YET, f"Replace the ... after `answer =` in the cell above with "
                        f"{exercise.asks} ({exercise.kind.describe}), run that cell, then this one.", said)
    try:
        value = exercise.kind.read(answer)
    except ValueError as exc:
        return Feedback(exercise.id, NOT_YET, f"`answer` should be {exc}.", said)
    expected = exercise.kind.read(exercise.expected())
    if exercise.kind.same(value, expected):
        return Feedback(exercise.id, CORRECT, f"{exercise.kind.show(value)}: {exercise.right}", said)
    for rule, hint in exercise.wrong:
        if not callable(rule):
            rule_value = exercise.kind.read(rule)
            rule = lambda a, r=rule_value: exercise.kind.same(a, r)  # noqa: E731
        if _matches(rule, value):
            return Feedback(exercise.id, NOT_YET, f"{exercise.kind.show(value)}: {hint[0].upper()}{hint[1:]}", said)
    return Feedback(exercise.id, NOT_YET, f"{exercise.kind.show(value)} is not it. Hint: {exercise.hint}", said)


def _prediction_feedback(exercise: Exercise, prediction, answered: bool) -> str:
    spec = exercise.prediction
    if spec is None:
        return ""
    if prediction is NOT_ANSWERED:
        return ("Prediction: not recorded. Write it after `prediction =` *before* you compute: "
                f"{spec.asks}." if not answered else
                "Prediction: not recorded. Next time write it after `prediction =` before you compute; a guess "
                "made after seeing the result teaches less.")
    try:
        value = spec.kind.read(prediction)
    except ValueError as exc:
        return f"Prediction: should be {exc}."
    if not answered:
        return f"Prediction recorded: {spec.kind.show(value)}. Now compute the answer and compare."
    expected = spec.kind.read(spec.expected())
    if spec.kind.same(value, expected):
        return f"Prediction: you predicted {spec.kind.show(value)}, and the result agrees: {spec.why}"
    return (f"Prediction: you predicted {spec.kind.show(value)}; the computed result says "
            f"{spec.kind.show(expected)}: {spec.why} Where did your reasoning differ?")


def check(exercise_id: str, answer=NOT_ANSWERED, prediction=NOT_ANSWERED) -> None:
    """Print feedback on ``answer`` (and ``prediction``) for an exercise: not answered yet, correct, or not yet
    with a hint. Never raises on a learner's answer."""
    print(feedback(exercise_id, answer, prediction))
