// socket.io-client 4.x (npm) against the conformance server, over
// websocket only, polling only, and polling upgraded to websocket.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { io, Manager } from "socket.io-client";
import { sleep, startServer, within } from "./lib.mjs";

const T = { timeout: 20000 };
let srv;

before(async () => {
  srv = await startServer();
});
after(async () => {
  const e = await srv.stop();
  assert.equal(e.code, 0, `server exit: ${JSON.stringify(e)}`);
});

const MODES = {
  websocket: { transports: ["websocket"] },
  polling: { transports: ["polling"] },
  upgrade: { transports: ["polling", "websocket"] },
};

const open = new Set();
function connect(base, mode, nsp = "/", extra = {}) {
  const s = io(base + nsp, {
    ...MODES[mode],
    forceNew: true,
    reconnection: false,
    timeout: 5000,
    ...extra,
  });
  open.add(s);
  return s;
}
function closeAll() {
  for (const s of open) s.disconnect();
  open.clear();
}

// Resolves with the arguments of the next `ev` on emitter.
function once(emitter, ev, ms = 5000) {
  return within(
    new Promise((resolve) => emitter.once(ev, (...args) => resolve(args))),
    ms,
    `event ${ev}`,
  );
}

async function connected(s, ms = 5000) {
  if (s.connected) return;
  const r = await within(
    new Promise((resolve, reject) => {
      s.once("connect", resolve);
      s.once("connect_error", reject);
    }),
    ms,
    "connect",
  );
  return r;
}

// Waits (bounded) until the engine runs on websocket.
async function upgraded(s, ms = 5000) {
  const deadline = Date.now() + ms;
  while (s.io.engine?.transport?.name !== "websocket") {
    if (Date.now() > deadline) throw new Error("no upgrade to websocket");
    await sleep(20);
  }
}

