// The queue: one table, pending approvals first (soonest expiry on top), then every other action
// newest first, loaded page by page through the list API's keyset cursor. Filters, search and the
// time range are answered by the server. Rows are patched in place; the history section is
// virtualised (only rows near the viewport are in the DOM), so 10,000 loaded actions stay cheap.

import { h, pill } from "./dom.js";
import { age, countdown, duration, localTime, parseTime, preview, SINCE } from "./format.js";
import { VirtualBody } from "./virtual.js";

export const PAGE = 100;
export const PENDING_PAGE = 200;
const PENDING_MAX = 2000;
const DECIDED = new Set(["approved", "denied", "expired"]);

export function isDemo(action) {
  return Boolean(action.context && typeof action.context === "object" && action.context.demo === true);
}

function classValue(text) { return String(text || "").replace(/[^a-z_]/g, ""); }

/** The time range of `filters` as epoch ms (a preset is relative to `now`). */
export function timeRange(filters, now = Date.now()) {
  if (filters.since === "custom") {
    const from = parseTime(filters.from);
    const to = parseTime(filters.to);
    return { since: Number.isFinite(from) ? from : null, until: Number.isFinite(to) ? to : null };
  }
  const span = SINCE[filters.since];
  return { since: span ? now - span : null, until: null };
}

/** The list API's query parameters for `filters` (plus `extra`, e.g. a status). */
export function listQuery(filters, range, extra = {}) {
  return {
    status: filters.status, risk_level: filters.risk, agent_id: filters.agent, tool: filters.tool,
    q: (filters.q || "").trim(),
    since: range.since === null ? "" : new Date(range.since).toISOString(),
    until: range.until === null ? "" : new Date(range.until).toISOString(),
    ...extra,
  };
}

