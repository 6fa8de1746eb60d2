// Click & collect checkout on the demo: choose a pickup slot, hold it with a visible countdown,
// then place the order from the hold (same caller, same lines and delivery) or cancel it.
import { h, say, show } from "./oms.js";

const SLOTS = `query($id: ID!, $from: DateTime!, $to: DateTime!) { location(id: $id) { id name timezone
  pickupSlots(from: $from, to: $to) { startsAt endsAt capacity booked available } } }`;
const HOLD = `mutation($input: CheckoutHoldInput!) { createCheckoutHold(input: $input) {
  hold { id status expiresAt pickupSlotStartsAt } userErrors { field message code } } }`;
const RELEASE = `mutation($id: ID!) { releaseCheckoutHold(id: $id) { hold { id status } userErrors { message code } } }`;
const DAYS = 3; // the slots offered: from now to this many days ahead

const WORDS = {
  SLOT_FULL: "That pickup time has just filled up (or the store is closed then): please choose another time.",
  HOLD_EXPIRED: "Your hold ran out before the order was placed, so nothing is kept for you: please choose a pickup time again.",
  CAPACITY_EXHAUSTED: "The store cannot take any more orders that day: please choose another day or another store.",
  INSUFFICIENT_STOCK: "There is not enough stock left for this cart at that store.",
  IDEMPOTENCY_CONFLICT: "This checkout changed while it was being sent: please try again.",
};

/** userErrors in words a shopper understands (the API's message when there is no better one). */
export function inWords(errors) {
  return errors.map((e) => WORDS[e.code] || e.message).join(" ");
}

export function clock(iso, timeZone) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone });
}

function day(iso, timeZone) {
  return new Date(iso).toLocaleDateString([], { weekday: "short", month: "short", day: "numeric", timeZone });
}

/**
 * The pickup-time chooser and hold panel. `cart()` is { channel, market, sku, quantity };
 * `place(delivery, key, extra)` places the order (true when it was placed).
 */
export class PickupCheckout {
  constructor(oms, cart, place) {
    Object.assign(this, { oms, cart, place, option: null, store: null, hold: null, timer: null, busy: false });
  }

  async open(option) {
    await this.close();
    this.option = option;
    document.getElementById("pickup").hidden = false;
    await this.loadSlots();
    document.getElementById("pickup").scrollIntoView({ behavior: "smooth" });
  }

  /** Leave the chooser; a hold still kept is released (its slot and units are free again at once). */
  async close() {
    if (this.hold) await this.release(false);
    this.option = null;
    document.getElementById("pickup").hidden = true;
  }

  async loadSlots() {
    const from = new Date();
    const to = new Date(from.getTime() + DAYS * 24 * 3600 * 1000);
    const data = await this.oms.gql(SLOTS, { id: this.option.location.id, from: from.toISOString(), to: to.toISOString() });
    this.store = data.location;
    const zone = this.store.timezone;
    show("pickup-title", `Choose a pickup time at ${this.store.name}`);
    const days = new Map();
    for (const slot of this.store.pickupSlots) {
      const label = day(slot.startsAt, zone);
      if (!days.has(label)) days.set(label, []);
      days.get(label).push(slot);
    }
    show("slots", days.size
      ? [...days].map(([label, slots]) => h("div", { class: "slot-day" },
        h("h3", {}, label),
        h("div", { class: "slots" }, slots.map((slot) => this.slotButton(slot, zone)))))
      : h("p", { class: "muted" }, `No pickup times in the next ${DAYS} days.`),
    h("p", { class: "muted" }, `Times are the store's local time (${zone}).`));
    this.renderHold();
  }

