// The customer page: the golden record and identities (one operation with @provenance) and
// every other panel (one operation), asked at once. Each panel says when what it shows is
// missing (a failed system), stale, or not for this role, and can be read live (maxAge: 0).

import { failureOf, isStale, noteSources, resetBanner } from "./banner.js";
import { byId, fill, focusHeading, h, showView } from "./dom.js";
import { editContact } from "./edit.js";
import { ask, deniedTypes, isDenied, servingSources } from "./gateway.js";
import { goldenQuery, renderGolden, renderIdentities } from "./golden.js";
import { PANELS } from "./panels.js";
import { follow } from "./live.js";
import { closeProvenance } from "./provenance.js";
import { TIMELINE } from "./timeline.js";

const ALL = [...PANELS, TIMELINE];
let generation = 0;
let current = null; // {id, frames}

function frame(id, title, onLive) {
  const heading = h("h2", { id: `panel-${id}-title` }, title);
  const live = h("button", { type: "button", class: "live" }, "Read live", h("span", { class: "sr-only" }, `: ${title.toLowerCase()}`));
  live.addEventListener("click", onLive);
  const state = h("p", { class: "panel-state", role: "status" }, "Loading…");
  const body = h("div", { class: "panel-body" });
  const section = h("section", { class: `panel panel-${id}`, id: `panel-${id}`, "aria-labelledby": heading.id, "aria-busy": "true" }, h("header", {}, heading, live), state, body);
  return { section, state, body, live };
}

function allowed(panel) {
  return Object.keys(panel.fields).filter((name) => !isDenied(`Customer.${name}`));
}

/** False when the role may not read some type the panel reaches (a 403 named, say, Order.lines). */
function reachable(panel) {
  return !panel.types.some((type) => deniedTypes().has(type));
}

function panelsQuery(panels) {
  const used = panels.filter((p) => reachable(p) && allowed(p).length > 0);
  if (used.length === 0) return null;
  const variables = Object.assign({ id: "ID!", maxAge: "Int" }, ...used.map((p) => p.variables ?? {}));
  const declared = Object.entries(variables).map(([n, t]) => `$${n}: ${t}`).join(", ");
  const selections = used.flatMap((p) => allowed(p).map((name) => p.fields[name]));
  return `query CustomerPanels(${declared}) { customer(id: $id) { id ${selections.join(" ")} } }`;
}

function values(panels, id, live) {
  return Object.assign({ id, maxAge: live ? 0 : null }, ...panels.map((p) => (p.values ? p.values() : {})));
}

