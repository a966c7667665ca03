// The customer's related records, one panel each. A panel names the Customer fields it reads
// (each with maxAge, so "Read live" asks its systems again) and how to show them.

import { fill, h, money, when } from "./dom.js";
import { systemOf } from "./gateway.js";

const chip = (source) => h("span", { class: "chip", title: systemOf(source) }, source);
const th = (...names) => h("thead", {}, h("tr", {}, names.map((n) => h("th", { scope: "col" }, n))));
const empty = (text) => h("p", { class: "muted" }, text);

function lines(all) {
  if (all.length === 0) return "";
  const first = `${all[0].quantity ?? 1}× ${all[0].description ?? all[0].sku ?? ""}`;
  return all.length === 1 ? first : `${first} and ${all.length - 1} more`;
}

function orders(body, c) {
  const connection = c.orders;
  if (!connection) return;
  if (connection.totalCount === 0) return fill(body, empty("No orders."));
  const shown = connection.edges.length;
  fill(
    body,
    h("p", { class: "count" }, `${connection.totalCount} order${connection.totalCount === 1 ? "" : "s"}${shown < connection.totalCount ? `, the latest ${shown} shown` : ""}`),
    h(
      "table",
      {},
      th("Order", "Placed", "Status", "Total", "Lines", "System"),
      h(
        "tbody",
        {},
        connection.edges.map(({ node: o }) =>
          h(
            "tr",
            {},
            h("td", {}, o.number),
            h("td", {}, when(o.placedAt)),
            h("td", {}, o.status ?? ""),
            h("td", { class: "num" }, money(o.total, o.currency)),
            h("td", {}, lines(o.lines)),
            h("td", {}, chip(o.source)),
          ),
        ),
      ),
    ),
  );
}

function cases(body, c) {
  if (!c.tickets) return;
  if (c.tickets.length === 0) return fill(body, empty("No cases."));
  fill(
    body,
    c.tickets.map((t) =>
      h(
        "article",
        { class: "case" },
        h("h3", {}, `${t.number} `, h("span", { class: "subject" }, t.subject ?? "")),
        h(
          "p",
          { class: "meta" },
          h("span", { class: `status status-${String(t.status).toLowerCase()}` }, t.rawStatus ?? t.status),
          ` opened ${when(t.openedAt, true)}`,
          t.closedAt ? `, closed ${when(t.closedAt, true)}` : "",
          t.channel ? ` · ${t.channel}` : "",
          t.priority ? ` · ${t.priority} priority` : "",
          " · ",
          chip(t.source),
        ),
        t.notes.length === 0
          ? empty("No notes.")
          : h(
              "ol",
              { class: "notes", "aria-label": `Notes on ${t.number}` },
              t.notes.map((n) =>
                h("li", {}, h("span", { class: "note-head" }, `${when(n.createdAt, true)} · ${n.author ?? "unknown"}`), h("span", { class: "note-body" }, n.body ?? "")),
              ),
            ),
      ),
    ),
  );
}

function loyalty(body, c) {
  const parts = [];
  if ("loyalty" in c) {
    const l = c.loyalty;
    parts.push(
      l
        ? h(
            "dl",
            { class: "facts" },
            [["Number", l.number], ["Tier", l.tier], ["Points", l.points], ["Segment", l.segment], ["Enrolled", when(l.enrolledAt)]].map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]),
            h("dt", {}, "System"),
            h("dd", {}, chip(l.source)),
          )
        : empty("No loyalty membership."),
    );
  }
  parts.push(h("h3", {}, "Consents"));
  if (!("consents" in c)) parts.push(empty("Not shown for your role."));
  else if (c.consents === null) parts.push(empty("Unavailable."));
  else if (c.consents.length === 0) parts.push(empty("No consent recorded."));
  else {
    parts.push(
      h(
        "table",
        {},
        th("Channel", "Answer", "Since", "Record"),
        h(
          "tbody",
          {},
          c.consents.map((k) =>
            h("tr", {}, h("td", {}, k.channel), h("td", {}, k.granted ? "granted" : "refused"), h("td", {}, when(k.at)), h("td", {}, `${k.source} ${k.record}`)),
          ),
        ),
      ),
    );
  }
  fill(body, parts);
}

function vehicles(body, c) {
  if (!c.vehicles) return;
  if (c.vehicles.length === 0) return fill(body, empty("No vehicles."));
  fill(
    body,
    c.vehicles.map((v) =>
      h(
        "article",
        { class: "vehicle" },
        h("h3", {}, [v.year, v.make, v.model].filter(Boolean).join(" ") || v.vin),
        h("p", { class: "meta" }, `VIN ${v.vin}`, v.purchasedAt ? ` · bought ${when(v.purchasedAt)}` : "", v.dealerId ? ` · dealer ${v.dealerId}` : "", " · ", chip(v.source)),
        v.serviceVisits.length === 0
          ? empty("No workshop visits.")
          : h(
              "table",
              {},
              h("caption", { class: "sr-only" }, `Workshop visits of ${v.vin}`),
              th("Visit", "Mileage", "Work", "Amount", "Dealer"),
              h(
                "tbody",
                {},
                v.serviceVisits.map((s) =>
                  h("tr", {}, h("td", {}, when(s.visitedAt)), h("td", { class: "num" }, s.mileage ?? ""), h("td", {}, s.description ?? ""), h("td", { class: "num" }, s.amount ?? ""), h("td", {}, s.dealerId ?? "")),
                ),
              ),
            ),
      ),
    ),
  );
}

/** Each panel: its Customer fields (with maxAge) and the types they reach. */
export const PANELS = [
  {
    id: "orders",
    title: "Orders",
    fields: {
      orders:
        "orders(first: 10, maxAge: $maxAge) { totalCount edges { node { id source number placedAt status total currency lines { id sku description quantity amount } } } }",
    },
    types: ["Order", "OrderLine", "OrderConnection", "OrderEdge"],
    entities: ["order", "order_line"],
    render: orders,
  },
  {
    id: "cases",
    title: "Cases",
    fields: {
      tickets:
        "tickets(maxAge: $maxAge) { id source number subject status rawStatus channel priority openedAt closedAt notes { id author body createdAt } }",
    },
    types: ["Ticket", "TicketNote"],
    entities: ["ticket", "ticket_note"],
    render: cases,
  },
  {
    id: "loyalty",
    title: "Loyalty and consents",
    fields: {
      loyalty: "loyalty(maxAge: $maxAge) { id source number tier points segment enrolledAt }",
      consents: "consents(maxAge: $maxAge) { channel granted at source record }",
    },
    types: ["Loyalty", "Consent"],
    entities: ["loyalty"],
    render: loyalty,
  },
  {
    id: "vehicles",
    title: "Vehicles",
    fields: {
      vehicles:
        "vehicles(maxAge: $maxAge) { vin source make model year purchasedAt dealerId serviceVisits { id visitedAt mileage description amount dealerId } }",
    },
    types: ["Vehicle", "ServiceVisit"],
    entities: ["vehicle", "service_visit"],
    render: vehicles,
  },
];
