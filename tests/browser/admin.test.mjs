// The Socket.IO admin UI's own page (@socket.io/admin-ui's ui/dist from
// npm, served by a static server of this test) in headless Chromium,
// against the chat started with --admin: a wrong password is refused in
// the page, the right one logs in, the Sockets view lists a chat client
// this test connected, and the page's disconnect button disconnects it.
//
// Environment (run.sh sets it): SIO_CHAT_BIN (the server), CHROMIUM (the
// browser), SIO_BROWSER_OUT (where screenshots go).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { io } from "socket.io-client";
import { startServer, within } from "../interop/lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_CHAT_BIN ?? path.join(ROOT, "build/examples/chat");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const OUT = process.env.SIO_BROWSER_OUT ?? path.join(ROOT, "build/browser");
const WWW = path.join(ROOT, "examples/chat/www");
const CLIENT_JS = path.join(ROOT, "tests/node_modules/socket.io-client/dist/socket.io.js");
const UI = path.join(ROOT, "tests/node_modules/@socket.io/admin-ui/ui/dist");
const T = { timeout: 60000 };
const UI_MS = 15000;
const USER = "admin";
const PASS = "p4ss-word";

const TYPES = { ".html": "text/html", ".js": "application/javascript",
  ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml", ".map": "application/json" };

// ui/dist over HTTP on a free port of 127.0.0.1.
function serveUi() {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(UI, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(UI + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let srv, ui, uiBase, ctx, profile, page, client;
const problems = [];

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  srv = await startServer(["--www", WWW, "--client-js", CLIENT_JS, "--admin", `${USER}:${PASS}`],
    { bin: BIN, name: "chat" });
  ui = await serveUi();
  uiBase = `http://127.0.0.1:${ui.address().port}`;
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-chromium-"));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    locale: "en-US",
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  // Only the two local servers: the page's web fonts are not fetched.
  await ctx.route("**/*", (r) => {
    const u = r.request().url();
    return u.startsWith(uiBase) || u.startsWith(srv.base.replace(/^http/, "ws")) || u.startsWith(srv.base)
      ? r.continue() : r.abort();
  });
  // The page sends credentials; the chat allows any origin without them
  // (CORS "*"), so the page talks WebSocket only (its "WebSocket only"
  // option), where CORS does not apply.
  await ctx.addInitScript((base) => {
    if (!localStorage.getItem("server_url")) {
      localStorage.setItem("server_url", base);
      localStorage.setItem("ws_only", "true");
    }
  }, srv.base);
});

after(async () => {
  client?.disconnect();
  if (ctx) await within(ctx.close(), 15000, "browser close").catch(() => {});
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  ui?.close();
  if (srv) {
    const e = await srv.stop();
    assert.equal(e.code, 0, `chat exit: ${JSON.stringify(e)}\n${srv.err.slice(-2000)}`);
  }
});

async function login(password) {
  await page.getByLabel("Username").fill(USER);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Connect" }).click();
}

describe("admin UI page in Chromium", () => {
  test("a chat client connects and joins a room", T, async () => {
    client = io(srv.base, { auth: { name: "zed" }, transports: ["websocket"], reconnection: false });
    await within(new Promise((r) => client.once("connect", r)), UI_MS, "chat client connect");
    await within(client.timeout(UI_MS).emitWithAck("join", "lobby"), UI_MS, "join ack");
  });

  test("the page asks to log in; a wrong password is refused there", T, async () => {
    page = await ctx.newPage();
    page.setDefaultTimeout(UI_MS);
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${uiBase}/`, { waitUntil: "load" });
    await page.getByLabel("Username").waitFor();
    await login("wrong");
    await page.getByText("invalid credentials").first().waitFor();
  });

  test("the right password logs in; Sockets lists the chat client", T, async () => {
    await login(PASS);
    await page.getByLabel("Username").waitFor({ state: "hidden" });
    await page.goto(`${uiBase}/#/sockets/`);
    await page.getByText(client.id, { exact: true }).waitFor();
    await page.screenshot({ path: path.join(OUT, "admin-sockets.png") });
    assert.deepEqual(problems, []);
  });

  test("the page's disconnect button disconnects the client", T, async () => {
    const id = client.id; // the client forgets it on disconnect
    const gone = new Promise((r) => client.once("disconnect", r));
    const row = page.locator("tr", { hasText: id });
    await row.getByRole("button").click();
    assert.equal(await within(gone, UI_MS, "client disconnect"), "io server disconnect");
    // (the click also opened the socket's page) The list drops it.
    await page.goto(`${uiBase}/#/sockets/`);
    await page.getByText("No data available").waitFor();
    const deadline = Date.now() + UI_MS; // (the old view may linger a moment)
    while ((await page.locator("tr", { hasText: id }).count()) > 0) {
      assert.ok(Date.now() < deadline, `${id} still listed`);
      await page.waitForTimeout(50);
    }
    assert.deepEqual(problems, []);
  });
});
