"""`make mutation`: mutation testing of the statistics, the verdict rules, the validator and the prose binding.

For each group below, mutmut (pinned in requirements-dev.txt) makes small changes to the group's module (a flipped
comparison, a swapped operator, a nudged constant, ...) one at a time and runs the group's own tests against each
change. A mutant the tests notice is "killed"; one they do not notice "survived": either a test is missing, or the
change makes no difference a user could see (an equivalent mutant: docs/maintenance.md lists them with why).

Each group runs in its own scratch copy of the repository under build/mutation/<group>/ (mutmut writes a mutants/
folder next to the code it mutates), so the working tree is never touched. Prints the kill rate per group and every
survivor; exits 0 whatever the rates (a measurement, like `make bench`).

    .venv/bin/python tools/mutation.py                # every group
    .venv/bin/python tools/mutation.py meta blinding  # some groups
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# group -> (files to mutate, the group's own tests)
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "meta": (["src/dry_needling/meta.py"], ["tests/test_meta.py"]),
    "blinding": (["src/dry_needling/blinding.py"], ["tests/test_blinding.py"]),
    "simulate": (["src/dry_needling/simulate.py"], ["tests/test_simulate.py"]),
    "reanalysis": (["src/dry_needling/reanalysis.py"], ["tests/test_reanalysis.py"]),
    "claims": (["src/dry_needling/claims.py"], ["tests/test_claims.py"]),
    "evidence": (["src/dry_needling/evidence.py"], ["tests/test_evidence_reading.py"]),
    "validator": (
        ["src/dry_needling/data/*"],
        ["tests/test_validation.py", "tests/test_hostile_data.py", "tests/test_data.py"],
    ),
    "prose": (["src/dry_needling/prose.py"], ["tests/test_prose.py"]),
}

# What the tests read besides src/ and tests/ (mutmut copies these next to the mutants).
ALSO_COPY = ["conftest.py", "data", "figures", "notebooks", "docs", "README.md", "CHANGELOG.md", "CITATION.cff"]
SKIP = {".venv", ".git", "build", "mutants", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _scratch(group: str) -> Path:
    """A copy of the repository for one group, with mutmut's settings and plain pytest options."""
    files, tests = GROUPS[group]
    where = ROOT / "build" / "mutation" / group
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for item in ["src", "tests", *ALSO_COPY]:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, where / item, ignore=shutil.ignore_patterns(*SKIP))
        elif source.exists():
            shutil.copy2(source, where / item)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # The suite's own options start workers and notebooks; a mutant run wants one process and the unit tests.
    pyproject = re.sub(r"(?m)^addopts = .*$", 'addopts = "-p no:cacheprovider -p no:randomly -m \'not slow\'"',
                       pyproject)
    pyproject = re.sub(r'(?m)^testpaths = .*$', 'testpaths = ["tests"]', pyproject)
    pyproject += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src/"]\n'
        f"only_mutate = {_toml_list(files)}\n"
        f"also_copy = {_toml_list(ALSO_COPY)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        'pytest_add_cli_args = ["-q", "-x", "-W", "ignore"]\n'
        "use_git_change_detection = false\n"
    )
    (where / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return where


def _results(where: Path) -> dict[str, str]:
    """Mutant name -> status, from `mutmut results --all true`."""
    out = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"], cwd=where,
                         capture_output=True, text=True, check=False).stdout
    status = {}
    for line in out.splitlines():
        name, sep, state = line.strip().rpartition(": ")
        if sep and name:
            status[name] = state.strip()
    return status


def run_group(group: str, children: int) -> tuple[int, int, list[str], float]:
    where = _scratch(group)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(children)],
                          cwd=where, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    status = _results(where)
    if not status:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        raise SystemExit(f"{group}: mutmut produced no results (exit {proc.returncode}):\n{tail}")
    killed = sum(1 for s in status.values() if s in {"killed", "timeout", "segfault"})
    scored = sum(1 for s in status.values() if s in {"killed", "timeout", "segfault", "survived", "no tests"})
    survivors = sorted(name for name, s in status.items() if s in {"survived", "no tests"})
    return killed, scored, survivors, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[*GROUPS, []], metavar="group", help=", ".join(GROUPS))
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    args = parser.parse_args(argv)
    rows = []
    for group in args.groups or list(GROUPS):
        print(f"[mutation] {group} ...", flush=True)
        killed, scored, survivors, elapsed = run_group(group, args.children)
        rows.append((group, killed, scored, elapsed))
        for name in survivors:
            print(f"  survived: {name}   (show it: cd build/mutation/{group} && ../../../.venv/bin/mutmut show {name})")
    print("\n| module | mutants | killed | kill rate | time |\n|---|---|---|---|---|")
    for group, killed, scored, elapsed in rows:
        rate = f"{100 * killed / scored:.0f} %" if scored else "n/a"
        print(f"| {group} | {scored} | {killed} | {rate} | {elapsed:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
