// Behind nginx (Debian's), with the configuration shipped in
// examples/chat/deploy/nginx.conf: two chat processes behind one nginx,
// clients from many loopback addresses over long-polling and WebSocket;
// the client's address as a server behind a trusted proxy sees it
// (examples/login's whoami). nginx runs in a temporary folder on a free
// port and is stopped by its PID, like the servers.
//
// A control run with the shipped configuration minus its `hash` line
// (round robin) must break the long-polling clients: it shows that the
// sticky test can fail.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { sleep, startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const CHAT = process.env.SIO_CHAT_BIN || path.join(ROOT, "build/examples/chat");
const LOGIN = process.env.SIO_LOGIN_BIN || path.join(ROOT, "build/examples/login");
const NGINX = process.env.SIO_NGINX || "/usr/sbin/nginx";
const CONF = path.join(ROOT, "examples/chat/deploy/nginx.conf");
const T = { timeout: 60000 };

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// The shipped fragment with its listen port and upstream servers
// replaced; every replacement must have matched.
function fragment(port, upstreams, { sticky = true } = {}) {
  let text = fs.readFileSync(CONF, "utf8");
  const swap = (re, by) => {
    assert.match(text, re, `nginx.conf no longer has ${re}`);
    text = text.replace(re, by);
  };
  swap(/listen 127\.0\.0\.1:8080;/, `listen 127.0.0.1:${port};`);
  swap(
    /(\n *server 127\.0\.0\.1:\d+;)+/,
    upstreams.map((p) => `\n    server 127.0.0.1:${p};`).join(""),
  );
  if (!sticky) swap(/\n *hash \$remote_addr consistent;/, "");
  return text;
}

// Starts nginx in a temporary folder; resolves to { port, stop() }.
async function startNginx(upstreams, opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-nginx-"));
  fs.chmodSync(dir, 0o755); // its workers drop root, and read from here
  const port = await freePort();
  fs.writeFileSync(path.join(dir, "chat.conf"), fragment(port, upstreams, opts));
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((t) => `${t}_temp_path ${dir}/${t};`)
    .join(" ");
  fs.writeFileSync(
    path.join(dir, "nginx.conf"),
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid;
     error_log ${dir}/error.log warn;
     events { worker_connections 1024; }
     http { access_log off; ${temps} include ${dir}/chat.conf; }\n`,
  );
  const proc = spawn(NGINX, ["-p", dir, "-c", `${dir}/nginx.conf`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  const exited = new Promise((r) => proc.on("exit", r));
  process.on("exit", () => proc.kill("SIGKILL"));
  let up = false;
  for (let i = 0; i < 50 && !up && proc.exitCode === null; i++) {
    up = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (!up) await sleep(100);
  }
  assert.ok(up, `nginx did not start: ${err}`);
  return {
    port,
    errorLog: () => fs.readFileSync(path.join(dir, "error.log"), "utf8"),
    async stop() {
      proc.kill("SIGTERM");
      await within(exited, 5000, "nginx exit").catch(() => proc.kill("SIGKILL"));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A socket.io client whose connections leave from a loopback address.
function client(port, addr, opts = {}) {
  const agent = new http.Agent({ localAddress: addr, keepAlive: true });
  return io(`http://127.0.0.1:${port}`, {
    agent,
    forceNew: true,
    reconnection: false,
    timeout: 10000,
    ...opts,
  });
}

const connected = (s) =>
  within(
    new Promise((resolve, reject) => {
      s.once("connect", resolve);
      s.once("connect_error", reject);
    }),
    15000,
    "connect",
  );

// Emits with an ack; resolves to the ack's arguments.
const ack = (s, ev, ...args) =>
  within(
    new Promise((resolve, reject) =>
      s.timeout(10000).emit(ev, ...args, (err, ...r) => (err ? reject(err) : resolve(r))),
    ),
    12000,
    ev,
  );

// Established connections to a local port (ss is in iproute2).
async function establishedTo(port) {
  const { execFileSync } = await import("node:child_process");
  const out = execFileSync("ss", ["-Htn", "state", "established", `( sport = :${port} )`]);
  return out.toString().split("\n").filter(Boolean).length;
}

const ADDRS = Array.from({ length: 16 }, (_, i) => `127.0.0.${10 + i}`);

// Polling-only clients (every request a new HTTP request through nginx)
// connect, join, and say ROUNDS times; resolves to what went wrong.
async function pollingRounds(port, rounds) {
  const problems = [];
  const socks = ADDRS.map((a) =>
    client(port, a, { transports: ["polling"], auth: { name: `u${a}` } }),
  );
  try {
    await Promise.all(socks.map(connected));
    await Promise.all(
      socks.map(async (s, i) => {
        const room = `r${i}`;
        assert.deepEqual(await ack(s, "join", room), [1]);
        for (let n = 0; n < rounds; n++) {
          const said = new Promise((r) => s.once("said", (...a) => r(a)));
          assert.deepEqual(await ack(s, "say", room, `m${n}`), [true]);
          assert.deepEqual(await within(said, 10000, "said"), [`u${ADDRS[i]}`, room, `m${n}`]);
        }
      }),
    );
  } catch (e) {
    problems.push(e.message);
  }
  for (const s of socks) if (!s.connected) problems.push(`${s.id ?? "?"} not connected`);
  for (const s of socks) s.close();
  return problems;
}

