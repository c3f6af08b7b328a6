"""Shopify's official Admin GraphQL schema, and queries checked against it as Shopify does.

The schema is Shopify's own introspection result, `admin_<version>.json.gz` beside this
file (from the npm package @shopify/dev-mcp, ISC licence; see README.md here). One file
is kept: the version the catalogue pins (`integrations/catalogue.py`, `api_version`).
A request for another version is checked against the file of that version if there is
one, else against the newest file kept. graphql-core (the reference implementation of
the GraphQL specification) parses and validates; the errors are turned into the shape
Shopify's GraphQL server (graphql-ruby) answers with: `message`, `locations` and
`extensions.code` (`undefinedField`, `argumentNotAccepted`, `missingRequiredArguments`,
`selectionMismatch`, …).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache, lru_cache
from pathlib import Path

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_client_schema,
    parse,
    specified_rules,
    validate,
)

SCHEMA_DIR = Path(__file__).resolve().parent
_FILE = re.compile(r"admin_(\d{4}-\d{2}|unstable)\.json\.gz")

# graphql-core's validation rule → the code graphql-ruby (Shopify) gives the same mistake.
CODES = {
    "FieldsOnCorrectTypeRule": "undefinedField",
    "KnownArgumentNamesRule": "argumentNotAccepted",
    "ProvidedRequiredArgumentsRule": "missingRequiredArguments",
    "ScalarLeafsRule": "selectionMismatch",
    "NoUnusedVariablesRule": "variableNotUsed",
    "NoUndefinedVariablesRule": "undefinedVariable",
    "KnownTypeNamesRule": "undefinedType",
    "ValuesOfCorrectTypeRule": "argumentLiteralsIncompatible",
    "VariablesInAllowedPositionRule": "variableMismatch",
    "VariablesAreInputTypesRule": "variableRequiresValidType",
    "KnownFragmentNamesRule": "undefinedFragment",
    "NoUnusedFragmentsRule": "useAndDefineFragment",
    "PossibleFragmentSpreadsRule": "cannotSpreadFragment",
    "FragmentsOnCompositeTypesRule": "fragmentOnNonCompositeType",
    "KnownDirectivesRule": "undefinedDirective",
    "UniqueArgumentNamesRule": "argumentUniqueness",
    "UniqueOperationNamesRule": "operationNotUnique",
    "OverlappingFieldsCanBeMergedRule": "fieldConflict",
    "NoFragmentCyclesRule": "infiniteLoop",
}
# graphql-core's wording → graphql-ruby's, for the mistakes a client makes most.
_MESSAGES = (
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\..*", re.S),
        "Field '{field}' doesn't exist on type '{type}'",
        lambda m: {"typeName": m["type"], "fieldName": m["field"]},
    ),
    (
        re.compile(r"Unknown argument '(?P<arg>\w+)' on field '\w+\.(?P<field>\w+)'\..*", re.S),
        "Field '{field}' doesn't accept argument '{arg}'",
        lambda m: {"name": m["field"], "typeName": "Field", "argumentName": m["arg"]},
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' argument '(?P<arg>\w+)' of type .* is required.*"),
        "Field '{field}' is missing required arguments: {arg}",
        lambda m: {"className": "Field", "name": m["field"], "arguments": m["arg"]},
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection.*"),
        "Field must have selections (field '{field}' returns {bare} but has no selections. "
        "Did you mean '{field} {{ ... }}'?)",
        lambda m: {"nodeName": f"field '{m['field']}'", "typeName": m["bare"]},
    ),
    (
        re.compile(
            r"Field '(?P<field>\w+)' must not have a selection since type '(?P<type>[^']+)'.*"
        ),
        "Selections can't be made on scalars (field '{field}' returns {bare} but has selections)",
        lambda m: {"nodeName": f"field '{m['field']}'", "typeName": m["bare"]},
    ),
)


@cache
def versions() -> tuple[str, ...]:
    """The versions whose schema is kept here, oldest first (`unstable` last)."""
    found = [m[1] for p in SCHEMA_DIR.iterdir() if (m := _FILE.fullmatch(p.name))]
    return tuple(sorted(found, key=lambda v: (v == "unstable", v)))


def schema_version(version: str) -> str:
    """The kept version that answers for `version`: itself if kept, else the newest kept."""
    kept = versions()
    if not kept:
        raise FileNotFoundError(f"no admin_<version>.json.gz in {SCHEMA_DIR}")
    return version if version in kept else [v for v in kept if v != "unstable"][-1]


def admin_schema(version: str) -> GraphQLSchema:
    """Shopify's Admin schema of `schema_version(version)`, built once per process (~1 s)."""
    return _load(schema_version(version))


@cache
def _load(version: str) -> GraphQLSchema:
    path = SCHEMA_DIR / f"admin_{version}.json.gz"
    introspection = json.loads(gzip.decompress(path.read_bytes()))
    schema = build_client_schema(introspection.get("data", introspection))
    # Shopify's schema deprecates a few implementations of non-deprecated interface fields,
    # which graphql-core >= 3.3 reports as a schema error; Shopify serves it as it is.
    schema._validation_errors = []
    return schema


def preload() -> None:
    """Build the newest kept schema now, so the first Shopify request is not the slow one."""
    admin_schema("")


def check(query: str, version: str) -> tuple[DocumentNode | None, list[dict]]:
    """(document, []) when Shopify would run `query`; else (None, errors in its shape).

    Clients send the same few documents again and again, so answers are remembered
    (validating one costs milliseconds). Treat both as read-only.
    """
    return _check(query, schema_version(version))


@lru_cache(maxsize=512)
def _check(query: str, version: str) -> tuple[DocumentNode | None, list[dict]]:
    try:
        document = parse(query)
    except GraphQLSyntaxError as error:
        return None, [_syntax_error(error)]
    schema = admin_schema(version)
    if not validate(schema, document):
        return document, []
    errors = []
    for rule in specified_rules:
        code = CODES.get(rule.__name__, _camel(rule.__name__))
        errors += [_shopify_error(e, code) for e in validate(schema, document, [rule])]
    return None, errors


def _syntax_error(error: GraphQLError) -> dict:
    line, column = (error.locations or [(1, 1)])[0]
    if "<EOF>" in error.message:
        message = "Unexpected end of document"
    else:
        token = error.message.split("found ", 1)[-1].rstrip(".")
        message = f"Parse error on {token} at [{line}, {column}]"
    return {"message": message, "locations": [{"line": line, "column": column}]}


def _shopify_error(error: GraphQLError, code: str) -> dict:
    message, extensions = error.message, {"code": code}
    for pattern, template, extra in _MESSAGES:
        if found := pattern.fullmatch(error.message):
            fields = found.groupdict()
            fields["bare"] = fields.get("type", "").strip("[]!")
            message = template.format(**fields)
            extensions |= extra(fields)
            break
    out: dict = {"message": message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["extensions"] = extensions
    return out


def _camel(rule_name: str) -> str:
    name = rule_name.removesuffix("Rule")
    return name[:1].lower() + name[1:]
