// Connection state recovery in a cluster: two chat servers with
// --recovery and --redis. A client whose transport dies comes back to its
// own server (sticky sessions) and gets what was said meanwhile on the
// other server, once each and in order: every server keeps and numbers
// what its own sockets are sent, offsets never cross between servers.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { io } from "socket.io-client";
import { ack, client, events, sleep, startChat, startRedis, until, within } from "./lib.mjs";

let redis, a, b;
const clients = [];

before(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([
    startChat(redis, ["--recovery", "5"]),
    startChat(redis, ["--recovery", "5"]),
  ]);
});
after(async () => {
  for (const c of clients) c.disconnect();
  const st = await Promise.all([a?.stop(), b?.stop()]);
  await redis?.close();
  for (const x of st) assert.equal(x?.code, 0, JSON.stringify(x));
});

const texts = (c) => events(c, "said").map((e) => e[3]);

for (const transports of [["websocket"], ["polling"]]) {
  test(`over ${transports[0]}: what the other server said while the transport was down`, { timeout: 40000 }, async () => {
    const x = await client(a.base, "x");
    clients.push(x);
    const y = io(b.base, {
      auth: { name: "y" },
      transports,
      forceNew: true,
      reconnectionDelay: 1000,
      randomizationFactor: 0,
    });
    clients.push(y);
    y.got = [];
    y.onAny((ev, ...args) => y.got.push([ev, ...args]));
    await within(new Promise((r) => y.once("connect", r)), 8000, "y connects");
    const room = `r-${transports[0]}`;
    assert.equal(await ack(y, "join", room), 1);
    assert.equal(await ack(x, "join", room), 2);
    await ack(x, "say", room, "before");
    await until(() => texts(y).includes("before"), 8000, "y hears before");
    const id = y.id;
    // the server of y sees the transport close, without a goodbye
    const t = y.io.engine.transport;
    if (t.name === "websocket") t.ws._socket.destroy();
    else y.io.engine.close();
    await until(() => !y.connected, 5000, "y drops");
    for (const m of ["m1", "m2", "m3"]) await ack(x, "say", room, m);
    await within(new Promise((r) => y.once("connect", r)), 10000, "y reconnects");
    assert.equal(y.recovered, true, "recovered on its own server");
    assert.equal(y.id, id);
    await sleep(300);
    assert.deepEqual(texts(y), ["before", "m1", "m2", "m3"], JSON.stringify(y.got));
    await ack(x, "say", room, "after");
    await until(() => texts(y).length === 5, 8000, "y hears after");
    assert.deepEqual(texts(y), ["before", "m1", "m2", "m3", "after"]);
    // what x was sent carries a's offsets, never b's: still a plain say
    assert.deepEqual(events(x, "said").map((e) => e[3]).slice(0, 1), ["before"]);
    y.disconnect();
    x.disconnect();
  });
}
