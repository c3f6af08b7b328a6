"""The outbound HTTP gateway: every vendor call in the project goes through `Gateway.request`.

A `Gateway` is made per unit of work (one probe, one client operation) with
`Gateway.for_integration(integration)`. For each call it:
1. reads the integration's shared row once (circuit and rate-limit state);
2. waits out a pause the vendor asked for, or refuses when it outlasts the deadline;
3. asks the circuit breaker for admission (fails fast with CircuitOpen);
4. makes attempts through `transport.send`, repeating only safe calls, with
   full-jitter backoff that obeys `Retry-After` (see retry.Backoff);
5. reads `X-RateLimit-*` and `Deprecation`/`Sunset` headers from every answer;
6. records the outcome with the breaker and raises a scrubbed GatewayError,
   or returns the accepted HttpResult.

Each connection is checked on the address it connects to (`Destinations`): public
addresses, the networks in `OUTBOUND_ALLOW_PRIVATE`, and the vendor sandbox for a
gateway made with `sandbox=True`. `Gateway.stream` opens an event stream through the
same steps; its body is read with `EventStream.read` (stream.py) under the call's
deadline and byte cap, and the caller closes it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Container, Iterable
from typing import Any

from .addresses import Destinations
from .breaker import BreakerPolicy, Circuit, CircuitBreaker
from .errors import CallTimedOut, ContractBroken, GatewayError, Throttled
from .ratelimit import RateLimitBook
from .reports import VendorReports
from .response import SUCCESS, HttpResult, Limits, default_describe, refusal
from .retry import Backoff
from .scrub import Scrubber
from .state import DEFAULTS, StateStore, probe_pull_forward, probing_now
from .stream import EventStream, _Opened, stream_open
from .transport import send

logger = logging.getLogger("integrations.http")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Check = Callable[[HttpResult], None]
Describe = Callable[[HttpResult], str]


class Gateway(VendorReports):
    """Calls one integration's vendor. Make one per unit of work; not shared across threads.

    Without an `integration_id` (an unsaved integration) there is no shared
    row: no circuit breaker and no stored rate-limit report. `sandbox`: calls may
    reach the vendor sandbox (`SANDBOX_URL`), as they do in sandbox mode.
    """

    def __init__(
        self,
        name: str,
        *,
        integration_id: int | None = None,
        limits: Limits | None = None,
        breaker_policy: BreakerPolicy | None = None,
        secrets: Iterable[str | None] = (),
        deadline_s: float | None = None,
        sandbox: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self.limits = limits or Limits()
        self.backoff = Backoff(
            self.limits.max_attempts, self.limits.backoff_base_s, self.limits.backoff_cap_s
        )
        self.scrub = Scrubber(secrets)
        self.destinations = Destinations.for_mode(sandbox=sandbox)
        self.clock, self.sleep, self.rng = clock, sleep, rng or random.Random()
        self.deadline_at = clock() + deadline_s if deadline_s is not None else None
        store = StateStore(integration_id) if integration_id else None
        self.book = RateLimitBook(store) if store else None
        self.breaker = CircuitBreaker(store, breaker_policy or BreakerPolicy()) if store else None
        self.store = store
        self.last_status: int | None = None
        self.rate_limit: dict = {}  # what the vendor last reported, normalised
        self.headroom: float | None = None  # share of the vendor's limit left, 0..1
        self.deprecations: list[str] = []

    @classmethod
    def for_integration(
        cls,
        integration: Any,
        *,
        secrets: Iterable[str | None] = (),
        deadline_s: float | None = None,
    ) -> Gateway:
        return cls(
            integration.slug,
            integration_id=integration.pk,
            limits=Limits.for_integration(integration),
            breaker_policy=BreakerPolicy.for_integration(integration),
            secrets=secrets,
            deadline_s=deadline_s,
            sandbox=integration.mode == integration.Mode.SANDBOX,
        )

    # -- the call -----------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict | None = None,
        json: object = None,
        data: object = None,
        expect: Container[int] = SUCCESS,
        check: Check | None = None,
        describe: Describe | None = None,
        idempotent: bool | None = None,
        timeout_s: float | None = None,
    ) -> HttpResult:
        """Make the call and return the accepted answer.

        `expect`: the statuses the caller accepts (default 2xx). `check` may
        raise a GatewayError for an accepted answer whose body breaks the
        contract (any other exception it raises counts as ContractBroken).
        `describe` extracts the vendor's error text from a refused answer.
        `idempotent`: True for reads sent with POST (GraphQL queries,
        runReport) and for calls carrying an idempotency key; default: the
        method is GET, HEAD or OPTIONS. Raises a GatewayError whose detail is scrubbed.
        """
        safe = method.upper() in SAFE_METHODS if idempotent is None else idempotent
        call = (method, url, headers or {}, params, json, data, False)
        return self._run(call, safe, expect, check, describe, timeout_s)

    def stream(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        describe: Describe | None = None,
        timeout_s: float | None = None,
    ) -> EventStream:
        """Open a streaming answer (Server-Sent Events) and return it unread.

        The opening goes through the same pause, breaker, retries (for a safe
        method) and refusal as `request`, accepting 2xx only. The returned
        `EventStream` is read under this call's deadline (`timeout_s`, capped
        by the gateway's) and the byte cap; close it (it is a context manager).
        """
        call = (method, url, headers or {}, None, None, None, True)
        opened = self._run(call, method.upper() in SAFE_METHODS, SUCCESS, None, describe, timeout_s)
        if not isinstance(opened, _Opened) or opened.raw is None:  # only a 2xx is accepted
            raise ContractBroken("stream did not open", vendor_status=opened.status)
        return EventStream(self, opened.raw, opened.deadline_at, opened.latency_ms)

    def _run(self, call, safe, expect, check, describe, timeout_s) -> HttpResult:
        started = self.clock()
        deadline_at = self._deadline(started, timeout_s)
        try:
            result = self._guarded(call, deadline_at, safe, expect, check, describe)
        except GatewayError as exc:
            exc.latency_ms = (self.clock() - started) * 1000
            exc.rate_limit, exc.headroom = dict(self.rate_limit), self.headroom
            raise self._scrubbed(exc) from None
        result.latency_ms = (self.clock() - started) * 1000
        return result

    def _deadline(self, started: float, timeout_s: float | None) -> float:
        deadline_at = started + (timeout_s or self.limits.deadline_s)
        return min(deadline_at, self.deadline_at) if self.deadline_at else deadline_at

    def _guarded(self, call, deadline_at, safe, expect, check, describe) -> HttpResult:
        row = self.store.read() if self.store else DEFAULTS
        if self.book:
            self.pause(self.book.pause_needed(row), "the vendor asked for a pause", deadline_at)
        if not self.breaker:
            return self._with_retries(call, deadline_at, safe, expect, check, describe)
        self._admit(row, deadline_at)
        try:
            result = self._with_retries(call, deadline_at, safe, expect, check, describe)
        except GatewayError as exc:
            self.breaker.record(exc)
            probe_pull_forward(self.store.integration_id, exc.error_class)  # passive detection
            raise
        except BaseException:
            self.breaker.release()  # a crash or an interrupt: give an unused trial back
            raise
        self.breaker.record(None)
        return result

    def _admit(self, row: dict[str, Any], deadline_at: float) -> None:
        """Ask the breaker; but a probe while the circuit is not closed goes through as the
        trial. The probe is the active health check (like Envoy's, which ignores outlier
        ejection): its success closes the circuit for every caller, its failure restarts
        the cool-down. Probes come at most every `probe_retry_seconds`, so while the circuit
        is open the vendor sees one call per retry interval, and a recovery is seen then."""
        if probing_now() and row["circuit_state"] != Circuit.CLOSED:
            self.breaker.is_trial = True
            return
        self.breaker.admit(row, lease_s=max(0.0, deadline_at - self.clock()) + 1.0)

    def _with_retries(self, call, deadline_at, safe, expect, check, describe) -> HttpResult:
        attempt = 0
        while True:
            attempt += 1
            try:
                result = self._attempt(call, deadline_at)
                self._observe(result)
                self._accept(result, expect, check, describe)
                result.attempts = attempt
                return result
            except GatewayError as exc:
                exc.attempts = attempt
                if isinstance(exc, Throttled) and exc.retry_after is not None:
                    exc.retry_after = self._note_pause(exc.retry_after)  # capped
                delay = self.backoff.delay(
                    exc, attempt, safe=safe, remaining_s=deadline_at - self.clock(), rng=self.rng
                )
                if delay is None:
                    raise
                logger.warning(
                    "%s: %s %s; attempt %d failed (%s), retrying in %.2fs",
                    self.name,
                    call[0],
                    self.scrub(call[1]),
                    attempt,
                    self.scrub(exc.detail),
                    delay,
                )
                self.sleep(delay)

    def _attempt(self, call, deadline_at: float) -> HttpResult:
        method, url, headers, params, json_body, data, streaming = call
        remaining = deadline_at - self.clock()
        if remaining <= 0:
            raise CallTimedOut("deadline passed before the call", sent=False)
        if streaming:
            return stream_open(self, method, url, headers, remaining, deadline_at)
        raw = send(
            method,
            url,
            headers=headers,
            params=params,
            json_body=json_body,
            data=data,
            connect_s=min(self.limits.connect_s, remaining),
            read_s=min(self.limits.read_s, remaining),
            deadline_at=deadline_at,
            max_bytes=self.limits.max_bytes,
            destinations=self.destinations,
            clock=self.clock,
        )
        self.last_status = raw.status
        return HttpResult(raw.status, raw.headers, raw.body, 0.0)

    def _accept(self, result: HttpResult, expect, check, describe) -> None:
        if result.status not in expect:
            raise refusal(result, describe(result) if describe else default_describe(result))
        if check is None:
            return
        try:
            check(result)
        except GatewayError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ContractBroken(
                f"answer has an unexpected shape ({type(exc).__name__})",
                vendor_status=result.status,
            ) from None

    def _scrubbed(self, exc: GatewayError) -> GatewayError:
        exc.detail = self.scrub(exc.detail)
        exc.args = (exc.detail,)
        exc.details = self.scrub.data(exc.details)  # vendor text too (an MCP server's event)
        return exc

    # -- for clients --------------------------------------------------------------

    def pause(self, seconds: float, why: str, deadline_at: float | None = None) -> None:
        """Sleep `seconds` before a call, or raise Throttled (unsent) when that would
        exceed the backoff cap or leave no time before the deadline."""
        if seconds <= 0:
            return
        if deadline_at is None:
            deadline_at = self._deadline(self.clock(), None)
        remaining = deadline_at - self.clock()
        if seconds > self.limits.backoff_cap_s or seconds > remaining - 0.05:
            raise self._scrubbed(
                Throttled(f"{why}: {seconds:.2f}s, not calling", retry_after=seconds, sent=False)
            )
        self.sleep(seconds)
