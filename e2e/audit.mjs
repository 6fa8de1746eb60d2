// The GraphQL-over-HTTP audit of `graphql-http` (auditServer) against a running server's POST /graphql.
//
//   node audit.mjs --url http://127.0.0.1:8000/graphql
//
// Prints every result (ok, notice, warn, error) with its reason; exits 1 on any error or warning,
// so the server must follow each MUST and each SHOULD the audit checks.
import { parseArgs } from 'node:util';
import { auditServer } from 'graphql-http';

const { values } = parseArgs({ options: { url: { type: 'string' } } });
if (!values.url) {
  console.error('usage: node audit.mjs --url <graphql endpoint>');
  process.exit(2);
}

const results = await auditServer({ url: values.url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  const reason = result.status === 'ok' ? '' : `: ${result.reason}`;
  console.log(`${result.status.toUpperCase().padEnd(6)} ${result.id} ${result.name}${reason}`);
}
console.log(`AUDIT ${counts.ok} ok, ${counts.notice} notices, ${counts.warn} warnings, ${counts.error} errors`);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
