// Keyboard first: j/k move, Enter opens, a approve, d deny, x select, / search, Esc clears, ? help.
// Keys are ignored while typing in a field or with a modifier held; Esc always works.

const STORAGE = "faramesh.keys";

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export function installKeys({ queue, drawer, decider, help, search }) {
  const toggle = document.getElementById("keys-enabled");
  let enabled = localStorage.getItem(STORAGE) !== "off";
  toggle.checked = enabled;
  toggle.addEventListener("change", () => {
    enabled = toggle.checked;
    localStorage.setItem(STORAGE, enabled ? "on" : "off");
  });

  const targets = () => (queue.selected.size ? [...queue.selected] : queue.focusedId ? [queue.focusedId] : drawer.id ? [drawer.id] : []);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (decider.isOpen || help.open) return; // the dialog closes itself
      if (drawer.isOpen) { event.preventDefault(); drawer.onClose(); return; }
      if (queue.selected.size) { event.preventDefault(); queue.clearSelection(); return; }
      if (typing(event.target)) event.target.blur();
      return;
    }
    if (!enabled || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (decider.isOpen || help.open) return;
    const handlers = {
      j: () => queue.move(1),
      k: () => queue.move(-1),
      Enter: () => { if (queue.focusedId && event.target.tagName !== "BUTTON") queue.onOpen(queue.focusedId); else return false; },
      a: () => decider.open(targets(), true),
      d: () => decider.open(targets(), false),
      r: () => decider.open(targets(), false),
      x: () => { if (queue.focusedId) queue.select(queue.focusedId, !queue.selected.has(queue.focusedId)); },
      "/": () => search.focus(),
      "?": () => help.showModal(),
    };
    const handler = handlers[event.key];
    if (handler && handler() !== false) event.preventDefault();
  });
}
