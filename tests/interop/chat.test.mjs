// socket.io-client 4.x (npm) against examples/chat: every clause of
// docs/examples.md "chat", over websocket only, polling only, and polling
// upgraded to websocket; the HTTP side (page, bundle, traversal) once.
//
// The server binary comes from $SIO_CHAT_BIN (run.sh sets it), started on
// 127.0.0.1 with --port 0 and stopped by its PID. Every wait is bounded.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { request, sleep, startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_CHAT_BIN ?? path.join(ROOT, "build/examples/chat");
const WWW = path.join(ROOT, "examples/chat/www");
const CLIENT_JS = path.join(ROOT, "tests/node_modules/socket.io-client/dist/socket.io.js");

const T = { timeout: 30000 };
const QUIET_MS = 300; // how long "nothing else arrives" is watched

// ---- the server ------------------------------------------------------------

// Resolves to the running chat server (lib.mjs's startServer).
function startChat() {
  return startServer(["--www", WWW, "--client-js", CLIENT_JS], { bin: BIN, name: "chat" });
}

// ---- clients ---------------------------------------------------------------

const ALL_MODES = {
  websocket: { transports: ["websocket"] },
  polling: { transports: ["polling"] },
  upgrade: { transports: ["polling", "websocket"] },
};
// CHAT_MODES=polling,upgrade runs only those (for debugging); all by default.
const MODES = Object.fromEntries(
  Object.entries(ALL_MODES).filter(
    ([m]) => !process.env.CHAT_MODES || process.env.CHAT_MODES.split(",").includes(m),
  ),
);

// A socket.io-client socket whose events (all but the reserved ones) go to
// a queue from the start, so that none is lost between two awaits.
class Client {
  constructor(base, mode, auth, { waitUpgrade = true, ...extra } = {}) {
    this.mode = mode;
    this.waitUpgrade = waitUpgrade;
    this.events = [];
    this.waiters = [];
    this.disconnects = [];
    this.s = io(base, {
      ...ALL_MODES[mode],
      forceNew: true,
      reconnection: false,
      timeout: 5000,
      ...(auth === undefined ? {} : { auth }),
      ...extra,
    });
    this.s.onAny((ev, ...args) => {
      this.events.push({ ev, args });
      this._wake();
    });
    this.s.on("disconnect", (reason) => {
      this.disconnects.push(reason);
      this._wake();
    });
  }
  _wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  async _until(pred, ms, what) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  get id() {
    return this.s.id;
  }
  // Resolves once connected (and, in upgrade mode, upgraded); rejects with
  // the connect_error.
  async ready(ms = 5000) {
    if (!this.s.connected) {
      await within(
        new Promise((resolve, reject) => {
          this.s.once("connect", resolve);
          this.s.once("connect_error", reject);
        }),
        ms,
        "connect",
      );
    }
    if (this.mode === "upgrade" && this.waitUpgrade) {
      const deadline = Date.now() + ms;
      while (this.s.io.engine?.transport?.name !== "websocket") {
        if (Date.now() > deadline) throw new Error("no upgrade to websocket");
        await sleep(10);
      }
    } else if (this.mode !== "upgrade") {
      assert.equal(this.s.io.engine.transport.name, this.mode);
    }
    return this;
  }
  // The connect_error (an Error) of a refused connection.
  connectError(ms = 5000) {
    return within(
      new Promise((resolve, reject) => {
        this.s.once("connect_error", resolve);
        this.s.once("connect", () => reject(new Error("connected, expected connect_error")));
      }),
      ms,
      "connect_error",
    );
  }
  // The arguments of the next `ev` (removed from the queue).
  take(ev, ms = 5000) {
    return this._until(
      () => {
        const i = this.events.findIndex((e) => e.ev === ev);
        if (i < 0) return undefined;
        return this.events.splice(i, 1)[0].args;
      },
      ms,
      `event '${ev}'`,
    );
  }
  // The next n `ev`, in arrival order.
  async takeN(ev, n, ms = 10000) {
    await this._until(
      () => (this.events.filter((e) => e.ev === ev).length >= n ? true : undefined),
      ms,
      `${n} x '${ev}' (have ${this.events.filter((e) => e.ev === ev).length})`,
    );
    const out = [];
    this.events = this.events.filter((e) => {
      if (e.ev === ev && out.length < n) {
        out.push(e.args);
        return false;
      }
      return true;
    });
    return out;
  }
  // All queued `ev` after waiting ms (removed from the queue).
  async drain(ev, ms = QUIET_MS) {
    await sleep(ms);
    const out = this.events.filter((e) => e.ev === ev).map((e) => e.args);
    this.events = this.events.filter((e) => e.ev !== ev);
    return out;
  }
  // Asserts that no `ev` is queued or arrives within ms.
  async quiet(ev, ms = QUIET_MS) {
    const got = await this.drain(ev, ms);
    assert.deepEqual(got.map(norm), [], `unexpected '${ev}' at ${this.name ?? this.id}`);
  }
  // Emits with an ack; resolves to ALL the ack's arguments.
  ack(ev, ...args) {
    return within(
      new Promise((resolve) => this.s.emit(ev, ...args, (...a) => resolve(a))),
      10000,
      `ack of '${ev}'`,
    );
  }
  emit(ev, ...args) {
    this.s.emit(ev, ...args);
  }
  disconnected(ms = 5000) {
    return this._until(() => this.disconnects[0], ms, "disconnect");
  }
  close() {
    this.s.disconnect();
  }
}

