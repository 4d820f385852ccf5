"""Small helpers on files and notebook source shared by the package: one atomic write, and the figure names
a notebook's ``save_figure`` calls give."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "figure_names_in"]


def atomic_write(path: str | Path, payload: bytes | str, *, skip_unchanged: bool = False) -> None:
    """Write ``payload`` (text is written as UTF-8) to ``path`` through a temporary file in the same folder and a
    rename, so a reader sees the old file or the new one, never half of one; the temporary file is removed on any
    failure. The file is readable by everyone (0644). With ``skip_unchanged``, a file that already holds these
    bytes is left alone (its time stamp too)."""
    path = Path(path)
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    if skip_unchanged and path.is_file() and path.read_bytes() == data:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_QUOTED = r"""(["'])(?P<name>[^"'\\\n]*)\1"""
_POSITIONAL = re.compile(r"\s*(?:fig\s*=\s*)?[\w.\[\]]+\s*,\s*(?:name\s*=\s*)?" + _QUOTED)
_KEYWORD = re.compile(r"[^()]*?\bname\s*=\s*" + _QUOTED)


def figure_names_in(source: str) -> list[str]:
    """The figure names in ``source``'s ``save_figure`` calls, in order: the second argument, or ``name=``, in
    single or double quotes (a name that is not a string literal is not listed).

    >>> figure_names_in('charts.save_figure(fig, "burden", alt="...")\\nsave_figure(ax.figure, name=\\'map\\')')
    ['burden', 'map']
    >>> figure_names_in("save_figure(name='late', fig=fig)")
    ['late']
    """
    names = []
    for call in re.finditer(r"\bsave_figure\(", source):
        rest = source[call.end():]
        match = _POSITIONAL.match(rest) or _KEYWORD.match(rest)
        if match:
            names.append(match.group("name"))
    return names
