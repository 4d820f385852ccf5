"""When the data go stale: rows whose ``review_by`` date has passed.

Time-sensitive rows (regulation, training rules, billing codes, counts "as of" a date, the claims ledger,
guideline recommendations) carry a ``review_by`` date. :func:`overdue` lists the rows past it on a given
day; ``python -m dry_needling validate --stale [--as-of DATE]`` prints them as a warning (exit 0), and the
report shows a dated line on every page and a banner when anything is overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import data

__all__ = ["Overdue", "overdue", "data_as_of", "next_review"]


@dataclass(frozen=True)
class Overdue:
    table: str
    row_id: str
    review_by: dt.date
    what: str

    def __str__(self) -> str:
        return f"{self.table}.csv, {self.row_id}: review due {self.review_by:%Y-%m-%d} ({self.what})"


def _key_column(frame: pd.DataFrame) -> str:
    for column in ("id", "postal_code", "comparison_id"):
        if column in frame:
            return column
    return frame.columns[0]


def _tables(data_dir=None) -> dict[str, pd.DataFrame]:
    return {name: frame for name, frame in data.load_all(data_dir).items() if "review_by" in frame}


def overdue(as_of: dt.date | str | None = None, data_dir: str | Path | None = None) -> list[Overdue]:
    """Rows whose ``review_by`` is before ``as_of`` (default: today), oldest first."""
    day = pd.Timestamp(as_of or dt.date.today()).normalize()
    rows = []
    for name, frame in _tables(data_dir).items():
        key = _key_column(frame)
        late = frame[frame["review_by"] < day]
        for row in late.itertuples():
            what = next((str(getattr(row, c)) for c in ("claim", "measure", "name", "recommendation", "note")
                         if hasattr(row, c) and pd.notna(getattr(row, c))), "")
            rows.append(Overdue(name, str(getattr(row, key)), row.review_by.date(), what[:80]))
    return sorted(rows, key=lambda r: (r.review_by, r.table, r.row_id))


def data_as_of(data_dir: str | Path | None = None) -> dt.date:
    """The newest ``accessed`` date in sources.csv: the day the data were last checked against a source."""
    return data.load("sources", data_dir)["accessed"].max().date()


def next_review(data_dir: str | Path | None = None) -> dt.date:
    """The earliest ``review_by`` date of any time-sensitive row."""
    return min(frame["review_by"].min() for frame in _tables(data_dir).values()).date()
