// A virtualised table body: keeps every id in order but puts only the rows near the viewport
// (plus a margin) in the DOM, between two spacer rows that hold the height of the others.
// Rows are assumed to be one height (table-layout: fixed, one line each); it is measured.

import { h } from "./dom.js";

const MARGIN = 25;

export class VirtualBody {
  /**
   * @param {HTMLTableSectionElement} body  the tbody; its first child (the group heading) stays
   * @param {{make: (id: string) => HTMLTableRowElement, drop: (id: string, row: HTMLTableRowElement) => void,
   *          before: (a: string, b: string) => boolean, offset: () => number, columns: number}} hooks
   *   make: builds (or refreshes) the row of an id; drop: the row left the DOM;
   *   before: whether a sorts before b; offset: table rows before the first id (for aria-rowindex).
   */
  constructor(body, hooks) {
    this.body = body;
    this.hooks = hooks;
    this.ids = [];
    this.members = new Set();
    this.shown = new Map();
    this.rowHeight = 0;
    this.start = 0;
    this.end = 0;
    this.queued = false;
    const spacer = () => h("tr", { class: "spacer", "aria-hidden": "true" }, h("td", { colspan: String(hooks.columns) }));
    this.top = spacer();
    this.bottom = spacer();
    body.append(this.top, this.bottom);
    addEventListener("scroll", () => this.soon(), { passive: true });
    addEventListener("resize", () => { this.rowHeight = 0; this.soon(); });
  }

  get size() { return this.ids.length; }
  has(id) { return this.members.has(id); }
  indexOf(id) { return this.ids.indexOf(id); }

  /** Binary search for the slot of a new id (a list page arrives in order: usually the end). */
  insert(id) {
    if (this.members.has(id)) return;
    this.members.add(id);
    const ids = this.ids;
    if (!ids.length || this.hooks.before(ids[ids.length - 1], id)) ids.push(id);
    else {
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.hooks.before(ids[mid], id)) lo = mid + 1; else hi = mid;
      }
      ids.splice(lo, 0, id);
    }
    this.soon();
  }

  remove(id) {
    if (!this.members.delete(id)) return;
    const i = this.ids.indexOf(id);
    if (i >= 0) this.ids.splice(i, 1);
    this.detach(id);
    this.soon();
  }

  clear() {
    for (const id of [...this.shown.keys()]) this.detach(id);
    this.ids = [];
    this.members.clear();
    this.start = this.end = 0;
    this.top.firstChild.setAttribute("height", "0");
    this.bottom.firstChild.setAttribute("height", "0");
  }

  detach(id) {
    const row = this.shown.get(id);
    if (!row) return;
    this.shown.delete(id);
    row.remove();
    this.hooks.drop(id, row);
  }

  /** One render per task (a page of 100 inserts draws once). */
  soon() {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => { this.queued = false; this.render(); });
  }

  /** Scrolls so the row of `id` is in view and draws it; returns the row (or null). */
  reveal(id) {
    const i = this.ids.indexOf(id);
    if (i < 0) return null;
    if (!this.shown.has(id)) {
      const height = this.rowHeight || 33;
      const top = this.top.getBoundingClientRect().top + scrollY + i * height;
      scrollTo({ top: Math.max(0, top - innerHeight / 2 + height / 2), behavior: "instant" });
      this.render();
    }
    return this.shown.get(id) || null;
  }

  render() {
    if (this.body.hidden) return;
    const n = this.ids.length;
    const height = this.rowHeight || 33;
    const origin = this.top.getBoundingClientRect().top;
    const first = Math.floor(-origin / height);
    const count = Math.ceil(innerHeight / height);
    const start = Math.max(0, Math.min(n, first) - MARGIN);
    const end = Math.min(n, Math.max(0, first + count) + MARGIN);
    const wanted = new Set(this.ids.slice(start, end));
    for (const id of [...this.shown.keys()]) if (!wanted.has(id)) this.detach(id);
    let previous = this.top;
    const base = this.hooks.offset() + 1;
    for (let i = start; i < end; i++) {
      const id = this.ids[i];
      let row = this.shown.get(id);
      if (!row) { row = this.hooks.make(id); this.shown.set(id, row); }
      const index = String(base + i);
      if (row.getAttribute("aria-rowindex") !== index) row.setAttribute("aria-rowindex", index);
      if (previous.nextSibling !== row) previous.after(row);
      previous = row;
    }
    this.start = start;
    this.end = end;
    // The td's height attribute (a presentational hint, not inline style: the CSP allows it).
    this.top.firstChild.setAttribute("height", String(start * height));
    this.bottom.firstChild.setAttribute("height", String((n - end) * height));
    if (!this.rowHeight && end > start) {
      const measured = this.shown.get(this.ids[start]).offsetHeight;
      if (measured > 0) { this.rowHeight = measured; if (Math.abs(measured - height) > 1) this.soon(); }
    }
  }
}
