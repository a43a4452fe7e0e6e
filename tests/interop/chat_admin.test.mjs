// The chat's admin UI namespace (--admin USER:PASSWORD, docs/admin.md)
// with socket.io-client 4.x playing the admin UI's page: login and
// sessions, every socket as the page expects it, live events, stats, and
// the page's actions on chat clients; and /admin absent without --admin.
//
// The server binary comes from $SIO_CHAT_BIN (run.sh sets it), started on
// 127.0.0.1 with --port 0 and stopped by its PID. Every wait is bounded.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { sleep, startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_CHAT_BIN ?? path.join(ROOT, "build/examples/chat");
const WWW = path.join(ROOT, "examples/chat/www");
const CLIENT_JS = path.join(ROOT, "tests/node_modules/socket.io-client/dist/socket.io.js");
const T = { timeout: 30000 };
const WAIT_MS = 5000;
const QUIET_MS = 300;
const USER = "root";
const PASS = "s3cr:et"; // a colon in the password: only the first one splits
const FEATURES = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE",
  "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function startChat(admin) {
  const args = ["--www", WWW, "--client-js", CLIENT_JS];
  if (admin) args.push("--admin", admin);
  return startServer(args, { bin: BIN, name: "chat" });
}

// Stops the server: it exits 0 (a sanitized build: no report).
async function stopClean(srv) {
  const e = await srv.stop();
  assert.equal(e.code, 0, `chat exit: ${JSON.stringify(e)}\n${srv.stderr().slice(-3000)}`);
  assert.doesNotMatch(srv.stderr(), /runtime error|AddressSanitizer|LeakSanitizer/);
}

// A socket whose events all go to a queue from the start.
class Peer {
  constructor(url, opts) {
    this.events = [];
    this.waiters = [];
    this.s = io(url, { forceNew: true, reconnection: false, timeout: 5000, ...opts });
    this.s.onAny((event, ...args) => this.push({ event, args }));
    this.s.on("disconnect", (reason) => this.push({ event: "disconnect", args: [reason] }));
  }
  push(e) {
    this.events.push(e);
    for (const w of [...this.waiters]) w();
  }
  connected() {
    return within(new Promise((resolve, reject) => {
      if (this.s.connected) return resolve();
      this.s.once("connect", resolve);
      this.s.once("connect_error", reject);
    }), WAIT_MS, "connect");
  }
  refused() {
    return within(new Promise((resolve, reject) => {
      this.s.once("connect", () => reject(new Error("connected")));
      this.s.once("connect_error", resolve);
    }), WAIT_MS, "connect_error");
  }
  // The first queued event named name whose args satisfy pred (taken out
  // of the queue), waiting for it.
  take(name, pred = () => true, what = name) {
    const find = () => {
      const i = this.events.findIndex((e) => e.event === name && pred(...e.args));
      return i < 0 ? null : this.events.splice(i, 1)[0].args;
    };
    return within(new Promise((resolve) => {
      const w = () => {
        const got = find();
        if (got) {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(got);
        }
      };
      this.waiters.push(w);
      w();
    }), WAIT_MS, what);
  }
  async none(name, pred = () => true) {
    await sleep(QUIET_MS);
    assert.equal(this.events.filter((e) => e.event === name && pred(...e.args)).length, 0,
      `no ${name} expected`);
  }
  ack(...args) {
    return within(this.s.timeout(WAIT_MS).emitWithAck(...args), WAIT_MS, `ack of ${args[0]}`);
  }
  close() {
    this.s.disconnect();
  }
}

const admin = (base, auth = { username: USER, password: PASS }, opts = {}) =>
  new Peer(`${base}/admin`, { auth, ...opts });
const chatter = (base, name, mode = "websocket") =>
  new Peer(base, { auth: { name }, transports: mode === "websocket" ? ["websocket"] : ["polling", "websocket"] });

