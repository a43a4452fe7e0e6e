// The poll of docs/examples.md, one scenario run by socket.io-client
// against three servers that must behave alike: the C one (sioc), the
// Flask-SocketIO peer and the Node socket.io peer. Each is started on
// 127.0.0.1 on a free port and stopped by its PID; every wait is bounded.
//
// Environment: see servers.mjs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { io } from "socket.io-client";
import { PASSWORD, WAIT_MS, kinds, start, within } from "./servers.mjs";

const T = { timeout: 60000 };

// A client that records every "tally" event it gets.
function client(base, nsp, auth) {
  const s = io(base + nsp, { auth, reconnection: false, forceNew: true, timeout: WAIT_MS });
  s.tallies = [];
  s.on("tally", (tally, by) => s.tallies.push({ tally, by }));
  return s;
}

const connected = (s, what) =>
  within(new Promise((resolve, reject) => {
    s.on("connect", resolve);
    s.on("connect_error", (e) => reject(new Error(`${what}: connect_error ${e.message}`)));
  }), WAIT_MS, what);

const refused = (s, what) =>
  within(new Promise((resolve, reject) => {
    s.on("connect", () => reject(new Error(`${what}: connected`)));
    s.on("connect_error", (e) => resolve(e.message));
  }), WAIT_MS, what);

const call = (s, ...args) => within(s.timeout(WAIT_MS).emitWithAck(...args), WAIT_MS + 1000, args[0]);

function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.setTimeout(WAIT_MS, () => req.destroy(new Error("GET timed out")));
  });
}

// Waits until pred() holds (another connection's event may still be on
// its way when an ack arrives).
async function until(pred, what) {
  await within((async () => {
    while (!pred()) await new Promise((r) => setTimeout(r, 20));
  })(), WAIT_MS, what);
}

const zero = { c: 0, python: 0, js: 0 };
for (const kind of kinds()) {
  describe(`poll: ${kind}`, () => {
    let srv;
    const open = [];
    const connect = async (nsp, auth, what) => {
      const s = client(srv.base, nsp, auth);
      open.push(s);
      await connected(s, what);
      return s;
    };
    const refuse = (nsp, auth, what) => {
      const s = client(srv.base, nsp, auth);
      open.push(s);
      return refused(s, what);
    };

    before(async () => {
      srv = await start(kind);
    });
    after(async () => {
      for (const s of open) s.disconnect();
      const e = await srv?.stop();
      if (kind === "c") {
        assert.deepEqual(e, { code: 0, signal: null }, `exit: ${srv.err}`);
        assert.match(srv.err, /poll: stopped/);
      }
    });

    test("GET / is the page", T, async () => {
      const r = await get(srv.base + "/");
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/html/);
      assert.match(r.body, /<title>poll<\/title>/);
    });

    test("a name is required at connect", T, async () => {
      for (const [auth, what] of [[undefined, "no auth"], [{}, "no name"], [{ name: "" }, "empty"],
        [{ name: 42 }, "a number"], [{ name: "x".repeat(33) }, "33 characters"]])
        assert.match(await refuse("/", auth, what), /name/, what);
      // 32 characters, not bytes: é is two bytes in UTF-8.
      (await connect("/", { name: "é".repeat(32) }, "32 characters")).disconnect();
    });

    test("votes, the tally to the room of voters, resets", T, async () => {
      const alice = await connect("/", { name: "alice" }, "alice");
      const bob = await connect("/", { name: "bob" }, "bob");
      const carol = await connect("/", { name: "carol" }, "carol");

      assert.deepEqual(await call(alice, "vote", "python"), { ...zero, python: 1 });
      assert.deepEqual(alice.tallies, [{ tally: { ...zero, python: 1 }, by: "alice" }]);
      assert.deepEqual(await call(alice, "vote", "c"), { error: "already voted" });

      // Not a choice: an error ack, nothing counted, bob may still vote.
      for (const bad of ["rust", 42, null]) {
        const r = await call(bob, "vote", bad);
        assert.equal(typeof r.error, "string", JSON.stringify(r));
      }
      assert.deepEqual(await call(bob, "vote", "c"), { ...zero, python: 1, c: 1 });
      assert.deepEqual(bob.tallies, [{ tally: { ...zero, python: 1, c: 1 }, by: "bob" }]);
      await until(() => alice.tallies.length === 2, "alice hears bob's vote");
      assert.deepEqual(alice.tallies.at(-1), { tally: { ...zero, python: 1, c: 1 }, by: "bob" });

      // /admin: the password in the connect auth.
      assert.equal(await refuse("/admin", undefined, "admin without auth"), "unauthorized");
      assert.equal(await refuse("/admin", { password: "wrong" }, "admin, wrong password"), "unauthorized");
      const admin = await connect("/admin", { password: PASSWORD }, "admin");
      assert.equal(await call(admin, "reset"), true);
      // The voters hear the reset (the ack came after the emit, but on
      // another connection: wait for it).
      for (const s of [alice, bob]) {
        await until(() => s.tallies.some((t) => t.by === null), "the reset's tally");
        assert.deepEqual(s.tallies.at(-1), { tally: zero, by: null });
      }

      // Everyone may vote again; carol, who never voted, heard nothing
      // before her own vote.
      assert.deepEqual(await call(alice, "vote", "js"), { ...zero, js: 1 });
      assert.deepEqual(await call(carol, "vote", "js"), { ...zero, js: 2 });
      assert.deepEqual(carol.tallies, [{ tally: { ...zero, js: 2 }, by: "carol" }]);
      // bob has not voted since the reset: he left the room.
      assert.equal(bob.tallies.filter((t) => t.by === "alice" || t.by === "carol").length, 0);

      // Malformed votes without an ack: nothing counted, nothing broken.
      bob.emit("vote");
      bob.emit("vote", "rust", "extra");
      bob.emit("vote", 1, 2, 3);
      // A vote without an ack still counts.
      bob.emit("vote", "c");
      await until(() => alice.tallies.some((t) => t.by === "bob" && t.tally.c === 1 && t.tally.js === 2),
        "bob's vote without an ack");
    });
  });
}
