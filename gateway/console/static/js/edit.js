// The "edit contact" action: a new email or phone told once, written by the gateway to every
// system holding one; what each system did is listed (written, queued, failed with its own
// message, conflict, not writable). Each submission carries its own idempotency key, so a
// double click or a retried request never writes twice.

import { h, fill } from "./dom.js";
import { graphql, systemOf } from "./gateway.js";

const UPDATE = `mutation EditContact($id: ID!, $email: String, $phone: String, $key: String) {
  updateContact(customerId: $id, email: $email, phone: $phone, idempotencyKey: $key) {
    replayed systems { source record status code message } } }`;

const OUTCOME = {
  WRITTEN: "Written",
  QUEUED: "Queued: the system did not answer; the gateway keeps trying",
  FAILED: "Refused by the system",
  CONFLICT: "Not written: changed in the system since it was read (its value is kept)",
  NOT_WRITABLE: "Not writable there",
  CANCELLED: "Cancelled",
};

function field(id, label, type, help) {
  return [
    h("label", { for: id }, label),
    h("input", { id, name: id, type, autocomplete: "off", spellcheck: "false", "aria-describedby": `${id}-help` }),
    h("p", { id: `${id}-help`, class: "help" }, help),
  ];
}

function outcomes(systems) {
  if (systems.length === 0) return h("p", {}, "No linked record holds these details.");
  return h(
    "table",
    { class: "outcomes" },
    h("caption", {}, "What each system did"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "System"), h("th", { scope: "col" }, "Record"), h("th", { scope: "col" }, "Outcome"))),
    h(
      "tbody",
      {},
      systems.map((s) =>
        h(
          "tr",
          { "data-source": s.source, "data-status": s.status.toLowerCase() },
          h("td", {}, systemOf(s.source)),
          h("td", {}, s.record),
          h("td", {}, OUTCOME[s.status] ?? s.status, s.message ? `: ${s.message}` : ""),
        ),
      ),
    ),
  );
}

/** The edit form for the customer ``currentId()`` returns; ``written`` runs after a change. */
export function editContact(currentId, written) {
  const result = h("div", { class: "edit-result", role: "status" });
  const submit = h("button", { type: "submit" }, "Save to every system");
  const form = h(
    "form",
    { class: "edit-contact", "aria-label": "Edit contact" },
    field("edit-email", "New email", "email", "Leave empty to keep the current one."),
    field("edit-phone", "New phone", "tel", "Any format: each system gets it in its own."),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.elements["edit-email"].value.trim();
    const phone = form.elements["edit-phone"].value.trim();
    if (!email && !phone) {
      fill(result, h("p", { class: "error" }, "Give a new email or a new phone."));
      return;
    }
    submit.disabled = true;
    fill(result, "Saving…");
    const variables = { id: currentId(), email: email || null, phone: phone || null, key: crypto.randomUUID() };
    const answer = await graphql(UPDATE, variables);
    submit.disabled = false;
    const edit = answer.data?.updateContact;
    if (!edit) {
      const error = answer.errors[0];
      const why = error?.extensions?.code === "FORBIDDEN" ? "Your role may not change contact details." : (error?.message ?? "The gateway did not answer.");
      fill(result, h("p", { class: "error" }, why));
      return;
    }
    fill(result, outcomes(edit.systems));
    if (edit.systems.some((s) => s.status === "WRITTEN")) written();
  });
  return h("details", { class: "edit" }, h("summary", {}, "Edit contact"), form, result);
}
