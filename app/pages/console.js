// Store console: the task inbox (live), pick lists with scan-to-pick and short picks,
// the next step of each fulfillment (only the next step is ever offered), transfers to receive, today's pickup slots,
// and whether the store is open (a manager closes it for a while, with a reason, and reopens it).
import { Oms, h, say, show, when } from "./oms.js";
import { loadOrders, loadPreorders } from "./orders_view.js";
import { loadSlots } from "./slots.js";
import { loadIncoming, receive } from "./transfers.js";

const session = {
  token: sessionStorage.getItem("oms.token"),
  location: sessionStorage.getItem("oms.location"),
};
let oms = new Oms(session.token);
let stopTasks = null;
let openList = null;
let slotTimer = null;
const SLOT_REFRESH_MS = 15000;

const TASKS = `query($loc: ID!) { tasks(locationId: $loc, first: 100) { edges { node {
  id type status assigneeRole escalationLevel dueAt note outcome outcomes createdAt order { id } } } } }`;
const TASK_EVENTS = `subscription($loc: ID) { taskEvents(locationId: $loc) { type taskId taskType escalationLevel assigneeRole } }`;
const CLAIM = `mutation($id: ID!) { claimTask(id: $id) { task { id status } userErrors { message } } }`;
const COMPLETE_TASK = `mutation($id: ID!, $outcome: String!) { completeTask(id: $id, outcome: $outcome) {
  task { id status } userErrors { message } } }`;
const LIST_FIELDS = `id mode status scanToPick reasonCodes createdAt
  lines { id sku quantity picked shortQuantity shortReason fulfillmentId orderId group slot cancelled }`;
const LISTS = `query($loc: ID!) { open: pickLists(locationId: $loc, status: "OPEN") { ${LIST_FIELDS} }
  started: pickLists(locationId: $loc, status: "IN_PROGRESS") { ${LIST_FIELDS} } }`;
const GENERATE = `mutation($loc: ID!) { generatePickLists(locationId: $loc) { pickLists { id } userErrors { message } } }`;
const CONFIRM = `mutation($input: PickConfirmationInput!) { confirmPick(input: $input) {
  pickList { ${LIST_FIELDS} } userErrors { code message field } } }`;
const FULFILLMENTS = `query($loc: ID!) { fulfillments(locationId: $loc, statuses: [PICKED, PACKED, READY_FOR_COLLECTION], first: 100) {
  edges { node { id orderId method status nextStep collectionAttemptsLeft lines { sku quantity } } } } }`;
const STEP_RESULT = `fulfillment { id status nextStep } userErrors { code message }`;
const COMPLETE_STEP = `mutation($id: ID!, $step: String!) { completeStep(fulfillmentId: $id, step: $step) { ${STEP_RESULT} } }`;
const SKIP_STEP = `mutation($id: ID!, $step: String!, $reason: String!) { skipStep(fulfillmentId: $id, step: $step, reason: $reason) { ${STEP_RESULT} } }`;
const HAND_OVER = `mutation($id: ID!, $tracking: String) { handOver(fulfillmentId: $id, trackingNumber: $tracking) { ${STEP_RESULT} } }`;
const COLLECT = `mutation($id: ID!, $code: String!) { confirmCollection(fulfillmentId: $id, code: $code) { ${STEP_RESULT} } }`;
const REISSUE = `mutation($id: ID!) { reissueCollectionCode(fulfillmentId: $id) { ${STEP_RESULT} } }`;
const UNSKIPPABLE = new Set(["PICK", "HANDOVER"]);

function failed(result) {
  if (result.userErrors && result.userErrors.length) {
    say("error", result.userErrors.map((e) => e.message).join("; "));
    return true;
  }
  return false;
}

async function run(action) {
  try {
    await action();
  } catch (error) {
    say("error", error.code === "UNAUTHENTICATED" ? "Your token was not accepted: sign in again." : error.message);
  }
}

// ---- tasks ----

async function loadTasks(flash = null) {
  const edges = (await oms.gql(TASKS, { loc: session.location })).tasks.edges;
  const live = edges.map((e) => e.node).filter((t) => t.status === "OPEN" || t.status === "CLAIMED");
  show("task-count", String(live.length));
  show("tasks", live.length ? h("ul", { class: "tasks" }, live.map((t) => taskRow(t, flash))) : h("p", { class: "muted" }, "Nothing to do."));
}

