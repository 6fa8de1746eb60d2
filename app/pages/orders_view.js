// Store console: the store's recent orders with what changed on them (edits with who and why,
// backorders, pre-orders), and the pre-order report for staff who may read it.
import { h, show, when } from "./oms.js";

const ORDERS = `query { orders(first: 50) { edges { node { id status createdAt
  lines { id sku quantity backordered promisedBy }
  fulfillments { id status location { id } }
  events { type status at message } } } } }`;
const PREORDERS = `query { preorderReport { sku releaseAt preorderLimit preordered remaining waiting released
  onHand inbound inboundEta backlog { promisedBy orders units } } }`;

const EDITED = "order.edited";

function lineRow(line) {
  const waiting = line.backordered > 0 ? `${line.backordered} waiting` : "";
  return h("tr", { class: line.quantity === 0 ? "removed" : "" },
    h("td", {}, line.id), h("td", {}, line.sku), h("td", {}, line.quantity === 0 ? "removed" : line.quantity),
    h("td", {}, waiting), h("td", {}, line.promisedBy ? when(line.promisedBy) : ""));
}

/** One order: its lines, and its edits in the order they happened (who and why are in each edit's message). */
function orderCard(order) {
  const edits = order.events.filter((e) => e.type === EDITED);
  return h("article", { class: "order", dataset: { orderId: order.id, edits: String(edits.length) } },
    h("h3", {}, `${order.id} `, h("span", { class: "badge" }, order.status),
      edits.length ? h("span", { class: "badge edited" }, `edited ×${edits.length}`) : null,
      h("span", { class: "muted" }, ` placed ${when(order.createdAt)}`)),
    h("table", { class: "lines" },
      h("tr", {}, h("th", {}, "Line"), h("th", {}, "SKU"), h("th", {}, "Qty"), h("th", {}, "Backordered"), h("th", {}, "Promised by")),
      order.lines.map(lineRow)),
    edits.length
      ? h("ol", { class: "edits", "data-testid": "edit-history" },
        edits.map((e) => h("li", {}, h("span", { class: "muted" }, `${when(e.at)} · ${e.status} · `), e.message || "")))
      : null);
}

/** Render the recent orders served by a store into #orders; with `editedOnly`, only those changed after placement. */
export async function loadOrders(oms, locationId, editedOnly = false) {
  const orders = (await oms.gql(ORDERS)).orders.edges.map((e) => e.node)
    .filter((o) => o.fulfillments.some((f) => f.location.id === locationId));
  const shown = editedOnly ? orders.filter((o) => o.events.some((e) => e.type === EDITED)) : orders;
  show("orders", shown.length
    ? shown.map(orderCard)
    : h("p", { class: "muted" }, editedOnly ? "No order here was edited." : "No orders at this store yet."));
}

function backlog(item) {
  return item.backlog.map((b) => `${when(b.promisedBy)}: ${b.units} units on ${b.orders} order(s)`).join("; ");
}

/** Render the pre-order report into #preorders: taken, waiting, stock coming, backlog by promise date. */
export async function loadPreorders(oms) {
  const items = (await oms.gql(PREORDERS)).preorderReport;
  show("preorders", items.length
    ? h("table", { class: "lines", "data-testid": "preorder-report" },
      h("tr", {}, ["SKU", "Release", "Limit", "Pre-ordered", "Remaining", "Waiting", "Released", "On hand", "Inbound", "Backlog"]
        .map((title) => h("th", {}, title))),
      items.map((item) => h("tr", { dataset: { sku: item.sku } },
        h("td", {}, item.sku), h("td", {}, item.releaseAt ? when(item.releaseAt) : "released"),
        h("td", {}, item.preorderLimit ?? "none"), h("td", { class: "preordered" }, item.preordered),
        h("td", {}, item.remaining ?? "∞"), h("td", { class: "waiting" }, item.waiting), h("td", {}, item.released),
        h("td", {}, item.onHand),
        h("td", {}, item.inbound ? `${item.inbound}${item.inboundEta ? ` by ${when(item.inboundEta)}` : ""}` : 0),
        h("td", { class: "backlog" }, backlog(item)))))
    : h("p", { class: "muted" }, "No pre-order items."));
}
