// Compose a supergraph with both federation composers; any composition error fails the run.
//
//   node compose.mjs --subgraph oms=http://127.0.0.1:8000/graphql --subgraph catalog=catalog.graphql \
//        --out supergraph.graphql [--report composition.json]
//
// A subgraph source is a running subgraph's URL (its `_service { sdl }` is fetched) or an SDL file.
// The supergraph written is Apollo's; the Guild's composer must agree that the same subgraphs compose.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'graphql';
import { composeServices as apolloCompose } from '@apollo/composition';
import { composeServices as guildCompose } from '@theguild/federation-composition';

const { values } = parseArgs({
  options: {
    subgraph: { type: 'string', multiple: true },
    out: { type: 'string' },
    report: { type: 'string' },
    'url-of': { type: 'string', multiple: true },
  },
});

/** Fetch a subgraph's SDL from `_service`, or read it from a file. */
async function loadSdl(source) {
  if (!/^https?:\/\//.test(source)) return readFileSync(source, 'utf8');
  const response = await fetch(source, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.json();
  if (!body.data?.['_service']) throw new Error(`${source}: no _service: ${JSON.stringify(body.errors)}`);
  return body.data._service.sdl;
}

/**
 * An exported schema file (`oms export-schema`) also prints the federation plumbing the
 * subgraph library adds (`_entities`, `_service`, `_Any`, `_Entity`, `_Service`); a gateway
 * never sees those in `_service { sdl }`, so they are left out before composing.
 */
function withoutFederationPlumbing(sdl) {
  const doc = parse(sdl);
  const plumbing = new Set(['_Any', '_Entity', '_Service']);
  const definitions = doc.definitions
    .filter((d) => !(d.name && plumbing.has(d.name.value)))
    .map((d) =>
      d.name?.value === 'Query' && d.fields
        ? { ...d, fields: d.fields.filter((f) => !['_entities', '_service'].includes(f.name.value)) }
        : d,
    );
  return { ...doc, definitions };
}

const subgraphs = [];
const urls = Object.fromEntries((values['url-of'] ?? []).map((x) => x.split(/=(.*)/s).slice(0, 2)));
for (const spec of values.subgraph ?? []) {
  const [name, source] = spec.split(/=(.*)/s);
  const sdl = await loadSdl(source);
  const url = /^https?:\/\//.test(source) ? source : urls[name] ?? `http://${name}.invalid/graphql`;
  subgraphs.push({ name, url, typeDefs: withoutFederationPlumbing(sdl) });
}
if (subgraphs.length < 2) {
  console.error('compose.mjs: give at least two --subgraph name=url-or-file');
  process.exit(2);
}

const simple = (list) => (list ?? []).map((x) => ({ code: x.extensions?.code ?? x.definition?.code ?? x.code ?? null, message: x.message ?? x.toString() }));

const apollo = apolloCompose(subgraphs);
const guild = guildCompose(subgraphs);
const report = {
  subgraphs: subgraphs.map((s) => ({ name: s.name, url: s.url })),
  apollo: { errors: simple(apollo.errors), hints: simple(apollo.hints) },
  guild: { errors: simple(guild.errors), hints: simple(guild.hints) },
};
if (values.report) writeFileSync(values.report, JSON.stringify(report, null, 2) + '\n');
for (const tool of ['apollo', 'guild']) {
  for (const e of report[tool].errors) console.error(`${tool} composition error [${e.code}]: ${e.message}`);
  for (const h of report[tool].hints) console.error(`${tool} composition hint [${h.code}]: ${h.message}`);
}
if (report.apollo.errors.length || report.guild.errors.length) process.exit(1);
if (values.out) writeFileSync(values.out, apollo.supergraphSdl);
console.log(
  `composed ${subgraphs.map((s) => s.name).join(' + ')}: apollo ${report.apollo.hints.length} hints, ` +
    `guild ${report.guild.hints.length} hints${values.out ? `; wrote ${values.out}` : ''}`,
);
