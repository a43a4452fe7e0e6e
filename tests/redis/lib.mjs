// Helpers of the Redis cluster tests: a private redis-server (free port,
// temp dir, no persistence, stopped by its PID), chat servers joined to
// it, Node socket.io servers with @socket.io/redis-adapter, clients.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { startServer, sleep, within } from "../interop/lib.mjs";

export { sleep, within };
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CHAT =
  process.env.SIO_CHAT_BIN ?? path.resolve(HERE, "../../build/examples/chat");
const REDIS = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const procs = new Set();
process.on("exit", () => {
  for (const p of procs) {
    try {
      p.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
});

async function portOpen(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`redis on ${port} never accepted`);
}

// A redis-server of its own; restart() stops it and starts it again on
// the same port (an outage of downMs in between).
export async function startRedis(extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-redis-"));
  const r = { port: await freePort(), dir, proc: null };
  r.url = `redis://127.0.0.1:${r.port}`;
  r.start = async () => {
    r.proc = spawn(
      REDIS,
      ["--port", String(r.port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", dir, ...extra],
      { stdio: "ignore" },
    );
    procs.add(r.proc);
    const p = r.proc;
    r.exited = new Promise((res) => p.on("exit", () => { procs.delete(p); res(); }));
    await portOpen(r.port, 10000);
  };
  r.stop = async () => {
    if (!r.proc) return;
    r.proc.kill("SIGKILL");
    await within(r.exited, 5000, "redis exit");
    r.proc = null;
  };
  r.close = async () => {
    await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  await r.start();
  return r;
}

export const startChat = (redis, extra = []) =>
  startServer(["--redis", redis.url, "--www", path.resolve(HERE, "../../examples/chat/www"), ...extra],
    { bin: CHAT, name: "chat" });

export const PROBE =
  process.env.SIO_REDIS_PROBE ?? path.resolve(HERE, "../../build/tests/redis/probe");
export const startProbe = (redis) =>
  startServer(["--redis", redis.url], { bin: PROBE, name: "probe" });

// A Node socket.io 4 server with the Redis adapter (node-server.mjs).
export async function startNode(redis) {
  const proc = spawn(process.execPath, [path.join(HERE, "node-server.mjs"), redis.url], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  procs.add(proc);
  const srv = { proc, err: "" };
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => (srv.err += d));
  proc.stdout.setEncoding("utf8");
  let buf = "";
  const waiting = [];
  srv.lines = [];
  proc.stdout.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      srv.lines.push(line);
      for (const w of waiting.splice(0)) w();
    }
  });
  srv.exited = new Promise((res) => proc.on("exit", () => { procs.delete(proc); res(); }));
  // The next line matching pred, within ms.
  srv.next = async (pred, ms = 8000, what = "node server line") => {
    const end = Date.now() + ms;
    for (;;) {
      const i = srv.lines.findIndex(pred);
      if (i >= 0) return srv.lines.splice(i, 1)[0];
      if (Date.now() > end) throw new Error(`timeout: ${what}\n${srv.err}`);
      await new Promise((r) => {
        waiting.push(r);
        setTimeout(r, 100);
      });
    }
  };
  let seq = 0;
  // Runs a command in the Node server: resolves to its "result".
  srv.cmd = async (op, args = {}, ms = 12000) => {
    const id = ++seq;
    proc.stdin.write(JSON.stringify({ id, op, ...args }) + "\n");
    const l = await srv.next((x) => x.id === id, ms, `node ${op}`);
    if (l.error) throw new Error(`node ${op}: ${l.error}`);
    return l.result;
  };
  const ready = await srv.next((x) => x.ready, 10000, "node ready");
  srv.port = ready.port;
  srv.base = `http://127.0.0.1:${srv.port}`;
  srv.stop = async () => {
    proc.kill("SIGTERM");
    await within(srv.exited, 5000, "node exit").catch(() => proc.kill("SIGKILL"));
  };
  return srv;
}

// A client of the chat protocol, recording every event it receives.
export async function client(base, name, transports = ["websocket"]) {
  const s = io(base, {
    auth: { name },
    transports,
    reconnection: false,
    forceNew: true,
  });
  s.got = [];
  s.onAny((ev, ...args) => s.got.push([ev, ...args]));
  await within(
    new Promise((res, rej) => {
      s.once("connect", res);
      s.once("connect_error", rej);
    }),
    8000,
    `connect ${name}`,
  );
  return s;
}

// Waits until pred holds of c.got (or of anything), within ms.
export async function until(pred, ms = 8000, what = "condition") {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await sleep(25);
  }
}

export const events = (c, name) => c.got.filter((e) => e[0] === name);
export const ack = (c, ev, ...args) =>
  within(c.emitWithAck(ev, ...args), 10000, `ack of ${ev}`);
