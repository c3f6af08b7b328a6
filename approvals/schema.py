"""A small JSON-Schema subset for action parameters (no dependency needed for this much).

Supported keywords: type (object, string, integer, number, boolean, array, null,
or a list of them), properties, required, additionalProperties (bool), enum,
minLength, maxLength, pattern, minimum, maximum, items, minItems, maxItems.
Anything else in a schema is a programming error, caught at registration.
"""

from __future__ import annotations

import re

SUPPORTED = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "enum",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "items",
        "minItems",
        "maxItems",
        "description",
        "title",
    }
)

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def schema_check(schema: dict, path: str = "") -> None:
    """Raise ValueError if `schema` uses a keyword or type this validator does not know."""
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"schema {path or '/'}: unsupported keywords {sorted(unknown)}")
    types = schema.get("type", [])
    for name in [types] if isinstance(types, str) else types:
        if name not in _TYPES:
            raise ValueError(f"schema {path or '/'}: unknown type {name!r}")
    for name, sub in schema.get("properties", {}).items():
        schema_check(sub, f"{path}/{name}")
    if "items" in schema:
        schema_check(schema["items"], f"{path}/items")


def validate(schema: dict, value) -> dict[str, list[str]]:
    """Field errors as {"path": [messages]} ("" is the top level); empty when valid."""
    errors: dict[str, list[str]] = {}
    _validate(schema, value, "", errors)
    return errors


def _validate(schema: dict, value, path: str, errors: dict) -> None:
    def fail(message: str) -> None:
        errors.setdefault(path, []).append(message)

    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[name](value) for name in names):
            return fail(f"must be of type {' or '.join(names)}")
    if "enum" in schema and value not in schema["enum"]:
        fail(f"must be one of {schema['enum']}")
    if isinstance(value, str):
        _check_string(schema, value, fail)
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(schema, value, fail)
    if isinstance(value, list):
        _check_array(schema, value, path, errors, fail)
    if isinstance(value, dict):
        _check_object(schema, value, path, errors)


def _check_string(schema, value, fail) -> None:
    if len(value) < schema.get("minLength", 0):
        fail(f"must have at least {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        fail(f"must have at most {schema['maxLength']} characters")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        fail(f"must match {schema['pattern']}")


def _check_number(schema, value, fail) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        fail(f"must be at least {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        fail(f"must be at most {schema['maximum']}")


def _check_array(schema, value, path, errors, fail) -> None:
    if len(value) < schema.get("minItems", 0):
        fail(f"must have at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        fail(f"must have at most {schema['maxItems']} items")
    if "items" in schema:
        for index, item in enumerate(value):
            _validate(schema["items"], item, f"{path}[{index}]", errors)


def _check_object(schema, value, path, errors) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            errors.setdefault(_join(path, name), []).append("is required")
    for name, item in value.items():
        if name in properties:
            _validate(properties[name], item, _join(path, name), errors)
        elif schema.get("additionalProperties", True) is False:
            errors.setdefault(_join(path, name), []).append("is not allowed")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