// Binary values become {bin: hex} so deepEqual compares bytes whatever the
// view type the client produced.
function norm(v) {
  if (v instanceof ArrayBuffer) return { bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v))
    return { bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === "function") return "<fn>";
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}
const isBinary = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);

// An error ack: exactly one argument, {"error": string}; msg is the exact
// message, a RegExp it must match, or undefined (any non-empty message).
function assertErrorAck(args, msg, what = "error ack") {
  assert.equal(args.length, 1, `${what}: ${JSON.stringify(norm(args))}`);
  const [e] = args;
  assert.ok(e && typeof e === "object" && !Array.isArray(e), `${what}: ${JSON.stringify(norm(args))}`);
  assert.deepEqual(Object.keys(e), ["error"], `${what}: ${JSON.stringify(norm(args))}`);
  assert.equal(typeof e.error, "string");
  if (msg instanceof RegExp) assert.match(e.error, msg, what);
  else if (msg !== undefined) assert.equal(e.error, msg, what);
  else assert.ok(e.error.length > 0, `${what}: empty message`);
}

// UTF-8 byte order, as docs/examples.md defines "sorted".
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

function bytesOf(n, seed = 1) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

// ---- the tests -------------------------------------------------------------

let srv;
before(async () => {
  srv = await startChat();
});
after(async () => {
  if (!srv) return;
  const e = await srv.stop();
  assert.equal(e.code, 0, `chat exit: ${JSON.stringify(e)}\n${srv.err.slice(-2000)}`);
});

let roomSeq = 0;

