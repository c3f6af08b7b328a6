"""Money in tile payloads: Decimal from the vendor's strings, the currency carried along.

A payload amount is `{"amount": "1234.50", "currency": "USD"}` (a string, never a float).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from integrations.http import ContractBroken

CENT = Decimal("0.01")


def money(amount: Decimal, currency: str | None) -> dict[str, str | None]:
    return {"amount": str(amount.quantize(CENT, rounding=ROUND_HALF_UP)), "currency": currency}


class Tally:
    """A running sum in one currency. Adding another currency raises ContractBroken."""

    def __init__(self, currency: str | None = None) -> None:
        self.total = Decimal("0")
        self.currency = currency
        self.count = 0

    def add(self, amount: Decimal, currency: str) -> None:
        if self.currency is None:
            self.currency = currency
        elif currency != self.currency:
            raise ContractBroken(f"mixed currencies: {self.currency} and {currency}")
        self.total += amount
        self.count += 1

    def as_money(self) -> dict:
        return money(self.total, self.currency)

    def average(self) -> dict | None:
        """The mean amount, or None when nothing was added."""
        return money(self.total / self.count, self.currency) if self.count else None


def percent_change(current: Decimal | int, before: Decimal | int) -> float | None:
    """(current - before) / before in percent, one decimal; None when before is zero."""
    if not before:
        return None
    change = (Decimal(current) - Decimal(before)) / Decimal(before) * 100
    return float(change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def ratio_percent(part: Decimal | int, whole: Decimal | int) -> float | None:
    """part / whole in percent, two decimals; None when whole is zero."""
    if not whole:
        return None
    value = Decimal(part) / Decimal(whole) * 100
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))
