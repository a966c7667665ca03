// The golden record (each settled value with its provenance badge) and the identities: each
// linked record with the reason it was linked. One operation with @provenance.

import { h, fill } from "./dom.js";
import { isDenied, systemOf } from "./gateway.js";
import { badge } from "./provenance.js";

// attribute -> [label, selection, provenance paths (the first present is shown)]
const ATTRIBUTES = {
  name: ["Name", "name { full }", ["customer.name.full"]],
  email: ["Email", "email", ["customer.email"]],
  phone: ["Phone", "phone", ["customer.phone"]],
  address: [
    "Address",
    "address { line1 line2 city postcode region country }",
    ["customer.address.line1", "customer.address.city", "customer.address.postcode"],
  ],
  birthDate: ["Birth date", "birthDate", ["customer.birthDate"]],
};
const IDENTITIES =
  "identities { source entity key matchedBy { rule identifier value score } via { source key } }";
const RESOLUTION = "resolution { complete notes unavailableSources }";

/** The golden record's operation, without what this role may not read. */
export function goldenQuery() {
  const fields = Object.entries(ATTRIBUTES)
    .filter(([name]) => !isDenied(`Customer.${name}`))
    .map(([, [, selection]]) => selection);
  const identities = ["Customer.identities", "SourceIdentity.matchedBy", "SourceIdentity.via"].some(isDenied)
    ? ""
    : IDENTITIES;
  const resolution = isDenied("Customer.resolution") ? "" : RESOLUTION;
  return `query Golden($id: ID!, $maxAge: Int) @provenance {
    customer(id: $id, maxAge: $maxAge) { id ${fields.join(" ")} ${identities} ${resolution} } }`;
}

function address(a) {
  if (!a) return null;
  const street = [a.line1, a.line2].filter(Boolean).join(", ");
  const town = [a.postcode, a.city].filter(Boolean).join(" ");
  return [street, town, a.region, a.country].filter(Boolean).join(", ");
}

function text(name, customer) {
  const value = customer[name];
  if (name === "name") return value?.full ?? null;
  if (name === "address") return address(value);
  return value ?? null;
}

/** Fills the golden record's panel body from the answer. */
export function renderGolden(body, answer) {
  const customer = answer.data.customer;
  const provenance = answer.extensions.provenance ?? {};
  const rows = Object.entries(ATTRIBUTES).map(([name, [label, , paths]]) => {
    if (isDenied(`Customer.${name}`)) {
      return [h("dt", {}, label), h("dd", { class: "muted" }, "Not shown for your role")];
    }
    const value = text(name, customer);
    const source = paths.map((p) => provenance[p]).find((p) => p?.source);
    return [
      h("dt", {}, label),
      h(
        "dd",
        { "data-field": name },
        value === null ? h("span", { class: "muted" }, "No system holds one") : h("span", { class: "value" }, value),
        value === null ? null : badge(label, source),
      ),
    ];
  });
  fill(body, h("dl", { class: "golden" }, rows));
}

function because(identity) {
  const m = identity.matchedBy;
  const via = identity.via ? `, through ${systemOf(identity.via.source)} ${identity.via.key}` : "";
  if (m.rule === "seed") {
    return m.identifier ? `Found by the search: ${m.identifier} ${m.value ?? ""}` : "Where the search started";
  }
  if (m.rule === "identifier") return `Same ${m.identifier} ${m.value ?? ""}${via}`;
  if (m.rule.startsWith("fuzzy:")) {
    const score = m.score === null || m.score === undefined ? "" : `, score ${Number(m.score).toFixed(2)}`;
    return `Name and ${m.identifier ?? "address"} agree (rule ${m.rule.slice(6)}${score})${via}`;
  }
  return `${m.rule}${via}`;
}

/** Fills the identities panel: each linked record and why it was linked. */
export function renderIdentities(body, answer) {
  const customer = answer.data.customer;
  if (!customer.identities) {
    fill(body, h("p", { class: "muted" }, "Not shown for your role."));
    return;
  }
  const resolution = customer.resolution;
  const notes = [];
  if (resolution && !resolution.complete) notes.push("The search for linked records stopped early.");
  for (const note of resolution?.notes ?? []) notes.push(note);
  for (const source of resolution?.unavailableSources ?? []) {
    notes.push(`${systemOf(source)} could not be searched: records there may be missing.`);
  }
  fill(
    body,
    notes.map((n) => h("p", { class: "note" }, n)),
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Linked records"),
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "System"), h("th", { scope: "col" }, "Record"), h("th", { scope: "col" }, "Linked because")),
      ),
      h(
        "tbody",
        {},
        customer.identities.map((i) =>
          h(
            "tr",
            {},
            h("td", {}, h("span", { class: "chip", title: systemOf(i.source) }, i.source)),
            h("td", {}, i.entity === "person" ? i.key : `${i.entity} ${i.key}`),
            h("td", {}, because(i)),
          ),
        ),
      ),
    ),
  );
}
