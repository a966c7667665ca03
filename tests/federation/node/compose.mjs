// Composes a Federation 2 supergraph from running subgraphs with Apollo's composition library.
// Usage: node compose.mjs NAME=URL... > supergraph.graphql
// Each subgraph's SDL is read from its `_service { sdl }`; composition errors go to stderr.
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const subgraphs = [];
for (const argument of process.argv.slice(2)) {
  const [name, url] = argument.split(/=(.*)/s);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = await response.json();
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    console.error(`${name}: no _service.sdl at ${url}: ${JSON.stringify(body).slice(0, 300)}`);
    process.exit(2);
  }
  subgraphs.push({ name, url, typeDefs: parse(sdl) });
}
const result = composeServices(subgraphs);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
