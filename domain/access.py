"""Who may do what: roles, principals and the rule one operation is guarded by.

Access is default-deny. Each GraphQL operation has exactly one `Rule` in the
permission matrix (`domain.permissions`); an operation without one is refused
to everybody, admins included, so a new operation cannot be exposed by accident.

A rule names the roles that may call the operation, whether anonymous callers
may (public reads for storefronts), the scope an integration token needs, and
which arguments bind the call to a location or a channel. Location-bound
principals (store staff, a POS token) only act on and only see rows owned by
their locations; channel-bound principals (a storefront token) only act for
their channels. `None` for `locations` or `channels` means unrestricted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import InvalidInput


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    AGENT = "AGENT"  # customer service: every order, no configuration
    STORE_ASSOCIATE = "STORE_ASSOCIATE"  # bound to one or more locations
    STORE_MANAGER = "STORE_MANAGER"  # bound to one or more locations
    INTEGRATION = "INTEGRATION"  # ERP, WMS, POS, carriers: scopes, optionally locations
    STOREFRONT = "STOREFRONT"  # anonymous, or a token bound to channels


STAFF = frozenset({Role.ADMIN, Role.AGENT, Role.STORE_ASSOCIATE, Role.STORE_MANAGER})
LOCATION_BOUND = frozenset({Role.STORE_ASSOCIATE, Role.STORE_MANAGER})
SCOPES = frozenset(
    {
        "catalog:write",  # locations, items, product relations (PIM, network master data)
        "inventory:write",  # syncInventory (ERP, WMS, POS)
        "orders:read",  # order(id), orders, orderStatusChanged
        "orders:write",  # placeOrder, cancelOrder, returns (marketplaces, POS)
        "fulfillment:write",  # carrier and WMS updates of fulfillments
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request; `locations` / `channels` None means every one."""

    role: Role
    subject: str
    anonymous: bool = False
    locations: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def location_bound(self) -> bool:
        return self.locations is not None

    def sees_location(self, location_id: str | None) -> bool:
        """A row owned by this location (None: owned by no location) is visible to this principal."""
        if self.locations is None:
            return True
        return location_id is not None and location_id in self.locations

    def sees_any(self, location_ids: Iterable[str]) -> bool:
        """A row owned by several locations (an order split over stores) is visible when one is ours."""
        if self.locations is None:
            return True
        return any(x in self.locations for x in location_ids)

    def may_use_channel(self, channel: str | None) -> bool:
        return self.channels is None or (channel is not None and channel in self.channels)

    def narrow(self, requested: str | None) -> frozenset[str] | None:
        """The location filter of a list query: the requested one within ours, or all of ours.

        None means no filter (unrestricted, nothing requested); an empty set means nothing is visible.
        """
        if requested is not None:
            return frozenset({requested}) if self.sees_location(requested) else frozenset()
        return self.locations


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns a row: the locations that fulfil it and, for orders, the sales channel."""

    locations: frozenset[str]
    channel: str | None = None


def may_see(principal: Principal, owner: Owner) -> bool:
    """Row-level visibility: one of our locations fulfils it, and it is in one of our channels."""
    return principal.sees_any(owner.locations) and principal.may_use_channel(owner.channel)


def redact(message: str | None, hidden_locations: Iterable[str]) -> str | None:
    """A free-text message that names a location the reader may not see is withheld whole."""
    if message is None or not any(x in message for x in hidden_locations):
        return message
    return None


ANONYMOUS = Principal(Role.STOREFRONT, "anonymous", anonymous=True)


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may call one operation, and which arguments tie the call to a location or channel.

    `location`/`channel` are argument paths such as "locationId" or "input.channel" (lists are
    checked item by item). `owners` are (kind, argument path) pairs, e.g. ("fulfillment",
    "fulfillmentId"): the application looks up the locations owning that row and checks them.
    `public_if` names an argument whose value is a capability: given it, anyone may call
    (an order id, unguessable, lets a confirmation page follow that one order).
    """

    roles: frozenset[Role]
    public: bool = False
    public_if: str | None = None
    scope: str | None = None
    location: str | None = None
    channel: str | None = None
    owners: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def allow(
    *roles: Role,
    public: bool = False,
    scope: str | None = None,
    location: str | None = None,
    channel: str | None = None,
    public_if: str | None = None,
    **owners: str,
) -> Rule:
    """One matrix entry; ADMIN is always included. `owners` keywords: kind=argument path."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return Rule(
        roles=frozenset({Role.ADMIN, *roles}),
        public=public,
        public_if=public_if,
        scope=scope,
        location=location,
        channel=channel,
        owners=tuple(sorted(owners.items())),
    )


class Denied(Exception):
    """Access refused; `code` is UNAUTHENTICATED (say who you are) or FORBIDDEN (you may not)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check(principal: Principal, rule: Rule | None, args: Mapping[str, Any]) -> None:
    """Raise `Denied` unless the principal may call an operation with these arguments."""
    if rule is None:
        raise Denied("FORBIDDEN", "This operation is not open to anyone (no permission entry)")
    if rule.public or (rule.public_if is not None and values_at(args, rule.public_if)):
        return
    if principal.anonymous:
        raise Denied("UNAUTHENTICATED", "Authentication required: send Authorization: Bearer <token>")
    if principal.role not in rule.roles:
        raise Denied("FORBIDDEN", f"Role {principal.role.value} may not do this")
    if principal.role is Role.INTEGRATION and rule.scope is not None and rule.scope not in principal.scopes:
        raise Denied("FORBIDDEN", f"This token lacks the scope {rule.scope}")
    if rule.location is not None and not all(principal.sees_location(x) for x in values_at(args, rule.location)):
        raise Denied("FORBIDDEN", "Not allowed at this location")
    if rule.channel is not None and not all(principal.may_use_channel(x) for x in values_at(args, rule.channel)):
        raise Denied("FORBIDDEN", "Not allowed in this channel")