export class Queue {
  constructor({ api, me, table, pendingBody, rowsBody, onChange, onOpen, onDecide, onError, onPending }) {
    Object.assign(this, { api, me, table, pendingBody, rowsBody, onChange, onOpen, onDecide, onError, onPending });
    this.partial = new Set();
    this.cellKeys = new WeakMap();
    this.submitters = new Map();
    this.detailTimer = 0;
    this.actions = new Map();
    this.rows = new Map();
    this.deciders = new Map();
    this.selected = new Set();
    this.focusedId = null;
    this.filters = {};
    this.cursor = null;
    this.generation = 0;
    this.loading = 0;
    this.lookups = [];
    this.lookupsRunning = 0;
    this.observer = new IntersectionObserver((entries) => this.visible(entries), { rootMargin: "200px" });
    // Rows on screen: only these get their age redrawn (touching every cell of 10,000 rows costs seconds).
    this.onScreen = new Set();
    this.screen = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) { this.onScreen.add(entry.target); this.redrawAge(entry.target); } else this.onScreen.delete(entry.target);
      }
    });
    this.flashes = new Set();
    this.range = { since: null, until: null };
    this.virtual = new VirtualBody(rowsBody, {
      columns: 9,
      // Header row, pending heading and rows (when shown), this section's heading.
      offset: () => 2 + (this.pendingBody.hidden ? 0 : 1 + this.pendingCount),
      make: (id) => this.makeRow(id),
      drop: (id, row) => this.dropRow(id, row),
      before: (a, b) => {
        const ta = parseTime(this.actions.get(a)?.created_at) ?? 0;
        const tb = parseTime(this.actions.get(b)?.created_at) ?? 0;
        return ta > tb || (ta === tb && a > b);
      },
    });
  }

  get defaultView() { return !this.filters.status; }
  /** Actions loaded (both sections). */
  get count() { return this.actions.size; }
  get pendingCount() { return this.pendingBody.querySelectorAll("tr.row").length; }

  /** Clears everything and loads the pending queue plus the first page for `filters`. */
  async reset(filters, prefetched = null) {
    this.generation += 1;
    const generation = this.generation;
    this.filters = { ...filters };
    this.range = prefetched?.range || timeRange(this.filters);
    this.virtual.clear();
    for (const row of this.rows.values()) { this.observer.unobserve(row); this.screen.unobserve(row); row.remove(); }
    this.onScreen.clear();
    this.actions.clear();
    this.rows.clear();
    this.selected.clear();
    this.focusedId = null;
    this.cursor = null;
    this.loading = 0;
    this.exhausted = false;
    this.pendingTruncated = false;
    this.pendingBody.hidden = !(this.defaultView || this.filters.status === "pending_approval");
    this.rowsBody.hidden = this.filters.status === "pending_approval";
    this.onChange();
    // Both lists at once; rows land in their own section whichever answers first.
    await Promise.all([
      this.pendingBody.hidden ? null : this.loadPending(generation, prefetched?.pending),
      this.rowsBody.hidden ? null : this.loadMore(generation, prefetched?.rows),
    ]);
    if (generation === this.generation) this.onChange();
  }

  /** The list API query of this view (plus `extra`). */
  query(extra = {}) { return listQuery(this.filters, this.range, extra); }

  async loadPending(generation = this.generation, first = null) {
    let cursor = null;
    let loaded = 0;
    do {
      const page = first && !cursor ? await first : await this.api.listActions(this.query({ status: "pending_approval" }), cursor, PENDING_PAGE);
      if (generation !== this.generation) return;
      for (const action of page.items) this.fromList(action);
      loaded += page.items.length;
      cursor = page.next;
    } while (cursor && loaded < PENDING_MAX);
    this.pendingTruncated = Boolean(cursor);
  }

  /** Next page of the table (the cursor from `X-Next-Cursor`; no offsets). */
  async loadMore(generation = this.generation, first = null) {
    // `loading` is the generation being loaded: a reset mid-page starts its own first page.
    if (this.loading === generation || this.exhausted || this.rowsBody.hidden) return;
    this.loading = generation;
    this.onChange();
    try {
      const page = first ? await first : await this.api.listActions(this.query(), this.cursor, PAGE);
      if (generation !== this.generation) return;
      for (const action of page.items) this.fromList(action);
      this.cursor = page.next;
      this.exhausted = !page.next;
    } finally {
      if (this.loading === generation) {
        this.loading = 0;
        this.onChange();
      }
    }
  }

  /** A list entry: never overrides a newer status the stream already delivered. */
  fromList(action) {
    if (this.actions.has(action.id)) this.merge(action);
    else this.upsert(action);
  }

  /** Poll fallback: the pending queue and the newest page, merged into what is shown. */
  async refreshHead() {
    const generation = this.generation;
    if (!this.pendingBody.hidden) {
      const page = await this.api.listActions(this.query({ status: "pending_approval" }), null, PENDING_PAGE);
      if (generation !== this.generation) return;
      const seen = new Set(page.items.map((a) => a.id));
      for (const action of page.items) this.upsert(action, { live: !this.actions.has(action.id) });
      // Pending rows that left the queue: reload them to learn their new status.
      for (const row of [...this.pendingBody.querySelectorAll("tr.row")]) {
        if (!seen.has(row.dataset.id) && !page.next) this.refresh(row.dataset.id);
      }
    }
    if (!this.rowsBody.hidden) {
      const page = await this.api.listActions(this.query(), null, 50);
      if (generation !== this.generation) return;
      for (const action of page.items) this.upsert(action, { live: !this.actions.has(action.id) });
    }
    this.onChange();
  }

  /** Whether an action belongs in the current view: the server's filters, checked locally. */
  matches(action) {
    const f = this.filters;
    if (f.status && action.status !== f.status) return false;
    if (f.risk && action.risk_level !== f.risk) return false;
    if (f.agent && action.agent_id !== f.agent) return false;
    if (f.tool && action.tool !== f.tool) return false;
    const created = parseTime(action.created_at) ?? 0;
    if (this.range.since !== null && created < this.range.since) return false;
    if (this.range.until !== null && created >= this.range.until) return false;
    const q = (f.q || "").trim().toLowerCase();
    // The same fields and rule as the server's `q` (case-insensitive substring).
    if (q && ![action.id, action.agent_id, action.tool, action.operation, action.reason]
      .some((v) => String(v ?? "").toLowerCase().includes(q))) return false;
    return true;
  }

  /**
   * Adds or updates one action. `live`: it arrived through the stream or a poll (flash the row,
   * report new pending approvals). Returns true when it entered the pending queue.
   */
  upsert(action, { live = false } = {}) {
    const previous = this.actions.get(action.id);
    const merged = previous ? { ...previous, ...action } : { ...action };
    if (!this.matches(merged)) {
      if (previous) this.remove(action.id);
      return false;
    }
    const pendingSection = !this.pendingBody.hidden && merged.status === "pending_approval";
    if (!pendingSection && this.rowsBody.hidden) { this.remove(action.id); return false; }
    this.actions.set(action.id, merged);
    const id = action.id;
    let row = this.rows.get(id);
    let moved;
    if (pendingSection) {
      if (this.virtual.has(id)) { this.virtual.remove(id); row = null; }
      moved = !row || row.parentNode !== this.pendingBody;
      if (!row) row = this.makeRow(id);
      else this.fill(row, merged);
      if (moved) this.place(row, merged, this.pendingBody);
    } else {
      if (row && row.parentNode === this.pendingBody) { this.dropRow(id, row); row.remove(); row = null; }
      moved = !this.virtual.has(id);
      if (moved) this.virtual.insert(id);
      else if (row) this.fill(row, merged);
    }
    if (live) {
      // A new row animates on insertion; a redrawn one restarts in the next frame (no forced layout).
      if (!row) this.flashes.add(id);
      else if (!previous) row.classList.add("flash");
      else { row.classList.remove("flash"); requestAnimationFrame(() => row.classList.add("flash")); }
    }
    if (!pendingSection) this.selected.delete(id);
    const entered = pendingSection && (moved || previous?.status !== "pending_approval");
    if (entered && live) this.onPending(merged);
    return entered;
  }

  /** Builds the row of a loaded action (the virtual body calls this for rows coming into view). */
  makeRow(id) {
    const row = h("tr", { class: "row", tabindex: "-1", dataset: { id } });
    row.addEventListener("click", (event) => {
      if (event.target.closest("button, input, label")) return;
      this.focus(id);
      this.onOpen(id);
    });
    this.rows.set(id, row);
    this.observer.observe(row);
    this.screen.observe(row);
    this.fill(row, this.actions.get(id));
    if (this.flashes.delete(id)) row.classList.add("flash");
    return row;
  }

  dropRow(id, row) {
    this.observer.unobserve(row);
    this.screen.unobserve(row);
    this.onScreen.delete(row);
    if (this.rows.get(id) === row) this.rows.delete(id);
  }

  /**
   * A row shown from the stream lacks params and expiry: a few are read one by one, a burst with
   * one list call; whatever that page does not cover is read when its row scrolls into view.
   */
  requestDetails(id) {
    this.partial.add(id);
    if (!this.detailTimer) this.detailTimer = setTimeout(() => this.loadDetails(), 50);
  }

  async loadDetails() {
    this.detailTimer = 0;
    const ids = [...this.partial];
    this.partial.clear();
    const generation = this.generation;
    if (ids.length <= 4) {
      await Promise.all(ids.map((id) => this.api.action(id).then((full) => this.merge(full, generation), () => {})));
    } else {
      const page = await this.api.listActions(this.query(), null, Math.min(1000, ids.length + 20)).catch(() => null);
      const wanted = new Set(ids);
      for (const item of page?.items || []) if (wanted.has(item.id)) this.merge(item, generation);
    }
    this.onChange();
  }

  /** Merges a record read from the API, keeping the newer status when the stream was faster. */
  merge(full, generation = this.generation) {
    const current = this.actions.get(full.id);
    if (!current || generation !== this.generation) return;
    const newer = (parseTime(full.updated_at) ?? 0) >= (parseTime(current.updated_at) ?? 0);
    this.upsert(newer ? full : { ...full, status: current.status, decision: current.decision, reason: current.reason,
      updated_at: current.updated_at }, { live: false });
  }

  remove(id) {
    this.virtual.remove(id);
    const row = this.rows.get(id);
    if (row) { this.dropRow(id, row); row.remove(); }
    this.rows.delete(id);
    this.flashes.delete(id);
    this.actions.delete(id);
    this.selected.delete(id);
    if (this.focusedId === id) this.focusedId = null;
  }

  /** Pending rows: soonest expiry first (the history section is ordered by the virtual body). */
  place(row, action, body) {
    const key = (a) => -(parseTime(a.approval_expires_at) ?? parseTime(a.created_at) ?? 0);
    const mine = key(action);
    // Fast path: a list page arrives in the server's order, so each row usually goes last.
    const last = body.lastElementChild;
    const lastAction = last && last.classList.contains("row") ? this.actions.get(last.dataset.id) : null;
    if (lastAction && key(lastAction) >= mine) { body.append(row); return; }
    let before = null;
    for (let node = body.firstElementChild; node; node = node.nextElementSibling) {
      if (!node.classList.contains("row")) continue;
      const other = this.actions.get(node.dataset.id);
      if (other && key(other) < mine) { before = node; break; }
    }
    body.insertBefore(row, before);
  }

  /**
   * Draws a row cell by cell, replacing only cells whose content changed, so a button under the
   * pointer survives unrelated updates (details arriving, other fields changing).
   */
  fill(row, a) {
    row.className = `row risk-${classValue(a.risk_level)}${this.selected.has(a.id) ? " selected" : ""}${this.focusedId === a.id ? " focused" : ""}`;
    const pending = a.status === "pending_approval";
    // Known from the stream's created event (or the drawer's timeline): the server refuses a
    // token deciding its own submission, so no buttons are offered for it.
    const own = !this.me.local && this.submitters.get(a.id) === this.me.name;
    const canDecide = pending && this.me.can_approve && !own;
    const decider = this.deciders.get(a.id);
    const paramsText = a.params === undefined ? "…" : preview(a.params);
    const cells = [
      [String(canDecide), () => {
        const select = canDecide
          ? h("input", {
            type: "checkbox", "aria-label": `Select ${a.tool}.${a.operation} by ${a.agent_id}`,
            onchange: (event) => this.select(a.id, event.target.checked),
          })
          : null;
        if (select) select.checked = this.selected.has(a.id);
        return h("td", { class: "sel" }, select);
      }],
      [a.status, () => h("td", { "data-label": "Status" }, pill("s", classValue(a.status)))],
      [a.risk_level, () => h("td", { "data-label": "Risk" }, pill("r", classValue(a.risk_level)))],
      [`${a.agent_id}\n${isDemo(a)}`, () => h("td", { "data-label": "Agent" }, a.agent_id, isDemo(a) ? h("span", { class: "pill demo" }, "demo") : null)],
      [`${a.tool}\n${a.operation}`, () => h("td", { "data-label": "Tool" }, h("span", { class: "mono" }, `${a.tool} · ${a.operation}`))],
      [paramsText, () => h("td", { class: "params", "data-label": "Params", title: a.params === undefined ? null : preview(a.params, 1000) }, paramsText)],
      [a.created_at, () => h("td", { "data-label": "Created", title: a.created_at }, localTime(a.created_at))],
      [a.created_at, () => h("td", { class: "age", "data-label": "Age" }, age(a.created_at))],
      // The pending countdown is updated in place below, so the buttons next to it stay put.
      [pending ? `pending\n${canDecide}\n${own}` : [a.status, a.outcome, a.decision, decider?.type, decider?.actor, decider?.at].join("\n"),
        () => h("td", { class: "decision", "data-label": "Decision" }, this.decisionCell(a, canDecide, own))],
    ];
    const keys = this.cellKeys.get(row);
    if (!keys || row.cells.length !== cells.length) {
      row.replaceChildren(...cells.map(([, make]) => make()));
    } else {
      cells.forEach(([key, make], i) => { if (keys[i] !== key) row.replaceChild(make(), row.cells[i]); });
    }
    this.cellKeys.set(row, cells.map(([key]) => key));
    const clock = pending ? row.querySelector(".countdown") : null;
    if (clock && clock.dataset.expires !== (a.approval_expires_at || "")) {
      clock.dataset.expires = a.approval_expires_at || "";
      clock.textContent = a.approval_expires_at ? `expires in ${countdown(a.approval_expires_at)}` : "waiting";
    }
  }

  decisionCell(a, canDecide, own = false) {
    if (a.status === "pending_approval") {
      const left = a.approval_expires_at ? countdown(a.approval_expires_at) : "";
      const quick = canDecide
        ? h("span", { class: "quick" },
          h("button", { type: "button", class: "approve", dataset: { decide: "approve" }, onclick: () => this.onDecide([a.id], true) }, "Approve"),
          h("button", { type: "button", class: "deny", dataset: { decide: "deny" }, onclick: () => this.onDecide([a.id], false) }, "Deny"))
        : null;
      const mine = own && this.me.can_approve
        ? h("span", { class: "muted own", title: "The server refuses a token deciding its own submission (SELF_APPROVAL_FORBIDDEN)" },
          " · submitted with your token: another approver decides")
        : null;
      return [h("span", { class: "countdown", dataset: { expires: a.approval_expires_at || "" } }, left ? `expires in ${left}` : "waiting"), quick, mine];
    }
    const decider = this.deciders.get(a.id);
    if (decider) {
      const took = duration((parseTime(decider.at) ?? 0) - (parseTime(a.created_at) ?? 0));
      const who = decider.type === "expired" ? "expired" : `${decider.type} by ${decider.actor}`;
      return h("span", { title: decider.at }, `${who} · after ${took}`);
    }
    if (a.outcome === "ABSTAIN" && DECIDED.has(a.status)) return h("span", { class: "muted" }, "decided…");
    return h("span", { class: "muted" }, a.outcome === "ABSTAIN" ? "after approval" : `policy: ${a.decision || ""}`);
  }

  /** Records who decided (from the stream or the timeline) and redraws the row. */
  setDecider(id, event) {
    if (event.event_type === "created" && event.actor && !this.submitters.has(id)) {
      this.submitters.set(id, event.actor);
      const row = this.rows.get(id);
      const action = this.actions.get(id);
      if (row && action) this.fill(row, action);
    }
    if (!["approved", "denied", "expired"].includes(event.event_type)) return;
    this.deciders.set(id, { actor: event.actor, at: event.created_at, type: event.event_type });
    const row = this.rows.get(id);
    const action = this.actions.get(id);
    if (row && action) this.fill(row, action);
  }

  /** History rows scrolled into view: read their timeline once to show who decided. */
  visible(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const id = entry.target.dataset.id;
      const action = this.actions.get(id);
      if (!action) continue;
      if (action.params === undefined && !this.partial.has(id)) this.lookups.push({ id, full: true });
      if (action.outcome !== "ABSTAIN" && action.params !== undefined) { this.observer.unobserve(entry.target); continue; }
      if (action.status === "pending_approval" || this.deciders.has(id)) continue;
      this.observer.unobserve(entry.target);
      this.lookups.push({ id, full: false });
    }
    this.drainLookups();
  }

  drainLookups() {
    while (this.lookupsRunning < 2 && this.lookups.length) {
      const { id, full } = this.lookups.shift();
      this.lookupsRunning += 1;
      const read = full
        ? this.api.action(id).then((action) => this.merge(action))
        : this.api.events(id).then((events) => { for (const event of events) this.setDecider(id, event); });
      read
        .catch(() => {})
        .finally(() => { this.lookupsRunning -= 1; this.drainLookups(); });
    }
  }

  /** Re-reads one action (after a 409, or when the poll lost sight of it). */
  async refresh(id) {
    try {
      const [action, events] = await Promise.all([this.api.action(id), this.api.events(id)]);
      for (const event of events) this.setDecider(id, event);
      this.upsert(action, { live: true });
      this.onChange();
      return { action, events };
    } catch (error) {
      if (error.status === 404) this.remove(id);
      else this.onError(error);
      return null;
    }
  }

  select(id, on) {
    const action = this.actions.get(id);
    if (on && (!action || action.status !== "pending_approval" || !this.me.can_approve)) return;
    if (on) this.selected.add(id); else this.selected.delete(id);
    const row = this.rows.get(id);
    if (row) {
      row.classList.toggle("selected", on);
      const box = row.querySelector("input[type=checkbox]");
      if (box) box.checked = on;
    }
    this.onChange();
  }

  clearSelection() {
    for (const id of [...this.selected]) this.select(id, false);
  }

  focus(id) {
    const old = this.focusedId && this.rows.get(this.focusedId);
    if (old) old.classList.remove("focused");
    this.focusedId = id;
    let row = id && this.rows.get(id);
    if (!row && id && this.virtual.has(id)) row = this.virtual.reveal(id);
    if (row) {
      row.classList.add("focused");
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  /** The ids in table order: pending rows as shown, then the (virtual) history section. */
  order() {
    const pending = this.pendingBody.hidden ? [] : [...this.pendingBody.querySelectorAll("tr.row")].map((r) => r.dataset.id);
    return this.rowsBody.hidden ? pending : pending.concat(this.virtual.ids);
  }

  /** j/k: the next row across both sections (the history section need not be drawn). */
  move(step) {
    const ids = this.order();
    if (!ids.length) return;
    const at = this.focusedId ? ids.indexOf(this.focusedId) : -1;
    const next = at < 0 ? (step > 0 ? 0 : ids.length - 1) : at + step;
    if (next >= 0 && next < ids.length) this.focus(ids[next]);
    if (next >= ids.length && step > 0 && !this.exhausted) this.loadMore().catch((e) => this.onError(e));
  }

  /** Once a second: countdowns of pending rows; every 15 s: every age cell. */
  tick(count) {
    for (const cell of this.pendingBody.querySelectorAll(".countdown[data-expires]")) {
      if (cell.dataset.expires) cell.textContent = `expires in ${countdown(cell.dataset.expires)}`;
    }
    const rows = count % 15 === 0 ? this.onScreen : this.pendingBody.querySelectorAll("tr.row");
    for (const row of rows) this.redrawAge(row);
  }

  redrawAge(row) {
    const action = this.actions.get(row.dataset.id);
    const cell = row.querySelector("td.age");
    if (action && cell) {
      const text = age(action.created_at);
      if (cell.textContent !== text) cell.textContent = text;
    }
  }
}
