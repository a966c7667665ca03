// The console's start and its routes: #/ (the search), #/customer/<id> (one customer). Only
// the customer id ever goes into the URL. A 401 anywhere returns to the sign-in form; what the
// agent was doing (the search box, its results, the page) is resumed after signing in again.

import { resetBanner } from "./banner.js";
import { byId, fill, focusHeading, showView } from "./dom.js";
import { forget, isOpen, probe, SignInNeeded, useCredential, who } from "./gateway.js";
import { showCustomer } from "./customer.js";
import { unfollow } from "./live.js";
import { keyboard, renderResults, search, state } from "./search.js";

const CUSTOMER = /^#\/customer\/(.+)$/;
let signedIn = false;

function signInView(notice = "") {
  unfollow();
  signedIn = false;
  byId("search").hidden = true;
  byId("who").hidden = true;
  resetBanner();
  fill(byId("sign-in-notice"), notice);
  fill(byId("sign-in-error"), "");
  showView("view-sign-in");
  byId("credential").focus();
}

/** Runs ``action``; a refused credential sends the agent to sign in, then runs it again. */
async function guarded(action) {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof SignInNeeded)) throw error;
    resume = action;
    signInView(`Your session has ended (${error.message}). Sign in again to carry on where you were.`);
  }
}
let resume = null;

function notFound(id, why) {
  fill(
    byId("not-found-text"),
    why && !why.startsWith("not a customer id")
      ? why
      : `No customer has the id “${id}”, or it is not one you may see.`,
  );
  showView("view-not-found");
  focusHeading("not-found-title");
}

async function route() {
  unfollow(); // the customer shown so far, if any, is no longer followed
  if (!signedIn) return;
  const match = CUSTOMER.exec(location.hash);
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      notFound(match[1]);
      return;
    }
    await showCustomer(id, notFound);
    return;
  }
  if (location.hash && location.hash !== "#/" && location.hash !== "#main") {
    fill(byId("not-found-text"), "There is no such page in the console.");
    showView("view-not-found");
    return;
  }
  resetBanner();
  renderResults();
  showView("view-search");
}

async function enter() {
  signedIn = true;
  byId("search").hidden = false;
  byId("who").hidden = false;
  byId("sign-out").hidden = isOpen();
  fill(byId("who-text"), `Signed in: ${who()}`);
  const action = resume;
  resume = null;
  if (action) await guarded(action);
  else await route();
  if (!CUSTOMER.test(location.hash)) byId("q").focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = byId("credential");
  useCredential(input.value);
  input.value = "";
  if (!(await probe())) {
    fill(byId("sign-in-error"), "The gateway refused this key or token.");
    input.focus();
    return;
  }
  await guarded(enter);
}

async function runSearch(event) {
  event.preventDefault();
  const term = byId("q").value.trim();
  const action = async () => {
    fill(byId("results-status"), "Searching…");
    unfollow();
    showView("view-search");
    if (location.hash && location.hash !== "#/") history.pushState(null, "", "#/");
    await search(term);
    renderResults();
  };
  await guarded(action);
}

function signOut() {
  forget();
  state.term = "";
  state.hits = [];
  state.searched = false;
  byId("q").value = "";
  fill(byId("panels"));
  fill(byId("results"));
  resume = null;
  history.replaceState(null, "", "#/");
  signInView("You have signed out.");
}

async function start() {
  byId("sign-in-form").addEventListener("submit", signIn);
  byId("search").addEventListener("submit", runSearch);
  byId("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", () => guarded(route));
  keyboard(byId("q"));
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? "");
    if (event.key === "/" && !typing && signedIn) {
      event.preventDefault();
      byId("q").focus();
      byId("q").select();
    }
  });
  if (await probe()) await guarded(enter);
  else signInView();
}

start();
