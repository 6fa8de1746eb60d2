// Storefront demo: a product page (availability by store, fulfillment options, recommendations),
// checkout with an idempotency key per attempt (a pickup slot is held first), and a live order confirmation.
import { Oms, distanceKm, h, say, show, when } from "./oms.js";
import { PickupCheckout, clock, inWords } from "./pickup.js";

const ADDRESSES = [
  { name: "Manhattan, New York", market: "US", lat: 40.758, lon: -73.9855 },
  { name: "Downtown Chicago", market: "US", lat: 41.8781, lon: -87.6298 },
  { name: "Santa Monica, Los Angeles", market: "US", lat: 34.0195, lon: -118.4912 },
  { name: "Dallas", market: "US", lat: 32.7767, lon: -96.797 },
  { name: "Toronto", market: "CA", lat: 43.6532, lon: -79.3832 },
  { name: "Vancouver", market: "CA", lat: 49.2827, lon: -123.1207 },
];
const CHANNEL = "web";
const STORE_TYPES = new Set(["STORE", "HUB_STORE"]);

const state = { sku: null, quantity: 1, where: ADDRESSES[0], store: null, attempt: null, stopWatching: null };
const config = await (await fetch("/demo/config")).json();
const oms = new Oms(config.storefrontToken); // the same caller creates a hold and places the order from it

const AVAILABILITY = `query($sku: String!, $channel: String!, $market: String!) {
  availability(skus: [$sku], channel: $channel, market: $market) {
    sku atp locations { atp location { id name type geo { lat lon } capabilities } } } }`;
const OPTIONS = `query($input: FulfillmentOptionsInput!) { fulfillmentOptions(input: $input) {
  method available splitCount readyBy etaHours location { id name timezone } pickupSlot { startsAt available }
  plan { shipments explanation allocations { location { id name } sku quantity } } } }`;
const RECOMMENDATIONS = `query($input: RecommendationsInput!) { recommendations(input: $input) {
  sku atp reason score location { id name } method } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id status plan { explanation allocations { location { id name } sku quantity } }
    recommendations(limit: 4) { sku atp reason location { name } } }
  userErrors { field message code } } }`;
const WATCH = `subscription($id: ID!) { orderStatusChanged(orderId: $id) { type status at message } }`;

function readForm() {
  state.sku = document.getElementById("sku").value.trim();
  state.quantity = Math.max(1, parseInt(document.getElementById("quantity").value, 10) || 1);
  const typed = document.getElementById("geo").value.split(",").map((x) => parseFloat(x));
  const chosen = ADDRESSES[parseInt(document.getElementById("address").value, 10)];
  const postalCode = document.getElementById("postal").value.trim();
  const country = document.getElementById("country").value;
  if (postalCode) state.where = { name: `${postalCode} (${country})`, market: country, postalCode, country };
  else if (typed.length === 2 && typed.every(Number.isFinite)) {
    state.where = { name: `${typed[0]}, ${typed[1]}`, market: chosen.market, lat: typed[0], lon: typed[1] };
  } else state.where = chosen;
  state.attempt = null; // a changed cart is a new checkout attempt
  const url = new URL(location.href);
  url.searchParams.set("sku", state.sku);
  history.replaceState(null, "", url);
}

/** Where the goods go, as the API takes it: coordinates, or a postal code the OMS resolves. */
function destination() {
  return state.where.postalCode
    ? { postalCode: state.where.postalCode, country: state.where.country }
    : { geo: { lat: state.where.lat, lon: state.where.lon } };
}

/** With a postal code the page has no coordinates: the OMS names the pickup stores nearest to it. */
async function nearestStores() {
  if (!state.where.postalCode) return null;
  const input = { channel: CHANNEL, market: state.where.market, lines: [{ sku: state.sku, quantity: state.quantity }], destination: destination(), maxPickupLocations: 8 };
  const options = (await oms.gql(OPTIONS, { input })).fulfillmentOptions;
  return options.filter((o) => o.method === "PICKUP" && o.location).map((o) => o.location.id);
}

// Each refresh owns the page until the next one starts: a slower answer to an earlier one is dropped.
let generation = 0;
const stale = (mine) => mine !== generation;

