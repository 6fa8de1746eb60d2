"""Expected business failures, as data.

A DomainError carries a stable `code` (mirrored by the GraphQL `ErrorCode`
enum), a human message, the `field` path of the input it concerns and the facts
behind it (`data`: sku, location, requested, available...), so the GraphQL layer
can turn it into a `userError` without knowing any rule.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected failure; `code` is one of `ErrorCode`."""

    code = "INVALID"

    def __init__(self, message: str, field: tuple[str, ...] = (), **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.data = data

    def at(self, *prefix: str) -> DomainError:
        """The same error placed under an outer input path (e.g. a list index)."""
        return type(self)(self.message, (*prefix, *self.field), **self.data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, field={self.field!r})"


class InvalidInput(DomainError):
    code = "INVALID"


class NotFound(DomainError):
    code = "NOT_FOUND"


class InsufficientStock(DomainError):
    code = "INSUFFICIENT_STOCK"


class IdempotencyConflict(DomainError):
    code = "IDEMPOTENCY_CONFLICT"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class ScanMismatch(DomainError):
    code = "SCAN_MISMATCH"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class TooManyAttempts(DomainError):
    """Too many wrong guesses at a secret (a collection code): locked until someone trusted resets it."""

    code = "TOO_MANY_ATTEMPTS"


class HoldExpired(DomainError):
    """A checkout hold past its `expiresAt`: its units are no longer held for the shopper."""

    code = "HOLD_EXPIRED"


class SlotFull(DomainError):
    """A pickup slot that is full, closed, or no longer bookable."""

    code = "SLOT_FULL"


class CapacityExhausted(DomainError):
    """Every location that could serve the cart has used its daily capacity."""

    code = "CAPACITY_EXHAUSTED"