function taskRow(task, flash) {
  const escalated = task.escalationLevel > 0;
  return h("li", { class: `task${escalated ? " escalated" : ""}${flash === task.id ? " flash" : ""}`, dataset: { taskId: task.id, type: task.type } },
    h("div", {},
      h("strong", {}, task.type.replace("_", " ")), " ",
      h("span", { class: "badge" }, task.status),
      escalated ? h("span", { class: "badge warn", "data-testid": "escalated" }, `escalated ×${task.escalationLevel} → ${task.assigneeRole}`) : h("span", { class: "muted" }, ` for ${task.assigneeRole}`),
    ),
    h("div", { class: "muted" }, [task.order ? `order ${task.order.id}` : "", task.note || "", task.dueAt ? `due ${when(task.dueAt)}` : ""].filter(Boolean).join(" · ")),
    h("div", { class: "row" },
      task.status === "OPEN" ? h("button", { type: "button", onclick: () => run(() => claim(task)) }, "Claim") : null,
      task.outcomes.map((outcome) => h("button", { type: "button", class: "secondary", onclick: () => run(() => complete(task, outcome)) }, outcome)),
    ),
  );
}

async function claim(task) {
  const result = (await oms.gql(CLAIM, { id: task.id })).claimTask;
  if (!failed(result)) say("ok", `Claimed ${task.type}`);
  await loadTasks();
}

async function complete(task, outcome) {
  const result = (await oms.gql(COMPLETE_TASK, { id: task.id, outcome })).completeTask;
  if (!failed(result)) say("ok", `${task.type}: ${outcome}`);
  await loadTasks();
  await loadFulfillments();
}

function watchTasks() {
  if (stopTasks) stopTasks();
  stopTasks = oms.subscribe(TASK_EVENTS, { loc: session.location }, (data) => {
    const event = data.taskEvents;
    if (event.type === "task.escalated") say("error", `${event.taskType} escalated to ${event.assigneeRole} (level ${event.escalationLevel})`);
    run(() => loadTasks(event.taskId));
  }, (error) => say("error", error.message));
}

// ---- picking ----

async function loadLists() {
  const data = await oms.gql(LISTS, { loc: session.location });
  const lists = [...data.started, ...data.open];
  show("lists", lists.length
    ? lists.map((l) => h("button", { type: "button", class: openList && openList.id === l.id ? "active" : "secondary", onclick: () => { openList = l; run(loadLists); } },
      `${l.mode} list · ${new Set(l.lines.map((x) => x.fulfillmentId)).size} order(s) · ${l.status}`))
    : h("span", { class: "muted" }, "No open pick lists."));
  if (openList) {
    openList = lists.find((l) => l.id === openList.id) || openList;
    renderPick();
  }
}

function current(list) {
  return list.lines.find((line) => !line.cancelled && line.picked + line.shortQuantity < line.quantity) || null;
}

function renderPick() {
  const list = openList;
  const line = current(list);
  const before = document.getElementById("pick-form");
  const typed = before && before.dataset.line === (line && line.id) ? document.getElementById("scan")?.value : "";
  show("picking",
    h("table", { class: "lines" },
      h("tr", {}, h("th", {}, list.mode === "ORDER" ? "Order" : list.mode === "ITEM" ? "SKU" : list.mode.toLowerCase()), h("th", {}, "SKU"), h("th", {}, "Tote"), h("th", {}, "Qty"), h("th", {}, "Picked"), h("th", {}, "Short")),
      list.lines.map((x) => h("tr", { class: x === line ? "current" : x.cancelled || x.picked + x.shortQuantity === x.quantity ? "done" : "", dataset: { sku: x.sku } },
        h("td", {}, x.group), h("td", {}, x.sku), h("td", {}, x.slot), h("td", {}, x.quantity), h("td", {}, x.picked),
        h("td", {}, x.cancelled ? "order cancelled: put back" : x.shortQuantity ? `${x.shortQuantity} (${x.shortReason})` : "")))),
    line ? pickForm(list, line) : h("p", { class: "ok" }, "List complete: take it to packing."),
  );
  const scan = document.getElementById("scan");
  if (scan) {
    scan.value = typed || ""; // a refresh never eats what the scanner already typed
    scan.focus();
  }
}