for (const mode of Object.keys(MODES)) {
  describe(`chat over ${mode}`, () => {
    const open = new Set();
    const room = (tag) => `${mode}-${tag}-${++roomSeq}`;
    // A connected client named `name`.
    async function user(name, opts) {
      const c = new Client(srv.base, mode, { name }, opts);
      c.name = name;
      open.add(c);
      await c.ready();
      return c;
    }
    // Clients that all joined room r, in order (acks checked).
    async function inRoom(r, ...names) {
      const cs = [];
      for (const n of names) {
        const c = await user(n);
        assert.deepEqual(await c.ack("join", r), [cs.length + 1], `${n} joins ${r}`);
        cs.push(c);
      }
      // Drop the `joined` of the setup.
      for (const c of cs) await c.drain("joined", 0);
      await sleep(50);
      for (const c of cs) await c.drain("joined", 0);
      return cs;
    }
    function refused(auth, extra) {
      const c = new Client(srv.base, mode, auth, extra);
      open.add(c);
      return c;
    }
    after(() => {
      for (const c of open) c.close();
      open.clear();
    });

    // ---- connect ----

    const BAD_AUTH = {
      "no auth payload": undefined,
      "{} (no name)": {},
      "empty name": { name: "" },
      "whitespace-only name": { name: " \t \n " },
      "33 characters": { name: "a".repeat(33) },
      "33 multi-byte characters": { name: "\u{1F600}".repeat(33) },
      "name is a number": { name: 42 },
      "name is null": { name: null },
      "name is an array": { name: ["bob"] },
      "name is an object": { name: { first: "bob" } },
      "name is a boolean": { name: true },
      "other key only": { nom: "bob" },
    };
    for (const [what, auth] of Object.entries(BAD_AUTH)) {
      test(`connect refused (${what}): connect_error 'name required'`, T, async () => {
        const c = refused(auth);
        const err = await c.connectError();
        assert.equal(err.message, "name required");
        assert.equal(c.s.connected, false);
        c.close();
      });
    }
    // An auth payload that is not an object (the client sends what the
    // auth function hands it).
    for (const [what, payload] of [
      ["a string", "bob"],
      ["an array", ["bob"]],
      ["true", true],
      ["null", null],
    ]) {
      test(`connect refused (auth payload is ${what}): 'name required'`, T, async () => {
        const c = refused(undefined, { auth: (cb) => cb(payload) });
        const err = await c.connectError();
        assert.equal(err.message, "name required");
        c.close();
      });
    }

    test("connect: 32 characters (multi-byte) accepted, the name is used as is", T, async () => {
      const r = room("name32");
      const names = ["\u{1F600}".repeat(32), "\u00e9".repeat(32), "a".repeat(32), " x "];
      const first = await user("watcher");
      assert.deepEqual(await first.ack("join", r), [1]);
      let n = 1;
      for (const name of names) {
        const c = await user(name);
        assert.deepEqual(await c.ack("join", r), [++n], name);
        assert.deepEqual(await first.take("joined"), [name, r]);
      }
    });

    test("connect: two sockets may use the same name; rooms count sockets", T, async () => {
      const r = room("same");
      const a = await user("Sam");
      const b = await user("Sam");
      assert.notEqual(a.id, b.id);
      assert.deepEqual(await a.ack("join", r), [1]);
      assert.deepEqual(await b.ack("join", r), [2]);
      assert.deepEqual(await a.take("joined"), ["Sam", r]);
      await a.ack("say", r, "hi from a");
      assert.deepEqual(await b.take("said"), ["Sam", r, "hi from a"]);
      assert.deepEqual(await a.take("said"), ["Sam", r, "hi from a"]);
    });

    // ---- join ----

    test("join: members counts the room after joining; the others get 'joined'", T, async () => {
      const r = room("join");
      const a = await user("Ann");
      const b = await user("Bob");
      const c = await user("Cy");
      assert.deepEqual(await a.ack("join", r), [1]);
      assert.deepEqual(await b.ack("join", r), [2]);
      assert.deepEqual(await a.take("joined"), ["Bob", r]);
      assert.deepEqual(await c.ack("join", r), [3]);
      assert.deepEqual(await a.take("joined"), ["Cy", r]);
      assert.deepEqual(await b.take("joined"), ["Cy", r]);
      // The joiner does not get its own, and nobody gets more.
      await Promise.all([a.quiet("joined"), b.quiet("joined"), c.quiet("joined")]);
    });

    test("join: a non-member does not get 'joined'", T, async () => {
      const r = room("join-other");
      const a = await user("Ann");
      const outsider = await user("Out");
      assert.deepEqual(await outsider.ack("join", room("elsewhere")), [1]);
      assert.deepEqual(await a.ack("join", r), [1]);
      await outsider.quiet("joined");
    });

    test("join twice: acks the count again, no second 'joined'", T, async () => {
      const r = room("twice");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      assert.deepEqual(await b.ack("join", r), [2]);
      assert.deepEqual(await a.ack("join", r), [2]);
      await Promise.all([a.quiet("joined"), b.quiet("joined")]);
    });

    test("join: the sid of a connected socket is 'invalid room' (own and other's)", T, async () => {
      const a = await user("Ann");
      const b = await user("Bob");
      assertErrorAck(await a.ack("join", b.id), "invalid room");
      assertErrorAck(await a.ack("join", a.id), "invalid room");
      assert.deepEqual(await a.ack("rooms"), [[]]);
      await b.quiet("joined");
      // Once that socket is gone, its sid is an ordinary room name.
      const sid = b.id;
      b.close();
      let got;
      for (let i = 0; i < 30; i++) {
        await sleep(100);
        got = await a.ack("join", sid);
        if (!got[0]?.error) break;
      }
      assert.deepEqual(got, [1], "the sid of a socket that left");
    });

    test("join: room names of 1 and 64 characters accepted, 0 and 65 refused", T, async () => {
      const a = await user("Ann");
      // Names unique to this run (the server is shared by the modes).
      const one = { websocket: "W", polling: "P", upgrade: "U" }[mode];
      const p = room("len");
      const r64 = p + "\u{1F600}".repeat(64 - p.length);
      const r64b = p + "r".repeat(64 - p.length);
      assert.deepEqual(await a.ack("join", one), [1]);
      assert.deepEqual(await a.ack("join", r64), [1]);
      assert.deepEqual(await a.ack("join", r64b), [1]);
      assertErrorAck(await a.ack("join", ""), undefined, "empty room");
      assertErrorAck(await a.ack("join", r64b + "r"), undefined, "65 chars");
      assertErrorAck(await a.ack("join", r64 + "\u{1F600}"), undefined, "65 multi-byte chars");
      assert.deepEqual(await a.ack("rooms"), [[one, r64, r64b].sort(byteOrder)]);
    });

    test("join: wrong argument type or count is an error ack naming it", T, async () => {
      const a = await user("Ann");
      const e = await a.ack("join", 5);
      assertErrorAck(e, /room/);
      assert.match(e[0].error, /string/);
      assertErrorAck(await a.ack("join"), undefined, "no argument");
      assertErrorAck(await a.ack("join", room("a"), "extra"), undefined, "two arguments");
      assertErrorAck(await a.ack("join", null), /room/);
      assert.deepEqual(await a.ack("rooms"), [[]]);
    });

    // ---- leave ----

    test("leave: acks the remaining count; the remaining members get 'left'", T, async () => {
      const r = room("leave");
      const [a, b, c] = await inRoom(r, "Ann", "Bob", "Cy");
      assert.deepEqual(await b.ack("leave", r), [2]);
      assert.deepEqual(await a.take("left"), ["Bob", r]);
      assert.deepEqual(await c.take("left"), ["Bob", r]);
      await Promise.all([a.quiet("left"), b.quiet("left"), c.quiet("left")]);
      // Bob no longer hears the room.
      assert.deepEqual(await a.ack("say", r, "after"), [true]);
      assert.deepEqual(await c.take("said"), ["Ann", r, "after"]);
      await b.quiet("said");
      assert.deepEqual(await c.ack("leave", r), [1]);
      assert.deepEqual(await a.take("left"), ["Cy", r]);
      assert.deepEqual(await a.ack("leave", r), [0]);
    });

    test("leave: not a member is the error 'not in room'", T, async () => {
      const r = room("leave-not");
      const [a] = await inRoom(r, "Ann");
      const b = await user("Bob");
      assertErrorAck(await b.ack("leave", r), "not in room");
      assertErrorAck(await b.ack("leave", room("never")), "not in room");
      await a.quiet("left");
      assert.deepEqual(await a.ack("leave", r), [0]);
      assertErrorAck(await a.ack("leave", r), "not in room", "leaving twice");
    });

    // ---- say ----

    test("say: every member, sender included, gets 'said'; others do not", T, async () => {
      const r = room("say");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      const out = await user("Out");
      assert.deepEqual(await out.ack("join", room("other")), [1]);
      const text = "h\u00e9llo \u20ac \u{1F600} \"quoted\" \\ \n line2";
      assert.deepEqual(await a.ack("say", r, text), [true]);
      assert.deepEqual(await a.take("said"), ["Ann", r, text]);
      assert.deepEqual(await b.take("said"), ["Ann", r, text]);
      await Promise.all([a.quiet("said"), b.quiet("said"), out.quiet("said")]);
      // Without an ack id it is still said.
      b.emit("say", r, "no ack");
      assert.deepEqual(await a.take("said"), ["Bob", r, "no ack"]);
      assert.deepEqual(await b.take("said"), ["Bob", r, "no ack"]);
    });

    test("say: many at once arrive in one order, the same for everyone", T, async () => {
      const r = room("order");
      const [a, b, c] = await inRoom(r, "Ann", "Bob", "Cy");
      const N = 100;
      const acks = [];
      for (let i = 0; i < N; i++) {
        acks.push(a.ack("say", r, `a${i}`));
        acks.push(b.ack("say", r, `b${i}`));
      }
      for (const x of await Promise.all(acks)) assert.deepEqual(x, [true]);
      const seen = await Promise.all([a, b, c].map((x) => x.takeN("said", 2 * N, 20000)));
      const seq = seen.map((l) => l.map(([from, rr, text]) => `${from}/${rr}/${text}`));
      assert.deepEqual(seq[1], seq[0], "Bob's order differs from Ann's");
      assert.deepEqual(seq[2], seq[0], "Cy's order differs from Ann's");
      // Each sender's messages keep their order.
      const texts = seen[0].map((x) => x[2]);
      assert.deepEqual(texts.filter((t) => t[0] === "a"), Array.from({ length: N }, (_, i) => `a${i}`));
      assert.deepEqual(texts.filter((t) => t[0] === "b"), Array.from({ length: N }, (_, i) => `b${i}`));
      for (const [from, rr, text] of seen[0]) {
        assert.equal(rr, r);
        assert.equal(from, text[0] === "a" ? "Ann" : "Bob");
      }
      await Promise.all([a, b, c].map((x) => x.quiet("said")));
    });

    test("say: not a member is 'not in room'; nobody gets it", T, async () => {
      const r = room("say-not");
      const [a] = await inRoom(r, "Ann");
      const b = await user("Bob");
      assertErrorAck(await b.ack("say", r, "hello?"), "not in room");
      // Its own sid room is not a room one joined.
      assertErrorAck(await b.ack("say", b.id, "me"), "not in room");
      await Promise.all([a.quiet("said"), b.quiet("said")]);
    });

    test("say: text empty or over 1000 characters is an error ack; 1000 is fine", T, async () => {
      const r = room("say-len");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      assertErrorAck(await a.ack("say", r, ""), undefined, "empty text");
      assertErrorAck(await a.ack("say", r, "x".repeat(1001)), undefined, "1001 chars");
      assertErrorAck(await a.ack("say", r, "\u{1F600}".repeat(1001)), undefined, "1001 emoji");
      await Promise.all([a.quiet("said"), b.quiet("said")]);
      const t1000 = "\u{1F600}".repeat(500) + "\u00e9".repeat(499) + "!";
      assert.deepEqual(await a.ack("say", r, t1000), [true]);
      assert.deepEqual(await b.take("said"), ["Ann", r, t1000]);
      assert.deepEqual(await a.ack("say", r, " "), [true]);
      assert.deepEqual(await b.take("said"), ["Ann", r, " "]);
    });

    test("say: wrong argument types are error acks naming them", T, async () => {
      const r = room("say-type");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      const e = await a.ack("say", r, 12);
      assertErrorAck(e, /text/);
      assert.match(e[0].error, /string/);
      assertErrorAck(await a.ack("say", r), undefined, "missing text");
      assertErrorAck(await a.ack("say", r, "x", "y"), undefined, "extra argument");
      assertErrorAck(await a.ack("say", ["r"], "x"), /room/);
      await b.quiet("said");
    });

    // ---- rooms ----

    test("rooms: the joined rooms, sorted by UTF-8 bytes, own sid excluded", T, async () => {
      const a = await user("Ann");
      assert.deepEqual(await a.ack("rooms"), [[]]);
      const p = room("rooms");
      // "\uFF01" < "\u{1F600}" in UTF-8 bytes (EF.. < F0..), not in UTF-16.
      const names = [`${p}b`, `${p}a`, `${p}Z`, `${p}\u00e9`, `${p}aa`, `${p}\u{1F600}`, `${p}\uFF01`, `${p}c`];
      for (const n of names) assert.deepEqual(await a.ack("join", n), [1]);
      const want = [...names].sort(byteOrder);
      const [got] = await a.ack("rooms");
      assert.deepEqual(got, want);
      assert.ok(!got.includes(a.id));
      assert.deepEqual(await a.ack("leave", `${p}aa`), [0]);
      assert.deepEqual(await a.ack("rooms"), [want.filter((x) => x !== `${p}aa`)]);
      assertErrorAck(await a.ack("rooms", "extra"), undefined, "rooms with an argument");
    });

    // ---- upload ----

    test("upload: the others get 'file' with the same bytes as binary; the sender does not", T, async () => {
      const r = room("upload");
      const [a, b, c] = await inRoom(r, "Ann", "Bob", "Cy");
      const out = await user("Out");
      const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), bytesOf(70000, 7)]);
      assert.deepEqual(await a.ack("upload", r, "f\u00e9.bin", data), [data.length]);
      for (const x of [b, c]) {
        const got = await x.take("file");
        assert.equal(got.length, 4);
        assert.deepEqual(got.slice(0, 3), ["Ann", r, "f\u00e9.bin"]);
        assert.ok(isBinary(got[3]), `data arrives as binary, got ${typeof got[3]}`);
        assert.equal(norm(got[3]).bin, data.toString("hex"));
      }
      await Promise.all([a.quiet("file"), out.quiet("file"), b.quiet("file")]);
      // An empty file is a file too.
      assert.deepEqual(await b.ack("upload", r, "empty", Buffer.alloc(0)), [0]);
      const e = await a.take("file");
      assert.deepEqual(norm(e), ["Bob", r, "empty", { bin: "" }]);
    });

    test("upload: not a member is 'not in room'", T, async () => {
      const r = room("upload-not");
      const [a] = await inRoom(r, "Ann");
      const b = await user("Bob");
      assertErrorAck(await b.ack("upload", r, "x.bin", Buffer.from([1, 2, 3])), "not in room");
      await a.quiet("file");
    });

    test("upload: 1 MiB accepted, 1 MiB + 1 byte an error ack", T, async () => {
      const r = room("upload-size");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      const MiB = 1024 * 1024;
      const big = bytesOf(MiB + 1, 11);
      assertErrorAck(await a.ack("upload", r, "big.bin", big), undefined, "1 MiB + 1");
      await b.quiet("file");
      assert.ok(a.s.connected, "still connected after the refused upload");
      const ok = big.subarray(0, MiB);
      assert.deepEqual(await a.ack("upload", r, "ok.bin", ok), [MiB]);
      const got = await b.take("file", 15000);
      assert.deepEqual(got.slice(0, 3), ["Ann", r, "ok.bin"]);
      assert.ok(Buffer.from(got[3]).equals(ok), "1 MiB bytes differ");
    });

    test("upload: over maxPayload (2 MiB) closes that connection only", T, async () => {
      const r = room("upload-huge");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      let acked = null;
      a.s.emit("upload", r, "huge.bin", bytesOf(2 * 1024 * 1024 + 1024, 5), (...x) => (acked = x));
      const reason = await a.disconnected(15000);
      assert.ok(
        reason === "transport close" || reason === "transport error",
        `disconnect reason: ${reason}`,
      );
      assert.equal(acked, null, "the oversized upload must not be acked");
      // The others stay, get no file, and see Ann leave.
      assert.deepEqual(await b.take("left"), ["Ann", r]);
      await b.quiet("file");
      assert.ok(b.s.connected);
      assert.deepEqual(await b.ack("say", r, "still here"), [true]);
      assert.deepEqual(await b.take("said"), ["Bob", r, "still here"]);
    });

    test("upload: wrong types are error acks naming them", T, async () => {
      const r = room("upload-type");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      const e = await a.ack("upload", r, "x", "not bytes");
      assertErrorAck(e, /data/);
      assert.match(e[0].error, /bytes/);
      assertErrorAck(await a.ack("upload", r, 5, Buffer.from([1])), /name/);
      await b.quiet("file");
    });

    // ---- ping_me ----

    test("ping_me: the server's 'ping' carries n; the client's ack value is the reply", T, async () => {
      const a = await user("Ann");
      const seen = [];
      a.s.on("ping", (n, cb) => {
        seen.push(n);
        cb(n * 2 + 1);
      });
      assert.deepEqual(await a.ack("ping_me", 20), [41]);
      assert.deepEqual(await a.ack("ping_me", -7), [-13]);
      assert.deepEqual(await a.ack("ping_me", 0), [1]);
      assert.deepEqual(seen, [20, -7, 0]);
      // Several at once: each reply goes to its own ack.
      const many = await Promise.all([1, 2, 3, 4, 5].map((n) => a.ack("ping_me", n * 100)));
      assert.deepEqual(many, [[201], [401], [601], [801], [1001]]);
    });

    test("ping_me: a client that never acks 'ping' gets the error 'timeout' after ~1 s", T, async () => {
      const a = await user("Ann");
      let pings = 0;
      a.s.on("ping", () => pings++);
      const t0 = Date.now();
      const e = await a.ack("ping_me", 3);
      const ms = Date.now() - t0;
      assertErrorAck(e, "timeout");
      assert.equal(pings, 1);
      assert.ok(ms >= 900 && ms < 3000, `timeout after ${ms} ms`);
      assert.ok(a.s.connected);
    });

    test("ping_me: wrong types are error acks naming them", T, async () => {
      const a = await user("Ann");
      let pings = 0;
      a.s.on("ping", (n, cb) => {
        pings++;
        cb(n);
      });
      for (const bad of [1.5, "2", null, true]) {
        const e = await a.ack("ping_me", bad);
        assertErrorAck(e, /\bn\b/, `ping_me(${JSON.stringify(bad)})`);
        assert.match(e[0].error, /int/);
      }
      assertErrorAck(await a.ack("ping_me"), undefined, "no argument");
      assert.equal(pings, 0);
    });

    // ---- unknown events ----

    test("unknown event with an ack: 'unknown event'; without: dropped, still connected", T, async () => {
      const a = await user("Ann");
      assertErrorAck(await a.ack("no_such_event", 1, "x"), "unknown event");
      assertErrorAck(await a.ack("said", "x", "y", "z"), "unknown event");
      a.emit("no_such_event", 1);
      await sleep(100);
      assert.ok(a.s.connected);
      assert.deepEqual(await a.ack("rooms"), [[]]);
    });

    test("refused events without an ack id are dropped and logged (one line each)", T, async () => {
      const r = room("nolog");
      const [a] = await inRoom(r, "Ann");
      const b = await user("Bob");
      const cases = [
        ["wrong type", a, ["say", r, 12]],
        ["wrong count", a, ["join"]],
        ["not in room", b, ["say", r, "psst"]],
        ["empty text", a, ["say", r, ""]],
        ["invalid room", a, ["join", b.id]],
        ["not in room (leave)", b, ["leave", r]],
      ];
      for (const [what, c, [ev, ...args]] of cases) {
        const mark = srv.err.length;
        c.emit(ev, ...args);
        const deadline = Date.now() + 3000;
        while (!srv.err.slice(mark).includes("\n") && Date.now() < deadline) await sleep(20);
        await sleep(100); // a second line would come now
        const lines = srv.err.slice(mark).split("\n").filter(Boolean);
        assert.ok(lines.length >= 1, `${what}: ${ev} without an ack id was not logged`);
        assert.equal(lines.length, 1, `${what}: more than one line: ${lines.join(" | ")}`);
        assert.ok(lines.some((l) => l.includes(ev)), `${what}: log line names no '${ev}': ${lines}`);
      }
      await Promise.all([a.quiet("said"), a.quiet("joined"), a.quiet("left")]);
      assert.ok(a.s.connected && b.s.connected);
      assert.deepEqual(await a.ack("rooms"), [[r]]);
      assert.deepEqual(await b.ack("rooms"), [[]]);
    });

    // ---- disconnect ----

    test("disconnect: the members of each room get 'left' once per room", T, async () => {
      const r1 = room("dc1");
      const r2 = room("dc2");
      const a = await user("Ann");
      const b = await user("Bob"); // r1
      const c = await user("Cy"); // r2
      const d = await user("Di"); // r1 and r2
      const out = await user("Out");
      assert.deepEqual(await b.ack("join", r1), [1]);
      assert.deepEqual(await c.ack("join", r2), [1]);
      assert.deepEqual(await d.ack("join", r1), [2]);
      assert.deepEqual(await d.ack("join", r2), [2]);
      assert.deepEqual(await a.ack("join", r1), [3]);
      assert.deepEqual(await a.ack("join", r2), [3]);
      assert.deepEqual(await out.ack("join", room("dc-out")), [1]);
      await Promise.all([b, c, d].map((x) => x.drain("joined")));
      a.close();
      assert.deepEqual(await b.take("left"), ["Ann", r1]);
      assert.deepEqual(await c.take("left"), ["Ann", r2]);
      const dl = await d.takeN("left", 2);
      assert.deepEqual(dl.sort(), [["Ann", r1], ["Ann", r2]].sort());
      await Promise.all([b, c, d, out].map((x) => x.quiet("left")));
      // The rooms no longer count Ann.
      assert.deepEqual(await b.ack("join", r1), [2]);
      assert.deepEqual(await c.ack("leave", r2), [1]);
    });

    test("disconnect without a DISCONNECT packet (transport closed): 'left' too", T, async () => {
      const r = room("dc-raw");
      const [a, b] = await inRoom(r, "Ann", "Bob");
      a.s.io.engine.close();
      assert.deepEqual(await b.take("left"), ["Ann", r]);
      await b.quiet("left");
      assert.deepEqual(await b.ack("leave", r), [0]);
    });

    if (mode === "upgrade") {
      test("upgrade: events sent while the upgrade runs keep their order", T, async () => {
        const r = room("mid-upgrade");
        const [a] = await inRoom(r, "Ann");
        const b = new Client(srv.base, mode, { name: "Bob" }, { waitUpgrade: false });
        open.add(b);
        await within(new Promise((res) => b.s.once("connect", res)), 5000, "connect");
        const acks = [b.ack("join", r)];
        for (let i = 0; i < 50; i++) acks.push(b.ack("say", r, `m${i}`));
        const got = await Promise.all(acks);
        assert.deepEqual(got[0], [2]);
        for (const x of got.slice(1)) assert.deepEqual(x, [true]);
        const said = await a.takeN("said", 50);
        assert.deepEqual(said.map((x) => x[2]), Array.from({ length: 50 }, (_, i) => `m${i}`));
        await b.ready();
        assert.deepEqual(await b.ack("say", r, "after"), [true]);
        assert.deepEqual(await a.take("said"), ["Bob", r, "after"]);
      });
    }
  });
}

