"""Every request example in docs/*.md and docs/runbooks/*.md runs against the demo, for real.

Issue 16 item 2: the docs had drifted from the API (a 304 said never to happen, a 404 said to
have no `code`, an approval example that failed at the vendor). Now each example is run by
bash against `manage.py runserver` on the seeded demo data and the vendor sandbox
(`tests/docs/live.py`), and its documented status and response shape are checked.

How the docs write an example (what `tests/docs/examples.py` reads):

- **A request** is a `curl …` or `hd …` command (`hd` is the alias docs/api.md defines) in a
  fenced `sh` or `bash` block, over several lines when they end in `\\` or a quote is open;
  or an inline code span `` `hd $HOTDASH/…` `` in prose. `NAME=$(hd …)` lines above it in
  the same block run first (docs/api.md reads a payload hash that way).
- **Its status** is 2xx unless the command's last line says otherwise in a comment,
  `# → 409 not_pending` (status, then the error `code` the answer must carry), or the block
  after it is an `http` block starting with a status line.
- **Its answer** is the `json` (or `http`) block right after the shell block (only blank
  lines between): it documents the block's last command. Or it is the lines printed right
  under the command in the same block (starting with `{`, `[` or a digit). JSON is checked
  by shape (`examples.shape_errors`: every documented key present, with its type; `…`
  stands for anything); other printed text must match exactly.
- **Not run**: a comment line `# not run by the doc tests: <reason>` right above the
  command (or, for an inline span, those words on the same line), so the reader sees why.
  `NOT_RUN` below lists them: a new one fails until it is added there.

How they run: `$HOTDASH` and `http://127.0.0.1:8000` are the live server; `$TOKEN` is the
demo `operator`'s token, the demo `approver`'s for approval decisions
(`/approvals/<n>/approve|reject|resolve/`: nobody decides their own request), and the
named user's when the block makes a token with `manage.py token_create <user>` (a user
the demo lacks fails);
`localhost:8765` and `$SANDBOX_URL` are the sandbox; `https://<host>` is the live server;
`<slug>` is `shopify` and `<id>` is `1`; the environment has what the docs tell an operator to
set (`live.SECRETS`). Each doc page starts on a fresh copy of the baseline
(`live.baseline_build`: Shopify down with incident 1, finding 1) with the sandbox reset to
it, and its examples run in the page's order, so ids in a page are the ones its own
requests create. Pages whose examples change nothing in HotDash (`reads_only`) share one
copy, to save a server start each.
"""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from django.conf import settings

from .examples import all_examples, doc_files, documented, examples_in, shape_errors
from .live import SHOPIFY_DOWN, LiveServer, Store, baseline_build, manage

EXAMPLES = all_examples()
NOT_RUN = [
    (
        "docs/troubleshooting.md",
        "curl -sS -o /dev/null -w '%{time_starttransfer} %{time_total}\\n' <url>",
    ),
    ("docs/runbooks/chatwoot.md", 'curl -s -H "api_access_token: $CHATWOOT_API_TOKEN" \\'),
    ("docs/runbooks/http.md", "curl -sv <base_url><path>"),
]


CHANGES = re.compile(r"-X\s*(POST|PUT|PATCH|DELETE)\b|\s(-d|--data\S*)\s")
TO_SANDBOX = re.compile(r"\$SANDBOX_URL|localhost:8765")
TO_HOTDASH = re.compile(r"\$HOTDASH|127\.0\.0\.1:8000|<host>")


def reads_only(doc: str) -> bool:
    """Whether a page's examples change nothing in HotDash (they may steer the sandbox)."""
    return not any(
        CHANGES.search(e.command)
        and (TO_HOTDASH.search(e.command) or not TO_SANDBOX.search(e.command))
        for e in EXAMPLES
        if e.doc == doc and not e.skip
    )


class Pages:
    """One live server at a time, on a fresh copy of the baseline for each page that changes
    something (the pages that only read share one); each page's examples run in order,
    once, whichever test asks first."""

    def __init__(self, store: Store, sandbox, tokens: dict[str, str], home):
        self.store, self.sandbox, self.tokens, self.home = store, sandbox, tokens, home
        self.server: LiveServer | None = None
        self.doc: str | None = None
        self.outcomes: dict = {}
        self.opened, self.shared = 0, False

    def outcome(self, example):
        if example.id not in self.outcomes:
            if self.doc != example.doc:
                self.open(example.doc)
            for earlier in EXAMPLES:
                if earlier.doc == example.doc and earlier.line <= example.line and not earlier.skip:
                    if earlier.id not in self.outcomes:
                        self.outcomes[earlier.id] = self.server.run(earlier)
        return self.outcomes[example.id]

    def open(self, doc: str) -> None:
        shared = reads_only(doc)
        if not (shared and self.shared):
            self.close()
            self.opened += 1  # a fresh name each time: a database is never reused
            name = f"{self.opened}-" + ("reading" if shared else doc.replace("/", "-"))
            self.server = LiveServer(self.store, name, self.sandbox, self.tokens, self.home)
        self.shared = shared
        self.sandbox.reset()
        self.sandbox.set_faults("shopify", **SHOPIFY_DOWN)
        self.outcomes = {
            key: value for key, value in self.outcomes.items() if not key.startswith(doc + ":")
        }
        self.doc = doc

    def close(self) -> None:
        if self.server:
            self.server.stop()
        self.server, self.doc, self.shared = None, None, False


