// Store console: the decision lab (for agents and admins). Pick a window, edit a draft sourcing profile,
// run it against the retailer's own past orders, watch the progress, compare the KPIs side by side, open any
// changed order's two explanations, and save the draft as the live profile when it is better.
import { Oms, h, say, show } from "./oms.js";

const VIEWER = `{ omsViewer { simulate: may(operation: "Mutation.simulateSourcing")
  save: may(operation: "Mutation.upsertSourcingProfile") } }`;
const PROFILES = `{ sourcingProfiles { id weights { distance priority turnaround capacity stockDepth cost performance }
  maxShipments maxDistanceKm } }`;
const SIMULATE = `mutation($input: SimulateSourcingInput!) { simulateSourcing(input: $input) {
  simulation { id status } userErrors { field message } } }`;
const CANCEL = `mutation($id: ID!) { cancelSourcingSimulation(id: $id) { simulation { id status } userErrors { message } } }`;
const KPIS = `ordersFullyServed unallocatedUnits shipments splitRate averageDistanceKm estimatedCost
  perLocation { location { id } fulfillments units daysOverCapacity }`;
const PLAN = "explanation allocations { location { id } sku quantity }";
const READ = `query($id: ID!) { sourcingSimulation(id: $id) { id status progress orders error
  draft { ${KPIS} } baseline { ${KPIS} } differences { orderId draft { ${PLAN} } baseline { ${PLAN} } } } }`;
const SAVE = `mutation($input: SourcingProfileInput!) { upsertSourcingProfile(input: $input) {
  profile { id } userErrors { field message } } }`;
const WEIGHTS = ["distance", "priority", "turnaround", "capacity", "stockDepth", "cost", "performance"];
const ROWS = [
  ["ordersFullyServed", "Orders fully served", true],
  ["unallocatedUnits", "Unallocated units", false],
  ["shipments", "Shipments", false],
  ["splitRate", "Split rate", false],
  ["averageDistanceKm", "Average distance (km)", false],
  ["estimatedCost", "Estimated cost", false],
];
const POLL_MS = 500;

let oms = null;
let running = null; // the simulation being watched
let lastDraft = null; // the profile input of the last run, for "save as live"
let maySave = false;

function field(id, label, value, attributes = {}) {
  return h("label", {}, label, " ", h("input", { id, value, size: 8, ...attributes }));
}

function form(profile) {
  const now = new Date(Date.now() + 60000); // minutes only: up to the next one, so this minute's orders count
  const weekAgo = new Date(now.getTime() - 7 * 86400000);
  const local = (d) => d.toISOString().slice(0, 16);
  const w = profile ? profile.weights : {};
  return h("form", { id: "lab-form" },
    h("div", { class: "row" },
      field("lab-from", "From", local(weekAgo), { type: "datetime-local", size: 18 }),
      field("lab-to", "To", local(now), { type: "datetime-local", size: 18 }),
      field("lab-profile", "Draft id", profile ? profile.id : "default"),
      field("lab-baseline", "Baseline", "default"),
      field("lab-max-shipments", "Max shipments", profile && profile.maxShipments ? profile.maxShipments : "")),
    h("div", { class: "row" }, WEIGHTS.map((name) => field(`lab-w-${name}`, name, w[name] ?? 1, { type: "number", step: "0.1", min: "0" }))),
    h("div", { class: "row" },
      h("button", { type: "submit", id: "lab-run" }, "Run simulation"),
      h("button", { type: "button", id: "lab-cancel", class: "secondary", hidden: true, onclick: cancel }, "Cancel"),
      h("progress", { id: "lab-progress", max: 1, value: 0, hidden: true, "data-testid": "lab-progress" }),
      h("span", { id: "lab-status", "data-testid": "lab-status" })));
}

function draftInput() {
  const weights = Object.fromEntries(WEIGHTS.map((name) => [name, Number(document.getElementById(`lab-w-${name}`).value)]));
  const maxShipments = document.getElementById("lab-max-shipments").value.trim();
  return { id: document.getElementById("lab-profile").value.trim(), weights, maxShipments: maxShipments ? Number(maxShipments) : null };
}

