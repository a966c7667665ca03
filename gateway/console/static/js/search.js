// One search box for whatever the caller gave: a phone in any format, an email, the start of
// a name, a customer id (`crm:C-000001`) or any system's own key (an account number, a loyalty
// number, a VIN). The term stays in this page's memory: it never goes into the URL.

import { graphql, sources, systemOf } from "./gateway.js";
import { byId, fill, h } from "./dom.js";
import { noteSources } from "./banner.js";

const HIT = "id name { full } address { city } identities { source }";
const PAGE = 20;

export const state = { term: "", hits: [], message: "", searched: false };

const one = (label, query, variables) => ({ label, query, variables, single: true });

/** The look-ups a term calls for, each one operation. */
export function lookups(term) {
  const found = [];
  const digits = term.replace(/\D/g, "");
  const id = /^([A-Za-z][A-Za-z0-9_]*):(\S+)$/.exec(term);
  if (id && (sources().length === 0 || sources().some((s) => s.name === id[1]))) {
    return [one("id", `query FindById($v: ID!) { customer(id: $v) { ${HIT} } }`, { v: term })];
  }
  if (term.includes("@")) {
    found.push(one("email", `query FindByEmail($v: String!) { customer(email: $v) { ${HIT} } }`, { v: term }));
  } else if (/^\+?[\d\s().\-/]+$/.test(term) && digits.length >= 7) {
    found.push(one("phone", `query FindByPhone($v: String!) { customer(phone: $v) { ${HIT} } }`, { v: term }));
  }
  if (!/\s/.test(term) && /\d/.test(term)) {
    for (const source of sources()) {
      for (const entity of source.entities) {
        if (entity.by.includes("key") && (entity.name === "person" || entity.name === "vehicle")) {
          found.push(
            one(
              `${source.name} ${entity.name}`,
              `query FindByKey($s: String!, $e: String!, $v: String!) {
                customer(sourceKey: {source: $s, entity: $e, key: $v}) { ${HIT} } }`,
              { s: source.name, e: entity.name, v: term },
            ),
          );
        }
      }
    }
  }
  found.push({
    label: "search",
    query: `query Search($v: String!, $first: Int!) {
      customers(search: $v, first: $first) { totalCount edges { node { ${HIT} } } } }`,
    variables: { v: term, first: PAGE },
  });
  return found;
}

/** Runs every look-up of ``term`` at once and merges the customers found, each once. */
export async function search(term) {
  state.term = term;
  state.searched = true;
  if (term.length < 2) {
    state.hits = [];
    state.message = "Type at least two characters.";
    return;
  }
  const answers = await Promise.all(lookups(term).map((l) => graphql(l.query, l.variables)));
  const hits = new Map();
  let total = 0;
  for (const answer of answers) {
    noteSources(answer);
    const data = answer.data ?? {};
    if (data.customer) hits.set(data.customer.id, data.customer);
    if (data.customers) {
      total = data.customers.totalCount;
      for (const edge of data.customers.edges) hits.set(edge.node.id, edge.node);
    }
  }
  state.hits = [...hits.values()];
  if (state.hits.length === 0) {
    state.message = `No customer matches “${term}”.`;
  } else if (total > PAGE) {
    state.message = `${total} customers match; the first ${PAGE} are shown. Add to the search to narrow it.`;
  } else {
    state.message = `${state.hits.length} customer${state.hits.length === 1 ? "" : "s"} found.`;
  }
}

/** The results held in memory, as links a keyboard moves through with the arrows. */
export function renderResults() {
  fill(byId("results-status"), state.searched ? state.message : "");
  fill(
    byId("results"),
    state.hits.map((hit) => {
      const systems = [...new Set(hit.identities.map((i) => i.source))];
      return h(
        "li",
        {},
        h(
          "a",
          { class: "result", href: `#/customer/${encodeURIComponent(hit.id)}` },
          h("span", { class: "result-name" }, hit.name?.full ?? "(no name)"),
          h("span", { class: "result-city" }, hit.address?.city ?? ""),
          h(
            "span",
            { class: "chips", "aria-label": `found in ${systems.map(systemOf).join(", ")}` },
            systems.map((s) => h("span", { class: "chip", title: systemOf(s) }, s)),
          ),
        ),
      );
    }),
  );
}

/** Arrow keys between the box and the results; Escape back to the box. */
export function keyboard(input) {
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      const first = document.querySelector("#results a");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  byId("results").addEventListener("keydown", (event) => {
    const links = [...document.querySelectorAll("#results a")];
    const at = links.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === "ArrowDown" && at + 1 < links.length) links[at + 1].focus();
    else if (event.key === "ArrowUp") (at === 0 ? input : links[at - 1]).focus();
    else if (event.key === "Escape") input.focus();
    else return;
    event.preventDefault();
  });
}
