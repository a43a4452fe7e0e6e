// Rooms and broadcasts shared by sioc chat servers and a Node socket.io
// server through one Redis, both ways, WebSocket and polling.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ack, client, events, startChat, startNode, startRedis, until } from "./lib.mjs";

let redis, a, b, node;
const clients = [];
const mk = async (srv, name, tr) => {
  const c = await client(srv.base, name, tr);
  clients.push(c);
  return c;
};

before(async () => {
  redis = await startRedis();
  [a, b, node] = await Promise.all([startChat(redis), startChat(redis), startNode(redis)]);
});
after(async () => {
  for (const c of clients) c.disconnect();
  const st = await Promise.all([a?.stop(), b?.stop(), node?.stop()]);
  await redis?.close();
  // A clean exit (under the sanitizers: no leak, no report).
  for (const x of st.slice(0, 2)) assert.equal(x?.code, 0, JSON.stringify(x));
});

test("join counts members on every server; joined and said reach each member once", async () => {
  const x = await mk(a, "x");
  const y = await mk(b, "y", ["polling"]);
  const z = await mk(node, "z");
  assert.equal(await ack(x, "join", "r1"), 1);
  assert.equal(await ack(y, "join", "r1"), 2);
  await until(() => events(x, "joined").length === 1, 8000, "x hears y join");
  assert.deepEqual(events(x, "joined")[0], ["joined", "y", "r1"]);
  assert.equal(await ack(z, "join", "r1"), 3);
  // Node's fetchSockets sees sioc's sockets with the chat's socket.data.
  const fetched = await node.cmd("fetch", { room: "r1" });
  assert.deepEqual(fetched.map((s) => s.data.name).sort(), ["x", "y", "z"]);
  await until(() => events(y, "joined").length === 1, 8000, "y hears z join");
  for (let i = 0; i < 20; i++) await ack(x, "say", "r1", `m${i}`);
  await ack(z, "say", "r1", "from node");
  const want = [...Array(20).keys()].map((i) => `m${i}`);
  for (const c of [x, y, z]) {
    await until(() => events(c, "said").length === 21, 8000, `said at ${c.auth.name}`);
    await new Promise((r) => setTimeout(r, 200));
    const said = events(c, "said");
    assert.equal(said.length, 21, "each said exactly once");
    assert.deepEqual(said.filter((e) => e[1] === "x").map((e) => e[3]), want, "in order");
  }
});

test("a sid on another server is an invalid room; leave counts every server", async () => {
  const p = await mk(a, "p");
  const q = await mk(b, "q");
  await assert.rejects(
    (async () => {
      const r = await ack(p, "join", q.id);
      if (r && r.error) throw new Error(r.error);
    })(),
    /invalid room/,
  );
  assert.equal(await ack(p, "join", "r2"), 1);
  assert.equal(await ack(q, "join", "r2"), 2);
  assert.equal(await ack(q, "leave", "r2"), 1);
  await until(() => events(p, "left").length === 1, 8000, "p hears q leave");
});

test("binary uploads cross servers as attachments", async () => {
  const u = await mk(a, "u");
  const v = await mk(b, "v", ["polling"]);
  const w = await mk(node, "w");
  await ack(u, "join", "bin");
  await ack(v, "join", "bin");
  await ack(w, "join", "bin");
  const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
  assert.equal(await ack(u, "upload", "bin", "f.bin", bytes), bytes.length);
  for (const c of [v, w]) {
    await until(() => events(c, "file").length === 1, 8000, "file");
    const f = events(c, "file")[0];
    assert.deepEqual(f.slice(1, 4), ["u", "bin", "f.bin"]);
    assert.deepEqual(Buffer.from(f[4]), bytes);
  }
  await node.cmd("emitBinary", { to: "bin", event: "blob" });
  await until(() => events(u, "blob").length === 1, 8000, "node's binary at sioc");
  assert.deepEqual(Buffer.from(events(u, "blob")[0][1]), Buffer.from([1, 2, 3, 255]));
});

test("SIGTERM disconnects only the process's own sockets; the others hear them leave", async () => {
  const extra = await startChat(redis);
  const mine = await client(extra.base, "mine");
  const other = await mk(b, "other");
  await ack(mine, "join", "t");
  await ack(other, "join", "t");
  const gone = new Promise((r) => mine.once("disconnect", r));
  const st = await extra.stop();
  assert.equal(st.code, 0);
  await gone;
  await until(() => events(other, "left").some((e) => e[1] === "mine"), 8000, "left from the stopped server");
  assert.ok(other.connected, "another server's socket stays");
  assert.equal(await ack(other, "say", "t", "alone"), true);
});
