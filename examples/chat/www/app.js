// The chat page: a thin client of the chat example's events
// (docs/examples.md, "chat"), with the official socket.io-client.
"use strict";

const $ = (id) => document.getElementById(id);
let socket = null;

function log(kind, text, extra) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  if (extra) li.appendChild(extra);
  $("log").appendChild(li);
  $("log").scrollTop = $("log").scrollHeight;
}

function setConnected(on) {
  for (const id of ["join", "leave", "say", "upload"]) $(id).disabled = !on;
  $("status").textContent = on ? `connected as ${$("name").value.trim()}`
                               : "not connected";
}

// An ack is the value, or {error} when the server refused; no answer
// within 5 s is logged too (not left as an unhandled rejection).
async function call(event, ...args) {
  let reply;
  try {
    reply = await socket.timeout(5000).emitWithAck(event, ...args);
  } catch (e) {
    log("error", `${event}: no answer (${e.message})`);
    return undefined;
  }
  if (reply && typeof reply === "object" && "error" in reply) {
    log("error", `${event}: ${reply.error}`);
    return undefined;
  }
  return reply;
}

function fileLink(name, data) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([data]));
  a.download = name;
  a.textContent = name;
  return a;
}

function listen(s) {
  s.on("connect", () => { setConnected(true); log("info", "connected"); });
  s.on("connect_error", (e) => log("error", `cannot connect: ${e.message}`));
  s.on("disconnect", (why) => { setConnected(false); log("info", `disconnected (${why})`); });
  s.on("joined", (who, room) => log("join", `${who} joined ${room}`));
  s.on("left", (who, room) => log("leave", `${who} left ${room}`));
  s.on("said", (from, room, text) => log("said", `[${room}] ${from}: ${text}`));
  s.on("file", (from, room, name, data) =>
    log("file", `[${room}] ${from} sent `, fileLink(name, data)));
  s.on("ping", (n, ack) => ack(n));
}

$("who").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("name").value.trim();
  if (!name) return log("error", "pick a name first");
  if (socket) socket.disconnect();
  socket = io({ auth: { name } });
  listen(socket);
});

$("rooms").addEventListener("submit", async (e) => {
  e.preventDefault();
  const room = $("room").value.trim();
  const members = await call("join", room);
  if (members !== undefined) log("info", `in ${room} (${members} here)`);
});

$("leave").addEventListener("click", async () => {
  const room = $("room").value.trim();
  if ((await call("leave", room)) !== undefined) log("info", `left ${room}`);
});

$("talk").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("text").value;
  if (!text) return;
  if (await call("say", $("room").value.trim(), text)) $("text").value = "";
});

$("send").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("file").files[0];
  if (!file) return log("error", "choose a file first");
  // The server refuses more than 1 MiB (and drops the connection for
  // more than 2 MiB): say so here instead.
  if (file.size > 1024 * 1024) return log("error", `${file.name}: over 1 MiB`);
  const data = new Uint8Array(await file.arrayBuffer());
  const size = await call("upload", $("room").value.trim(), file.name, data);
  if (size !== undefined) {
    log("info", `sent ${file.name} (${size} bytes)`);
    $("file").value = "";
  }
});
