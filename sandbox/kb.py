"""The small hot-rod support knowledge base behind the LlamaIndex RAG sandbox.

Retrieval is deterministic term overlap (no model): enough to give realistic,
stable answers with sources for `query_support`, `refresh_index` and
`insight_report`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import data


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str


DOCS = (
    Doc(
        "kb-an-sizing",
        "Choosing AN line size",
        "AN size is the hose inside diameter in sixteenths of an inch. -6 AN suits up to about "
        "350 hp carbureted, -8 AN up to about 650 hp, -10 AN beyond that or for E85 which needs "
        "about 30 percent more fuel. Use a -6 AN return line with a return style regulator.",
    ),
    Doc(
        "kb-ptfe-e85",
        "PTFE hose and E85",
        "PTFE lined stainless braided hose is compatible with E85, methanol and race fuel and does "
        "not let fuel smell permeate. Nylon braided rubber hose is for gasoline and oil only. "
        "PTFE hose needs PTFE specific hose ends with an olive.",
    ),
    Doc(
        "kb-hose-assembly",
        "Assembling AN hose ends",
        "Wrap the hose with tape and cut it with a fine tooth blade. Lubricate the threads, push "
        "the hose into the socket, then thread the nipple using aluminium vise jaws. Leave a 1/16 "
        "inch gap between socket and nipple and pressure test before driving.",
    ),
    Doc(
        "kb-fuel-pump-noise",
        "Fuel pump noise and wiring",
        "A loud whine from an inline pump usually means an inlet restriction or a clogged 100 "
        "micron pre filter. Mount the pump below the tank outlet, feed it with -8 AN, and power "
        "it through a relay harness with 10 gauge wire so it sees full voltage.",
    ),
    Doc(
        "kb-pump-sizing",
        "Fuel pump sizing",
        "A 255 LPH pump supports roughly 500 hp on gasoline, a 340 LPH E85 rated pump about 600 hp "
        "on E85, and a 450 LPH in-tank pump about 900 hp on gasoline.",
    ),
    Doc(
        "kb-carb-bog",
        "Carburetor bog off idle",
        "A bog off idle on a 600 or 750 CFM four barrel is usually a lean transition: check the "
        "accelerator pump cam, squirter size, float level and vacuum leaks before changing jets. "
        "Vacuum secondary carburetors are more forgiving on street cars.",
    ),
    Doc(
        "kb-headers-fitment",
        "Header fitment",
        "Small block Chevy shorty headers clear the stock steering box on 1964 to 1972 A-body cars. "
        "Long tube LS headers need the engine mounted in the stock position and new gaskets.",
    ),
    Doc(
        "kb-order-status",
        "Order status and shipping",
        "Orders placed before 2 pm Pacific ship the same day from Fresno. Tracking is emailed when "
        "the label prints. Ground shipping takes 2 to 5 business days; Canada 4 to 7 with duties "
        "prepaid. Orders over $99 ship free in the contiguous US.",
    ),
    Doc(
        "kb-returns",
        "Returns and exchanges",
        "Unused fittings, hose and pumps can be returned or exchanged within 30 days. Cut hose and "
        "installed carburetors cannot be returned. Start an RMA from the order page.",
    ),
    Doc(
        "kb-warranty",
        "Warranty",
        "Fuel pumps and carburetors carry a one year warranty against defects. Warranty claims need "
        "the order number and a short description of the failure.",
    ),
)
TOPIC_NAMES = {
    "order-status": "Order status",
    "an-sizing": "AN line sizing",
    "e85": "E85 compatibility",
    "fuel-pump": "Fuel pump noise",
    "returns": "Returns and exchanges",
    "carb-tuning": "Carburetor tuning",
    "headers": "Header fitment",
    "shipping": "Shipping",
}
_STOP = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "is",
    "to",
    "for",
    "of",
    "my",
    "i",
    "it",
    "on",
    "in",
    "do",
    "what",
    "with",
    "how",
    "does",
    "can",
    "you",
    "your",
    "be",
    "are",
}


def _terms(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in _STOP]


def search(query: str, top_k: int = 3) -> list[tuple[Doc, float]]:
    """The `top_k` documents sharing most terms with `query`, with scores in [0, 1]."""
    wanted = Counter(_terms(query))
    if not wanted:
        return []
    scored = []
    for doc in DOCS:
        have = set(_terms(doc.title + " " + doc.text))
        hits = sum(n for term, n in wanted.items() if term in have)
        if hits:
            scored.append((doc, round(hits / sum(wanted.values()), 3)))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].id))[:top_k]


def answer(query: str, top_k: int = 3) -> dict:
    """`query_support`: an answer drawn from the best document, with its sources."""
    hits = search(query, top_k)
    if not hits:
        return {"answer": "I could not find this in the support knowledge base.", "sources": []}
    best = hits[0][0]
    first_sentences = ". ".join(best.text.split(". ")[:2]).rstrip(".") + "."
    sources = [
        {"doc_id": d.id, "title": d.title, "score": s, "snippet": d.text[:140]} for d, s in hits
    ]
    return {"answer": first_sentences, "sources": sources}


def insight_report(seed: int, now: datetime, days: int = 7) -> dict:
    """`insight_report`: conversation topics of the last `days` days and unanswered counts."""
    since = now - timedelta(days=days)
    recent = [c for c in data.conversations(seed, now) if c.created_at >= since]
    topics = Counter(c.topic for c in recent)
    unanswered = sum(1 for c in recent if c.first_reply_at(now) is None)
    top = [{"topic": TOPIC_NAMES[t], "count": n} for t, n in topics.most_common(5)]
    summary = (
        f"{len(recent)} conversations in the last {days} days; top topic "
        f"{top[0]['topic'] if top else 'none'}; {unanswered} still without a first reply."
    )
    return {
        "period_days": days,
        "conversations": len(recent),
        "unanswered": unanswered,
        "top_topics": top,
        "summary": summary,
    }