async function refresh() {
  const mine = ++generation;
  say("", "");
  await pickup.close();
  show("title", `${state.sku} · ${state.quantity} × · to ${state.where.name}`);
  try {
    const order = await nearestStores();
    const stock = (await oms.gql(AVAILABILITY, { sku: state.sku, channel: CHANNEL, market: state.where.market })).availability[0];
    if (stale(mine)) return;
    renderStores(stock, order);
    await Promise.all([renderOptions(mine), renderRecommendations(mine)]);
  } catch (error) {
    if (stale(mine)) return;
    if (error.code === "BAD_REQUEST" && state.where.postalCode) {
      say("error", `We could not find postal code ${state.where.postalCode} in ${state.where.country}: check it, or choose an address instead. (${error.message})`);
      show("stores", h("p", { class: "muted" }, "Type a known postal code to see the stores near it."));
      show("options");
      return;
    }
    say("error", error.message);
  }
}

function renderStores(stock, order = null) {
  const rank = (x) => (order ? order.indexOf(x.location.id) : distanceKm(state.where, x.location.geo));
  const near = stock.locations
    .filter((x) => STORE_TYPES.has(x.location.type) && x.location.capabilities.includes("PICKUP"))
    .map((x) => ({ ...x, km: order ? null : distanceKm(state.where, x.location.geo), rank: rank(x) }))
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank)
    .slice(0, 8);
  if (!state.store || !near.some((x) => x.location.id === state.store.id)) {
    const first = near.find((x) => x.atp >= state.quantity);
    state.store = first ? first.location : null;
  }
  show(
    "stores",
    h("p", { class: "muted" }, `${stock.atp} available to promise in ${state.where.market} in all.`),
    h("ul", { class: "choices" },
      near.map((x) => h("li", {},
        h("label", {},
          h("input", {
            type: "radio", name: "store", value: x.location.id, checked: state.store && state.store.id === x.location.id,
            disabled: x.atp < 1,
            onchange: () => { state.store = x.location; state.attempt = null; pickup.close(); renderOptions(); renderRecommendations(); },
          }),
          ` ${x.location.name} `,
          h("span", { class: "muted" }, x.km === null ? `near ${state.where.postalCode}` : `${x.km.toFixed(1)} km`),
          h("span", { class: x.atp > 0 ? "badge ok" : "badge" }, x.atp > 0 ? `${x.atp} in stock` : "sold out"),
        )))),
  );
}

async function renderOptions(mine = generation) {
  const input = {
    channel: CHANNEL, market: state.where.market, lines: [{ sku: state.sku, quantity: state.quantity }],
    destination: destination(),
    pickupLocationIds: state.store ? [state.store.id] : null, maxPickupLocations: 1,
  };
  const options = (await oms.gql(OPTIONS, { input })).fulfillmentOptions;
  if (stale(mine)) return;
  const ships = options.filter((o) => o.method === "SHIP" && o.available);
  show("options",
    ships.length > 1 ? h("p", { class: "hint" }, "Choose: one parcel later, or split parcels sooner.") : null,
    h("ul", { class: "choices" }, options.map((o) => h("li", { dataset: { method: o.method } },
      h("strong", {}, label(o)),
      o.available ? h("span", {}, ` · ${promise(o)}`) : h("span", { class: "muted" }, " · not available"),
      o.available ? h("button", { type: "button", onclick: () => checkout(o) }, action(o)) : null,
    ))));
}

function action(option) {
  if (option.method !== "PICKUP") return "Order";
  return option.pickupSlot ? "Choose a pickup time" : "Pick up here";
}

function promise(option) {
  if (option.method === "PICKUP" && option.pickupSlot) {
    return `ready by ${when(option.readyBy)}, next pickup time ${clock(option.pickupSlot.startsAt, option.location.timezone)}`;
  }
  if (option.method === "PICKUP") return `ready by ${when(option.readyBy)}`;
  const arrives = option.readyBy && option.etaHours !== null
    ? new Date(Date.now() + option.etaHours * 3600 * 1000).toISOString() : null;
  return arrives ? `arrives by ${when(arrives)}` : "";
}

