// socket.io-client 4.x (npm) and fetch against examples/login: every clause
// of docs/examples.md "login" and every requirement of docs/semantics.md that can be
// seen from outside, in both session modes (--sessions cookie, --sessions
// server), over websocket and over polling. Auth bypass attempts: forged
// cookies (no valid signature, another secret, expired, a valid signature
// for an unknown user), tokens for another salt / secret, tampered tokens.
//
// The server binary comes from $SIO_LOGIN_BIN (run.sh sets it), started on
// 127.0.0.1 with --port 0 and stopped by its PID. Every wait is bounded.
//
// Cookies go to the server as extraHeaders {Cookie}; with polling that
// needs engine.io-client's fetch transport (Node's XMLHttpRequest shim
// refuses to set a Cookie header).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Fetch, NodeWebSocket } from "engine.io-client";
import { io, Manager } from "socket.io-client";
import { RawWs, request, sleep, startServer, within, wsUrl } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const BIN = process.env.SIO_LOGIN_BIN || path.join(ROOT, "build/examples/login");

const T = { timeout: 30000 };
const QUIET_MS = 300; // how long "nothing else arrives" is watched
const SECRET = "login-test-secret";
const TOKEN_SALT = "login-token";

// ---- the server ------------------------------------------------------------

// Resolves to the running login server (lib.mjs's startServer).
function startLogin(args = []) {
  return startServer(args, { bin: BIN, name: "login" });
}

// ---- HTTP (fetch) and a one-cookie jar -----------------------------------------

// The `session` cookie as a browser keeps it.
class Jar {
  constructor(value = null) {
    this.value = value;
  }
  get header() {
    return this.value === null ? undefined : `session=${this.value}`;
  }
  // Takes the session cookie of a response, if it sets one.
  update(setCookies) {
    for (const sc of setCookies) {
      const m = sc.match(/^session=([^;]*)(.*)$/i);
      if (!m) continue;
      const deleted = m[1] === "" || /;\s*max-age=0\b/i.test(m[2]);
      this.value = deleted ? null : m[1];
    }
  }
  clone() {
    return new Jar(this.value);
  }
}

// One request; resolves to { status, json, text, setCookies }. With a jar,
// its cookie is sent and the response's Set-Cookie kept.
async function http(srv, method, p, { jar, form, cookie, headers = {} } = {}) {
  const h = { ...headers };
  const c = cookie ?? jar?.header;
  if (c !== undefined) h.cookie = c;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    h["content-type"] = "application/x-www-form-urlencoded";
  }
  const r = await fetch(srv.base + p, {
    method,
    headers: h,
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(5000),
  });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const setCookies = r.headers.getSetCookie();
  if (jar) jar.update(setCookies);
  return { status: r.status, json, text, setCookies };
}

// Logs in over HTTP; resolves to the jar holding the session cookie.
async function httpLogin(srv, username, password, jar = new Jar()) {
  const r = await http(srv, "POST", "/login", { jar, form: { username, password } });
  assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
  assert.deepEqual(r.json, { user: username });
  assert.ok(jar.value, "login set a session cookie");
  return jar;
}

const stats = async (srv) => {
  const r = await http(srv, "GET", "/stats");
  assert.equal(r.status, 200);
  return r.json;
};

// ---- itsdangerous, written here to forge cookies and tokens ---------------------

const b64u = (b) => Buffer.from(b).toString("base64url");
function tsBytes(ts) {
  let hex = ts.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return Buffer.from(hex, "hex");
}
// A signed value: the session cookie's key derivation is "hmac" (Flask),
// the tokens' "django-concat" (URLSafeTimedSerializer's default).
function signValue(payloadText, { secret, salt, derivation, ts }) {
  const key =
    derivation === "hmac"
      ? crypto.createHmac("sha1", secret).update(salt).digest()
      : crypto.createHash("sha1").update(salt + "signer" + secret).digest();
  const value = `${b64u(payloadText)}.${b64u(tsBytes(ts))}`;
  return `${value}.${b64u(crypto.createHmac("sha1", key).update(value).digest())}`;
}
const now = () => Math.floor(Date.now() / 1000);
const forgeCookie = (session, { secret = SECRET, ts = now() } = {}) =>
  signValue(JSON.stringify(session), { secret, salt: "cookie-session", derivation: "hmac", ts });
const forgeToken = (payload, { secret = SECRET, salt = TOKEN_SALT, ts = now() } = {}) =>
  signValue(JSON.stringify(payload), { secret, salt, derivation: "concat", ts });
// The payload of a (not compressed) signed value, unchecked.
const payloadOf = (v) => JSON.parse(Buffer.from(v.split(".")[0], "base64url").toString());
// Flips one character of the signature part (or of the payload).
function tamper(v, where = "sig") {
  const parts = v.split(".");
  const i = where === "sig" ? parts.length - 1 : parts[0] === "" ? 1 : 0;
  const s = parts[i];
  const k = Math.floor(s.length / 2);
  parts[i] = s.slice(0, k) + (s[k] === "A" ? "B" : "A") + s.slice(k + 1);
  return parts.join(".");
}

// ---- Socket.IO clients ------------------------------------------------------------

const TRANSPORTS = {
  websocket: { transports: [NodeWebSocket] },
  polling: { transports: [Fetch] },
};
// LOGIN_TRANSPORTS=polling runs only that one (for debugging).
const TRANSPORT_NAMES = Object.keys(TRANSPORTS).filter(
  (m) => !process.env.LOGIN_TRANSPORTS || process.env.LOGIN_TRANSPORTS.split(",").includes(m),
);

