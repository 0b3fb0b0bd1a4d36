// The detail drawer: the whole action, why it was decided, its timeline and whether the hash
// chain verifies, ready-to-run curl commands, and the approve / deny controls when allowed.

import { verifyChain } from "./chain.js";
import { byId, copyText, h, pill, toast } from "./dom.js";
import { countdown, duration, localTime, parseTime, pretty } from "./format.js";
import { isDemo } from "./queue.js";

export class Drawer {
  constructor({ api, me, queue, onDecide, onClose, onError }) {
    Object.assign(this, { api, me, queue, onDecide, onClose, onError });
    this.node = byId("drawer");
    this.body = byId("drawer-body");
    this.title = byId("drawer-title");
    this.id = null;
    this.action = null;
    this.loadToken = 0;
    byId("drawer-close").addEventListener("click", () => this.onClose());
  }

  get isOpen() { return !this.node.hidden; }

  async open(id) {
    this.id = id;
    this.node.hidden = false;
    const known = this.queue.actions.get(id);
    this.title.textContent = known ? `${known.tool} · ${known.operation}` : "Loading…";
    await this.refresh();
    byId("drawer-close").focus({ preventScroll: true });
  }

  close() {
    this.id = null;
    this.action = null;
    this.node.hidden = true;
    this.body.replaceChildren();
  }

  async refresh() {
    const id = this.id;
    if (!id) return;
    const token = ++this.loadToken;
    try {
      const [action, events] = await Promise.all([this.api.action(id), this.api.events(id)]);
      if (token !== this.loadToken || this.id !== id) return;
      for (const event of events) this.queue.setDecider(action.id, event);
      this.queue.upsert(action);
      const chain = await verifyChain(events);
      if (token !== this.loadToken || this.id !== id) return;
      this.action = action;
      this.render(action, events, chain);
    } catch (error) {
      if (token !== this.loadToken) return;
      this.title.textContent = "Action unavailable";
      this.body.replaceChildren(h("p", { class: "error", role: "alert" }, error.message || String(error)));
      this.onError(error);
    }
  }

  tick() {
    const cell = this.body.querySelector(".countdown[data-expires]");
    if (cell && cell.dataset.expires) cell.textContent = countdown(cell.dataset.expires);
  }

  render(a, events, chain) {
    this.title.textContent = `${a.tool} · ${a.operation}`;
    const created = events.find((e) => e.event_type === "created");
    const decision = events.find((e) => e.event_type === "decision_made");
    const human = events.find((e) => ["approved", "denied", "expired"].includes(e.event_type));
    const meta = decision?.meta || {};
    const fact = (label, value, mono = false) => value === null || value === undefined || value === "" ? null
      : [h("dt", {}, label), h("dd", { class: mono ? "mono" : null }, String(value))];

    this.body.replaceChildren(
      h("p", {}, pill("s", a.status), " ", pill("r", a.risk_level), isDemo(a) ? h("span", { class: "pill demo" }, "demo") : null),
      this.decideSection(a, created, human),
      h("h3", {}, "Params"), h("pre", { class: "json", "aria-label": "params" }, pretty(a.params)),
      h("h3", {}, "Context"), h("pre", { class: "json", "aria-label": "context" }, pretty(a.context)),
      h("h3", {}, "Decision"),
      h("dl", { class: "facts" },
        fact("Decision", a.decision), fact("Outcome", a.outcome), fact("Reason", a.reason), fact("Reason code", a.reason_code),
        fact("Rule", meta.rule), fact("Risk", a.risk_level),
        fact("Risk set by", meta.risk_rule ? `risk rule ${meta.risk_rule}${a.reason_code === "RISK_UPGRADE" ? " (high risk turned allow into approval)" : ""}`
          : decision ? "no risk rule matched" : null),
        fact("Policy version", a.policy_version), fact("Policy hash", a.policy_hash, true),
        fact("Profile", a.profile_id ? `${a.profile_id} ${a.profile_version || ""}` : null), fact("Profile hash", a.profile_hash, true),
        fact("Runtime", a.runtime_version), fact("Request hash", a.request_hash, true), fact("Provenance id", a.provenance_id, true)),
      h("h3", {}, "Action"),
      h("dl", { class: "facts" },
        fact("Id", a.id, true), fact("Agent", a.agent_id), fact("Tool", a.tool), fact("Operation", a.operation),
        fact("Submitted by token", created?.actor), fact("Created", `${localTime(a.created_at)} (${a.created_at})`),
        fact("Updated", `${localTime(a.updated_at)} (${a.updated_at})`),
        fact("Approval expires", a.approval_expires_at ? `${localTime(a.approval_expires_at)} (${a.approval_expires_at})` : null)),
      h("h3", {}, "Timeline"),
      h("p", { class: chain.ok ? "chain-ok" : "chain-bad", dataset: { chain: chain.ok ? "ok" : "broken" } },
        chain.ok ? `✓ ${chain.message}` : `✗ hash chain broken: ${chain.message}`),
      h("ol", { class: "timeline" }, events.map((event, index) => this.eventItem(event, index ? events[index - 1] : null))),
      h("h3", {}, "Commands"),
      this.commands(a),
    );
  }

