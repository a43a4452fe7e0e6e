// The shipped nginx configuration (examples/chat/deploy/nginx.conf) in
// front of two chat processes joined through Redis: clients from many
// loopback addresses land on both processes (sticky by address, polling
// and WebSocket) and still share one room.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { io } from "socket.io-client";
import { ack, events, sleep, startChat, startRedis, until, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CONF = path.resolve(HERE, "../../examples/chat/deploy/nginx.conf");
const NGINX = process.env.SIO_NGINX || "/usr/sbin/nginx";
const ADDRS = Array.from({ length: 16 }, (_, i) => `127.0.0.${40 + i}`);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// nginx on a free port in a temp folder with the shipped fragment, its
// upstreams replaced; stopped by its PID.
async function startNginx(upstreams) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-nginx-"));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  let conf = fs.readFileSync(CONF, "utf8");
  assert.match(conf, /listen 127\.0\.0\.1:8080;/);
  conf = conf
    .replace(/listen 127\.0\.0\.1:8080;/, `listen 127.0.0.1:${port};`)
    .replace(/(\n *server 127\.0\.0\.1:\d+;)+/, upstreams.map((p) => `\n    server 127.0.0.1:${p};`).join(""));
  fs.writeFileSync(path.join(dir, "chat.conf"), conf);
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((t) => `${t}_temp_path ${dir}/${t};`).join(" ");
  fs.writeFileSync(path.join(dir, "nginx.conf"),
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
     events { worker_connections 1024; }
     http { access_log off; ${temps} include ${dir}/chat.conf; }\n`);
  const proc = spawn(NGINX, ["-p", dir, "-c", `${dir}/nginx.conf`], { stdio: "ignore" });
  const exited = new Promise((r) => proc.on("exit", r));
  process.on("exit", () => proc.kill("SIGKILL"));
  for (let i = 0; i < 50; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (up) break;
    await sleep(100);
  }
  return {
    port,
    async stop() {
      proc.kill("SIGTERM");
      await within(exited, 5000, "nginx exit").catch(() => proc.kill("SIGKILL"));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const established = (port) =>
  execFileSync("ss", ["-Htn", "state", "established", `( sport = :${port} )`])
    .toString().split("\n").filter(Boolean).length;

let redis, chats = [], nginx;
before(async () => {
  redis = await startRedis();
  chats = [await startChat(redis, ["--trusted-proxies", "127.0.0.1"]),
    await startChat(redis, ["--trusted-proxies", "127.0.0.1"])];
  if (fs.existsSync(NGINX)) nginx = await startNginx(chats.map((c) => c.port));
});
after(async () => {
  await nginx?.stop();
  for (const c of chats) await c.stop();
  await redis?.close();
});

test("behind nginx, clients on both processes share a room", { skip: !fs.existsSync(NGINX) && `no ${NGINX}` }, async () => {
  const socks = ADDRS.map((addr, i) => {
    const s = io(`http://127.0.0.1:${nginx.port}`, {
      agent: new http.Agent({ localAddress: addr, keepAlive: true }),
      forceNew: true,
      reconnection: false,
      transports: i % 2 ? ["polling"] : ["polling", "websocket"],
      auth: { name: `n${i}` },
    });
    s.got = [];
    s.onAny((...e) => s.got.push(e));
    return s;
  });
  try {
    await within(Promise.all(socks.map((s) => new Promise((res, rej) => {
      s.once("connect", res);
      s.once("connect_error", rej);
    }))), 15000, "connect through nginx");
    for (const s of socks) await ack(s, "join", "hall");
    assert.ok(established(chats[0].port) > 0 && established(chats[1].port) > 0,
      "both processes have clients");
    assert.equal(await ack(socks[0], "leave", "hall"), ADDRS.length - 1, "members on both processes");
    await ack(socks[0], "join", "hall");
    await ack(socks[3], "say", "hall", "to everyone");
    await until(() => socks.every((s) => events(s, "said").length === 1), 10000, "said everywhere");
    await sleep(200);
    for (const s of socks) assert.deepEqual(events(s, "said"), [["said", "n3", "hall", "to everyone"]]);
  } finally {
    for (const s of socks) s.close();
  }
});
