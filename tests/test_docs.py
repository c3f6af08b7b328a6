"""The documentation stays wired to the code: a runbook per integration kind and per
catalogue entry, and no relative Markdown link pointing at a missing file."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from integrations.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RUNBOOKS = DOCS / "runbooks"

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # http:, mailto:, //host


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def relative_links(path: Path) -> list[str]:
    """Targets of inline and reference links outside code, without external URLs or
    same-page anchors."""
    text = CODE_SPAN.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)
    return [t for t in targets if not EXTERNAL.match(t) and not t.startswith("#")]


def resolve(source: Path, target: str) -> Path:
    """The file a link points at: relative to its page, or to the repository for `/…`."""
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    base = ROOT if path.startswith("/") else source.parent
    return (base / path.lstrip("/")).resolve()


LINKS = [
    pytest.param(page, target, id=f"{page.relative_to(ROOT)} -> {target}")
    for page in markdown_files()
    for target in relative_links(page)
]


def test_every_integration_kind__has_a_runbook():
    from integrations.models import Integration

    missing = [kind for kind in Integration.Kind.values if not (RUNBOOKS / f"{kind}.md").is_file()]
    assert missing == [], f"no docs/runbooks/<kind>.md for: {missing}"


def test_every_catalogue_entry__names_a_runbook_that_exists():
    missing = [
        f"{entry['slug']}: {entry.get('runbook')!r}"
        for entry in CATALOGUE
        if "://" not in entry.get("runbook", "")
        and not (RUNBOOKS / f"{entry.get('runbook') or entry['kind']}.md").is_file()
    ]
    assert missing == []


def test_the_link_check__finds_links_in_the_readme():
    """Guards the parser itself: the README links to the docs."""
    assert any(t.startswith("docs/") for t in relative_links(ROOT / "README.md"))


@pytest.mark.parametrize(("page", "target"), LINKS)
def test_relative_link__points_to_an_existing_file(page: Path, target: str):
    resolved = resolve(page, target)
    assert resolved.exists(), f"{page.relative_to(ROOT)}: link {target!r} → {resolved} is missing"
