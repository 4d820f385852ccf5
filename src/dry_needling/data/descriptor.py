"""Stage 0: the descriptor (``datapackage.json``): our structural checks, resource paths, then frictionless's
Data Package profile."""

from __future__ import annotations

import functools
import json
import math
import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from .problems import _EXCERPT, PACKAGE_FILE, Problem, _display, _excerpt, _inside, linear_pattern


def _read_descriptor(data_dir: Path) -> tuple[dict | None, list[Problem]]:
    path = data_dir / PACKAGE_FILE
    shown = _display(data_dir, PACKAGE_FILE)
    try:
        if not data_dir.is_dir():
            return None, [Problem(_display(data_dir, ""), None, None, None, "a data folder (it does not exist)")]
        if not path.is_file():
            return None, [Problem(shown, None, None, None, "a Frictionless datapackage.json (file is missing)")]
        if not _inside(data_dir, path):
            return None, [Problem(shown, None, None, None, "a file inside the data folder (it is a link to a file "
                                                           "outside it, which is not read)")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, None, None, None, f"a readable file and folder (cannot read: {exc.strerror})")]
    duplicates: list[bool] = []
    try:
        text = raw.decode()  # UTF-8
        descriptor = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, duplicates))
    except UnicodeDecodeError as exc:
        return None, [Problem(shown, raw[: exc.start].count(b"\n") + 1, None, None, "UTF-8 JSON text")]
    except json.JSONDecodeError as exc:
        return None, [Problem(shown, exc.lineno, None, None, f"valid JSON ({exc.msg}, column {exc.colno})")]
    except (ValueError, RecursionError) as exc:
        return None, [Problem(shown, None, None, None, f"valid JSON ({_excerpt(str(exc))})")]
    if duplicates:
        line, key, where = _first_duplicate(text)
        return None, [Problem(shown, line, None, key, "each key once in an object (this key is there twice; JSON "
                                                      "readers would silently keep only the last)", where)]
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return None, [Problem(shown, None, None, None, "a JSON object with a 'resources' list")]
    return descriptor, []


def _object(pairs: list, duplicates: list) -> dict:
    """A JSON object from its key-value pairs, noting (in ``duplicates``) when a key comes twice."""
    result = dict(pairs)
    if len(result) != len(pairs):
        duplicates.append(True)
    return result


_JSON_MARK = re.compile(r'["{}\[\],]')


def _first_duplicate(text: str) -> tuple[int, str, str]:
    """Where the first repeated key of valid JSON ``text`` is: (line, key, path of its object such as
    ``resources[1].schema.fields[2].constraints``), or ``(1, "", "")`` if no key is repeated. Walks the structure
    once; strings are read with json's own scanner."""
    from json.decoder import scanstring  # type: ignore[attr-defined]  # public in CPython, absent from typeshed

    # Per open container: an object is [True, keys seen, expecting a key, current key]; a list is [False, index].
    stack: list[list] = []
    i = 0
    while True:
        found = _JSON_MARK.search(text, i)
        if found is None:
            return 1, "", ""  # no key is repeated
        i, mark = found.start(), found.group()
        if mark == '"':
            value, end = scanstring(text, i + 1)
            top = stack[-1] if stack else None
            if top is not None and top[0] and top[2]:
                if value in top[1]:
                    path = "".join(f".{level[3]}" if level[0] else f"[{level[1]}]" for level in stack[:-1])
                    return text[:i].count("\n") + 1, value, path.lstrip(".") or "the top-level object"
                top[1].add(value)
                top[2], top[3] = False, value
            i = end
            continue
        if mark == "{":
            stack.append([True, set(), True, None])
        elif mark == "[":
            stack.append([False, 0])
        elif mark == "}" or mark == "]":
            stack.pop()
        elif stack and stack[-1][0]:
            stack[-1][2] = True
        elif stack:
            stack[-1][1] += 1
        i += 1


# What the descriptor may say. Only types the loader knows how to type are accepted.
_TYPES = {"string", "number", "integer", "boolean", "date", "year"}
_NUMERIC = {"number", "integer", "year"}
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_STRING_FORMATS = {"default", "email", "uri", "uuid"}


