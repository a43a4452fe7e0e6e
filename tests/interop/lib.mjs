// Shared helpers of the interop tests: start/stop the conformance server,
// raw HTTP requests, a raw WebSocket with a message queue, time bounds.
//
// The server binary comes from $SIO_CONFORMANCE_BIN (run.sh sets it);
// every server is started on 127.0.0.1 with --port 0 and stopped by its
// PID. Every wait is bounded.
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BIN =
  process.env.SIO_CONFORMANCE_BIN ??
  path.resolve(HERE, "../../build/examples/conformance");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Rejects after ms with a message naming what was awaited.
export function within(promise, ms, what) {
  let timer;
  const t = new Promise((_, rej) => {
    timer = setTimeout(
      () => rej(new Error(`timeout after ${ms} ms: ${what}`)),
      ms,
    );
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

const started = new Set();
process.on("exit", () => {
  for (const s of started) {
    try {
      s.proc.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

// Starts an example server (the conformance one unless bin and name say
// otherwise) with extra args (and env added to this process's). Resolves to { proc, port, base, err,
// stderr(), stop() } once its start line "NAME: listening on ..." was read
// and the port accepts TCP connections.
export async function startServer(
  args = [],
  { readyMs = 15000, bin = BIN, name = "conformance", env } = {},
) {
  const proc = spawn(bin, ["--host", "127.0.0.1", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: env ? { ...process.env, ...env } : process.env,
  });
  const srv = {
    proc,
    port: 0,
    base: "",
    out: "",
    err: "",
    exit: null,
  };
  started.add(srv);
  srv.exited = new Promise((resolve) => {
    proc.on("exit", (code, signal) => {
      srv.exit = { code, signal, at: Date.now() };
      started.delete(srv);
      resolve(srv.exit);
    });
  });
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => {
    srv.err += d;
    if (process.env.INTEROP_VERBOSE) process.stderr.write(d);
  });
  proc.stdout.setEncoding("utf8");
  const line = new Promise((resolve, reject) => {
    proc.on("error", reject);
    proc.stdout.on("data", (d) => {
      srv.out += d;
      const m = srv.out.match(
        new RegExp(`^${name}: listening on (https?)://127\\.0\\.0\\.1:(\\d+)/\n`),
      );
      if (m) {
        srv.scheme = m[1];
        resolve(Number(m[2]));
      }
    });
    srv.exited.then((e) =>
      reject(new Error(`server exited before listening: ${JSON.stringify(e)}\n${srv.err}`)),
    );
  });
  try {
    srv.port = await within(line, readyMs, "server start line");
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  if (!(srv.port > 0 && srv.port < 65536))
    throw new Error(`bad port in start line: ${srv.out}`);
  srv.base = `${srv.scheme}://127.0.0.1:${srv.port}`;
  // Bounded readiness check: the port must accept a TCP connection.
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) {
    ok = await new Promise((resolve) => {
      const s = net.connect(srv.port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (!ok) await sleep(100);
  }
  if (!ok) {
    proc.kill("SIGKILL");
    throw new Error(`port ${srv.port} never accepted`);
  }
  srv.stderr = () => srv.err;
  // SIGTERM, then waits at most graceMs; SIGKILL after that. Resolves to
  // { code, signal, ms } (ms: from the signal to the exit).
  srv.signal = (sig = "SIGTERM") => {
    if (srv.exit === null) proc.kill(sig);
  };
  srv.stop = async (graceMs = 5000) => {
    if (srv.exit) return { ...srv.exit, ms: 0 };
    const t0 = Date.now();
    proc.kill("SIGTERM");
    try {
      const e = await within(srv.exited, graceMs, "server exit after SIGTERM");
      return { ...e, ms: e.at - t0 };
    } catch (err) {
      proc.kill("SIGKILL");
      await within(srv.exited, 5000, "server exit after SIGKILL").catch(
        () => {},
      );
      return { code: null, signal: "SIGKILL", ms: Date.now() - t0, timedOut: true };
    }
  };
  srv.alive = () => srv.exit === null;
  return srv;
}

// One HTTP request on a fresh connection. Resolves to
// { status, headers, body (Buffer), text } or { error } when the server
// closed the connection without an answer.
export function request(method, url, { headers = {}, body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`));
    }, timeoutMs);
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        const b = Buffer.concat(chunks);
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: b,
          text: b.toString("utf8"),
        });
      });
      res.on("error", (error) => {
        clearTimeout(timer);
        resolve({ error });
      });
    });
    req.on("error", (error) => {
      clearTimeout(timer);
      resolve({ error });
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

// Engine.IO URLs.
export function eioUrl(srv, { path = "/socket.io/", sid, transport = "polling", extra = "" } = {}) {
  let u = `${srv.base}${path}?EIO=4&transport=${transport}`;
  if (sid) u += `&sid=${encodeURIComponent(sid)}`;
  return u + extra;
}

// Polling handshake: resolves to the parsed open packet.
export async function pollingOpen(srv, path = "/socket.io/") {
  const r = await request("GET", eioUrl(srv, { path }));
  if (r.error) throw r.error;
  if (r.status !== 200 || r.text[0] !== "0")
    throw new Error(`handshake failed: ${r.status} ${r.text}`);
  return JSON.parse(r.text.slice(1));
}

export const poll = (srv, sid, path = "/socket.io/", timeoutMs = 5000) =>
  request("GET", eioUrl(srv, { path, sid }), { timeoutMs });

export const push = (srv, sid, body, path = "/socket.io/") =>
  request("POST", eioUrl(srv, { path, sid }), {
    body,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });

// Polls until a payload holds something other than pings (answering each
// ping with a pong), at most `tries` polls. Resolves to the packets
// (strings) of that payload, pings removed.
export async function pollPackets(srv, sid, path = "/socket.io/", tries = 10) {
  for (let i = 0; i < tries; i++) {
    const r = await poll(srv, sid, path);
    if (r.error) throw r.error;
    if (r.status !== 200) throw new Error(`poll: ${r.status} ${r.text}`);
    const pkts = r.text.split("\x1e");
    const rest = pkts.filter((p) => p !== "2");
    if (rest.length !== pkts.length) await push(srv, sid, "3", path);
    if (rest.length) return rest;
  }
  throw new Error(`no packet after ${tries} polls`);
}

// A raw WebSocket whose messages go to a queue, so none is lost between
// two awaits. Text arrives as string, binary as Buffer. With autoPong, an
// Engine.IO ping "2" is answered "3" and not queued.
export class RawWs {
  constructor(url, { autoPong = true, headers } = {}) {
    this.queue = [];
    this.waiters = [];
    this.autoPong = autoPong;
    this.closeInfo = null;
    this.openedAt = null;
    this.errors = [];
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => {
        this.openedAt = Date.now();
        resolve();
      });
      this.ws.once("unexpected-response", (req, res) => {
        this.refusedStatus = res.statusCode;
        reject(new Error(`unexpected response ${res.statusCode}`));
        res.resume();
        req.destroy(); // with a listener, aborting is ours to do
      });
      this.ws.once("close", () => reject(new Error("closed before open")));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), at: Date.now() };
        resolve(this.closeInfo);
        this._wake();
      });
    });
    this.ws.on("error", (e) => this.errors.push(e));
    this.ws.on("message", (data, isBinary) => {
      const m = isBinary ? Buffer.from(data) : data.toString("utf8");
      if (this.autoPong && m === "2") {
        this.ws.send("3");
        return;
      }
      this.queue.push(m);
      this._wake();
    });
  }
  _wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  // Next message (string or Buffer); rejects on close or after ms.
  async next(ms = 3000, what = "message") {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.queue.length) return this.queue.shift();
      if (this.closeInfo)
        throw new Error(`closed (${this.closeInfo.code}) while waiting for ${what}`);
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
  // Resolves true if nothing arrives within ms (the queue stays as is).
  async silent(ms) {
    const n = this.queue.length;
    await sleep(ms);
    return this.queue.length === n;
  }
  send(d) {
    this.ws.send(d);
  }
  waitClose(ms = 3000) {
    return within(this.closed, ms, "websocket close");
  }
  close() {
    try {
      this.ws.close();
    } catch {
      /* not open yet */
    }
  }
  terminate() {
    this.ws.terminate();
  }
  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

export function wsUrl(srv, { path = "/socket.io/", sid, transport = "websocket" } = {}) {
  let u = `ws://127.0.0.1:${srv.port}${path}?EIO=4&transport=${transport}`;
  if (sid) u += `&sid=${encodeURIComponent(sid)}`;
  return u;
}

// Opens an Engine.IO WebSocket session: resolves to [RawWs, open packet].
export async function wsOpen(srv, opts = {}) {
  const c = new RawWs(wsUrl(srv, opts), opts);
  await within(c.opened, 5000, "websocket open");
  const m = await c.next(3000, "open packet");
  if (typeof m !== "string" || m[0] !== "0")
    throw new Error(`bad open packet: ${m}`);
  return [c, JSON.parse(m.slice(1))];
}

// Opens a Socket.IO connection to namespace "/" over WebSocket: sends
// the CONNECT, checks the answer and the "auth" event.
export async function sioConnect(srv, { auth, autoPong = true } = {}) {
  const [c] = await wsOpen(srv, { autoPong });
  c.send(auth === undefined ? "40" : "40" + JSON.stringify(auth));
  const ok = await c.next(3000, "CONNECT answer");
  if (typeof ok !== "string" || !ok.startsWith("40{"))
    throw new Error(`bad CONNECT answer: ${ok}`);
  const a = await c.next(3000, "auth event");
  if (a !== `42["auth",${JSON.stringify(auth ?? {})}]`)
    throw new Error(`bad auth event: ${a}`);
  return c;
}

// Counts lines of the server's stderr (to see that a log line came).
export const lineCount = (s) => s.split("\n").length - 1;
