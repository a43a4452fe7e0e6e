// Soak: examples/chat under churn, its memory and descriptors watched.
// Each round opens CLIENTS socket.io-client sockets (websocket, polling,
// polling then upgrade, in turn), each joins two rooms, says a line,
// uploads a few bytes, pings, then leaves politely (disconnect) or
// rudely (its TCP connection destroyed). After each round, once the
// server has let go of every connection, one line: round, RSS, open
// descriptors. After the warm-up rounds both must stay flat: the
// descriptors back to the warm-up count, the RSS within a margin of its
// warm-up value. Bounded by SOAK_SECONDS.
//
//   SIO_CHAT_BIN=build/examples/chat SOAK_SECONDS=60 node tests/soak/soak.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { startServer, sleep } from "../interop/lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_CHAT_BIN ?? path.join(ROOT, "build/examples/chat");
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const WARMUP = 3; // rounds before the baseline is taken
const RSS_MARGIN_KB = Number(process.env.SOAK_RSS_MARGIN_KB ?? 8192);
const MODES = [["websocket"], ["polling"], ["polling", "websocket"]];

function rssKb(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m);
  return Number(m[1]);
}
const fds = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;

function ack(s, ...args) {
  return new Promise((resolve, reject) => {
    s.timeout(5000).emit(...args, (err, ...res) => (err ? reject(err) : resolve(res)));
  });
}

// One client's life; resolves once it is gone (either way).
async function life(base, i, round) {
  const s = io(base, {
    transports: MODES[i % MODES.length],
    forceNew: true,
    reconnection: false,
    timeout: 5000,
    auth: { name: `u${round}-${i}` },
  });
  try {
    await new Promise((resolve, reject) => {
      s.once("connect", resolve);
      s.once("connect_error", reject);
    });
    await ack(s, "join", `r${i % 7}`);
    await ack(s, "join", `own${round}-${i}`);
    await ack(s, "say", `r${i % 7}`, `hello ${i}`);
    if (i % 5 === 0) await ack(s, "upload", `r${i % 7}`, "f.bin", Buffer.alloc(512, i));
    if (i % 3 === 0) await ack(s, "leave", `own${round}-${i}`);
  } finally {
    if (i % 2 === 0) {
      s.disconnect();
    } else {
      // rude: the transport's socket goes without a close packet
      const t = s.io.engine?.transport;
      t?.ws?._socket?.destroy?.();
      s.io.engine?.close?.();
      s.disconnect();
    }
  }
}

// Waits (bounded) until the server holds no more than want descriptors.
async function settle(pid, want) {
  for (let k = 0; k < 100 && fds(pid) > want; k++) await sleep(100);
  return fds(pid);
}

const srv = await startServer(
  ["--www", path.join(ROOT, "examples/chat/www"), "--client-js", "/dev/null"],
  { bin: BIN, name: "chat" },
);
const pid = srv.proc.pid;
const idleFds = fds(pid);
const t0 = Date.now();
let base = null;
let failed = 0;
let rounds = 0;
try {
  for (let round = 1; Date.now() - t0 < SECONDS * 1000; round++) {
    const res = await Promise.allSettled(
      Array.from({ length: CLIENTS }, (_, i) => life(srv.base, i, round)),
    );
    const bad = res.filter((r) => r.status === "rejected");
    const fd = await settle(pid, idleFds);
    const rss = rssKb(pid);
    rounds = round;
    console.log(`round ${round}: rss ${rss} kB, fds ${fd}, failed clients ${bad.length}`);
    if (bad.length) {
      console.log(`  first failure: ${bad[0].reason?.message ?? bad[0].reason}`);
      failed++;
    }
    if (round === WARMUP) base = { rss, fd };
    if (base && round > WARMUP) {
      if (fd > base.fd) {
        console.log(`FAIL round ${round}: ${fd} descriptors, ${base.fd} after warm-up`);
        failed++;
      }
      if (rss > base.rss + RSS_MARGIN_KB) {
        console.log(`FAIL round ${round}: rss ${rss} kB, ${base.rss} kB after warm-up (+${RSS_MARGIN_KB} allowed)`);
        failed++;
      }
    }
  }
} finally {
  const e = await srv.stop();
  if (e.code !== 0) {
    console.log(`FAIL server exit ${JSON.stringify(e)}`);
    failed++;
  }
}
if (rounds <= WARMUP) {
  console.log(`FAIL only ${rounds} rounds in ${SECONDS} s: nothing compared`);
  failed++;
}
console.log(`soak: ${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed (${rounds} rounds)`);
process.exit(failed ? 1 : 0);
