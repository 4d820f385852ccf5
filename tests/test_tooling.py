"""The pre-commit hooks and the CI workflow run what they say (issue 26 item 4): local tools only, tests that exist."""

from __future__ import annotations

import re

import yaml

from dry_needling import paths

ROOT = paths.ROOT


def test_pre_commit_hooks_are_local_and_name_existing_tests():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing is downloaded
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert set(hooks) == {"ruff", "mypy", "notebook-outputs"}
    for hook in hooks.values():
        assert hook["language"] == "system" and hook["entry"].startswith(".venv/bin/"), hook
    named = re.findall(r"(tests/\S+\.py)::(\w+)", hooks["notebook-outputs"]["entry"])
    assert len(named) == 5
    for path, test in named:
        assert re.search(rf"^def {test}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), f"{path}::{test}"


def test_the_ci_workflow_runs_ci_run_on_python_3_11():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["ci"]["steps"]
    assert {"python-version": "3.11"} in [step.get("with") for step in steps]
    assert steps[-1]["run"] == ".ci/run"
    assert workflow["jobs"]["ci"]["timeout-minutes"] <= 90
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111  # executable
