// Redis going away and coming back, and garbage on the channels: clients
// stay connected, local delivery goes on, nothing crosses twice or out of
// order, the servers reconnect on their own; bad messages are dropped
// with one log line each.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient } from "redis";
import { ack, client, events, sleep, startChat, startRedis, until, within } from "./lib.mjs";

let redis, a, b;
const clients = [];
const mk = async (srv, name, tr) => {
  const c = await client(srv.base, name, tr);
  c.drops = 0;
  c.on("disconnect", () => c.drops++);
  clients.push(c);
  return c;
};
const texts = (c, from) => events(c, "said").filter((e) => e[1] === from).map((e) => e[3]);

before(async () => {
  redis = await startRedis();
  // b names Redis by host name: resolved once, then reconnections after
  // the restart below use the address without a lookup.
  const byName = { url: redis.url.replace("127.0.0.1", "localhost") };
  [a, b] = await Promise.all([startChat(redis), startChat(byName)]);
});
after(async () => {
  for (const c of clients) c.disconnect();
  const st = await Promise.all([a?.stop(), b?.stop()]);
  await redis?.close();
  // A clean exit (under the sanitizers: no leak, no report).
  for (const x of st.slice(0, 2)) assert.equal(x?.code, 0, JSON.stringify(x));
});

test("a Redis restart closes no client; says cross at most once, in order", async () => {
  const x = await mk(a, "x");
  const y = await mk(b, "y", ["polling"]);
  assert.equal(await ack(x, "join", "o"), 1);
  assert.equal(await ack(y, "join", "o"), 2);
  await ack(x, "say", "o", "before");
  await until(() => texts(y, "x").length === 1, 8000, "y gets before");
  await redis.stop();
  const sent = ["before"];
  for (let i = 0; i < 5; i++) {
    const t = `down${i}`;
    assert.equal(await ack(x, "say", "o", t), true, "says are accepted");
    sent.push(t);
  }
  // Local delivery goes on; a join's ack comes (counting what it can).
  await until(() => texts(x, "x").length === 6, 8000, "x hears its own says");
  const z = await mk(a, "z");
  const t0 = Date.now();
  assert.equal(await within(z.emitWithAck("join", "o"), 6000, "join ack during outage"), 2);
  assert.ok(Date.now() - t0 < 6000);
  await sleep(300);
  await redis.start();
  // Until the cluster is back: one probe say at a time.
  let k = 0;
  const deadline = Date.now() + 20000;
  while (!texts(y, "x").some((t) => t.startsWith("probe")) && Date.now() < deadline) {
    const t = `probe${k++}`;
    await ack(x, "say", "o", t);
    sent.push(t);
    await sleep(250);
  }
  assert.ok(texts(y, "x").some((t) => t.startsWith("probe")), "reconnected within 20 s");
  for (let i = 0; i < 10; i++) {
    await ack(x, "say", "o", `up${i}`);
    sent.push(`up${i}`);
  }
  await until(() => texts(y, "x").filter((t) => t.startsWith("up")).length === 10, 8000, "after");
  await sleep(300);
  const got = texts(y, "x");
  assert.equal(new Set(got).size, got.length, "none twice");
  let j = 0;
  for (const t of got) {
    while (j < sent.length && sent[j] !== t) j++;
    assert.ok(j < sent.length, `in order: ${got.join(",")}`);
  }
  assert.deepEqual(texts(x, "x"), sent, "the sender's own server delivered all");
  assert.equal(x.drops + y.drops + z.drops, 0, "no client was disconnected");
  assert.ok(x.connected && y.connected && z.connected);
  assert.match(a.stderr(), /redis: connection lost/);
});

test("garbage on the channels is dropped with one log line; the cluster keeps working", async () => {
  const pub = createClient({ url: redis.url });
  await pub.connect();
  const x = await mk(a, "gx");
  const y = await mk(b, "gy");
  await ack(x, "join", "gr");
  await ack(y, "join", "gr");
  const lines = (s) => s.stderr().split("\n").filter((l) => l.includes("redis: channel")).length;
  const [la, lb] = [lines(a), lines(b)];
  const garbage = [
    ["socket.io#/#", Buffer.from([0xc1, 0xff, 0x00])], // not msgpack
    ["socket.io#/#", Buffer.from([0x93, 0x01, 0x02, 0x03])], // wrong types
    ["socket.io#/#", Buffer.from([0xd4, 0x00, 0x00])], // an ext value
    ["socket.io#/#", Buffer.alloc(9 << 20, 0x41)], // over the size limit
    ["socket.io-request#/#", Buffer.from("{not json")],
    ["socket.io-request#/#", Buffer.from('{"type":"x"}')],
    ["socket.io-request#/#", Buffer.from('{"type":99}')],
  ];
  for (const [ch, m] of garbage) await pub.publish(ch, m);
  await until(() => lines(a) - la >= garbage.length && lines(b) - lb >= garbage.length,
    8000, "one log line per bad message");
  await sleep(300);
  assert.equal(lines(a) - la, garbage.length);
  assert.equal(lines(b) - lb, garbage.length);
  assert.ok(a.alive() && b.alive());
  await ack(x, "say", "gr", "still here");
  await until(() => texts(y, "gx").length === 1, 8000, "cluster still works");
  await pub.quit();
});

test("a server started while Redis is down serves its clients and joins the cluster later", async () => {
  await redis.stop();
  const late = await startChat(redis);
  try {
    const x = await mk(late, "late-x");
    assert.equal(await ack(x, "join", "late"), 1);
    assert.equal(await ack(x, "say", "late", "alone"), true);
    await until(() => texts(x, "late-x").length === 1, 8000, "local delivery");
    assert.match(late.stderr(), /redis: cannot connect/);
    await redis.start();
    const y = await mk(b, "late-y");
    await ack(y, "join", "late");
    const deadline = Date.now() + 20000;
    let k = 0;
    while (!texts(y, "late-x").length && Date.now() < deadline) {
      await ack(x, "say", "late", `try${k++}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(texts(y, "late-x").length > 0, "the late server joined the cluster");
    assert.equal(x.drops, 0);
  } finally {
    const st = await late.stop();
    assert.equal(st.code, 0);
  }
});

test("a password in the URL (AUTH); a wrong one is logged and retried, local service goes on", async () => {
  const locked = await startRedis(["--requirepass", "s3cret"]);
  const url = (auth) => ({ url: `redis://${auth}@127.0.0.1:${locked.port}` });
  const [p, q, wrong] = await Promise.all([
    startChat(url(":s3cret")),
    startChat(url("default:s3cret")), // Redis 6 ACL form: USER:PASS
    startChat(url(":nope")),
  ]);
  try {
    const x = await mk(p, "ax");
    const y = await mk(q, "ay");
    const z = await mk(wrong, "az");
    await ack(x, "join", "locked");
    assert.equal(await ack(y, "join", "locked"), 2);
    await ack(x, "say", "locked", "through AUTH");
    await until(() => texts(y, "ax").length === 1, 8000, "say through an AUTH'd Redis");
    assert.equal(await ack(z, "join", "locked"), 1, "the refused server counts its own");
    assert.equal(texts(z, "ax").length, 0);
    assert.match(wrong.stderr(), /redis: AUTH refused/);
    assert.ok(wrong.alive());
  } finally {
    const st = await Promise.all([p.stop(), q.stop(), wrong.stop()]);
    await locked.close();
    for (const x of st) assert.equal(x.code, 0);
  }
});
