// Runs one SPARQL query with Comunica over a Hydra-paged DCAT feed (a hypermedia source: Comunica follows
// hydra:next from page to page) and prints the bindings as JSON: [{variable: value, ...}, ...].
// usage: node comunica_feed.mjs FEED_URL QUERY
import { QueryEngine } from '@comunica/query-sparql';

const [feed, query] = process.argv.slice(2);
const engine = new QueryEngine();
const bindings = await (await engine.queryBindings(query, { sources: [feed], lenient: false })).toArray();
process.stdout.write(JSON.stringify(bindings.map((b) => Object.fromEntries([...b].map(([v, t]) => [v.value, t.value])))));
