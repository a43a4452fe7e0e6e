// The cluster operations across sioc (the probe server, sio_redis.h) and
// Node socket.io servers (@socket.io/redis-adapter), and the emitter
// (@socket.io/redis-emitter) acting on sioc's sockets.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import { ack, client, events, sleep, startNode, startProbe, startRedis, until, within } from "./lib.mjs";

let redis, p1, p2, node, emitterClient, emitter;
const clients = [];
const mk = async (srv, name, tr) => {
  const c = await client(srv.base, name, tr);
  clients.push(c);
  return c;
};
// Runs an operation on a probe server (through one of its clients).
const op = async (c, o) => within(c.emitWithAck("op", o), 15000, `op ${o.op}`);

before(async () => {
  redis = await startRedis();
  [p1, p2, node] = await Promise.all([startProbe(redis), startProbe(redis), startNode(redis)]);
  emitterClient = createClient({ url: redis.url });
  await emitterClient.connect();
  emitter = new Emitter(emitterClient);
  await sleep(300); // subscriptions settle
});
after(async () => {
  for (const c of clients) c.disconnect();
  await emitterClient?.quit();
  const st = await Promise.all([p1?.stop(), p2?.stop(), node?.stop()]);
  await redis?.close();
  // A clean exit (under the sanitizers: no leak, no report).
  for (const x of st.slice(0, 2)) assert.equal(x?.code, 0, JSON.stringify(x));
});

test("server count and fetchSockets cover every server, from sioc and from Node", async () => {
  const a = await mk(p1, "a");
  const b = await mk(p2, "b", ["polling"]);
  const n = await mk(node, "n");
  await ack(a, "join", "f");
  await ack(b, "join", "f");
  await ack(n, "join", "f");
  const count = await op(a, { op: "count" });
  assert.deepEqual(count, { status: 0, result: 3 });
  const f = await op(a, { op: "fetch", to: "f" });
  assert.equal(f.status, 0);
  assert.deepEqual(f.result.map((s) => s.id).sort(), [a.id, b.id, n.id].sort());
  const fb = f.result.find((s) => s.id === b.id);
  assert.deepEqual(fb.rooms.sort(), [b.id, "f"].sort());
  assert.deepEqual(fb.handshake.auth, { name: "b" });
  assert.equal(fb.handshake.query.transport, "polling");
  assert.ok(Math.abs(fb.handshake.issued - Date.now()) < 600000, "issued: ms since 1970");
  assert.deepEqual(fb.data, { auth: { name: "b" } }); // sio_redis_on_socket_data
  assert.deepEqual(f.result.find((s) => s.id === n.id).data, { name: "n" }); // Node's socket.data
  const fromNode = await node.cmd("fetch", { room: "f" });
  assert.deepEqual(fromNode.map((s) => s.id).sort(), [a.id, b.id, n.id].sort());
  assert.equal(await node.cmd("serverCount"), 3);
  const sids = await op(b, { op: "sockets", to: "f" });
  assert.deepEqual(sids.result.sort(), [a.id, b.id, n.id].sort());
});

test("allRooms and socketsJoin / socketsLeave / disconnectSockets across servers", async () => {
  const a = await mk(p1, "a2");
  const b = await mk(p2, "b2");
  const n = await mk(node, "n2");
  await ack(a, "join", "g");
  await ack(b, "join", "g");
  await ack(n, "join", "g");
  // From sioc: every socket of room g joins h, on every server.
  assert.equal((await op(a, { op: "join", to: "g", room: "h" })).status, 0);
  await sleep(300);
  const h = await node.cmd("fetch", { room: "h" });
  assert.deepEqual(h.map((s) => s.id).sort(), [a.id, b.id, n.id].sort());
  const rooms = await op(b, { op: "rooms" });
  assert.equal(rooms.status, 0);
  for (const r of ["g", "h", a.id, b.id, n.id]) assert.ok(rooms.result.includes(r), r);
  const nodeRooms = await node.cmd("rooms");
  for (const r of ["g", "h", a.id, b.id]) assert.ok(nodeRooms.includes(r), r);
  // From Node: leave h except sioc's b.
  await node.cmd("leave", { room: "h", to: "h" });
  await sleep(300);
  assert.deepEqual((await op(a, { op: "sockets", to: "h" })).result, []);
  // From sioc: disconnect g except n's... all of room g but a.
  const gone = new Promise((r) => b.once("disconnect", r));
  const goneN = new Promise((r) => n.once("disconnect", r));
  assert.equal((await op(a, { op: "disconnect", to: "g", except: a.id })).status, 0);
  await within(Promise.all([gone, goneN]), 8000, "b and n disconnected");
  assert.ok(a.connected, "the except-ed socket stays");
});

