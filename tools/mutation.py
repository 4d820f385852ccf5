"""`make mutation`: mutation testing of the statistics, the verdict rules, the validator and the prose binding.

For each group below, mutmut (pinned in requirements-dev.txt) makes small changes to the group's module (a flipped
comparison, a swapped operator, a nudged constant, ...) one at a time and runs the group's own tests against each
change. A mutant the tests notice is "killed"; one they do not notice "survived": either a test is missing, or the
change makes no difference a user could see (an equivalent mutant: docs/maintenance.md lists them with why).

Each group runs in its own scratch copy of the repository under build/mutation/<group>/ (mutmut writes a mutants/
folder next to the code it mutates), so the working tree is never touched. mutmut's own progress goes to
build/mutation/<group>/mutmut.log; every survivor, with the line it changed, is printed and written with its whole
diff to build/mutation/<group>/survivors.txt. Prints the kill rate per group; exits 0 whatever the rates (a
measurement, like `make bench`), 2 when a group cannot be run at all.

    .venv/bin/python tools/mutation.py                            # every group, as many mutants at once as cores
    .venv/bin/python tools/mutation.py blinding simulate --children 1   # some groups, one mutant at a time
    .venv/bin/python tools/mutation.py validator --again          # after adding tests: see below

``--again`` keeps a group's scratch copy from its last run (a finished or a stopped one), brings the current src/
and tests/ into it, and tests only what the new code and tests can change: the mutants not yet tested, every mutant
of a function whose code changed (mutmut finds them by each function's hash), and each survivor of the last run
that a new test (a test name the last run did not have) reaches. A mutant the last run's tests killed stays killed
(tests are only added), which makes the figures those of a full run at a fraction of its time. Run without
``--again`` for a measurement from scratch (and after changing, rather than adding, a test).
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

# group -> (files to mutate, the group's own tests). A module's own tests are the test files written to test it
# (its main file, and the doctests, hostile-input and appraisal tests that call it on purpose), not every test
# that happens to pass through it: a mutant killed only by a notebook or a report test is a missing unit test.
# (mutmut then runs, for each mutant, only those of these tests that reach the mutated function.)
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "meta": (["src/dry_needling/meta.py"],
             ["tests/test_meta.py", "tests/test_meta_edges.py", "tests/test_doctests.py"]),
    "blinding": (["src/dry_needling/blinding.py"],
                 ["tests/test_blinding.py", "tests/test_doctests.py", "tests/test_hostile_api.py"]),
    "simulate": (["src/dry_needling/simulate.py"], ["tests/test_simulate.py", "tests/test_hostile_api.py"]),
    "reanalysis": (["src/dry_needling/reanalysis.py"], ["tests/test_reanalysis.py"]),
    "claims": (["src/dry_needling/claims.py"],
               ["tests/test_claims.py", "tests/test_claims_rules.py", "tests/test_appraisal.py"]),
    "evidence": (["src/dry_needling/evidence.py"],
                 ["tests/test_evidence_reading.py", "tests/test_appraisal.py", "tests/test_regulation_evidence.py",
                  "tests/test_evidence_edges.py"]),
    "validator": (
        ["src/dry_needling/data/*"],
        ["tests/test_validation.py", "tests/test_hostile_data.py", "tests/test_data.py",
         "tests/test_validator_edges.py", "tests/test_validator_rows.py", "tests/test_validator_descriptor.py"],
    ),
    # The plain-language summaries' certainty words and the `check` command are prose's too (unbound_certainty, main).
    "prose": (["src/dry_needling/prose.py"],
              ["tests/test_prose.py", "tests/test_plain_language.py", "tests/test_prose_cli.py"]),
}

# What the tests read besides src/ and tests/ (mutmut copies these next to the mutants).
ALSO_COPY = ["conftest.py", "data", "figures", "notebooks", "docs", "README.md", "CHANGELOG.md", "CITATION.cff"]
SKIP = {".venv", ".git", "build", "mutants", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache",
        ".hypothesis"}

# mutmut's statuses: a kill, a survivor, or neither (not scored, but reported when present).
KILLED = {"killed", "timeout", "segfault"}
SURVIVED = {"survived", "no tests"}

# Runs inside a group's scratch copy: every survivor with its diff, as JSON (mutmut 3.8.1's own functions, which
# `mutmut show` prints one mutant per process; one process for all of them is much faster).
_DIFFS = """
import json
from mutmut.__main__ import SourceFileMutationData, walk_mutatable_files
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
out = {}
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        out[name] = [status_by_exit_code[code], get_diff_for_mutant(name, path=data.path)]
print(json.dumps(out))
"""


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _sync(source: Path, target: Path) -> None:
    """Bring ``target`` up to date with ``source``: only files whose bytes differ are copied, with a new modification
    time (mutmut makes a file's mutants again when its source is newer than them)."""
    if source.is_dir():
        for path in source.rglob("*"):
            if path.is_file() and not SKIP.intersection(path.relative_to(source).parts):
                _sync(path, target / path.relative_to(source))
    elif source.is_file() and (not target.is_file() or target.read_bytes() != source.read_bytes()):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _scratch(group: str, again: bool = False) -> Path:
    """A copy of the repository for one group, with mutmut's settings and plain pytest options (``again``: the
    last run's copy, brought up to date)."""
    files, tests = GROUPS[group]
    missing = [t for t in tests if not (ROOT / t).is_file()]
    if missing:
        raise SystemExit(f"tools/mutation.py: group {group}: no test file {', '.join(missing)} (update GROUPS)")
    where = ROOT / "build" / "mutation" / group
    if again:
        if not (where / "mutants").is_dir():
            raise SystemExit(f"tools/mutation.py: group {group}: no earlier run in {where} to run again")
        for item in ["src", "tests", *ALSO_COPY]:
            _sync(ROOT / item, where / item)
    else:
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
        # Other warnings are ignored (mutmut's own machinery), but a numerical warning (overflow, division by zero,
        # an invalid value) fails a test as it does in the suite (filterwarnings = error): a mutant that removes a
        # np.errstate guard is noticed.
        'pytest_add_cli_args = ["-q", "-x", "-W", "ignore", "-W", "error::RuntimeWarning"]\n'
        "use_git_change_detection = false\n"
    )
    (where / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return where


def _changed_lines(diff: str) -> str:
    """The removed and added lines of a mutant's diff, for a one-glance list."""
    lines = [line for line in diff.splitlines()[2:] if line[:1] in "+-"]
    return "\n".join(f"      {line}" for line in lines)


def _results(where: Path, env: dict) -> tuple[dict, str]:
    """Every mutant of a scratch copy: name -> [status, diff]; and what the listing wrote to stderr."""
    listing = subprocess.run([sys.executable, "-c", _DIFFS], cwd=where, env=env, capture_output=True, text=True,
                             check=False)
    return (json.loads(listing.stdout) if listing.returncode == 0 and listing.stdout.strip() else {}), listing.stderr


def _stats(where: Path) -> dict:
    """mutmut's record of which tests reach which function (empty before a first run)."""
    try:
        return json.loads((where / "mutants" / "mutmut-stats.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_group(group: str, children: int, again: bool = False) -> dict:
    where = _scratch(group, again)
    log = where / "mutmut.log"
    print(f"[mutation] {group}: {len(GROUPS[group][1])} test files; progress in {log.relative_to(ROOT)}", flush=True)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = str(Path(sys.executable).parent / "mutmut")
    before = _results(where, env)[0] if again else {}
    # The tests of the last run that finished (a stopped run's survivors were found with those, or earlier ones).
    baseline = where / "tests-of-last-finished-run.json"
    tests_before = set(json.loads(baseline.read_text(encoding="utf-8"))) if again and baseline.is_file() else set()
    with log.open("a" if again else "w", encoding="utf-8") as out:
        # First the mutants never tested (all of them; with --again, those of functions whose code changed) ...
        proc = subprocess.run([mutmut, "run", "--max-children", str(children)], cwd=where, env=env, stdout=out,
                              stderr=subprocess.STDOUT, check=False)
        # ... then, with --again, the last run's survivors that a new test reaches (mutmut found the new tests and
        # which functions they reach in the run above): a survivor no new test reaches cannot have been killed.
        reach = _stats(where).get("tests_by_mangled_function_name", {})
        survivors = [name for name, (status, _) in _results(where, env)[0].items()
                     if status in SURVIVED and before.get(name, [""])[0] in SURVIVED
                     and set(reach.get(name.rsplit("__mutmut_", 1)[0], ())) - tests_before]
        if survivors:
            proc = subprocess.run([mutmut, "run", "--max-children", str(children), *sorted(survivors)], cwd=where,
                                  env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if proc.returncode == 0:
        baseline.write_text(json.dumps(sorted(_stats(where).get("duration_by_test", {}))), encoding="utf-8")
    elapsed = time.perf_counter() - started
    mutants, errors = _results(where, env)
    if not mutants:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
        raise SystemExit(f"{group}: mutmut produced no results (exit {proc.returncode}; {log}):\n{tail}\n"
                         f"{errors[-2000:]}")
    survivors = sorted(name for name, (status, _) in mutants.items() if status in SURVIVED)
    other: dict[str, int] = {}
    for status, _ in mutants.values():
        if status not in KILLED | SURVIVED:
            other[status] = other.get(status, 0) + 1
    with (where / "survivors.txt").open("w", encoding="utf-8") as fh:
        for name in survivors:
            status, diff = mutants[name]
            fh.write(f"# {name}: {status}\n{diff}\n\n")
    return {
        "group": group,
        "killed": sum(1 for status, _ in mutants.values() if status in KILLED),
        "scored": sum(1 for status, _ in mutants.values() if status in KILLED | SURVIVED),
        "survivors": [(name, mutants[name][0], _changed_lines(mutants[name][1])) for name in survivors],
        "other": other,
        "seconds": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", metavar="group", help="some of: " + ", ".join(GROUPS) + " (default: all)")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1,
                        help="mutants tested at once (default: the number of cores; 1 on a shared machine)")
    parser.add_argument("--again", action="store_true",
                        help="keep the last run's results: test only changed functions' mutants and the survivors")
    args = parser.parse_args(argv)
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    if args.children < 1:
        parser.error("--children must be at least 1")
    rows = []
    for group in dict.fromkeys(args.groups or GROUPS):
        row = run_group(group, args.children, args.again)
        rows.append(row)
        for name, status, changed in row["survivors"]:
            print(f"  {status}: {name}\n{changed}")
        if row["survivors"]:
            print(f"  ({len(row['survivors'])} survivors of {group}, each with its diff: "
                  f"build/mutation/{group}/survivors.txt)")
        if row["other"]:
            print(f"  not scored: {', '.join(f'{n} {s}' for s, n in sorted(row['other'].items()))}")
    print("\n| module | mutants | killed | kill rate | time |\n|---|---|---|---|---|")
    for row in rows:
        rate = f"{100 * row['killed'] / row['scored']:.1f} %" if row["scored"] else "n/a"
        minutes, seconds = divmod(round(row["seconds"]), 60)
        print(f"| {row['group']} | {row['scored']} | {row['killed']} | {rate} | {minutes} min {seconds:02d} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
