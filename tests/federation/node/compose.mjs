// Composes a Federation 2 supergraph with Apollo's composition library.
// Usage: node compose.mjs NAME=URL[=SDL_FILE]... > supergraph.graphql
// Each subgraph's SDL is read from SDL_FILE when given (`c360 schema --federation > c360.graphql`
// for a c360 that requires credentials), else from its `_service { sdl }` at URL, the address
// the router will call. Composition errors go to stderr.
import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

async function served(name, url) {
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
  return sdl;
}

const subgraphs = [];
for (const argument of process.argv.slice(2)) {
  const [name, url, file] = argument.split('=');
  const sdl = file ? await readFile(file, 'utf8') : await served(name, url);
  subgraphs.push({ name, url, typeDefs: parse(sdl) });
}
const result = composeServices(subgraphs);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
