// The three poll servers of tests/poll: start one on 127.0.0.1 on a free
// port, stop it by its PID. Every wait is bounded.
//
// Environment (run.sh sets it): POLL_C_BIN (the C server; default
// build/examples/poll), POLL_WWW (its --www), POLL_SERVERS (which to run,
// default "c flask node"), POLL_NODE_PATH (where the Node peer finds
// socket.io).
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const POLL = path.join(ROOT, "examples/poll");
export const PASSWORD = "correct horse";
export const WAIT_MS = 10000; // any one wait
const START_MS = 30000; // a start (Python's imports are slow on a busy machine)

export const kinds = (all = "c flask node") =>
  (process.env.POLL_SERVERS ?? all).split(/\s+/).filter((k) => all.split(" ").includes(k));

export const within = (promise, ms, what) => {
  let timer;
  const t = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
};

// A free port: bound by the kernel, released, then handed to a peer
// (which takes the port as a number, not 0).
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function portOpen(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.on("connect", () => { c.destroy(); resolve(true); });
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} never opened`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SERVERS = {
  c: async () => {
    const args = ["--host", "127.0.0.1", "--port", "0", "--www", process.env.POLL_WWW ?? path.join(POLL, "www")];
    return { cmd: process.env.POLL_C_BIN ?? path.join(ROOT, "build/examples/poll"), args, port: 0 };
  },
  flask: async () => ({ cmd: "/usr/bin/python3", args: [path.join(POLL, "peers/flask/app.py")], port: await freePort() }),
  node: async () => ({ cmd: process.execPath, args: [path.join(POLL, "peers/node/server.js")], port: await freePort() }),
};

// Starts one server; resolves to { base, stop() }.
export async function start(kind) {
  const { cmd, args, port } = await SERVERS[kind]();
  const env = { ...process.env, POLL_PASSWORD: PASSWORD, PORT: String(port) };
  if (process.env.POLL_NODE_PATH) env.NODE_PATH = process.env.POLL_NODE_PATH;
  const proc = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const srv = { proc, out: "", err: "" };
  srv.exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  proc.stdout.setEncoding("utf8");
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => (srv.err += d));
  let p = port;
  if (!p) {
    // The C server prints its start line with the port it got.
    p = await within(new Promise((resolve, reject) => {
      proc.on("exit", () => reject(new Error(`exited: ${srv.err}`)));
      proc.stdout.on("data", (d) => {
        srv.out += d;
        const m = /listening on http:\/\/[^:]+:(\d+)\//.exec(srv.out);
        if (m) resolve(Number(m[1]));
      });
    }), START_MS, `${kind}: start line`);
  } else {
    proc.stdout.on("data", (d) => (srv.out += d));
  }
  await within(Promise.race([portOpen(p, START_MS), srv.exited.then(() => { throw new Error(`${kind} exited: ${srv.err}`); })]),
    START_MS + 1000, `${kind}: port`).catch((e) => {
    proc.kill("SIGKILL");
    throw new Error(`${e.message}\n${kind} stderr: ${srv.err.slice(-2000)}`);
  });
  srv.base = `http://127.0.0.1:${p}`;
  srv.stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const e = await within(srv.exited, WAIT_MS, `${kind}: exit after SIGTERM`).catch(() => {
      proc.kill("SIGKILL");
      return null;
    });
    return e;
  };
  return srv;
}

