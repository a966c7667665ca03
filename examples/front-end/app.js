// A customer look-up from a page of another origin than c360's: plain fetch, no build step.
//
// Each query goes by its SHA-256 alone over GET (automatic persisted queries): the first time,
// c360 answers PERSISTED_QUERY_NOT_FOUND and the page sends the text once, over POST, which
// registers it. GET answers carry Cache-Control and an ETag, so the browser's own HTTP cache
// keeps them as long as c360 says and asks again with If-None-Match after that.

const QUERY = `query Customer($email: String, $sourceKey: SourceKeyInput) {
  customer(email: $email, sourceKey: $sourceKey) {
    id name { full } email phone
    orders(first: 1) { totalCount }
    tickets(status: OPEN) { number }
    identities { source }
  }
}`;

const form = document.getElementById("lookup");
const status = document.getElementById("status");
const endpoint = document.getElementById("endpoint");
endpoint.value =
  new URLSearchParams(location.search).get("endpoint") || "http://127.0.0.1:8000/graphql";

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function headers(key, extra = {}) {
  return key ? { "X-API-Key": key, ...extra } : extra;
}

// Runs `query`, by hash first; resolves to the answer's JSON and how it went.
async function run(url, key, query, variables) {
  const extensions = { persistedQuery: { version: 1, sha256Hash: await sha256(query) } };
  const params = new URLSearchParams({
    variables: JSON.stringify(variables),
    extensions: JSON.stringify(extensions),
  });
  const byHash = await fetch(`${url}?${params}`, { headers: headers(key) });
  const answer = await byHash.json();
  const missing = (answer.errors || []).some(
    (e) => e.extensions && e.extensions.code === "PERSISTED_QUERY_NOT_FOUND",
  );
  if (!missing) {
    return { answer, how: `sent by hash over GET; Cache-Control: ${byHash.headers.get("Cache-Control")}` };
  }
  const withText = await fetch(url, {
    method: "POST",
    headers: headers(key, { "Content-Type": "application/json" }),
    body: JSON.stringify({ query, variables, extensions }),
  });
  return { answer: await withText.json(), how: "sent with its text over POST, which registered it" };
}

function show(customer) {
  const section = document.getElementById("customer");
  const text = (id, value) => {
    document.getElementById(id).textContent = value ?? "—";
  };
  text("customer-name", customer.name ? customer.name.full : customer.id);
  text("customer-email", customer.email);
  text("customer-phone", customer.phone);
  text("customer-orders", customer.orders ? String(customer.orders.totalCount) : null);
  text("customer-tickets", customer.tickets ? String(customer.tickets.length) : null);
  const sources = new Set(customer.identities.map((i) => i.source));
  text("customer-sources", [...sources].sort().join(", "));
  section.hidden = false;
}

function problem(message) {
  status.textContent = message;
  status.classList.add("problem");
  document.getElementById("customer").hidden = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const who = form.who.value.trim();
  const variables = who.includes("@")
    ? { email: who }
    : { sourceKey: { source: "crm", key: who } };
  status.classList.remove("problem");
  status.textContent = "Asking c360…";
  let result;
  try {
    result = await run(endpoint.value, form.key.value, QUERY, variables);
  } catch (error) {
    // fetch rejects when the browser withholds the answer: c360 did not allow this origin
    problem(`c360 could not be read from ${location.origin}: is it in server.cors.origins?`);
    return;
  }
  const { answer, how } = result;
  if (answer.errors) {
    problem(answer.errors.map((e) => e.message).join("; "));
    return;
  }
  if (!answer.data.customer) {
    problem(`No customer is known by ${who}.`);
    return;
  }
  status.textContent = `Found (${how}).`;
  show(answer.data.customer);
});
