"""Errors as data: `UserError` for business failures, coded top-level errors otherwise."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError


@strawberry.enum(description="Why a command was refused; stable across releases.")
class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    SCAN_MISMATCH = "SCAN_MISMATCH"
    FORBIDDEN = "FORBIDDEN"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    SLOT_FULL = "SLOT_FULL"
    CAPACITY_EXHAUSTED = "CAPACITY_EXHAUSTED"


@strawberry.type(description="An expected business failure: which input, what went wrong, a stable code.")
class UserError:
    field: list[str] | None
    message: str
    code: ErrorCode


def user_error(error: DomainError) -> UserError:
    return UserError(field=list(error.field) or None, message=error.message, code=ErrorCode(error.code))


def user_errors(errors: Iterable[DomainError]) -> list[UserError]:
    return [user_error(e) for e in errors]


PUBLIC_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "BAD_REQUEST", "THROTTLED", "UNAVAILABLE"})
UNAVAILABLE_MESSAGE = "Temporarily unavailable: retry with the same idempotency key"


class PublicError(GraphQLError):
    """A top-level error whose message is safe to show (auth, bad request)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated(message: str = "Authentication required: send Authorization: Bearer <token>") -> PublicError:
    return PublicError(message, "UNAUTHENTICATED")


def forbidden(message: str = "Your role may not do this") -> PublicError:
    return PublicError(message, "FORBIDDEN")


def bad_request(message: str) -> PublicError:
    return PublicError(message, "BAD_REQUEST")
