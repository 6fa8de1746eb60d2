// Hive Gateway configuration, read from this directory by `hive-gateway supergraph <file>`.
// Port from HIVE_PORT; loopback only. Subscriptions reach Promise OMS (subgraph `oms`) over
// graphql-transport-ws, with the client's `Authorization` connection param; `authorization`,
// `x-request-id` and the W3C trace context (`traceparent`, `tracestate`) go to subgraphs with every
// HTTP request.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  host: '127.0.0.1',
  port: Number(process.env.HIVE_PORT ?? 4000),
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'x-request-id', 'traceparent', 'tracestate']) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
  transportEntries: {
    oms: {
      options: {
        subscriptions: {
          kind: 'ws',
          location: '/graphql',
          // A graphql-ws client's connectionParams reach Hive's context as headers; pass its token on
          // in our connection_init, so staff subscriptions work through the gateway (one upstream
          // connection per distinct token).
          options: { connectionParams: { Authorization: '{context.headers.Authorization}' } },
        },
      },
    },
  },
});