def _kind(value) -> str:
    """A short word for a JSON value's type, for messages."""
    for kind, word in ((bool, "true/false"), (str, "text"), (int, "a number"), (float, "a number"),
                       (list, "a list"), (dict, "an object")):
        if isinstance(value, kind):
            return word
    return "null"


def _names(value) -> list[str] | None:
    """A field-name list from a string or a list of strings; None if it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _path_problem(folder: Path, path: object) -> tuple[str | None, str | None]:
    """Why a resource path must be refused (None if it is safe), and the value to show."""
    if not isinstance(path, str):
        return f"'path' as one relative file name in text (found {_kind(path)})", None
    if not path or any(not c.isprintable() for c in path) or len(path) > 255:
        return "'path' as a relative file name of 1-255 printable characters", path
    if _SCHEME.match(path) or path.startswith("//"):
        return "'path' as a file inside the data folder (a URL is not read)", path
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("\\") or path.startswith("~"):
        return "'path' relative to the data folder (an absolute path is not read)", path
    if ".." in pure.parts or "\\" in path:
        return "'path' inside the data folder (a path with '..' is not read)", path
    if not path.endswith(".csv"):
        return "'path' naming a .csv file (a table is published with the report only as CSV)", path
    if not _inside(folder, folder / path):
        return "'path' inside the data folder (it leads outside through a symbolic link, which is not read)", path
    return None, path


def _check_field(i: int, k: int, field, names: list[str], problems: list, shown: str) -> None:
    where = f"resources[{i}]"
    if not isinstance(field, dict):
        problems.append(Problem(shown, None, None, _kind(field), f"schema.fields[{k}] to be an object", where))
        return
    name = field.get("name")
    if not isinstance(name, str) or not name or len(name) > 200 or not name.isprintable():
        value = name if isinstance(name, str) else None
        problems.append(Problem(shown, None, None, value, f"schema.fields[{k}] to have a 'name' "
                                                          "(1-200 printable characters)", where))
        return
    if name in names:
        problems.append(Problem(shown, None, None, name, f"schema.fields[{k}]: a field name used only once", where))
    names.append(name)
    ftype = field.get("type", "string")
    if not isinstance(ftype, str) or ftype not in _TYPES:
        value = ftype if isinstance(ftype, str) else _kind(ftype)
        problems.append(Problem(shown, None, name, value, f"schema.fields[{k}].type: one of "
                                                          f"{', '.join(sorted(_TYPES))}", where))
        return
    fmt = field.get("format", "default")
    if not isinstance(fmt, str) or fmt not in (_STRING_FORMATS if ftype == "string" else {"default"}):
        problems.append(Problem(shown, None, name, str(fmt), f"schema.fields[{k}].format: 'default'"
                                f"{' or email, uri, uuid' if ftype == 'string' else ''}", where))
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        problems.append(Problem(shown, None, name, _kind(constraints), f"schema.fields[{k}].constraints: an object",
                                where))
        return
    for key, value in constraints.items():
        bad = None
        if key in ("required", "unique"):
            bad = None if isinstance(value, bool) else "true or false"
        elif key in ("minimum", "maximum"):
            if ftype in _NUMERIC:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                bad = None if ok else "a finite number"
                if ok and ftype == "integer" and not float(value).is_integer():
                    bad = "a whole number"
                elif ok and ftype == "year" and not (isinstance(value, int) and 0 <= value <= 9999):
                    bad = "a year: a whole number from 0 to 9999"
            elif ftype == "date":
                ok = isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is not None
                try:
                    ok = ok and bool(datetime.strptime(value, "%Y-%m-%d"))
                except ValueError:
                    ok = False
                bad = None if ok else "a date written YYYY-MM-DD"
            else:
                bad = f"no minimum or maximum on a {ftype} field"
        elif key in ("minLength", "maxLength"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            bad = None if ok else "a whole number of at least 0"
        elif key == "pattern":
            if not isinstance(value, str):
                bad = "a regular expression as text"
            else:
                try:
                    linear_pattern(value)
                except ValueError as exc:
                    bad = (f"a regular expression the linear-time engine (RE2) can check ({_excerpt(str(exc), 80)}; "
                           "look-around and back-references are not supported)")
        elif key == "enum":
            ok = isinstance(value, list) and bool(value) and all(isinstance(v, (str, int, float)) for v in value)
            bad = None if ok else "a non-empty list of allowed values"
        else:
            bad = "a known constraint (required, unique, minimum, maximum, minLength, maxLength, pattern, enum)"
        if bad:
            shown_value = value if isinstance(value, str) else json.dumps(value)[:_EXCERPT]
            problems.append(Problem(shown, None, name, shown_value, f"schema.fields[{k}].constraints.{key}: {bad}",
                                    where))


def _check_descriptor(descriptor: dict, folder: Path) -> list[Problem]:
    """The descriptor's own problems, each located as ``resources[i]``; nothing is opened but
    ``realpath`` looks up symbolic links."""
    shown = _display(folder, PACKAGE_FILE)
    resources = descriptor["resources"]
    if not resources:
        return [Problem(shown, None, None, None, "at least one table in 'resources' (the list is empty)")]
    problems: list[Problem] = []
    fields_of: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, resource in enumerate(resources):
        where = f"resources[{i}]"
        if not isinstance(resource, dict):
            problems.append(Problem(shown, None, None, _excerpt(str(resource)) if isinstance(resource, str) else None,
                                    f"an object describing one table (found {_kind(resource)})", where))
            continue
        name = resource.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(Problem(shown, None, None, name if isinstance(name, str) else None,
                                    "a 'name' of lower-case letters, digits, '.', '-' or '_'", where))
        elif name in seen:
            problems.append(Problem(shown, None, None, name, "a 'name' used by one table only", where))
        else:
            seen.add(name)
        if "path" not in resource:
            problems.append(Problem(shown, None, None, None, "a 'path' naming the table's CSV file (it is missing)",
                                    where))
        else:
            why, value = _path_problem(folder, resource["path"])
            if why:
                problems.append(Problem(shown, None, None, value, why, where))
        encoding = resource.get("encoding", "utf-8")
        if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig"):
            problems.append(Problem(shown, None, None, str(encoding), "'encoding' utf-8 (or none)", where))
        if resource.get("format", "csv") != "csv" or "dialect" in resource:
            problems.append(Problem(shown, None, None, None, "a comma-separated CSV file (no other 'format' or "
                                                             "'dialect')", where))
        schema = resource.get("schema")
        if not isinstance(schema, dict):
            found = "it is missing" if schema is None else f"found {_kind(schema)}: a schema file or URL is not read"
            problems.append(Problem(shown, None, None, None, f"an inline 'schema' object ({found})", where))
            continue
        fields = schema.get("fields")
        if not isinstance(fields, list) or not fields:
            problems.append(Problem(shown, None, None, None, "schema.fields: a non-empty list of fields", where))
            continue
        names: list[str] = []
        before = len(problems)
        for k, field in enumerate(fields):
            _check_field(i, k, field, names, problems, shown)
        if len(problems) == before and isinstance(name, str):
            fields_of[name] = names
    # Keys and rules, now that every resource's fields are known.
    for i, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("schema"), dict):
            continue
        name, schema, where = resource.get("name"), resource["schema"], f"resources[{i}]"
        listed = fields_of.get(name) if isinstance(name, str) else None
        if listed is None:
            continue
        names = listed
        if "primaryKey" in schema:
            key = _names(schema["primaryKey"])
            if key is None or not set(key) <= set(names):
                problems.append(Problem(shown, None, None, None, "schema.primaryKey: the name(s) of fields of this "
                                                                 "table", where))
        foreign = schema.get("foreignKeys", [])
        if not isinstance(foreign, list):
            problems.append(Problem(shown, None, None, None, "schema.foreignKeys: a list", where))
            foreign = []
        for k, fk in enumerate(foreign):
            at = f"schema.foreignKeys[{k}]"
            ref = fk.get("reference") if isinstance(fk, dict) else None
            own = _names(fk.get("fields")) if isinstance(fk, dict) else None
            if not isinstance(ref, dict) or own is None or not set(own) <= set(names):
                problems.append(Problem(shown, None, None, None, f"{at}: 'fields' naming fields of this table and a "
                                                                 "'reference' object", where))
                continue
            target = ref.get("resource", "")
            target = name if target == "" else target
            if not isinstance(target, str) or target not in seen:
                problems.append(Problem(shown, None, None, target if isinstance(target, str) else None,
                                        f"{at}.reference.resource: the name of a table in this package "
                                        "(there is no such table)", where))
                continue
            theirs = _names(ref.get("fields"))
            if target in fields_of and (theirs is None or len(theirs) != len(own)
                                        or not set(theirs) <= set(fields_of[target])):
                problems.append(Problem(shown, None, None, None, f"{at}.reference.fields: as many field names of "
                                                                 f"table '{target}' as 'fields' has", where))
        rules = schema.get("x-rules", [])
        if not isinstance(rules, list):
            problems.append(Problem(shown, None, None, None, "schema.x-rules: a list of rules", where))
            rules = []
        for k, rule in enumerate(rules):
            at = f"schema.x-rules[{k}]"
            if not isinstance(rule, dict):
                problems.append(Problem(shown, None, None, None, f"{at}: an object", where))
                continue
            cols = rule.get("fields")
            if not isinstance(cols, list) or not cols or not all(isinstance(c, str) and c in names for c in cols):
                problems.append(Problem(shown, None, None, None, f"{at}.fields: a list of fields of this table", where))
            when = rule.get("when", {})
            if not isinstance(when, dict) or not all(k2 in names and isinstance(v, str) for k2, v in when.items()):
                problems.append(Problem(shown, None, None, None, f"{at}.when: an object mapping fields of this table "
                                                                 "to text values", where))
            bounds = [rule.get(b) for b in ("minimum", "maximum")]
            if all(b is None for b in bounds) or not all(
                    b is None or (isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b))
                    for b in bounds):
                problems.append(Problem(shown, None, None, None, f"{at}: a numeric 'minimum' and/or 'maximum'", where))
    if problems:
        return problems
    return _profile_problems(descriptor, shown)


def _profile_problems(descriptor: dict, shown: str) -> list[Problem]:
    """frictionless's check of the descriptor against the Data Package profile."""
    return list(_profile_problems_of(json.dumps(descriptor), shown))


