// A real graphql-ws client: one subscription, events printed as JSON lines.
//
//   node subscribe.mjs --url ws://127.0.0.1:8000/graphql --query 'subscription { ... }' \
//        [--variables '{"orderId": "..."}'] [--token T] [--count 1] [--timeout 60]
//
// Prints `CONNECTED` once the server acknowledged the connection, then `{"next": payload}` per
// event; exits 0 after --count events, 1 on an error, 2 when --timeout seconds pass first.
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    query: { type: 'string' },
    variables: { type: 'string', default: '{}' },
    token: { type: 'string' },
    count: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '60' },
  },
});
const print = (line) => process.stdout.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);

const client = createClient({
  url: values.url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  connectionParams: values.token ? { Authorization: `Bearer ${values.token}` } : {},
  on: { connected: () => print('CONNECTED') },
});
const timer = setTimeout(() => {
  print({ error: `no ${values.count} events in ${values.timeout} s` });
  process.exit(2);
}, Number(values.timeout) * 1000);

let seen = 0;
try {
  const events = client.iterate({ query: values.query, variables: JSON.parse(values.variables) });
  for await (const payload of events) {
    print({ next: payload });
    if (++seen >= Number(values.count)) break;
  }
} catch (error) {
  print({ error: error instanceof Error ? error.message : error?.reason || String(error) });
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await client.dispose();
}
