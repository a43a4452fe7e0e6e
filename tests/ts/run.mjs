// Runs the compiled typed client (client.ts, through tsc) against a chat
// server it starts on 127.0.0.1 with lib.mjs's startServer:
//   node tests/ts/run.mjs OUT/client.js      (SIO_CHAT_BIN: the server)
// Prints one line per check and ends with "client: N passed, N failed".
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startServer, within } from "../interop/lib.mjs";

const clientJs = process.argv[2];
const bin = process.env.SIO_CHAT_BIN;
let pass = 0;
let fail = 0;
const report = {
  ok(what) {
    console.log(`ok ${what}`);
    pass++;
  },
  fail(what, why) {
    console.log(`FAIL ts client: ${what}: ${why}`);
    fail++;
  },
};

let srv;
try {
  const { check } = await import(pathToFileURL(path.resolve(clientJs)).href);
  srv = await startServer([], { bin, name: "chat" });
  await within(check(srv.base, report), 30000, "the typed client");
} catch (e) {
  report.fail("run", e && e.message ? e.message : String(e));
}
if (srv) {
  const stop = await srv.stop();
  if (stop.code !== 0) report.fail("server exit", JSON.stringify(stop));
}
console.log(`client: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
