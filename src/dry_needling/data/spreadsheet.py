"""Text that a spreadsheet would run as a formula ("CSV injection"): flagged in the data's text columns by
``validate`` and refused by ``charts.save_figure`` in a figure's title, alt text and source.

A cell that starts with ``=`` is a formula in every spreadsheet. ``+``, ``-`` and ``@`` start one too, but they
also start ordinary text ("-5 %", "- see below", "+1 day") and negative numbers, so a cell starting with them is
flagged only when what follows looks like a formula: a function call (``+HYPERLINK(``, ``@SUM(``), a cell or
sheet reference (``-A1``, ``+Sheet1!B2``), another ``=``, or a ``|`` (a DDE command: ``-1+cmd|' /C calc'!A0``).
Leading spaces, tabs and line breaks are skipped first (some spreadsheets trim them on import). Numbers in numeric
columns are never text, so negative numbers there are never flagged.
"""

from __future__ import annotations

import re

_FUNCTION = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\(")
_REFERENCE = re.compile(r"\$?[A-Za-z]{1,3}\$?[0-9]+(?![0-9A-Za-z])|[A-Za-z0-9_.']+!")

#: What a flagged cell was expected to be, in words (for the located problem).
FORMULA_EXPECTED = ("text that does not start like a spreadsheet formula (=, or +, - or @ followed by a function, "
                    "a cell reference or a command: a spreadsheet would run it; reword it or start it with a letter)")


def formula_like(text: str) -> bool:
    """Whether ``text`` would be run as a formula by a spreadsheet that opens it from a CSV file."""
    stripped = text.lstrip(" \t\r\n")
    if not stripped or stripped[0] not in "=+-@":
        return False
    rest = stripped.lstrip("+-@ ")  # a cell starting with "=" keeps it here: a formula
    return (rest.startswith("=") or "|" in stripped or _FUNCTION.match(rest) is not None
            or _REFERENCE.match(rest) is not None)
