// One timeline across every system, newest first: filtered by channel, ten events a page.

import { fill, h, when } from "./dom.js";
import { systemOf } from "./gateway.js";

const CHANNELS = ["COMMERCE", "SERVICE", "MARKETING", "DEALER"];
const PAGE = 10;

const state = { channels: new Set(CHANNELS), cursors: [null], page: 0 };

function reset() {
  state.channels = new Set(CHANNELS);
  state.cursors = [null];
  state.page = 0;
}

function controls(reload) {
  const boxes = CHANNELS.map((channel) => {
    const input = h("input", { type: "checkbox", id: `channel-${channel}`, checked: true, value: channel });
    input.addEventListener("change", () => {
      if (input.checked) state.channels.add(channel);
      else if (state.channels.size > 1) state.channels.delete(channel);
      else input.checked = true; // at least one channel: none would mean every one
      state.cursors = [null];
      state.page = 0;
      reload();
    });
    return h("span", { class: "check" }, input, h("label", { for: input.id }, channel.toLowerCase()));
  });
  return h("fieldset", { class: "channels" }, h("legend", {}, "Channels"), boxes);
}

function pager(connection, reload) {
  const older = h("button", { type: "button", disabled: !connection.pageInfo.hasNextPage }, "Older");
  const newer = h("button", { type: "button", disabled: state.page === 0 }, "Newer");
  older.addEventListener("click", () => {
    state.cursors[state.page + 1] = connection.pageInfo.endCursor;
    state.page += 1;
    reload();
  });
  newer.addEventListener("click", () => {
    state.page -= 1;
    reload();
  });
  const from = state.page * PAGE + 1;
  const to = state.page * PAGE + connection.edges.length;
  return h(
    "div",
    { class: "pager" },
    newer,
    h("span", { role: "status" }, connection.totalCount === 0 ? "" : `Events ${from}–${to} of ${connection.totalCount}`),
    older,
  );
}

function render(body, c, reload) {
  const connection = c.timeline;
  if (!connection) return;
  fill(
    body,
    connection.totalCount === 0
      ? h("p", { class: "muted" }, "Nothing happened on these channels.")
      : h(
          "ol",
          { class: "events" },
          connection.edges.map(({ node: e }) =>
            h(
              "li",
              { "data-channel": e.channel },
              h("time", { datetime: e.at }, when(e.at, true)),
              h("span", { class: `channel channel-${e.channel.toLowerCase()}` }, e.channel.toLowerCase()),
              h("span", { class: "event-title" }, e.title),
              h("span", { class: "chips" }, e.sources.map((s) => h("span", { class: "chip", title: `${systemOf(s.source)} ${s.key}` }, s.source))),
            ),
          ),
        ),
    pager(connection, reload),
  );
}

export const TIMELINE = {
  id: "timeline",
  title: "Timeline",
  fields: {
    timeline:
      "timeline(first: $first, after: $after, channels: $channels, maxAge: $maxAge) { totalCount pageInfo { hasNextPage endCursor } edges { node { at channel kind title sources { source key } } } }",
  },
  types: ["TimelineEvent", "TimelineEventConnection", "TimelineEventEdge"],
  entities: ["order", "ticket", "ticket_note", "loyalty", "vehicle", "service_visit"],
  variables: { first: "Int!", after: "String", channels: "[Channel!]" },
  values: () => ({
    first: PAGE,
    after: state.cursors[state.page] ?? null,
    channels: state.channels.size === CHANNELS.length ? null : [...state.channels],
  }),
  controls,
  reset,
  render,
};
