// Socket.IO v5 protocol on the wire (raw WebSocket and raw polling)
// against the conformance server in its default mode (ping 300/200,
// connectTimeout 1000): what the socket.io-protocol suite checks, with
// exact bytes, plus namespaces, shutdown and the Engine.IO layer on
// /socket.io/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  RawWs,
  eioUrl,
  poll,
  pollPackets,
  pollingOpen,
  push,
  request,
  sioConnect,
  sleep,
  startServer,
  within,
  wsOpen,
  wsUrl,
} from "./lib.mjs";

let srv;

before(async () => {
  srv = await startServer();
});
after(async () => {
  const e = await srv.stop();
  assert.equal(e.code, 0, `server exit: ${JSON.stringify(e)}`);
});

const PH = (n) => `{"_placeholder":true,"num":${n}}`;

describe("Engine.IO on /socket.io/", () => {
  test("handshakes (polling and websocket)", async () => {
    const v = await pollingOpen(srv);
    assert.deepEqual(Object.keys(v).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
    assert.deepEqual(v.upgrades, ["websocket"]);
    assert.equal(v.pingInterval, 300);
    assert.equal(v.pingTimeout, 200);
    assert.equal(v.maxPayload, 1000000);
    const [c, w] = await wsOpen(srv);
    assert.deepEqual(w.upgrades, []);
    assert.equal(w.pingInterval, 300);
    c.close();
  });

  test("400 answers with code and message", async () => {
    const cases = [
      ["GET", "EIO=4&transport=abc", 0, "Transport unknown"],
      ["GET", "EIO=4&transport=polling&sid=nope", 1, "Session ID unknown"],
      ["POST", "EIO=4&transport=polling", 2, "Bad handshake method"],
      ["GET", "EIO=4&transport=websocket", 3, "Bad request"],
    ];
    for (const [m, q, code, message] of cases) {
      const r = await request(m, `${srv.base}/socket.io/?${q}`, { body: m === "POST" ? "" : undefined });
      assert.equal(r.status, 400, `${m} ${q}`);
      assert.deepEqual(JSON.parse(r.text), { code, message });
    }
    for (const q of ["transport=polling", "EIO=abc&transport=polling"]) {
      const r = await request("GET", `${srv.base}/socket.io/?${q}`);
      assert.equal(r.status, 400, q);
    }
  });

  test("websocket heartbeat: pings every pingInterval, pong keeps it", async () => {
    const [c] = await wsOpen(srv, { autoPong: false });
    for (let i = 0; i < 3; i++) {
      assert.equal(await c.next(2000, "ping"), "2");
      c.send("3");
    }
    assert.ok(c.isOpen);
    c.close();
  });

  test("websocket without pong is closed by the heartbeat", async () => {
    const [c] = await wsOpen(srv, { autoPong: false });
    const info = await c.waitClose(3000);
    const dt = info.at - c.openedAt;
    assert.ok(dt >= 400 && dt < 2000, `closed after ${dt} ms`);
  });

  test("polling heartbeat and ping timeout", async () => {
    // Two rounds only: at 1000 ms the connect timeout would close it.
    const { sid } = await pollingOpen(srv);
    for (let i = 0; i < 2; i++) {
      const g = await poll(srv, sid);
      assert.equal(g.text, "2");
      assert.equal((await push(srv, sid, "3")).text, "ok");
    }
    // No pong: ping at 300 ms, closed at 500 ms (before connectTimeout).
    const { sid: sid2 } = await pollingOpen(srv);
    await sleep(700);
    const r = await poll(srv, sid2);
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).code, 1);
  });

  test("upgrade: old sid dead for polling, second websocket closed", async () => {
    const { sid } = await pollingOpen(srv);
    const c = new RawWs(wsUrl(srv, { sid }));
    await within(c.opened, 3000, "ws open");
    c.send("2probe");
    assert.equal(await c.next(), "3probe");
    assert.equal((await poll(srv, sid)).text, "6");
    c.send("5");
    await sleep(50);
    assert.equal((await poll(srv, sid)).status, 400);
    const c2 = new RawWs(wsUrl(srv, { sid }));
    await c2.waitClose(3000);
    // The upgraded session still speaks Socket.IO.
    c.send("40");
    assert.match(await c.next(), /^40\{"sid":"[^"]+"\}$/);
    assert.equal(await c.next(), '42["auth",{}]');
    c.close();
  });

  test("close packet over polling and websocket", async () => {
    const { sid } = await pollingOpen(srv);
    const pending = poll(srv, sid);
    await sleep(20);
    assert.equal((await push(srv, sid, "1")).status, 200);
    assert.equal((await pending).text, "6");
    assert.equal((await poll(srv, sid)).status, 400);
    const [c] = await wsOpen(srv);
    c.send("1");
    await c.waitClose(2000);
  });
});

