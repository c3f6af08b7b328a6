"""Supabase under `/supabase`: the API gateway, PostgREST (`/rest/v1`) and GoTrue health.

Wire facts (vendor-contracts.md §5): `apikey` header on every route (gateway
errors have their own `{"message","hint"}` shape); PostgREST errors have
code/details/hint/message; `Prefer: count=exact` gives `Content-Range` and
206 when partial (docs.postgrest.org pagination_count); duplicate key → 409
23505; unknown table → 404 PGRST205; since 2026-04-08 `/rest/v1/` refuses
publishable keys with 403 (supabase/supabase PRs #47095, #45462).
"""

from __future__ import annotations

import difflib

from ..faults import Field
from ..router import Router
from ..wire import Request, Response, bearer_token, json_response
from .base import Vendor
from .supabase_tables import (
    TABLES,
    PostgrestError,
    Table,
    apply_filters,
    apply_order,
    apply_select,
    coerce,
    seed_rows,
)

ANON_KEY = "sandbox-supabase-anon"  # publishable (sb_publishable_… in production)
SERVICE_KEY = "sandbox-supabase-service"  # secret (sb_secret_…)
ROLES = {ANON_KEY: "anon", SERVICE_KEY: "service_role"}
GOTRUE = {
    "version": "v2.189.0",
    "name": "GoTrue",
    "description": "GoTrue is a user registration and authentication API",
}


def _pg(exc: PostgrestError) -> Response:
    return json_response(exc.status, exc.body)


