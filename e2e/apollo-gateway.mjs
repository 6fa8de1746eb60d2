// Apollo Gateway (with Apollo Server) on a composed supergraph.
//
//   node apollo-gateway.mjs --supergraph supergraph.graphql [--port 0]
//
// Prints `READY <url>` once listening. The client's `authorization` (placeOrder needs a staff
// token) and `x-request-id` (so the subgraph can attribute its SQL statements to one gateway
// request) are forwarded to every subgraph fetch, with the W3C trace context (`traceparent`,
// `tracestate`) so the subgraph's spans join the client's trace. Apollo Gateway runs queries and mutations,
// not subscriptions.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';

const { values } = parseArgs({
  options: { supergraph: { type: 'string' }, port: { type: 'string', default: '0' } },
});
const FORWARDED = ['authorization', 'x-request-id', 'traceparent', 'tracestate'];

class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    for (const name of FORWARDED) {
      const value = context.headers?.[name];
      if (value) request.http.headers.set(name, value);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(values.supergraph, 'utf8'),
  buildService: ({ url }) => new ForwardingDataSource({ url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(values.port), host: '127.0.0.1' },
  context: async ({ req }) => ({ headers: req.headers }),
});
console.log(`READY ${url}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.stop().finally(() => process.exit(0)));
