"""Executing a parsed GraphQL operation over dict objects, and its Shopify-style cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .graphql import WRAPPERS, Document, Field, FieldError, Operation, resolve


@dataclass
class Result:
    data: dict | None
    errors: list[dict] = field(default_factory=list)
    actual_cost: int = 0


def select_operation(doc: Document, name: str | None) -> Operation:
    """The operation to run. Raises FieldError when it is ambiguous or missing."""
    if name:
        for op in doc.operations:
            if op.name == name:
                return op
        raise FieldError(f'No operation named "{name}"')
    if len(doc.operations) != 1:
        raise FieldError("An operation name is required" if doc.operations else "No operation")
    return doc.operations[0]


def coerce_variables(op: Operation, given: dict | None) -> dict[str, Any]:
    """Variables with defaults applied. Raises FieldError for a missing required one."""
    given = given or {}
    out = {}
    for name, (type_text, default) in op.variables.items():
        if name in given:
            out[name] = given[name]
        elif default is not None:
            out[name] = default
        elif type_text.endswith("!"):
            raise FieldError(f"Variable ${name} of type {type_text} was provided invalid value")
    return out


def _included(directives: dict, variables: dict) -> bool:
    if "skip" in directives and resolve(directives["skip"].get("if"), variables):
        return False
    return not ("include" in directives and not resolve(directives["include"].get("if"), variables))


def flatten(selections: list, doc: Document, variables: dict, typename: str | None) -> list[Field]:
    """Fields of a selection set with fragments expanded (type conditions checked if known)."""
    out: list[Field] = []
    for sel in selections:
        if not _included(sel.directives, variables):
            continue
        if isinstance(sel, Field):
            out.append(sel)
            continue
        frag = doc.fragments.get(sel.name) if sel.name else sel
        if frag is None:
            raise FieldError(f"Fragment {sel.name} was used, but not defined")
        if typename is None or frag.on in (None, typename, "Node"):
            out.extend(flatten(frag.selections or [], doc, variables, typename))
    return out


def requested_cost(selections: list, doc: Document, variables: dict) -> int:
    """Static cost: object 1; connection (has first/last) 2 + n × (1 + node cost); wrappers 0."""
    total = 0
    for fld in flatten(selections, doc, variables, None):
        if not fld.selections:
            continue
        inner = requested_cost(fld.selections, doc, variables)
        args = resolve(fld.args, variables)
        size = args.get("first", args.get("last"))
        if isinstance(size, int) and not isinstance(size, bool):
            total += 2 + size * (1 + inner)
        else:
            total += inner if fld.name in WRAPPERS else 1 + inner
    return total


class Executor:
    def __init__(self, doc: Document, variables: dict) -> None:
        self.doc, self.variables = doc, variables
        self.errors: list[dict] = []
        self.invalid = False  # a validation error: the response carries no data
        self.cost = 0
        self.kind = "query"

    def run(self, op: Operation, root: dict) -> Result:
        """Execute `op`; a validation error (unknown field, missing selections) drops all data."""
        self.kind = op.kind
        data = self.object(root, op.selections, [])
        if self.invalid:
            return Result(None, self.errors, 0)
        return Result(data, self.errors, self.cost)

    def _error(self, message: str, fld: Field, path: list, code: str | None = None, **ext) -> None:
        error: dict[str, Any] = {
            "message": message,
            "locations": [{"line": fld.line, "column": fld.column}],
            "path": path,
        }
        if code:
            error["extensions"] = {"code": code, **ext}
        self.errors.append(error)

    def object(self, obj: dict, selections: list, path: list) -> dict:
        typename = obj.get("__typename")
        kind = typename or ""
        if kind.endswith("Connection"):
            self.cost += 2
        elif not (kind.endswith("Edge") or kind == "PageInfo"):
            self.cost += 1
        out = {}
        for fld in flatten(selections, self.doc, self.variables, typename):
            out[fld.key] = self.field(obj, fld, path + [fld.key])
        return out

    def field(self, obj: dict, fld: Field, path: list) -> Any:
        typename = obj.get("__typename", "Object")
        if fld.name == "__typename":
            return typename
        if fld.name not in obj:
            self.invalid = True
            self._error(
                f"Field '{fld.name}' doesn't exist on type '{typename}'",
                fld,
                [self.kind, *path],
                "undefinedField",
                typeName=typename,
                fieldName=fld.name,
            )
            return None
        value = obj[fld.name]
        if callable(value):
            try:
                value = value(resolve(fld.args, self.variables))
            except FieldError as exc:
                self._error(str(exc), fld, path, exc.code)
                return None
        return self.complete(value, fld, path, typename)

    def complete(self, value: Any, fld: Field, path: list, parent: str) -> Any:
        is_object = isinstance(value, dict) or (
            isinstance(value, list) and value and isinstance(value[0], dict)
        )
        if is_object and not fld.selections:
            self.invalid = True
            self._error(
                f"Field must have selections (field '{fld.name}' returns an object "
                f"but has no selections. Did you mean '{fld.name} {{ ... }}'?)",
                fld,
                path,
                "selectionMismatch",
                nodeName=f"field '{fld.name}'",
            )
            return None
        if fld.selections and value is not None and not is_object and value != []:
            self.invalid = True
            self._error(
                f"Selections can't be made on scalars (field '{fld.name}' on '{parent}')",
                fld,
                path,
                "selectionMismatch",
            )
            return None
        if isinstance(value, list):
            if not fld.selections:
                return value
            return [self.object(v, fld.selections, path + [i]) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return self.object(value, fld.selections, path)
        return value