const LIMITS = new Set(["QUERY_TOO_LARGE", "QUERY_TOO_COSTLY", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES"]);

/** The panels in one operation; one operation each when the role's limits refuse that. */
async function askPanels(panels, id, live) {
  const answer = await ask(() => panelsQuery(panels), values(panels, id, live));
  if (panels.length === 1 || !answer.errors.some((e) => LIMITS.has(e.extensions?.code))) {
    return answer;
  }
  return merge(await Promise.all(panels.map((panel) => askPanels([panel], id, live))));
}

// what one source did across several answers: its worst
const rank = (status) => ({ not_asked: 0, cache: 1, ok: 2, stale: 3 })[status] ?? 4;

function merge(answers) {
  const customers = answers.map((a) => a.data?.customer).filter(Boolean);
  const sources = {};
  for (const answer of answers) {
    for (const [name, info] of Object.entries(answer.extensions?.sources ?? {})) {
      if (!sources[name] || rank(info.status) > rank(sources[name].status)) sources[name] = info;
    }
  }
  return {
    status: 200,
    data: { customer: customers.length ? Object.assign({}, ...customers) : null },
    errors: answers.flatMap((a) => a.errors),
    extensions: { sources },
  };
}

/** Why an answer has no customer: the failed system in words, or the gateway's message. */
function reason(answer) {
  const error = answer.errors[0];
  if (!error) return "the gateway gave no answer";
  const source = error.extensions?.source;
  return source ? failureOf(source) || `${source} failed` : error.message;
}

/** Why the systems that serve the panel's records failed, as the banner says it. */
function failedServing(panel, answer) {
  const named = answer.errors.map((e) => e.extensions?.source).filter(Boolean);
  const serving = servingSources(panel.entities);
  const candidates = serving.length ? serving : named;
  return [...new Set(candidates.map(failureOf).filter(Boolean))];
}

function showPanel(panel, f, answer) {
  f.section.setAttribute("aria-busy", "false");
  const customer = answer.data?.customer;
  const fields = allowed(panel);
  if (fields.length === 0 || !reachable(panel)) {
    fill(f.state, "Not available for your role.");
    f.body.replaceChildren();
    f.live.hidden = true;
    return;
  }
  if (!customer) {
    fill(f.state, `Unavailable: ${reason(answer)}`);
    f.body.replaceChildren();
    return;
  }
  const missing = failedServing(panel, answer);
  const items = JSON.stringify(fields.map((name) => customer[name]));
  const stale = [...new Set([...items.matchAll(/"source":"([^"]+)"/g)].map((m) => m[1]))].filter(isStale);
  const nothing = fields.every((name) => customer[name] === null);
  const notes = [];
  if (missing.length) notes.push(`${nothing ? "Unavailable" : "Incomplete"}: ${missing.join("; ")}.`);
  else if (nothing) notes.push("Unavailable: the systems that hold this did not answer.");
  if (stale.length) notes.push(`Stale: older copies from ${stale.join(", ")}.`);
  fill(f.state, notes.join(" "));
  f.section.classList.toggle("unavailable", nothing);
  f.section.classList.toggle("incomplete", missing.length > 0 && !nothing);
  f.section.classList.toggle("stale", stale.length > 0);
  if (nothing) {
    f.body.replaceChildren();
    return;
  }
  const shown = Object.fromEntries(fields.map((n) => [n, customer[n]]));
  panel.render(f.body, shown, () => reload(panel, false));
}

function showGolden(frames, answer) {
  for (const key of ["golden", "identities"]) {
    frames[key].section.setAttribute("aria-busy", "false");
  }
  const customer = answer.data?.customer;
  if (!customer) {
    const why = reason(answer);
    fill(frames.golden.state, `Unavailable: ${why}`);
    fill(frames.identities.state, `Unavailable: ${why}`);
    return;
  }
  const failed = answer.errors.filter((e) => e.extensions?.source).map((e) => failureOf(e.extensions.source) || e.message);
  fill(frames.golden.state, failed.length ? `Some systems did not answer: ${[...new Set(failed)].join("; ")}.` : "");
  fill(frames.identities.state, "");
  renderGolden(frames.golden.body, answer);
  renderIdentities(frames.identities.body, answer);
  const name = customer.name?.full;
  fill(byId("customer-title"), name ?? customer.id);
}

async function reload(panel, live) {
  const mine = current;
  const f = mine.frames[panel.id];
  f.section.setAttribute("aria-busy", "true");
  fill(f.state, live ? "Reading live…" : "Loading…");
  const answer = await askPanels([panel], mine.id, live);
  if (current !== mine) return;
  noteSources(answer);
  showPanel(panel, f, answer);
  if (live && !f.state.textContent) fill(f.state, "Read live just now.");
}

async function reloadGolden(live) {
  const mine = current;
  for (const key of ["golden", "identities"]) fill(mine.frames[key].state, live ? "Reading live…" : "Loading…");
  const answer = await ask(goldenQuery, { id: mine.id, maxAge: live ? 0 : null });
  if (current !== mine) return;
  noteSources(answer);
  showGolden(mine.frames, answer);
  if (live && !mine.frames.golden.state.textContent) fill(mine.frames.golden.state, "Read live just now.");
}

/** A system reported a change to the open customer: every panel is read again. */
async function changed(mine) {
  if (mine !== generation) return;
  await Promise.all([reloadGolden(false), ...ALL.map((panel) => reload(panel, false))]);
  if (mine === generation) fill(current.frames.golden.state, "Updated just now: a system reported a change.");
}

/** Shows customer ``id``; calls ``notFound`` when there is none this role may see. */
export async function showCustomer(id, notFound) {
  const mine = ++generation;
  performance.clearMarks("c360:customer:start");
  performance.mark("c360:customer:start");
  closeProvenance();
  resetBanner();
  TIMELINE.reset();
  const frames = {
    golden: frame("golden", "Golden record", () => reloadGolden(true)),
    identities: frame("identities", "Identities", () => reloadGolden(true)),
  };
  for (const panel of ALL) frames[panel.id] = frame(panel.id, panel.title, () => reload(panel, true));
  frames.golden.section.append(editContact(() => id, () => reloadGolden(false)));
  const timeline = frames.timeline;
  timeline.section.insertBefore(TIMELINE.controls(() => reload(TIMELINE, false)), timeline.body);
  current = { id, frames };
  fill(byId("customer-title"), "Customer");
  fill(byId("panels"), Object.values(frames).map((f) => f.section));
  byId("view-customer").setAttribute("aria-busy", "true");
  showView("view-customer");
  focusHeading("customer-title");

  const [golden, panels] = await Promise.all([
    ask(goldenQuery, { id, maxAge: null }),
    askPanels(ALL, id, false),
  ]);
  if (mine !== generation) return;
  noteSources(golden);
  noteSources(panels);
  const code = golden.errors[0]?.extensions?.code;
  if (golden.data && golden.data.customer === null && (golden.errors.length === 0 || code === "BAD_USER_INPUT")) {
    notFound(id, golden.errors[0]?.message);
    return;
  }
  showGolden(frames, golden);
  for (const panel of ALL) showPanel(panel, frames[panel.id], panels);
  byId("view-customer").setAttribute("aria-busy", "false");
  follow(id, () => changed(mine));
  performance.mark("c360:customer:rendered");
  performance.measure("c360:customer", "c360:customer:start", "c360:customer:rendered");
}