async function run(event) {
  event.preventDefault();
  const utc = (id) => new Date(`${document.getElementById(id).value}Z`).toISOString();
  lastDraft = draftInput();
  const input = { profile: lastDraft, baselineProfileId: document.getElementById("lab-baseline").value.trim(),
    from: utc("lab-from"), to: utc("lab-to") };
  const result = (await oms.gql(SIMULATE, { input })).simulateSourcing;
  if (result.userErrors.length) {
    say("error", result.userErrors.map((e) => e.message).join("; "));
    return;
  }
  running = result.simulation.id;
  show("lab-result");
  poll();
}

async function cancel() {
  if (running) await oms.gql(CANCEL, { id: running });
}

async function poll() {
  const found = (await oms.gql(READ, { id: running })).sourcingSimulation;
  const live = found.status === "QUEUED" || found.status === "RUNNING";
  const progress = document.getElementById("lab-progress");
  progress.hidden = !live;
  progress.value = found.progress;
  document.getElementById("lab-cancel").hidden = !live;
  show("lab-status", `${found.status} · ${found.orders} orders${found.error ? ` · ${found.error}` : ""}`);
  if (live) {
    setTimeout(() => poll().catch((e) => say("error", e.message)), POLL_MS);
    return;
  }
  if (found.status === "SUCCEEDED") show("lab-result", results(found));
}

function results(found) {
  const rows = ROWS.map(([key, label, higherIsBetter]) => {
    const d = found.draft[key];
    const b = found.baseline[key];
    const better = d === b ? "" : (d > b) === higherIsBetter ? "better" : "worse";
    const scale = Math.max(Math.abs(d), Math.abs(b), 1e-9);
    return h("tr", { class: better, dataset: { kpi: key } },
      h("th", {}, label), h("td", { class: "draft" }, fmt(d)), h("td", { class: "baseline" }, fmt(b)),
      h("td", {}, h("span", { class: "bar", style: `display:inline-block;height:0.8em;background:${better === "better" ? "#2a7" : "#c44"};width:${Math.round(60 * Math.abs(d - b) / scale)}px` })));
  });
  return [
    h("table", { class: "lines", "data-testid": "lab-kpis" },
      h("tr", {}, h("th", {}, "KPI"), h("th", {}, "Draft"), h("th", {}, "Baseline"), h("th", {}, "Difference")), rows),
    h("p", {}, `${found.differences.length} order(s) would be sourced differently`,
      maySave ? h("button", { type: "button", id: "lab-save", class: "secondary", onclick: saveDraft }, "Save draft as live profile") : null),
    h("div", { "data-testid": "lab-differences" }, found.differences.map((d) =>
      h("details", {},
        h("summary", {}, `${d.orderId}: ${where(d.draft)} instead of ${where(d.baseline)}`),
        h("div", { class: "row" },
          h("div", {}, h("strong", {}, "Draft"), h("ul", {}, d.draft.explanation.map((x) => h("li", {}, x)))),
          h("div", {}, h("strong", {}, "Baseline"), h("ul", {}, d.baseline.explanation.map((x) => h("li", {}, x)))))))),
  ];
}

function where(plan) {
  return plan.allocations.map((a) => `${a.sku} x${a.quantity} @ ${a.location.id}`).join(", ") || "nothing";
}

function fmt(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

async function saveDraft() {
  const result = (await oms.gql(SAVE, { input: lastDraft })).upsertSourcingProfile;
  if (result.userErrors.length) say("error", result.userErrors.map((e) => e.message).join("; "));
  else say("ok", `Profile ${result.profile.id} saved: it is live now`);
}

/** Shown only to callers that may simulate (agents, admins); a store token sees nothing of it. */
async function open() {
  const token = sessionStorage.getItem("oms.token");
  if (!token) return;
  oms = new Oms(token);
  const viewer = (await oms.gql(VIEWER)).omsViewer;
  if (!viewer.simulate) return;
  const profiles = (await oms.gql(PROFILES)).sourcingProfiles;
  const section = document.getElementById("lab");
  show(section, h("h2", {}, "Decision lab ", h("span", { class: "muted" }, "(a draft sourcing profile on past orders)")),
    form(profiles.find((p) => p.id === "default") || profiles[0]), h("div", { id: "lab-result" }));
  section.hidden = false;
  document.getElementById("lab-form").addEventListener("submit", (event) => run(event).catch((e) => say("error", e.message)));
  maySave = viewer.save;
}

document.getElementById("signin-form").addEventListener("submit", () => setTimeout(() => open().catch(console.error), 0));
open().catch(console.error);
