// The poll's page (examples/poll/www) in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core): it loads with no console
// error, failed request or HTTP error, a visitor joins and votes through
// the page, and another voter's vote shows up live. Run against the C
// server and the Node peer; Flask-SocketIO cannot serve the client
// bundle at /socket.io/socket.io.js (its path belongs to Engine.IO).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { io } from "socket.io-client";
import { WAIT_MS, kinds, start, within } from "./servers.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const T = { timeout: 60000 };

let ctx, profile;
before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-poll-chromium-"));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  if (ctx) await within(ctx.close(), 15000, "browser close").catch(() => {});
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

for (const kind of kinds("c node")) {
  describe(`poll page: ${kind}`, () => {
    let srv, bob;
    before(async () => {
      srv = await start(kind);
    });
    after(async () => {
      bob?.disconnect();
      await srv?.stop();
    });

    test("loads, joins, votes, shows another's vote", T, async () => {
      const problems = [];
      const page = await ctx.newPage();
      page.setDefaultTimeout(WAIT_MS);
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
      page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
      await page.goto(`${srv.base}/`, { waitUntil: "load" });
      await page.fill("#name", "Ada");
      await page.click("#join button");
      await page.locator("#choices").waitFor({ state: "visible" });
      await page.click('button[data-choice="python"]');
      await page.locator('#tally li[data-choice="python"]', { hasText: "python: 1" }).waitFor();
      assert.equal(await page.textContent("#status"), "Ada voted");

      bob = io(srv.base, { auth: { name: "Bob" }, reconnection: false, forceNew: true });
      assert.deepEqual(await within(bob.timeout(WAIT_MS).emitWithAck("vote", "c"), WAIT_MS + 1000, "bob votes"),
        { c: 1, python: 1, js: 0 });
      await page.locator('#tally li[data-choice="c"]', { hasText: "c: 1" }).waitFor();
      assert.equal(await page.textContent("#status"), "Bob voted");
      await page.close();
      assert.deepEqual(problems, []);
    });
  });
}
