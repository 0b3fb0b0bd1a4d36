// Approve / deny one or many actions: a reason (presets or free text), then one API call per
// action with its own result. A 409 (decided elsewhere, or expired) refreshes the row and says so.

import { byId, h, toast, announce } from "./dom.js";

const PRESETS = {
  approve: ["Looks correct", "Expected change", "Verified with the requester"],
  deny: ["Unauthorized scope", "Suspicious arguments", "Wrong environment", "Needs more context"],
};

export class Decider {
  constructor({ api, me, queue, drawer, onUnauthorized }) {
    Object.assign(this, { api, me, queue, drawer, onUnauthorized });
    this.dialog = byId("decide-dialog");
    this.form = byId("decide-form");
    this.reason = byId("decide-reason");
    this.confirm = byId("decide-confirm");
    this.pending = null;
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.run(); });
    byId("decide-cancel").addEventListener("click", () => this.dialog.close());
    this.reason.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); this.run(); }
    });
    byId("results-close").addEventListener("click", () => { byId("results").hidden = true; });
  }

  get isOpen() { return this.dialog.open; }

  /** Opens the confirmation for `ids` (only pending ones are kept). */
  open(ids, approve) {
    if (!this.me.can_approve) {
      toast(`Signed in as ${this.me.name} (${this.me.role}): this token cannot approve or deny`);
      return;
    }
    const actions = ids.map((id) => this.queue.actions.get(id)).filter((a) => a && a.status === "pending_approval");
    if (!actions.length) { toast("Nothing pending to decide here"); return; }
    this.pending = { ids: actions.map((a) => a.id), approve };
    const verb = approve ? "Approve" : "Deny";
    byId("decide-title").textContent = `${verb} ${actions.length === 1 ? "this action" : `${actions.length} actions`}?`;
    byId("decide-items").replaceChildren(...actions.map((a) => h("li", {}, h("span", { class: "mono" }, `${a.tool} · ${a.operation}`), ` by ${a.agent_id} (${a.risk_level} risk)`)));
    byId("decide-reason-hint").textContent = approve ? "(optional, recorded on the event)" : "(sent back to the agent as the action's reason)";
    this.reason.value = "";
    byId("decide-presets").replaceChildren(...PRESETS[approve ? "approve" : "deny"].map((text) => h("button", {
      type: "button", "aria-pressed": "false",
      onclick: (event) => {
        this.reason.value = text;
        for (const b of event.target.parentNode.children) b.setAttribute("aria-pressed", String(b === event.target));
      },
    }, text)));
    this.confirm.textContent = `${verb}${actions.length > 1 ? ` ${actions.length}` : ""}`;
    this.confirm.className = approve ? "approve" : "deny";
    this.confirm.disabled = false;
    this.dialog.showModal();
    this.confirm.focus();
  }

  async run() {
    if (!this.pending || this.confirm.disabled) return;
    const { ids, approve } = this.pending;
    const reason = this.reason.value.trim();
    this.confirm.disabled = true;
    this.pending = null;
    this.dialog.close();
    const results = [];
    for (const id of ids) results.push(await this.decideOne(id, approve, reason));
    this.queue.clearSelection();
    this.queue.onChange();
    const failed = results.filter((r) => !r.ok);
    if (ids.length === 1 && !failed.length) {
      toast(results[0].text);
    } else {
      byId("results-list").replaceChildren(...results.map((r) => h("li", { class: r.ok ? "ok" : "fail", dataset: { id: r.id } }, r.ok ? "✓ " : "✗ ", r.text)));
      byId("results").hidden = false;
    }
    announce(`${results.length - failed.length} of ${results.length} ${approve ? "approved" : "denied"}`);
    if (this.drawer.isOpen && ids.includes(this.drawer.id)) this.drawer.refresh();
  }

  async decideOne(id, approve, reason) {
    const known = this.queue.actions.get(id);
    const label = known ? `${known.tool} · ${known.operation} (${id.slice(0, 8)})` : id.slice(0, 8);
    try {
      const updated = await this.api.decide(id, approve, reason);
      this.queue.setDecider(id, { event_type: approve ? "approved" : "denied", actor: this.me.name, created_at: updated.updated_at });
      this.queue.upsert(updated);
      return { id, ok: true, text: `${approve ? "Approved" : "Denied"} ${label}` };
    } catch (error) {
      if (error.status === 401 && error.code !== "INVALID_APPROVAL_TOKEN") { this.onUnauthorized(); return { id, ok: false, text: `${label}: sign-in expired` }; }
      if (error.status === 409 || error.code === "INVALID_APPROVAL_TOKEN") {
        const fresh = await this.queue.refresh(id);
        const human = fresh?.events.find((e) => ["approved", "denied", "expired"].includes(e.event_type));
        const status = fresh?.action.status || error.currentStatus || "decided";
        const who = human && human.event_type !== "expired" ? ` by ${human.actor}` : "";
        return { id, ok: false, text: `${label}: already ${status}${who}; the row was refreshed` };
      }
      if (error.code.startsWith("SELF_APPROVAL")) {
        return { id, ok: false, text: `${label}: you submitted it with this token, so another approver must decide it (${error.code})` };
      }
      return { id, ok: false, text: `${label}: ${error.status ? `HTTP ${error.status} ${error.code}: ` : ""}${error.message}` };
    }
  }
}
