// Runs one SPARQL query with Comunica against a SPARQL endpoint and prints the answer as JSON:
// SELECT: [{variable: value, ...}, ...]; ASK: true/false; CONSTRUCT/DESCRIBE: [[s, p, o], ...].
// usage: node comunica_query.mjs ENDPOINT QUERY [BEARER_TOKEN]
import { QueryEngine } from '@comunica/query-sparql';

const [endpoint, query, token] = process.argv.slice(2);
const engine = new QueryEngine();
const context = { sources: [{ type: 'sparql', value: endpoint }] };
if (token) {
  context.fetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}
const result = await engine.query(query, context);
let answer;
if (result.resultType === 'bindings') {
  const bindings = await (await result.execute()).toArray();
  answer = bindings.map((b) => Object.fromEntries([...b].map(([v, term]) => [v.value, term.value])));
} else if (result.resultType === 'boolean') {
  answer = await result.execute();
} else {
  const quads = await (await result.execute()).toArray();
  answer = quads.map((q) => [q.subject.value, q.predicate.value, q.object.value]);
}
process.stdout.write(JSON.stringify(answer));