  decideSection(a, created, human) {
    if (a.status !== "pending_approval") {
      if (!human) return null;
      const took = duration((parseTime(human.created_at) ?? 0) - (parseTime(a.created_at) ?? 0));
      const text = human.event_type === "expired"
        ? `Expired unanswered after ${took}.`
        : `${human.event_type === "approved" ? "Approved" : "Denied"} by ${human.actor} at ${localTime(human.created_at)}, ${took} after it was submitted.`;
      return h("p", { class: "notice", dataset: { decided: human.event_type } }, text);
    }
    const expiry = a.approval_expires_at
      ? h("span", {}, "Expires in ", h("span", { class: "countdown", dataset: { expires: a.approval_expires_at } }, countdown(a.approval_expires_at)))
      : null;
    if (!this.me.can_approve) {
      return h("p", { class: "notice", dataset: { why: "role" } },
        `Waiting for an approver. You are signed in as ${this.me.name} (${this.me.role}): agent tokens cannot approve or deny. `, expiry);
    }
    if (!this.me.local && created && created.actor === this.me.name) {
      return h("p", { class: "notice self", dataset: { why: "self-approval" } },
        `You cannot decide this action: it was submitted with your token "${this.me.name}" (the actor of its created event). `
        + "Faramesh never lets a token approve or deny its own submission (403 SELF_APPROVAL_FORBIDDEN); another approver or an admin must decide it. ",
        expiry);
    }
    return h("div", { class: "decide" },
      h("button", { type: "button", class: "approve", id: "drawer-approve", onclick: () => this.onDecide([a.id], true) }, "Approve ", h("kbd", {}, "a")),
      h("button", { type: "button", class: "deny", id: "drawer-deny", onclick: () => this.onDecide([a.id], false) }, "Deny ", h("kbd", {}, "d")),
      expiry);
  }

  eventItem(event, previous) {
    const since = previous ? ` (+${duration((parseTime(event.created_at) ?? 0) - (parseTime(previous.created_at) ?? 0))})` : "";
    const meta = event.meta && Object.keys(event.meta).length ? h("pre", {}, pretty(event.meta)) : null;
    return h("li", { class: `ev-${String(event.event_type).replace(/[^a-z_]/g, "")}`, dataset: { event: event.event_type, actor: event.actor } },
      h("span", { class: "ev-type" }, event.event_type), " by ", h("strong", { class: "ev-actor" }, event.actor),
      h("span", { class: "muted" }, ` · ${localTime(event.created_at)}${since} · seq ${event.seq}`),
      h("div", { class: "muted mono" }, `record ${String(event.record_hash).slice(0, 16)}… prev ${event.prev_hash ? `${String(event.prev_hash).slice(0, 16)}…` : "none"}`),
      meta);
  }

  /** curl lines with the bearer token as $FARAMESH_TOKEN (never the secret itself). */
  commands(a) {
    const origin = this.api.base || window.location.origin;
    const base = `'${origin.replace(/'/g, "'\\''")}/v1/actions/${a.id}`;
    const auth = this.me.local ? "" : " -H \"Authorization: Bearer $FARAMESH_TOKEN\"";
    const lines = [
      ["Get the action", `curl -s ${base}'${auth}`],
      ["Its timeline", `curl -s ${base}/events'${auth}`],
    ];
    if (a.status === "pending_approval" && this.me.can_approve) {
      const token = `APPROVAL_TOKEN=$(curl -s ${base}'${auth} | python3 -c 'import json,sys; print(json.load(sys.stdin)["approval_token"])')`;
      const post = (approve) => `curl -s -X POST ${base}/approval'${auth} -H 'Content-Type: application/json' \\\n  -d '{"token":"'"$APPROVAL_TOKEN"'","approve":${approve},"reason":"${approve ? "approved" : "denied"} from curl"}'`;
      lines.push(["Approve", `${token}\n${post(true)}`], ["Deny", `${token}\n${post(false)}`]);
    }
    return h("div", { class: "curl" }, lines.map(([label, text]) => h("div", {},
      h("pre", { "aria-label": label }, text),
      h("button", {
        type: "button", "aria-label": `Copy: ${label}`,
        onclick: () => copyText(text).then(() => toast(`Copied: ${label}`), () => toast("Copy failed: select the text instead")),
      }, "Copy"))));
  }
}
