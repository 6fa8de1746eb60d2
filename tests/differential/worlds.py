"""Twin worlds: two databases seeded the same way, one answered by each executor.

Every operation is run twice, on the planned executor against twin P and on
graphql-core (the reference) against twin R, in the same order. A query leaves
the twins alike; a mutation changes both the same way (when the executors
agree), so the next operation again meets identical states. That is what lets
successful mutations be compared, not only refusals.

For the twins to be identical by construction, three sources of difference are
pinned while they exist (and nothing is normalised in the answers):
- the clock: `app.services.uow.utc_now` (every `now` of the services) reads a
  frozen instant, `NOW`;
- ids: `uuid.uuid4` draws from a seeded generator, reset to the same seed
  before each operation on each twin (order, task, rule, event ids);
- collection codes: `secrets.randbelow` draws from the same generator.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.auth import ADMIN_PRINCIPAL
from app.config import Settings
from app.pubsub import make_broker
from app.resources import Resources
from app.services import seed
from app.services import uow as uow_module
from app.store import migrate
from app.store.db import Database
from domain.access import ANONYMOUS, Principal, Role
from resolvers.context import Context
from resolvers.schema import create_schema
from tests.harness import ADMIN_TOKEN

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SKU_COUNT = 300


class FrozenDateTime(datetime):
    """`datetime` whose `now()` is `NOW`: the services' clock, the same on both twins."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return NOW if tz is None else NOW.astimezone(tz)


class Determinism:
    """Patches the clock, `uuid.uuid4` and `secrets.randbelow`; `reseed(key)` restarts the draws."""

    def __init__(self) -> None:
        self.rng = random.Random(0)

    def reseed(self, key: str) -> None:
        self.rng.seed(key)

    def _uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _randbelow(self, n: int) -> int:
        return self.rng.randrange(n)

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        patches: dict[tuple[Any, str], Any] = {
            (uuid, "uuid4"): self._uuid4,
            (secrets, "randbelow"): self._randbelow,
            (uow_module, "datetime"): FrozenDateTime,  # utc_now() reads the module's `datetime`
        }
        saved = {key: getattr(*key) for key in patches}
        for (module, name), value in patches.items():
            setattr(module, name, value)
        try:
            yield
        finally:
            for (module, name), value in saved.items():
                setattr(module, name, value)


@dataclass
class World:
    """One database with its resources, answered by one executor."""

    name: str
    resources: Resources
    schema: Any


def settings_for_twin(database_url: str, executor: str) -> Settings:
    return Settings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        log_level="WARNING",
        webhook_allow_private=True,
        rate_limit_per_minute=0,
        executor=executor,
    )


@contextlib.asynccontextmanager
async def world(name: str, database_url: str, executor: str) -> AsyncIterator[World]:
    settings = settings_for_twin(database_url, executor)
    db = Database(database_url, pool_size=4)
    resources = Resources(settings, db, make_broker(None, f"diff-{name}"), ADMIN_TOKEN)
    await migrate.upgrade(db)
    await resources.broker.start()
    try:
        yield World(name, resources, create_schema(None, settings))
    finally:
        await resources.broker.stop()
        await db.dispose()


@dataclass
class Facts:
    """Values from the seeded data, for variables that make answers non-trivial."""

    skus: list[str] = field(default_factory=lambda: ["SKU-00001", "SKU-00002", "SKU-00007"])
    store: str = "store-001"
    orders: list[str] = field(default_factory=list)
    fulfillments: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    pick_lists: list[str] = field(default_factory=list)
    pick_lines: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


def principals(store: str) -> dict[str, Principal]:
    """The callers every operation is asked as: admin, a storefront of channel `web`, staff of `store`."""
    return {
        "admin": ADMIN_PRINCIPAL,
        "anonymous": ANONYMOUS,
        "storefront": Principal(Role.STOREFRONT, "diff-storefront", channels=frozenset({"web"})),
        "store-manager": Principal(Role.STORE_MANAGER, "diff-manager", locations=frozenset({store})),
        "store-associate": Principal(Role.STORE_ASSOCIATE, "diff-associate", locations=frozenset({store})),
    }


Run = Callable[[str, dict[str, Any] | None], Any]


async def admin_call(world: World, schema: Any, query: str, variables: dict[str, Any] | None = None) -> Any:
    """Run a seeding step as admin; it must succeed."""
    context = Context(world.resources, ADMIN_PRINCIPAL, "diff-seed")
    result = await schema.execute(query, variables, context_value=context)
    assert not result.errors, f"seeding failed: {[e.formatted for e in result.errors]}\n{query}"
    return result.data