@pytest.fixture(scope="module")
def pages(tmp_path_factory, sandbox_server):
    if not all(shutil.which(tool) for tool in ("bash", "curl", "jq")):
        why = "the doc examples need bash, curl and jq (apt-get install curl jq)"
        pytest.fail(why) if os.environ.get("CI") else pytest.skip(why)
    database = settings.DATABASES["default"]
    postgres = database if database["ENGINE"].endswith("postgresql") else None
    store = Store(tmp_path_factory.mktemp("doc-examples"), postgres)
    try:
        tokens = baseline_build(store, sandbox_server)
        pages = Pages(store, sandbox_server, tokens, store.home)
        yield pages
        pages.close()
    finally:
        store.close()


def check(example, outcome) -> None:
    where = f"{example.id}\n{example.command}\nstdout: {outcome.stdout[:1500]}\nstderr: {outcome.stderr[-800:]}\nbody: {outcome.body[:500]}"
    assert outcome.returncode == 0, f"the command failed (exit {outcome.returncode}): {where}"
    if example.status is None:
        assert outcome.status and 200 <= outcome.status < 300, f"got {outcome.status}: {where}"
    else:
        assert outcome.status == example.status, f"got {outcome.status}: {where}"
    if example.code:
        assert json.loads(outcome.body).get("code") == example.code, where
    if example.body:
        errors = shape_errors(documented(example.body), json.loads(outcome.body))
        assert errors == [], f"{errors}: {where}"
    if example.output and example.output.startswith(("{", "[")):
        errors = shape_errors(documented(example.output), json.loads(outcome.stdout))
        assert errors == [], f"{errors}: {where}"
    elif example.output:
        assert outcome.stdout.strip() == example.output, where


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_doc_example__answers_as_documented(example, pages):
    if example.skip:
        pytest.skip(f"the doc says: {example.skip}")
    check(example, pages.outcome(example))


def test_examples_not_run__are_the_listed_ones():
    """Each one says why in the doc; a new one is a decision, made here."""
    assert [(e.doc, e.command.splitlines()[0]) for e in EXAMPLES if e.skip] == NOT_RUN


def test_every_curl_or_hd_line_in_a_shell_block__is_an_example():
    """Guards the parser: a request it failed to read would silently go unchecked."""
    for path in doc_files():
        starts = {e.line for e in examples_in(path)}
        lines = path.read_text(encoding="utf-8").splitlines()
        missed = [
            number
            for number, line in enumerate(lines, 1)
            if line.strip().startswith(("curl ", "hd ")) and number not in starts
        ]
        assert missed == [], f"{path.name}: lines {missed} look like requests but were not read"


def test_the_documented_chatwoot_reply__is_sent_once_approved(pages):
    """docs/api.md requests a Chatwoot reply and approves it: executing it reaches the
    sandbox's Chatwoot (it once named a conversation the sandbox never had: a 404)."""
    approve = next(e for e in EXAMPLES if e.doc == "docs/api.md" and "/approve/" in e.command)
    pages.open(approve.doc)  # the page's later examples cancel it: run it only this far
    check(approve, pages.outcome(approve))
    manage(pages.server.env, "shell", "-c", EXECUTE)
    sent = pages.sandbox.chatwoot_messages()
    assert [m["content"] for m in sent] == ["Your order shipped today."]


EXECUTE = """
from approvals.models import ApprovalRequest
from approvals.tasks import approval_execute_task
approval_execute_task(1)
request = ApprovalRequest.objects.get(pk=1)
assert request.status == "succeeded", (request.status, request.error)
"""


def test_shape_check__reports_a_missing_key_and_a_wrong_type():
    doc = {"count": 1, "results": [{"slug": "x", "ok": True}], "…": "…"}
    got = {"count": "1", "results": [{"ok": 1}], "extra": None}
    assert shape_errors(doc, got) == [
        '$.count: documented int, got "1"',
        "$.results[0]: no key 'slug' (has ['ok'])",
        "$.results[0].ok: documented bool, got 1",
    ]
