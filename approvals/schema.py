"""JSON Schema for action parameters (and other JSON inputs), checked by jsonschema:
Draft 2020-12, with format checking.

    schema_check(schema)      ValueError for a schema that is not valid Draft 2020-12, uses a
                              keyword the draft does not define (a typo), or a format no checker
                              is installed for (it would pass anything)
    validate(schema, value)   {"path": [messages]} ("" is the top level, `a.b[0]` below); empty
                              when valid
    normalised(schema, value) `value` with each integral float made an int where the schema
                              says integer

Before the schema, every value is checked for what JSON allows but nothing downstream can
store or should carry: non-finite numbers (NaN, ±Infinity, 1e999), strings over
MAX_STRING characters or holding NUL or lone surrogates, and nesting deeper than MAX_DEPTH.
A regular expression's trailing `$` means the end of the string, as in ECMA-262 (Python's
`$` also matches before a final newline).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator

from jsonschema import Draft202012Validator, SchemaError, ValidationError, validators

MAX_DEPTH = 32
MAX_STRING = 10_000
MAX_NAME = 200

FORMATS = Draft202012Validator.FORMAT_CHECKER
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$anchor", "$comment", "$defs", "title", "description", "default"}
    | {"examples", "deprecated", "readOnly", "writeOnly"}
)
KEYWORDS = frozenset(Draft202012Validator.VALIDATORS) | ANNOTATIONS
# Keywords whose value is a schema, a list of schemas, or a map of name -> schema.
ONE = ("additionalProperties", "items", "contains", "not", "if", "then", "else")
ONE += ("propertyNames", "unevaluatedItems", "unevaluatedProperties")
MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
NAMED = ("properties", "patternProperties", "$defs", "dependentSchemas")


def _pattern(validator, pattern: str, instance, schema) -> Iterator:
    """`pattern`, with a trailing `$` anchored at the very end (ECMA-262)."""
    if validator.is_type(instance, "string") and not re.search(_ecma(pattern), instance):
        yield ValidationError(f"does not match {pattern!r}")


def _ecma(pattern: str) -> str:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})
# The same, with `integer` meaning a Python int: it finds the integral floats to normalise.
_Strict = validators.extend(
    Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


def schema_check(schema: dict) -> None:
    """Raise ValueError if `schema` is not a schema this module can check faithfully."""
    try:
        Draft202012Validator.check_schema(schema, format_checker=FORMATS)
    except SchemaError as error:
        raise ValueError(f"schema {_where(error.absolute_path)}: {error.message}") from None
    for where, sub in _subschemas(schema, "/"):
        unknown = set(sub) - KEYWORDS
        if unknown:
            raise ValueError(f"schema {where}: unsupported keywords {sorted(unknown)}")
        if "format" in sub and sub["format"] not in FORMATS.checkers:
            raise ValueError(f"schema {where}: no checker for format {sub['format']!r}")


def _subschemas(schema, where: str) -> Iterator[tuple[str, dict]]:
    if not isinstance(schema, dict):
        return  # true / false
    yield where, schema
    for key in ONE:
        if key in schema:
            yield from _subschemas(schema[key], f"{where}{key}/")
    for key in MANY:
        for index, sub in enumerate(schema.get(key, [])):
            yield from _subschemas(sub, f"{where}{key}/{index}/")
    for key in NAMED:
        for name, sub in schema.get(key, {}).items():
            yield from _subschemas(sub, f"{where}{key}/{name}/")


def validate(schema: dict, value) -> dict[str, list[str]]:
    """Field errors as {"path": [messages]} ("" is the top level); empty when valid.
    A value that fails its `type` reports only that."""
    errors: dict[str, list[str]] = {}
    for path, message in _hostile(value):
        errors.setdefault(path, []).append(message)
    if errors:
        return errors  # the schema is not run on what cannot be stored or walked safely
    found = [
        (path, error.validator, message)
        for error in Validator(schema, format_checker=FORMATS).iter_errors(value)
        for path, message in _described(error)
    ]
    mistyped = {path for path, keyword, _ in found if keyword == "type"}
    for path, keyword, message in found:
        if path not in mistyped or keyword == "type":
            messages = errors.setdefault(path, [])
            if message not in messages:
                messages.append(message)
    return errors


def normalised(schema: dict, value):
    """`value` (not changed) or a copy with each integral float made an int where the schema
    says integer: JSON does not tell 42 from 42.0, so the schema accepts both, and an
    action is given an int. Call it on a valid value."""
    paths = [
        list(error.absolute_path)
        for error in _with_context(_Strict(schema).iter_errors(value))
        if error.validator == "type"
        and "integer" in _names(error.validator_value)
        and isinstance(error.instance, float)
        and error.instance.is_integer()
    ]
    if not paths:
        return value
    if [] in paths:
        return int(value)
    value = copy.deepcopy(value)
    for *parents, last in paths:
        holder = value
        for step in parents:
            holder = holder[step]
        holder[last] = int(holder[last])
    return value


def _with_context(errors) -> Iterator:
    for error in errors:
        yield error
        yield from _with_context(error.context or [])


def _names(types) -> list[str]:
    return [types] if isinstance(types, str) else list(types)


def _hostile(value) -> Iterator[tuple[str, str]]:
    """(path, message) for what no schema should have to consider; iterative, so a deeply
    nested value cannot exhaust the stack."""
    stack = [("", value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            yield path, f"must not be nested more than {MAX_DEPTH} levels deep"
        elif isinstance(item, float) and not math.isfinite(item):
            yield path, "must be a finite number"
        elif isinstance(item, str):
            yield from ((path, problem) for problem in _string_problems(item, MAX_STRING))
        elif isinstance(item, dict):
            for name, sub in item.items():
                if isinstance(name, str) and _string_problems(name, MAX_NAME):
                    yield path, f"property names must be at most {MAX_NAME} storable characters"
                else:
                    stack.append((_join(path, name), sub, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{i}]", sub, depth + 1) for i, sub in enumerate(item))


def _string_problems(text: str, limit: int) -> list[str]:
    if len(text) > limit:
        return [f"must have at most {limit} characters"]
    if "\x00" in text:
        return ["must not contain NUL characters"]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ["must not contain lone surrogates"]
    return []


MESSAGES = {
    "type": lambda v: f"must be of type {' or '.join(_names(v))}",
    "enum": lambda v: f"must be one of {v}",
    "const": lambda v: f"must be {v!r}",
    "format": lambda v: f"must be a valid {v}",
    "pattern": lambda v: f"must match {v}",
    "minLength": lambda v: f"must have at least {v} characters",
    "maxLength": lambda v: f"must have at most {v} characters",
    "minimum": lambda v: f"must be at least {v}",
    "maximum": lambda v: f"must be at most {v}",
    "exclusiveMinimum": lambda v: f"must be more than {v}",
    "exclusiveMaximum": lambda v: f"must be less than {v}",
    "multipleOf": lambda v: f"must be a multiple of {v}",
    "minItems": lambda v: f"must have at least {v} items",
    "maxItems": lambda v: f"must have at most {v} items",
    "uniqueItems": lambda v: "must not repeat items",
}


def _described(error) -> list[tuple[str, str]]:
    """(path, message) pairs for one jsonschema error, worded as the API always has; the
    failing value itself is never echoed."""
    path = _path(error.absolute_path)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [(_join(path, name), "is required") for name in missing]
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        known = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        extra = [
            name
            for name in error.instance
            if name not in known and not any(re.search(p, name) for p in patterns)
        ]
        return [(_join(path, name), "is not allowed") for name in extra]
    describe = MESSAGES.get(error.validator)
    message = describe(error.validator_value) if describe else f"fails {error.validator}"
    return [(path, message)]


def _path(steps) -> str:
    path = ""
    for step in steps:
        path = f"{path}[{step}]" if isinstance(step, int) else _join(path, step)
    return path


def _where(steps) -> str:
    return "/" + "/".join(str(step) for step in steps)


def _join(path: str, name) -> str:
    return f"{path}.{name}" if path else str(name)
