// Faramesh approver console: sign-in, queue, live updates, detail drawer, decisions.

import { Api } from "./api.js";
import { announce, byId, toast } from "./dom.js";
import { Decider } from "./decide.js";
import { Drawer } from "./drawer.js";
import { shortHash, localTime } from "./format.js";
import { installKeys } from "./keys.js";
import { listQuery, PAGE, PENDING_PAGE, Queue, timeRange } from "./queue.js";
import { LiveStream } from "./stream.js";

// All of them are list API parameters (`from`/`to`: ISO times of a custom range, since=custom).
const FILTER_KEYS = ["status", "risk", "agent", "tool", "since", "from", "to", "q"];
const TITLE = "Faramesh approvals";

const api = new Api(document.querySelector('meta[name="faramesh-api-base"]')?.content || "");

function readURL() {
  const params = new URLSearchParams(window.location.search);
  const filters = {};
  for (const key of FILTER_KEYS) filters[key] = params.get(key) || "";
  return { filters, action: params.get("action") || "" };
}

function writeURL(filters, action, push) {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  if (action) params.set("action", action);
  const text = params.toString();
  const url = `${window.location.pathname}${text ? `?${text}` : ""}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}

function setupTheme() {
  const button = byId("theme-toggle");
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const current = () => document.documentElement.dataset.theme || (media.matches ? "dark" : "light");
  const show = () => button.setAttribute("aria-pressed", String(current() === "dark"));
  button.addEventListener("click", () => {
    const next = current() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem("faramesh.theme", next); } catch { /* not remembered */ }
    show();
  });
  media.addEventListener("change", show);
  show();
}

function setupNotifications() {
  const button = byId("notify-toggle");
  if (!("Notification" in window)) return () => {};
  button.hidden = false;
  let on = localStorage.getItem("faramesh.notify") === "on" && Notification.permission === "granted";
  const show = () => {
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Notifications on" : "Notifications off";
  };
  button.addEventListener("click", async () => {
    if (!on && Notification.permission !== "granted") {
      const answer = await Notification.requestPermission();
      if (answer !== "granted") { toast("The browser did not allow notifications"); return; }
    }
    on = !on;
    localStorage.setItem("faramesh.notify", on ? "on" : "off");
    show();
  });
  show();
  // Only while the tab is in the background; no params in the notification (they stay on screen).
  return (action, count = 1) => {
    if (!on || document.visibilityState === "visible") return;
    const body = count > 1 ? `${count} actions wait for a decision` : `${action.agent_id}: ${action.tool} · ${action.operation} (${action.risk_level} risk)`;
    const note = new Notification(count > 1 ? "Approvals needed" : "Approval needed", { body, tag: "faramesh-pending" });
    note.onclick = () => { window.focus(); note.close(); };
  };
}

function showSignIn(message) {
  byId("app").hidden = true;
  byId("signin").hidden = false;
  byId("signin-error").textContent = message || "";
  const form = byId("signin-form");
  const input = byId("token-input");
  input.focus();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) { byId("signin-error").textContent = "Enter a token."; return; }
    try {
      const me = await api.whoami(token);
      api.setToken(token);
      input.value = "";
      byId("signin").hidden = true;
      start(me);
    } catch (error) {
      byId("signin-error").textContent = error.status === 401 ? "That token was not accepted." : `Cannot sign in: ${error.message}`;
    }
  };
}

function signOut(message) {
  api.setToken("");
  sessionStorage.setItem("faramesh.signout", message || "");
  window.location.reload();
}

/**
 * The first page of each section, asked for at once (with whoami and the stream), so the first
 * render waits for one round trip instead of three in a row.
 */
function prefetch(filters) {
  const range = timeRange(filters);
  const quiet = (promise) => { promise.catch(() => {}); return promise; };
  const pendingShown = !filters.status || filters.status === "pending_approval";
  return {
    range,
    pending: pendingShown ? quiet(api.listActions(listQuery(filters, range, { status: "pending_approval" }), null, PENDING_PAGE)) : null,
    rows: filters.status === "pending_approval" ? null : quiet(api.listActions(listQuery(filters, range), null, PAGE)),
  };
}

/** A datetime-local value (the viewer's time zone) as ISO, and back. */
function isoFromLocal(value) {
  const t = value ? new Date(value).getTime() : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString() : "";
}
function localFromISO(iso) {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? new Date(t - new Date(t).getTimezoneOffset() * 60e3).toISOString().slice(0, 16) : "";
}

function start(me, early = null) {
  setupTheme();
  const notify = setupNotifications();
  byId("app").hidden = false;
  byId("whoami").textContent = me.local ? "local mode (no tokens)" : `${me.name} · ${me.role}`;
  byId("sign-out").hidden = me.local;
  byId("sign-out").onclick = () => signOut("");

  const table = byId("queue");
  const form = byId("filters");
  const status = byId("list-status");
  const loadMore = byId("load-more");
  let { filters, action: openId } = readURL();
  let queue = null;
  let drawer = null;
  const onError = (error) => {
    if (error && error.status === 401 && error.code !== "INVALID_APPROVAL_TOKEN") signOut("Your token is no longer accepted.");
    else if (error) toast(error.message || String(error));
  };

  let renderQueued = false;
  // Coalesced (a burst of events redraws the counters once); a timer, not a frame, so the title
  // count stays current in a background tab.
  const renderSoon = () => {
    if (renderQueued) return;
    renderQueued = true;
    setTimeout(() => { renderQueued = false; render(); }, 30);
  };
  const render = () => {
    const count = queue.pendingCount;
    const more = queue.pendingTruncated ? "+" : "";
    document.title = count ? `(${count}${more}) ${TITLE}` : TITLE;
    const badge = byId("pending-badge");
    badge.hidden = !count;
    badge.textContent = `${count}${more} pending`;
    byId("pending-heading").textContent = count ? `Pending approvals (${count}${more})` : "Pending approvals: none waiting";
    byId("rows-heading").textContent = queue.defaultView ? "History and other actions" : "Actions";
    const shown = queue.count;
    table.dataset.count = String(shown);
    // Rows of the history section are not all drawn: the full count for assistive technology.
    const rowsShown = !table.querySelector("#rows").hidden;
    table.setAttribute("aria-rowcount", queue.exhausted || !rowsShown
      ? String(2 + (queue.pendingBody.hidden ? 0 : 1 + count) + (rowsShown ? queue.virtual.size : 0)) : "-1");
    queue.virtual.soon();
    status.textContent = queue.loading ? `Loading… (${shown} shown)`
      : `${shown} action${shown === 1 ? "" : "s"} loaded${queue.exhausted ? "" : "; more on the server"}`;
    loadMore.hidden = queue.exhausted || table.querySelector("#rows").hidden;
    loadMore.disabled = queue.loading;
    const selected = queue.selected.size;
    byId("batch").hidden = !selected;
    byId("batch-count").textContent = `${selected} selected`;
  };

  queue = new Queue({
    api, me, table, pendingBody: byId("pending-rows"), rowsBody: byId("rows"),
    onChange: () => renderSoon(),
    onPending: (action) => notifyPending(action),
    onOpen: (id) => openDrawer(id),
    onDecide: (ids, approve) => decider.open(ids, approve),
    onError,
  });
  drawer = new Drawer({ api, me, queue, onError, onDecide: (ids, approve) => decider.open(ids, approve), onClose: () => closeDrawer() });
  const decider = new Decider({ api, me, queue, drawer, onUnauthorized: () => signOut("Your token is no longer accepted.") });

  // Opening pushes a history entry (back closes the drawer); closing goes back to it.
  let pushedOpen = false;
  function openDrawer(id) {
    const push = !drawer.isOpen;
    if (push) pushedOpen = true;
    openId = id;
    writeURL(filters, id, push);
    drawer.open(id);
  }
  function closeDrawer() {
    if (pushedOpen) { pushedOpen = false; history.back(); return; }
    hideDrawer();
    writeURL(filters, "", false);
  }
  function hideDrawer() {
    const was = openId;
    openId = "";
    drawer.close();
    if (was) queue.focus(was);
  }

  // Filters: the form mirrors the URL; every change asks the server again (search debounced).
  const custom = byId("custom-range");
  const setForm = (values) => {
    for (const key of FILTER_KEYS) {
      form.elements[key].value = key === "from" || key === "to" ? localFromISO(values[key]) : values[key];
    }
    custom.hidden = values.since !== "custom";
  };
  const fromForm = () => {
    const next = Object.fromEntries(FILTER_KEYS.map((k) => [k, form.elements[k].value.trim()]));
    next.from = next.since === "custom" ? isoFromLocal(next.from) : "";
    next.to = next.since === "custom" ? isoFromLocal(next.to) : "";
    custom.hidden = next.since !== "custom";
    return next;
  };
  const same = (a, b) => FILTER_KEYS.every((k) => a[k] === b[k]);
  const apply = async (next, push) => {
    if (same(next, filters) && queue.generation) return;
    filters = next;
    writeURL(filters, openId, push);
    await queue.reset(filters).catch(onError);
    render();
  };
  let searchTimer = 0;
  let typedAt = 0;
  form.addEventListener("change", (event) => { if (event.target.name !== "q") apply(fromForm(), true); });
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(searchTimer); apply(fromForm(), true); });
  // One history entry per search (a pause of 2 s starts a new one), not one per keystroke.
  form.elements.q.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const push = Date.now() - typedAt > 2000;
      typedAt = Date.now();
      apply(fromForm(), push);
    }, 250);
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    for (const key of FILTER_KEYS) form.elements[key].value = "";
    apply(fromForm(), true);
  });
  window.addEventListener("popstate", () => {
    const next = readURL();
    pushedOpen = false;
    setForm(next.filters);
    if (!next.action && drawer.isOpen) hideDrawer();
    openId = next.action;
    apply(next.filters, false).then(() => {
      if (next.action && next.action !== drawer.id) drawer.open(next.action);
    });
  });
  loadMore.addEventListener("click", () => queue.loadMore().catch(onError));
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) queue.loadMore().catch(onError);
  }, { rootMargin: "400px" }).observe(loadMore);
  byId("batch-approve").addEventListener("click", () => decider.open([...queue.selected], true));
  byId("batch-deny").addEventListener("click", () => decider.open([...queue.selected], false));
  byId("batch-clear").addEventListener("click", () => queue.clearSelection());
  const help = byId("help-dialog");
  byId("help-open").addEventListener("click", () => help.showModal());
  byId("help-close").addEventListener("click", () => help.close());
  installKeys({ queue, drawer, decider, help, search: form.elements.q });

  // Live updates.
  const stream = new LiveStream(api, {
    onState: (state) => {
      const node = byId("conn");
      node.dataset.state = state;
      node.textContent = { live: "live", reconnecting: "reconnecting…", polling: "polling (stream unavailable)", idle: "" }[state] || state;
    },
    onUnauthorized: () => signOut("Your token is no longer accepted."),
    onPoll: () => queue.refreshHead().catch(onError),
    onEvent: (message) => onEvent(message.data),
  });

  function onEvent(d) {
    if (!d || typeof d.id !== "string") return;
    const known = queue.actions.get(d.id);
    queue.setDecider(d.id, d);
    const patch = { id: d.id, status: d.status, decision: d.decision, reason: d.reason, risk_level: d.risk_level, updated_at: d.created_at };
    if (known) {
      queue.upsert({ ...known, ...patch }, { live: true });
    } else if (queue.matches({ ...patch, agent_id: d.agent_id, tool: d.tool, operation: d.operation, created_at: d.created_at })) {
      // Shown at once from the stream; params and expiry follow from the API.
      const partial = { ...patch, agent_id: d.agent_id, tool: d.tool, operation: d.operation, created_at: d.created_at, context: {} };
      queue.upsert(partial, { live: true });
      queue.requestDetails(d.id);
    }
    if (drawer.isOpen && drawer.id === d.id) drawer.refresh();
    renderSoon();
  }
  // New pending approvals are announced (and notified) once per burst.
  let arrivals = [];
  let arrivalsTimer = 0;
  function notifyPending(action) {
    arrivals.push(action);
    if (arrivalsTimer) return;
    arrivalsTimer = setTimeout(() => {
      const batch = arrivals;
      arrivals = [];
      arrivalsTimer = 0;
      const first = batch[0];
      announce(batch.length === 1 ? `New pending approval: ${first.tool} ${first.operation} from ${first.agent_id}`
        : `${batch.length} new pending approvals`);
      notify(first, batch.length);
    }, 300);
  }

  // Footer: policy and the ledger's latest signed checkpoint.
  const footer = async () => {
    try {
      const info = await api.policyInfo();
      byId("policy-info").textContent = `Policy ${info.policy_version || "?"} (${shortHash(info.policy_hash)})`
        + `${info.builtin_default ? ", built-in default" : ""}${info.last_reload_error ? ` — last reload failed: ${info.last_reload_error}` : ""}`;
    } catch (error) { byId("policy-info").textContent = `Policy: ${error.message}`; }
    try {
      const ledger = await api.ledger();
      const c = ledger.latest;
      byId("ledger-info").textContent = c
        ? `Ledger: ${ledger.size} events sealed; latest signed checkpoint: tree size ${c.tree_size}, signed ${localTime(c.signed_at)}, key ${c.key_id}`
        : `Ledger: ${ledger.size} events sealed; no signed checkpoint yet`;
    } catch (error) { byId("ledger-info").textContent = `Ledger: ${error.message}`; }
  };

  setForm(filters);
  let ticks = 0;
  setInterval(() => { ticks += 1; queue.tick(ticks); drawer.tick(); }, 1000);
  setInterval(footer, 30000);
  (async () => {
    // Stream and lists at once; once the stream is open, one catch-up read of the head covers
    // whatever changed between the lists' snapshot and the stream's start.
    const opened = stream.start();
    await queue.reset(filters, early).catch(onError);
    performance.mark("faramesh:first-render");
    opened.then(() => { if (stream.state === "live") queue.refreshHead().catch(onError); });
    table.dataset.loaded = "true";
    render();
    footer();
    if (openId) drawer.open(openId);
  })();
}

async function boot() {
  const message = sessionStorage.getItem("faramesh.signout");
  sessionStorage.removeItem("faramesh.signout");
  // Only with a stored token: without one the sign-in form comes first (and no 401s are logged).
  const early = api.token ? prefetch(readURL().filters) : null;
  try {
    start(await api.whoami(), early);
  } catch (error) {
    if (error.status === 401) {
      const hadToken = Boolean(api.token);
      api.setToken("");
      showSignIn(message || (hadToken ? "Your token is no longer accepted; sign in again." : ""));
    } else {
      showSignIn(`The server did not answer (${error.message}); reload to try again.`);
    }
  }
}

boot();