@functools.lru_cache(maxsize=64)
def _profile_problems_of(descriptor_json: str, shown: str) -> tuple[Problem, ...]:
    """The profile check of one descriptor text, done once per process (about 0.2 s: frictionless builds and
    validates its metadata objects); it reads nothing but the descriptor, and Problems are immutable."""
    from frictionless import FrictionlessException, Package

    try:
        errors = Package.validate_descriptor(json.loads(descriptor_json)).errors
    except FrictionlessException as exc:
        errors = [exc.error]
    problems = []
    owners = _owners(json.loads(descriptor_json), errors)
    for error in errors:
        note = getattr(error, "note", "") or str(error)
        match = re.search(r"at property '([^']*)'", note)
        where = None
        if match:
            parts = match.group(1).split("/")
            where = parts[0] + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
            owner = owners.get(id(error))
            where = f"{owner}.{where}" if owner else where
            note = note[: match.start()].strip()
        problems.append(Problem(shown, None, None, None, f"a descriptor that follows the Data Package profile "
                                                         f"({_excerpt(note, 200)})", where))
    return tuple(problems)


def _owners(descriptor: dict, errors: list) -> dict[int, str]:
    """Which table or field each of frictionless's table and field errors is about (its note names only the
    property, such as 'title'): found by checking each table and field on its own, in order, for the same note.
    (The profile check runs only on a descriptor our own checks passed: every table is an object with a schema
    listing its fields as objects.)"""
    from frictionless import Field, Resource

    resources = descriptor["resources"]
    places: dict[str, list[tuple[str, dict, Any]]] = {
        "resource-error": [(f"resources[{i}]", resource, Resource) for i, resource in enumerate(resources)],
        "field-error": [(f"resources[{i}].schema.fields[{k}]", field, Field) for i, resource in enumerate(resources)
                        for k, field in enumerate(resource["schema"]["fields"])],
    }
    owners: dict[int, str] = {}
    for kind, candidates in places.items():
        found = [error for error in errors if error.type == kind]
        if not found:
            continue
        pending: dict[str, list[str]] = {}
        for where, item, model in candidates:
            for own in model.validate_descriptor(item).errors:
                if own.type == kind:
                    pending.setdefault(own.note, []).append(where)
        for error in found:
            wheres = pending.get(error.note)
            if wheres:
                owners[id(error)] = wheres.pop(0)
    return owners