// A socket whose events go to a queue from the start, so none is lost
// between two awaits.
class Client {
  constructor(socket, transport) {
    this.s = socket;
    this.transport = transport;
    this.events = [];
    this.waiters = [];
    this.disconnects = [];
    this.errors = [];
    socket.onAny((ev, ...args) => {
      this.events.push({ ev, args });
      this._wake();
    });
    socket.on("disconnect", (reason) => {
      this.disconnects.push(reason);
      this._wake();
    });
    socket.on("connect_error", (e) => {
      this.errors.push(e);
      this._wake();
    });
    socket.on("connect", () => this._wake());
  }
  _wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  async _until(pred, ms, what) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v !== undefined) return v;
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
  get id() {
    return this.s.id;
  }
  // Resolves once connected; throws the connect_error if refused.
  async ready(ms = 5000) {
    await this._until(
      () => {
        if (this.errors.length) throw new Error(`connect_error: ${this.errors[0].message}`);
        return this.s.connected ? true : undefined;
      },
      ms,
      "connect",
    );
    assert.equal(this.s.io.engine.transport.name, this.transport);
    return this;
  }
  // The connect_error of a refused connection.
  async refused(ms = 5000) {
    return this._until(
      () => {
        if (this.s.connected) throw new Error("connected, expected connect_error");
        return this.errors[0];
      },
      ms,
      "connect_error",
    );
  }
  // The arguments of the next `ev` (removed from the queue).
  take(ev, ms = 5000) {
    return this._until(
      () => {
        const i = this.events.findIndex((e) => e.ev === ev);
        return i < 0 ? undefined : this.events.splice(i, 1)[0].args;
      },
      ms,
      `event '${ev}'`,
    );
  }
  // Asserts that no event at all is queued or arrives within ms.
  async quiet(ms = QUIET_MS) {
    await sleep(ms);
    assert.deepEqual(this.events, [], "unexpected events");
  }
  // Emits with an ack; resolves to ALL the ack's arguments.
  ack(ev, ...args) {
    return within(
      new Promise((resolve) => this.s.emit(ev, ...args, (...a) => resolve(a))),
      5000,
      `ack of '${ev}'`,
    );
  }
  emit(ev, ...args) {
    this.s.emit(ev, ...args);
  }
  disconnected(ms = 5000) {
    return this._until(() => this.disconnects[0], ms, "disconnect");
  }
  close() {
    this.s.disconnect();
  }
}

// An error ack: exactly one argument, {"error": msg}.
function assertErrorAck(args, msg) {
  assert.deepEqual(args, [{ error: msg }]);
}

// ---- the tests -------------------------------------------------------------------