function label(option) {
  if (option.method === "PICKUP") return `Pick up at ${option.location ? option.location.name : "a store"}`;
  if (option.method === "SAME_DAY") return "Same-day delivery";
  return option.splitCount > 1 ? `Ship in ${option.splitCount} parcels` : "Ship in one parcel";
}

async function renderRecommendations(mine = generation) {
  if (!state.store) {
    show("recommendations", h("p", { class: "muted" }, "Choose a store to see what else it has."));
    return;
  }
  const input = {
    skus: [state.sku], channel: CHANNEL, market: state.where.market, context: "PDP",
    pickupLocationId: state.store.id, limit: 4,
  };
  const found = (await oms.gql(RECOMMENDATIONS, { input })).recommendations;
  if (stale(mine)) return;
  document.getElementById("recommendations-title").textContent = `Pick it up together at ${state.store.name}`;
  show("recommendations", found.length
    ? h("ul", { class: "tiles" }, found.map((r) => h("li", {}, h("strong", {}, r.sku), h("p", {}, r.reason), h("span", { class: "badge ok" }, `${r.atp} there`))))
    : h("p", { class: "muted" }, "Nothing to suggest here yet."));
}

async function checkout(option) {
  // A store with pickup slots: choose a time, which is held while the shopper checks out.
  if (option.method === "PICKUP" && option.pickupSlot) {
    await pickup.open(option).catch((error) => say("error", error.message));
    return;
  }
  // One idempotency key per checkout attempt: a double click or a retry is the same order.
  state.attempt = state.attempt || crypto.randomUUID();
  const delivery = option.method === "PICKUP"
    ? { method: "PICKUP", pickupLocationId: option.location.id }
    : { method: option.method, destination: destination() };
  await place(delivery, state.attempt);
}

/** Place the order (from a checkout hold when `extra` names one): true, or the first userError's code. */
async function place(delivery, key, extra = {}) {
  const input = {
    idempotencyKey: key, channel: CHANNEL, market: state.where.market,
    customer: { id: "demo-shopper", email: "shopper@example.com" },
    lines: [{ sku: state.sku, quantity: state.quantity, unitPrice: 19.99 }], delivery, ...extra,
  };
  try {
    const result = (await oms.gql(PLACE, { input })).placeOrder;
    if (result.userErrors.length) {
      say("error", inWords(result.userErrors));
      return result.userErrors[0].code;
    }
    showConfirmation(result.order);
    return true;
  } catch (error) {
    say("error", error.message);
    return false;
  }
}

const pickup = new PickupCheckout(oms, () => ({ channel: CHANNEL, market: state.where.market, sku: state.sku, quantity: state.quantity }), place);

function showConfirmation(order) {
  document.getElementById("confirmation").hidden = false;
  show("order-id", order.id);
  show("order-status", order.status);
  show("order-plan", h("ul", {}, order.plan.explanation.map((line) => h("li", {}, line))));
  show("order-recommendations", order.recommendations.length
    ? h("ul", { class: "tiles" }, order.recommendations.map((r) => h("li", {}, h("strong", {}, r.sku), h("p", {}, r.reason))))
    : h("p", { class: "muted" }, "Nothing to add."));
  show("order-events", h("li", {}, `order.created: ${order.status}`));
  if (state.stopWatching) state.stopWatching();
  state.stopWatching = oms.subscribe(WATCH, { id: order.id }, (data) => {
    const event = data.orderStatusChanged;
    show("order-status", event.status);
    document.getElementById("order-events").append(h("li", {}, `${event.type}: ${event.status}${event.message ? " · " + event.message : ""}`));
  }, (error) => say("error", error.message));
  document.getElementById("confirmation").scrollIntoView({ behavior: "smooth" });
}

function start() {
  const select = document.getElementById("address");
  show(select, ADDRESSES.map((a, i) => h("option", { value: i }, `${a.name} (${a.market})`)));
  document.getElementById("sku").value = new URLSearchParams(location.search).get("sku") || config.defaultSku;
  document.getElementById("shopper").addEventListener("submit", (event) => {
    event.preventDefault();
    readForm();
    refresh();
  });
  readForm();
  refresh();
}

start();
