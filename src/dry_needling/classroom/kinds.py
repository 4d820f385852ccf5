"""Kinds of answer (how to read one, and when two are the same) and what an exercise is.

Reading a learner's answer never raises anything but :class:`ValueError` (saying what was expected) and never runs
unbounded: numbers are converted with bounds (``10**400`` is "too large", not an ``OverflowError``), whatever the
answer's own methods raise (``__float__``, ``__repr__``, ``__iter__``, ``__eq__``) is caught, and iterables are read
through :data:`MAX_ITEMS` + 1 items at most (an endless generator is refused, not consumed).
"""

from __future__ import annotations

import itertools
import math
import numbers as _numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

NOT_ANSWERED = ...
NOT_ANSWERED_YET, CORRECT, NOT_YET = "not answered yet", "correct", "not yet"

#: The most items a list, tuple, set or other iterable answer may hold (more is refused without reading further).
MAX_ITEMS = 100
#: The longest text answer read (longer text is refused before it is split or lowered).
MAX_TEXT = 10_000
#: The largest magnitude a number answer may have (beyond it the answer is refused as too large).
MAX_MAGNITUDE = 1e15


class ClassroomError(Exception):
    """A notebook is not tagged the way the classroom editions need (the message says where and how)."""


@dataclass(frozen=True)
class Kind:
    describe: str
    read: Callable[[Any], Any]  # the learner's value -> a canonical value; ValueError says what was expected
    same: Callable[[Any, Any], bool]
    show: Callable[[Any], str] = str
    tolerance: float | None = None  # for numbers: how far from the expected value still counts as the same


def _as_float(value) -> float:
    """``value`` as a finite float of bounded size; ValueError for anything else (never another exception)."""
    if isinstance(value, bool) or isinstance(value, str | bytes | bytearray):
        raise ValueError
    try:
        if isinstance(value, int) and abs(value).bit_length() > 64:  # 10**400: refuse before converting
            raise ValueError
        if not isinstance(value, _numbers.Real | Decimal):
            item = getattr(value, "item", None)  # a 0-d NumPy array or a NumPy scalar
            shape = getattr(value, "shape", None)
            if item is None or shape not in ((), None):
                raise ValueError
            value = item()
            if isinstance(value, bool):
                raise ValueError
        number = float(value)
    except ValueError:
        raise
    except Exception:  # noqa: BLE001 - whatever the answer's own __float__ or item() raises
        raise ValueError from None
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise ValueError
    return number


def _first_items(value, limit: int = MAX_ITEMS) -> list:
    """At most ``limit`` items of an iterable answer; ValueError if it has more (or cannot be iterated)."""
    if isinstance(value, str | bytes | bytearray):
        raise ValueError
    try:
        items = list(itertools.islice(iter(value), limit + 1))
    except Exception:  # noqa: BLE001 - the answer's own __iter__ / __next__
        raise ValueError from None
    if len(items) > limit:
        raise ValueError
    return items


def number(tolerance: float, describe: str = "a number", attribute: str | None = None) -> Kind:
    """A number, equal within ``tolerance``; an object with ``attribute`` (e.g. a Bang result's ``ci_low``) is read
    through it."""
    def read(value):
        try:
            if attribute and not isinstance(value, _numbers.Number) and hasattr(value, attribute):
                value = getattr(value, attribute)
            return _as_float(value)
        except Exception:  # noqa: BLE001 - hasattr/getattr run the answer's own code
            raise ValueError(_not(describe, value)) from None
    return Kind(describe, read, lambda a, b: abs(a - b) <= tolerance + 1e-12,
                lambda v: f"{v:.3g}" if tolerance else f"{v:g}", tolerance)


def numbers(count: int, tolerance: float, describe: str) -> Kind:
    """``count`` numbers in any order (a tuple or list), each equal within ``tolerance``."""
    def read(value):
        try:
            items = [getattr(v, "estimate", v) for v in _first_items(value, count)]
            if len(items) != count:
                raise ValueError
            return tuple(sorted(_as_float(v) for v in items))
        except Exception:  # noqa: BLE001
            raise ValueError(_not(describe, value)) from None
    return Kind(describe, read, lambda a, b: all(abs(x - y) <= tolerance + 1e-12 for x, y in zip(a, b, strict=True)),
                lambda v: "(" + ", ".join(f"{x:.2f}" for x in v) + ")", tolerance)


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
            raise ValueError(_not(describe, value))
        if len(value) > MAX_TEXT:
            raise ValueError(_not(describe, value))
        word = str.lower(str.strip(value))
        word = synonyms.get(word, word)
        if word not in options:
            raise ValueError(_not(describe, value))
        return word
    return Kind(describe, read, lambda a, b: a == b)


def label_set(describe: str, normalise: Callable[[str], str]) -> Kind:
    """A set of labels (a list, a set, or one comma-separated string; an empty list or "none" for none)."""
    def read(value):
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ValueError(_not(describe, value))
            value = [] if str.lower(str.strip(value)) in {"", "none", "no", "nothing"} else str.split(value, ",")
        try:
            items = _first_items(value)
        except ValueError:
            raise ValueError(_not(f"{describe} (at most {MAX_ITEMS})", value)) from None
        if not all(type(v) is str for v in items):
            raise ValueError(_not(f"{describe} (as text)", value))
        return frozenset(normalise(v) for v in items if v.strip())
    return Kind(describe, read, lambda a, b: a == b, lambda v: "{" + ", ".join(sorted(v)) + "}" if v else "none")


def _short(value) -> str:
    """What kind of value ``value`` is, for a message: never its digits or text (an invalid answer may still hold
    the expected value, as text in quotes for example), never the answer's own ``__repr__``; never raises."""
    if value is NOT_ANSWERED:
        return "..."
    if value is None or isinstance(value, bool):
        return repr(bool(value)) if isinstance(value, bool) else "None"
    if isinstance(value, str | bytes | bytearray):
        return "text (in quotes)"
    if isinstance(value, int) and abs(value).bit_length() > 64:
        return f"a whole number with about {int(abs(value).bit_length() * math.log10(2)) + 1:,} digits (too large)"
    if isinstance(value, _numbers.Number | Decimal):
        return "that number (not finite, too large or of another kind)"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _not(describe: str, value) -> str:
    return f"{describe}, not {_short(value)}"


@dataclass(frozen=True)
class Prediction:
    asks: str
    kind: Kind
    expected: Callable[[], Any]
    why: str  # why the computed result is what it is (may quote {facts}; shown only once the answer is correct)


@dataclass(frozen=True)
class Exercise:
    """One checked exercise. Its texts may quote numbers computed by ``facts`` as ``{name}`` or ``{name:.2f}``
    (``str.format`` fields): numbers in feedback come from the same computation as the notebook, never typed."""
    id: str
    asks: str  # what ``answer`` holds
    kind: Kind
    expected: Callable[[], Any]  # computed from the data and the package, never typed in
    right: str  # said when the answer is correct
    hint: str  # said when the answer is wrong in a way not listed in ``wrong``: a next step, never the answer
    wrong: tuple = ()  # (value or predicate on the read answer, hint): names the misconception, never the answer
    prediction: Prediction | None = None
    teacher_answer: str = ""  # code for the teacher's checked answer (shown in the teacher's note)
    facts: Callable[[], dict] | None = None  # numbers the texts quote, computed from the data and the package