// Binary values become {bin: hex} so deepEqual compares bytes, whatever
// the view type the client produced.
function norm(v) {
  if (v instanceof ArrayBuffer) return { bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v))
    return { bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

const MIXED = [1, "2", { 3: [true, false, null] }, -1.5, "h\u00e9\u20ac\u{1F600}", [[], {}], 9007199254740991];

for (const mode of Object.keys(MODES)) {
  describe(`socket.io-client over ${mode}`, () => {
    after(closeAll);

    test("connect: auth payload comes back in 'auth'", T, async () => {
      const auth = { token: "abc", n: 1, nested: { a: [1, null, "x"] } };
      const s = connect(srv.base, mode, "/", { auth });
      const got = once(s, "auth");
      await connected(s);
      assert.equal(typeof s.id, "string");
      assert.deepEqual(await got, [auth]);
      if (mode === "upgrade") await upgraded(s);
      else assert.equal(s.io.engine.transport.name, mode);
      s.disconnect();
    });

    test("connect without auth: 'auth' is {}", T, async () => {
      const s = connect(srv.base, mode);
      assert.deepEqual(await once(s, "auth"), [{}]);
      s.disconnect();
    });

    test("emit 'message' with mixed args: 'message-back' echoes them", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      const back = once(s, "message-back");
      s.emit("message", ...MIXED);
      assert.deepEqual(await back, MIXED);
      if (mode === "upgrade") {
        await upgraded(s);
        const back2 = once(s, "message-back");
        s.emit("message", "after upgrade", 2);
        assert.deepEqual(await back2, ["after upgrade", 2]);
      }
      s.disconnect();
    });

    test("acks: emitWithAck and a multi-argument callback", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      assert.deepEqual(await within(s.emitWithAck("message-with-ack", { a: 1 }, 2), 5000, "ack"), { a: 1 });
      const args = await within(
        new Promise((resolve) => s.emit("message-with-ack", ...MIXED, (...a) => resolve(a))),
        5000,
        "ack",
      );
      assert.deepEqual(args, MIXED);
      const none = await within(
        new Promise((resolve) => s.emit("message-with-ack", (...a) => resolve(a))),
        5000,
        "ack",
      );
      assert.deepEqual(none, []);
      s.disconnect();
    });

    test("binary both ways, nested, in events and acks", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      const args = [
        Buffer.from([1, 2, 3]),
        { nested: { u8: Uint8Array.from([4, 5, 0, 255]), list: [Buffer.from("hi"), "x", Buffer.alloc(0)] } },
        "text",
        [Uint8Array.from([9])],
      ];
      const back = once(s, "message-back");
      s.emit("message", ...args);
      const got = await back;
      assert.ok(Buffer.isBuffer(got[0]) || got[0] instanceof ArrayBuffer || ArrayBuffer.isView(got[0]));
      assert.deepEqual(norm(got), norm(args));
      const ack = await within(
        new Promise((resolve) => s.emit("message-with-ack", ...args, (...a) => resolve(a))),
        5000,
        "binary ack",
      );
      assert.deepEqual(norm(ack), norm(args));
      s.disconnect();
    });

    test("large binary (300 KB) round trip", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      const big = Buffer.alloc(300 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
      const back = once(s, "message-back", 10000);
      s.emit("message", big);
      const [got] = await back;
      assert.equal(norm(got).bin, big.toString("hex"));
      s.disconnect();
    });

    test("500 events in a row come back in order", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      const N = 500;
      const got = [];
      const done = within(
        new Promise((resolve) =>
          s.on("message-back", (i) => {
            got.push(i);
            if (got.length === N) resolve();
          }),
        ),
        15000,
        `${N} message-back`,
      );
      for (let i = 0; i < N; i++) s.emit("message", i);
      await done;
      assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
      s.disconnect();
    });

    test("stays connected across heartbeats (300/200)", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      let reason = null;
      s.on("disconnect", (r) => (reason = r));
      await sleep(1500);
      assert.equal(reason, null);
      assert.ok(s.connected);
      assert.deepEqual(await within(s.emitWithAck("message-with-ack", "still"), 5000, "ack"), "still");
      s.disconnect();
    });

    test("client disconnect, then a new connection works", T, async () => {
      const s = connect(srv.base, mode);
      await connected(s);
      const d = once(s, "disconnect");
      s.disconnect();
      assert.deepEqual((await d)[0], "io client disconnect");
      assert.equal(s.connected, false);
      const s2 = connect(srv.base, mode);
      await connected(s2);
      assert.equal(await within(s2.emitWithAck("message-with-ack", 1), 5000, "ack"), 1);
      s2.disconnect();
    });

    test("unknown namespace: connect_error 'Invalid namespace'", T, async () => {
      const s = connect(srv.base, mode, "/random");
      const [err] = await once(s, "connect_error");
      assert.equal(err.message, "Invalid namespace");
      assert.equal(s.connected, false);
      s.disconnect();
    });

    test("two namespaces multiplexed on one Manager", T, async () => {
      const manager = new Manager(srv.base, { ...MODES[mode], reconnection: false, timeout: 5000 });
      const a = manager.socket("/", { auth: { ns: "main" } });
      const b = manager.socket("/custom", { auth: { ns: "custom" } });
      open.add(a);
      open.add(b);
      const [authA, authB] = await Promise.all([once(a, "auth"), once(b, "auth")]);
      assert.deepEqual(authA, [{ ns: "main" }]);
      assert.deepEqual(authB, [{ ns: "custom" }]);
      assert.ok(a.connected && b.connected);
      assert.equal(a.io, b.io);
      assert.notEqual(a.id, b.id);
      // "/custom" has no message handlers: no echo there, an error ack.
      let echoedOnB = false;
      b.on("message-back", () => (echoedOnB = true));
      b.emit("message", "to custom");
      assert.deepEqual(await within(b.emitWithAck("message-with-ack", 1), 5000, "ack on /custom"), { error: "unknown event" });
      const back = once(a, "message-back");
      a.emit("message", "to main");
      assert.deepEqual(await back, ["to main"]);
      assert.equal(echoedOnB, false);
      // Leaving /custom keeps "/" and the shared engine.
      const d = once(b, "disconnect");
      b.disconnect();
      assert.equal((await d)[0], "io client disconnect");
      assert.equal(await within(a.emitWithAck("message-with-ack", "a"), 5000, "ack on /"), "a");
      assert.ok(a.connected);
      a.disconnect();
    });
  });
}

describe("server shutdown", () => {
  for (const mode of ["websocket", "polling"]) {
    test(`SIGTERM: 'io server disconnect' on both namespaces (${mode}), exit 0 within 5 s`, T, async () => {
      const s = await startServer();
      try {
        const manager = new Manager(s.base, { ...MODES[mode], reconnection: false, timeout: 5000 });
        const a = manager.socket("/");
        const b = manager.socket("/custom");
        await Promise.all([connected(a), connected(b)]);
        const da = once(a, "disconnect", 6000);
        const db = once(b, "disconnect", 6000);
        const t0 = Date.now();
        s.signal("SIGTERM");
        assert.equal((await da)[0], "io server disconnect");
        assert.equal((await db)[0], "io server disconnect");
        const e = await within(s.exited, 5000, "server exit");
        assert.equal(e.code, 0, `exit ${JSON.stringify(e)}`);
        assert.ok(e.at - t0 < 5000, `exit after ${e.at - t0} ms`);
        assert.equal(a.connected, false);
      } finally {
        await s.stop();
      }
    });
  }
});
