// The conformance server's command line (sio_app.h's standard options and
// its own --engine-io): usage errors, --help, the start line, option
// values visible in the handshake, SIGINT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BIN, pollingOpen, startServer, within } from "./lib.mjs";

function run(args) {
  return spawnSync(BIN, args, { encoding: "utf8", timeout: 5000 });
}

test("bad options: usage on stderr, exit 1, nothing on stdout", () => {
  for (const args of [
    ["--bogus"],
    ["--port"],
    ["--port", "65536"],
    ["--port", "-1"],
    ["--port", "12x"],
    ["--ping-interval", "abc"],
    ["--ping-timeout", ""],
    ["--max-payload", "0"],
    ["--connect-timeout", "-5"],
    ["extra-argument"],
    ["--log-level", "loud"],
    ["--max-buffered", "0"],
    ["--www", ""],
    ["--recovery", "0"],
    ["--recovery", "86401"],
    ["--engine-io=yes"],
  ]) {
    const r = run(args);
    assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}`);
    assert.match(r.stderr, /usage:/, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
});

test("--help: usage on stdout, exit 0", () => {
  const r = run(["--help"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage:/);
  for (const o of ["--host", "--port", "--ping-interval", "--ping-timeout", "--max-payload", "--connect-timeout",
    "--max-buffered", "--cors-origin", "--tls-cert", "--trusted-proxies", "--log-level", "--recovery", "--www", "--client-js", "--engine-io"])
    assert.ok(r.stdout.includes(o), o);
});

test("options reach the handshake; SIGINT stops with exit 0", async () => {
  const s = await startServer(["--ping-interval", "1234", "--ping-timeout", "4321", "--max-payload", "5000"]);
  try {
    const v = await pollingOpen(s);
    assert.equal(v.pingInterval, 1234);
    assert.equal(v.pingTimeout, 4321);
    assert.equal(v.maxPayload, 5000);
    s.signal("SIGINT");
    const e = await within(s.exited, 5000, "exit after SIGINT");
    assert.equal(e.code, 0);
    assert.match(s.out, /^conformance: listening on http:\/\/127\.0\.0\.1:\d+\/\n/);
    assert.equal(s.out.split("\n").filter((l) => l.startsWith("conformance: listening")).length, 1);
  } finally {
    await s.stop();
  }
});

test("--engine-io serves /engine.io/ only", async () => {
  const s = await startServer(["--engine-io"]);
  try {
    const v = await pollingOpen(s, "/engine.io/");
    assert.equal(v.pingInterval, 300);
    await assert.rejects(pollingOpen(s, "/socket.io/"));
  } finally {
    const e = await s.stop();
    assert.equal(e.code, 0);
  }
});

test("a busy port: exit 1 with a message", async () => {
  const s = await startServer();
  try {
    const r = run(["--port", String(s.port)]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.length > 0);
    assert.equal(r.stdout, "");
  } finally {
    await s.stop();
  }
});
