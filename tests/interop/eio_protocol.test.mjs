// Engine.IO v4 protocol, raw HTTP and raw WebSocket, against the
// conformance server's --engine-io echo mode (path /engine.io/, ping
// 300/200, maxPayload 1000000): what the engine.io-protocol suite checks,
// plus the error bodies, CORS and size limits.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  RawWs,
  eioUrl,
  poll,
  pollingOpen,
  push,
  request,
  sleep,
  startServer,
  within,
  wsOpen,
  wsUrl,
} from "./lib.mjs";

const P = "/engine.io/";
let srv;

before(async () => {
  srv = await startServer(["--engine-io"]);
});
after(async () => {
  const e = await srv.stop();
  assert.equal(e.code, 0, `server exit: ${JSON.stringify(e)}`);
});

function assertOpenPacket(v, upgrades) {
  assert.deepEqual(Object.keys(v).sort(), [
    "maxPayload",
    "pingInterval",
    "pingTimeout",
    "sid",
    "upgrades",
  ]);
  assert.equal(typeof v.sid, "string");
  assert.match(v.sid, /^[A-Za-z0-9_-]{16,}$/);
  assert.deepEqual(v.upgrades, upgrades);
  assert.equal(v.pingInterval, 300);
  assert.equal(v.pingTimeout, 200);
  assert.equal(v.maxPayload, 1000000);
}

async function assertError(method, url, code, message, body) {
  const r = await request(method, url, { body });
  assert.ifError(r.error);
  assert.equal(r.status, 400, `${method} ${url}: ${r.text}`);
  assert.deepEqual(JSON.parse(r.text), { code, message });
  return r;
}

const U = (q) => `${srv.base}${P}?${q}`;

describe("handshake", () => {
  test("polling: open packet keys and values, distinct sids", async () => {
    const r = await request("GET", eioUrl(srv, { path: P }));
    assert.equal(r.status, 200);
    assert.equal(r.text[0], "0");
    const v = JSON.parse(r.text.slice(1));
    assertOpenPacket(v, ["websocket"]);
    const v2 = await pollingOpen(srv, P);
    assert.notEqual(v2.sid, v.sid);
  });

  test("websocket: open packet keys and values, no upgrades", async () => {
    const [c, v] = await wsOpen(srv, { path: P });
    assertOpenPacket(v, []);
    c.close();
  });

  test("missing or invalid EIO: 400 Unsupported protocol version", async () => {
    for (const q of ["transport=polling", "EIO=abc&transport=polling", "EIO=3&transport=polling", "EIO=5&transport=polling"])
      await assertError("GET", U(q), 5, "Unsupported protocol version");
  });

  test("missing or unknown transport: 400 code 0 Transport unknown", async () => {
    for (const q of ["EIO=4", "EIO=4&transport=abc", "EIO=4&transport="])
      await assertError("GET", U(q), 0, "Transport unknown");
  });

  test("unknown sid: 400 code 1 Session ID unknown (GET and POST)", async () => {
    await assertError("GET", U("EIO=4&transport=polling&sid=nope"), 1, "Session ID unknown");
    await assertError("POST", U("EIO=4&transport=polling&sid=nope"), 1, "Session ID unknown", "4x");
  });

  test("handshake not by GET: 400 code 2 Bad handshake method", async () => {
    for (const m of ["POST", "PUT"])
      await assertError(m, U("EIO=4&transport=polling"), 2, "Bad handshake method", "");
  });

  test("bad request: 400 code 3 (websocket without upgrade, transport mismatch)", async () => {
    await assertError("GET", U("EIO=4&transport=websocket"), 3, "Bad request");
    const { sid } = await pollingOpen(srv, P);
    await assertError("GET", U(`EIO=4&transport=websocket&sid=${sid}`), 3, "Bad request");
  });

  test("websocket with bad EIO or transport is refused", async () => {
    for (const q of ["transport=websocket", "EIO=abc&transport=websocket", "EIO=4", "EIO=4&transport=abc"]) {
      const c = new RawWs(`ws://127.0.0.1:${srv.port}${P}?${q}`);
      // The reference answers 400 with the JSON error; dropping the
      // connection before the upgrade is accepted too.
      await assert.rejects(within(c.opened, 3000, q), /unexpected response 400|closed before open/);
    }
  });

  test("other paths are not Engine.IO", async () => {
    const r = await request("GET", `${srv.base}/socket.io/?EIO=4&transport=polling`);
    assert.ifError(r.error);
    assert.notEqual(r.status, 200);
  });
});

