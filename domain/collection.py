"""Collection codes: how a customer proves a waiting parcel is theirs.

A parcel READY_FOR_COLLECTION is released against a six-digit code, stored
only as a digest. After `COLLECTION_ATTEMPTS` wrong codes the collection
locks until a store manager or customer service sends a new code, which
replaces the old one only while the parcel still waits.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from domain.errors import DomainError, InvalidInput, InvalidTransition, TooManyAttempts
from domain.orders import FulfillmentStatus

COLLECTION_ATTEMPTS = 5  # wrong codes before a collection locks: five guesses in a million


def check_collection(
    fulfillment_id: str, status: FulfillmentStatus, code: str, digest: str | None, failures: int
) -> bool:
    """Whether `code` collects the parcel. A wrong code is the caller's to count (`wrong_code` says what
    to answer); a parcel not waiting, or locked after `COLLECTION_ATTEMPTS` wrong codes, is refused."""
    if status is not FulfillmentStatus.READY_FOR_COLLECTION:
        raise InvalidTransition(
            f"Fulfillment {fulfillment_id} is {status.value}, not READY_FOR_COLLECTION", ("fulfillmentId",)
        )
    if failures >= COLLECTION_ATTEMPTS:
        raise _locked(fulfillment_id)
    return code_matches(code, digest)


def wrong_code(fulfillment_id: str, failures: int) -> DomainError:
    """The answer to a wrong code, `failures` counting it: how many tries are left, or that it is now locked."""
    left = COLLECTION_ATTEMPTS - failures
    if left <= 0:
        return _locked(fulfillment_id)
    return InvalidInput(f"Wrong collection code; {left} attempt{'s' if left != 1 else ''} left", ("code",))


def _locked(fulfillment_id: str) -> TooManyAttempts:
    return TooManyAttempts(
        f"Collection of {fulfillment_id} is locked after {COLLECTION_ATTEMPTS} wrong codes; "
        "a store manager or customer service sends the customer a new code",
        ("code",),
    )


def attempts_left(status: FulfillmentStatus, failures: int) -> int | None:
    """Wrong codes a waiting parcel still accepts; None when nothing waits for collection."""
    if status is not FulfillmentStatus.READY_FOR_COLLECTION:
        return None
    return max(0, COLLECTION_ATTEMPTS - failures)


def check_reissue(fulfillment_id: str, status: FulfillmentStatus) -> None:
    """A new collection code replaces the old one only while the parcel waits for collection."""
    if status is not FulfillmentStatus.READY_FOR_COLLECTION:
        raise InvalidTransition(
            f"Fulfillment {fulfillment_id} is {status.value}; only a parcel waiting for collection gets a new code",
            ("fulfillmentId",),
        )


def new_collection_code(random_below: Callable[[int], int]) -> str:
    """Six digits, from the caller's source of randomness (a CSPRNG in production)."""
    return f"{random_below(10**6):06d}"


def code_digest(code: str) -> str:
    """Collection codes are stored as digests: whoever reads the database cannot collect the parcel."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def code_matches(code: str, digest: str | None) -> bool:
    return digest is not None and hmac.compare_digest(code_digest(code), digest)