for (const sessions of ["cookie", "server"]) {
  describe(`login (--sessions ${sessions})`, () => {
    let srv;
    const open = new Set();
    const track = (x) => (open.add(x), x);
    before(async () => {
      srv = await startLogin(["--secret", SECRET, "--sessions", sessions]);
    });
    after(async () => {
      for (const x of open) {
        try {
          (x.s ?? x).disconnect?.();
        } catch {
          /* closed */
        }
      }
      const e = await srv.stop();
      assert.equal(e.code, 0, `login exit: ${JSON.stringify(e)}\n${srv.err.slice(-2000)}`);
    });

    // One socket of its own Engine.IO connection: nsp on transport, the
    // jar's cookie sent, plus extra manager options (query, headers).
    function client(transport, nsp = "/", { jar, auth, headers = {}, query } = {}) {
      const extraHeaders = { ...headers };
      if (jar?.header) extraHeaders.Cookie = jar.header;
      const s = io(srv.base + nsp, {
        ...TRANSPORTS[transport],
        forceNew: true,
        reconnection: false,
        timeout: 5000,
        extraHeaders,
        ...(query ? { query } : {}),
        ...(auth === undefined ? {} : { auth }),
      });
      return track(new Client(s, transport));
    }
    // A manager: several namespaces on one Engine.IO connection.
    function manager(transport, { jar } = {}) {
      const extraHeaders = jar?.header ? { Cookie: jar.header } : {};
      const m = new Manager(srv.base, {
        ...TRANSPORTS[transport],
        reconnection: false,
        timeout: 5000,
        extraHeaders,
      });
      return {
        m,
        socket: (nsp, opts = {}) => track(new Client(m.socket(nsp, opts), transport)),
      };
    }
    // Connected to "/" as an HTTP-logged-in user, greeting taken.
    async function rootAs(transport, jar, opts = {}) {
      const c = client(transport, "/", { jar, ...opts });
      await c.ready();
      assert.equal((await c.take("my response"))[0].message.endsWith(" has joined"), true);
      return c;
    }

    // ---- HTTP -----------------------------------------------------------------

    describe("HTTP", () => {
      test("POST /login: 200 {user}, session cookie (HttpOnly, Path=/), _user_id in the session", T, async () => {
        const jar = new Jar();
        const r = await http(srv, "POST", "/login", {
          jar,
          form: { username: "alice", password: "wonderland" },
        });
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, { user: "alice" });
        const sc = r.setCookies.find((c) => c.startsWith("session="));
        assert.ok(sc, `Set-Cookie: ${r.setCookies}`);
        assert.match(sc, /;\s*HttpOnly/i);
        assert.match(sc, /;\s*Path=\/(;|$)/i);
        assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar })).json, { value: "1" });
        const bob = await httpLogin(srv, "bob", "builder");
        assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar: bob })).json, {
          value: "2",
        });
      });

      test("the cookie: Flask's signed format (cookie) or an opaque random id (server)", T, async () => {
        const a = await httpLogin(srv, "alice", "wonderland");
        const b = await httpLogin(srv, "alice", "wonderland");
        if (sessions === "cookie") {
          // itsdangerous, salt cookie-session, HMAC-SHA1: re-signing the
          // payload and timestamp with the secret gives the same signature.
          const [p, ts] = a.value.split(".");
          const payload = JSON.parse(Buffer.from(p, "base64url").toString());
          assert.deepEqual(payload._user_id, "1");
          const tsn = parseInt(Buffer.from(ts, "base64url").toString("hex"), 16);
          assert.ok(Math.abs(tsn - now()) < 60, `timestamp ${tsn}`);
          assert.equal(
            signValue(Buffer.from(p, "base64url").toString(), {
              secret: SECRET,
              salt: "cookie-session",
              derivation: "hmac",
              ts: tsn,
            }),
            a.value,
          );
        } else {
          assert.match(a.value, /^[A-Za-z0-9_\-.~%]+$/);
          // at least 128 bits of random: 22 base64 or 32 hex characters
          assert.ok(a.value.length >= 22, `id too short: ${a.value}`);
          assert.ok(!a.value.includes(b64u('{"_user_id"').slice(0, 10)), "id carries the session");
          assert.notEqual(a.value, b.value, "two logins, two ids");
        }
      });

      test("POST /login with wrong credentials: 401, session unchanged", T, async () => {
        const jar = await httpLogin(srv, "alice", "wonderland");
        assert.equal((await http(srv, "POST", "/session/keep", { jar, form: { value: "me" } })).status, 200);
        for (const form of [
          { username: "alice", password: "builder" },
          { username: "bob", password: "wonderland" },
          { username: "mallory", password: "x" },
          { username: "alice", password: "" },
          { username: "alice" },
          {},
        ]) {
          const r = await http(srv, "POST", "/login", { jar, form });
          assert.equal(r.status, 401, JSON.stringify(form));
          assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar })).json, { value: "1" });
          assert.deepEqual((await http(srv, "GET", "/session/keep", { jar })).json, { value: "me" });
        }
        // Anonymous: 401 and no user in the session either.
        const anon = new Jar();
        const r = await http(srv, "POST", "/login", {
          jar: anon,
          form: { username: "bob", password: "nope" },
        });
        assert.equal(r.status, 401);
        assert.equal((await http(srv, "GET", "/session/_user_id", { jar: anon })).status, 404);
      });

      test("POST /logout: 200, the user leaves the session (other keys stay)", T, async () => {
        const jar = await httpLogin(srv, "bob", "builder");
        await http(srv, "POST", "/session/color", { jar, form: { value: "red" } });
        const r = await http(srv, "POST", "/logout", { jar });
        assert.equal(r.status, 200);
        assert.equal((await http(srv, "GET", "/session/_user_id", { jar })).status, 404);
        assert.deepEqual((await http(srv, "GET", "/session/color", { jar })).json, { value: "red" });
        assert.equal((await http(srv, "GET", "/token", { jar })).status, 401);
      });

      test("GET/POST /session/<key>: 200 {value}, 404 when absent, 403 for reserved keys", T, async () => {
        const jar = new Jar();
        assert.equal((await http(srv, "GET", "/session/k", { jar })).status, 404);
        const w = await http(srv, "POST", "/session/k", { jar, form: { value: "v 1 é" } });
        assert.equal(w.status, 200);
        const r = await http(srv, "GET", "/session/k", { jar });
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, { value: "v 1 é" });
        // reserved: 403, nothing changes
        for (const key of ["_x", "_user_id", "_fresh"]) {
          const f = await http(srv, "POST", `/session/${key}`, { jar, form: { value: "1" } });
          assert.equal(f.status, 403, key);
          assert.equal((await http(srv, "GET", `/session/${key}`, { jar })).status, 404, key);
        }
        // a logged-in user cannot switch user through /session
        const alice = await httpLogin(srv, "alice", "wonderland");
        assert.equal(
          (await http(srv, "POST", "/session/_user_id", { jar: alice, form: { value: "2" } })).status,
          403,
        );
        assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar: alice })).json, {
          value: "1",
        });
      });

      test("the session has a size limit: 413, nothing changes", T, async () => {
        const jar = await httpLogin(srv, "alice", "wonderland");
        await http(srv, "POST", "/session/small", { jar, form: { value: "s" } });
        const big = crypto.randomBytes(4500).toString("base64"); // incompressible
        const r = await http(srv, "POST", "/session/big", { jar, form: { value: big } });
        assert.equal(r.status, 413, r.text);
        assert.match(srv.err, /session over its size limit/);
        assert.equal((await http(srv, "GET", "/session/big", { jar })).status, 404);
        assert.deepEqual((await http(srv, "GET", "/session/small", { jar })).json, { value: "s" });
        assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar })).json, { value: "1" });
      });

      if (sessions === "server") {
        test("login and logout give the session a new id; the old one is dropped (no fixation)", T, async () => {
          // an anonymous session, its id known to an attacker
          const jar = new Jar();
          assert.equal((await http(srv, "POST", "/session/k", { jar, form: { value: "v" } })).status, 200);
          const planted = jar.value;
          assert.ok(planted, "an anonymous session id");
          await httpLogin(srv, "alice", "wonderland", jar);
          const loggedIn = jar.value;
          assert.notEqual(loggedIn, planted, "login kept the session id");
          // the attacker's copy is not logged in, and holds nothing
          const attacker = new Jar(planted);
          assert.equal((await http(srv, "GET", "/session/_user_id", { jar: attacker })).status, 404);
          assert.equal((await http(srv, "GET", "/session/k", { jar: attacker })).status, 404);
          assert.equal((await http(srv, "GET", "/token", { jar: attacker })).status, 401);
          // the user keeps the session's content under the new id
          assert.deepEqual((await http(srv, "GET", "/session/k", { jar })).json, { value: "v" });
          assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar })).json, { value: "1" });
          // logout: a new id again; the logged-in one no longer works
          assert.equal((await http(srv, "POST", "/logout", { jar })).status, 200);
          assert.notEqual(jar.value, loggedIn, "logout kept the session id");
          const old = new Jar(loggedIn);
          assert.equal((await http(srv, "GET", "/session/_user_id", { jar: old })).status, 404);
          assert.equal((await http(srv, "GET", "/token", { jar: old })).status, 401);
          assert.equal((await http(srv, "GET", "/session/_user_id", { jar })).status, 404);
        });
      }

      test("a session near its size limit is answered: its cookie set and read back", T, async () => {
        const jar = await httpLogin(srv, "alice", "wonderland");
        const big = crypto.randomBytes(2100).toString("base64"); // a ~3.8 kB cookie
        const r = await http(srv, "POST", "/session/big", { jar, form: { value: big } });
        assert.equal(r.status, 200, r.error ?? r.text);
        assert.deepEqual((await http(srv, "GET", "/session/big", { jar })).json, { value: big });
        assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar })).json, { value: "1" });
      });

      test("GET /token: 200 {token} naming the user when logged in, else 401", T, async () => {
        assert.equal((await http(srv, "GET", "/token")).status, 401);
        assert.equal((await http(srv, "GET", "/token", { jar: new Jar("garbage") })).status, 401);
        const jar = await httpLogin(srv, "bob", "builder");
        const r = await http(srv, "GET", "/token", { jar });
        assert.equal(r.status, 200);
        assert.deepEqual(Object.keys(r.json), ["token"]);
        assert.equal(typeof r.json.token, "string");
        // itsdangerous' URLSafeTimedSerializer with salt login-token
        const [p, ts] = r.json.token.split(".");
        assert.deepEqual(payloadOf(r.json.token), { user_id: "2" });
        const tsn = parseInt(Buffer.from(ts, "base64url").toString("hex"), 16);
        assert.equal(
          forgeToken(payloadOf(r.json.token), { ts: tsn }),
          r.json.token,
          `token ${r.json.token} (payload ${p})`,
        );
      });

      test("tampered, foreign, expired or forged cookies: an empty session, never an error", T, async () => {
        const good = await httpLogin(srv, "alice", "wonderland");
        const bad = {
          "signature flipped": tamper(good.value, "sig"),
          "payload flipped": tamper(good.value, "payload"),
          truncated: good.value.slice(0, -3),
          "no signature": good.value.split(".").slice(0, -1).join("."),
          garbage: "not-a-cookie",
          empty: "",
          "forged _user_id, bad signature": `${b64u('{"_user_id":"1"}')}.${b64u(tsBytes(now()))}.${b64u("x".repeat(20))}`,
          "another secret": forgeCookie({ _user_id: "1" }, { secret: "another-secret" }),
          "expired (32 days)": forgeCookie({ _user_id: "1" }, { ts: now() - 32 * 86400 }),
          "signed in the future": forgeCookie({ _user_id: "1" }, { ts: now() + 3600 }),
          "a token as cookie": forgeToken({ _user_id: "1" }),
        };
        if (sessions === "server") {
          bad["a valid Flask cookie (server mode wants an id)"] = forgeCookie({ _user_id: "1" });
          bad["an unknown id"] = "A".repeat(good.value.length);
        }
        for (const [what, value] of Object.entries(bad)) {
          const jar = new Jar(value);
          const r = await http(srv, "GET", "/session/_user_id", { jar });
          assert.equal(r.status, 404, `${what}: ${r.status} ${r.text}`);
          assert.equal((await http(srv, "GET", "/token", { cookie: `session=${value}` })).status, 401, what);
          // and the socket side refuses it as anonymous
          const c = client("websocket", "/", { jar: new Jar(value) });
          assert.equal((await c.refused()).message, "unauthorized", what);
          c.close();
        }
        // the good one still works (the positive control)
        assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar: good })).json, { value: "1" });
      });

      if (sessions === "cookie") {
        test("a cookie signed here by the test (itsdangerous) is accepted: the forgeries above are meaningful", T, async () => {
          const jar = new Jar(forgeCookie({ _user_id: "2", note: "x" }));
          assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar })).json, { value: "2" });
          // 30 days old: still inside Flask's 31 days
          const old = new Jar(forgeCookie({ _user_id: "2" }, { ts: now() - 30 * 86400 }));
          assert.deepEqual((await http(srv, "GET", "/session/_user_id", { jar: old })).json, { value: "2" });
        });

        test("a validly signed cookie for a user the loader does not know is anonymous", T, async () => {
          const s0 = await stats(srv);
          const jar = new Jar(forgeCookie({ _user_id: "99" }));
          assert.equal((await http(srv, "GET", "/token", { jar })).status, 401);
          const c = client("websocket", "/", { jar });
          assert.equal((await c.refused()).message, "unauthorized");
          c.close();
          // refused by the schema's `requires auth`, before the connect handler
          assert.equal((await stats(srv)).connect_root, s0.connect_root);
          // and /open's guarded event disconnects it
          const o = await client("websocket", "/open", { jar }).ready();
          assert.equal((await o.ack("whoami"))[0].user, null);
          o.emit("my event", 1);
          assert.equal(await o.disconnected(), "io server disconnect");
          assert.equal((await stats(srv)).my_event["/open"], s0.my_event["/open"]);
        });
      }
    });

    // ---- Socket.IO, per transport ----------------------------------------------

    for (const transport of TRANSPORT_NAMES) {
      describe(`Socket.IO over ${transport}`, () => {
        test("/: anonymous connect refused with CONNECT_ERROR 'unauthorized'; the handler never runs", T, async () => {
          const s0 = await stats(srv);
          const c = client(transport, "/");
          const err = await c.refused();
          assert.equal(err.message, "unauthorized");
          assert.equal(c.s.connected, false);
          c.close();
          // logged out cookie: same
          const jar = await httpLogin(srv, "alice", "wonderland");
          await http(srv, "POST", "/logout", { jar });
          const c2 = client(transport, "/", { jar });
          assert.equal((await c2.refused()).message, "unauthorized");
          c2.close();
          assert.equal((await stats(srv)).connect_root, s0.connect_root);
        });

        test("/: logged-in connect accepted; 'my response' {message: '<name> has joined'} first", T, async () => {
          for (const [u, p] of [
            ["alice", "wonderland"],
            ["bob", "builder"],
          ]) {
            const jar = await httpLogin(srv, u, p);
            const c = client(transport, "/", { jar });
            await c.ready();
            assert.deepEqual(await c.take("my response"), [{ message: `${u} has joined` }]);
            await c.quiet();
            c.close();
          }
        });

        test("/: 'my event' emits 'my response' {message: '<name>: <data as compact JSON>'}", T, async () => {
          const jar = await httpLogin(srv, "bob", "builder");
          const c = await rootAs(transport, jar);
          const cases = [
            [{ a: [1, "x", null], b: { c: true } }, 'bob: {"a":[1,"x",null],"b":{"c":true}}'],
            ["hi", 'bob: "hi"'],
            [42, "bob: 42"],
            [null, "bob: null"],
            [[], "bob: []"],
            ["é/\u{1F600}", 'bob: "é/\u{1F600}"'],
          ];
          for (const [data, message] of cases) {
            c.emit("my event", data);
            assert.deepEqual(await c.take("my response"), [{ message }], JSON.stringify(data));
          }
          await c.quiet();
        });

        test("whoami: the connect-time request in a later event (semantics 2-4)", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const c = await rootAs(transport, jar, {
            headers: { "X-Sio-Test": `hdr-${transport}` },
            query: { q: `q ${transport}/é` },
          });
          const want = {
            user: "alice",
            sid: c.id,
            namespace: "/",
            event: "whoami",
            header: `hdr-${transport}`,
            query: `q ${transport}/é`,
            remote: "127.0.0.1",
          };
          assert.deepEqual(await c.ack("whoami"), [want]);
          c.emit("my event", 1);
          await c.take("my response");
          await sleep(100);
          assert.deepEqual(await c.ack("whoami"), [want], "still the same request later");
          // without them: null
          const d = await rootAs(transport, jar);
          assert.deepEqual(await d.ack("whoami"), [
            { ...want, sid: d.id, header: null, query: null },
          ]);
          assert.notEqual(c.id, d.id);
        });

        test("g: a value put by one handler call is gone in the next (semantics 1)", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const c = await rootAs(transport, jar);
          assert.deepEqual(await c.ack("g_get"), [null]);
          assert.deepEqual(await c.ack("g_put", "v1"), [true]);
          assert.deepEqual(await c.ack("g_get"), [null]);
          assert.deepEqual(await c.ack("g_put", "v2"), [true]);
          assert.deepEqual(await c.ack("g_get"), [null]);
        });

        test("current_app: the application's pointer and server in a handler (semantics 1)", T, async () => {
          const c = client(transport, "/open");
          await c.ready();
          assert.deepEqual(await c.ack("app"), ["login", true]);
        });

        test("sid: unique per connection, and its room reaches exactly that client (semantics 3)", T, async () => {
          const a = await client(transport, "/open").ready();
          const b = await client(transport, "/open").ready();
          const x = await client(transport, "/open").ready();
          assert.equal(new Set([a.id, b.id, x.id]).size, 3);
          for (const c of [a, b, x])
            assert.equal((await c.ack("whoami"))[0].sid, c.id, "whoami's sid is the client's");
          assert.deepEqual(await a.ack("poke", b.id), [1]);
          assert.deepEqual(await b.take("poked"), [a.id]);
          await a.quiet();
          await b.quiet();
          await x.quiet();
          assert.deepEqual(await b.ack("poke", b.id), [1], "its own room");
          assert.deepEqual(await b.take("poked"), [b.id]);
          assert.deepEqual(await a.ack("poke", "no-such-sid"), [0]);
          await x.quiet();
        });

        test("namespace, event and raw args in a generic catch-all (semantics 4)", T, async () => {
          const c = await client(transport, "/open").ready();
          assert.deepEqual(await c.ack("anything", 1, { x: [true, null] }, "s"), [
            { namespace: "/open", event: "anything", args: [1, { x: [true, null] }, "s"], auth: {} },
          ]);
          assert.deepEqual(await c.ack("other"), [
            { namespace: "/open", event: "other", args: [], auth: {} },
          ]);
          const w = (await c.ack("whoami"))[0];
          assert.equal(w.namespace, "/open");
          assert.equal(w.event, "whoami");
          assert.equal(w.user, null);
        });

        test("the CONNECT auth payload is readable in every later event (semantics 2, 12)", T, async () => {
          const auth = { x: 1, y: "é", z: [null, { w: true }] };
          const c = await client(transport, "/open", { auth }).ready();
          for (let i = 0; i < 3; i++) {
            assert.deepEqual(await c.ack("probe", i), [
              { namespace: "/open", event: "probe", args: [i], auth },
            ]);
            await sleep(50);
          }
        });

        test("session: copied at connect (5), forked by the connection (6)", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          assert.equal((await http(srv, "POST", "/session/k0", { jar, form: { value: "from http" } })).status, 200);
          const c = await rootAs(transport, jar);
          // 5: the HTTP session as it was at connect
          assert.deepEqual(await c.ack("session_get", "k0"), ["from http"]);
          assert.deepEqual(await c.ack("session_get", "_user_id"), ["1"]);
          assert.deepEqual(await c.ack("session_get", "nope"), [null]);
          // 6: set in one event, present in the next
          assert.deepEqual(await c.ack("session_set", "k", "from sio"), [true]);
          assert.deepEqual(await c.ack("session_get", "k"), ["from sio"]);
          assert.deepEqual(await c.ack("session_set", "k0", "changed"), [true]);
          assert.deepEqual(await c.ack("session_get", "k0"), ["changed"]);
          // ... absent for HTTP with the same cookie
          assert.equal((await http(srv, "GET", "/session/k", { jar })).status, 404);
          assert.deepEqual((await http(srv, "GET", "/session/k0", { jar })).json, { value: "from http" });
          // ... and for another connection of the same user
          const d = await rootAs(transport, jar);
          assert.deepEqual(await d.ack("session_get", "k"), [null]);
          assert.deepEqual(await d.ack("session_get", "k0"), ["from http"]);
          // the first one keeps its fork
          assert.deepEqual(await c.ack("session_get", "k"), ["from sio"]);
        });

        test("session_set over the size limit: error ack 'session too large', nothing changes", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const c = await rootAs(transport, jar);
          assert.deepEqual(await c.ack("session_set", "small", "s"), [true]);
          const big = crypto.randomBytes(4500).toString("base64");
          assertErrorAck(await c.ack("session_set", "big", big), "session too large");
          assert.deepEqual(await c.ack("session_get", "big"), [null]);
          assert.deepEqual(await c.ack("session_get", "small"), ["s"]);
          assert.equal((await c.ack("whoami"))[0].user, "alice");
        });

        test("session_set of a reserved key: error ack 'reserved key', nothing changes", T, async () => {
          const jar = await httpLogin(srv, "bob", "builder");
          const c = await rootAs(transport, jar);
          for (const key of ["_x", "_user_id", "_"]) {
            assertErrorAck(await c.ack("session_set", key, "1"), "reserved key");
          }
          assert.deepEqual(await c.ack("session_get", "_user_id"), ["2"]);
          assert.deepEqual(await c.ack("session_get", "_x"), [null]);
          assert.equal((await c.ack("whoami"))[0].user, "bob");
        });

        test(`HTTP changes after connect: ${sessions === "server" ? "seen until the connection's first change (7)" : "not seen (a cookie session is a copy)"}`, T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const c = await rootAs(transport, jar);
          assert.deepEqual(await c.ack("session_get", "h"), [null]);
          await http(srv, "POST", "/session/h", { jar, form: { value: "1" } });
          assert.deepEqual(await c.ack("session_get", "h"), [sessions === "server" ? "1" : null]);
          await http(srv, "POST", "/session/h", { jar, form: { value: "2" } });
          assert.deepEqual(await c.ack("session_get", "h"), [sessions === "server" ? "2" : null]);
          // the connection's first own change: from now on its fork
          assert.deepEqual(await c.ack("session_set", "mine", "x"), [true]);
          await http(srv, "POST", "/session/h", { jar, form: { value: "3" } });
          await http(srv, "POST", "/session/other", { jar, form: { value: "o" } });
          assert.deepEqual(await c.ack("session_get", "h"), [sessions === "server" ? "2" : null]);
          assert.deepEqual(await c.ack("session_get", "other"), [null]);
          assert.deepEqual(await c.ack("session_get", "mine"), ["x"]);
          assert.deepEqual((await http(srv, "GET", "/session/h", { jar })).json, { value: "3" });
          assert.equal((await http(srv, "GET", "/session/mine", { jar })).status, 404);
        });

        test(`HTTP logout after connect: ${sessions === "server" ? "the unforked connection is logged out too (7)" : "the connection keeps its copy"}`, T, async () => {
          const jar = await httpLogin(srv, "bob", "builder");
          const c = await rootAs(transport, jar);
          assert.equal((await http(srv, "POST", "/logout", { jar })).status, 200);
          if (sessions === "server") {
            // only the connect and "my event" require auth: whoami answers
            const w = (await c.ack("whoami"))[0];
            assert.equal(w.user, null);
            assert.equal(w.sid, c.id);
          }
          c.emit("my event", "after logout");
          if (sessions === "server") {
            // `requires auth` fails now: the default policy disconnects
            assert.equal(await c.disconnected(), "io server disconnect");
            assert.deepEqual(c.events, []);
          } else {
            assert.deepEqual(await c.take("my response"), [{ message: 'bob: "after logout"' }]);
            assert.equal((await c.ack("whoami"))[0].user, "bob");
          }
          // a forked connection keeps its user in both modes
          const jar2 = await httpLogin(srv, "alice", "wonderland");
          const d = await rootAs(transport, jar2);
          assert.deepEqual(await d.ack("session_set", "fork", "1"), [true]);
          await http(srv, "POST", "/logout", { jar: jar2 });
          d.emit("my event", 7);
          assert.deepEqual(await d.take("my response"), [{ message: "alice: 7" }]);
        });

        test("writing the value already there is a modification (forks)", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          await http(srv, "POST", "/session/s", { jar, form: { value: "same" } });
          const c = await rootAs(transport, jar);
          assert.deepEqual(await c.ack("session_set", "s", "same"), [true]);
          await http(srv, "POST", "/session/s", { jar, form: { value: "new" } });
          assert.deepEqual(await c.ack("session_get", "s"), ["same"]);
        });

        test("a login over the socket is a modification (forks) and logs in '/' on the same connection", T, async () => {
          const jar = new Jar();
          await http(srv, "POST", "/session/s", { jar, form: { value: "before" } });
          const { socket } = manager(transport, { jar });
          const o = await socket("/open").ready();
          assert.deepEqual(await o.ack("login", "bob", "builder"), ["bob"]);
          await http(srv, "POST", "/session/s", { jar, form: { value: "after" } });
          const r = await socket("/").ready();
          assert.deepEqual(await r.take("my response"), [{ message: "bob has joined" }]);
          assert.deepEqual(await r.ack("session_get", "s"), ["before"]);
          assert.deepEqual(await r.ack("session_get", "_user_id"), ["2"]);
          assert.equal((await r.ack("whoami"))[0].user, "bob");
          // HTTP did not learn about the socket's login
          assert.equal((await http(srv, "GET", "/session/_user_id", { jar })).status, 404);
        });

        test("no HTTP hooks on Socket.IO events; HTTP routes run them (semantics 9)", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const c = await rootAs(transport, jar);
          const o = await client(transport, "/open").ready();
          const s1 = await stats(srv);
          for (let i = 0; i < 5; i++) {
            c.emit("my event", i);
            await c.take("my response");
            await c.ack("whoami");
            await c.ack("session_set", "x", String(i));
            await o.ack("anything", i);
          }
          const d = await rootAs(transport, jar); // a connect too
          d.close();
          const s2 = await stats(srv);
          assert.equal(s2.before, s1.before + 1, "only the /stats request ran the before-hook");
          assert.equal(s2.after, s1.after + 1, "only the /stats request ran the after-hook");
          assert.equal(s2.my_event["/"], s1.my_event["/"] + 5, "the handler ran");
        });

        test("a guard refuses an event (error ack) before the handler; passes for its user (semantics 10)", T, async () => {
          const alice = await rootAs(transport, await httpLogin(srv, "alice", "wonderland"));
          const bob = await rootAs(transport, await httpLogin(srv, "bob", "builder"));
          const s1 = await stats(srv);
          assert.deepEqual(await alice.ack("admin_echo", { v: [1] }), [{ v: [1] }]);
          assertErrorAck(await bob.ack("admin_echo", { v: [1] }), "forbidden: admin");
          assert.equal((await stats(srv)).guard_calls, s1.guard_calls + 2);
          // refused with an ack: the connection stays
          assert.equal(bob.s.connected, true);
          assert.equal((await bob.ack("whoami"))[0].user, "bob");
        });

        test("/open: anonymous 'my event' never runs, the client is disconnected, its ack never answered (15)", T, async () => {
          const s1 = await stats(srv);
          const c = await client(transport, "/open").ready();
          let answered = null;
          c.s.emit("my event", { x: 1 }, (...a) => {
            answered = a;
          });
          assert.equal(await c.disconnected(), "io server disconnect");
          await sleep(QUIET_MS);
          assert.equal(answered, null, "the ack was answered");
          assert.deepEqual(c.events, [], "no my response");
          // without an ack id too
          const d = await client(transport, "/open").ready();
          d.emit("my event", 2);
          assert.equal(await d.disconnected(), "io server disconnect");
          assert.equal((await stats(srv)).my_event["/open"], s1.my_event["/open"], "the handler ran");
        });

        test("/open: login over the socket, then guarded events pass (semantics 14, 16)", T, async () => {
          const s1 = await stats(srv);
          const c = await client(transport, "/open").ready();
          assertErrorAck(await c.ack("login", "alice", "builder"), "invalid credentials");
          assertErrorAck(await c.ack("login", "nobody", "x"), "invalid credentials");
          assert.equal((await c.ack("whoami"))[0].user, null);
          assert.deepEqual(await c.ack("login", "alice", "wonderland"), ["alice"]);
          const w = (await c.ack("whoami"))[0];
          assert.deepEqual(w, {
            user: "alice",
            sid: c.id,
            namespace: "/open",
            event: "whoami",
            header: null,
            query: null,
            remote: "127.0.0.1",
          });
          c.emit("my event", { hello: "world" });
          assert.deepEqual(await c.take("my response"), [{ message: 'alice: {"hello":"world"}' }]);
          assert.equal((await stats(srv)).my_event["/open"], s1.my_event["/open"] + 1);
          assert.equal(c.s.connected, true);
          // a bad login afterwards does not log out
          assertErrorAck(await c.ack("login", "bob", "nope"), "invalid credentials");
          assert.equal((await c.ack("whoami"))[0].user, "alice");
        });

        test("/open: wrong argument types get an error ack naming the argument", T, async () => {
          const c = await client(transport, "/open").ready();
          const [e] = await c.ack("login", "alice", 5);
          assert.match(e.error, /password/);
          assert.deepEqual(Object.keys(e), ["error"]);
          assert.equal((await c.ack("whoami"))[0].user, null);
        });

        test("/open: a logged-in HTTP user passes the guard on /open", T, async () => {
          const jar = await httpLogin(srv, "bob", "builder");
          const c = await client(transport, "/open", { jar }).ready();
          c.emit("my event", [1, 2]);
          assert.deepEqual(await c.take("my response"), [{ message: "bob: [1,2]" }]);
          assert.equal((await c.ack("whoami"))[0].user, "bob");
        });

        test("/open login logs in '/' on the same connection (one session per Engine.IO connection)", T, async () => {
          const { socket } = manager(transport);
          const o = await socket("/open").ready();
          assert.deepEqual(await o.ack("login", "alice", "wonderland"), ["alice"]);
          const r = await socket("/").ready();
          assert.deepEqual(await r.take("my response"), [{ message: "alice has joined" }]);
          r.emit("my event", "x");
          assert.deepEqual(await r.take("my response"), [{ message: 'alice: "x"' }]);
          // another connection stays anonymous
          const other = client(transport, "/");
          assert.equal((await other.refused()).message, "unauthorized");
          other.close();
        });

        test("/token: a token from GET /token logs the connection in; greeting; whoami (12, 14)", T, async () => {
          const jar = await httpLogin(srv, "bob", "builder");
          const { json } = await http(srv, "GET", "/token", { jar });
          const c = client(transport, "/token", { auth: { token: json.token } });
          await c.ready();
          assert.deepEqual(await c.take("my response"), [{ message: "bob has joined" }]);
          assert.deepEqual(await c.ack("whoami"), [
            {
              user: "bob",
              sid: c.id,
              namespace: "/token",
              event: "whoami",
              header: null,
              query: null,
              remote: "127.0.0.1",
            },
          ]);
          await c.quiet();
        });

        test("/token: missing, tampered or foreign tokens get CONNECT_ERROR 'invalid token' (13)", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const { json } = await http(srv, "GET", "/token", { jar });
          const t = json.token;
          const bad = {
            "no auth payload": undefined,
            "{}": {},
            "token null": { token: null },
            "token a number": { token: 42 },
            "token empty": { token: "" },
            "signature flipped": { token: tamper(t, "sig") },
            "payload flipped": { token: tamper(t, "payload") },
            "another salt": { token: forgeToken({ user_id: "1" }, { salt: "other-salt" }) },
            "the cookie salt": {
              token: signValue('{"user_id":"1"}', {
                secret: SECRET,
                salt: "cookie-session",
                derivation: "hmac",
                ts: now(),
              }),
            },
            "another secret": { token: forgeToken({ user_id: "1" }, { secret: "not-the-secret" }) },
            "expired (2 h)": { token: forgeToken({ user_id: "1" }, { ts: now() - 7200 }) },
            "unknown user": { token: forgeToken({ user_id: "99" }) },
            "no user_id": { token: forgeToken({ user: "alice" }) },
            "the session cookie": { token: sessions === "cookie" ? jar.value : forgeCookie({ _user_id: "1" }) },
            "forged, bad signature": {
              token: `${b64u('{"user_id":"1"}')}.${b64u(tsBytes(now()))}.${b64u("y".repeat(20))}`,
            },
          };
          const s1 = await stats(srv);
          for (const [what, auth] of Object.entries(bad)) {
            const c = client(transport, "/token", { auth });
            const err = await c.refused();
            assert.equal(err.message, "invalid token", what);
            assert.equal(c.s.connected, false, what);
            c.close();
          }
          assert.equal((await stats(srv)).connect_root, s1.connect_root);
          // positive control: a token the test signs itself is accepted
          const ok = client(transport, "/token", { auth: { token: forgeToken({ user_id: "2" }) } });
          await ok.ready();
          assert.deepEqual(await ok.take("my response"), [{ message: "bob has joined" }]);
        });

        test("/token login logs in '/' on the same connection", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const { json } = await http(srv, "GET", "/token", { jar });
          const { socket } = manager(transport); // no cookie
          const t = await socket("/token", { auth: { token: json.token } }).ready();
          assert.deepEqual(await t.take("my response"), [{ message: "alice has joined" }]);
          const r = await socket("/").ready();
          assert.deepEqual(await r.take("my response"), [{ message: "alice has joined" }]);
          assert.deepEqual(await r.ack("session_get", "_user_id"), ["1"]);
        });

        test("/: refused connections dispatch no event; an unknown event gets 'unknown event'", T, async () => {
          const jar = await httpLogin(srv, "alice", "wonderland");
          const c = await rootAs(transport, jar);
          assertErrorAck(await c.ack("nope", 1), "unknown event");
          assert.equal(c.s.connected, true);
        });
      });
    }

    test("polling upgraded to websocket: the same request, session and user after the upgrade (semantics 2)", T, async () => {
      const jar = await httpLogin(srv, "bob", "builder");
      const s = io(srv.base, {
        transports: [Fetch, NodeWebSocket],
        forceNew: true,
        reconnection: false,
        timeout: 5000,
        extraHeaders: { Cookie: jar.header, "X-Sio-Test": "up" },
        query: { q: "upgrade" },
      });
      const c = track(new Client(s, "polling"));
      await c._until(() => (s.connected ? true : undefined), 5000, "connect");
      assert.deepEqual(await c.take("my response"), [{ message: "bob has joined" }]);
      const want = {
        user: "bob",
        sid: s.id,
        namespace: "/",
        event: "whoami",
        header: "up",
        query: "upgrade",
        remote: "127.0.0.1",
      };
      assert.deepEqual(await c.ack("whoami"), [want]);
      assert.deepEqual(await c.ack("session_set", "k", "before upgrade"), [true]);
      for (const t0 = Date.now(); s.io.engine?.transport?.name !== "websocket"; await sleep(10))
        if (Date.now() - t0 > 5000) throw new Error("no upgrade to websocket within 5 s");
      assert.deepEqual(await c.ack("whoami"), [want]);
      assert.deepEqual(await c.ack("session_get", "k"), ["before upgrade"]);
      c.close();
    });

    test("SIGTERM: connected clients see 'io server disconnect', exit 0 within 5 s", T, async () => {
      const own = await startLogin(["--secret", SECRET, "--sessions", sessions]);
      const saved = srv;
      srv = own;
      try {
        const jar = await httpLogin(own, "alice", "wonderland");
        const clients = [];
        for (const transport of TRANSPORT_NAMES) clients.push(await rootAs(transport, jar));
        const e = await own.stop();
        assert.equal(e.code, 0, `exit ${JSON.stringify(e)}\n${own.err.slice(-1000)}`);
        assert.ok(e.ms < 5000, `took ${e.ms} ms`);
        for (const c of clients) assert.equal(await c.disconnected(), "io server disconnect");
        assert.match(own.err, /login: stopped/);
      } finally {
        srv = saved;
        await own.stop();
      }
    });
  });
}

