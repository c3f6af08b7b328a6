"""A minimal GraphQL parser and executor, enough to answer Shopify-style queries.

Supports operations (query shorthand too), variables with defaults, aliases,
arguments (literals, enums, lists, objects), fragments (named and inline) and
`@include`/`@skip`. Objects are dicts with `__typename`; a field's value is a
plain value or a callable taking the field's resolved arguments dict.
Cost follows Shopify's static model (https://shopify.dev/docs/api/usage/rate-limits):
object 1, connection 2 + first × node cost, scalars and edges/pageInfo wrappers 0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r'(?P<ws>[\s,\ufeff]+|\#[^\n]*)|(?P<block>"""(?:[^"]|"(?!""))*""")'
    r'|(?P<string>"(?:\\.|[^"\\\n])*")|(?P<spread>\.\.\.)'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<name>[_A-Za-z]\w*)"
    r"|(?P<punct>[!$():=@\[\]{}|&])"
)
_KIND = {
    "{": "LCURLY",
    "}": "RCURLY",
    "(": "LPAREN",
    ")": "RPAREN",
    "[": "LBRACKET",
    "]": "RBRACKET",
    ":": "COLON",
    "$": "VAR_SIGN",
    "!": "BANG",
    "=": "EQUALS",
    "@": "DIR_SIGN",
    "...": "ELLIPSIS",
}
WRAPPERS = ("edges", "node", "nodes", "pageInfo")


class GraphQLSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


class FieldError(Exception):
    """Raised by a resolver: the field becomes null and an error is reported."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Var:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None
    args: dict[str, Any]
    selections: list | None
    line: int
    column: int
    directives: dict[str, dict] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class Fragment:  # a named fragment's spread (`...Name`) or an inline fragment
    name: str | None
    on: str | None
    selections: list | None = None
    directives: dict[str, dict] = field(default_factory=dict)


@dataclass
class Operation:
    kind: str
    name: str | None
    variables: dict[str, tuple[str, Any]]  # name → (type text, default)
    selections: list


@dataclass
class Document:
    operations: list[Operation]
    fragments: dict[str, Fragment]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = list(self._lex(text))
        self.pos = 0

    @staticmethod
    def _lex(text: str):
        pos, line, line_start = 0, 1, 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match:
                raise GraphQLSyntaxError(
                    f'Parse error on "{text[pos]}" at [{line}, {pos - line_start + 1}]',
                    line,
                    pos - line_start + 1,
                )
            kind, value = match.lastgroup, match.group()
            if kind != "ws":
                yield kind, value, line, pos - line_start + 1
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rindex("\n") + 1
            pos = match.end()

    def peek(self, value: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        return value is None or self.tokens[self.pos][1] == value

    def take(self, value: str | None = None, kind: str | None = None):
        if self.pos >= len(self.tokens):
            last = self.tokens[-1] if self.tokens else ("", "", 1, 1)
            raise GraphQLSyntaxError("Unexpected end of document", last[2], last[3])
        token = self.tokens[self.pos]
        if (value and token[1] != value) or (kind and token[0] != kind):
            label = _KIND.get(token[1], "IDENTIFIER" if token[0] == "name" else token[0].upper())
            raise GraphQLSyntaxError(
                f'Parse error on "{token[1]}" ({label}) at [{token[2]}, {token[3]}]',
                token[2],
                token[3],
            )
        self.pos += 1
        return token

    def document(self) -> Document:
        ops, frags = [], {}
        while self.peek():
            if self.peek("{"):
                ops.append(Operation("query", None, {}, self.selection_set()))
            elif self.peek("fragment"):
                self.take()
                name = self.take(kind="name")[1]
                self.take("on")
                frags[name] = Fragment(name, self.take(kind="name")[1], None, self.directives())
                frags[name].selections = self.selection_set()
            else:
                kind = self.take(kind="name")[1]
                if kind not in ("query", "mutation", "subscription"):
                    self.pos -= 1
                    self.take("query")
                name = (
                    self.take(kind="name")[1]
                    if self.peek() and self.tokens[self.pos][0] == "name"
                    else None
                )
                variables = self.variable_definitions() if self.peek("(") else {}
                self.directives()
                ops.append(Operation(kind, name, variables, self.selection_set()))
        return Document(ops, frags)

    def variable_definitions(self) -> dict[str, tuple[str, Any]]:
        self.take("(")
        out = {}
        while not self.peek(")"):
            self.take("$")
            name = self.take(kind="name")[1]
            self.take(":")
            type_text = self.type_ref()
            default = self.value() if self.peek("=") and self.take("=") else None
            self.directives()
            out[name] = (type_text, default)
        self.take(")")
        return out

    def type_ref(self) -> str:
        if self.peek("["):
            self.take("[")
            inner = self.type_ref()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.take(kind="name")[1]
        return text + "!" if self.peek("!") and self.take("!") else text

    def selection_set(self) -> list:
        self.take("{")
        items = []
        while not self.peek("}"):
            items.append(self.selection())
        self.take("}")
        return items

    def selection(self):
        if self.peek("..."):
            self.take("...")
            if self.peek("on"):
                self.take("on")
                on = self.take(kind="name")[1]
                directives = self.directives()
                return Fragment(None, on, self.selection_set(), directives)
            if self.peek("{") or self.peek("@"):
                directives = self.directives()
                return Fragment(None, None, self.selection_set(), directives)
            return Fragment(self.take(kind="name")[1], None, None, self.directives())
        _, name, line, column = self.take(kind="name")
        alias = None
        if self.peek(":"):
            self.take(":")
            alias, name = name, self.take(kind="name")[1]
        args = self.arguments() if self.peek("(") else {}
        directives = self.directives()
        selections = self.selection_set() if self.peek("{") else None
        return Field(name, alias, args, selections, line, column, directives)

    def arguments(self) -> dict[str, Any]:
        self.take("(")
        out = {}
        while not self.peek(")"):
            name = self.take(kind="name")[1]
            self.take(":")
            out[name] = self.value()
        self.take(")")
        return out

    def directives(self) -> dict[str, dict]:
        out = {}
        while self.peek("@"):
            self.take("@")
            name = self.take(kind="name")[1]
            out[name] = self.arguments() if self.peek("(") else {}
        return out

    def value(self) -> Any:
        kind, text, _, _ = self.take()
        if text == "$":
            return Var(self.take(kind="name")[1])
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return text[3:-3].strip()
        if text == "[":
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            obj = {}
            while not self.peek("}"):
                key = self.take(kind="name")[1]
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, text)
        self.pos -= 1
        self.take(kind="name")  # raises a parse error naming the token


def parse(text: str) -> Document:
    """Parse a GraphQL document. Raises GraphQLSyntaxError (with line and column)."""
    return _Parser(text).document()


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    """A literal with its `$variables` substituted."""
    if isinstance(value, Var):
        return variables.get(value.name)
    if isinstance(value, list):
        return [resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables) for k, v in value.items()}
    return value