function pickForm(list, line) {
  const open = line.quantity - line.picked - line.shortQuantity;
  return h("form", { id: "pick-form", class: "row", dataset: { line: line.id }, onsubmit: (event) => { event.preventDefault(); run(() => pick(list, line)); } },
    h("strong", {}, `Pick ${line.sku} × ${open} into tote ${line.slot}`),
    list.scanToPick ? h("label", {}, "Scan ", h("input", { id: "scan", autocomplete: "off", placeholder: "barcode then Enter" })) : null,
    h("label", {}, "Qty ", h("input", { id: "pick-quantity", type: "number", min: "0", max: String(open), value: "1", size: "3" })),
    h("button", { type: "submit" }, list.scanToPick ? "Confirm scan" : "Confirm"),
    h("select", { id: "short-reason" }, h("option", { value: "" }, "Short because…"), list.reasonCodes.map((code) => h("option", { value: code }, code))),
    h("button", { type: "button", class: "secondary", onclick: () => run(() => short(list, line)) }, "Report short"),
  );
}

async function confirmLines(list, lines) {
  const result = (await oms.gql(CONFIRM, { input: { pickListId: list.id, lines } })).confirmPick;
  if (failed(result)) {
    const scan = document.getElementById("scan");
    if (scan) { scan.value = ""; scan.focus(); }
    return;
  }
  openList = result.pickList;
  say("ok", openList.status === "DONE" ? "Pick list done" : "Picked");
  await loadLists();
}

async function pick(list, line) {
  const quantity = parseInt(document.getElementById("pick-quantity").value, 10) || 1;
  const scan = document.getElementById("scan");
  await confirmLines(list, [{ pickLineId: line.id, quantity, scannedBarcode: scan ? scan.value.trim() : null }]);
}

async function short(list, line) {
  const reason = document.getElementById("short-reason").value;
  if (!reason) {
    say("error", "Choose why it is short");
    return;
  }
  await confirmLines(list, [{ pickLineId: line.id, quantity: 0, shortReason: reason }]);
}

// ---- packing and hand-over ----

async function loadFulfillments() {
  const edges = (await oms.gql(FULFILLMENTS, { loc: session.location })).fulfillments.edges;
  show("fulfillments", edges.length
    ? h("ul", { class: "tasks" }, edges.map((e) => fulfillmentRow(e.node)))
    : h("p", { class: "muted" }, "Nothing picked and waiting."));
}

function fulfillmentRow(f) {
  return h("li", { class: "task", dataset: { fulfillmentId: f.id, orderId: f.orderId } },
    h("div", {}, h("strong", {}, `Order ${f.orderId}`), " ", h("span", { class: "badge" }, f.status), " ", h("span", { class: "muted" }, f.method)),
    h("div", { class: "muted" }, f.lines.map((x) => `${x.sku} × ${x.quantity}`).join(", ")),
    h("div", { class: "row" }, actions(f)),
  );
}

function actions(f) {
  if (f.status === "READY_FOR_COLLECTION") {
    const reissue = session.mayReissue
      ? h("button", { type: "button", class: "secondary", onclick: () => run(() => step(REISSUE, { id: f.id })) }, "Send a new code")
      : null;
    if (f.collectionAttemptsLeft === 0) {
      return [h("span", { class: "locked" }, "Locked after wrong codes: a store manager sends the customer a new code"), reissue];
    }
    return [h("input", { class: "code", placeholder: "collection code", size: "8" }),
      h("button", { type: "button", onclick: (event) => run(() => step(COLLECT, { id: f.id, code: event.target.previousSibling.value.trim() })) }, "Collected"),
      reissue];
  }
  if (f.nextStep === "HANDOVER") {
    if (f.method === "PICKUP") return [h("button", { type: "button", onclick: () => run(() => step(HAND_OVER, { id: f.id, tracking: null })) }, "Ready for collection")];
    return [h("input", { class: "tracking", placeholder: "tracking number", size: "16" }),
      h("button", { type: "button", onclick: (event) => run(() => step(HAND_OVER, { id: f.id, tracking: event.target.previousSibling.value.trim() })) }, "Hand over to carrier")];
  }
  if (!f.nextStep) return [];
  return [
    h("button", { type: "button", onclick: () => run(() => step(COMPLETE_STEP, { id: f.id, step: f.nextStep })) }, `Complete ${f.nextStep}`),
    UNSKIPPABLE.has(f.nextStep) ? null : h("button", { type: "button", class: "secondary", onclick: () => {
      const reason = prompt(`Why skip ${f.nextStep}?`);
      if (reason) run(() => step(SKIP_STEP, { id: f.id, step: f.nextStep, reason }));
    } }, `Skip ${f.nextStep}`),
  ];
}

async function step(mutation, variables) {
  const data = await oms.gql(mutation, variables);
  const result = Object.values(data)[0];
  if (!failed(result)) say("ok", `${result.fulfillment.id}: ${result.fulfillment.status}`);
  await loadFulfillments();
}

// ---- open or closed ----

