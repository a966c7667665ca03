// The banner over every view: which systems failed or stood in with old copies, as the
// gateway's answers said (extensions.sources and the errors naming a source).

import { byId, fill, h } from "./dom.js";
import { systemOf } from "./gateway.js";

const FINE = new Set(["ok", "cache", "not_asked"]);
const SAYS = {
  source_unavailable: "is not answering",
  source_timeout: "did not answer in time",
  circuit_open: "is failing; the gateway stopped asking it for a while",
  source_bad_response: "answered something the gateway could not read",
  source_misconfigured: "is misconfigured in the gateway",
};

const failed = new Map(); // source -> status
const stale = new Set();
let gateway = "";

/** Forgets what earlier views learned. */
export function resetBanner() {
  failed.clear();
  stale.clear();
  gateway = "";
  render();
}

/** Takes in what one answer says about each source; the latest word on a source wins. */
export function noteSources(answer) {
  for (const [source, info] of Object.entries(answer.extensions?.sources ?? {})) {
    const status = String(info?.status ?? "");
    if (status === "ok" || status === "cache") {
      failed.delete(source);
      stale.delete(source);
    } else if (status === "stale") {
      stale.add(source);
    } else if (!FINE.has(status)) {
      failed.set(source, status);
    }
  }
  for (const error of answer.errors ?? []) {
    const { code, source } = error.extensions ?? {};
    if (source && /^(SOURCE_|CIRCUIT_)/.test(code ?? "") && !failed.has(source)) {
      failed.set(source, code.toLowerCase());
    }
    if (code === "GATEWAY_UNREACHABLE" || code === "BAD_ANSWER") gateway = error.message;
  }
  render();
}

/** Why ``source`` failed, in words, or "" when it did not. */
export function failureOf(source) {
  const status = failed.get(source);
  return status ? `${systemOf(source)} ${SAYS[status] ?? `failed (${status})`}` : "";
}

export const isStale = (source) => stale.has(source);

function render() {
  const banner = byId("banner");
  const lines = [];
  if (gateway) lines.push(h("p", {}, gateway));
  for (const [source, status] of failed) {
    lines.push(
      h(
        "p",
        { class: "failed", "data-source": source },
        h("strong", {}, systemOf(source)),
        ` (${source}) ${SAYS[status] ?? "failed"} [${status.toUpperCase()}]: `,
        "what it alone holds is missing below.",
      ),
    );
  }
  for (const source of stale) {
    lines.push(
      h(
        "p",
        { class: "stale", "data-source": source },
        h("strong", {}, systemOf(source)),
        ` (${source}) did not answer: its values below are older copies, marked stale.`,
      ),
    );
  }
  fill(banner, lines);
  banner.hidden = lines.length === 0;
}
