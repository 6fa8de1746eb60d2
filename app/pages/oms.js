// A tiny GraphQL client for the pages: queries over HTTP, subscriptions over graphql-transport-ws.
// No build step and no dependencies: what any frontend team would write against the API.

export class Oms {
  constructor(token = null) {
    this.token = token;
  }

  headers() {
    const headers = { "content-type": "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** The data of a GraphQL operation; top-level errors throw, with their extensions.code. */
  async gql(query, variables = {}) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: this.headers(),
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors && body.errors.length) {
      const error = new Error(body.errors.map((e) => e.message).join("; "));
      error.code = body.errors[0].extensions && body.errors[0].extensions.code;
      throw error;
    }
    return body.data;
  }

  /** Subscribe; `onData` gets each event's data. Returns a function that stops it. */
  subscribe(query, variables, onData, onError = console.error) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    const id = crypto.randomUUID();
    let stopped = false;
    socket.onopen = () => {
      const payload = this.token ? { Authorization: `Bearer ${this.token}` } : {};
      socket.send(JSON.stringify({ type: "connection_init", payload }));
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "connection_ack") {
        socket.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables } }));
      } else if (frame.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (frame.type === "next" && frame.id === id) {
        if (frame.payload.errors) onError(new Error(frame.payload.errors.map((e) => e.message).join("; ")));
        else onData(frame.payload.data);
      } else if (frame.type === "error") {
        onError(new Error(JSON.stringify(frame.payload)));
      }
    };
    socket.onclose = (event) => {
      if (!stopped && event.code !== 1000) onError(new Error(`subscription closed (${event.code})`));
    };
    return () => {
      stopped = true;
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: "complete" }));
      socket.close(1000);
    };
  }
}

/** An element with attributes and children: enough DOM building for two small pages. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function show(target, ...children) {
  const element = typeof target === "string" ? document.getElementById(target) : target;
  element.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

export function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 6371 * 2 * Math.asin(Math.sqrt(x));
}

export function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString([], { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** A message in the page's message area: kind is "ok" or "error". */
export function say(kind, text) {
  const area = document.getElementById("message");
  area.className = `message ${kind}`;
  area.textContent = text;
  area.hidden = !text;
}
