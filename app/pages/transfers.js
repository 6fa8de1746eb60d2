// Store console: ship-to-store transfers on their way to this store, and the scan that receives one.
// The scan takes the store's pickup fulfillment id (printed on the transfer's slip); receiving puts the
// units on the shelf for that pickup, which becomes ready for collection (the customer gets a code).
import { h, say, show } from "./oms.js";

const INCOMING = `query($loc: ID!) { fulfillments(locationId: $loc, statuses: [AWAITING_TRANSFER], first: 100) {
  edges { node { id orderId transferFrom { id name } lines { sku quantity } } } } }`;
const RECEIVE = `mutation($id: ID!) { receiveTransfer(fulfillmentId: $id) {
  fulfillment { id status } userErrors { code message } } }`;

/** The pickups at this store still waiting for their transfer, into #incoming. */
export async function loadIncoming(oms, locationId) {
  const edges = (await oms.gql(INCOMING, { loc: locationId })).fulfillments.edges;
  show("incoming", edges.length
    ? h("ul", { class: "tasks" }, edges.map(({ node: f }) =>
      h("li", { class: "task", dataset: { fulfillmentId: f.id } },
        h("strong", {}, f.id), " ", h("span", { class: "muted" }, `order ${f.orderId} from ${f.transferFrom.name}`),
        h("div", { class: "muted" }, f.lines.map((x) => `${x.sku} × ${x.quantity}`).join(", ")))))
    : h("p", { class: "muted" }, "No transfers on their way here."));
}

/** Receive the scanned transfer; `after` reloads what it changes. */
export async function receive(oms, fulfillmentId, after) {
  const result = (await oms.gql(RECEIVE, { id: fulfillmentId })).receiveTransfer;
  if (result.userErrors.length) say("error", result.userErrors.map((e) => e.message).join("; "));
  else say("ok", `Transfer received: ${result.fulfillment.id} is ${result.fulfillment.status}`);
  await after();
}
