"""Issue 22 item 2's check: a validator that crashes must not pass as a validator that refuses.

For every function in src/dry_needling/data/*.py (the validator), makes a scratch copy of the repository in which
that one function raises at its first line, runs the validator's own tests against it (stopping at the first
failure), and reports each function whose crash no test notices. Exits 1 when there is one, 0 when every function's
crash fails at least one test. A measurement for the maintainers (minutes of CPU), not part of `make test`.

    .venv/bin/python tools/validator_raise_check.py                 # every function
    .venv/bin/python tools/validator_raise_check.py _read_table     # some functions, by name
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "src/dry_needling/data"
TESTS = ["tests/test_hostile_data.py", "tests/test_validation.py", "tests/test_data.py"]
COPY = ["src", "tests", "conftest.py", "data", "notebooks", "figures", "docs", "README.md", "pyproject.toml"]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ipynb_checkpoints")
MARK = 'raise RuntimeError("validator_raise_check: injected crash")'


def functions(path: Path) -> list[tuple[str, int, int]]:
    """(qualified name, line of the first body statement, its indent) for every function and method in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = child.body
                first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(
                    getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str) else body[0]
                found.append((prefix + child.name, first.lineno, first.col_offset))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
    visit(tree, "")
    return found


def scratch() -> Path:
    where = ROOT / "build" / "raise_check"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for item in COPY:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, where / item, ignore=SKIP)
        else:
            shutil.copy2(source, where / item)
    return where


def _pytest(where: Path, env: dict) -> subprocess.CompletedProcess:
    """The validator's tests in the scratch copy, stopping at the first failure."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n0", "-p", "no:randomly", "-p",
                           "no:cacheprovider", "-m", "not slow", "-o", "addopts=", "-rf", *TESTS],
                          cwd=where, env=env, capture_output=True, text=True, check=False)


def _failed(run: subprocess.CompletedProcess) -> str:
    """The failing test pytest names (its short summary line), or the output's last line."""
    for line in run.stdout.splitlines():
        if line.startswith("FAILED "):
            return line.split(" ", 2)[1]
    return (run.stdout.strip().splitlines() or ["(no output)"])[-1]


def main(argv: list[str]) -> int:
    where = scratch()
    env = {**os.environ, "PYTHONPATH": str(where / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    # The scratch copy's package must be the one imported, also by the tests' own subprocesses.
    probe = subprocess.run([sys.executable, "-c", "import dry_needling; print(dry_needling.__file__)"], env=env,
                           capture_output=True, text=True, check=True, cwd=where).stdout.strip()
    if not probe.startswith(str(where)):
        raise SystemExit(f"validator_raise_check: the scratch copy is not the package imported ({probe})")
    # The tests must pass in the scratch copy as it is: otherwise a failure would be counted as a crash noticed.
    baseline = _pytest(where, env)
    if baseline.returncode != 0:
        raise SystemExit(f"validator_raise_check: the tests fail without any crash injected:\n{_failed(baseline)}")
    unnoticed, rows = [], []
    for path in sorted((where / PACKAGE).glob("*.py")):
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines(keepends=True)
        for name, line, indent in functions(path):
            if argv and name not in argv and name.split(".")[-1] not in argv:
                continue
            changed = lines[:line - 1] + [" " * indent + MARK + "\n"] + lines[line - 1:]
            path.write_text("".join(changed), encoding="utf-8")
            started = time.perf_counter()
            run = _pytest(where, env)
            path.write_text(original, encoding="utf-8")
            seconds = time.perf_counter() - started
            where_ = f"{path.relative_to(where)}:{name}"
            if run.returncode == 1:
                verdict = f"noticed by {_failed(run)}"
            elif run.returncode == 0:
                verdict = "NOT NOTICED"
                unnoticed.append(where_)
            else:
                verdict = f"pytest exit {run.returncode}"
                unnoticed.append(where_)
            rows.append((where_, verdict))
            print(f"{where_}: {verdict} ({seconds:.0f} s)", flush=True)
    print(f"\n{len(rows) - len(unnoticed)} of {len(rows)} validator functions: a crash at the first line fails a test")
    for item in unnoticed:
        print(f"  not noticed: {item}")
    return 1 if unnoticed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
