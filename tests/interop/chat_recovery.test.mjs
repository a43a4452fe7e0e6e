// Connection state recovery: examples/chat --recovery SECONDS against
// socket.io-client's own recovery (it keeps the private id of the CONNECT
// answer and the offset of the last event, and sends both when it
// reconnects). Over websocket and polling: a transport killed under the
// client comes back with the same id, its rooms, and every event emitted
// to it meanwhile, once each, in order; too late, with unknown data or
// without the flag: a fresh socket. The others see the drop as without
// the flag.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { sleep, startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const CHAT = process.env.SIO_CHAT_BIN || path.join(ROOT, "build/examples/chat");
const T = { timeout: 30000 };

const startChat = (args) => startServer(args, { bin: CHAT, name: "chat" });

function client(srv, name, transports, opts = {}) {
  return io(srv.base, {
    transports,
    forceNew: true,
    auth: { name },
    reconnectionDelay: 1500,
    randomizationFactor: 0,
    timeout: 5000,
    ...opts,
  });
}

const once = (s, ev, ms = 10000) =>
  within(new Promise((r) => s.once(ev, (...a) => r(a))), ms, ev);

const ack = (s, ev, ...args) =>
  within(
    new Promise((resolve, reject) =>
      s.timeout(5000).emit(ev, ...args, (err, ...r) => (err ? reject(err) : resolve(r))),
    ),
    6000,
    ev,
  );

// Every `said` a socket receives, as "room:text" (the offset argument
// that recovery appends is not part of it).
function collect(s) {
  const got = [];
  s.on("said", (_from, room, text) => got.push(`${room}:${text}`));
  return got;
}

// Kills the transport under the client, as a network failure would: the
// server sees the transport close without a Socket.IO DISCONNECT.
function killTransport(s) {
  const t = s.io.engine.transport;
  if (t.name === "websocket") t.ws._socket.destroy();
  else s.io.engine.close();
}

async function connected(s) {
  if (!s.connected) await once(s, "connect");
}

for (const transports of [["websocket"], ["polling"]]) {
  const tname = transports[0];

  describe(`recovery over ${tname}`, () => {
    let srv;
    before(async () => {
      srv = await startChat(["--recovery", "3"]);
    });
    after(async () => {
      const e = await srv.stop();
      assert.equal(e.code, 0, `chat exit: ${JSON.stringify(e)}\n${srv.stderr()}`);
    });

    test("a dropped client comes back with its id, rooms and missed events", T, async () => {
      const a = client(srv, "alice", transports);
      const b = client(srv, "bob", transports);
      try {
        await Promise.all([connected(a), connected(b)]);
        assert.ok(!a.recovered);
        const aGot = collect(a);
        assert.deepEqual(await ack(a, "join", "r"), [1]);
        assert.deepEqual(await ack(a, "join", "s"), [1]);
        const joined = once(a, "joined");
        assert.deepEqual(await ack(b, "join", "r"), [2]);
        await joined; // a has an offset now
        assert.deepEqual(await ack(b, "say", "r", "before"), [true]);
        await within((async () => { while (!aGot.includes("r:before")) await sleep(10); })(), 5000, "before");
        const id = a.id;
        const left = once(b, "left");
        killTransport(a);
        assert.deepEqual((await left).slice(0, 2), ["alice", "r"], "the others see the drop");
        for (const t of ["m1", "m2", "m3"]) assert.deepEqual(await ack(b, "say", "r", t), [true]);
        await once(a, "connect");
        assert.equal(a.recovered, true);
        assert.equal(a.id, id);
        assert.deepEqual(await ack(a, "rooms"), [["r", "s"]]);
        await sleep(300);
        assert.deepEqual(aGot, ["r:before", "r:m1", "r:m2", "r:m3"]);
        // and it is a member again: a say reaches it once
        assert.deepEqual(await ack(b, "say", "r", "after"), [true]);
        await sleep(300);
        assert.deepEqual(aGot, ["r:before", "r:m1", "r:m2", "r:m3", "r:after"]);
      } finally {
        a.close();
        b.close();
      }
    });

    test("events of rooms it was not in, and to others, are not replayed", T, async () => {
      const a = client(srv, "alice", transports);
      const b = client(srv, "bob", transports);
      try {
        await Promise.all([connected(a), connected(b)]);
        const aGot = collect(a);
        await ack(a, "join", "mine");
        const j = once(a, "joined");
        await ack(b, "join", "mine");
        await j;
        await ack(b, "join", "other");
        const left = once(b, "left");
        killTransport(a);
        await left;
        await ack(b, "say", "other", "not for a");
        await ack(b, "say", "mine", "for a");
        await once(a, "connect");
        assert.equal(a.recovered, true);
        await sleep(300);
        assert.deepEqual(aGot, ["mine:for a"]);
      } finally {
        a.close();
        b.close();
      }
    });
  });
}