test("socketsLeave and disconnectSockets(close) from sioc reach Node's and sioc's sockets", async () => {
  const a = await mk(p1, "a6");
  const b = await mk(p2, "b6");
  const n = await mk(node, "n6");
  for (const c of [a, b, n]) await ack(c, "join", "m");
  assert.equal((await op(b, { op: "leave", to: "m", room: "m", except: b.id })).status, 0);
  await sleep(300);
  assert.deepEqual((await op(a, { op: "sockets", to: "m" })).result, [b.id]);
  assert.deepEqual((await node.cmd("fetch", { room: "m" })).map((s) => s.id), [b.id]);
  const closed = [a, n].map((c) => new Promise((r) => c.once("disconnect", r)));
  assert.equal((await op(b, { op: "disconnect", close: true, except: b.id })).status, 0);
  const why = await within(Promise.all(closed), 8000, "a and n closed");
  // Node and sioc alike: a DISCONNECT for each namespace, then the close.
  assert.deepEqual(why, ["io server disconnect", "io server disconnect"]);
  assert.ok(b.connected);
});

test("serverSideEmit with acks both ways", async () => {
  const a = await mk(p1, "a3");
  const r = await op(a, { op: "ssemit", event: "server_hello", args: [1, "x"] });
  assert.equal(r.status, 0);
  const froms = r.result.map((x) => x.from).sort();
  assert.deepEqual(froms, ["node", "sioc"]);
  const fromNode = await node.cmd("serverSideEmit", { event: "server_hello", args: [2] });
  assert.deepEqual(fromNode.ok.map((x) => x.from).sort(), ["sioc", "sioc"]);
  assert.deepEqual(fromNode.ok[0].args, [2]);
});

test("broadcast with acks collects every client's answer across servers; a silent client times out", async () => {
  const a = await mk(p1, "a4");
  const b = await mk(p2, "b4");
  const n = await mk(node, "n4");
  for (const c of [a, b, n]) await ack(c, "join", "k");
  for (const [c, v] of [[a, 1], [b, 2], [n, 3]]) c.on("question", (x, cb) => cb(v * x));
  const all = await op(a, { op: "emitWithAck", to: "k", event: "question", args: [10], timeout: 3000 });
  assert.equal(all.status, 0);
  assert.deepEqual(all.result.sort(), [10, 20, 30]);
  const fromNode = await node.cmd("emitWithAck", { to: "k", event: "question", args: [2], timeout: 3000 });
  assert.deepEqual(fromNode.ok.sort(), [2, 4, 6]);
  // A client that never answers: the others' answers and SIO_ETIMEOUT.
  const silent = await mk(p2, "silent");
  await ack(silent, "join", "k");
  silent.on("question", () => {});
  const part = await op(a, { op: "emitWithAck", to: "k", event: "question", args: [1], timeout: 1000 });
  assert.equal(part.status, -8);
  assert.deepEqual(part.result.sort(), [1, 2, 3]);
});

test("the emitter's publishes act on sioc's sockets", async () => {
  const a = await mk(p1, "a5");
  const b = await mk(p2, "b5", ["polling"]);
  await ack(a, "join", "e");
  await ack(b, "join", "e");
  emitter.to("e").emit("news", "to room");
  emitter.to("e").except(b.id).emit("news", "except b");
  emitter.emit("news", "to all");
  await until(() => events(a, "news").length === 3 && events(b, "news").length === 2, 8000, "news");
  await sleep(200);
  assert.deepEqual(events(a, "news").map((e) => e[1]), ["to room", "except b", "to all"]);
  assert.deepEqual(events(b, "news").map((e) => e[1]), ["to room", "to all"]);
  emitter.in("e").socketsJoin("e2");
  await sleep(300);
  assert.deepEqual((await op(a, { op: "sockets", to: "e2" })).result.sort(), [a.id, b.id].sort());
  emitter.in("e2").socketsLeave("e2");
  await sleep(300);
  assert.deepEqual((await op(a, { op: "sockets", to: "e2" })).result, []);
  const gone = new Promise((r) => b.once("disconnect", r));
  emitter.in(b.id).disconnectSockets();
  await within(gone, 8000, "emitter disconnects b");
  assert.ok(a.connected);
});