T0 = NOW.isoformat()  # the demo stock was counted at NOW; older feeds are stale
SYNC = """mutation($input: InventorySyncInput!) { syncInventory(input: $input) {
  applied ignoredStale duplicates userErrors { code message } } }"""
HOME = {"lat": 40.73, "lon": -73.99}
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id fulfillments { id location { id } } } userErrors { code message } } }"""
ORDERS = [  # (key, lines, delivery, risk): a shipment, a pickup, a split, a held one, one to cancel
    ("diff-ship", [("SKU-00001", 1), ("SKU-00002", 1)], {"method": "SHIP", "destination": {"geo": HOME}}, None),
    ("diff-pickup", [("SKU-00003", 1)], {"method": "PICKUP", "pickupLocationId": "store-001"}, None),
    ("diff-many", [(f"SKU-{n:05d}", 2) for n in range(4, 10)], {"method": "SHIP", "destination": {"geo": HOME}}, None),
    ("diff-held", [("SKU-00001", 1)], {"method": "SHIP", "destination": {"geo": HOME}}, 95.0),
    ("diff-cancel", [("SKU-00002", 1)], {"method": "SHIP", "destination": {"geo": HOME}}, None),
]


async def seed_world(world: World, schema: Any) -> Facts:
    """The demo network (300 SKUs), a fraud policy, stock at the store, five orders, pick lists, a partial
    pick, an availability rule, a webhook."""
    await seed.seed_demo(world.resources.uow(), sku_count=SKU_COUNT)
    facts = Facts()
    await admin_call(world, schema, "mutation { setFraudPolicy(input: {holdAtRiskScore: 80}) { userErrors { code } } }")
    stock = [
        {"sku": f"SKU-{n:05d}", "locationId": facts.store, "quantity": 20, "asOf": T0, "eventId": f"diff-{n}"}
        for n in range(1, 11)
    ]
    await admin_call(world, schema, SYNC, {"input": {"source": "diff", "mode": "DELTA", "updates": stock}})
    for key, lines, delivery, risk in ORDERS:
        order_input = {
            "idempotencyKey": key,
            "channel": "web",
            "market": "US",
            "customer": {"id": "cust-diff", "segment": "VIP", "email": "diff@example.com"},
            "lines": [{"sku": s, "quantity": q, "unitPrice": 25.0} for s, q in lines],
            "delivery": delivery,
            "riskScore": risk,
        }
        placed = (await admin_call(world, schema, PLACE, {"input": order_input}))["placeOrder"]
        if placed["order"]:
            facts.orders.append(placed["order"]["id"])
            facts.fulfillments += [f["id"] for f in placed["order"]["fulfillments"]]
    if facts.orders:
        cancel = 'mutation($id: ID!) { cancelOrder(id: $id, reason: "diff") { userErrors { code } } }'
        await admin_call(world, schema, cancel, {"id": facts.orders[-1]})
    await _pick(world, schema, facts)
    await _extras(world, schema, facts)
    return facts


async def _pick(world: World, schema: Any, facts: Facts) -> None:
    generate = """mutation($loc: ID!) { generatePickLists(locationId: $loc) {
      pickLists { id lines { id sku quantity } } userErrors { code } } }"""
    made = (await admin_call(world, schema, generate, {"loc": facts.store}))["generatePickLists"]["pickLists"]
    facts.pick_lists = [p["id"] for p in made]
    facts.pick_lines = [line["id"] for p in made for line in p["lines"]]
    if made and made[0]["lines"]:
        line = made[0]["lines"][0]
        confirm = """mutation($input: PickConfirmationInput!) { confirmPick(input: $input) { userErrors { code } } }"""
        lines = [{"pickLineId": line["id"], "quantity": line["quantity"]}]
        await admin_call(world, schema, confirm, {"input": {"pickListId": made[0]["id"], "lines": lines}})


async def _extras(world: World, schema: Any, facts: Facts) -> None:
    tasks = "{ tasks(first: 20) { edges { node { id } } } }"
    facts.tasks = [e["node"]["id"] for e in (await admin_call(world, schema, tasks))["tasks"]["edges"]]
    rule = """mutation { upsertAvailabilityRule(input: {channel: "web", category: "apparel-basics", safetyStock: 2}) {
      rule { id } userErrors { code } } }"""
    facts.rules = [(await admin_call(world, schema, rule))["upsertAvailabilityRule"]["rule"]["id"]]
    hook = """mutation { registerWebhook(input: {url: "http://127.0.0.1:9/hook", events: ["order.placed"],
      secret: "diff-secret-0123456789"}) { userErrors { code } } }"""
    await admin_call(world, schema, hook)
