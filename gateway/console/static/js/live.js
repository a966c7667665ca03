// Live updates of the open customer: customerChanged over GraphQL over SSE. A fetch stream,
// so the credential travels in the same header as every other call (an EventSource could not
// carry it). One customer is followed at a time; leaving it ends the stream.

import { ENDPOINT, credentialHeaders } from "./gateway.js";

const SUBSCRIPTION = "subscription Live($id: ID!) { customerChanged(id: $id) { id } }";

let running = null; // the AbortController of the stream being read

/** Stops following the customer followed now, if any. */
export function unfollow() {
  running?.abort();
  running = null;
}

/** Calls ``changed()`` each time customer ``id`` changes, until ``unfollow()``. */
export function follow(id, changed) {
  unfollow();
  const controller = new AbortController();
  running = controller;
  read(id, controller.signal, changed).catch(() => {}); // a stream that ends leaves the page as it is
}

async function read(id, signal, changed) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { ...credentialHeaders(), "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query: SUBSCRIPTION, variables: { id } }),
    credentials: "omit",
    cache: "no-store",
    signal,
  });
  if (!response.ok || !response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let first = true; // the customer as it is now: the page already shows it
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + value).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!/^event: next$/m.test(event)) continue; // heartbeats (": ping") and the end
      if (first) first = false;
      else changed();
    }
  }
}