describe("polling", () => {
  test("one text packet: POST answers ok, GET returns it", async () => {
    const { sid } = await pollingOpen(srv, P);
    const r = await push(srv, sid, "4hello", P);
    assert.equal(r.status, 200);
    assert.equal(r.text, "ok");
    const g = await poll(srv, sid, P);
    assert.equal(g.status, 200);
    assert.equal(g.text, "4hello");
  });

  test("several packets separated by \\x1e", async () => {
    const { sid } = await pollingOpen(srv, P);
    const body = "4test1\x1e4test2\x1e4test3";
    assert.equal((await push(srv, sid, body, P)).text, "ok");
    assert.equal((await poll(srv, sid, P)).text, body);
  });

  test("binary as b<base64>, mixed with text", async () => {
    const { sid } = await pollingOpen(srv, P);
    assert.equal((await push(srv, sid, "4hello\x1ebAQIDBA==", P)).text, "ok");
    assert.equal((await poll(srv, sid, P)).text, "4hello\x1ebAQIDBA==");
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13, 0x1e]);
    const b64 = "b" + bytes.toString("base64");
    assert.equal((await push(srv, sid, b64, P)).text, "ok");
    assert.equal((await poll(srv, sid, P)).text, b64);
  });

  test("multi-byte UTF-8 survives", async () => {
    const { sid } = await pollingOpen(srv, P);
    const body = "4h\u00e9llo \u20ac \u{1F600} \u4e2d\u6587";
    assert.equal((await push(srv, sid, body, P)).text, "ok");
    const g = await poll(srv, sid, P);
    assert.equal(g.text, body);
    assert.match(g.headers["content-type"] ?? "", /^text\/plain/);
  });

  test("pending GET is answered when a message arrives", async () => {
    const { sid } = await pollingOpen(srv, P);
    const pending = poll(srv, sid, P);
    await sleep(50);
    assert.equal((await push(srv, sid, "4late", P)).text, "ok");
    assert.equal((await pending).text, "4late");
  });

  test("invalid packet closes the session", async () => {
    const { sid } = await pollingOpen(srv, P);
    const r = await push(srv, sid, "abc", P);
    if (!r.error) assert.equal(r.status, 400);
    await assertError("GET", U(`EIO=4&transport=polling&sid=${sid}`), 1, "Session ID unknown");
  });

  test("duplicate GET: first gets close packet 1, second 400, sid dead", async () => {
    const { sid } = await pollingOpen(srv, P);
    const first = poll(srv, sid, P);
    await sleep(20);
    const second = await poll(srv, sid, P);
    assert.ifError(second.error);
    assert.ok([400, 500].includes(second.status), `second: ${second.status}`);
    const f = await first;
    assert.equal(f.status, 200);
    assert.equal(f.text, "1");
    await assertError("GET", U(`EIO=4&transport=polling&sid=${sid}`), 1, "Session ID unknown");
  });

  test("close packet: pending GET gets noop 6, then the sid is dead", async () => {
    const { sid } = await pollingOpen(srv, P);
    const pending = poll(srv, sid, P);
    await sleep(20);
    const r = await push(srv, sid, "1", P);
    assert.equal(r.status, 200);
    const g = await pending;
    assert.equal(g.status, 200);
    assert.equal(g.text, "6");
    await assertError("GET", U(`EIO=4&transport=polling&sid=${sid}`), 1, "Session ID unknown");
  });

  // The official suite sends the poll and the close at once, on two
  // connections; when both are ready in one loop turn the close may be
  // read first, and the poll must still get its noop, not a 400.
  test("close packet sent together with a poll: the poll still gets noop 6", async () => {
    for (let i = 0; i < 30; i++) {
      const { sid } = await pollingOpen(srv, P);
      const [g, r] = await Promise.all([poll(srv, sid, P), push(srv, sid, "1", P)]);
      assert.equal(r.status, 200, `round ${i}: POST`);
      assert.equal(g.status, 200, `round ${i}: GET ${g.status} ${g.text}`);
      assert.equal(g.text, "6", `round ${i}`);
      await assertError("GET", U(`EIO=4&transport=polling&sid=${sid}`), 1, "Session ID unknown");
    }
  });

  test("POST of exactly maxPayload bytes is accepted", async () => {
    const { sid } = await pollingOpen(srv, P);
    const body = "4" + "a".repeat(1000000 - 1);
    const r = await push(srv, sid, body, P);
    assert.equal(r.status, 200);
    assert.equal(r.text, "ok");
    const g = await poll(srv, sid, P);
    assert.equal(g.text.length, body.length);
    assert.equal(g.text, body);
  });

  test("POST over maxPayload: 413 and the session closes", async () => {
    const { sid } = await pollingOpen(srv, P);
    const r = await push(srv, sid, "4" + "a".repeat(1000000), P);
    if (!r.error) assert.equal(r.status, 413);
    await assertError("GET", U(`EIO=4&transport=polling&sid=${sid}`), 1, "Session ID unknown");
  });
});