describe("connect", () => {
  test("main namespace: 40{sid} then auth {}", async () => {
    const [c] = await wsOpen(srv);
    c.send("40");
    const m = await c.next();
    assert.ok(m.startsWith("40"), m);
    const hs = JSON.parse(m.slice(2));
    assert.deepEqual(Object.keys(hs), ["sid"]);
    assert.equal(typeof hs.sid, "string");
    assert.ok(hs.sid.length > 0);
    assert.equal(await c.next(), '42["auth",{}]');
    c.close();
  });

  test("main namespace with a payload", async () => {
    const [c] = await wsOpen(srv);
    c.send('40{"token":"123"}');
    assert.match(await c.next(), /^40\{"sid":"[^"]+"\}$/);
    assert.equal(await c.next(), '42["auth",{"token":"123"}]');
    c.close();
  });

  test("payload with nested values and unicode is echoed as is", async () => {
    const auth = { a: [1, 2.5, null, true], s: "h\u00e9\u20ac\u{1F600}", o: { x: {} } };
    const c = await sioConnect(srv, { auth });
    c.close();
  });

  test("custom namespace, with and without trailing comma, with payload", async () => {
    for (const [pkt, auth] of [
      ["40/custom,", "{}"],
      ["40/custom", "{}"],
      ['40/custom,{"token":"abc"}', '{"token":"abc"}'],
    ]) {
      const [c] = await wsOpen(srv);
      c.send(pkt);
      const m = await c.next();
      assert.ok(m.startsWith("40/custom,"), m);
      assert.deepEqual(Object.keys(JSON.parse(m.slice(10))), ["sid"]);
      assert.equal(await c.next(), `42/custom,["auth",${auth}]`);
      c.close();
    }
  });

  test("two namespaces on one connection get distinct socket ids", async () => {
    const [c] = await wsOpen(srv);
    c.send("40");
    const a = JSON.parse((await c.next()).slice(2)).sid;
    assert.equal(await c.next(), '42["auth",{}]');
    c.send('40/custom,{"k":1}');
    const m = await c.next();
    assert.ok(m.startsWith("40/custom,"), m);
    const b = JSON.parse(m.slice(10)).sid;
    assert.notEqual(a, b);
    assert.equal(await c.next(), '42/custom,["auth",{"k":1}]');
    c.close();
  });

  test("unknown namespace: exact CONNECT_ERROR, connection stays usable", async () => {
    const [c] = await wsOpen(srv);
    c.send("40/random");
    assert.equal(await c.next(), '44/random,{"message":"Invalid namespace"}');
    c.send('40/random,{"x":1}');
    assert.equal(await c.next(), '44/random,{"message":"Invalid namespace"}');
    c.send("40");
    assert.match(await c.next(), /^40\{"sid":"[^"]+"\}$/);
    assert.equal(await c.next(), '42["auth",{}]');
    c.close();
  });

  test("invalid handshake closes the connection", async () => {
    const [c] = await wsOpen(srv);
    c.send("4abc");
    await c.waitClose(2000);
  });

  test("no CONNECT within connectTimeout closes the session (pongs sent)", async () => {
    const [c] = await wsOpen(srv, { autoPong: true });
    const info = await c.waitClose(4000);
    const dt = info.at - c.openedAt;
    assert.ok(dt >= 800 && dt < 3000, `closed after ${dt} ms`);
  });

  test("connectTimeout does not touch a connected session", async () => {
    const c = await sioConnect(srv);
    await sleep(1600);
    assert.ok(c.isOpen, "closed although connected");
    c.send('42["message","late"]');
    assert.equal(await c.next(), '42["message-back","late"]');
    c.close();
  });

  test("connectTimeout over polling", async () => {
    const { sid } = await pollingOpen(srv);
    const t0 = Date.now();
    let status = 200;
    for (let i = 0; i < 20 && status === 200; i++) {
      const g = await poll(srv, sid);
      status = g.status;
      if (status !== 200) break;
      const pk = g.text.split("\x1e");
      for (const p of pk) assert.ok(["2", "1", "6"].includes(p), `unexpected ${p}`);
      if (pk.includes("2")) await push(srv, sid, "3");
      if (pk.includes("1")) status = -1;
    }
    const dt = Date.now() - t0;
    assert.ok(dt >= 800 && dt < 3000, `closed after ${dt} ms`);
  });
});

describe("disconnect", () => {
  test("41 leaves the main namespace; nothing but pings follows", async () => {
    const c = await sioConnect(srv, { autoPong: false });
    c.send("41");
    assert.equal(await c.next(2000, "ping"), "2");
    c.send("3");
    c.close();
  });

  test("leave /custom, main namespace keeps working", async () => {
    const c = await sioConnect(srv);
    c.send("40/custom");
    assert.ok((await c.next()).startsWith("40/custom,"));
    assert.equal(await c.next(), '42/custom,["auth",{}]');
    c.send("41/custom");
    c.send('42["message","message to main namespace"]');
    assert.equal(await c.next(), '42["message-back","message to main namespace"]');
    // And /custom can be joined again.
    c.send("40/custom,");
    assert.ok((await c.next()).startsWith("40/custom,"));
    assert.equal(await c.next(), '42/custom,["auth",{}]');
    c.close();
  });
});

describe("events and acks", () => {
  test("plain-text event echoed with the same arguments", async () => {
    const c = await sioConnect(srv);
    c.send('42["message",1,"2",{"3":[true]}]');
    assert.equal(await c.next(), '42["message-back",1,"2",{"3":[true]}]');
    c.send('42["message"]');
    assert.equal(await c.next(), '42["message-back"]');
    c.send('42["message",null,-0.5,1e3,"\\u00e9\\n",[[]],{}]');
    const m = await c.next();
    assert.ok(m.startsWith('42["message-back",'), m);
    assert.deepEqual(JSON.parse(m.slice(2)), ["message-back", null, -0.5, 1000, "\u00e9\n", [[]], {}]);
    c.close();
  });

  test("ack: exact bytes", async () => {
    const c = await sioConnect(srv);
    c.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal(await c.next(), '43456[1,"2",{"3":[false]}]');
    c.send('420["message-with-ack"]');
    assert.equal(await c.next(), "430[]");
    c.send('429007199254740991["message-with-ack","max"]');
    assert.equal(await c.next(), '439007199254740991["max"]');
    c.close();
  });

  test("binary event: placeholders and attachments echoed exactly", async () => {
    const c = await sioConnect(srv);
    c.send(`452-["message",${PH(0)},${PH(1)}]`);
    c.send(Uint8Array.from([1, 2, 3]));
    c.send(Uint8Array.from([4, 5, 6]));
    assert.equal(await c.next(), `452-["message-back",${PH(0)},${PH(1)}]`);
    assert.deepEqual(await c.next(), Buffer.from([1, 2, 3]));
    assert.deepEqual(await c.next(), Buffer.from([4, 5, 6]));
    c.close();
  });

  test("binary ack: exact bytes", async () => {
    const c = await sioConnect(srv);
    c.send(`452-789["message-with-ack",${PH(0)},${PH(1)}]`);
    c.send(Uint8Array.from([1, 2, 3]));
    c.send(Uint8Array.from([4, 5, 6]));
    assert.equal(await c.next(), `462-789[${PH(0)},${PH(1)}]`);
    assert.deepEqual(await c.next(), Buffer.from([1, 2, 3]));
    assert.deepEqual(await c.next(), Buffer.from([4, 5, 6]));
    c.close();
  });

  test("nested binary, mixed with text, empty attachment", async () => {
    const c = await sioConnect(srv);
    c.send(`453-["message","t",{"a":[${PH(1)},{"b":${PH(0)}}]},${PH(2)},7]`);
    c.send(Buffer.from([0xaa]));
    c.send(Buffer.from("second"));
    c.send(Buffer.alloc(0));
    const head = await c.next();
    // The server renumbers in its own walk order; check the structure.
    const m = head.match(/^453-(\[.*\])$/);
    assert.ok(m, head);
    const atts = [await c.next(), await c.next(), await c.next()];
    for (const a of atts) assert.ok(Buffer.isBuffer(a));
    const resolve = (v) =>
      v && typeof v === "object" && v._placeholder === true ? atts[v.num].toString("hex") :
      Array.isArray(v) ? v.map(resolve) :
      v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)])) : v;
    assert.deepEqual(resolve(JSON.parse(m[1])), ["message-back", "t", { a: [Buffer.from("second").toString("hex"), { b: "aa" }] }, "", 7]);
    c.close();
  });

  test("binary event over polling (b<base64>)", async () => {
    const { sid } = await pollingOpen(srv);
    assert.equal((await push(srv, sid, "40")).text, "ok");
    const hs = await pollPackets(srv, sid);
    assert.match(hs[0], /^40\{"sid":"[^"]+"\}$/);
    const rest = hs.length > 1 ? hs.slice(1) : await pollPackets(srv, sid);
    assert.deepEqual(rest, ['42["auth",{}]']);
    const body = `451-["message",${PH(0)}]\x1eb${Buffer.from([1, 2, 3, 255]).toString("base64")}`;
    assert.equal((await push(srv, sid, body)).text, "ok");
    const got = await pollPackets(srv, sid);
    assert.deepEqual(got, [`451-["message-back",${PH(0)}]`, "bAQID/w=="]);
    assert.equal((await push(srv, sid, "1")).status, 200);
  });

  test("unknown event with an ack id gets an error ack; without, nothing", async () => {
    const c = await sioConnect(srv);
    c.send('42["nope",1]');
    c.send('4212["nope",1]');
    assert.equal(await c.next(), '4312[{"error":"unknown event"}]');
    c.close();
  });

  test("/custom has no message handler: events are not echoed there", async () => {
    const c = await sioConnect(srv);
    c.send("40/custom,");
    assert.ok((await c.next()).startsWith("40/custom,"));
    assert.equal(await c.next(), '42/custom,["auth",{}]');
    c.send('42/custom,["message","x"]');
    c.send('42/custom,5["message-with-ack","x"]');
    assert.equal(await c.next(), '43/custom,5[{"error":"unknown event"}]');
    c.send('42["message","y"]');
    assert.equal(await c.next(), '42["message-back","y"]');
    c.close();
  });

  test("a burst of events in one polling POST is answered in order", async () => {
    const { sid } = await pollingOpen(srv);
    await push(srv, sid, "40");
    const got = [];
    for (let i = 0; i < 10 && got.length < 2; i++) got.push(...(await pollPackets(srv, sid)));
    assert.equal(got[1], '42["auth",{}]');
    const N = 300;
    const body = Array.from({ length: N }, (_, i) => `42${i}["message-with-ack",${i}]`).join("\x1e");
    assert.equal((await push(srv, sid, body)).text, "ok");
    const acks = [];
    for (let i = 0; i < 50 && acks.length < N; i++) acks.push(...(await pollPackets(srv, sid)));
    assert.deepEqual(acks, Array.from({ length: N }, (_, i) => `43${i}[${i}]`));
    await push(srv, sid, "1");
  });
});