// ---- shutdown ----------------------------------------------------------------

describe("chat shutdown", () => {
  for (const mode of Object.keys(MODES)) {
    test(`SIGTERM (${mode}): clients see 'io server disconnect', exit 0 within 5 s`, T, async () => {
      const s = await startChat();
      const cs = [];
      try {
        for (const name of ["Ann", "Bob"]) {
          const c = new Client(s.base, mode, { name });
          cs.push(c);
          await c.ready();
        }
        assert.deepEqual(await cs[0].ack("join", "lobby"), [1]);
        assert.deepEqual(await cs[1].ack("join", "lobby"), [2]);
        const t0 = Date.now();
        s.proc.kill("SIGTERM");
        for (const c of cs) assert.equal(await c.disconnected(6000), "io server disconnect");
        const e = await within(s.exited, 5000, "chat exit after SIGTERM");
        assert.equal(e.code, 0, `exit ${JSON.stringify(e)}\n${s.err.slice(-2000)}`);
        assert.ok(e.at - t0 < 5000, `exit after ${e.at - t0} ms`);
      } finally {
        for (const c of cs) c.close();
        await s.stop();
      }
    });
  }
});

// ---- HTTP ----------------------------------------------------------------------

// One raw request (the target sent as is, not normalized). Resolves to
// { status, headers (lower-case names), body }.
function rawGet(port, target, ms = 5000) {
  return within(
    new Promise((resolve, reject) => {
      const sock = net.connect(port, "127.0.0.1");
      let buf = Buffer.alloc(0);
      let head = null;
      const done = () => {
        sock.destroy();
        if (!head) return reject(new Error(`no response to ${target}: ${JSON.stringify(buf.toString())}`));
        resolve({ ...head, body: buf.subarray(head.bodyAt) });
      };
      sock.on("connect", () =>
        sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
      );
      sock.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        if (!head) {
          const i = buf.indexOf("\r\n\r\n");
          if (i < 0) return;
          const lines = buf.subarray(0, i).toString("latin1").split("\r\n");
          const m = lines[0].match(/^HTTP\/1\.[01] (\d{3})/);
          if (!m) return reject(new Error(`bad status line: ${lines[0]}`));
          const headers = {};
          for (const l of lines.slice(1)) {
            const k = l.indexOf(":");
            headers[l.slice(0, k).trim().toLowerCase()] = l.slice(k + 1).trim();
          }
          head = { status: Number(m[1]), headers, bodyAt: i + 4 };
        }
        const len = Number(head.headers["content-length"]);
        if (Number.isFinite(len) && buf.length - head.bodyAt >= len) done();
      });
      sock.on("close", done);
      sock.on("error", (e) => (head ? done() : reject(e)));
    }),
    ms,
    `raw GET ${target}`,
  );
}

