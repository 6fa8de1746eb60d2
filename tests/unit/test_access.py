"""Access rules: default deny, roles, scopes, location and channel bindings, token grants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.access import (
    ANONYMOUS,
    Denied,
    Owner,
    Principal,
    Role,
    Rule,
    TokenGrant,
    allow,
    check,
    may_see,
    redact,
    token_usable,
    validate_grant,
    values_at,
)
from domain.errors import DomainError

ADMIN = Principal(Role.ADMIN, "admin")
AGENT = Principal(Role.AGENT, "agent")
STORE_A = Principal(Role.STORE_ASSOCIATE, "s", locations=frozenset({"A"}))
POS = Principal(Role.INTEGRATION, "pos", locations=frozenset({"A"}), scopes=frozenset({"inventory:write"}))
WEB = Principal(Role.STOREFRONT, "web", channels=frozenset({"web"}))


def refusal(principal: Principal, rule: Rule | None, args: Mapping[str, Any] | None = None) -> str | None:
    try:
        check(principal, rule, args or {})
    except Denied as error:
        return error.code
    return None


def test_an_operation_without_a_rule_is_refused_even_to_admins() -> None:
    assert refusal(ADMIN, None) == "FORBIDDEN"


def test_public_rules_let_anonymous_callers_in_and_others_need_a_token() -> None:
    assert refusal(ANONYMOUS, allow(public=True)) is None
    assert refusal(ANONYMOUS, allow(Role.AGENT)) == "UNAUTHENTICATED"


def test_a_capability_argument_opens_a_rule_to_anyone_who_holds_it() -> None:
    rule = allow(Role.AGENT, public_if="orderId")
    assert refusal(ANONYMOUS, rule, {"orderId": "ord_1"}) is None
    assert refusal(ANONYMOUS, rule, {"orderId": None}) == "UNAUTHENTICATED"
    assert refusal(STORE_A, rule, {}) == "FORBIDDEN"


def test_admin_is_in_every_rule_and_other_roles_only_where_named() -> None:
    rule = allow(Role.AGENT)
    assert (refusal(ADMIN, rule), refusal(AGENT, rule), refusal(STORE_A, rule)) == (None, None, "FORBIDDEN")


def test_an_integration_token_needs_the_rules_scope() -> None:
    sync = allow(Role.INTEGRATION, scope="inventory:write")
    orders = allow(Role.INTEGRATION, scope="orders:read")
    assert (refusal(POS, sync), refusal(POS, orders)) == (None, "FORBIDDEN")


def test_location_arguments_must_all_be_the_callers_locations() -> None:
    rule = allow(Role.INTEGRATION, scope="inventory:write", location="input.updates.locationId")
    mine = {"input": {"updates": [{"locationId": "A"}, {"locationId": "A"}]}}
    mixed = {"input": {"updates": [{"locationId": "A"}, {"locationId": "B"}]}}
    assert (refusal(POS, rule, mine), refusal(POS, rule, mixed)) == (None, "FORBIDDEN")
    assert refusal(ADMIN, rule, mixed) is None


def test_channel_arguments_bind_storefront_tokens() -> None:
    rule = allow(Role.STOREFRONT, channel="input.channel")
    assert refusal(WEB, rule, {"input": {"channel": "web"}}) is None
    assert refusal(WEB, rule, {"input": {"channel": "app"}}) == "FORBIDDEN"


def test_values_at_walks_nested_lists_and_skips_nulls() -> None:
    args = {"a": [{"b": "1"}, {"b": None}, {"b": ["2", "3"]}], "c": None}
    assert values_at(args, "a.b") == ["1", "2", "3"]
    assert values_at(args, "c") == []
    assert values_at(args, "missing.path") == []


def test_a_row_is_visible_when_one_of_its_locations_is_ours_and_in_our_channel() -> None:
    split = Owner(frozenset({"A", "B"}), "web")
    assert may_see(STORE_A, split) and may_see(ADMIN, split)
    assert not may_see(STORE_A, Owner(frozenset({"B"}), "web"))
    assert not may_see(STORE_A, Owner(frozenset(), None))  # owned by no location: not a store's business
    assert not may_see(WEB, Owner(frozenset({"A"}), "app"))


def test_a_message_naming_a_hidden_location_is_withheld_whole() -> None:
    assert redact("Allocated to A, B", {"B"}) is None
    assert redact("Allocated to A", {"B"}) == "Allocated to A"
    assert redact(None, {"B"}) is None
    assert redact("anything", ()) == "anything"


def test_list_filters_narrow_to_the_callers_locations() -> None:
    assert ADMIN.narrow(None) is None and ADMIN.narrow("B") == frozenset({"B"})
    assert STORE_A.narrow(None) == frozenset({"A"})
    assert STORE_A.narrow("A") == frozenset({"A"})
    assert STORE_A.narrow("B") == frozenset()


def test_token_grants_need_their_bindings() -> None:
    with pytest.raises(DomainError, match="locations"):
        validate_grant(TokenGrant(Role.STORE_MANAGER, "m"))
    with pytest.raises(DomainError, match="channels"):
        validate_grant(TokenGrant(Role.STOREFRONT, "web"))
    with pytest.raises(DomainError, match="unknown scopes"):
        validate_grant(TokenGrant(Role.INTEGRATION, "erp", scopes=frozenset({"root"})))
    with pytest.raises(DomainError, match="only INTEGRATION"):
        validate_grant(TokenGrant(Role.AGENT, "a", scopes=frozenset({"orders:read"})))
    validate_grant(TokenGrant(Role.INTEGRATION, "pos", locations=frozenset({"A"}), scopes=frozenset({"orders:read"})))


def test_a_token_is_usable_until_it_expires_or_is_revoked() -> None:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert token_usable(None, None, now)
    assert token_usable(now + timedelta(seconds=1), None, now)
    assert not token_usable(now, None, now)
    assert not token_usable(None, now, now)
