// Apollo Client with its PersistedQueryLink, as a front-end app sets it up, against c360.
//   node tests/gateway/apollo/persisted.mjs <graphql-url> <crm-key>
// Asks one customer query twice, each time as a fresh client would (no client-side cache):
// prints each answer's data as one JSON line.
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, key] = process.argv.slice(2);
const QUERY = gql`
  query Customer($key: String!) {
    customer(sourceKey: { source: "crm", key: $key }) {
      id
      email
    }
  }
`;

function client() {
  const persisted = new PersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
    useGETForHashedQueries: true,
  });
  return new ApolloClient({
    link: persisted.concat(new HttpLink({ uri: url })),
    cache: new InMemoryCache(),
  });
}

for (let round = 0; round < 2; round += 1) {
  const { data } = await client().query({
    query: QUERY,
    variables: { key },
    fetchPolicy: "network-only",
  });
  console.log(JSON.stringify(data));
}