describe("chat HTTP", () => {
  test("GET / serves the page (text/html) with the controls' ids", T, async () => {
    const r = await request("GET", `${srv.base}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers["content-type"] ?? "", /^text\/html/);
    assert.equal(r.text, fs.readFileSync(path.join(WWW, "index.html"), "utf8"));
    for (const id of ["name", "connect", "room", "join", "leave", "text", "say", "file", "upload", "log"])
      assert.match(r.text, new RegExp(`id="${id}"`), `#${id}`);
    assert.match(r.text, /src="\/socket\.io\/socket\.io\.js"/);
  });

  test("GET /socket.io/socket.io.js serves the client bundle", T, async () => {
    const r = await request("GET", `${srv.base}/socket.io/socket.io.js`);
    assert.equal(r.status, 200);
    assert.match(r.headers["content-type"] ?? "", /javascript/);
    assert.ok(r.body.equals(fs.readFileSync(CLIENT_JS)), "bundle bytes differ");
  });

  test("GET /app.js and /style.css serve the files", T, async () => {
    for (const [f, type] of [
      ["app.js", /javascript/],
      ["style.css", /^text\/css/],
    ]) {
      const r = await request("GET", `${srv.base}/${f}`);
      assert.equal(r.status, 200, f);
      assert.match(r.headers["content-type"] ?? "", type, f);
      assert.ok(r.body.equals(fs.readFileSync(path.join(WWW, f))), `${f} bytes differ`);
    }
  });

  test("a missing file is 404", T, async () => {
    const r = await request("GET", `${srv.base}/no-such-file.txt`);
    assert.equal(r.status, 404);
  });

  // libwebsockets decodes and collapses ".." before the server sees the
  // path (as browsers do), so "/%2e%2e/" arrives as "/": nothing can leave
  // www. Such a request is 404, or exactly a file of www (index.html for
  // "/"), never anything else.
  const wwwFiles = fs.readdirSync(WWW).map((f) => fs.readFileSync(path.join(WWW, f)));
  for (const target of [
    "/../../etc/passwd",
    "/%2e%2e/",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/../www/index.html",
    "/..",
    "/../../../../../../../../proc/self/environ",
  ]) {
    test(`traversal: raw GET ${target} stays inside www`, T, async () => {
      const r = await rawGet(srv.port, target);
      const what = `${target}: ${r.status} ${r.body.toString().slice(0, 200)}`;
      assert.ok(r.status === 404 || r.status === 200, what);
      if (r.status === 200)
        assert.ok(wwwFiles.some((b) => b.equals(r.body)), `not a file of www: ${what}`);
      assert.ok(!r.body.toString().includes("root:"), "leaked /etc/passwd");
    });
  }
});
