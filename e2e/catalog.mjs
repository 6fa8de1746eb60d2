// The catalog subgraph of the e2e suite: owns Product { sku name price } for the demo SKUs.
//
//   node catalog.mjs [--port 0] [--skus 5000]
//
// Prints one line `READY <url>` on stdout once listening (port 0: the OS picks a free one).
// Names and prices are made from the SKU number, so any SKU-00001..SKU-<n> of `oms seed --demo` exists.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, skus: { type: 'string', default: '5000' } },
});
const count = Number(values.skus);
const ADJECTIVES = ['Classic', 'Everyday', 'Trail', 'Urban', 'Cozy', 'Bright', 'Summit', 'Harbor'];
const NOUNS = ['Tee', 'Runner', 'Lamp', 'Tent', 'Speaker', 'Mug', 'Jacket', 'Backpack', 'Throw', 'Sandal'];

/** The catalog's product for a SKU, or null when the SKU is not in the catalog. */
function product(sku) {
  const match = /^SKU-(\d{5})$/.exec(sku);
  const n = match ? Number(match[1]) : 0;
  if (n < 1 || n > count) return null;
  const name = `${ADJECTIVES[n % ADJECTIVES.length]} ${NOUNS[(n * 7) % NOUNS.length]} ${n}`;
  return { sku, name, price: 5 + ((n * 37) % 200) + 0.99 };
}

const sku = (n) => `SKU-${String(n).padStart(5, '0')}`;
const resolvers = {
  Query: {
    products: (_, { first, offset }) => {
      const from = Math.max(0, offset);
      const to = Math.min(count, from + Math.max(0, Math.min(first, 100)));
      const items = [];
      for (let n = from + 1; n <= to; n++) items.push(product(sku(n)));
      return { items, total: count };
    },
    product: (_, { sku }) => product(sku),
    catalogProducts: (_, { skus }) => skus.map(product),
  },
  Product: { __resolveReference: (ref) => product(ref.sku) },
};

const typeDefs = parse(readFileSync(new URL('./catalog.graphql', import.meta.url), 'utf8'));
const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url } = await startStandaloneServer(server, { listen: { port: Number(values.port), host: '127.0.0.1' } });
console.log(`READY ${url}`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.stop().finally(() => process.exit(0)));
