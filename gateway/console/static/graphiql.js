// GraphiQL on this gateway's /graphql. Headers typed in the headers pane (an X-API-Key or an
// Authorization: Bearer token) and the query history live in memory only: nothing is written
// to the browser's storage, so a credential or a customer's email never outlives the tab.
"use strict";

(function () {
  const memory = new Map();
  const storage = {
    getItem: (key) => (memory.has(key) ? memory.get(key) : null),
    setItem: (key, value) => memory.set(key, String(value)),
    removeItem: (key) => memory.delete(key),
    clear: () => memory.clear(),
    get length() {
      return memory.size;
    },
  };

  const url = new URL("graphql", document.baseURI).pathname;
  const fetcher = GraphiQL.createFetcher({ url });
  const example = [
    "# The systems this gateway reads (Ctrl-Enter runs the query).",
    "# Security on? Headers below: {\"X-API-Key\": \"c360_...\"}",
    "{",
    "  sources {",
    "    name",
    "    system",
    "    kind",
    "  }",
    "}",
    "",
  ].join("\n");

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      storage,
      defaultQuery: example,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