describe("websocket", () => {
  test("text and binary echo, exact bytes", async () => {
    const [c] = await wsOpen(srv, { path: P });
    c.send("4hello");
    assert.equal(await c.next(), "4hello");
    const bin = Buffer.from([1, 2, 3, 4, 0, 255]);
    c.send(bin);
    const got = await c.next();
    assert.ok(Buffer.isBuffer(got), "binary frame expected");
    assert.deepEqual(got, bin);
    const utf = "4\u00e9\u20ac\u{1F600}";
    c.send(utf);
    assert.equal(await c.next(), utf);
    c.close();
  });

  test("invalid packet closes the connection", async () => {
    const [c] = await wsOpen(srv, { path: P });
    c.send("abc");
    await c.waitClose(2000);
  });

  test("close packet closes the connection", async () => {
    const [c] = await wsOpen(srv, { path: P });
    c.send("1");
    await c.waitClose(2000);
  });

  test("frame of exactly maxPayload bytes is echoed", async () => {
    const [c] = await wsOpen(srv, { path: P });
    const big = "4" + "z".repeat(1000000 - 1);
    c.send(big);
    const got = await c.next(5000);
    assert.equal(got.length, big.length);
    assert.equal(got, big);
    c.close();
  });

  test("oversized frame closes that connection only", async () => {
    const [a] = await wsOpen(srv, { path: P });
    const [b] = await wsOpen(srv, { path: P });
    a.send("4" + "x".repeat(1000000));
    await a.waitClose(3000);
    b.send("4still here");
    assert.equal(await b.next(), "4still here");
    b.close();
  });
});

describe("heartbeat", () => {
  test("polling: three ping/pong rounds", async () => {
    const { sid } = await pollingOpen(srv, P);
    let last = Date.now();
    for (let i = 0; i < 3; i++) {
      const g = await poll(srv, sid, P);
      assert.equal(g.status, 200);
      assert.equal(g.text, "2");
      const now = Date.now();
      assert.ok(now - last >= 150, `ping after ${now - last} ms`);
      last = now;
      const r = await push(srv, sid, "3", P);
      assert.equal(r.status, 200);
      assert.equal(r.text, "ok");
    }
  });

  test("polling: no pong closes the session", async () => {
    const { sid } = await pollingOpen(srv, P);
    await sleep(300 + 200 + 300);
    await assertError("GET", U(`EIO=4&transport=polling&sid=${sid}`), 1, "Session ID unknown");
  });

  test("websocket: three ping/pong rounds keep it open", async () => {
    const [c] = await wsOpen(srv, { path: P, autoPong: false });
    for (let i = 0; i < 3; i++) {
      assert.equal(await c.next(2000, "ping"), "2");
      c.send("3");
    }
    assert.ok(c.isOpen);
    c.send("4alive");
    assert.equal(await c.next(), "4alive");
    c.close();
  });

  test("websocket: no pong closes it after pingInterval + pingTimeout", async () => {
    const [c] = await wsOpen(srv, { path: P, autoPong: false });
    const info = await c.waitClose(3000);
    const dt = info.at - c.openedAt;
    assert.ok(dt >= 400 && dt < 2000, `closed after ${dt} ms`);
  });
});

describe("upgrade", () => {
  test("probe, noop on the pending poll, upgrade, echo", async () => {
    const { sid } = await pollingOpen(srv, P);
    const c = new RawWs(wsUrl(srv, { path: P, sid }));
    await within(c.opened, 3000, "ws open");
    c.send("2probe");
    assert.equal(await c.next(), "3probe");
    const g = await poll(srv, sid, P);
    assert.equal(g.status, 200);
    assert.equal(g.text, "6");
    c.send("5");
    c.send("4hello");
    assert.equal(await c.next(), "4hello");
    c.close();
  });

  test("a poll pending during the probe is answered with noop 6", async () => {
    const { sid } = await pollingOpen(srv, P);
    const pending = poll(srv, sid, P);
    await sleep(30);
    const c = new RawWs(wsUrl(srv, { path: P, sid }));
    await within(c.opened, 3000, "ws open");
    c.send("2probe");
    assert.equal(await c.next(), "3probe");
    const g = await pending;
    assert.equal(g.status, 200);
    assert.equal(g.text, "6");
    c.send("5");
    c.send("4after");
    assert.equal(await c.next(), "4after");
    c.close();
  });

  test("messages queued on polling before the upgrade are not lost", async () => {
    const { sid } = await pollingOpen(srv, P);
    assert.equal((await push(srv, sid, "4queued", P)).text, "ok");
    const c = new RawWs(wsUrl(srv, { path: P, sid }));
    await within(c.opened, 3000, "ws open");
    c.send("2probe");
    assert.equal(await c.next(), "3probe");
    c.send("5");
    // The echo went to the polling buffer first: it must come on the
    // websocket now (socket.io flushes the old buffer over the new
    // transport).
    assert.equal(await c.next(2000, "queued echo"), "4queued");
    c.close();
  });

  test("after the upgrade, polling with the old sid gets 400", async () => {
    const { sid } = await pollingOpen(srv, P);
    const c = new RawWs(wsUrl(srv, { path: P, sid }));
    await within(c.opened, 3000, "ws open");
    c.send("2probe");
    assert.equal(await c.next(), "3probe");
    c.send("5");
    await sleep(50);
    const r = await request("GET", eioUrl(srv, { path: P, sid }));
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).code, 3);
    c.send("4hello");
    assert.equal(await c.next(), "4hello");
    c.close();
  });

  test("after the upgrade, a second websocket with the same sid is closed", async () => {
    const { sid } = await pollingOpen(srv, P);
    const c = new RawWs(wsUrl(srv, { path: P, sid }));
    await within(c.opened, 3000, "ws open");
    c.send("2probe");
    assert.equal(await c.next(), "3probe");
    c.send("5");
    await sleep(50);
    const c2 = new RawWs(wsUrl(srv, { path: P, sid }));
    await c2.waitClose(3000);
    c.send("4hello");
    assert.equal(await c.next(), "4hello");
    c.close();
  });

  test("upgrade with an unknown sid is refused", async () => {
    const c = new RawWs(wsUrl(srv, { path: P, sid: "unknown-sid" }));
    await assert.rejects(within(c.opened, 3000, "ws open"), /unexpected response 400|closed before open/);
  });
});