describe("behind nginx", { skip: !fs.existsSync(NGINX) && `no ${NGINX}` }, () => {
  const chats = [];
  let nginx;

  before(async () => {
    for (let i = 0; i < 2; i++)
      chats.push(await startServer(["--trusted-proxies", "127.0.0.1"], { bin: CHAT, name: "chat" }));
    nginx = await startNginx(chats.map((c) => c.port));
  });

  after(async () => {
    await nginx?.stop();
    for (const c of chats) await c.stop();
  });

  test("long-polling clients stay on their process (sticky by address)", T, async () => {
    assert.deepEqual(await pollingRounds(nginx.port, 10), []);
    for (const c of chats) assert.ok(c.alive());
  });

  test("control: without the hash line, long-polling breaks", T, async () => {
    const rr = await startNginx(
      chats.map((c) => c.port),
      { sticky: false },
    );
    try {
      const problems = await pollingRounds(rr.port, 10);
      assert.ok(problems.length > 0, "round robin should lose polling sessions");
    } finally {
      await rr.stop();
    }
  });

  test("WebSocket upgrades through the proxy; both processes take clients", T, async () => {
    const socks = ADDRS.map((a) => client(nginx.port, a, { auth: { name: "w" } }));
    try {
      await Promise.all(socks.map(connected));
      await Promise.all(
        socks.map((s) =>
          within(
            new Promise((r) =>
              s.io.engine.transport.name === "websocket"
                ? r()
                : s.io.engine.once("upgrade", r),
            ),
            10000,
            "upgrade",
          ),
        ),
      );
      for (const s of socks) assert.equal(s.io.engine.transport.name, "websocket");
      // Every room has its process: say in a room shared by two clients
      // that hash to the same process reaches both over WebSocket.
      assert.deepEqual(await ack(socks[0], "join", "ws"), [1]);
      assert.deepEqual(await ack(socks[0], "rooms"), [["ws"]]);
      for (const c of chats) assert.ok((await establishedTo(c.port)) > 0, `chat :${c.port} got no client`);
    } finally {
      for (const s of socks) s.close();
    }
  });

  test("a 1 MiB upload over long-polling passes the proxy", T, async () => {
    const s = client(nginx.port, "127.0.0.40", { transports: ["polling"], auth: { name: "up" } });
    try {
      await connected(s);
      await ack(s, "join", "files");
      const data = Buffer.alloc(1 << 20, 7);
      assert.deepEqual(await ack(s, "upload", "files", "a.bin", data), [1 << 20]);
    } finally {
      s.close();
    }
  });
});

describe("the client's address behind a trusted proxy", { skip: !fs.existsSync(NGINX) && `no ${NGINX}` }, () => {
  // Logs in over HTTP from addr through port; resolves to the cookie.
  const login = (port, addr) =>
    new Promise((resolve, reject) => {
      const body = "username=alice&password=wonderland";
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          localAddress: addr,
          method: "POST",
          path: "/login",
          headers: { "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
        },
        (res) => {
          res.resume();
          const c = (res.headers["set-cookie"] || []).find((x) => x.startsWith("session="));
          res.statusCode === 200 && c ? resolve(c.split(";")[0]) : reject(new Error(`login: ${res.statusCode}`));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  // whoami's "remote" for a WebSocket client from addr through port.
  async function remoteSeen(port, addr, headers = {}) {
    const cookie = await login(port, addr);
    const s = client(port, addr, { transports: ["websocket"], extraHeaders: { cookie, ...headers } });
    try {
      await connected(s);
      const [info] = await ack(s, "whoami");
      return info.remote;
    } finally {
      s.close();
    }
  }

  async function withLogin(args, fn) {
    const srv = await startServer(args, { bin: LOGIN, name: "login" });
    const ngx = await startNginx([srv.port]);
    try {
      await fn(srv, ngx);
    } finally {
      await ngx.stop();
      await srv.stop();
    }
  }

  test("trusted nginx: the client's own address", T, () =>
    withLogin(["--secret", "s", "--trusted-proxies", "127.0.0.1"], async (srv, ngx) => {
      assert.equal(await remoteSeen(ngx.port, "127.0.0.23"), "127.0.0.23");
      // What the client claims is kept left of what nginx saw.
      assert.equal(await remoteSeen(ngx.port, "127.0.0.25", { "X-Forwarded-For": "6.6.6.6" }), "127.0.0.25");
      // Straight to the server from an untrusted address: its claim ignored.
      assert.equal(await remoteSeen(srv.port, "127.0.0.24", { "X-Forwarded-For": "6.6.6.6" }), "127.0.0.24");
    }));

  test("no trusted proxies: the proxy's address, the header ignored", T, () =>
    withLogin(["--secret", "s"], async (srv, ngx) => {
      assert.equal(await remoteSeen(ngx.port, "127.0.0.23"), "127.0.0.1");
      assert.equal(await remoteSeen(srv.port, "127.0.0.24", { "X-Forwarded-For": "6.6.6.6" }), "127.0.0.24");
    }));

  test("a bad --trusted-proxies list refuses to start", T, async () => {
    await assert.rejects(
      startServer(["--secret", "s", "--trusted-proxies", "127.0.0.1,nonsense"], { bin: LOGIN, name: "login" }),
      /exited before listening/,
    );
  });
});
