"""Finding the request examples in the operator docs, and what each one documents.

The convention is described at the top of `tests/docs/test_doc_examples.py`.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

FENCE = re.compile(r"^(\s*)(```|~~~)\s*([\w-]*)\s*$")
REQUEST = re.compile(r"^(curl|hd)\s")
SETUP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\$\((curl|hd)\s")
INLINE = re.compile(r"`((?:curl|hd) [^`]+)`")
URLISH = re.compile(r"\$HOTDASH|\$SANDBOX_URL|https?://|localhost|<url>|<base_url>")
TOKEN_FOR = re.compile(r"manage\.py token_create (\S+)")
STATUS = re.compile(r"#\s*→\s*(\d{3})(?:\s+([a-z_]+))?")
NOT_RUN = "not run by the doc tests"
OUTPUT = re.compile(r"^[\[{\d]")
WILDCARDS = {"…", "..."}


@dataclass
class Example:
    doc: str  # docs/api.md
    line: int  # where the command starts, 1-based
    command: str  # shell text, possibly over several lines
    setup: tuple[str, ...] = ()  # `NAME=$(hd …)` lines above it in the same block
    status: int | None = None  # documented status; None: any 2xx
    code: str | None = None  # documented error `code`
    output: str | None = None  # documented printed output (lines under the command)
    body: str | None = None  # documented JSON body (the json/http block after)
    skip: str | None = None  # why it is not run, as the doc says
    user: str | None = None  # whose token, when the block creates one (`token_create <user>`)

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def doc_files() -> list[Path]:
    return sorted(DOCS.glob("*.md")) + sorted((DOCS / "runbooks").glob("*.md"))


def _blocks(lines: list[str]) -> list[tuple[str, int, int, list[str]]]:
    """Fenced blocks: (language, index of the opening fence, index of the closing one, body
    lines with the fence's indentation removed)."""
    blocks, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, language = opening.groups()
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        body = [
            line[len(indent) :] if line.startswith(indent) else line.lstrip()
            for line in lines[index + 1 : end]
        ]
        blocks.append((language, index, end, body))
        index = end + 1
    return blocks


def _complete(text: str) -> bool:
    if text.endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on
        return False
    return True


def _commands(body: list[str], first: int, doc: str) -> list[Example]:
    """The request examples of one shell block; `first` is the 1-based line of its body."""
    examples, setup, skip, last, index, user = [], [], None, None, 0, None
    while index < len(body):
        line = body[index].rstrip()
        start = index
        if REQUEST.match(line) or SETUP.match(line):
            while not _complete(line) and index + 1 < len(body):
                index += 1
                line += "\n" + body[index].rstrip()
            if SETUP.match(line):
                setup.append(line)
                last = None
            else:
                status = STATUS.search(line.splitlines()[-1])
                last = Example(doc, first + start, line, tuple(setup), skip=skip, user=user)
                if status:
                    last.status, last.code = int(status[1]), status[2]
                examples.append(last)
            skip = None
        elif line.lstrip().startswith("#"):
            skip = line.split(NOT_RUN + ":", 1)[1].strip() if NOT_RUN in line else skip
        elif last is not None and OUTPUT.match(line):
            last.output = ((last.output or "") + "\n" + line).strip()
        elif line.strip():
            user = TOKEN_FOR.search(line)[1] if TOKEN_FOR.search(line) else user
            last = None
        index += 1
    return examples


def _response(language: str, body: list[str], example: Example) -> None:
    """Attach a json/http block to the example it documents."""
    text = "\n".join(body)
    if language == "http":
        head, _, text = text.partition("\n\n")
        example.status = int(head.split()[1])
    example.body = text.strip() or None


def _inline(lines: list[str], skip: set[int], doc: str) -> list[Example]:
    found = []
    for index, line in enumerate(lines):
        if index in skip:
            continue
        for match in INLINE.finditer(line):
            if URLISH.search(match[1]):
                reason = line.split(NOT_RUN + ":", 1)[1] if NOT_RUN in line else None
                reason = reason and reason.split(")")[0].strip()
                found.append(Example(doc, index + 1, match[1], skip=reason))
    return found


def examples_in(path: Path) -> list[Example]:
    doc = str(path.relative_to(ROOT))
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, found, fenced = _blocks(lines), [], set()
    for number, (language, opening, closing, body) in enumerate(blocks):
        fenced.update(range(opening, closing + 1))
        if language not in {"sh", "bash"}:
            continue
        examples = _commands(body, opening + 2, doc)
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        if (
            examples
            and following
            and following[0] in {"json", "http"}
            and not any(line.strip() for line in lines[closing + 1 : following[1]])
        ):
            _response(following[0], following[3], examples[-1])
        found += examples
    found += _inline(lines, fenced, doc)
    return sorted(found, key=lambda example: example.line)


def all_examples() -> list[Example]:
    return [example for path in doc_files() for example in examples_in(path)]


def hd_alias() -> str:
    """The `alias hd=…` line of docs/api.md, which every `hd` example uses."""
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    return re.search(r"^alias hd=.*$", text, re.MULTILINE)[0]


def documented(text: str):
    """A documented JSON answer, parsed."""
    return json.loads(text)


def shape_errors(doc, got, path: str = "$") -> list[str]:
    """Where `got` departs from the documented `doc`: every documented key is present,
    objects are objects, lists are lists, strings strings, numbers numbers, booleans booleans.
    `…` (or `...`) stands for anything; a documented value may be null in the answer, and
    a documented null may be anything. Each item of an answered list has the shape of one
    of the documented items."""
    if got is None or doc is None or (isinstance(doc, str) and doc in WILDCARDS):
        return []
    if isinstance(doc, dict):
        if not isinstance(got, dict):
            return [f"{path}: documented an object, got {json.dumps(got)[:80]}"]
        errors = []
        for key, value in doc.items():
            if key in WILDCARDS:
                continue
            if key not in got:
                errors.append(f"{path}: no key {key!r} (has {sorted(got)})")
            else:
                errors += shape_errors(value, got[key], f"{path}.{key}")
        return errors
    if isinstance(doc, list):
        if not isinstance(got, list):
            return [f"{path}: documented a list, got {json.dumps(got)[:80]}"]
        shapes = [item for item in doc if not (isinstance(item, str) and item.lstrip(".…") != item)]
        errors = []
        for number, item in enumerate(got if shapes else []):
            each = [shape_errors(shape, item, f"{path}[{number}]") for shape in shapes]
            if all(each):
                errors += min(each, key=len)
        return errors
    kinds = (
        (bool,)
        if isinstance(doc, bool)
        else (int, float)
        if isinstance(doc, int | float)
        else (str,)
    )
    if not isinstance(got, kinds) or (isinstance(got, bool) and kinds != (bool,)):
        return [f"{path}: documented {type(doc).__name__}, got {json.dumps(got)[:80]}"]
    return []