describe("chat --admin", () => {
  let srv;
  const open = [];
  const track = (p) => (open.push(p), p);
  before(async () => {
    srv = await startChat(`${USER}:${PASS}`);
  });
  after(async () => {
    for (const p of open) p.close();
    if (srv) await stopClean(srv);
  });

  test("bad credentials, no credentials and unknown sessions are refused", T, async () => {
    for (const auth of [{ username: USER, password: "wrong" }, { username: "x", password: PASS },
      {}, { username: USER }, { sessionId: "0123456789abcdefghij" }, { username: USER, password: PASS.slice(0, -1) }]) {
      const p = track(admin(srv.base, auth));
      const err = await p.refused();
      assert.equal(err.message, "invalid credentials", JSON.stringify(auth));
    }
    assert.match(srv.stderr(), /admin: invalid credentials from 127\.0\.0\.1/);
  });

  test("a session keeps only the handshake headers handlers read", T, async () => {
    const c = track(new Peer(srv.base, {
      auth: { name: "hdr" },
      transports: ["websocket"],
      extraHeaders: { "user-agent": "sioc-test", "cache-control": "x".repeat(6000) },
    }));
    await c.connected();
    const a = track(admin(srv.base));
    await a.connected();
    const [all] = await a.take("all_sockets");
    const mine = all.find((s) => s.id === c.s.id);
    assert.ok(mine, "the client is listed");
    assert.equal(mine.handshake.headers["user-agent"], "sioc-test");
    assert.equal(mine.handshake.headers.host, `127.0.0.1:${srv.port}`);
    assert.equal(mine.handshake.headers["cache-control"], undefined);
  });

  test("login: session, config, all_sockets (every namespace), server_stats", T, async () => {
    const c = track(chatter(srv.base, "ann"));
    await c.connected();
    await c.ack("join", "lobby");
    const a = track(admin(srv.base));
    await a.connected();
    const [sessionId] = await a.take("session");
    assert.match(sessionId, /^[A-Za-z0-9_-]{20}$/);
    const [config] = await a.take("config");
    for (const f of FEATURES) assert.ok(config.supportedFeatures.includes(f), f);
    const [all] = await a.take("all_sockets");
    const mine = all.find((s) => s.id === c.s.id);
    assert.ok(mine, "the chat client is listed");
    assert.equal(mine.nsp, "/");
    assert.equal(mine.transport, "websocket");
    assert.equal(mine.clientId, c.s.io.engine.id.slice(0, 12));
    assert.deepEqual(mine.data, {});
    assert.deepEqual([...mine.rooms].sort(), [c.s.id, "lobby"].sort());
    const h = mine.handshake;
    assert.equal(h.address, "127.0.0.1");
    assert.equal(h.headers.host, `127.0.0.1:${srv.port}`);
    assert.equal(h.query.EIO, "4");
    assert.equal(h.query.transport, "websocket");
    assert.equal(h.secure, false);
    assert.equal(h.xdomain, false);
    assert.ok(h.url.startsWith("/socket.io/?EIO=4&transport=websocket"), h.url);
    assert.equal(typeof h.issued, "number");
    assert.ok(Math.abs(h.issued - Date.now()) < 60000);
    assert.match(h.time, /GMT/);
    const self = all.find((s) => s.id === a.s.id);
    assert.ok(self && self.nsp === "/admin", "the admin socket lists itself");
    const [stats] = await a.take("server_stats");
    for (const k of ["serverId", "hostname", "pid", "uptime", "clientsCount",
      "pollingClientsCount", "aggregatedEvents", "namespaces"])
      assert.ok(k in stats, k);
    assert.equal(stats.pid, srv.proc.pid);
    assert.ok(stats.clientsCount >= 2);
    const ns = Object.fromEntries(stats.namespaces.map((n) => [n.name, n.socketsCount]));
    assert.ok(ns["/"] >= 1 && ns["/admin"] >= 1, JSON.stringify(stats.namespaces));
    // The session id logs in again without the password; the new page is
    // told of it.
    const again = track(admin(srv.base, { sessionId }));
    await again.connected();
    await again.take("config");
    const [conn] = await a.take("socket_connected", (s) => s.id === again.s.id);
    assert.equal(conn.nsp, "/admin");
    c.close();
    again.close();
  });

  test("live: connect, upgrade, events both ways, rooms, disconnect", T, async () => {
    const a = track(admin(srv.base));
    await a.connected();
    await a.take("all_sockets");
    const c = track(chatter(srv.base, "bea", "upgrade"));
    await c.connected();
    // its sid room as joined first, then the socket, as socket.io does
    const idx = (ev, pred) => a.events.findIndex((e) => e.event === ev && pred(...e.args));
    const [sock, date] = await a.take("socket_connected", (s) => s.id === c.s.id);
    const sidRoom = idx("room_joined", (nsp, room, id) => id === c.s.id && room === c.s.id);
    assert.ok(sidRoom >= 0, "room_joined for the sid room");
    assert.match(date, ISO);
    assert.equal(sock.nsp, "/");
    assert.deepEqual(sock.rooms, [c.s.id]);
    const [upd] = await a.take("socket_updated", (u) => u.id === c.s.id);
    assert.deepEqual(upd, { id: c.s.id, nsp: "/", transport: "websocket" });
    const d = track(chatter(srv.base, "dan"));
    await d.connected();
    await d.ack("join", "hall");
    assert.deepEqual(await c.ack("join", "hall"), 2);
    const rx = await a.take("event_received", (nsp, id, args) => id === c.s.id && args[0] === "join");
    assert.equal(rx[0], "/");
    assert.deepEqual(rx[2], ["join", "hall"]);
    assert.match(rx[3], ISO);
    const rj = await a.take("room_joined", (nsp, room, id) => id === c.s.id && room === "hall");
    assert.deepEqual(rj.slice(0, 3), ["/", "hall", c.s.id]);
    assert.match(rj[3], ISO);
    // A broadcast is seen once per recipient.
    await c.ack("say", "hall", "hello");
    const sent = await a.take("event_sent", (nsp, id, args) => id === d.s.id && args[0] === "said");
    assert.deepEqual(sent[2], ["said", "bea", "hall", "hello"]);
    await a.none("event_received", (nsp) => nsp === "/admin");
    const cid = c.s.id; // the client forgets it on disconnect
    c.close();
    // socket_disconnected, then its rooms as left, as socket.io tells them
    await a.take("room_left", (nsp, room, id) => id === cid && room === cid);
    const iGone = idx("socket_disconnected", (nsp, id) => id === cid);
    const iHall = idx("room_left", (nsp, room, id) => id === cid && room === "hall");
    assert.ok(iGone >= 0 && iHall > iGone, `order: ${iGone} ${iHall}`);
    const gone = await a.take("socket_disconnected", (nsp, id) => id === cid);
    assert.deepEqual(gone.slice(0, 3), ["/", cid, "client namespace disconnect"]);
    assert.match(gone[3], ISO);
    d.close();
  });

  test("actions: emit, join, leave, _disconnect on chat clients", T, async () => {
    const a = track(admin(srv.base));
    await a.connected();
    await a.take("all_sockets");
    const c = track(chatter(srv.base, "cat"));
    const e = track(chatter(srv.base, "eve"));
    await c.connected();
    await e.connected();
    // emit to one socket (its id is a room), then to the whole namespace
    a.s.emit("emit", "/", c.s.id, "said", "admin", "x", "to cat");
    assert.deepEqual(await c.take("said"), ["admin", "x", "to cat"]);
    await e.none("said");
    a.s.emit("emit", "/", null, "said", "admin", "x", "to all");
    assert.deepEqual(await c.take("said"), ["admin", "x", "to all"]);
    assert.deepEqual(await e.take("said"), ["admin", "x", "to all"]);
    // join: eve alone enters "vip"; an emit to "vip" reaches only her
    a.s.emit("join", "/", "vip", e.s.id);
    await a.take("room_joined", (nsp, room, id) => room === "vip" && id === e.s.id);
    a.s.emit("emit", "/", "vip", "said", "admin", "vip", "in vip");
    assert.deepEqual(await e.take("said"), ["admin", "vip", "in vip"]);
    await c.none("said");
    // join without a filter: everyone of "/"; leave with a filter
    a.s.emit("join", "/", "all", null);
    await a.take("room_joined", (nsp, room, id) => room === "all" && id === c.s.id);
    a.s.emit("leave", "/", "vip", e.s.id);
    await a.take("room_left", (nsp, room, id) => room === "vip" && id === e.s.id);
    a.s.emit("emit", "/", "vip", "said", "admin", "vip", "nobody");
    await e.none("said");
    // an unknown namespace or bad arguments change nothing
    a.s.emit("emit", "/nowhere", null, "said", "x");
    a.s.emit("join", "/", 42, null);
    a.s.emit("join", "/", "bad", 42); // not a room: not "everyone"
    a.s.emit("emit", "/", 7, "said", "admin", "x", "bad filter");
    a.s.emit("_disconnect", "/", true, { all: true });
    await c.none("said");
    await a.none("room_joined", (nsp, room) => room === "bad");
    assert.ok(c.s.connected && e.s.connected);
    assert.match(srv.stderr(), /admin \S+: join: the filter is not a room/);
    // _disconnect one socket, then every socket with close
    const cid = c.s.id; // the client forgets it on disconnect
    a.s.emit("_disconnect", "/", false, cid);
    assert.deepEqual(await c.take("disconnect"), ["io server disconnect"]);
    const [, , reason] = await a.take("socket_disconnected", (nsp, id) => id === cid);
    assert.equal(reason, "server namespace disconnect");
    assert.ok(e.s.connected);
    a.s.emit("_disconnect", "/", true);
    assert.deepEqual(await e.take("disconnect"), ["io server disconnect"]);
    assert.ok(a.s.connected, "the admin namespace is not touched");
  });

  test("server_stats again within the interval, with aggregated events", T, async () => {
    const a = track(admin(srv.base));
    await a.connected();
    await a.take("server_stats"); // right after connect
    const c = track(chatter(srv.base, "fay"));
    await c.connected();
    await c.ack("rooms");
    const [stats] = await a.take("server_stats", () => true, "periodic server_stats");
    const types = new Set(stats.aggregatedEvents.map((e) => e.type));
    for (const t of ["rawConnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"])
      assert.ok(types.has(t), `${t} in ${JSON.stringify(stats.aggregatedEvents)}`);
    for (const e of stats.aggregatedEvents) {
      assert.equal(e.timestamp % 1000, 0);
      assert.ok(e.count > 0);
    }
    c.close();
    // A client that stays on polling is counted as such while it lasts.
    const p = track(new Peer(srv.base, { auth: { name: "pol" }, transports: ["polling"] }));
    await p.connected();
    await a.take("server_stats", (s) => s.pollingClientsCount === 1, "one polling client");
    p.close();
    const [last] = await a.take("server_stats", (s) => s.pollingClientsCount === 0, "none");
    assert.ok(last.aggregatedEvents.some((e) => e.type === "rawDisconnection" && e.subType),
      JSON.stringify(last.aggregatedEvents));
  });
});

describe("chat without --admin", () => {
  let srv;
  before(async () => {
    srv = await startChat(null);
  });
  after(async () => {
    if (srv) await stopClean(srv);
  });
  test("/admin does not exist", T, async () => {
    const a = admin(srv.base);
    const err = await a.refused();
    assert.equal(err.message, "Invalid namespace");
    a.close();
  });
  test("--admin needs USER:PASSWORD", T, async () => {
    await assert.rejects(startServer(["--admin", "nocolon"], { bin: BIN, name: "chat" }));
  });
});
