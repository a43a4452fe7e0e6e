// reuse_port.test.mjs - several processes on one port (eio_options
// reuse_port, the bench server's --reuse-port): a second server starts on
// the first one's port, one without the option cannot, and WebSocket
// clients are spread over both (stopping one leaves the other's clients
// connected and answering).
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startServer, within, sleep } from "./lib.mjs";

const BENCH = process.env.SIO_BENCH_BIN;
const N = 40;

test("two processes share a port with reuse_port", { skip: !BENCH && "no bench server", timeout: 60000 }, async () => {
  const opts = { bin: BENCH, name: "bench" };
  const a = await startServer(["--reuse-port"], opts);
  const b = await startServer(["--reuse-port", "--port", String(a.port)], opts).catch((e) => e);
  const socks = [];
  try {
    assert.ok(!(b instanceof Error), `second server: ${b && b.message}`);
    assert.equal(b.port, a.port);
    await assert.rejects(startServer(["--port", String(a.port)], opts));
    for (let i = 0; i < N; i++) {
      const s = io(a.base, { transports: ["websocket"], reconnection: false, forceNew: true });
      socks.push(s);
      await within(new Promise((ok, ko) => { s.once("connect", ok); s.once("connect_error", ko); }), 5000, "connect");
      assert.equal(await s.timeout(5000).emitWithAck("echo", `x${i}`), `x${i}`);
    }
    await a.stop();
    // The kernel spread the connections: a's went with it, b's stay.
    for (let i = 0; i < 50 && socks.every((s) => s.connected); i++) await sleep(50);
    const left = socks.filter((s) => s.connected);
    assert.ok(left.length > 0 && left.length < N, `${left.length} of ${N} still connected`);
    for (const s of left) assert.equal(await s.timeout(5000).emitWithAck("echo", "still"), "still");
  } finally {
    for (const s of socks) s.close();
    await a.stop();
    if (!(b instanceof Error)) await b.stop();
  }
});
