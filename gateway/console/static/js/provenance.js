// The badge beside a settled value (its system and age) and the popover it opens: the record,
// the fetch time, the cache state, the survivorship rule and the values other systems hold.

import { ago, byId, fill, h, when } from "./dom.js";
import { systemOf } from "./gateway.js";

const CACHE = {
  miss: "read from the system for this request",
  hit: "from the gateway's cache, within its freshness",
  stale: "an older copy: the system did not answer",
};

/** A badge for the value at ``path`` of the answer's provenance, or null without one. */
export function badge(label, provenance) {
  if (!provenance?.source) return null;
  const stale = provenance.cache === "stale";
  const age = stale ? "stale" : provenance.cache === "miss" ? "live" : ago(provenance.ageSeconds);
  const button = h(
    "button",
    {
      type: "button",
      class: stale ? "badge stale" : "badge",
      "aria-haspopup": "dialog",
      "data-source": provenance.source,
      "data-record": provenance.record ?? "",
    },
    h("span", { class: "badge-source" }, provenance.source),
    " ",
    h("span", { class: "badge-age" }, age),
    h(
      "span",
      { class: "sr-only" },
      `: ${label.toLowerCase()} from ${systemOf(provenance.source)}, record ${provenance.record}; where it came from`,
    ),
  );
  button.addEventListener("click", () => open(button, label, provenance));
  return button;
}

let opener = null;

function close() {
  const popover = byId("provenance");
  if (!popover || popover.hidden) return;
  popover.hidden = true;
  if (opener) opener.focus();
  opener = null;
}

function row(term, ...value) {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

function open(button, label, p) {
  let popover = byId("provenance");
  if (!popover) {
    popover = h("div", { id: "provenance", class: "popover", role: "dialog", "aria-labelledby": "provenance-title", hidden: true });
    popover.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    document.addEventListener("click", (event) => {
      if (!popover.hidden && !popover.contains(event.target) && event.target !== opener && !opener?.contains(event.target)) close();
    });
    document.body.append(popover);
  }
  const conflicts = p.conflicts ?? [];
  fill(
    popover,
    h("h2", { id: "provenance-title", tabindex: "-1" }, `Where the ${label.toLowerCase()} came from`),
    h(
      "dl",
      {},
      row("System", `${systemOf(p.source)} (${p.source})`),
      row("Record", p.record ?? "—"),
      row("Field", p.field ?? "—"),
      row("Fetched", `${when(p.fetchedAt, true)} (${ago(p.ageSeconds)})`),
      row("Cache", h("span", { class: p.cache === "stale" ? "stale-text" : "" }, `${p.cache}: ${CACHE[p.cache] ?? ""}`)),
      row("Rule", p.rule ?? "the only value"),
    ),
    h("h3", {}, "Other systems"),
    conflicts.length === 0
      ? h("p", {}, "No other system holds another value.")
      : h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "System"), h("th", { scope: "col" }, "Record"), h("th", { scope: "col" }, "Value"))),
          h(
            "tbody",
            {},
            conflicts.map((c) =>
              h(
                "tr",
                {},
                h("td", {}, systemOf(c.source)),
                h("td", {}, c.record),
                h("td", {}, typeof c.value === "string" ? c.value : JSON.stringify(c.value), c.sameWhenNormalised ? h("span", { class: "same" }, " (the same, written differently)") : ""),
              ),
            ),
          ),
        ),
    h("button", { type: "button", class: "close", onclick: close }, "Close"),
  );
  const box = button.getBoundingClientRect();
  popover.style.top = `${window.scrollY + box.bottom + 6}px`;
  popover.style.left = `${Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + window.innerWidth - 440))}px`;
  popover.hidden = false;
  opener = button;
  byId("provenance-title").focus();
}

export { close as closeProvenance };
