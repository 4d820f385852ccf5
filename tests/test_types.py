"""Every public function of the package is annotated (issue 26 item 4), so that mypy (`make test`, configuration in
pyproject.toml) checks the public API and not only the bodies it can infer."""

from __future__ import annotations

import ast
import tomllib

from dry_needling import paths

PACKAGE = paths.ROOT / "src" / "dry_needling"
# report/ is rewritten and annotated on the `speed` branch (it excludes report/ from mypy too, see pyproject.toml).
NOT_YET: set[str] = set()  # folders not yet annotated (none)


def _public_functions(tree: ast.Module):
    """Module-level functions and methods of module-level classes whose names do not start with '_'."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_"):
                    yield f"{node.name}.{item.name}", item


def unannotated(source: str) -> list[str]:
    """'name: what is missing' for each public function of ``source`` lacking an annotation."""
    missing = []
    for name, node in _public_functions(ast.parse(source)):
        args = node.args
        named = [a for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.arg not in ("self", "cls")]
        starred = [a for a in (args.vararg, args.kwarg) if a is not None]
        bare = [a.arg for a in [*named, *starred] if a.annotation is None]
        if bare:
            missing.append(f"{name}: argument(s) {', '.join(bare)}")
        if node.returns is None:
            missing.append(f"{name}: return type")
    return missing


def test_the_checker_finds_a_missing_annotation():
    source = "def f(a: int, b) -> int: ...\ndef g(a: int): ...\ndef _h(a): ...\nclass C:\n    def m(self, x): ...\n"
    assert unannotated(source) == ["f: argument(s) b", "g: return type", "C.m: argument(s) x", "C.m: return type"]


def test_every_public_function_is_annotated():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if NOT_YET & set(path.relative_to(PACKAGE).parts):
            continue
        missing += [f"{path.relative_to(PACKAGE)}: {m}" for m in unannotated(path.read_text(encoding="utf-8"))]
    assert not missing, "\n".join(missing)


def test_mypy_checks_the_package_and_is_pinned():
    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["files"] == ["src/dry_needling"]
    assert config.get("exclude", []) == [f"^src/dry_needling/{folder}/" for folder in sorted(NOT_YET)]
    assert "mypy==" in (paths.ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert "$(BIN)/mypy" in (paths.ROOT / "Makefile").read_text(encoding="utf-8")
