// alloc.test.mjs - a typed echo allocates nothing per message once warm:
// the bench server runs with an allocation counter preloaded
// (alloc_count.c, "allocations: N" on SIGUSR2), a socket.io-client echoes
// over WebSocket, and the count taken after a warm-up must not grow with
// the echoes. The same run with --raw (json_t handlers, jansson trees)
// must grow: the counter sees per-message allocations when there are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startServer, within, sleep } from "./lib.mjs";

const SO = process.env.SIO_ALLOC_COUNT_SO;
const BENCH = process.env.SIO_BENCH_BIN;
const skip = !SO || !BENCH ? "no allocation counter (sanitized build)" : false;
const WARM = 2000;
const N = 5000;

async function allocations(srv) {
  const seen = (srv.err.match(/allocations: \d+\n/g) || []).length;
  srv.signal("SIGUSR2");
  for (let i = 0; i < 100; i++) {
    const all = srv.err.match(/allocations: (\d+)\n/g) || [];
    if (all.length > seen) return Number(all[all.length - 1].match(/\d+/)[0]);
    await sleep(20);
  }
  throw new Error("no allocation count from the server");
}

async function echoes(sock, n) {
  for (let i = 0; i < n; i++) {
    const p = `hello ${i % 7} \u00e9\n`;
    assert.equal(await sock.timeout(5000).emitWithAck("echo", p), p);
  }
}

// Allocations during N echoes after WARM, on one WebSocket connection.
async function measure(args) {
  const srv = await startServer(args, {
    bin: BENCH,
    name: "bench",
    env: { LD_PRELOAD: SO },
  });
  const sock = io(srv.base, { transports: ["websocket"], reconnection: false });
  try {
    await within(
      new Promise((resolve, reject) => {
        sock.once("connect", resolve);
        sock.once("connect_error", reject);
      }),
      5000,
      "connect",
    );
    await echoes(sock, WARM);
    const before = await allocations(srv);
    await echoes(sock, N);
    return (await allocations(srv)) - before;
  } finally {
    sock.close();
    await srv.stop();
  }
}

test("a typed echo allocates nothing once warm", { skip, timeout: 120000 }, async (t) => {
  const n = await measure([]);
  t.diagnostic(`${n} allocations during ${N} typed echoes`);
  // Any allocation per echo would count N or more; a ping timer's or a
  // rare buffer growth is below N / 500.
  assert.ok(n < N / 500, `${n} allocations during ${N} typed echoes`);
});

test("raw json_t handlers do allocate per echo (the counter counts)", { skip, timeout: 120000 }, async (t) => {
  const n = await measure(["--raw"]);
  t.diagnostic(`${n} allocations during ${N} raw echoes`);
  assert.ok(n >= N, `${n} allocations during ${N} raw echoes`);
});
