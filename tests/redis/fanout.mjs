// Cross-process fanout measurement (not part of make test): P servers
// (sioc chat or Node socket.io with the Redis adapter) share one Redis;
// C clients spread over them join one room; one client says M messages
// (each acked before the next) and the time until every client has every
// message is measured. Prints one RESULT line.
//   node tests/redis/fanout.mjs sioc|node P C M
import { client, startChat, startNode, startRedis, ack } from "./lib.mjs";

const [kind = "sioc", P = "2", C = "200", M = "200"] = process.argv.slice(2);
const redis = await startRedis();
const servers = [];
for (let i = 0; i < Number(P); i++)
  servers.push(kind === "node" ? await startNode(redis) : await startChat(redis));
const clients = [];
for (let i = 0; i < Number(C); i++) {
  const c = await client(servers[i % servers.length].base, `c${i}`);
  c.n = 0;
  c.on("said", () => c.n++);
  await ack(c, "join", "f");
  clients.push(c);
}
const t0 = process.hrtime.bigint();
for (let i = 0; i < Number(M); i++) await ack(clients[0], "say", "f", `m${i}`);
const want = Number(M);
const end = Date.now() + 60000;
while (clients.some((c) => c.n < want) && Date.now() < end)
  await new Promise((r) => setTimeout(r, 5));
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const got = clients.reduce((s, c) => s + c.n, 0);
console.log(`RESULT kind=${kind} processes=${P} clients=${C} messages=${M} ` +
  `delivered=${got}/${want * Number(C)} ms=${ms.toFixed(0)} ` +
  `deliveries_per_s=${Math.round((got / ms) * 1000)}`);
for (const c of clients) c.disconnect();
for (const s of servers) await s.stop();
await redis.close();
process.exit(0);
