"""Runbooks from docs/runbooks/<name>.md, rendered for the console.

Markdown is rendered by markdown-it-py with raw HTML off (it is escaped, never passed
through) and its link validation on (no javascript:/data: URLs). Links to other
runbooks point at their console page; other relative links, which the web server does
not serve, become plain text.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}$")
RUNBOOK_LINK = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_-]{0,60})\.md(?P<anchor>#[-\w]*)?$")
SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")


def runbook_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "runbooks"


def runbook_name(integration) -> str:
    """The runbook an integration names (`runbook`), else the one of its kind."""
    name = (integration.runbook or integration.kind or "").strip()
    return name if NAME.match(name) else ""


def runbook_source(name: str) -> str | None:
    """The Markdown text, or None when there is no such runbook (yet)."""
    if not NAME.match(name or ""):
        return None
    path = runbook_dir() / f"{name}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

    def link_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        href = token.attrGet("href") or ""
        match = RUNBOOK_LINK.match(href)
        if match:
            target = reverse("admin:console_runbook", args=[match["name"]])
            token.attrSet("href", target + (match["anchor"] or ""))
        elif not href.startswith(SAFE_SCHEMES):
            token.attrs.pop("href", None)
            token.attrSet("title", href)  # a path in the repository: named, not linked
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def render(source: str) -> SafeString:
    """HTML for a runbook's Markdown (raw HTML in the source is shown as text)."""
    return mark_safe(_renderer().render(source))  # noqa: S308 - markdown-it escapes (html=False)
