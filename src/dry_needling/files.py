"""Small helpers on files shared by the package: one atomic write. (The figure names a notebook saves:
:func:`dry_needling.notebooks.figure_names`.)"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


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
