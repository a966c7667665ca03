// Building the page from data. Every value from the gateway goes in as text (a text node or
// textContent), never as markup: a name holding "<script>" is shown as those characters.

/** An element: h("a", {href: "#/", class: "x"}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces what ``element`` holds. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const byId = (id) => document.getElementById(id);

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 1) return "just now";
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });

/** A date (or date and time) as the agent reads it; the raw value when it is not a date. */
export function when(value, withTime = false) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return (withTime ? timeFormat : dateFormat).format(date);
}

export function money(amount, currency) {
  if (amount === null || amount === undefined) return "";
  const number = Number(amount);
  if (!currency || Number.isNaN(number)) return String(amount);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(number);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Shows one of the page's views (sections of <main>) and hides the others. */
export function showView(id) {
  for (const view of document.querySelectorAll("main > .view")) {
    view.hidden = view.id !== id;
  }
}

/** Moves the focus to a heading, so that a screen reader says where the agent is. */
export function focusHeading(id) {
  const heading = byId(id);
  if (heading) heading.focus({ preventScroll: false });
}
