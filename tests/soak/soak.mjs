// Soak: churns rounds of socket.io clients against examples/chat for a
// while and watches the server's resident memory and open descriptors.
// Each round, CLIENTS clients (half WebSocket, half long-polling) connect,
// join rooms, say things, upload a file, ask `rooms` and `ping_me`, then
// leave in one of four ways: a polite disconnect, closing the Engine.IO
// connection, killing the TCP connection under a WebSocket (rude), or a
// bad packet that makes the server close it. After each round it prints
// one line: round, clients, RSS, descriptors, errors.
//
// Verdict (the process exits 1 on failure, 0 otherwise):
//   - every client of every round did its work (no errors);
//   - the server is alive at the end and exits 0 on SIGTERM (under
//     AddressSanitizer that means no leak and no memory error);
//   - descriptors return to the level of the first round;
//   - with --check-rss: the RSS of the last quarter of the rounds stays
//     within 10 % + 2 MiB of the second quarter's (after warm-up).
//
//   node soak.mjs --bin CHAT --seconds N [--clients N] [--check-rss]
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { io } from "socket.io-client";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const BIN = opt("--bin");
const SECONDS = Number(opt("--seconds", "60"));
const CLIENTS = Number(opt("--clients", "200"));
const CHECK_RSS = args.includes("--check-rss");
const ROOMS = 20;
const MIN_ROUNDS = 8; // the RSS verdict compares quarters of the rounds
const late = { count: 0 }; // ping_me answered `timeout`
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function within(p, ms, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))),
  ]).finally(() => clearTimeout(t));
}

async function startChat() {
  const proc = spawn(BIN, ["--host", "127.0.0.1", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "", err = "";
  proc.stderr.on("data", (d) => {
    err += d;
    if (err.length > 1 << 20) err = err.slice(-(1 << 19));
  });
  const exited = new Promise((r) => proc.on("exit", (code, signal) => r({ code, signal })));
  const port = await within(
    new Promise((resolve, reject) => {
      proc.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on https?:\/\/127\.0\.0\.1:(\d+)\//);
        if (m) resolve(Number(m[1]));
      });
      exited.then((e) => reject(new Error(`chat exited: ${JSON.stringify(e)} ${err}`)));
    }),
    15000,
    "chat start",
  );
  process.on("exit", () => proc.kill("SIGKILL"));
  return { proc, port, exited, stderr: () => err };
}

function usage(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(status.match(/VmRSS:\s+(\d+) kB/)[1]);
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
  return { rss, fds };
}

const ack = (s, ev, ...a) =>
  within(
    new Promise((resolve, reject) =>
      s.timeout(10000).emit(ev, ...a, (e, ...r) => (e ? reject(e) : resolve(r))),
    ),
    12000,
    ev,
  );

// One client's life; resolves to null or what went wrong.
async function life(port, n, round) {
  const ws = n % 2 === 0;
  const s = io(`http://127.0.0.1:${port}`, {
    transports: ws ? ["websocket"] : ["polling"],
    forceNew: true,
    reconnection: false,
    timeout: 10000,
    auth: { name: `c${round}-${n}` },
  });
  try {
    await within(
      new Promise((res, rej) => {
        s.once("connect", res);
        s.once("connect_error", rej);
      }),
      15000,
      "connect",
    );
    s.on("ping", (k, cb) => cb(k + 1));
    const rooms = [n % ROOMS, (n * 7) % ROOMS, (n * 13 + round) % ROOMS].map((r) => `room${r}`);
    for (const r of rooms) await ack(s, "join", r);
    for (let i = 0; i < 5; i++) {
      const [ok] = await ack(s, "say", rooms[i % rooms.length], `hello ${i} from ${n}`);
      if (ok !== true) throw new Error(`say: ${JSON.stringify(ok)}`);
    }
    if (n % 10 === 0) {
      const [size] = await ack(s, "upload", rooms[0], "f.bin", Buffer.alloc(64 * 1024, n & 255));
      if (size !== 64 * 1024) throw new Error(`upload: ${size}`);
    }
    const [mine] = await ack(s, "rooms");
    if (mine.length !== new Set(rooms).size) throw new Error(`rooms: ${mine}`);
    // The chat waits 1 s for the client's answer: a loaded machine may
    // miss that, and the error ack `timeout` is then the right answer.
    const [reply] = await ack(s, "ping_me", n);
    if (reply?.error === "timeout") late.count++;
    else if (reply !== n + 1) throw new Error(`ping_me: ${JSON.stringify(reply)}`);
    await ack(s, "leave", rooms[0]);
    switch (n % 4) {
      case 0:
        s.disconnect();
        break;
      case 1:
        s.io.engine.close();
        break;
      case 2:
        if (ws) s.io.engine.transport.ws._socket.destroy();
        else s.disconnect();
        break;
      default:
        // a packet the server refuses: it closes this connection only
        if (ws) s.io.engine.transport.ws.send("4-garbage");
        s.disconnect();
    }
    return null;
  } catch (e) {
    s.close();
    return `${ws ? "ws" : "polling"} #${n}: ${e.message}`;
  }
}

