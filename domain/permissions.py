"""The permission matrix: one rule per GraphQL operation, default deny.

Keys are "Query.<field>", "Mutation.<field>", "Subscription.<field>". ADMIN is
in every rule. A new operation joins with one line; a test over the schema
fails while an operation has no line, and at run time it is refused to all.

Row-level scoping beyond the arguments named here (which orders, tasks,
fulfillments a location-bound principal sees in lists, nested fields and
events) is applied where rows are read, with `Principal.narrow` /
`sees_location` / `sees_any`.
"""

from __future__ import annotations

from domain.access import Role, Rule, allow

ADMIN_ONLY = allow()
PUBLIC = allow(public=True)
AG, SA, SM, INT, SF = (
    Role.AGENT,
    Role.STORE_ASSOCIATE,
    Role.STORE_MANAGER,
    Role.INTEGRATION,
    Role.STOREFRONT,
)
STORE = (SA, SM)

PERMISSIONS: dict[str, Rule] = {
    # federation: the router needs both; entity types guard themselves (Order: as Query.order)
    "Query._service": PUBLIC,
    "Query._entities": PUBLIC,
    # storefront reads
    "Query.location": PUBLIC,
    "Query.locations": PUBLIC,
    "Query.items": PUBLIC,
    "Query.availability": PUBLIC,
    "Query.omsProduct": PUBLIC,
    "Query.fulfillmentOptions": PUBLIC,
    "Query.recommendations": PUBLIC,
    "Subscription.availabilityChanged": PUBLIC,
    # configuration
    "Query.availabilityRules": allow(AG, SM),
    "Query.sourcingProfiles": allow(AG, SM),
    "Query.preorderReport": allow(AG, SM),  # staff: pre-orders taken, backlog, inbound per item
    "Query.operationsReport": allow(AG, *STORE, location="input.locationIds"),  # rows: the caller's stores
    # the decision lab (#23): staff; a simulation writes nothing but itself
    "Query.sourcingSimulation": allow(AG),
    "Query.stockAccuracy": allow(AG),
    "Mutation.simulateSourcing": allow(AG),
    "Mutation.cancelSourcingSimulation": allow(AG),
    "Query.webhooks": ADMIN_ONLY,
    "Query.webhookDeliveries": ADMIN_ONLY,
    "Mutation.upsertLocations": allow(INT, scope="catalog:write"),
    "Mutation.upsertItems": allow(INT, scope="catalog:write"),
    "Mutation.upsertProductRelations": allow(INT, scope="catalog:write"),
    "Mutation.importPostalCodes": allow(INT, scope="catalog:write"),
    "Mutation.upsertAvailabilityRule": ADMIN_ONLY,
    "Mutation.deleteAvailabilityRule": ADMIN_ONLY,
    "Mutation.upsertSourcingProfile": ADMIN_ONLY,
    "Mutation.upsertTaskPolicy": ADMIN_ONLY,
    "Mutation.setFraudPolicy": ADMIN_ONLY,
    "Mutation.registerWebhook": ADMIN_ONLY,
    "Mutation.replayWebhookDeliveries": ADMIN_ONLY,
    # inventory: a location-bound token or manager syncs only its own locations (checked per update)
    "Mutation.syncInventory": allow(SM, INT, scope="inventory:write", location="input.updates.locationId"),
    # orders: rows scoped by the locations of their fulfillments
    "Query.order": allow(AG, *STORE, INT, SF, scope="orders:read"),
    "Query.orders": allow(AG, *STORE, INT, scope="orders:read"),
    "Query.sourcingPreview": allow(AG, INT, scope="orders:write"),
    "Mutation.placeOrder": allow(AG, SF, INT, scope="orders:write", channel="input.channel"),
    # checkout holds: rows are the creator's (or staff's), checked by the service
    "Query.checkoutHold": allow(AG, SF, INT, scope="orders:write"),
    "Mutation.createCheckoutHold": allow(AG, SF, INT, scope="orders:write", channel="input.channel"),
    "Mutation.extendCheckoutHold": allow(AG, SF, INT, scope="orders:write"),
    "Mutation.releaseCheckoutHold": allow(AG, SF, INT, scope="orders:write"),
    "Mutation.cancelOrder": allow(AG, INT, scope="orders:write", order="id"),
    "Mutation.editOrder": allow(AG, *STORE, INT, scope="orders:write", order="input.orderId"),
    "Mutation.requestReturn": allow(AG, *STORE, INT, scope="orders:write", order="input.orderId"),
    "Mutation.receiveReturn": allow(AG, *STORE, INT, scope="orders:write", location="locationId"),
    "Subscription.orderStatusChanged": allow(
        AG, *STORE, INT, SF, scope="orders:read", order="orderId", public_if="orderId"
    ),  # one order by its id: anyone (the confirmation page); every order: staff and integrations
    "Query.omsViewer": PUBLIC,  # who am I, and what may my role do: every caller, about itself only
    # manual processes
    "Query.tasks": allow(AG, *STORE, location="locationId"),
    "Mutation.claimTask": allow(AG, *STORE, task="id"),
    "Mutation.completeTask": allow(AG, *STORE, INT, scope="orders:write", task="id"),  # INT: fraud verdicts only
    "Subscription.taskEvents": allow(AG, *STORE, location="locationId"),
    # pick and pack: store staff of that store; carriers and ERPs report through integration tokens
    "Query.fulfillments": allow(*STORE, INT, scope="orders:read", location="locationId"),
    "Query.pickLists": allow(*STORE, location="locationId"),
    "Query.pickProcess": allow(*STORE),
    "Mutation.upsertPickProcess": ADMIN_ONLY,
    "Mutation.upsertPickupSlotPolicy": allow(SM, location="input.locationId"),  # a manager of that store
    "Mutation.setLocationActive": allow(SM, location="input.id"),  # a manager closes (and reopens) their store
    "Mutation.generatePickLists": allow(*STORE, location="locationId"),
    "Mutation.confirmPick": allow(*STORE, pick_list="input.pickListId"),
    "Mutation.completeStep": allow(*STORE, fulfillment="fulfillmentId"),
    "Mutation.skipStep": allow(*STORE, fulfillment="fulfillmentId"),
    "Mutation.handOver": allow(*STORE, fulfillment="fulfillmentId"),
    "Mutation.confirmCollection": allow(*STORE, fulfillment="fulfillmentId"),
    "Mutation.receiveTransfer": allow(*STORE, fulfillment="fulfillmentId"),  # staff of the receiving store
    "Mutation.reissueCollectionCode": allow(AG, SM, fulfillment="fulfillmentId"),  # not associates: a lock is a flag
    "Mutation.confirmDelivery": allow(INT, scope="fulfillment:write", fulfillment="fulfillmentId"),
    "Mutation.acknowledgeOrder": allow(INT, scope="orders:write", order="id"),
}
