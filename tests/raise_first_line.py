"""Make each function of ``src/dry_needling/data/`` raise at its first line, one at a time, and run the validator's
tests against it (issue 22, item 2): every such mutant must fail at least one test.

    .venv/bin/python tests/raise_first_line.py [NAME ...]   # NAME filters functions, e.g. own_checks or _cut

Works on a copy of the repository in a temporary folder (the working tree is never changed); the copy's ``src`` is
put first on PYTHONPATH. Runs the quick tests first and the slower property tests only for a mutant the quick ones
miss. Not part of ``make test``: about 20 minutes for the 63 functions on 2 cores.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["tests/test_hostile_data.py", "tests/test_validation.py"]
SLOW = ["tests/test_data.py", "tests/test_hostile_api.py", "tests/test_validation_equivalence.py",
        "tests/test_validation_properties.py"]


def _first_statement(function: ast.FunctionDef) -> ast.stmt:
    body = function.body
    docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
        isinstance(body[0].value.value, str)
    return body[1] if docstring and len(body) > 1 else body[0]


def main(only: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", "build", ".git", "__pycache__"))
        env = dict(os.environ, PYTHONPATH=str(work / "src"), DRY_NEEDLING_BUILD=str(Path(tmp) / "build"))

        def fails(files: list[str]) -> bool:
            done = subprocess.run([sys.executable, "-m", "pytest", *files, "-x", "-q", "-n", "0", "-o", "addopts=",
                                   "-p", "no:cacheprovider"], cwd=work, env=env, capture_output=True, text=True)
            return done.returncode != 0

        assert not fails(QUICK) and not fails(SLOW), "the unchanged copy must pass its tests first"
        survivors, total = [], 0
        for module in sorted((work / "src/dry_needling/data").glob("*.py")):
            original = module.read_text(encoding="utf-8")
            lines = original.splitlines(keepends=True)
            for function in (n for n in ast.walk(ast.parse(original))
                             if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
                name = f"{module.name}:{function.name}:{function.lineno}"
                if only and not any(o in name for o in only):
                    continue
                first = _first_statement(function)
                raising = " " * first.col_offset + "raise RuntimeError('mutant')\n"
                module.write_text("".join(lines[:first.lineno - 1] + [raising] + lines[first.lineno - 1:]),
                                  encoding="utf-8")
                started = time.perf_counter()
                killed = fails(QUICK) or fails(SLOW)
                module.write_text(original, encoding="utf-8")
                total += 1
                print(f"{'killed' if killed else 'SURVIVED'} {name} ({time.perf_counter() - started:.0f} s)",
                      flush=True)
                if not killed:
                    survivors.append(name)
        print(f"{total - len(survivors)} of {total} killed; survivors: {survivors or 'none'}")
        return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