// Credentialed CORS: the session cookie may ride cross-origin requests
// only from the origins --cors-origin names; never from any origin.
describe("login CORS", () => {
  let named, unnamed;
  before(async () => {
    named = await startLogin(["--secret", SECRET, "--cors-origin", "http://app.test"]);
    unnamed = await startLogin(["--secret", SECRET]);
  });
  after(async () => {
    assert.equal((await named.stop()).code, 0);
    assert.equal((await unnamed.stop()).code, 0);
  });

  const login = (srv, origin) =>
    request("POST", `${srv.base}/login`, {
      headers: { origin, "content-type": "application/x-www-form-urlencoded" },
      body: "username=alice&password=wonderland",
    });
  const handshake = (srv, origin) =>
    request("GET", `${srv.base}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });

  test("a named origin is echoed with credentials (route and Socket.IO)", T, async () => {
    for (const r of [await login(named, "http://app.test"), await handshake(named, "http://app.test")]) {
      assert.equal(r.status, 200);
      assert.equal(r.headers["access-control-allow-origin"], "http://app.test");
      assert.equal(r.headers["access-control-allow-credentials"], "true");
    }
  });

  test("another origin gets no CORS headers", T, async () => {
    for (const srv of [named, unnamed]) {
      const r = await handshake(srv, "http://evil.test");
      assert.equal(r.status, 200);
      assert.equal(r.headers["access-control-allow-origin"], undefined);
      assert.equal(r.headers["access-control-allow-credentials"], undefined);
    }
  });

  // Sessions are on: a page of any site could post the user's cookie
  // (or a login of its own: login CSRF). A request that changes state
  // must come from the server's own origin or a named one, by Origin,
  // else Referer; with neither (not a browser) it passes.
  test("a POST from another site is 403, by Origin or by Referer; own and named pass", T, async () => {
    const post = (srv, headers) =>
      request("POST", `${srv.base}/login`, {
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: "username=alice&password=wonderland",
      });
    for (const srv of [named, unnamed]) {
      for (const h of [{ origin: "http://evil.test" }, { referer: "http://evil.test/page?x=1" },
        { origin: "null" }, { origin: `${srv.base}.evil.test` }]) {
        const r = await post(srv, h);
        assert.equal(r.status, 403, JSON.stringify(h));
        assert.equal(r.text, "cross-site request refused");
      }
      for (const h of [{ origin: srv.base }, { referer: `${srv.base}/login` }, {}]) {
        assert.equal((await post(srv, h)).status, 200, JSON.stringify(h));
      }
    }
    assert.equal((await post(named, { origin: "http://app.test" })).status, 200);
    assert.match(named.stderr(), /POST \/login from another site refused/);
  });

  // Browsers apply no CORS to WebSockets and send the cookie with any
  // page's: the handshake's Origin is checked (server sessions make "*"
  // and ws_any_origin count for nothing).
  test("a WebSocket from another site is 403; own, named and none open", T, async () => {
    const open = async (srv, origin) => {
      const c = new RawWs(wsUrl(srv), { headers: origin ? { origin } : {} });
      try {
        await within(c.opened, 5000, "websocket");
        c.ws.close();
        return 101;
      } catch {
        return c.refusedStatus;
      }
    };
    for (const srv of [named, unnamed]) {
      assert.equal(await open(srv, "http://evil.test"), 403);
      assert.equal(await open(srv, srv.base), 101);
      assert.equal(await open(srv, undefined), 101);
    }
    assert.equal(await open(named, "http://app.test"), 101);
  });
});

// Without --secret the server signs with a random secret it says so on
// stderr: a cookie signed with any guessable default is refused.
describe("login without --secret", () => {
  test("a random secret, said on stderr; a cookie signed with 'dev-secret' is anonymous", T, async () => {
    const srv = await startLogin([]);
    try {
      await sleep(100);
      assert.match(srv.err, /random/);
      for (const secret of ["dev-secret", "", "secret"]) {
        const value = forgeCookie({ _user_id: "1" }, { secret });
        const r = await request("GET", `${srv.base}/session/_user_id`, {
          headers: { cookie: `session=${value}` },
        });
        assert.equal(r.status, 404, `${secret}: ${r.status} ${r.text}`);
        assert.equal(
          (await request("GET", `${srv.base}/token`, { headers: { cookie: `session=${value}` } })).status,
          401,
        );
      }
    } finally {
      assert.equal((await srv.stop()).code, 0);
    }
  });
});
