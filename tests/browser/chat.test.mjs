// The chat page in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no downloaded browser): two tabs talk through the UI
// itself (typing, clicking), a file goes from one to the other, one
// leaves; no console or page error in any tab; the page fits a phone.
//
// Environment (run.sh sets it): SIO_CHAT_BIN (the server), CHROMIUM (the
// browser), SIO_BROWSER_OUT (where screenshots go).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer, within } from "../interop/lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_CHAT_BIN ?? path.join(ROOT, "build/examples/chat");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const OUT = process.env.SIO_BROWSER_OUT ?? path.join(ROOT, "build/browser");
const WWW = path.join(ROOT, "examples/chat/www");
const CLIENT_JS = path.join(ROOT, "tests/node_modules/socket.io-client/dist/socket.io.js");
const T = { timeout: 30000 };
const UI_MS = 10000; // any one UI wait

// ---- the server ------------------------------------------------------------

function startChat() {
  return startServer(["--www", WWW, "--client-js", CLIENT_JS], { bin: BIN, name: "chat" });
}

// ---- the browser -----------------------------------------------------------

let srv, ctx, profile;
const problems = []; // console errors, page errors, failed requests
const tabs = {};

async function openTab(label, viewport) {
  const page = await ctx.newPage();
  page.setDefaultTimeout(UI_MS);
  if (viewport) await page.setViewportSize(viewport);
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`${label} console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${label} page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A page closed mid-poll aborts its request; that is not the page's fault.
    if (!closing) problems.push(`${label} request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${label} HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(`${srv.base}/`, { waitUntil: "load", timeout: UI_MS });
  tabs[label] = page;
  return page;
}
let closing = false;

// The texts of the page's #log entries.
const logTexts = (page) => page.locator("#log li").allTextContents();

// Waits until some #log entry's text equals want (a string) or matches
// it (a RegExp).
async function logShows(page, want, what) {
  const ok = (t) => (typeof want === "string" ? t === want : want.test(t));
  const deadline = Date.now() + UI_MS;
  let texts = [];
  for (;;) {
    texts = await logTexts(page);
    if (texts.some(ok)) return;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(50);
  }
  assert.fail(`${what}: #log never showed ${want}; it has ${JSON.stringify(texts)}`);
}

// A user switches to the tab before typing or clicking in it (a background
// tab gets no animation frames, which Playwright's clicks wait for).
const focus = (page) => page.bringToFront();

async function connectAs(page, name) {
  await focus(page);
  await page.locator("#name").fill(name);
  await page.locator("#connect").click();
  await logShows(page, "connected", `${name} connected`);
  await page.locator("#status", { hasText: `connected as ${name}` }).waitFor();
  assert.equal(await page.locator("#join").isDisabled(), false);
}

async function join(page, room) {
  await focus(page);
  await page.locator("#room").fill(room);
  await page.locator("#join").click();
}

async function say(page, text) {
  await focus(page);
  await page.locator("#text").fill(text);
  await page.locator("#say").click();
}

// Horizontal overflow of the page: document wider than the viewport, or
// an element sticking out on the right.
function overflow(page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5) && !el.closest(".hidden"))
        wide.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return { vw, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10) };
  });
}

const ROOM = "lobby-" + process.pid;
const FILE = (() => {
  const b = Buffer.alloc(5000);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return { name: "notes \u00e9.bin", mimeType: "application/octet-stream", buffer: b };
})();

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  srv = await startChat();
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-chromium-"));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    viewport: { width: 1000, height: 700 },
    acceptDownloads: false,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  closing = true;
  if (ctx) await within(ctx.close(), 15000, "browser close").catch(() => {});
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  if (srv) {
    const e = await srv.stop();
    assert.equal(e.code, 0, `chat exit: ${JSON.stringify(e)}\n${srv.err.slice(-2000)}`);
  }
});