// Waits (bounded) until the server's descriptors settle at or under max.
async function settle(pid, max) {
  let u = usage(pid);
  for (let i = 0; i < 50 && u.fds > max; i++) {
    await sleep(100);
    u = usage(pid);
  }
  return u;
}

async function main() {
  const chat = await startChat();
  const pid = chat.proc.pid;
  const base = usage(pid);
  const rows = [];
  const problems = [];
  const end = Date.now() + SECONDS * 1000;
  console.log(`soak: chat pid ${pid}, ${CLIENTS} clients per round, ${SECONDS} s`);
  console.log(`soak: start rss ${base.rss} kB, fds ${base.fds}`);
  for (let round = 1; Date.now() < end || round <= MIN_ROUNDS; round++) {
    const errs = (await Promise.all(Array.from({ length: CLIENTS }, (_, n) => life(chat.port, n, round)))).filter(Boolean);
    const u = await settle(pid, base.fds + 2);
    rows.push(u);
    console.log(`soak: round ${round} clients ${CLIENTS} rss ${u.rss} kB fds ${u.fds} errors ${errs.length}`);
    for (const e of errs.slice(0, 3)) console.log(`soak:   ${e}`);
    problems.push(...errs);
    if (chat.proc.exitCode !== null) break;
  }
  const alive = chat.proc.exitCode === null;
  const last = rows[rows.length - 1];
  console.log(
    `soak: end rss ${last.rss} kB, fds ${last.fds}, rounds ${rows.length}, ` +
      `ping_me timeouts ${late.count}`,
  );
  let failed = 0;
  const check = (ok, what) => {
    console.log(`${ok ? "ok" : "not ok"} - ${what}`);
    if (!ok) failed++;
  };
  check(problems.length === 0, `every client did its work (${problems.length} errors)`);
  check(alive, "the server is alive after the rounds");
  check(last.fds <= base.fds + 2, `descriptors back to the start (${base.fds} -> ${last.fds})`);
  if (CHECK_RSS) {
    const q = Math.max(1, Math.floor(rows.length / 4));
    const med = (v) => v.map((r) => r.rss).sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const ref = med(rows.slice(q, 2 * q));
    const tail = med(rows.slice(rows.length - q));
    check(tail <= ref * 1.1 + 2048, `RSS flat after warm-up (${ref} kB -> ${tail} kB)`);
  }
  chat.proc.kill("SIGTERM");
  const e = await within(chat.exited, 15000, "chat exit").catch(() => {
    chat.proc.kill("SIGKILL");
    return { code: null, signal: "SIGKILL" };
  });
  check(e.code === 0, `the server exits 0 on SIGTERM (${JSON.stringify(e)})`);
  if (e.code !== 0) console.log(chat.stderr().split("\n").filter((l) => /Sanitizer|ERROR|SUMMARY/.test(l)).slice(0, 20).join("\n"));
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`not ok - soak: ${e.stack}`);
  process.exit(1);
});
