// Store console: today's click & collect slots of the signed-in store, in the store's own time zone.
import { h, show } from "./oms.js";

const STORE = `query($id: ID!) { location(id: $id) { id name timezone
  pickupSlotPolicy { opensAt closesAt slotMinutes capacityPerSlot leadMinutes } } }`;
const SLOTS = `query($id: ID!, $from: DateTime!, $to: DateTime!) { location(id: $id) {
  pickupSlots(from: $from, to: $to) { startsAt endsAt capacity booked available } } }`;

/** The wall-clock fields of an instant in a time zone. */
function parts(date, timeZone) {
  const fields = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  }).formatToParts(date);
  const get = (type) => Number(fields.find((f) => f.type === type).value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** The instant a local wall-clock midnight happens in a time zone (DST-safe: the offset is checked twice). */
function localMidnight(year, month, day, timeZone) {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = parts(new Date(guess), timeZone);
    const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - guess;
    guess = wall - offset;
  }
  return new Date(guess);
}

/** [start, end) of today in the store's time zone. */
export function today(timeZone, now = new Date()) {
  const p = parts(now, timeZone);
  return [localMidnight(p.year, p.month, p.day, timeZone), localMidnight(p.year, p.month, p.day + 1, timeZone)];
}

function clock(iso, timeZone) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone });
}

/** Render the store's slots for today into #pickup-slots (an empty state when the store has no policy). */
export async function loadSlots(oms, locationId) {
  const store = (await oms.gql(STORE, { id: locationId })).location;
  if (!store) {
    show("pickup-slots", h("p", { class: "muted" }, `Unknown store ${locationId}.`));
    return;
  }
  const policy = store.pickupSlotPolicy;
  if (!policy) {
    show("pickup-slots", h("p", { class: "muted", "data-testid": "no-policy" },
      `${store.name} has no pickup slot policy: click & collect orders are not booked into time slots here.`));
    return;
  }
  const zone = store.timezone;
  const [from, to] = today(zone);
  const slots = (await oms.gql(SLOTS, { id: locationId, from: from.toISOString(), to: to.toISOString() })).location.pickupSlots;
  const dayName = from.toLocaleDateString([], { weekday: "long", month: "short", day: "numeric", timeZone: zone });
  show("pickup-slots",
    h("p", { class: "muted" },
      `${dayName} at ${store.name} (${zone}): open ${policy.opensAt}–${policy.closesAt}, ${policy.slotMinutes}-minute slots, `,
      `${policy.capacityPerSlot} orders each. Updated ${clock(new Date().toISOString(), zone)}.`),
    slots.length
      ? h("table", { class: "lines" },
        h("tr", {}, h("th", {}, "Slot"), h("th", {}, "Capacity"), h("th", {}, "Booked"), h("th", {}, "Available")),
        slots.map((s) => h("tr", { class: s.available < 1 ? "full" : "", dataset: { startsAt: s.startsAt } },
          h("td", {}, `${clock(s.startsAt, zone)}–${clock(s.endsAt, zone)}`),
          h("td", {}, s.capacity), h("td", { class: "booked" }, s.booked),
          h("td", { class: "available" }, s.available < 1 ? "full" : s.available))))
      : h("p", { class: "muted" }, "No more pickup slots today."));
}
