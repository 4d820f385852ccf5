"""What every part of the report builder shares: its errors and the one fingerprint helper."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.


TEMPLATES = Path(__file__).parent.parent / "templates"
CACHE_FILE = "manifest.json"

#: Where the build writes its progress lines (``print`` on the command line).
Log = Callable[..., None]


class BuildFailed(RuntimeError):
    """The build stopped; the message is one line naming what failed (a notebook, a file, a folder)."""


class NotebookFailed(BuildFailed):
    """A notebook raised during execution; the message names the notebook and the cell."""


# ---------------------------------------------------------------------------------------
# One fingerprint helper for every content-hash cache (execution, pages, sources, PDF)


def fingerprint(*parts: object) -> str:
    """SHA-256 over ``parts``: bytes and str as they are, a ``Path`` as its name and bytes (or a
    marker when missing), anything else as sorted JSON. Each part is length-prefixed, so moving
    bytes from one part to the next changes the result."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            data = part.name.encode() + b"\0" + (part.read_bytes() if part.is_file() else b"<missing>")
        elif isinstance(part, bytes):
            data = part
        elif isinstance(part, str):
            data = part.encode()
        else:
            data = json.dumps(part, sort_keys=True, default=str).encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def builder_code() -> list[Path]:
    """The builder's own source files (part of every page, sources and PDF key)."""
    return sorted(Path(__file__).parent.glob("*.py"))