describe("CORS", () => {
  // The conformance server's --cors-origin is "*": any origin, and so
  // never with credentials (a page of any site must not ride the
  // user's cookies).
  test("request with Origin gets Access-Control-Allow-Origin: *, no credentials", async () => {
    const r = await request("GET", eioUrl(srv, { path: P }), {
      headers: { origin: "http://example.test" },
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers["access-control-allow-origin"], "*");
    assert.equal(r.headers["access-control-allow-credentials"], undefined);
  });

  test("error answers carry CORS headers too", async () => {
    const r = await request("GET", `${srv.base}${P}?EIO=4&transport=abc`, {
      headers: { origin: "http://example.test" },
    });
    assert.equal(r.status, 400);
    assert.ok(r.headers["access-control-allow-origin"], "allow-origin on 400");
  });

  test("OPTIONS preflight", async () => {
    const { sid } = await pollingOpen(srv, P);
    const r = await request("OPTIONS", eioUrl(srv, { path: P, sid }), {
      headers: {
        origin: "http://example.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.ok([200, 204].includes(r.status), `status ${r.status}`);
    assert.equal(r.headers["access-control-allow-origin"], "*");
    assert.equal(r.headers["access-control-allow-credentials"], undefined);
    const methods = (r.headers["access-control-allow-methods"] ?? "").toUpperCase();
    for (const m of ["GET", "POST"]) assert.ok(methods.includes(m), `allow-methods: ${methods}`);
    const hdrs = (r.headers["access-control-allow-headers"] ?? "").toLowerCase();
    assert.ok(hdrs.includes("content-type") || hdrs === "*", `allow-headers: ${hdrs}`);
    // The preflight must not have hurt the session.
    assert.equal((await push(srv, sid, "4cors", P)).text, "ok");
    assert.equal((await poll(srv, sid, P)).text, "4cors");
  });
});

describe("CORS with a list of origins", () => {
  let listed;
  before(async () => {
    // Spaces (and a tab) around the names are not part of them.
    listed = await startServer([
      "--engine-io",
      "--cors-origin",
      "http://a.test , http://b.test,\thttp://c.test ",
    ]);
  });
  after(async () => {
    assert.equal((await listed.stop()).code, 0);
  });

  for (const origin of ["http://a.test", "http://b.test", "http://c.test"]) {
    test(`${origin} is echoed, with credentials`, async () => {
      const r = await request("GET", eioUrl(listed, { path: P }), { headers: { origin } });
      assert.equal(r.status, 200);
      assert.equal(r.headers["access-control-allow-origin"], origin);
      assert.equal(r.headers["access-control-allow-credentials"], "true");
      assert.match(r.headers.vary ?? "", /origin/i);
    });
  }

  for (const origin of ["http://d.test", "http://a.tes", "http://a.test.evil"]) {
    test(`${origin} gets no CORS headers`, async () => {
      const r = await request("GET", eioUrl(listed, { path: P }), { headers: { origin } });
      assert.equal(r.status, 200);
      assert.equal(r.headers["access-control-allow-origin"], undefined);
      assert.equal(r.headers["access-control-allow-credentials"], undefined);
    });
  }
});

test("server still alive", () => {
  assert.ok(srv.alive(), "server exited during the tests");
});
