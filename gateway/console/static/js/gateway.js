// The gateway's /graphql: the only thing the console talks to, so roles, masks and row scope
// apply to it as to any client. The credential is held in this module's memory only: never in
// localStorage, sessionStorage, cookies or the URL.

export const ENDPOINT = new URL("../graphql", document.baseURI).href;

let credential = null; // {header, value, label}
let open = false; // the gateway asks for no credential
const denied = new Set(); // "Type.field" this role may not read, learned from 403 answers
let systems = new Map(); // source name -> {system, entities: [{name, by}]}

/** The gateway refused the credential (none, expired, revoked): the agent must sign in. */
export class SignInNeeded extends Error {}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function label(token) {
  try {
    const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return claims.sub ? `token of ${String(claims.sub).slice(0, 40)}` : "a token";
  } catch {
    return "a token";
  }
}

/** Holds ``text`` as the credential: a JWT goes as a bearer token, anything else as a key. */
export function useCredential(text) {
  const value = text.trim();
  credential = JWT.test(value)
    ? { header: "Authorization", value: `Bearer ${value}`, label: label(value) }
    : { header: "X-API-Key", value, label: `API key ${value.split("_")[1] ?? ""}`.trim() };
}

/** The credential's header, for calls made other than by ``graphql()`` (a live stream). */
export function credentialHeaders() {
  return credential ? { [credential.header]: credential.value } : {};
}

export function forget() {
  credential = null;
  denied.clear();
  systems = new Map();
}

export const isOpen = () => open;
export const who = () => (open ? "open gateway (no sign-in)" : (credential?.label ?? ""));
export const isDenied = (name) => denied.has(name);
export const deniedTypes = () => new Set([...denied].map((name) => name.split(".")[0]));

function failure(code, message) {
  return { status: 0, data: null, errors: [{ message, extensions: { code } }], extensions: {} };
}

/**
 * Runs one operation. Resolves to {status, data, errors, extensions} whatever the gateway
 * said (a network failure included); throws SignInNeeded on 401.
 */
export async function graphql(query, variables = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (credential) headers[credential.header] = credential.value;
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return failure("GATEWAY_UNREACHABLE", "The gateway did not answer.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 401) {
    credential = null;
    throw new SignInNeeded(body?.errors?.[0]?.message ?? "sign-in required");
  }
  if (!body || typeof body !== "object") {
    return failure("BAD_ANSWER", `The gateway answered HTTP ${response.status}.`);
  }
  const result = {
    status: response.status,
    data: body.data ?? null,
    errors: Array.isArray(body.errors) ? body.errors : [],
    extensions: body.extensions ?? {},
  };
  learnDenied(result);
  return result;
}

const NOT_ALLOWED = "not allowed for this role: ";

function learnDenied(result) {
  for (const error of result.errors) {
    const message = String(error.message ?? "");
    if (error.extensions?.code === "FORBIDDEN" && message.startsWith(NOT_ALLOWED)) {
      for (const name of message.slice(NOT_ALLOWED.length).split(",")) denied.add(name.trim());
      result.forbidden = true;
    }
  }
}

/**
 * Runs the operation ``build()`` returns, built again without the fields this role turns
 * out not to be allowed (a 403 names them): the rest of the page still shows.
 */
export async function ask(build, variables) {
  let result = null;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const query = build();
    if (query === null) return { status: 403, data: null, errors: [], extensions: {}, none: true };
    result = await graphql(query, variables);
    if (!result.forbidden) return result;
  }
  return result;
}

/**
 * Tries the credential (or none: an open gateway needs no sign-in) with the one question the
 * console needs first: the configured sources, for their systems' names and look-ups. False
 * when the gateway wants a (different) credential.
 */
export async function probe() {
  try {
    const result = await graphql("query Sources { sources { name system entities { name by } } }");
    systems = new Map((result.data?.sources ?? []).map((s) => [s.name, s]));
    open = credential === null;
    return true;
  } catch (error) {
    if (error instanceof SignInNeeded) return false;
    throw error;
  }
}

export const sources = () => [...systems.values()];

/** The sources that serve any of ``entities`` (empty when the role may not list sources). */
export function servingSources(entities) {
  return sources()
    .filter((s) => s.entities.some((e) => entities.includes(e.name)))
    .map((s) => s.name);
}

/** "Service desk" for "service_desk", or the source's name when the role may not list them. */
export function systemOf(source) {
  return systems.get(source)?.system ?? source;
}