const LOCATION = `query($loc: ID!) { location(id: $loc) { id name active } }`;
const SET_ACTIVE = `mutation($input: SetLocationActiveInput!) { setLocationActive(input: $input) {
  location { id active } resourced unresolved kept userErrors { message } } }`;

let storeActive = null;

async function loadStore() {
  const store = (await oms.gql(LOCATION, { loc: session.location })).location;
  if (!store) return show("store-status", h("span", { class: "muted" }, "Unknown store"));
  storeActive = store.active;
  show("store-status",
    h("strong", {}, store.name), " ",
    h("span", { class: `badge ${store.active ? "ok" : "warn"}`, "data-testid": "store-active" }, store.active ? "OPEN" : "CLOSED"), " ",
    h("span", { class: "muted" }, store.active ? "taking new orders" : "no new promises here; started work stays"));
  const toggle = document.getElementById("store-toggle");
  toggle.textContent = store.active ? "Close store" : "Reopen store";
  toggle.className = store.active ? "secondary" : "";
  document.getElementById("store-action").hidden = !session.mayClose;
}

async function setActive(active) {
  const input = document.getElementById("store-reason");
  const result = (await oms.gql(SET_ACTIVE, { input: { id: session.location, active, reason: input.value.trim() } })).setLocationActive;
  if (failed(result)) return;
  input.value = "";
  say("ok", active ? "Store reopened: promising resumes"
    : `Store closed: ${result.resourced} moved elsewhere, ${result.unresolved} waiting on a task, ${result.kept} started here stay`);
  await loadStore();
  await loadTasks();
}

// ---- shell ----

const slots = () => loadSlots(oms, session.location);
const orders = () => loadOrders(oms, session.location, document.getElementById("edited-only").checked);
const pack = () => Promise.all([loadFulfillments(), loadIncoming(oms, session.location)]);
const LOADERS = { tasks: loadTasks, pick: loadLists, pack, slots, orders, preorders: () => loadPreorders(oms) };

function tab(name) {
  for (const button of document.querySelectorAll("nav.tabs [data-tab]")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of Object.keys(LOADERS)) document.getElementById(`tab-${section}`).hidden = section !== name;
  clearInterval(slotTimer); // the slots refresh while they are on screen
  slotTimer = name === "slots" ? setInterval(() => run(slots), SLOT_REFRESH_MS) : null;
  run(LOADERS[name]);
}

const VIEWER = `{ omsViewer { role reissue: may(operation: "Mutation.reissueCollectionCode")
  close: may(operation: "Mutation.setLocationActive") preorders: may(operation: "Query.preorderReport") } }`;

function signedIn() {
  document.getElementById("signin").hidden = true;
  document.getElementById("workspace").hidden = false;
  show("who", `${session.location}`);
  watchTasks();
  run(async () => {
    const viewer = (await oms.gql(VIEWER)).omsViewer;  // which actions this role has: only those get buttons
    session.mayReissue = viewer.reissue;
    session.mayClose = viewer.close;
    document.getElementById("preorders-tab").hidden = !viewer.preorders;
    show("who", `${session.location} · ${viewer.role.toLowerCase().replace("_", " ")}`);
    await loadTasks();
    await loadStore();
  });
}

function start() {
  document.getElementById("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    session.token = document.getElementById("token").value.trim();
    session.location = document.getElementById("location").value.trim();
    sessionStorage.setItem("oms.token", session.token);
    sessionStorage.setItem("oms.location", session.location);
    oms = new Oms(session.token);
    signedIn();
  });
  document.getElementById("signout").addEventListener("click", () => {
    sessionStorage.clear();
    location.reload();
  });
  for (const button of document.querySelectorAll("nav.tabs [data-tab]")) button.addEventListener("click", () => tab(button.dataset.tab));
  document.getElementById("refresh-slots").addEventListener("click", () => run(slots));
  document.getElementById("edited-only").addEventListener("change", () => run(orders));
  document.getElementById("receive-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const scan = document.getElementById("receive-scan");
    run(() => receive(oms, scan.value.trim(), pack).then(() => { scan.value = ""; }));
  });
  document.getElementById("store-toggle").addEventListener("click", () => run(() => setActive(!storeActive)));
  document.getElementById("generate").addEventListener("click", () => run(async () => {
    const result = (await oms.gql(GENERATE, { loc: session.location })).generatePickLists;
    if (!failed(result)) say("ok", `${result.pickLists.length} new pick list(s)`);
    await loadLists();
  }));
  if (session.token && session.location) signedIn();
  else document.getElementById("signin").hidden = false;
}

start();
