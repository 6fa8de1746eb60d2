"""createCheckoutHold and placeOrder(checkoutHoldId:) statements, counted: the checkout path's round trips
stay a handful, as make bench reports them."""

from __future__ import annotations

from tests.api.checkout import hold_input, one_store, order_input, storefront
from tests.backends import Backend
from tests.harness import Api

# The selections make bench uses: what a storefront reads back at checkout.
CREATE = """mutation($input: CheckoutHoldInput!) {
  createCheckoutHold(input: $input) { hold { id status } userErrors { code } } }"""
PLACE = """mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id status } userErrors { code } } }"""
# Each request first looks up the storefront's token (one statement; make bench's admin token needs none,
# hence its 4 and 5). A hold: the stock read, the hold row, its lines, then one guarded reservation per
# allocation. Its conversion on PostgreSQL: the stock read, the hold locked, the order written whole in one
# statement, the hold's lines deleted and the hold marked CONVERTED; SQLite writes the order's rows one
# statement each, as in placeOrder.
HOLD = {"postgres": 5, "sqlite": 5}
CONVERSION = {"postgres": 6, "sqlite": 11}


async def test_a_warm_hold_and_its_conversion_run_a_fixed_handful_of_statements(api: Api, backend: Backend) -> None:
    await one_store(api, 50)
    token = await storefront(api)
    await api.gql(CREATE, {"input": hold_input("warm-up")}, token=token)  # the reference cache fills here
    data, held = await api.counted(CREATE, {"input": hold_input("counted")}, token=token)
    hold = data["createCheckoutHold"]["hold"]
    assert data["createCheckoutHold"]["userErrors"] == [] and hold["status"] == "ACTIVE"
    data, converted = await api.counted(PLACE, {"input": order_input("order", checkoutHoldId=hold["id"])}, token=token)
    assert data["placeOrder"]["userErrors"] == [] and data["placeOrder"]["order"]["status"] == "ALLOCATED"
    assert (held, converted) == (HOLD[backend.name], CONVERSION[backend.name])
