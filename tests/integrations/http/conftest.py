"""Gateways with a fake clock: `sleep` advances it, so backoff arithmetic is exact."""

from __future__ import annotations

import pytest
import responses

from integrations.http import Gateway, Limits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class TopOfRange:
    """An RNG whose full-jitter draw is always the top of the range."""

    def uniform(self, low: float, high: float) -> float:
        return high


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_gateway(clock):
    def make(**limits) -> Gateway:
        settings = {"deadline_s": 10.0, "max_attempts": 3, "backoff_base_s": 0.25}
        return Gateway(
            "vendor",
            limits=Limits(**(settings | limits)),
            secrets=["s3cret-token-value"],
            clock=clock,
            sleep=clock.sleep,
            rng=TopOfRange(),
        )

    return make


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
