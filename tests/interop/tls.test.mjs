// TLS: the conformance and chat servers with --tls-cert/--tls-key, and
// socket.io-client (Node) verifying a certificate made for this run
// against its own copy as the CA: websocket, polling and the upgrade
// work over TLS; a client that does not trust the certificate, or that
// speaks plain HTTP to the port, gets nowhere.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";
import { request, startServer, within } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHAT_BIN =
  process.env.SIO_CHAT_BIN ?? path.resolve(HERE, "../../build/examples/chat");

let dir, cert, key, ca;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sioc-tls-"));
  cert = path.join(dir, "cert.pem");
  key = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
      "-out", cert, "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    { stdio: "ignore" },
  );
  ca = fs.readFileSync(cert);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Connects, sends "message" and resolves to what "message-back" carried
// and the transport the socket ended on.
async function roundTrip(base, opts) {
  const socket = io(base, { forceNew: true, reconnection: false, ...opts });
  try {
    await within(
      new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      }),
      5000,
      "connect over TLS",
    );
    const back = new Promise((resolve) => socket.once("message-back", (...a) => resolve(a)));
    socket.emit("message", "over tls", 42);
    const args = await within(back, 5000, "message-back");
    if (!opts.transports)
      await within(
        new Promise((resolve) => {
          if (socket.io.engine.transport.name === "websocket") resolve();
          else socket.io.engine.once("upgrade", resolve);
        }),
        5000,
        "upgrade",
      );
    return { args, transport: socket.io.engine.transport.name };
  } finally {
    socket.disconnect();
  }
}

describe("conformance over TLS", () => {
  let srv;
  before(async () => {
    srv = await startServer([
      "--tls-cert", cert, "--tls-key", key,
      "--ping-interval", "25000", "--ping-timeout", "20000",
    ]);
  });
  after(() => srv?.stop());

  test("the start line says https", () => {
    assert.match(srv.base, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  for (const transports of [["websocket"], ["polling"]]) {
    test(`${transports[0]} only: an event and its answer`, async () => {
      const r = await roundTrip(srv.base, { ca, transports });
      assert.deepEqual(r.args, ["over tls", 42]);
      assert.equal(r.transport, transports[0]);
    });
  }

  test("polling then the upgrade to websocket", async () => {
    const r = await roundTrip(srv.base, { ca });
    assert.deepEqual(r.args, ["over tls", 42]);
    assert.equal(r.transport, "websocket");
  });

  test("a client that does not trust the certificate cannot connect", async () => {
    await assert.rejects(
      roundTrip(srv.base, { transports: ["websocket"] }),
      (e) => /certificate|self.signed/i.test(String(e?.description?.message ?? e?.message ?? e)),
    );
  });

  test("plain HTTP to the TLS port gets no Engine.IO answer", async () => {
    const url = srv.base.replace("https:", "http:") + "/socket.io/?EIO=4&transport=polling";
    let body = "";
    try {
      const r = await request("GET", url, { timeoutMs: 3000 });
      body = String(r.body ?? "");
    } catch {
      body = "";
    }
    assert.doesNotMatch(body, /"sid"/);
  });

  test("the server still serves after the refused clients", async () => {
    const r = await roundTrip(srv.base, { ca, transports: ["websocket"] });
    assert.deepEqual(r.args, ["over tls", 42]);
  });
});

describe("chat over TLS", () => {
  let srv;
  before(async () => {
    srv = await startServer(
      ["--www", path.resolve(HERE, "../../examples/chat/www"),
        "--tls-cert", cert, "--tls-key", key],
      { bin: CHAT_BIN, name: "chat" },
    );
  });
  after(() => srv?.stop());

  test("the page is served over https to a client that trusts the CA", async () => {
    const status = await within(
      new Promise((resolve, reject) => {
        https
          .get(srv.base + "/", { ca }, (res) => {
            res.resume();
            resolve(res.statusCode);
          })
          .on("error", reject);
      }),
      5000,
      "GET / over https",
    );
    assert.equal(status, 200);
  });
});
