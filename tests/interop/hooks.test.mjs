// socket.io-client 4.x against the hooks server (tests/interop/hooks.sio):
// socket data kept per socket, middleware refusals at connect
// (CONNECT_ERROR with message and data) and on events (an error ack,
// before the requirements), and the disconnect handler's reason for each
// way a socket goes, as socket.io names it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { sleep, startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN =
  process.env.SIO_HOOKS_BIN ??
  path.resolve(HERE, "../../build/tests/interop/hooks_server");
const T = { timeout: 20000 };
let srv;

before(async () => {
  srv = await startServer([], { bin: BIN, name: "hooks" });
});
after(async () => {
  const e = await srv.stop();
  assert.equal(e.code, 0, `server exit: ${JSON.stringify(e)}\n${srv.err}`);
});

function connect(name, transports = ["websocket"]) {
  return io(srv.base, {
    auth: { name },
    transports,
    forceNew: true,
    reconnection: false,
    timeout: 5000,
  });
}

const connected = (s) =>
  within(
    new Promise((resolve, reject) => {
      s.once("connect", resolve);
      s.once("connect_error", reject);
    }),
    5000,
    "connect",
  );

const call = (s, ...args) =>
  within(s.timeout(5000).emitWithAck(...args), 6000, args[0]);

// Waits until the server logged "hooks: NAME left: REASON".
async function left(name) {
  const re = new RegExp(`^hooks: ${name} left: (.*)$`, "m");
  let m;
  await within(
    (async () => {
      while (!(m = srv.err.match(re))) await sleep(20);
    })(),
    5000,
    `${name}'s disconnect`,
  );
  return m[1];
}

describe("hooks: socket data and middleware", () => {
  test("the connect middleware refuses with its message and data", T, async () => {
    const s = connect("mallory");
    const err = await within(
      new Promise((resolve, reject) => {
        s.once("connect", () => reject(new Error("connected")));
        s.once("connect_error", resolve);
      }),
      5000,
      "connect_error",
    );
    assert.equal(err.message, "banned");
    assert.deepEqual(err.data, { who: "mallory" });
    s.disconnect();
    assert.doesNotMatch(srv.err, /mallory left/); // never connected
  });

  for (const transports of [["websocket"], ["polling"]]) {
    test(`socket data per socket, middleware before requirements (${transports})`, T, async () => {
      const a = connect("ann", transports);
      const b = connect("bob", transports);
      await Promise.all([connected(a), connected(b)]);
      // Each socket's own data: its name, its count of events (the
      // middleware counts this one too).
      assert.equal(await call(a, "whoami"), "ann");
      const [name, events] = await within(
        new Promise((resolve) => b.emit("whoami", (...r) => resolve(r))),
        5000,
        "whoami",
      );
      assert.deepEqual([name, events], ["bob", 1]);
      // Refused by the middleware: an error ack, the handler never runs.
      assert.deepEqual(await call(a, "forbidden"), { error: "not allowed" });
      // The middleware runs before the guard: the refused "vip" counts.
      assert.deepEqual(await call(a, "vip"), { error: "forbidden: vip" });
      const r = await within(
        new Promise((resolve) => a.emit("whoami", (...x) => resolve(x))),
        5000,
        "whoami",
      );
      assert.deepEqual(r, ["ann", 4]);
      a.disconnect();
      b.disconnect();
    });
  }

  test("the disconnect handler gets socket.io's reason", T, async () => {
    const c = connect("carol");
    const d = connect("dave");
    const e = connect("erin");
    await Promise.all([connected(c), connected(d), connected(e)]);
    c.disconnect(); // the client leaves the namespace
    assert.equal(await left("carol"), "client namespace disconnect");
    const gone = within(
      new Promise((resolve) => d.once("disconnect", resolve)),
      5000,
      "disconnect",
    );
    d.emit("leave"); // the server disconnects it
    assert.equal(await gone, "io server disconnect");
    assert.equal(await left("dave"), "server namespace disconnect");
    e.io.engine.close(); // the connection goes without a goodbye
    assert.equal(await left("erin"), "transport close");
  });

  test("server shutdown: every socket's disconnect handler", T, async () => {
    const f = connect("frank");
    await connected(f);
    await srv.stop();
    assert.equal(await left("frank"), "server shutting down");
    f.disconnect();
  });
});
