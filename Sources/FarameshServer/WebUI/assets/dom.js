// DOM building without HTML parsing: every value lands in the page as text or an attribute value.

/**
 * `h("td", {class: "x", dataset: {id}}, "text", child)`. Strings become text nodes; keys starting
 * with "on" add listeners (functions only). No HTML is ever parsed from data (the CSP's Trusted Types forbid it).
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "hidden") node.hidden = true;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

export function pill(kind, value) {
  return h("span", { class: `pill ${kind}-${value}` }, value);
}

let toastTimer = 0;
export function toast(message) {
  const node = byId("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 4000);
}

export function announce(message) {
  const node = byId("announce");
  node.textContent = "";
  // A fresh text node per message, so screen readers announce repeats too.
  requestAnimationFrame(() => { node.textContent = message; });
}

/** Clipboard in secure contexts; a hidden textarea and execCommand elsewhere. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = h("textarea", { class: "visually-hidden", readonly: true });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy refused");
}
