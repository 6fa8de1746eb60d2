"""GraphQL surface for in-store pick and pack (contract section 6) and what carriers and the ERP tell us."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services import handover
from app.services import picking as service
from domain import picking as domain
from domain.errors import DomainError
from resolvers import pagination
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.fulfillments import Fulfillment, FulfillmentStatus, fulfillment_node
from resolvers.network import Location, stored_location
from resolvers.order_types import Order, fresh_order
from resolvers.pagination import PageInfo

PickMode = strawberry.enum(domain.PickMode, description="How a store groups work into pick lists.")
ShortPickPolicy = strawberry.enum(domain.ShortPickPolicy, description="What happens to units that cannot be picked.")


@strawberry.input(description="A retailer's pick process, assigned to locations with LocationInput.pickProcessId.")
class PickProcessInput:
    id: strawberry.ID
    mode: PickMode  # type: ignore[valid-type]
    scan_to_pick: bool
    short_pick_policy: ShortPickPolicy  # type: ignore[valid-type]
    steps: list[str] = strawberry.field(
        description="Ordered: PICK first, PACK, HANDOVER last; VERIFY VAS LABEL optional."
    )
    reason_codes: list[str]
    max_orders_per_list: int | None = None

    def to_domain(self) -> domain.PickProcess:
        return domain.PickProcess(
            str(self.id),
            self.mode,
            self.scan_to_pick,
            self.short_pick_policy,
            tuple(self.steps),
            tuple(self.reason_codes),
            self.max_orders_per_list,
        )


@strawberry.type
class PickProcess:
    id: strawberry.ID
    mode: PickMode  # type: ignore[valid-type]
    scan_to_pick: bool
    short_pick_policy: ShortPickPolicy  # type: ignore[valid-type]
    steps: list[str]
    reason_codes: list[str]
    max_orders_per_list: int | None


def process_node(process: domain.PickProcess) -> PickProcess:
    return PickProcess(
        id=strawberry.ID(process.id),
        mode=process.mode,
        scan_to_pick=process.scan_to_pick,
        short_pick_policy=process.short_pick_policy,
        steps=list(process.steps),
        reason_codes=list(process.reason_codes),
        max_orders_per_list=process.max_orders_per_list,
    )


@strawberry.type
class PickProcessPayload:
    process: PickProcess | None
    user_errors: list[UserError]


@strawberry.type(description="One SKU for one fulfillment; a batch list orders its lines by SKU, zone or category.")
class PickLine:
    id: strawberry.ID
    sku: str
    quantity: int
    picked: int
    short_quantity: int
    short_reason: str | None
    fulfillment_id: strawberry.ID
    order_id: strawberry.ID
    group: str = strawberry.field(description="What the walk is ordered by: order id, SKU, zone or category.")
    slot: int = strawberry.field(description="The fulfillment's place in the list: the tote to sort into.")
    cancelled: bool = strawberry.field(description="Its fulfillment was cancelled: do not pick, put back.")


@strawberry.type(description="A batch line: one SKU to pick for several fulfillments, with the split to sort.")
class PickItem:
    sku: str
    quantity: int
    picked: int
    lines: list[PickLine]


@strawberry.type
class PickList:
    id: strawberry.ID
    mode: PickMode  # type: ignore[valid-type]
    status: str = strawberry.field(description="OPEN, IN_PROGRESS or DONE.")
    scan_to_pick: bool
    created_at: datetime
    lines: list[PickLine]
    location_id: strawberry.Private[str]
    process_id: strawberry.Private[str]

    @strawberry.field(description="The short-pick reason codes of the list's pick process.")
    async def reason_codes(self, info: Info) -> list[str]:
        found = await info.context.loaders.pick_process.load(self.process_id)
        return list((found or domain.DEFAULT_PROCESS).reason_codes)

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)

    @strawberry.field(description="Lines grouped per SKU, in walk order: what a batch picker collects.")
    def items(self) -> list[PickItem]:
        grouped: dict[str, list[PickLine]] = {}
        for line in self.lines:
            grouped.setdefault(line.sku, []).append(line)
        return [
            PickItem(sku=sku, quantity=sum(x.quantity for x in ls), picked=sum(x.picked for x in ls), lines=ls)
            for sku, ls in grouped.items()
        ]


def list_node(found: domain.PickList) -> PickList:
    return PickList(
        id=strawberry.ID(found.id),
        mode=found.mode,
        status=found.status,
        scan_to_pick=found.scan_to_pick,
        created_at=found.created_at,
        location_id=found.location_id,
        process_id=found.process_id,
        lines=[
            PickLine(
                id=strawberry.ID(x.id),
                sku=x.sku,
                quantity=x.quantity,
                picked=x.picked,
                short_quantity=x.short,
                short_reason=x.short_reason,
                fulfillment_id=strawberry.ID(x.fulfillment_id),
                order_id=strawberry.ID(x.order_id),
                group=x.group,
                slot=x.slot,
                cancelled=x.cancelled,
            )
            for x in found.lines
        ],
    )


@strawberry.type
class PickListsPayload:
    pick_lists: list[PickList]
    user_errors: list[UserError]


@strawberry.type
class PickListPayload:
    pick_list: PickList | None
    user_errors: list[UserError]


@strawberry.input
class PickLineConfirmationInput:
    pick_line_id: strawberry.ID
    quantity: int
    scanned_barcode: str | None = None
    short_reason: str | None = None


@strawberry.input(description="Units picked (and units short, with a reason) on one pick list.")
class PickConfirmationInput:
    pick_list_id: strawberry.ID
    lines: list[PickLineConfirmationInput]

    def to_domain(self) -> list[domain.Confirmation]:
        return [
            domain.Confirmation(str(x.pick_line_id), x.quantity, x.scanned_barcode, x.short_reason) for x in self.lines
        ]


@strawberry.type
class FulfillmentPayload:
    fulfillment: Fulfillment | None
    user_errors: list[UserError]


@strawberry.type
class AcknowledgeOrderPayload:
    order: Order | None
    user_errors: list[UserError]


async def _fulfillment(info: Info, order_id: str, fulfillment_id: str) -> Fulfillment | None:
    loaders = info.context.renew_loaders()
    found = await loaders.fulfillments.load(order_id)
    return next((fulfillment_node(f) for f in found if f.id == fulfillment_id), None)


async def _lists(info: Info, ids: list[str]) -> list[PickList]:
    return [list_node(x) for x in await service.lists_by_id(info.context.resources, ids)]


def _who(info: Info) -> str:
    return info.context.principal.subject


@strawberry.type
class FulfillmentEdge:
    cursor: str
    node: Fulfillment


@strawberry.type
class FulfillmentConnection:
    edges: list[FulfillmentEdge]
    page_info: PageInfo


@strawberry.type
class PickingQuery:
    @strawberry.field(description="A location's fulfillments, oldest first (a store's work queue), by status.")
    async def fulfillments(
        self,
        info: Info,
        location_id: strawberry.ID,
        statuses: list[FulfillmentStatus] | None = None,  # type: ignore[valid-type]
        first: int | None = 50,
        after: str | None = None,
    ) -> FulfillmentConnection:
        info.context.require_staff()
        size = pagination.page_size(first)
        rows = await service.fulfillment_page(
            info.context.resources,
            location_id=str(location_id),
            statuses=[s.value for s in statuses] if statuses else None,  # type: ignore[attr-defined]
            after=pagination.decode(after),
            limit=size + 1,
        )
        by_order = await info.context.loaders.fulfillments.load_many([order_id for _, order_id, _ in rows[:size]])
        found = {f.id: f for group in by_order for f in group}
        edges = [
            FulfillmentEdge(cursor=pagination.encode(at, fid), node=fulfillment_node(found[fid]))
            for fid, _, at in rows[:size]
            if fid in found
        ]
        return FulfillmentConnection(
            edges=edges, page_info=pagination.page_info(len(rows), size, edges[-1].cursor if edges else None)
        )

    @strawberry.field(description="A store's pick lists, oldest first; status OPEN, IN_PROGRESS or DONE.")
    async def pick_lists(self, info: Info, location_id: strawberry.ID, status: str | None = None) -> list[PickList]:
        info.context.require_staff()
        found = await service.lists_at(info.context.resources, location_id=str(location_id), status=status)
        return [list_node(x) for x in found]

    @strawberry.field(description="A pick process by id.")
    async def pick_process(self, info: Info, id: strawberry.ID) -> PickProcess | None:  # noqa: A002
        info.context.require_staff()
        found = await info.context.loaders.pick_process.load(str(id))
        return process_node(found) if found else None


@strawberry.type
class PickingMutation:
    @strawberry.mutation(description="Create or replace a pick process; locations run it via pickProcessId.")
    async def upsert_pick_process(self, info: Info, input: PickProcessInput) -> PickProcessPayload:  # noqa: A002
        info.context.require_staff()
        try:
            saved = await service.upsert_process(info.context.resources, process=input.to_domain())
        except DomainError as error:
            return PickProcessPayload(process=None, user_errors=[user_error(error.at("input"))])
        return PickProcessPayload(process=process_node(saved), user_errors=[])

    @strawberry.mutation(description="Group the location's waiting fulfillments into pick lists (the new ones).")
    async def generate_pick_lists(self, info: Info, location_id: strawberry.ID) -> PickListsPayload:
        info.context.require_staff()
        try:
            ids = await service.generate_lists(info.context.resources, location_id=str(location_id))
        except DomainError as error:
            return PickListsPayload(pick_lists=[], user_errors=[user_error(error)])
        return PickListsPayload(pick_lists=await _lists(info, ids), user_errors=[])

    @strawberry.mutation(description="Record picked units (partial allowed) and short picks with a reason code.")
    async def confirm_pick(self, info: Info, input: PickConfirmationInput) -> PickListPayload:  # noqa: A002
        info.context.require_staff()
        list_id = str(input.pick_list_id)
        try:
            await service.confirm_pick(
                info.context.resources, list_id=list_id, confirmations=input.to_domain(), who=_who(info)
            )
        except DomainError as error:
            found = await _lists(info, [list_id])
            return PickListPayload(pick_list=found[0] if found else None, user_errors=[user_error(error.at("input"))])
        return PickListPayload(pick_list=(await _lists(info, [list_id]))[0], user_errors=[])

    @strawberry.mutation(description="Complete the fulfillment's next step (VERIFY, VAS, PACK, LABEL).")
    async def complete_step(self, info: Info, fulfillment_id: strawberry.ID, step: str) -> FulfillmentPayload:
        info.context.require_staff()
        return await _step(info, str(fulfillment_id), handover.complete_step, step=step, who=_who(info))

    @strawberry.mutation(description="Skip the fulfillment's next step, recording who and why.")
    async def skip_step(self, info: Info, fulfillment_id: strawberry.ID, step: str, reason: str) -> FulfillmentPayload:
        info.context.require_staff()
        return await _step(info, str(fulfillment_id), handover.skip_step, step=step, reason=reason, who=_who(info))

    @strawberry.mutation(description="Ship (with a tracking number) or make ready for collection (pickup).")
    async def hand_over(
        self, info: Info, fulfillment_id: strawberry.ID, tracking_number: str | None = None
    ) -> FulfillmentPayload:
        info.context.require_staff()
        return await _step(
            info, str(fulfillment_id), handover.hand_over, tracking_number=tracking_number, who=_who(info)
        )

    @strawberry.mutation(description="The customer collects with the code they were sent.")
    async def confirm_collection(self, info: Info, fulfillment_id: strawberry.ID, code: str) -> FulfillmentPayload:
        info.context.require_staff()
        return await _step(info, str(fulfillment_id), handover.confirm_collection, code=code)

    @strawberry.mutation(
        description="A new collection code for a parcel waiting for collection (lost, or locked after wrong codes); "
        "the old code stops working and the customer gets the new one through the webhook event."
    )
    async def reissue_collection_code(self, info: Info, fulfillment_id: strawberry.ID) -> FulfillmentPayload:
        info.context.require_staff()
        return await _step(info, str(fulfillment_id), handover.reissue_collection_code, who=_who(info))

    @strawberry.mutation(description="A carrier reports a shipped parcel delivered (repeating it changes nothing).")
    async def confirm_delivery(
        self,
        info: Info,
        fulfillment_id: strawberry.ID,
        delivered_at: datetime | None = None,
        carrier_reference: str | None = None,
    ) -> FulfillmentPayload:
        info.context.require_staff()
        return await _step(
            info,
            str(fulfillment_id),
            handover.confirm_delivery,
            delivered_at=delivered_at,
            carrier_reference=carrier_reference,
        )

    @strawberry.mutation(description="The ERP acknowledges an order under its own reference.")
    async def acknowledge_order(self, info: Info, id: strawberry.ID, erp_reference: str) -> AcknowledgeOrderPayload:  # noqa: A002
        info.context.require_staff()
        try:
            await handover.acknowledge_order(info.context.resources, order_id=str(id), reference=erp_reference)
        except DomainError as error:
            return AcknowledgeOrderPayload(order=None, user_errors=[user_error(error)])
        return AcknowledgeOrderPayload(order=await fresh_order(info, str(id)), user_errors=[])


async def _step(info: Info, fulfillment_id: str, command: handover.Command, **arguments: object) -> FulfillmentPayload:
    """Run a fulfillment command; on a refusal, return the fulfillment as it stands with the error."""
    try:
        touched = await command(info.context.resources, fulfillment_id=fulfillment_id, **arguments)
    except DomainError as error:
        order_id = await handover.order_of(info.context.resources, fulfillment_id)
        current = await _fulfillment(info, order_id, fulfillment_id) if order_id else None
        return FulfillmentPayload(fulfillment=current, user_errors=[user_error(error)])
    return FulfillmentPayload(fulfillment=await _fulfillment(info, touched.order_id, fulfillment_id), user_errors=[])
