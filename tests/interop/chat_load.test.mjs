// Load sanity for examples/chat (bounded in time): 1,000 socket.io-client
// sockets (websocket) join one room, one of them says 100 messages, every
// socket receives all 100 `said` in order. Skips, saying why, when this
// environment cannot open 1,000 sockets (file descriptor limit).
//
// The server binary comes from $SIO_CHAT_BIN (run.sh sets it), started on
// 127.0.0.1 with --port 0 and stopped by its PID.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_CHAT_BIN ?? path.join(ROOT, "build/examples/chat");
const CLIENT_JS = path.join(ROOT, "tests/node_modules/socket.io-client/dist/socket.io.js");
const SOCKETS = 1000;
const MESSAGES = 100;
const BATCH = 100; // connections opened at a time

// The soft limit on open files this process (and the server it starts)
// has, or Infinity.
function fdLimit() {
  try {
    const v = execFileSync("/bin/sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    return v === "unlimited" ? Infinity : Number(v);
  } catch {
    return NaN;
  }
}

function startChat() {
  return startServer(
    ["--www", path.join(ROOT, "examples/chat/www"), "--client-js", CLIENT_JS],
    { bin: BIN, name: "chat" },
  );
}

test(`load: ${SOCKETS} sockets in one room, ${MESSAGES} says, all received in order`, { timeout: 60000 }, async (t) => {
  const limit = fdLimit();
  // The server and this process each need one descriptor per socket.
  if (!(limit >= SOCKETS + 200)) {
    t.skip(`open files limit is ${limit}, ${SOCKETS + 200} needed (ulimit -n)`);
    return;
  }
  const t0 = Date.now();
  const srv = await startChat();
  const sockets = [];
  const got = [];
  try {
    const ROOM = "load";
    // Connect and join, BATCH at a time.
    for (let i = 0; i < SOCKETS; i += BATCH) {
      const batch = [];
      for (let j = i; j < Math.min(i + BATCH, SOCKETS); j++) {
        const s = io(srv.base, {
          transports: ["websocket"],
          forceNew: true,
          reconnection: false,
          timeout: 10000,
          auth: { name: `u${j}` },
        });
        sockets.push(s);
        got.push([]);
        s.on("said", (from, room, text) => got[j].push([from, room, text]));
        batch.push(
          new Promise((resolve, reject) => {
            s.once("connect", resolve);
            s.once("connect_error", reject);
          }).then(() => s.timeout(10000).emitWithAck("join", ROOM)),
        );
      }
      let acks;
      try {
        acks = await within(Promise.all(batch), 20000, `sockets ${i}..${i + batch.length - 1}`);
      } catch (e) {
        if (/EMFILE|ENFILE|too many open files/i.test(`${e.message} ${e.description?.message ?? ""} ${srv.err}`)) {
          t.skip(`cannot open ${SOCKETS} sockets here: ${e.message}`);
          return;
        }
        throw e;
      }
      for (const a of acks) assert.ok(Number.isInteger(a) && a > i && a <= i + batch.length, `join ack ${a}`);
    }
    const tConnected = Date.now();
    // The room counts every socket: one more join acks the total.
    assert.equal(await sockets[0].timeout(10000).emitWithAck("join", ROOM), SOCKETS);

    const sender = sockets[SOCKETS - 1];
    const acks = [];
    for (let k = 0; k < MESSAGES; k++) acks.push(sender.timeout(20000).emitWithAck("say", ROOM, `m${k}`));
    assert.deepEqual(await within(Promise.all(acks), 25000, "say acks"), Array(MESSAGES).fill(true));
    const deadline = Date.now() + 25000;
    while (got.some((g) => g.length < MESSAGES) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const want = Array.from({ length: MESSAGES }, (_, k) => [`u${SOCKETS - 1}`, ROOM, `m${k}`]);
    const short = got.map((g, i) => [i, g.length]).filter(([, n]) => n !== MESSAGES);
    assert.deepEqual(short.slice(0, 10), [], `sockets without exactly ${MESSAGES} said: ${short.length}`);
    for (let i = 0; i < SOCKETS; i++) assert.deepEqual(got[i], want, `socket ${i}: order or content`);
    assert.ok(sockets.every((s) => s.connected), "a socket was disconnected");
    t.diagnostic(
      `connect+join ${tConnected - t0} ms, ${SOCKETS * MESSAGES} deliveries ${Date.now() - tConnected} ms`,
    );
  } finally {
    for (const s of sockets) s.disconnect();
    const e = await srv.stop();
    assert.equal(e.code, 0, `chat exit: ${JSON.stringify(e)}\n${srv.err.slice(-2000)}`);
  }
});