describe("no recovery", () => {
  test("past the window: a fresh socket with a new id and no rooms", T, async () => {
    const srv = await startChat(["--recovery", "1"]);
    const a = client(srv, "alice", ["websocket"], { reconnectionDelay: 2600 });
    const b = client(srv, "bob", ["websocket"]);
    try {
      await Promise.all([connected(a), connected(b)]);
      await ack(a, "join", "r");
      const j = once(a, "joined");
      await ack(b, "join", "r");
      await j;
      const id = a.id;
      killTransport(a);
      await once(b, "left");
      await ack(b, "say", "r", "lost");
      await once(a, "connect");
      assert.ok(!a.recovered);
      assert.notEqual(a.id, id);
      assert.deepEqual(await ack(a, "rooms"), [[]]);
    } finally {
      a.close();
      b.close();
      await srv.stop();
    }
  });

  test("without --recovery: no private id, never recovered", T, async () => {
    const srv = await startChat([]);
    const a = client(srv, "alice", ["websocket"]);
    const b = client(srv, "bob", ["websocket"]);
    try {
      await Promise.all([connected(a), connected(b)]);
      await ack(a, "join", "r");
      const j = once(a, "joined");
      await ack(b, "join", "r");
      const [, , ...rest] = await j;
      assert.deepEqual(rest, [], "no offset argument without the flag");
      const id = a.id;
      killTransport(a);
      await once(b, "left");
      await once(a, "connect");
      assert.ok(!a.recovered);
      assert.notEqual(a.id, id);
    } finally {
      a.close();
      b.close();
      await srv.stop();
    }
  });

  test("unknown or forged recovery data: a fresh socket; the name still checked", T, async () => {
    const srv = await startChat(["--recovery", "5"]);
    try {
      for (const extra of [
        { pid: "nope", offset: "nope" },
        { pid: 5, offset: [] },
        { pid: "AAAAAAAAAAAAAAAAAAAA", offset: "AAAAAAAA-0" },
      ]) {
        const s = io(srv.base, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { name: "x", ...extra } });
        try {
          await connected(s);
          assert.ok(!s.recovered);
        } finally {
          s.close();
        }
      }
      const bad = io(srv.base, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { pid: "p", offset: "o" } });
      try {
        const [err] = await once(bad, "connect_error");
        assert.equal(err.message, "name required");
      } finally {
        bad.close();
      }
    } finally {
      await srv.stop();
    }
  });

  test("a polite disconnect leaves nothing to recover", T, async () => {
    const srv = await startChat(["--recovery", "5"]);
    try {
      const a = client(srv, "alice", ["websocket"], { reconnection: false });
      const b = client(srv, "bob", ["websocket"]);
      await Promise.all([connected(a), connected(b)]);
      await ack(a, "join", "r");
      const j = once(a, "joined");
      await ack(b, "join", "r");
      await j;
      const pid = a._pid, offset = a._lastOffset;
      assert.equal(typeof pid, "string");
      assert.equal(typeof offset, "string");
      const left = once(b, "left");
      a.disconnect();
      await left;
      const c = io(srv.base, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { name: "alice", pid, offset } });
      try {
        await connected(c);
        assert.ok(!c.recovered);
        assert.notEqual(c.id, a.id);
      } finally {
        c.close();
        b.close();
      }
    } finally {
      await srv.stop();
    }
  });
});