class Supabase(Vendor):
    name = "supabase"
    extras = {"throttle_mode": Field("str", "429", choices=("429", "503"))}

    def register(self, router: Router) -> None:
        router.add("GET", "/auth/v1/health", self.health)
        router.add("GET HEAD", "/rest/v1/", self.openapi_root)
        router.add("GET HEAD POST", "/rest/v1/{table}", self.table)

    def reset(self) -> None:
        now = self.ctx.now()
        with self.lock:
            self._rows = {
                name: seed_rows(name, self.ctx.seed, now)
                for name, t in TABLES.items()
                if t.writable
            }

    # Gateway and faults ---------------------------------------------------------------------
    def auth_failure_response(self, req: Request) -> Response:
        return json_response(
            401,
            {
                "message": "Invalid API key",
                "hint": "Double check your Supabase `anon` or `service_role` API key.",
            },
        )

    def error_response(self, req: Request) -> Response:
        return _pg(PostgrestError(500, "XX000", "internal error"))

    def outage_response(self, req: Request) -> Response:
        return _pg(
            PostgrestError(503, "PGRST001", "Database client error. Retrying the connection.")
        )

    def throttle_response(self, req: Request) -> Response:
        if req.settings.get("throttle_mode") == "503":
            return _pg(
                PostgrestError(
                    503, "PGRST003", "Timed out acquiring connection from connection pool."
                )
            )
        return json_response(429, {"message": "API rate limit exceeded"}, {"Retry-After": "1"})

    def _role(self, req: Request) -> tuple[str | None, Response | None]:
        """The caller's role from `apikey` (header or query), or the gateway's 401."""
        key = req.header("apikey") or req.arg("apikey")
        if not key:
            return None, json_response(
                401,
                {
                    "message": "No API key found in request",
                    "hint": "No `apikey` request header or url param was found.",
                },
            )
        if key not in ROLES:
            return None, self.auth_failure_response(req)
        # Secret keys are refused from browsers [S, supabase discussion #52680].
        if key == SERVICE_KEY and (req.header("User-Agent") or "").startswith("Mozilla/"):
            return None, json_response(
                401, {"message": "Forbidden use of secret API key in browser"}
            )
        bearer = bearer_token(req)
        if bearer is not None and bearer not in ROLES:
            return None, _pg(
                PostgrestError(
                    401,
                    "PGRST301",
                    "No suitable key or wrong key type",
                    "None of the keys was able to decode the JWT",
                )
            )
        return ROLES[key], None

    # Endpoints ------------------------------------------------------------------------------
    def health(self, req: Request) -> Response:
        _, denied = self._role(req)
        return denied or json_response(200, GOTRUE)

    def openapi_root(self, req: Request) -> Response:
        """Only secret/service_role keys may read the OpenAPI root (403 otherwise)."""
        role, denied = self._role(req)
        if denied:
            return denied
        if role != "service_role":
            # [!] the exact 403 body is not documented; PostgREST's shape is used.
            return _pg(
                PostgrestError(
                    403,
                    "42501",
                    "permission denied for the OpenAPI root",
                    hint="Use a secret or service_role key to read /rest/v1/.",
                )
            )
        paths = {f"/{name}": {"get": {"tags": [name]}} for name in TABLES}
        return json_response(
            200,
            {
                "swagger": "2.0",
                "info": {"title": "PostgREST API", "version": "12.2.3"},
                "basePath": "/",
                "paths": paths,
            },
        )

    def _table(self, name: str) -> Table:
        if name in TABLES:
            return TABLES[name]
        close = difflib.get_close_matches(name, list(TABLES), n=1)
        hint = f"Perhaps you meant the table 'public.{close[0]}'" if close else None
        raise PostgrestError(
            404,
            "PGRST205",
            f"Could not find the table 'public.{name}' in the schema cache",
            hint=hint,
        )

    def table(self, req: Request) -> Response:
        role, denied = self._role(req)
        if denied:
            return denied
        try:
            table = self._table(req.params["table"])
            if req.method == "POST":
                return self._insert(req, table, role)
            return self._read(req, table)
        except PostgrestError as exc:
            return _pg(exc)

    def _rows_of(self, table: Table) -> list[dict]:
        if not table.writable:
            return seed_rows(table.name, self.ctx.seed, self.ctx.now())
        with self.lock:
            return [dict(r) for r in self._rows[table.name]]

    def _read(self, req: Request, table: Table) -> Response:
        """GET/HEAD with filters, order, limit/offset and `Prefer: count=…` → Content-Range."""
        query = req.query
        rows = apply_order(
            table, apply_filters(table, self._rows_of(table), query), req.arg("order")
        )
        total = len(rows)
        offset, limit = self._int_arg(req, "offset", 0), self._int_arg(req, "limit", None)
        counted = any(
            f"count={k}" in (req.header("Prefer") or "") for k in ("exact", "planned", "estimated")
        )
        if offset and offset >= total and total and counted:
            raise PostgrestError(
                416,
                "PGRST103",
                "Requested range not satisfiable",
                f"An offset of {offset} was requested, but there are only {total} rows.",
            )
        page = rows[offset:] if limit is None else rows[offset : offset + limit]
        body = apply_select(table, page, req.arg("select"))
        size = "/" + (str(total) if counted else "*")
        span = f"{offset}-{offset + len(page) - 1}" if page else "*"
        status = 206 if counted and len(page) < total else 200
        headers = {"Content-Range": span + size, "Range-Unit": "items"}
        return json_response(status, body, headers)

    @staticmethod
    def _int_arg(req: Request, name: str, default: int | None) -> int | None:
        raw = req.arg(name)
        if raw is None:
            return default
        if not raw.isdigit():
            raise PostgrestError(
                400, "PGRST100", f'"failed to parse {name} ({raw})" (line 1, column 1)'
            )
        return int(raw)

    def _insert(self, req: Request, table: Table, role: str) -> Response:
        """POST one object or an array; all or nothing; 201 (+ rows with return=representation)."""
        if not table.writable:
            status = 401 if role == "anon" else 403
            raise PostgrestError(status, "42501", f"permission denied for table {table.name}")
        if role == "anon":
            raise PostgrestError(
                401, "42501", f'new row violates row-level security policy for table "{table.name}"'
            )
        rows = self._parse_rows(req, table)
        with self.lock:
            stored = self._rows[table.name]
            new_rows = self._prepare(table, rows, stored)
            stored.extend(new_rows)
        prefer = req.header("Prefer") or ""
        if "return=representation" in prefer:
            body = apply_select(table, new_rows, req.arg("select"))
            return json_response(
                201, body, {"Content-Range": "*/*", "Preference-Applied": "return=representation"}
            )
        return Response(201, headers=[("Content-Range", "*/*")])

    @staticmethod
    def _parse_rows(req: Request, table: Table) -> list[dict]:
        try:
            payload = req.json()
        except ValueError:
            raise PostgrestError(400, "PGRST102", "Empty or invalid json") from None
        rows = payload if isinstance(payload, list) else [payload]
        if not rows or not all(isinstance(r, dict) for r in rows):
            raise PostgrestError(400, "PGRST102", "Empty or invalid json")
        if len({frozenset(r) for r in rows}) > 1:
            raise PostgrestError(400, "PGRST102", "All object keys must match")
        for column in rows[0]:
            if column not in table.columns:
                raise PostgrestError(
                    400,
                    "PGRST204",
                    f"Could not find the '{column}' column of '{table.name}' in the schema cache",
                )
        return rows

    def _prepare(self, table: Table, rows: list[dict], stored: list[dict]) -> list[dict]:
        """Typed rows with defaults and ids; raises 23502 (not null) or 23505 (duplicate key)."""
        taken = {r["id"] for r in stored}
        next_id = max(taken, default=0) + 1
        out = []
        for raw in rows:
            row = {col: coerce(table, col, raw.get(col)) for col in table.columns}
            for col in table.required:
                if row[col] is None:
                    raise PostgrestError(
                        400,
                        "23502",
                        f'null value in column "{col}" of relation '
                        f'"{table.name}" violates not-null constraint',
                    )
            if row["id"] is None:
                row["id"], next_id = next_id, next_id + 1
            if row["id"] in taken:
                raise PostgrestError(
                    409,
                    "23505",
                    f'duplicate key value violates unique constraint "{table.name}_pkey"',
                    f"Key (id)=({row['id']}) already exists.",
                )
            taken.add(row["id"])
            next_id = max(next_id, row["id"] + 1)
            row["created_at"] = row.get("created_at") or self.ctx.now().isoformat()
            if table.name == "idea_pool":
                row["status"] = row["status"] or "proposed"
            out.append(row)
        return out