describe("shutdown", () => {
  test("SIGTERM: DISCONNECT on every namespace (ws and polling), exit 0 within 5 s", async () => {
    const s = await startServer();
    try {
      const c = await sioConnect(s);
      c.send("40/custom,");
      assert.ok((await c.next()).startsWith("40/custom,"));
      assert.equal(await c.next(), '42/custom,["auth",{}]');
      // A polling client connected to "/", with a GET pending.
      const { sid } = await pollingOpen(s);
      await push(s, sid, "40");
      const hs = [];
      for (let i = 0; i < 5 && hs.length < 2; i++) hs.push(...(await pollPackets(s, sid)));
      assert.equal(hs[1], '42["auth",{}]');
      const pending = poll(s, sid, "/socket.io/", 6000);
      await sleep(50);
      const t0 = Date.now();
      s.signal("SIGTERM");
      const seen = [];
      for (let i = 0; i < 4 && seen.length < 2; i++) {
        const m = await c.next(5000, "DISCONNECT").catch(() => null);
        if (m === null) break;
        seen.push(m);
      }
      assert.deepEqual(seen.sort(), ["41", "41/custom,"]);
      await c.waitClose(5000);
      // The pending GET may have been answered by a ping just before the
      // signal: poll again (bounded) until the DISCONNECT shows up.
      let g = await pending;
      const polled = [];
      for (let i = 0; i < 4; i++) {
        assert.ifError(g.error);
        assert.equal(g.status, 200, `poll ${i}: ${g.status} ${g.text}`);
        const pk = g.text.split("\x1e");
        polled.push(...pk);
        if (pk.includes("41")) break;
        if (pk.includes("2")) await push(s, sid, "3");
        g = await poll(s, sid, "/socket.io/", 6000);
      }
      assert.ok(polled.includes("41"), `polls got ${JSON.stringify(polled)}`);
      const e = await within(s.exited, 5000, "exit after SIGTERM");
      assert.equal(e.code, 0);
      assert.ok(e.at - t0 < 5000);
    } finally {
      await s.stop();
    }
  });
});

test("server still alive", () => {
  assert.ok(srv.alive(), "server exited during the tests");
});
