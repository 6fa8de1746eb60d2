// Operations reports: orders and rates over time and per store, from `operationsReport`, drawn with uPlot
// (vendored from its npm package, no build step). Buckets are UTC hours, days or weeks; the CSV link
// downloads the same numbers from GET /reports/operations.csv with the same token.
import uPlot from "./vendor/uplot/uPlot.esm.js";
import { Oms, h, say, show } from "./oms.js";

const FIELDS = `start orders units fillRate splitRate shortPickRate cancelledRate slaMetRate
  medianPickMinutes medianReleaseToReadyMinutes`;
const REPORT = `query($input: OperationsReportInput!) { operationsReport(input: $input) {
  buckets { ${FIELDS} } totals { ${FIELDS} } } }`;
const VIEWER = `{ omsViewer { role locations } }`;
const LOCATIONS = `{ locations { id name type } }`;
const STORE_TYPES = new Set(["STORE", "HUB_STORE", "DARK_STORE"]);
const MAX_STORE_BARS = 24;
const DAY_MS = 86400000;
const RATES = [
  ["fillRate", "fill", "#087443"],
  ["slaMetRate", "SLA met", "#1849a9"],
  ["shortPickRate", "short pick", "#b54708"],
  ["cancelledRate", "cancelled", "#b42318"],
  ["splitRate", "split", "#7a5af8"],
];

let oms = new Oms(sessionStorage.getItem("oms.token"));
let stores = [];
const charts = {};

const isoDay = (date) => date.toISOString().slice(0, 10);
const pct = (value) => `${(value * 100).toFixed(1)}%`;
const minutes = (value) => (value === null ? "–" : `${value} min`);

function input() {
  const selected = [...document.getElementById("stores").selectedOptions].map((o) => o.value);
  const channel = document.getElementById("channel").value.trim();
  return {
    from: `${document.getElementById("from").value}T00:00:00Z`,
    to: new Date(Date.parse(`${document.getElementById("to").value}T00:00:00Z`) + DAY_MS).toISOString(),
    granularity: document.getElementById("granularity").value,
    locationIds: selected.length ? selected : null,
    channel: channel || null,
  };
}

function csvUrl(params) {
  const query = new URLSearchParams({ from: params.from, to: params.to, granularity: params.granularity });
  if (params.locationIds) query.set("locationIds", params.locationIds.join(","));
  if (params.channel) query.set("channel", params.channel);
  return `/reports/operations.csv?${query}`;
}

/** The CSV needs the bearer token, which a plain link cannot send: fetch it and hand the browser a file. */
async function download(event) {
  event.preventDefault();
  const response = await fetch(csvUrl(input()), { headers: oms.headers() });
  if (!response.ok) {
    const body = await response.json();
    say("error", body.errors.map((e) => e.message).join("; "));
    return;
  }
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: "operations.csv" });
  document.body.append(link);
  link.click();
  link.remove();
}

function tile(label, value, testid) {
  return h("div", { class: "tile", "data-testid": testid }, h("div", { class: "muted" }, label), h("strong", {}, value));
}

function renderTotals(totals) {
  show("totals",
    tile("store orders", totals.orders.toLocaleString(), "total-orders"),
    tile("units", totals.units.toLocaleString(), "total-units"),
    tile("fill rate", pct(totals.fillRate), "total-fill"),
    tile("SLA met", pct(totals.slaMetRate), "total-sla"),
    tile("short picks", pct(totals.shortPickRate), "total-short"),
    tile("cancelled", pct(totals.cancelledRate), "total-cancelled"),
    tile("split", pct(totals.splitRate), "total-split"),
    tile("median pick", minutes(totals.medianPickMinutes), "total-pick"),
    tile("median release → ready", minutes(totals.medianReleaseToReadyMinutes), "total-ready"),
  );
}

function draw(name, options, data) {
  const target = document.getElementById(name);
  if (charts[name]) charts[name].destroy();
  target.dataset.points = String(data[0].length);
  charts[name] = new uPlot({ width: Math.max(target.clientWidth, 320), height: 240, ...options }, data, target);
}