  slotButton(slot, zone) {
    const held = this.hold && this.hold.startsAt === slot.startsAt;
    const full = slot.available < 1 && !held;
    return h("button", {
      type: "button", class: held ? "slot active" : "slot secondary", disabled: full,
      dataset: { startsAt: slot.startsAt, available: String(slot.available) },
      onclick: () => this.guard(() => this.holdSlot(slot)),
    }, clock(slot.startsAt, zone), " ", h("span", { class: "muted" }, held ? "held for you" : full ? "full" : `${slot.available} left`));
  }

  async guard(action) {
    if (this.busy) return; // a double click is one request
    this.busy = true;
    document.getElementById("pickup").setAttribute("aria-busy", "true");
    try {
      await action();
    } catch (error) {
      say("error", error.message);
    } finally {
      this.busy = false;
      document.getElementById("pickup").removeAttribute("aria-busy");
    }
  }

  async holdSlot(slot) {
    if (this.hold && this.hold.startsAt === slot.startsAt) return;
    if (this.hold) await this.release(false);
    const { channel, market, sku, quantity } = this.cart();
    const delivery = { method: "PICKUP", pickupLocationId: this.store.id, pickupSlotStartsAt: slot.startsAt };
    const key = crypto.randomUUID(); // one key per hold attempt; the order placed from it has its own
    const input = { idempotencyKey: key, channel, market, lines: [{ sku, quantity }], delivery };
    const result = (await this.oms.gql(HOLD, { input })).createCheckoutHold;
    if (result.userErrors.length) {
      say("error", inWords(result.userErrors));
    } else {
      say("", "");
      this.hold = { id: result.hold.id, expiresAt: result.hold.expiresAt, startsAt: slot.startsAt, delivery, key };
      this.tick();
      this.timer = setInterval(() => this.tick(), 500);
    }
    await this.loadSlots(); // the held slot's count went down, and a full one shows as full
  }

  renderHold() {
    if (!this.hold) {
      show("hold", h("p", { class: "muted" }, "Choose a time: it is kept for you while you check out."));
      return;
    }
    const zone = this.store.timezone;
    show("hold", h("div", { class: "held" },
      h("p", {}, "Held for you: ", h("strong", {}, `${day(this.hold.startsAt, zone)} ${clock(this.hold.startsAt, zone)}`),
        ` at ${this.store.name}. Place your order within `, h("strong", { id: "countdown", "data-testid": "countdown" }, this.left()), "."),
      h("div", { class: "row" },
        h("button", { type: "button", id: "place-hold", onclick: () => this.guard(() => this.placeHeld()) }, "Place order"),
        h("button", { type: "button", id: "cancel-hold", class: "secondary", onclick: () => this.guard(() => this.release(true)) }, "Cancel"))));
  }

  left() {
    const seconds = Math.max(0, Math.ceil((new Date(this.hold.expiresAt) - Date.now()) / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  tick() {
    if (!this.hold) return;
    const countdown = document.getElementById("countdown");
    if (countdown) countdown.textContent = this.left();
    if (new Date(this.hold.expiresAt) <= Date.now()) {
      this.forget();
      say("error", WORDS.HOLD_EXPIRED);
      this.loadSlots().catch((error) => say("error", error.message));
    }
  }

  forget() {
    clearInterval(this.timer);
    this.timer = null;
    this.hold = null;
  }

  async placeHeld() {
    const hold = this.hold;
    if (!hold) return;
    const placed = await this.place(hold.delivery, `${hold.key}-order`, { checkoutHoldId: hold.id });
    if (placed === true) {
      this.forget();
      await this.close();
    } else if (placed === "HOLD_EXPIRED") {
      this.forget();
      await this.loadSlots();
    }
  }

  async release(tell) {
    const hold = this.hold;
    this.forget();
    this.renderHold(); // no Place button for a hold being released
    const result = (await this.oms.gql(RELEASE, { id: hold.id })).releaseCheckoutHold;
    if (result.userErrors.length) say("error", inWords(result.userErrors));
    else if (tell) say("ok", "Hold cancelled: that pickup time is free again.");
    if (tell && this.option) await this.loadSlots();
  }
}
