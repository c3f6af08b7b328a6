"""The LlamaIndex RAG service under `/llamaindex` (HotDash's own FastAPI-style service).

`GET /health` needs no token; `POST /tools/{query_support|refresh_index|insight_report}`
needs `Authorization: Bearer sandbox-llamaindex-token` and a JSON object of
arguments. Errors use FastAPI's `{"detail": ...}` shape (422 for bad arguments).
"""

from __future__ import annotations

from datetime import UTC, datetime

from .. import kb
from ..router import Router
from ..wire import Request, Response, bearer_token, json_response
from .base import Vendor

TOKEN = "sandbox-llamaindex-token"
INITIAL_REFRESH = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)


def _invalid(field: str, message: str) -> Response:
    return json_response(
        422, {"detail": [{"loc": ["body", field], "msg": message, "type": "value_error"}]}
    )


class LlamaIndex(Vendor):
    name = "llamaindex"

    def register(self, router: Router) -> None:
        router.add("GET", "/health", self.health)
        router.add("POST", "/tools/{tool}", self.tool)

    def reset(self) -> None:
        with self.lock:
            self.refreshed_at = INITIAL_REFRESH

    def not_found(self, req: Request) -> Response:
        return json_response(404, {"detail": "Not Found"})

    def auth_failure_response(self, req: Request) -> Response:
        return json_response(
            401, {"detail": "Invalid authentication credentials"}, {"WWW-Authenticate": "Bearer"}
        )

    def error_response(self, req: Request) -> Response:
        return json_response(500, {"detail": "Internal Server Error"})

    def throttle_response(self, req: Request) -> Response:
        return json_response(429, {"detail": "Too Many Requests"}, {"Retry-After": "1"})

    def health(self, req: Request) -> Response:
        with self.lock:
            refreshed = self.refreshed_at
        index = {"documents": len(kb.DOCS), "last_refreshed_at": refreshed.isoformat()}
        return json_response(200, {"status": "ok", "index": index})

    def call(self, tool: str, args: dict) -> tuple[dict | None, str | None]:
        """Run a tool: (result, None) or (None, error text). Shared with the MCP sandbox."""
        if tool == "query_support":
            query, top_k = args.get("query"), args.get("top_k", 3)
            if not isinstance(query, str) or not query.strip():
                return None, "query: field required (a non-empty string)"
            if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 10:
                return None, "top_k: must be an integer between 1 and 10"
            return kb.answer(query, top_k), None
        if tool == "refresh_index":
            with self.lock:
                self.refreshed_at = self.ctx.now()
            return {
                "status": "ok",
                "documents": len(kb.DOCS),
                "refreshed_at": self.refreshed_at.isoformat(),
            }, None
        if tool == "insight_report":
            days = args.get("days", 7)
            if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 14:
                return None, "days: must be an integer between 1 and 14"
            return kb.insight_report(self.ctx.seed, self.ctx.now(), days), None
        return None, f"unknown tool {tool!r}"

    def tool(self, req: Request) -> Response:
        if bearer_token(req) != TOKEN:
            return self.auth_failure_response(req)
        if req.params["tool"] not in ("query_support", "refresh_index", "insight_report"):
            return self.not_found(req)
        try:
            args = req.json() if req.body.strip() else {}
        except ValueError:
            return json_response(
                422,
                {
                    "detail": [
                        {"loc": ["body"], "msg": "Invalid JSON", "type": "value_error.jsondecode"}
                    ]
                },
            )
        if not isinstance(args, dict):
            return _invalid("body", "must be a JSON object")
        result, error = self.call(req.params["tool"], args)
        if error:
            field, _, message = error.partition(": ")
            return _invalid(field, message)
        return json_response(200, result)