function renderSeries(buckets) {
  const x = buckets.map((b) => Date.parse(b.start) / 1000);
  const bars = uPlot.paths.bars({ size: [0.8, 40] });
  draw("orders-chart", {
    scales: { y: { range: (u, min, max) => [0, Math.max(max, 1) * 1.1] } },
    series: [{}, { label: "store orders", stroke: "#1849a9", fill: "#1849a933", paths: bars, points: { show: false } }],
    axes: [{}, { label: "orders" }],
  }, [x, buckets.map((b) => b.orders)]);
  const rate = (key) => buckets.map((b) => (b.orders ? b[key] * 100 : null));
  draw("rates-chart", {
    scales: { pct: { range: [0, 100] } },
    series: [{}, ...RATES.map(([, label, stroke]) => ({ label, stroke, scale: "pct", width: 2, spanGaps: false }))],
    axes: [{}, { scale: "pct", values: (u, ticks) => ticks.map((t) => `${t}%`) }],
  }, [x, ...RATES.map(([key]) => rate(key))]);
}

async function renderStores(params) {
  const chosen = (params.locationIds || stores.map((s) => s.id)).slice(0, MAX_STORE_BARS);
  if (!chosen.length) return;
  const parts = chosen.map((id, n) => `s${n}: operationsReport(input: $s${n}) { totals { orders slaMetRate shortPickRate fillRate } }`);
  const document_ = `query(${chosen.map((_, n) => `$s${n}: OperationsReportInput!`).join(", ")}) { ${parts.join(" ")} }`;
  const variables = Object.fromEntries(chosen.map((id, n) => [`s${n}`, { ...params, locationIds: [id] }]));
  const data = await oms.gql(document_, variables);
  const rows = chosen.map((id, n) => ({ id, ...data[`s${n}`].totals })).filter((r) => r.orders > 0);
  const x = rows.map((_, n) => n);
  const bar = (align) => uPlot.paths.bars({ size: [0.38, 60], align });
  draw("stores-chart", {
    scales: { x: { time: false, range: [-0.6, Math.max(rows.length - 0.4, 0.4)] }, pct: { range: [0, 100] } },
    series: [
      { label: "store", value: (u, v) => (v === null ? "" : rows[v] ? rows[v].id : "") },
      { label: "SLA met", scale: "pct", stroke: "#1849a9", fill: "#1849a9aa", paths: bar(-1), points: { show: false } },
      { label: "short pick", scale: "pct", stroke: "#b54708", fill: "#b54708aa", paths: bar(1), points: { show: false } },
    ],
    axes: [
      { splits: () => x, values: (u, ticks) => ticks.map((t) => (rows[t] ? rows[t].id.replace("store-", "#") : "")) },
      { scale: "pct", values: (u, ticks) => ticks.map((t) => `${t}%`) },
    ],
  }, [x, rows.map((r) => r.slaMetRate * 100), rows.map((r) => r.shortPickRate * 100)]);
}

async function load() {
  const params = input();
  document.getElementById("csv").href = csvUrl(params);
  const report = (await oms.gql(REPORT, { input: params })).operationsReport;
  renderTotals(report.totals);
  renderSeries(report.buckets);
  await renderStores(params);
  say("", "");
}

async function run(action) {
  try {
    await action();
  } catch (error) {
    say("error", error.code === "UNAUTHENTICATED" ? "Your token was not accepted: sign in again." : error.message);
  }
}

async function signedIn() {
  document.getElementById("signin").hidden = true;
  document.getElementById("workspace").hidden = false;
  const viewer = (await oms.gql(VIEWER)).omsViewer;
  const all = (await oms.gql(LOCATIONS)).locations.filter((l) => STORE_TYPES.has(l.type));
  stores = viewer.locations ? all.filter((l) => viewer.locations.includes(l.id)) : all;
  show("who", viewer.role.toLowerCase().replace("_", " "));
  show("stores", stores.map((s) => h("option", { value: s.id }, `${s.id} · ${s.name}`)));
  await load();
}

function start() {
  const today = new Date();
  document.getElementById("to").value = isoDay(today);
  document.getElementById("from").value = isoDay(new Date(today.getTime() - 27 * DAY_MS));
  document.getElementById("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    run(load);
  });
  document.getElementById("csv").addEventListener("click", (event) => run(() => download(event)));
  document.getElementById("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("token").value.trim();
    sessionStorage.setItem("oms.token", token);
    oms = new Oms(token);
    run(signedIn);
  });
  if (oms.token) run(signedIn);
  else document.getElementById("signin").hidden = false;
}

start();
