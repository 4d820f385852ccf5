"""Kinds of answer (how to read one, and when two are the same) and what an exercise is."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

NOT_ANSWERED = ...
NOT_ANSWERED_YET, CORRECT, NOT_YET = "not answered yet", "correct", "not yet"


class ClassroomError(Exception):
    """A notebook is not tagged the way the classroom editions need (the message says where and how)."""




@dataclass(frozen=True)
class Kind:
    describe: str
    read: Callable[[Any], Any]  # the learner's value -> a canonical value; ValueError says what was expected
    same: Callable[[Any, Any], bool]
    show: Callable[[Any], str] = str


def _as_float(value) -> float:
    if isinstance(value, bool) or isinstance(value, str | bytes):
        raise ValueError
    number = float(value)
    if math.isnan(number):
        raise ValueError
    return number


def number(tolerance: float, describe: str = "a number", attribute: str | None = None) -> Kind:
    """A number, equal within ``tolerance``; an object with ``attribute`` (e.g. a Bang result's ``ci_low``) is read
    through it."""
    def read(value):
        if attribute and hasattr(value, attribute):
            value = getattr(value, attribute)
        try:
            return _as_float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{describe}, not {_short(value)}") from None
    return Kind(describe, read, lambda a, b: abs(a - b) <= tolerance + 1e-12,
                lambda v: f"{v:.3g}" if tolerance else f"{v:g}")


def numbers(count: int, tolerance: float, describe: str) -> Kind:
    """``count`` numbers in any order (a tuple or list), each equal within ``tolerance``."""
    def read(value):
        try:
            items = [getattr(v, "estimate", v) for v in value]
            if len(items) != count:
                raise ValueError
            return tuple(sorted(_as_float(v) for v in items))
        except (TypeError, ValueError):
            raise ValueError(f"{describe}, not {_short(value)}") from None
    return Kind(describe, read, lambda a, b: all(abs(x - y) <= tolerance + 1e-12 for x, y in zip(a, b, strict=True)),
                lambda v: "(" + ", ".join(f"{x:.2f}" for x in v) + ")")


def choice(options: Iterable[str], synonyms: dict | None = None) -> Kind:
    """One word out of ``options`` (case and spaces ignored); ``synonyms`` maps other values (True, "yes") to one."""
    options = tuple(options)
    synonyms = dict(synonyms or {})
    describe = " or ".join(f'"{o}"' for o in options)

    def read(value):
        if isinstance(value, bool) or not isinstance(value, str):
            for key, option in synonyms.items():
                if type(key) is type(value) and key == value:
                    return option
            raise ValueError(f"{describe}, not {_short(value)}")
        word = value.strip().lower()
        word = synonyms.get(word, word)
        if word not in options:
            raise ValueError(f"{describe}, not {_short(value)}")
        return word
    return Kind(describe, read, lambda a, b: a == b)


def label_set(describe: str, normalise: Callable[[str], str]) -> Kind:
    """A set of labels (a list, a set, or one comma-separated string; an empty list or "none" for none)."""
    def read(value):
        if isinstance(value, str):
            value = [] if value.strip().lower() in {"", "none", "no", "nothing"} else value.split(",")
        try:
            items = list(value)
        except TypeError:
            raise ValueError(f"{describe}, not {_short(value)}") from None
        if not all(isinstance(v, str) for v in items):
            raise ValueError(f"{describe} (as text), not {_short(value)}")
        return frozenset(normalise(v) for v in items if v.strip())
    return Kind(describe, read, lambda a, b: a == b, lambda v: "{" + ", ".join(sorted(v)) + "}" if v else "none")


def _short(value) -> str:
    if value is NOT_ANSWERED:
        return "..."
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


@dataclass(frozen=True)
class Prediction:
    asks: str
    kind: Kind
    expected: Callable[[], Any]
    why: str  # why the computed result is what it is


@dataclass(frozen=True)
class Exercise:
    id: str
    asks: str  # what ``answer`` holds
    kind: Kind
    expected: Callable[[], Any]  # computed from the data and the package, never typed in
    right: str  # said when the answer is correct
    hint: str  # said when the answer is wrong in a way not listed in ``wrong``
    wrong: tuple = ()  # (value or predicate on the read answer, hint)
    prediction: Prediction | None = None
    teacher_answer: str = ""  # code for the teacher's checked answer (shown in the teacher's note)
