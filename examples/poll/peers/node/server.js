// poll - the live poll of docs/examples.md ("poll") on Node's socket.io.
//   PORT=8000 POLL_PASSWORD=... node server.js
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { Server } = require("socket.io");

const CHOICES = ["c", "python", "js"];
const page = fs.readFileSync(path.join(__dirname, "../../www/index.html"));
const server = http.createServer((req, res) => {
  if (req.url !== "/") return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": "text/html" }).end(page);
});
const io = new Server(server);
const tally = Object.fromEntries(CHOICES.map((c) => [c, 0]));

io.use((socket, next) => {
  const name = socket.handshake.auth.name;
  const ok = typeof name === "string" && [...name].length >= 1 && [...name].length <= 32;
  next(ok ? undefined : new Error("name required"));
});
io.on("connection", (socket) => {
  socket.on("vote", (choice, cb) => {
    const ack = typeof cb === "function" ? cb : () => {}; // a client may send none
    if (!CHOICES.includes(choice)) return ack({ error: "choice: expected one of c, python, js" });
    if (socket.rooms.has("voted")) return ack({ error: "already voted" });
    socket.join("voted");
    tally[choice]++;
    io.to("voted").emit("tally", tally, socket.handshake.auth.name);
    ack(tally);
  });
});

const admin = io.of("/admin");
admin.use((socket, next) => {
  const password = process.env.POLL_PASSWORD;
  const ok = password && socket.handshake.auth.password === password;
  next(ok ? undefined : new Error("unauthorized"));
});
admin.on("connection", (socket) => {
  socket.on("reset", (cb) => {
    const ack = typeof cb === "function" ? cb : () => {};
    for (const c of CHOICES) tally[c] = 0;
    io.to("voted").emit("tally", tally, null);
    io.in("voted").socketsLeave("voted");
    ack(true);
  });
});

server.listen(Number(process.env.PORT || 8000), "127.0.0.1");