describe("chat page in Chromium", () => {
  test("two tabs load the page: controls present, not connected", T, async () => {
    for (const label of ["A", "B"]) {
      const page = await openTab(label);
      assert.equal(await page.title(), "sioc chat");
      for (const id of ["name", "connect", "room", "join", "leave", "text", "say", "file", "upload", "log"])
        assert.equal(await page.locator(`#${id}`).count(), 1, `#${id} in tab ${label}`);
      assert.equal(await page.locator("#status").textContent(), "not connected");
      assert.equal(await page.evaluate(() => typeof io), "function", "the client bundle loaded");
    }
  });

  test("each tab types a name and clicks Connect", T, async () => {
    await connectAs(tabs.A, "Alice");
    await connectAs(tabs.B, "Bob");
  });

  test("both join the same room; A sees B join", T, async () => {
    await join(tabs.A, ROOM);
    await logShows(tabs.A, `in ${ROOM} (1 here)`, "A's join");
    await join(tabs.B, ROOM);
    await logShows(tabs.B, `in ${ROOM} (2 here)`, "B's join");
    await logShows(tabs.A, `Bob joined ${ROOM}`, "A sees B join");
  });

  test("A says something, B sees it (and A too); then B to A", T, async () => {
    await say(tabs.A, "hello from Alice \u2713 \u00e9");
    await logShows(tabs.B, `[${ROOM}] Alice: hello from Alice \u2713 \u00e9`, "B sees A");
    await logShows(tabs.A, `[${ROOM}] Alice: hello from Alice \u2713 \u00e9`, "A sees itself");
    assert.equal(await tabs.A.locator("#text").inputValue(), "", "#text cleared after saying");
    await say(tabs.B, "hi Alice <b>not bold</b>");
    await logShows(tabs.A, `[${ROOM}] Bob: hi Alice <b>not bold</b>`, "A sees B");
    assert.equal(await tabs.A.locator("#log b").count(), 0, "text is not parsed as HTML");
  });

  test("A sends a file; B gets a download link with the same bytes", T, async () => {
    await focus(tabs.A);
    await tabs.A.locator("#file").setInputFiles(FILE);
    await tabs.A.locator("#upload").click();
    await logShows(tabs.A, `sent ${FILE.name} (${FILE.buffer.length} bytes)`, "A's upload ack");
    const link = tabs.B.locator("#log li.file a");
    await link.first().waitFor({ state: "attached", timeout: UI_MS });
    assert.equal(await link.count(), 1);
    assert.equal(await link.textContent(), FILE.name);
    assert.equal(await link.getAttribute("download"), FILE.name);
    assert.equal(
      await tabs.B.locator("#log li.file").textContent(),
      `[${ROOM}] Alice sent ${FILE.name}`,
    );
    const href = await link.getAttribute("href");
    assert.match(href, /^blob:/);
    const bytes = await tabs.B.evaluate(async (u) => {
      const r = await fetch(u);
      return Array.from(new Uint8Array(await r.arrayBuffer()));
    }, href);
    assert.equal(bytes.length, FILE.buffer.length);
    assert.ok(Buffer.from(bytes).equals(FILE.buffer), "downloaded bytes differ");
    // The sender gets no copy of its own file.
    assert.equal(await tabs.A.locator("#log li.file").count(), 0);
  });

  test("B clicks Leave; A sees B leave", T, async () => {
    await focus(tabs.B);
    await tabs.B.locator("#leave").click();
    await logShows(tabs.B, `left ${ROOM}`, "B's leave ack");
    await logShows(tabs.A, `Bob left ${ROOM}`, "A sees B leave");
    // B no longer hears the room.
    await say(tabs.A, "anyone?");
    await logShows(tabs.A, `[${ROOM}] Alice: anyone?`, "A's own message");
    await tabs.B.waitForTimeout(300);
    assert.ok(!(await logTexts(tabs.B)).some((t) => t.includes("anyone?")), "B still hears the room");
  });

  test("screenshots of both tabs", T, async () => {
    await tabs.A.screenshot({ path: path.join(OUT, "chat-a.png"), fullPage: true, timeout: UI_MS });
    await tabs.B.screenshot({ path: path.join(OUT, "chat-b.png"), fullPage: true, timeout: UI_MS });
    for (const f of ["chat-a.png", "chat-b.png"]) assert.ok(fs.statSync(path.join(OUT, f)).size > 1000, f);
  });

  test("phone-sized viewport (390x844): no horizontal overflow, in use too", T, async () => {
    const page = await openTab("phone", { width: 390, height: 844 });
    let o = await overflow(page);
    assert.equal(o.vw, 390);
    assert.ok(o.scrollWidth <= o.vw && o.wide.length === 0, `on load: ${JSON.stringify(o)}`);
    await connectAs(page, "Phoebe with a rather long name!!");
    await join(page, ROOM);
    await logShows(page, `in ${ROOM} (2 here)`, "phone joins");
    await say(page, "a-long-word-without-any-space-".repeat(8));
    await logShows(page, new RegExp("Phoebe.*a-long-word"), "phone's message");
    await logShows(tabs.A, `Phoebe with a rather long name!! joined ${ROOM}`, "A sees the phone join");
    // A file from A arrives as a link.
    await focus(tabs.A);
    await tabs.A.locator("#file").setInputFiles({ ...FILE, name: "a-file-name-that-is-quite-long-for-a-phone.bin" });
    await tabs.A.locator("#upload").click();
    await page.locator("#log li.file a").first().waitFor({ state: "attached" });
    await focus(page);
    o = await overflow(page);
    assert.ok(o.scrollWidth <= o.vw && o.wide.length === 0, `in use: ${JSON.stringify(o)}`);
    // Every control is within reach (inside the viewport's width).
    for (const id of ["name", "connect", "room", "join", "leave", "text", "say", "file", "upload", "log"]) {
      const b = await page.locator(`#${id}`).boundingBox();
      assert.ok(b && b.x >= 0 && b.x + b.width <= 390.5 && b.width > 20, `#${id}: ${JSON.stringify(b)}`);
    }
    await page.screenshot({ path: path.join(OUT, "chat-phone.png"), fullPage: true, timeout: UI_MS });
  });

  test("no console error, page error or failed request in any tab", T, async () => {
    assert.deepEqual(problems, []);
  });
});
