"""Executing a validated Shopify Admin query with graphql-core over the sandbox's objects.

The sandbox's objects (`vendors/shopify_objects.py`, `shopify_catalog.py`,
`shopify_webhooks.py`) are dicts with `__typename`; a field's value is a plain value or
a callable taking the field's arguments (only those the query gives, coerced by
graphql-core). graphql-core resolves the rest: aliases, fragments, `@include`/`@skip`,
abstract types (by `__typename`), variables and scalar serialisation.

Cost follows Shopify's static model (https://shopify.dev/docs/api/usage/rate-limits):
object 1, connection 2 + first × (1 + node cost), scalars and the edges/nodes/pageInfo
wrappers 0. The actual cost counts the objects the answer really holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql.execution.values import get_variable_values

WRAPPERS = ("edges", "node", "nodes", "pageInfo")


class FieldError(Exception):
    """Raised by a resolver: the field becomes null and an error with `code` is reported."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Result:
    data: dict | None
    errors: list[dict] = field(default_factory=list)
    actual_cost: int = 0
    unserved: bool = False  # a field of the schema the sandbox does not serve


@dataclass
class Prepared:
    """An operation ready to run: its AST, the coerced variables and the requested cost."""

    operation: OperationDefinitionNode
    variables: dict[str, Any]  # as the request gave them (graphql-core coerces them again)
    cost: int


def prepare(
    schema: GraphQLSchema, document: DocumentNode, name: str | None, given: Any
) -> Prepared:
    """The operation to run, its variables and cost. Raises FieldError (Shopify's words)."""
    operation = get_operation_ast(document, name or None)
    if operation is None:
        if name:
            raise FieldError(f'No operation named "{name}"')
        raise FieldError("An operation name is required")
    given = given if isinstance(given, dict) else {}
    coerced = get_variable_values(schema, operation.variable_definitions or (), given)
    if isinstance(coerced, list):  # graphql-core's errors: the first, as graphql-ruby says it
        raise FieldError(_variable_message(operation, coerced[0]), "INVALID_VARIABLE")
    coerced = getattr(coerced, "coerced", coerced)  # graphql-core 3.3 wraps the dict
    cost = requested_cost(operation.selection_set, _fragments(document), coerced)
    return Prepared(operation, given, cost)


def run(schema: GraphQLSchema, document: DocumentNode, prepared: Prepared, root: dict) -> Result:
    """Execute `prepared` from `root`. An unserved field drops all data, as before."""
    context = {"cost": 1}  # the root object
    result = execute(
        schema,
        document,
        root_value=root,
        context_value=context,
        variable_values=prepared.variables,
        operation_name=prepared.operation.name.value if prepared.operation.name else None,
        field_resolver=_resolve,
    )
    errors = [_error(e) for e in result.errors or ()]
    if any(e.get("extensions", {}).get("code") == "undefinedField" for e in errors):
        return Result(None, errors, 0, unserved=True)
    return Result(result.data, errors, context["cost"])


def _resolve(source: Any, info, **args: Any) -> Any:
    if not isinstance(source, dict):
        return None
    name = info.field_name
    if name not in source:
        typename = source.get("__typename", info.parent_type.name)
        raise FieldError(
            f"Field '{name}' doesn't exist on type '{typename}' in the sandbox",
            "undefinedField",
        )
    value = source[name]
    if callable(value):
        given = {arg.name.value for node in info.field_nodes for arg in node.arguments or ()}
        value = value({key: v for key, v in args.items() if key in given})
    info.context["cost"] += _objects_cost(value)
    return value


def _objects_cost(value: Any) -> int:
    if isinstance(value, list):
        return sum(_objects_cost(item) for item in value)
    if not isinstance(value, dict):
        return 0
    kind = value.get("__typename") or ""
    if kind.endswith("Connection"):
        return 2
    return 0 if kind.endswith("Edge") or kind == "PageInfo" else 1


def _error(error: GraphQLError) -> dict:
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    original = error.original_error
    if isinstance(original, FieldError) and original.code:
        out["extensions"] = {"code": original.code}
    return out


def _variable_message(operation: OperationDefinitionNode, error: GraphQLError) -> str:
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if f"'${name}'" in error.message:
            type_text = _type_text(definition.type)
            return f"Variable ${name} of type {type_text} was provided invalid value"
    return error.message


def _type_text(node) -> str:
    kind = node.kind
    if kind == "non_null_type":
        return _type_text(node.type) + "!"
    if kind == "list_type":
        return f"[{_type_text(node.type)}]"
    return node.name.value


# -- the requested (static) cost ------------------------------------------------------


def _fragments(document: DocumentNode) -> dict:
    return {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}


def _included(node, variables: dict) -> bool:
    for directive in node.directives or ():
        args = {
            a.name.value: value_from_ast_untyped(a.value, variables)
            for a in directive.arguments or ()
        }
        if directive.name.value == "skip" and args.get("if"):
            return False
        if directive.name.value == "include" and not args.get("if"):
            return False
    return True


def _fields(selection_set: SelectionSetNode, fragments: dict, variables: dict) -> list[FieldNode]:
    """The fields of a selection set, fragments expanded (whatever their type condition)."""
    out: list[FieldNode] = []
    for node in selection_set.selections:
        if not _included(node, variables):
            continue
        if isinstance(node, FieldNode):
            out.append(node)
        elif isinstance(node, FragmentSpreadNode):
            out += _fields(fragments[node.name.value].selection_set, fragments, variables)
        elif isinstance(node, InlineFragmentNode):
            out += _fields(node.selection_set, fragments, variables)
    return out


def requested_cost(selection_set: SelectionSetNode, fragments: dict, variables: dict) -> int:
    """Static cost: object 1; connection (has first/last) 2 + n × (1 + node cost); wrappers 0."""
    total = 0
    for node in _fields(selection_set, fragments, variables):
        if not node.selection_set:
            continue
        inner = requested_cost(node.selection_set, fragments, variables)
        args = {
            a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or ()
        }
        size = args.get("first", args.get("last"))
        if isinstance(size, int) and not isinstance(size, bool):
            total += 2 + size * (1 + inner)
        else:
            total += inner if node.name.value in WRAPPERS else 1 + inner
    return total