def may_call(principal: Principal, rule: Rule | None) -> bool:
    """Whether the principal's role and scopes open an operation at all; the arguments and the rows
    they name are still checked when it is called. What a screen asks to decide which buttons to show."""
    try:
        check(principal, rule, {})
    except Denied:
        return False
    return True


def values_at(args: Mapping[str, Any], path: str) -> list[str]:
    """Every non-null value at a dotted argument path ("input.lines.locationId" walks lists)."""
    found: list[Any] = [args]
    for part in path.split("."):
        step: list[Any] = []
        for value in found:
            items = value if isinstance(value, list) else [value]
            step.extend(item.get(part) for item in items if isinstance(item, Mapping))
        found = [v for v in step if v is not None]
    flat: list[str] = []
    for value in found:
        flat.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return flat


# --- tokens ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a token allows, as created by an operator; the secret itself is never stored."""

    role: Role
    label: str
    locations: frozenset[str] | None = None
    channels: frozenset[str] | None = None
    scopes: frozenset[str] = frozenset()
    expires_at: datetime | None = None


def validate_grant(grant: TokenGrant) -> None:
    """Store staff need locations; a storefront token needs channels; scopes only for integrations."""
    if grant.role in LOCATION_BOUND and not grant.locations:
        raise InvalidInput(f"{grant.role.value} tokens need --locations", ("locations",))
    if grant.role is Role.STOREFRONT and not grant.channels:
        raise InvalidInput("STOREFRONT tokens need --channels", ("channels",))
    unknown = sorted(grant.scopes - SCOPES)
    if unknown:
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", ("scopes",))
    if grant.scopes and grant.role is not Role.INTEGRATION:
        raise InvalidInput("only INTEGRATION tokens carry scopes", ("scopes",))


def token_usable(expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and (expires_at is None or now < expires_at)


TOKEN_SUBJECT = "token:"


def token_id_of(principal: Principal) -> str | None:
    """The API token id behind a principal; None for the admin token and anonymous callers."""
    return principal.subject.removeprefix(TOKEN_SUBJECT) if principal.subject.startswith(TOKEN_SUBJECT) else None


def principal_of(token_id: str, grant: TokenGrant) -> Principal:
    return Principal(
        grant.role,
        f"{TOKEN_SUBJECT}{token_id}",
        locations=grant.locations,
        channels=grant.channels,
        scopes=grant.scopes,
    )
